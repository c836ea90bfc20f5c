"""Reproducible and failure-proof: interrupted runs resume, new datasets add only new work, and
thread pools do not change a number.

Each workflow test runs config/test.yaml (4 datasets x 2 replicates) in its own scratch directory.
Runs in CI (`make test` runs every test); deselect locally with `pytest -m "not slow"`.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from snakemake_cli import snakemake_executable

from normbench.study.layout import JOB_TABLES

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIG = REPO / "config" / "test.yaml"
# config/test.yaml: two datasets and a sweep of two values
DATASETS = ["gaussian", "contaminated", "snr_sweep__snr_1p0", "snr_sweep__snr_4p0"]
REPLICATES = 2
# a job-stats line of a (dry) run, e.g. "fit_models        2"
JOB_COUNT = re.compile(r"^(\w+)\s+(\d+)$", flags=re.MULTILINE)


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed"),
]


def _command(workdir, config, *options):
    return [
        snakemake_executable(),
        "-s",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(config),
        *options,
    ]


def _run(workdir, config, *options):
    result = subprocess.run(
        _command(workdir, config, *options), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """One uninterrupted run of a copy of config/test.yaml: the reference for the other tests."""
    workdir = tmp_path_factory.mktemp("clean")
    config = workdir / "study.yaml"
    shutil.copyfile(TEST_CONFIG, config)
    _run(workdir, config, "--cores", "2")
    return workdir, config


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupted_run_resumes_to_the_same_bytes(clean_run, tmp_path):
    """Ctrl-C in the middle of the fits, then `--rerun-incomplete`: same metrics.csv, same data."""
    reference, _ = clean_run
    # the metrics table of a fit job: that job has fitted its batch
    job_metrics = JOB_TABLES["metrics"].format(dataset="*", batch="*")
    metrics = tmp_path / "results" / "metrics.csv"
    log = (tmp_path / "interrupted.log").open("w")
    process = subprocess.Popen(
        _command(tmp_path, TEST_CONFIG, "--cores", "1"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # a test suite started in the background inherits an ignored SIGINT (the shell's rule
        # for background jobs): give the run Ctrl-C's default meaning, as a terminal would
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(tmp_path.glob(job_metrics)):
            assert process.poll() is None, "the run ended before any fit was written"
            assert time.monotonic() < deadline, "no fit written within 120 s"
            time.sleep(0.02)
        # the moment of the interrupt: one fit done, the study not
        assert not metrics.exists()
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    assert process.returncode != 0, (tmp_path / "interrupted.log").read_text()[-3000:]
    assert not metrics.exists()

    resumed = _run(tmp_path, TEST_CONFIG, "--cores", "2", "--rerun-incomplete")
    # finished work is kept: at least the simulation the first fit read is not run again
    counts = {rule: int(count) for rule, count in JOB_COUNT.findall(resumed)}
    assert counts.get("simulate_dataset", 0) < len(DATASETS), resumed[-3000:]
    assert metrics.read_bytes() == (reference / "results" / "metrics.csv").read_bytes()
    for dataset in DATASETS:
        for replicate in range(1, REPLICATES + 1):
            name = f"results/datasets/{dataset}/rep{replicate}.npz"
            assert (tmp_path / name).read_bytes() == (reference / name).read_bytes()
    assert "Nothing to be done" in _run(tmp_path, TEST_CONFIG, "-n", "--cores", "1")


def test_adding_a_dataset_plans_only_its_jobs(clean_run, tmp_path):
    """A third dataset in the config: a dry run plans its jobs and the summaries, nothing else."""
    workdir, config_path = clean_run
    config = yaml.safe_load(config_path.read_text())
    new = "laplace"
    config["datasets"][new] = {
        **config["datasets"]["gaussian"],
        "noise": {"family": "laplace", "snr": 3.0},
    }
    extended = tmp_path / "extended.yaml"
    extended.write_text(yaml.safe_dump(config, sort_keys=False))

    out = _run(workdir, extended, "-n", "--cores", "1")
    counts = {rule: int(count) for rule, count in JOB_COUNT.findall(out)}
    counts.pop("total", None)
    assert counts == {
        # one simulation of its replicates, one fit job for them (a batch)
        "simulate_dataset": 1,
        "fit_models": 1,
        "explain": 1,
        "aggregate_results": 1,
        "analyse": 1,
        "build_report": 1,
        "all": 1,
    }, out[-3000:]
    planned = re.findall(r"^\s*wildcards: (.*)$", out, flags=re.MULTILINE)
    # simulate and fit (with its oracle) jobs of the new dataset, and its explain job
    assert len(planned) == 3
    assert all(re.search(rf"\bdataset={new}(,|$)", wildcards) for wildcards in planned), planned
    for outputs in re.findall(r"^\s*output: (.*)$", out, flags=re.MULTILINE):
        for old in DATASETS:
            assert f"/{old}/" not in outputs, outputs


# Runs in a fresh interpreter so that the thread variables are read when numpy loads its BLAS.
FIT_SCRIPT = """
import json, sys
import threadpoolctl
from normbench.study.fit_job import fit_dataset

cv = {"folds": 3, "n_lams": 5, "eps": 1e-3, "l1_ratios": [0.5], "rule": "min",
      "criterion": "own_loss", "huber_multiplier": 1.345, "delta_factors": [1.0]}
models = {"losses": ["l2", "l1", "huber"], "penalties": ["none", "l1", "l2", "elasticnet"]}
fit_dataset(sys.argv[1], dataset="toy", replicate=1, models=models, cv=cv, base_seed=7,
            metrics_out=sys.argv[2], timings_out=sys.argv[3], progress=None)
print(json.dumps(max(pool["num_threads"] for pool in threadpoolctl.threadpool_info())))
"""


def test_thread_pools_do_not_change_results(tmp_path):
    """fit_dataset gives the same bytes whether the BLAS pools start with one thread or two."""
    from normbench.data.simulate import simulate_to_file

    data = tmp_path / "toy.npz"
    params = {
        "n_train": 60,
        "n_test": 200,
        "p": 150,
        "design": {"kind": "block", "group_size": 10, "rho": 0.7},
        "coef": {"n_nonzero": 10, "placement": "grouped"},
        "noise": {"family": "student_t", "df": 3.0, "snr": 3.0},
    }
    simulate_to_file(params, base_seed=7, dataset="toy", replicate=1, path=data)
    script = tmp_path / "fit.py"
    script.write_text(FIT_SCRIPT)
    pythonpath = os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))

    outputs, pools = {}, {}
    for threads in (1, 2):
        variables = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        env = {**os.environ, **dict.fromkeys(variables, str(threads)), "PYTHONPATH": pythonpath}
        metrics = tmp_path / f"metrics_{threads}.csv"
        result = subprocess.run(
            [sys.executable, str(script), str(data), str(metrics), str(tmp_path / "t.csv")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outputs[threads] = metrics.read_bytes()
        pools[threads] = int(result.stdout.split()[-1])
    # the environment took effect: the second process really had a two-thread pool
    if (os.cpu_count() or 1) >= 2:
        assert pools == {1: 1, 2: 2}
    assert outputs[1] == outputs[2]
    assert outputs[1].count(b"\n") == 1 + 12
