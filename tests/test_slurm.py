"""The study on a real Slurm cluster: the cluster profile gives the local run's bytes.

`tests/cluster/slurm_up.sh` installs Debian's munge, slurmctld and slurmd and starts a one-node
cluster on this machine (as root with apt-get; elsewhere the test is skipped with the script's
reason). `config/test.yaml` then runs up to `results/metrics.csv` twice in scratch directories:
through `--workflow-profile workflow/profiles/slurm` (the executor plugin submits each
simulation and fit job with sbatch) and with `--cores 2`. The metrics tables must be identical.

Runs in CI (`make test` runs every test); select it alone with `pytest -m slurm`.
"""

import re
import subprocess
from pathlib import Path

import pytest
from snakemake_cli import snakemake_executable

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIG = REPO / "config" / "test.yaml"
SLURM_PROFILE = REPO / "workflow" / "profiles" / "slurm"
CLUSTER_SCRIPTS = REPO / "tests" / "cluster"
# slurm_up.sh's exit status when this machine cannot host the cluster (not root, no apt-get)
CANNOT_START = 77
# config/test.yaml: 4 datasets (two plain, a sweep of two values) x 2 replicates; per dataset
# one simulation job and one fit job (both replicates in one batch)
DATASETS = 4
REPLICATES = 2
SLURM_JOBS = DATASETS * 2

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.slow,
    pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed"),
]


@pytest.fixture(scope="module")
def slurm_cluster():
    """A running single-node cluster; stopped afterwards if this fixture started it."""
    up = subprocess.run(
        ["bash", str(CLUSTER_SCRIPTS / "slurm_up.sh")], capture_output=True, text=True, timeout=900
    )
    if up.returncode == CANNOT_START:
        pytest.skip(up.stderr.strip().splitlines()[-1])
    assert up.returncode == 0, up.stdout + up.stderr
    yield
    if "already running" not in up.stdout:
        subprocess.run(["bash", str(CLUSTER_SCRIPTS / "slurm_down.sh")], check=True, timeout=120)


def _snakemake(workdir, *options):
    """Run the study to its metrics table in `workdir`; return Snakemake's output."""
    command = [snakemake_executable(), "results/metrics.csv", "-s", str(REPO / "Snakefile")]
    command += ["--directory", str(workdir), "--configfile", str(TEST_CONFIG), *options]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def test_slurm_run_matches_local_run(slurm_cluster, tmp_path):
    slurm_dir, local_dir = tmp_path / "slurm", tmp_path / "local"
    slurm_dir.mkdir()
    local_dir.mkdir()
    slurm_log = _snakemake(
        slurm_dir,
        "--workflow-profile",
        str(SLURM_PROFILE),
        # No slurmdbd here, so sacct has nothing to report: ask squeue, which keeps finished
        # jobs for the cluster's MinJobAge (600 s, set by slurm_up.sh).
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "5",
    )
    _snakemake(local_dir, "--cores", "2")

    # The simulations and fits went through sbatch, one Slurm job each; the rest ran locally.
    slurm_job_ids = re.findall(r"submitted with SLURM jobid (\d+)", slurm_log)
    assert len(slurm_job_ids) == SLURM_JOBS, slurm_log[-6000:]
    for job_id in slurm_job_ids:
        state = subprocess.run(
            ["squeue", "--states=all", "--noheader", "--format=%T", f"--jobs={job_id}"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert state.stdout.strip() == "COMPLETED"

    slurm_metrics = (slurm_dir / "results" / "metrics.csv").read_bytes()
    local_metrics = (local_dir / "results" / "metrics.csv").read_bytes()
    assert slurm_metrics.count(b"\n") == 1 + DATASETS * REPLICATES * 12  # header + a row per fit
    assert slurm_metrics == local_metrics
