"""benchmarks/bench_scaling.py on tiny sizes: its table, its exponents, its time budget.

Each point runs in a worker process of its own (1 to 2 s to start), so these tests run five.
"""

from __future__ import annotations

import csv
import math

import pytest
from benchmark_scripts import load_benchmark

from normbench.vocab import pair_key


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_scaling")


def _rows(records, loss, penalty):
    return [r for r in records if (r["loss"], r["penalty"]) == (loss, penalty)]


def test_n_run_measures_every_point_of_every_pair(bench, capsys, tmp_path):
    table = tmp_path / "scaling.csv"
    argv = ["--runs", "n", "--n-points", "300", "100", "--n-fixed-p", "500"]
    results = bench.main([*argv, "--pairs", "l2:l1", "l1:l1", "--csv", str(table)])
    assert set(results) == {"n"}
    records, exponents = results["n"]
    printed = capsys.readouterr().out
    for loss, penalty in [("l2", "l1"), ("l1", "l1")]:
        rows = _rows(records, loss, penalty)
        assert [(r["n"], r["p"]) for r in rows] == [(100, 500), (300, 500)]
        for r in rows:
            assert r["status"] == "ok", r
            assert r["seconds"] > 0
            # the fit's own peak: at least the standardised copy of X it makes (0.4 to 1.2 MB)
            assert r["fit_mb"] > 0
            assert r["peak_mb"] >= r["before_mb"] > 0
        slope, last, count = exponents[(loss, penalty)]
        assert count == 2 and math.isfinite(slope) and slope == pytest.approx(last)
        row = next(
            line for line in printed.splitlines() if line.startswith(f"{pair_key(loss, penalty)} ")
        )
        assert row.count("MB") == 2
    header = next(line for line in printed.splitlines() if line.startswith("pair") and "n=" in line)
    assert "n=100" in header and "n=300" in header
    assert "growth exponent of time in n" in printed
    with open(table, newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [(w["loss"], w["n"], w["status"]) for w in written] == [
        ("l2", "100", "ok"),
        ("l2", "300", "ok"),
        ("l1", "100", "ok"),
        ("l1", "300", "ok"),
    ]


def test_a_point_over_budget_skips_the_larger_points(bench, capsys):
    argv = ["--runs", "p", "--p-points", "100", "200", "400", "--p-fixed-n", "50"]
    results = bench.main([*argv, "--pairs", "l2:l1", "--budget", "1e-9"])
    records, exponents = results["p"]
    assert [(r["p"], r["status"]) for r in records] == [
        (100, "over budget"),
        (200, "skipped"),
        (400, "skipped"),
    ]
    slope, last, count = exponents[("l2", "l1")]
    assert count == 0 and math.isnan(slope) and math.isnan(last)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("l2+l1 "))
    assert row.split()[1:] == ["over", "budget", "skipped", "skipped"]


def test_growth_exponent_is_the_slope_on_log_scales(bench):
    # time = 3 n^2 on the first points, then 3 n^3 between the last two: a known answer
    sizes, seconds = [100, 200, 400], [3e-4 * 1, 3e-4 * 4, 3e-4 * 32]
    records = [
        {"loss": "l2", "penalty": "l1", "n": n, "status": "ok", "seconds": s}
        for n, s in zip(sizes, seconds, strict=True)
    ]
    records.append({"loss": "l2", "penalty": "l1", "n": 800, "status": "skipped"})
    slope, last, count = bench.growth_exponents(records, "n")["l2", "l1"]
    assert count == 3
    assert last == pytest.approx(3.0)
    # least squares through log-points (0, 0), (1, 2), (2, 5) in units of log 2
    assert slope == pytest.approx(2.5)


def test_pairs_are_checked_and_huber_delta_matches_the_estimator(bench):
    from normbench.models.estimators import HUBER_EFFICIENCY_CONSTANT

    assert bench.HUBER_EFFICIENCY_CONSTANT == HUBER_EFFICIENCY_CONSTANT
    assert bench._pairs(["huber:elasticnet"]) == [("huber", "elasticnet")]
    assert len(bench._pairs(None)) == 12
    with pytest.raises(ValueError, match="loss"):
        bench._pairs(["l3:l1"])
