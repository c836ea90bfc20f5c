"""benchmarks/bench_huber_delta.py on config/test.yaml: the --per-delta breakdown accounts for
every lam point the CV fits solve, under the config's delta factors (one worker, about 4 s)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

from normbench.study.config import load_study_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "test.yaml"


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_huber_delta")


def test_per_delta_breakdown_adds_up_to_the_fits_work(bench, capsys):
    assert bench.main(["--config", str(CONFIG), "--per-delta"]) == 0
    printed = capsys.readouterr().out
    work_line = next(line for line in printed.splitlines() if "huber+l1" in line and " / " in line)
    points = {
        pair: int(count.replace(",", ""))
        for pair, count in re.findall(r"(\w+\+\w+) ([\d,]+) / ", work_line)
    }
    factors = load_study_config(CONFIG).cv["delta_factors"]  # the schema default here
    for penalty in ("l1", "elasticnet"):
        line = next(
            line for line in printed.splitlines() if re.match(rf"this\s+{penalty}\s+l2 ", line)
        )
        l2_points = int(re.search(r"l2 (\d+) pts", line).group(1))
        by_factor = {
            float(factor): int(count) for factor, count in re.findall(r"; ([\d.]+): (\d+) \(", line)
        }
        assert l2_points == points[f"l2+{penalty}"]
        assert sorted(by_factor) == sorted(float(f) for f in factors)
        assert sum(by_factor.values()) == points[f"huber+{penalty}"]
        # each factor's time per point and its ratio to the squared loss's are printed, positive
        for ms, ratio in re.findall(r"([\d.]+) ms \(x([\d.]+)\)", line):
            assert float(ms) > 0 and float(ratio) > 0
