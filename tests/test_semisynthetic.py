"""Tests of normbench.data.semisynthetic and its workflow rule: a real design widened to
p >> n, with groups of correlated features, simulated sparse coefficients and heavy-tailed noise."""

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.datasets import load_breast_cancer
from snakemake_cli import snakemake_executable

from normbench.data.contract import read_dataset
from normbench.data.semisynthetic import resolve_params, semisynthetic, semisynthetic_to_file
from normbench.data.simulate import dataset_seed

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def default_draw():
    return semisynthetic({}, dataset_seed(1, "wide", 1))


def _all_rows(arrays):
    return np.vstack([arrays["X_train"], arrays["X_test"]])


def test_default_draw_is_p_much_larger_than_n_with_every_contract_array(default_draw):
    a = default_draw
    assert a["X_train"].shape == (100, 600) and a["y_train"].shape == (100,)
    assert a["X_test"].shape == (569 - 100, 600) and a["y_test"].shape == (469,)
    assert a["coef"].shape == (600,) and a["f_test"].shape == (469,) and a["groups"].shape == (600,)
    # 30 real columns, 20 features each
    np.testing.assert_array_equal(np.bincount(a["groups"]), np.full(30, 20))
    np.testing.assert_allclose(a["f_test"], a["X_test"] @ a["coef"], atol=1e-12)


def test_rows_and_first_feature_of_each_group_are_the_real_data(default_draw):
    raw = load_breast_cancer().data
    standardised = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    X = _all_rows(default_draw)
    firsts = X[:, ::20]
    # the rows are a permutation of the real rows: match them by sorting on the first column
    np.testing.assert_allclose(
        firsts[np.lexsort(firsts.T[::-1])], standardised[np.lexsort(standardised.T[::-1])]
    )


def test_groups_are_correlated_features_and_copies_have_the_asked_correlation():
    a = semisynthetic({"copy_corr": 0.9, "p": 600}, 5)
    X = _all_rows(a)
    corr = np.corrcoef(X[:, :20], rowvar=False)
    # copies: corr with the real column 0.9 (569 rows: sampling sd about 0.01)
    np.testing.assert_allclose(corr[0, 2:], 0.9, atol=0.04)
    np.testing.assert_allclose(corr[2, 3:], 0.81, atol=0.06)
    # the hinge is correlated with its column but not a copy of it
    assert 0.5 < corr[0, 1] < 0.95
    np.testing.assert_allclose(X[:, 1].mean(), 0.0, atol=1e-12)


def test_signal_sits_on_real_columns_with_the_asked_snr(tmp_path):
    params = {"n_nonzero": 7, "amplitude": 2.0, "noise": {"family": "gaussian", "snr": 4.0}}
    path = tmp_path / "rep1.npz"
    semisynthetic_to_file(params, base_seed=3, dataset="wide", replicate=1, path=path)
    data = read_dataset(path)
    support = np.flatnonzero(data.coef)
    assert support.size == 7 and np.all(support % 20 == 0)  # a group's first feature
    np.testing.assert_array_equal(np.abs(data.coef[support]), 2.0)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["generator"] == "semisynthetic" and sidecar["params"]["n_nonzero"] == 7
    f_all = np.concatenate([data.X_train @ data.coef, data.f_test])
    assert sidecar["signal_variance"] == pytest.approx(np.var(f_all), rel=1e-10)
    assert sidecar["signal_variance"] / sidecar["noise_scale"] ** 2 == pytest.approx(4.0)
    assert len(sidecar["train_rows"]) == 100 and len(set(sidecar["train_rows"])) == 100


def test_default_noise_is_heavy_tailed():
    a = semisynthetic({"n_train": 500, "noise": {"family": "student_t", "df": 2.0}}, 11)
    residual = np.concatenate([a["y_train"] - a["X_train"] @ a["coef"], a["y_test"] - a["f_test"]])
    centred = residual - np.median(residual)
    scale = np.median(np.abs(centred))
    # t(2) puts far more mass beyond 5 median absolute deviations than a Gaussian (~1e-5)
    assert np.mean(np.abs(centred) > 5 * scale) > 0.02


def test_same_seed_same_data_other_replicate_other_data():
    first = semisynthetic({"base": "diabetes", "p": 200, "n_train": 40}, dataset_seed(1, "d", 1))
    again = semisynthetic({"base": "diabetes", "p": 200, "n_train": 40}, dataset_seed(1, "d", 1))
    other = semisynthetic({"base": "diabetes", "p": 200, "n_train": 40}, dataset_seed(1, "d", 2))
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert not np.array_equal(first["X_train"], other["X_train"])
    # diabetes: 10 real columns, 20 features each
    np.testing.assert_array_equal(np.bincount(first["groups"]), np.full(10, 20))


def test_p_not_a_multiple_of_the_columns_gives_groups_differing_by_one():
    a = semisynthetic({"base": "diabetes", "p": 43, "n_nonzero": 3}, 0)
    assert np.bincount(a["groups"]).tolist() == [5, 5, 5] + [4] * 7


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rows": 3}, r"unknown parameter\(s\) datasets\.w\.params\.rows; allowed are .*base"),
        ({"base": "iris"}, r"datasets\.w\.params\.base must be one of breast_cancer, diabetes"),
        (
            {"n_train": 569},
            r"datasets\.w\.params\.n_train must be < 569, the rows of breast_cancer",
        ),
        ({"p": 20}, r"datasets\.w\.params\.p must be >= 30"),
        ({"n_nonzero": 31}, r"datasets\.w\.params\.n_nonzero must be <= 30, the real columns"),
        ({"copy_corr": 1.0}, r"datasets\.w\.params\.copy_corr must be in \(0"),
        ({"noise": {"family": "student_t", "nu": 3}}, r"datasets\.w\.params\.noise\.nu"),
        ({"noise": {"df": -1}}, r"datasets\.w\.params\.noise\.df must be in \(0"),
    ],
)
def test_bad_params_are_refused_naming_the_key(params, message):
    with pytest.raises(ValueError, match=message):
        resolve_params(params, where="datasets.w.params")


# ------------------------------------------------------------------------------ workflow


def _dry_run(tmp_path, config):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [snakemake_executable(), "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    command += ["--configfile", str(path), "-n", "--cores", "1"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_quick_config_plans_the_semisynthetic_jobs(tmp_path):
    config = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    result = _dry_run(tmp_path, config)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, flags=re.MULTILINE))
    assert counts["semisynthetic"] == str(config["replicates"])
    assert "output: results/datasets/wide_cancer/rep1.npz" in result.stdout


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_a_bad_param_stops_the_workflow_before_any_job(tmp_path):
    config = {"datasets": {"w": {"generator": "semisynthetic", "params": {"p": 10}}}}
    result = _dry_run(tmp_path, config)
    assert result.returncode != 0
    assert "normbench: datasets.w.params.p must be >= 30" in result.stderr
