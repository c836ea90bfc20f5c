"""End-to-end test: the whole Snakemake DAG on config/test.yaml, run from a scratch directory.

Runs in CI (`make test` runs every test); deselect locally with `pytest -m "not slow"`.
"""

import csv
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from snakemake_cli import snakemake_executable

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIG = REPO / "config" / "test.yaml"

METRICS_COLUMNS = [
    "dataset",
    "replicate",
    "loss",
    "penalty",
    "status",
    "message",
    "lam",
    "l1_ratio",
    "delta",
    "n_train",
    "p",
    "test_mse",
    "test_mae",
    "risk",
    "estimation_error",
    "n_nonzero",
    "tpr",
    "fpr",
    "precision",
    "f1",
    "group_hit",
    "group_frac",
    "group_whole",
    "cv_score",
    "intercept",
    "model_error",
    "intercept_error",
    "pve",
    "pve_empirical",
    "lam_at_edge",
    "l1_ratio_at_edge",
    "delta_at_edge",
]
LOSSES = ["l2", "l1", "huber"]
PENALTIES = ["none", "l1", "l2", "elasticnet"]
# config/test.yaml: two datasets and a sweep of two values
DATASETS = ["gaussian", "contaminated", "snr_sweep__snr_1p0", "snr_sweep__snr_4p0"]
REPLICATES = ["1", "2"]


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed"),
]


def _run(workdir, *options):
    command = [snakemake_executable(), "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += ["--configfile", str(TEST_CONFIG), *options]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run_cores2")
    _run(workdir, "--cores", "2")
    return workdir


def test_metrics_table_has_one_row_per_dataset_replicate_and_model(first_run):
    metrics = first_run / "results" / "metrics.csv"
    with open(metrics, newline="") as handle:
        header = next(csv.reader(handle))
    assert header == METRICS_COLUMNS
    rows = _rows(metrics)
    assert len(rows) == len(DATASETS) * len(REPLICATES) * len(LOSSES) * len(PENALTIES)
    keys = {(row["dataset"], row["replicate"], row["loss"], row["penalty"]) for row in rows}
    expected = {
        (dataset, replicate, loss, penalty)
        for dataset in DATASETS
        for replicate in REPLICATES
        for loss in LOSSES
        for penalty in PENALTIES
    }
    assert keys == expected
    assert {row["status"] for row in rows} <= {"ok", "not_converged"}
    assert all(float(row["test_mse"]) >= 0 for row in rows)
    assert {(row["n_train"], row["p"]) for row in rows} == {("30", "40")}


def test_oracle_table_has_one_row_per_dataset_replicate_and_loss(first_run):
    rows = _rows(first_run / "results" / "oracle.csv")
    # each loss has its own oracle (least squares, LAD, Huber on the true support)
    assert [(row["dataset"], row["replicate"], row["loss"]) for row in rows] == [
        (dataset, replicate, loss)
        for dataset in sorted(DATASETS)
        for replicate in REPLICATES
        for loss in LOSSES
    ]
    # 30 training points, 5 true features: least squares on the support always applies
    assert {row["status"] for row in rows} == {"ok"}
    assert {row["n_support"] for row in rows} == {"5"}
    assert all(float(row["risk"]) > 0 for row in rows)


def test_report_shows_groups_and_oracle(first_run):
    html = (first_run / "reports" / "report.html").read_text(encoding="utf-8")
    for dataset in DATASETS:
        # block design, 5 grouped true features: one active group per replicate
        assert f'<p id="groups-{dataset}">On {dataset}, the lasso (l1) fits hit' in html
        assert f'alt="within-group selected share for {dataset}"' in html
    for oracle in ("least squares", "least absolute deviations", "Huber"):
        assert f"<th>oracle: {oracle}</th>" in html  # a column of each table of medians
    assert "The dashed lines are the median risks of the oracles" in html
    # the memory table reads the declared benchmark files of every upstream rule
    for rule in ("simulate_dataset", "fit_models", "aggregate_results"):
        assert f"<tr><td>{rule}</td>" in html


def test_timings_report_logs_and_benchmarks_are_written(first_run):
    timings = _rows(first_run / "results" / "timings.csv")
    assert len(timings) == len(DATASETS) * len(REPLICATES) * len(LOSSES) * len(PENALTIES)
    assert all(float(row["fit_seconds"]) >= 0 for row in timings)
    html = (first_run / "reports" / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    # the sweep of config/test.yaml: its section with figures, and the record in each sidecar
    sweep_part = html.split('<section id="sweeps">', 1)[1].split("</section>", 1)[0]
    assert '<p id="sweep-snr_sweep">' in sweep_part and "data:image/png;base64," in sweep_part
    sidecar = json.loads(
        (first_run / "results/datasets/snr_sweep__snr_4p0/rep1.json").read_text(encoding="utf-8")
    )
    assert sidecar["params"]["sweep"] == {
        "name": "snr_sweep",
        "param": "noise.snr",
        "value": 4.0,
        "values": [1.0, 4.0],
    }
    assert sidecar["params"]["noise"]["snr"] == 4.0
    for dataset in DATASETS:
        # one fit job per dataset: config/test.yaml's 2 replicates fit in one batch
        log = (first_run / f"logs/fit_models/{dataset}/batch1.log").read_text()
        for replicate in REPLICATES:
            assert f"[12/12] {dataset} rep{replicate} huber+elasticnet: " in log
            assert (first_run / f"results/datasets/{dataset}/rep{replicate}.json").exists()
        assert (first_run / f"logs/benchmarks/fit_models/{dataset}/batch1.tsv").exists()


def test_snakemake_report_packages_the_figures(first_run):
    html = (first_run / "reports" / "report.html").read_text(encoding="utf-8")
    figures = sorted((first_run / "reports" / "figures").glob("*.png"))
    assert len(figures) == html.count('<img src="data:image/png;base64,') > 10
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in figures)
    # Snakemake's own report: every report() output, the figures included, in one zip
    _run(first_run, "--report", "snakemake_report.zip")
    with zipfile.ZipFile(first_run / "snakemake_report.zip") as archive:
        names = archive.namelist()
    for path in (*figures[:3], first_run / "results" / "metrics.csv"):
        assert any(name.endswith(path.name) for name in names), path.name


def test_second_dry_run_has_nothing_to_do(first_run):
    output = _run(first_run, "-n", "--cores", "1")
    assert "Nothing to be done" in output


# A planned study: config/test.yaml's first two datasets, a pilot of its 2 replicates, one
# replicate per fit job. Their pilot SDs of model_error's log ratio (0.93 for gaussian's l1+l1 /
# l2+l1, 0.62 for contaminated's huber+elasticnet / l2+elasticnet, on 2026-12-04) ask for 3 and
# 2 replicates at an MCSE of 0.55: gaussian runs an extra replicate, contaminated stays at its
# pilot.
PLANNED = {"pilot": 2, "mcse": 0.55, "max": 3}
PLANNED_DATASETS = ["gaussian", "contaminated"]


def _planned_config(tmp_path):
    import yaml

    config = yaml.safe_load(TEST_CONFIG.read_text())
    config["replicates"] = PLANNED
    config["replicates_per_job"] = 1
    config["datasets"] = {name: config["datasets"][name] for name in PLANNED_DATASETS}
    path = tmp_path / "planned.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _run_config(workdir, config_path, *options):
    command = [snakemake_executable(), "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += ["--configfile", str(config_path), *options]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def planned_run(tmp_path_factory):
    """The planned study run to its metrics on one core."""
    workdir = tmp_path_factory.mktemp("planned_cores1")
    _run_config(workdir, _planned_config(workdir), "--cores", "1", "results/metrics.csv")
    return workdir


def test_a_plan_runs_the_replicates_its_pilot_asks_for(first_run, planned_run, tmp_path):
    from normbench.analysis.plan import plan_table, read_plan, write_plan
    from normbench.study.config import ReplicatePlan
    from normbench.study.store import read_table

    plan = read_plan(planned_run / "results" / "plan.csv")
    # the plan of the fixed design's first two replicates: the pilot is those replicates
    fixed = read_table(first_run / "results" / "metrics.csv")
    expected = plan_table(
        fixed[fixed["dataset"].isin(PLANNED_DATASETS)], ReplicatePlan(**PLANNED), per_job=1
    )
    write_plan(expected, tmp_path / "expected.csv")
    assert (tmp_path / "expected.csv").read_bytes() == (
        planned_run / "results" / "plan.csv"
    ).read_bytes()
    assert set(plan["metric"]) == {"model_error"}
    runs = dict(zip(plan["dataset"], plan["run"], strict=True))
    # (if fits change so much that no dataset needs an extra replicate, lower PLANNED's mcse)
    assert runs["gaussian"] == 3 and runs["contaminated"] == 2, plan
    rows = _rows(planned_run / "results" / "metrics.csv")
    replicates = {(row["dataset"], row["replicate"]) for row in rows}
    assert replicates == {
        (dataset, str(k)) for dataset, run in runs.items() for k in range(1, run + 1)
    }
    # the extra replicate: a simulation job and a fit job of its own (replicates_per_job 1)
    assert (planned_run / "logs/simulate_dataset/gaussian/batch3.log").exists()
    assert (planned_run / "logs/fit_models/gaussian/batch3.log").exists()
    assert not (planned_run / "results/datasets/contaminated/rep3.npz").exists()


def test_results_do_not_depend_on_cores_batching_or_a_plan(first_run, planned_run):
    """The pilot of a planned study, fitted one replicate per job on one core, has the bytes of
    the fixed design of two replicates, fitted in batches of two on two cores."""
    for dataset in PLANNED_DATASETS:
        assert (planned_run / f"results/fits/{dataset}/batch2.npz").exists()
        for replicate in REPLICATES:
            name = f"results/datasets/{dataset}/rep{replicate}.npz"
            assert (first_run / name).read_bytes() == (planned_run / name).read_bytes()
    fixed = (first_run / "results" / "metrics.csv").read_text().splitlines()
    planned = (planned_run / "results" / "metrics.csv").read_text().splitlines()
    assert planned[0] == fixed[0]
    pilot_lines = [line for line in planned[1:] if line.split(",")[1] in REPLICATES]
    assert pilot_lines == [line for line in fixed[1:] if line.split(",")[0] in PLANNED_DATASETS]
    assert len(planned) - 1 - len(pilot_lines) == len(LOSSES) * len(PENALTIES)


def test_a_planned_study_does_not_depend_on_cores(planned_run, tmp_path):
    _run_config(tmp_path, _planned_config(tmp_path), "--cores", "2", "results/metrics.csv")
    for name in ("results/plan.csv", "results/metrics.csv"):
        assert (planned_run / name).read_bytes() == (tmp_path / name).read_bytes()


def test_editing_one_dataset_reruns_only_its_jobs(tmp_path):
    import yaml

    config = yaml.safe_load(TEST_CONFIG.read_text())
    config_path = tmp_path / "study.yaml"
    config_path.write_text(yaml.safe_dump(config))
    targets = [f"results/datasets/{dataset}/rep1.npz" for dataset in DATASETS]
    command = [snakemake_executable(), *targets, "-s", str(REPO / "Snakefile")]
    command += ["--directory", str(tmp_path), "--configfile", str(config_path), "--cores", "1"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)

    config["datasets"]["contaminated"]["noise"]["snr"] = 2.0
    config_path.write_text(yaml.safe_dump(config))
    dry = subprocess.run([*command, "-n"], check=True, capture_output=True, text=True, timeout=300)
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", dry.stdout, flags=re.MULTILINE))
    assert counts["simulate_dataset"] == "1"
    assert "output: results/datasets/contaminated/rep1.npz" in dry.stdout
    assert "output: results/datasets/gaussian/rep1.npz" not in dry.stdout
    assert "params" in dry.stdout.lower()


def test_slurm_profile_plans_the_study(tmp_path):
    """The cluster profile loads with the SLURM executor plugin and plans every job (dry run)."""
    out = _run(tmp_path, "-n", "--workflow-profile", str(REPO / "workflow/profiles/slurm"))
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", out, flags=re.MULTILINE))
    # one simulation and one fit job per dataset (its replicates in one batch)
    assert counts["fit_models"] == str(len(DATASETS))
    assert counts["simulate_dataset"] == str(len(DATASETS))
    assert not (tmp_path / "results").exists()
    # a plan: the pilot's jobs, then the checkpoint; the rest once the plan exists
    planned = _planned_config(tmp_path)
    out = _run_config(
        tmp_path, planned, "-n", "--workflow-profile", str(REPO / "workflow/profiles/slurm")
    )
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", out, flags=re.MULTILINE))
    assert counts["fit_models"] == str(2 * len(PLANNED_DATASETS))
    assert counts["plan"] == "1"
    assert "checkpoint jobs" in out
    assert not (tmp_path / "results").exists()
