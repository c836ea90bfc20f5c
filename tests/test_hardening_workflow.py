"""A refused dataset, a damaged result, another normbench on the path (issue 15, 1, 2, 6, 7, 8)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from snakemake_cli import snakemake_executable

from normbench.data.simulate import DEFAULT_PARAMS, simulate_to_file
from normbench.study.fit_job import fit_batch
from normbench.study.job_tables import METRICS, ORACLE, TIMINGS, JobIdentity, read_checked
from normbench.study.layout import JOB_TABLES
from normbench.study.oracle import ORACLE_LOSSES

REPO = Path(__file__).resolve().parents[1]
MODELS = {"losses": ["l2", "l1"], "penalties": ["none", "l1"]}
CV = {
    "folds": 3,
    "n_lams": 3,
    "eps": 1e-2,
    "l1_ratios": [0.5],
    "rule": "min",
    "criterion": "own_loss",
    "huber_multiplier": 1.345,
    "delta_factors": [1.0],
}
JOB = JobIdentity("toy", (1,), (("l2", "none"), ("l2", "l1"), ("l1", "none"), ("l1", "l1")))


def _fit(npz, tmp_path):
    out = {name: tmp_path / f"{name}.csv" for name in ("metrics", "timings", "oracle")}
    fit_batch(
        [npz],
        dataset="toy",
        replicates=[1],
        models=MODELS,
        cv=CV,
        base_seed=1,
        metrics_out=out["metrics"],
        timings_out=out["timings"],
        oracle_out=out["oracle"],
        progress=None,
    )
    return out


@pytest.mark.parametrize(
    "damage",
    ["garbage", "nan_in_X", "too_few_points"],
)
def test_a_refused_dataset_becomes_failed_rows_that_aggregate(tmp_path, damage):
    npz = tmp_path / "rep1.npz"
    params = {**DEFAULT_PARAMS, "n_train": 30, "n_test": 10, "p": 8}
    params["coef"] = {**DEFAULT_PARAMS["coef"], "n_nonzero": 2}
    params["design"] = {**DEFAULT_PARAMS["design"], "kind": "independent"}
    simulate_to_file(params, base_seed=1, dataset="toy", replicate=1, path=npz)
    arrays = dict(np.load(npz))
    if damage == "garbage":
        npz.write_bytes(b"not an npz archive")
    elif damage == "nan_in_X":
        arrays["X_train"][3, 2] = np.nan
        np.savez(npz, **arrays)
    else:
        np.savez(
            npz, **{**arrays, "X_train": arrays["X_train"][:2], "y_train": arrays["y_train"][:2]}
        )
    out = _fit(npz, tmp_path)
    metrics = read_checked(out["metrics"], METRICS, JOB)
    assert set(metrics["status"]) == {"failed"}
    assert all(message.startswith("dataset refused: ") for message in metrics["message"])
    assert all(str(npz) in message for message in metrics["message"])
    assert len(read_checked(out["timings"], TIMINGS, JOB)) == 4
    oracle = read_checked(out["oracle"], ORACLE, JOB)
    # the oracle reads the file without the folds' minimum: too few points is its own reason
    assert oracle["status"].tolist() == ["not_applicable"] * len(ORACLE_LOSSES)
    assert oracle["loss"].tolist() == list(ORACLE_LOSSES)


# ---------------------------------------------------------------------------- workflow

TINY = """
replicates: 1
models: {losses: [l2], penalties: [none, l1]}
cv: {folds: 2, n_lams: 3, l1_ratios: [0.5]}
datasets:
  toy:
    n_train: 20
    n_test: 10
    p: 5
    design: {kind: independent}
    coef: {n_nonzero: 2}
"""
TARGETS = ["results/metrics.csv", "results/provenance.json"]


def _snakemake(study, *extra, env=None):
    return subprocess.run(
        # targets first: --configfile takes every argument after it
        [snakemake_executable(), *extra, "--cores", "1", "-s", str(REPO / "Snakefile")]
        + ["--directory", str(study), "--configfile", str(study / "study.yaml")],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def _git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True)


@pytest.mark.slow
@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_study_elsewhere_with_another_normbench_first_and_a_damaged_result(tmp_path):
    # A study folder inside a repository of its own, whose fsmonitor hook must never run.
    study = tmp_path / "other_study"
    study.mkdir()
    (study / "study.yaml").write_text(TINY)
    marker = tmp_path / "hook_ran"
    _git("init", "-q", cwd=study)
    _git("add", "study.yaml", cwd=study)
    _git("commit", "-qm", "study", cwd=study)
    _git("config", "core.fsmonitor", f"touch {marker}; false", cwd=study)
    # Another clone's normbench, first on the path of every job.
    other = tmp_path / "other_clone" / "src"
    shutil.copytree(REPO / "src" / "normbench", other / "normbench")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(other), str(REPO / "src")])}

    result = _snakemake(study, *TARGETS, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    provenance = json.loads((study / "results" / "provenance.json").read_text())
    # The jobs imported this checkout's code, not the other clone's.
    assert provenance["imported_from"] == str(Path("src") / "normbench")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    study_head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=study, capture_output=True, text=True
    ).stdout.strip()
    if head:
        assert provenance["commit"] == head
    assert provenance["commit"] != study_head
    assert not marker.exists()

    # A cut per-job file fails the aggregation: one line naming the job, file and reason.
    job_metrics = JOB_TABLES["metrics"].format(dataset="toy", batch=1)
    (study / job_metrics).write_bytes((study / job_metrics).read_bytes()[:150])
    result = _snakemake(study, *TARGETS, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "normbench: job aggregate_results failed: ResultsError: 1 metrics table(s)" in output
    assert job_metrics in output
    assert "Traceback" not in output
    log = (study / "logs" / "aggregate_results.log").read_text()
    assert "Traceback" in log and "ResultsError" in log


def test_metrics_tables_where_an_older_normbench_wrote_them_are_refused_with_the_move(tmp_path):
    from normbench.study.layout import FITS_NPZ, check_no_old_job_tables

    check_no_old_job_tables(tmp_path)  # a new study folder: nothing to say
    jobs = [("toy", 1), ("toy", 2), ("other", 1)]
    for dataset, batch in jobs:
        store = tmp_path / FITS_NPZ.format(dataset=dataset, batch=batch)
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_bytes(b"a fits store")
        store.with_suffix(".csv").write_text(f"the metrics of {dataset} {batch}\n")
    with pytest.raises(FileExistsError) as info:
        check_no_old_job_tables(tmp_path)
    message = str(info.value)
    assert "3 per-job metrics table(s)" in message
    assert str(tmp_path / "results" / "fits" / "toy" / "batch2.csv") in message
    # the command it prints, run in the study folder, moves each table where the workflow looks
    command = next(line for line in message.splitlines() if line.strip().startswith("for f in"))
    subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True)
    check_no_old_job_tables(tmp_path)
    for dataset, batch in jobs:
        moved = tmp_path / JOB_TABLES["metrics"].format(dataset=dataset, batch=batch)
        assert moved.read_text() == f"the metrics of {dataset} {batch}\n"
        assert (tmp_path / FITS_NPZ.format(dataset=dataset, batch=batch)).exists()
