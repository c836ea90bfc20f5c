"""docs/extending.md, followed to the letter: add a user's dataset rule to a copy of the workflow.

The rule file and the job script are taken from the fenced code blocks of docs/extending.md
(those whose first line names a file, e.g. ``# workflow/rules/load_csv.smk``), and the Snakefile
gets the ``include:`` line the page tells users to add. The study then runs a dataset without
``coef`` and ``f_test`` next to a simulated one, and the metrics that need them are missing; and
beside them the guide's worked example with a known truth, ``poly_cancer`` (a real design from
scikit-learn, ``coef``, ``f_test`` and the population covariance ``sigma``), which gets every
measure, ``model_error`` included. The guide's copy of that example is the shipped file.
"""

import csv
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from snakemake_cli import snakemake_executable

from normbench.data.contract import read_dataset
from normbench.vocab import LOSSES, PENALTIES

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "extending.md"
RULE = "load_csv"
# the worked example with a known truth, shipped with the workflow and shown in the guide
EXAMPLE = "poly_cancer"
EXAMPLE_FILES = (f"workflow/rules/{EXAMPLE}.smk", f"workflow/scripts/{EXAMPLE}.py")
INCLUDE = f'include: "workflow/rules/{RULE}.smk"'
# the include line the Snakefile already has, after which the guide puts the user's line
EXAMPLE_INCLUDE = 'include: "workflow/rules/diabetes.smk"'

CONFIG = """\
seed: 3
replicates: 2
cv: {folds: 3, n_lams: 5, l1_ratios: [0.5], delta_factors: [1.0]}
datasets:
  my_table:
    generator: load_csv
    params: {path: data/my_table.csv, target: y, test_fraction: 0.3}
  cancer:
    generator: poly_cancer
    params: {n_train: 30, p: 40, n_nonzero: 4}
  toy:
    n_train: 30
    n_test: 50
    p: 10
    design: {kind: independent}
    coef: {n_nonzero: 3}
"""


def _guide_files(*, shipped=False):
    """{relative path: text} of the guide's code blocks that start with '# <path>'.

    The blocks of the shipped worked example are left out, or only they with ``shipped=True``.
    """
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)
    files = {}
    for block in blocks:
        first = block.splitlines()[0]
        match = re.fullmatch(r"# (workflow/\S+\.(?:smk|py))", first)
        if match and (match.group(1) in EXAMPLE_FILES) == shipped:
            files[match.group(1)] = block
    return files


def test_the_guide_shows_the_shipped_worked_example_as_it_is():
    files = _guide_files(shipped=True)
    assert set(files) == set(EXAMPLE_FILES)
    for relative, text in files.items():
        assert text == (REPO / relative).read_text(encoding="utf-8"), relative
    assert f'include: "workflow/rules/{EXAMPLE}.smk"' in (REPO / "Snakefile").read_text()


def test_guide_shows_the_rule_the_script_and_the_include_line():
    files = _guide_files()
    assert set(files) == {f"workflow/rules/{RULE}.smk", f"workflow/scripts/{RULE}.py"}
    rule = files[f"workflow/rules/{RULE}.smk"]
    assert f"rule {RULE}:" in rule
    assert f'datasets_with_generator("{RULE}")' in rule
    assert "DATASET_NPZ" in rule and "DATASET_JSON" in rule
    assert "write_dataset(" in files[f"workflow/scripts/{RULE}.py"]
    guide = GUIDE.read_text(encoding="utf-8")
    assert INCLUDE in guide and EXAMPLE_INCLUDE in guide
    assert EXAMPLE_INCLUDE in (REPO / "Snakefile").read_text(encoding="utf-8")
    for path in ("workflow/rules/diabetes.smk", "workflow/scripts/load_diabetes.py"):
        assert path in guide and (REPO / path).exists()


def _copy_workflow(root, *, include_rule):
    """A copy of the workflow in ``root`` with the guide's files (and its include line)."""
    ignore = shutil.ignore_patterns("__pycache__", ".snakemake")
    for folder in ("workflow", "config"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    # the job scripts and the Snakefile import normbench from <copy>/src
    (root / "src").symlink_to(REPO / "src", target_is_directory=True)
    for relative, text in _guide_files().items():
        (root / relative).write_text(text, encoding="utf-8")
    snakefile = (REPO / "Snakefile").read_text(encoding="utf-8")
    if include_rule:
        snakefile = snakefile.replace(EXAMPLE_INCLUDE, f"{EXAMPLE_INCLUDE}\n{INCLUDE}", 1)
    (root / "Snakefile").write_text(snakefile, encoding="utf-8")
    (root / "study.yaml").write_text(CONFIG, encoding="utf-8")
    # the user's data: 60 rows, 5 features and a response column in the middle
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5))
    y = X @ np.array([1.0, -2.0, 0.0, 0.0, 0.5]) + 0.3 * rng.standard_normal(60)
    table = np.column_stack([X[:, :2], y, X[:, 2:]])
    (root / "data").mkdir()
    np.savetxt(
        root / "data" / "my_table.csv",
        table,
        delimiter=",",
        header="a,b,y,c,d,e",
        comments="",
        fmt="%.6f",
    )


def _run_snakemake(root, *options):
    command = [snakemake_executable(), "-s", str(root / "Snakefile"), "--directory", str(root)]
    command += ["--configfile", str(root / "study.yaml"), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def _floats(rows, column):
    return [float(row[column]) if row[column] != "" else math.nan for row in rows]


@pytest.mark.slow
@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_a_user_dataset_rule_runs_through_the_whole_study(tmp_path):
    _copy_workflow(tmp_path, include_rule=True)
    result = _run_snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    data = read_dataset(tmp_path / "results/datasets/my_table/rep1.npz")
    assert data.coef is None and data.f_test is None and data.groups is None
    assert (data.n_train, data.n_test, data.n_features) == (42, 18, 5)
    assert data.metadata["generator"] == RULE
    assert data.metadata["features"] == ["a", "b", "c", "d", "e"]
    assert (tmp_path / "logs/load_csv/my_table/rep1.log").exists()
    assert (tmp_path / "logs/benchmarks/load_csv/my_table/rep1.tsv").exists()

    with open(tmp_path / "results/metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mine = [row for row in rows if row["dataset"] == "my_table"]
    assert len(LOSSES) * len(PENALTIES) == 12
    assert {(row["loss"], row["penalty"]) for row in mine} == {
        (loss, penalty) for loss in LOSSES for penalty in PENALTIES
    }
    assert len(mine) == 2 * 12
    assert {row["status"] for row in mine} <= {"ok", "not_converged"}
    for column in ("risk", "estimation_error", "tpr", "fpr", "precision", "f1", "model_error"):
        assert all(math.isnan(value) for value in _floats(mine, column)), column
    for column in ("test_mse", "test_mae", "n_nonzero"):
        assert all(math.isfinite(value) for value in _floats(mine, column)), column
    # the simulated dataset next to it keeps every metric
    toy = [row for row in rows if row["dataset"] == "toy"]
    assert len(toy) == 2 * 12
    assert all(math.isfinite(value) for value in _floats(toy, "risk"))
    assert all(math.isfinite(value) for value in _floats(toy, "tpr"))

    # the real design with a known truth: every measure, whatever the generator; pve is empty
    # because Student t noise with 2 degrees of freedom has no variance
    cancer = [row for row in rows if row["dataset"] == "cancer"]
    assert len(cancer) == 2 * 12
    data = read_dataset(tmp_path / "results/datasets/cancer/rep1.npz")
    assert data.sigma.shape == (40, 40) and data.metadata["generator"] == EXAMPLE
    assert (data.n_train, data.n_test) == (30, 569 - 30)
    for column in ("risk", "tpr", "model_error", "intercept_error", "pve_empirical"):
        assert all(math.isfinite(value) for value in _floats(cancer, column)), column
    assert all(math.isnan(value) for value in _floats(cancer, "pve"))
    assert {row["n_train"] for row in cancer} == {"30"} and {row["p"] for row in cancer} == {"40"}

    # the report describes the user's datasets from their files: sizes, noise family
    html = (tmp_path / "reports/report.html").read_text(encoding="utf-8")
    assert "my_table" in html and RULE in html and EXAMPLE in html
    scenarios = re.search(r"<h3>Scenarios</h3>(.*?)</table>", html, re.S).group(1)
    table = [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", scenarios)
    ]
    cells = {row[0]: row for row in table if row}
    assert cells["my_table"][2:5] == ["42", "18", "5"]
    assert cells["cancer"][2:5] == ["30", "539", "40"]
    assert "student_t" in cells["cancer"][7]

    # each dataset answers on the best measure it supports: model error where its population
    # is known (the simulated one and the real design with a known truth), else the test error
    with open(tmp_path / "results/answer.csv", newline="") as handle:
        answer = {(row["dataset"], row["metric"]) for row in csv.DictReader(handle)}
    assert {("toy", "model_error"), ("cancer", "model_error"), ("my_table", "test_mse")} <= answer
    with open(tmp_path / "results/findings.csv", newline="") as handle:
        findings = {(row["dataset"], row["metric"]) for row in csv.DictReader(handle)}
    assert ("cancer", "model_error") in findings
    # the user's datasets are rows of the recommendation table, in the first section
    recommendation = html.split('<div id="recommendation">')[1].split("</table>")[0]
    assert "<td>cancer</td>" in recommendation and "<td>my_table</td>" in recommendation
    assert "model_error · 2" in recommendation and "test_mse · 2" in recommendation


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_without_the_include_line_the_generator_is_refused(tmp_path):
    _copy_workflow(tmp_path, include_rule=False)
    result = _run_snakemake(tmp_path, "-n", "--cores", "1")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "normbench: config key 'datasets.my_table.generator'" in output
    assert f"'{RULE}' is not allowed" in output
    assert "Traceback" not in output


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_the_guide_rule_plans_one_job_per_replicate(tmp_path):
    _copy_workflow(tmp_path, include_rule=True)
    result = _run_snakemake(tmp_path, "-n", "--cores", "1", "--config", "replicates=2")
    assert result.returncode == 0, result.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, flags=re.MULTILINE))
    # the guide's rule writes one replicate per job, the simulator all of a dataset at once;
    # one fit job per dataset fits both replicates
    assert counts[RULE] == "2" and counts[EXAMPLE] == "2" and counts["simulate_dataset"] == "1"
    assert counts["fit_models"] == "3"


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
@pytest.mark.parametrize(
    ("dropped", "pattern"),
    [
        ("npz=DATASET_NPZ,", "results/datasets/{dataset}/rep{replicate}.npz"),
        ("json=DATASET_JSON,", "results/datasets/{dataset}/rep{replicate}.json"),
    ],
)
def test_a_rule_without_one_of_its_outputs_is_named_before_any_job(tmp_path, dropped, pattern):
    _copy_workflow(tmp_path, include_rule=True)
    rule_file = tmp_path / "workflow" / "rules" / f"{RULE}.smk"
    text = rule_file.read_text(encoding="utf-8")
    assert f"        {dropped}\n" in text
    rule_file.write_text(text.replace(f"        {dropped}\n", ""), encoding="utf-8")
    # a sidecar of an earlier run must not stand in for the one the rule no longer writes
    stale = tmp_path / "results" / "datasets" / "my_table" / "rep1.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    result = _run_snakemake(tmp_path, "-n", "--cores", "1")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"normbench: dataset rule '{RULE}' (the generator of dataset 'my_table')" in output
    assert f"does not write {pattern}" in output
    assert "Traceback" not in output and "MissingInputException" not in output
