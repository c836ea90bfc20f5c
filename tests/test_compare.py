"""`normbench compare`: two runs matched cell by cell (dataset, replicate, loss, penalty)."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from metrics_tables import fit_row, results_table
from scipy import stats
from snakemake_cli import snakemake_executable

from normbench.analysis.best_set import BEST_SET_COLUMNS
from normbench.analysis.compare import compare_runs, conclusions_diff
from normbench.analysis.findings import FINDINGS_COLUMNS
from normbench.analysis.run import analyse
from normbench.cli import main
from normbench.study.store import METRICS_COLUMNS, read_metrics, write_table
from normbench.vocab import pair_key

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


# ------------------------------------------------------------------ conclusions (issue 23)


def _summary(estimates, mcses, n=10):
    """A summary table of medians, one per row (distinct datasets), as its reader returns it."""
    size = len(estimates)
    return pd.DataFrame(
        {
            "what": "median",
            "dataset": [f"d{i}" for i in range(size)],
            "pair": "l2+l1",
            "metric": "risk",
            "estimate": estimates,
            "mcse": mcses,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "n_replicates": n,
        }
    )


def _tables(summary, findings=None, best_set=None):
    return {
        "findings": pd.DataFrame(columns=FINDINGS_COLUMNS) if findings is None else findings,
        "best_set": pd.DataFrame(columns=BEST_SET_COLUMNS) if best_set is None else best_set,
        "summary": summary,
    }


@pytest.mark.parametrize("z", [2.0, 3.0])
def test_noise_only_flags_medians_at_the_rate_z_states(z):
    # each run's median is the truth plus normal noise whose sd is the mcse it reports, which
    # differs from row to row: |m_A - m_B| / sqrt(mcse_A^2 + mcse_B^2) is then standard normal
    rows = 200_000
    rng = np.random.default_rng(23)
    truth = rng.uniform(0.5, 5.0, rows)
    mcse = rng.uniform(0.01, 0.5, rows)
    run_a = _summary(truth + mcse * rng.standard_normal(rows), mcse)
    run_b = _summary(truth + mcse * rng.standard_normal(rows), mcse)
    diff = conclusions_diff(_tables(run_a), _tables(run_b), z=z)
    assert set(diff["kind"]) <= {"median"}
    expected = 2.0 * stats.norm.sf(z)
    rate = len(diff) / rows
    # within 4 Monte Carlo standard errors of the stated rate (0.27 % at z = 3)
    assert abs(rate - expected) < 4.0 * np.sqrt(expected * (1.0 - expected) / rows)


def test_identical_tables_change_no_conclusion_and_one_value_medians_are_not_tested():
    summary = _summary([1.0, 2.0, 3.0], [0.1, np.nan, 0.0])
    moved = summary.assign(estimate=[1.0, 9.0, 3.0])
    assert conclusions_diff(_tables(summary), _tables(summary)).empty
    # no Monte Carlo error: not tested, however far it moved
    assert conclusions_diff(_tables(summary), _tables(moved)).empty
    # a median with no spread (mcse 0) that moves at all has moved
    moved.loc[2, "estimate"] = 3.5
    diff = conclusions_diff(_tables(summary), _tables(moved))
    assert list(diff["dataset"]) == ["d2"]


def test_a_changed_best_set_is_listed_with_the_pairs_gained_and_lost():
    def best(members):
        pairs = ("l2+l1", "l1+l1", "huber+l1")
        return pd.DataFrame(
            {
                "dataset": "heavy",
                "metric": "risk",
                "pair": pairs,
                "in_set": [pair in members for pair in pairs],
                "p_value": 0.5,
                "n_replicates": 10,
                "n_dropped": 0,
                "size": 0.1,
            }
        )

    summary = _summary([1.0], [0.1])
    diff = conclusions_diff(
        _tables(summary, best_set=best({"l1+l1", "huber+l1"})),
        _tables(summary, best_set=best({"huber+l1", "l2+l1"})),
    )
    assert len(diff) == 1
    row = diff.iloc[0]
    assert (row["kind"], row["dataset"], row["metric"]) == ("best set", "heavy", "risk")
    assert (row["a"], row["b"]) == ("l1+l1, huber+l1", "l2+l1, huber+l1")
    assert row["detail"] == "+l2+l1, -l1+l1"
    # the same members in another order are the same set
    same = best({"l1+l1", "huber+l1"}).iloc[::-1]
    assert conclusions_diff(
        _tables(summary, best_set=best({"l1+l1", "huber+l1"})), _tables(summary, best_set=same)
    ).empty


# Two analysed runs of constructed metrics; in B one pair (huber+l1) is made 3x worse.
_WORSE_PAIR = ("huber", "l1")


def _analysed_run(folder, worse=1.0):
    rng = np.random.default_rng(7)  # the same draws in both runs: only the worse pair differs
    penalty_scale = {"none": 4.0, "l1": 1.0, "l2": 2.0, "elasticnet": 1.2}
    loss_scale = {"l2": 1.0, "l1": 1.5, "huber": 1.1}

    def values(dataset, replicate, loss, penalty):
        risk = penalty_scale[penalty] * loss_scale[loss]
        risk *= float(np.exp(0.2 * rng.standard_normal() + 0.3 * np.sin(replicate)))
        if (loss, penalty) == _WORSE_PAIR:
            risk *= worse
        return fit_row(risk)

    metrics = results_table(
        values, datasets=("a",), replicates=range(1, 11), columns=METRICS_COLUMNS
    )
    results = folder / "results"
    write_table(metrics, results / "metrics.csv")
    analyse(results / "metrics.csv", results)
    return folder


@pytest.fixture(scope="module")
def worse_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("conclusions")
    return _analysed_run(root / "a"), _analysed_run(root / "b", worse=3.0)


def test_a_pair_made_worse_is_flagged_on_that_pair(worse_runs):
    run_a, run_b = worse_runs
    comparison = compare_runs(run_a, run_b)
    diff = comparison.conclusions
    worse = pair_key(*_WORSE_PAIR)
    # its medians moved, and no other pair's (their values are the same in both runs)
    medians = diff[diff["kind"] == "median"]
    assert set(medians["pair"]) == {worse}
    assert {"risk", "model_error", "test_mse"} <= set(medians["metric"])
    # its verdict against the squared loss turned to worse, on each headline metric
    verdicts = diff[diff["kind"] == "verdict"]
    against_l2 = verdicts[(verdicts["pair"] == worse) & (verdicts["reference"] == "l2+l1")]
    assert set(against_l2["metric"]) >= {"risk", "model_error"}
    assert set(against_l2["b"]) == {"worse"}
    # every changed verdict involves it
    assert ((verdicts["pair"] == worse) | (verdicts["reference"] == worse)).all()
    # and it left the best set
    sets = diff[diff["kind"] == "best set"]
    assert len(sets) and sets["detail"].str.contains(f"-{worse}", regex=False).all()


def test_compare_prints_and_writes_the_changed_conclusions(worse_runs, tmp_path, capsys):
    run_a, run_b = worse_runs
    out = tmp_path / "compare.html"
    assert main(["compare", str(run_a), str(run_b), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "10 cells changed"
    assert lines[1].startswith(f"{len(compare_runs(run_a, run_b).conclusions)} conclusions ")
    assert "z = 3" in lines[1]
    assert any(line.startswith("  a risk huber+l1 / l2+l1: ") for line in lines)
    page = out.read_text(encoding="utf-8")
    assert "<h2>Conclusions</h2>" in page and "best sets changed" in page
    # a stricter z lists fewer medians; identical runs change no conclusion
    assert main(["compare", str(run_a), str(run_a), "--z", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "identical",
        "0 conclusions changed (0 verdicts, 0 best sets, 0 medians; a median when it moved by "
        "more than z = 2 combined Monte Carlo errors)",
    ]


def test_conclusions_can_be_required_or_skipped(worse_runs, tmp_path, capsys):
    run_a, _ = worse_runs
    bare = _write_run(tmp_path / "bare", read_metrics(run_a / "results" / "metrics.csv"))
    # by default a run without analysis tables is compared cell by cell, with a note
    assert main(["compare", str(run_a), str(bare)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "identical"
    assert lines[1].startswith("conclusions not compared: ")
    # --conclusions requires them: one line naming the file, exit 2
    assert main(["compare", str(run_a), str(bare), "--conclusions"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "bare/results/findings.csv" in captured.err
    assert main(["compare", str(run_a), str(run_a), "--no-conclusions"]) == 0
    assert capsys.readouterr().out.splitlines() == ["identical"]


def test_a_damaged_conclusion_table_is_refused_in_one_line(worse_runs, tmp_path, capsys):
    run_a, _ = worse_runs
    damaged = tmp_path / "damaged"
    shutil.copytree(run_a, damaged)
    summary = damaged / "results" / "summary.csv"
    text = summary.read_text(encoding="utf-8")
    summary.write_text(text[: len(text) // 2], encoding="utf-8")  # cut inside a line
    out = tmp_path / "out" / "compare.html"
    assert main(["compare", str(run_a), str(damaged), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert str(summary) in captured.err
    assert not out.exists()


def test_z_must_be_positive(worse_runs, capsys):
    run_a, _ = worse_runs
    with pytest.raises(SystemExit) as info:
        main(["compare", str(run_a), str(run_a), "--z", "0"])
    assert info.value.code == 2
    assert "positive" in capsys.readouterr().err
