"""`normbench compare`: two runs matched cell by cell (dataset, replicate, loss, penalty)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake_cli import snakemake_executable

from normbench.cli import main
from normbench.report.compare import compare_runs

REPO = Path(__file__).resolve().parents[1]


def _write_run(directory, metrics, timings=None):
    results = directory / "results"
    results.mkdir(parents=True)
    metrics.to_csv(results / "metrics.csv", index=False)
    if timings is not None:
        timings.to_csv(results / "timings.csv", index=False)
    return directory


def _metrics(datasets=("a", "b"), replicates=(1, 2)):
    rows = [
        {
            "dataset": dataset,
            "replicate": replicate,
            "loss": loss,
            "penalty": penalty,
            "status": "ok",
            "message": "",
            "lam": 0.1 * replicate,
            "risk": 1.0 + replicate,
        }
        for dataset in datasets
        for replicate in replicates
        for loss in ("l2", "l1")
        for penalty in ("l1", "l2")
    ]
    return pd.DataFrame(rows)


def _timings(metrics, seconds):
    timings = metrics[["dataset", "replicate", "loss", "penalty"]].copy()
    timings["fit_seconds"] = seconds
    return timings


def test_identical_runs(tmp_path, capsys):
    metrics = _metrics()
    run_a = _write_run(tmp_path / "a", metrics, _timings(metrics, 1.0))
    run_b = _write_run(tmp_path / "b", metrics, _timings(metrics, 2.0))
    out = tmp_path / "compare.html"
    assert main(["compare", str(run_a), str(run_b), "-o", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "identical"
    page = out.read_text(encoding="utf-8")
    # times differ (2x) but are never a change; their ratio is shown per pair
    assert "identical" in page
    assert "l2+l1" in page


def test_changed_cells_are_counted_per_dataset_and_value(tmp_path, capsys):
    metrics = _metrics()
    changed = metrics.copy()
    in_b = changed["dataset"] == "b"
    changed.loc[in_b & (changed["loss"] == "l1"), "risk"] += 0.5
    changed.loc[in_b & (changed["replicate"] == 1) & (changed["penalty"] == "l2"), "status"] = (
        "not_converged"
    )
    run_a = _write_run(tmp_path / "a", metrics)
    run_b = _write_run(tmp_path / "b", changed)
    comparison = compare_runs(run_a, run_b)
    # dataset b: 4 cells with loss l1, plus (rep 1, l2+l2): 5 distinct cells
    assert comparison.n_changed == 5
    assert comparison.headline() == "5 cells changed"
    assert comparison.by_dataset() == {"b": 5}
    assert set(comparison.changes["column"]) == {"risk", "status"}
    status = comparison.changes[comparison.changes["column"] == "status"].iloc[0]
    assert (status["a"], status["b"]) == ("ok", "not_converged")
    assert main(["compare", str(run_a), str(run_b)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["5 cells changed", "  b: 5 cells changed"]


def test_cells_in_one_run_only(tmp_path):
    run_a = _write_run(tmp_path / "a", _metrics(datasets=("a",)))
    run_b = _write_run(tmp_path / "b", _metrics(datasets=("a", "c")))
    comparison = compare_runs(run_a, run_b)
    assert comparison.by_dataset() == {"c": 8}
    assert set(comparison.changes["kind"]) == {"only in B"}


def test_a_directory_without_results_is_a_clear_error(tmp_path, capsys):
    run_a = _write_run(tmp_path / "a", _metrics())
    assert main(["compare", str(run_a), str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "empty" in err and "results/metrics.csv not found" in err


def test_the_console_script_runs(tmp_path):
    run_a = _write_run(tmp_path / "a", _metrics())
    result = subprocess.run(
        [sys.executable, "-m", "normbench.cli", "compare", str(run_a), str(run_a)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "identical"


# Two real runs whose configs differ in one dataset: only that dataset's cells change.
_SMALL_STUDY = {
    "seed": 3,
    "replicates": 1,
    "models": {"losses": ["l2", "l1"], "penalties": ["none", "l1"]},
    "cv": {"folds": 3, "n_lams": 4, "l1_ratios": [0.5]},
    "datasets": {
        name: {
            "n_train": 25,
            "n_test": 40,
            "p": 30,
            "design": {"kind": "block", "group_size": 5, "rho": 0.5},
            "coef": {"n_nonzero": 4, "placement": "grouped"},
            "noise": {"family": "gaussian", "snr": 2.0},
        }
        for name in ("kept", "edited")
    },
}


def _snakemake(workdir, config_path, *targets):
    command = [snakemake_executable(), "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += ["--configfile", str(config_path), "--cores", "2", *targets]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_two_real_runs_differing_in_one_dataset(tmp_path, capsys):
    config_a = tmp_path / "a.yaml"
    config_a.write_text(yaml.safe_dump(_SMALL_STUDY), encoding="utf-8")
    edited = yaml.safe_load(yaml.safe_dump(_SMALL_STUDY))
    edited["datasets"]["edited"]["noise"]["snr"] = 4.0
    config_b = tmp_path / "b.yaml"
    config_b.write_text(yaml.safe_dump(edited), encoding="utf-8")

    first, again, other = tmp_path / "first", tmp_path / "again", tmp_path / "other"
    targets = ("results/metrics.csv", "results/timings.csv")
    _snakemake(first, config_a, *targets)
    _snakemake(again, config_a, *targets)
    # the edited study reuses the first run's files: Snakemake reruns only what the edit touches
    shutil.copytree(first, other)
    _snakemake(other, config_b, *targets)

    assert main(["compare", str(first), str(again)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "identical"

    comparison = compare_runs(first, other)
    assert comparison.by_dataset() == {"edited": 4}
    assert main(["compare", str(first), str(other), "-o", str(tmp_path / "c.html")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "4 cells changed"


def test_integers_and_floats_of_equal_value_are_no_change(tmp_path):
    metrics = _metrics()
    as_float = metrics.astype({"risk": float})
    as_int = metrics.astype({"risk": int})
    as_int["risk"] = as_int["risk"].astype(int)
    run_a = _write_run(tmp_path / "a", as_float.assign(risk=as_float["risk"].round()))
    run_b = _write_run(tmp_path / "b", as_int)
    assert compare_runs(run_a, run_b).headline() == "identical"
