"""Tests of config/presets/: every preset is a valid study, and the Zou & Hastie (2005) preset
simulates the paper's four examples (sizes, coefficients, noise and correlations)."""

import re
from pathlib import Path

import numpy as np
import pytest

from normbench.config import load_yaml, validate_config
from normbench.simulate import dataset_seed, simulate

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
PRESETS = sorted((REPO / "config" / "presets").glob("*.yaml"))
ZOU_HASTIE = REPO / "config" / "presets" / "zou_hastie_2005.yaml"

N_LARGE = 40_000  # sd of a sample correlation below 0.005


def test_there_are_presets():
    assert ZOU_HASTIE in PRESETS


@pytest.mark.parametrize("path", PRESETS, ids=[path.name for path in PRESETS])
def test_preset_validates_and_states_its_run_time(path):
    config = validate_config(load_yaml(path), SCHEMA)
    assert config["datasets"]
    header = "".join(line for line in path.read_text().splitlines(keepends=True)[:30])
    assert re.search(r"(?i)expected run time: .*\d+ (seconds|minutes|hours) on 2 cores", header)


@pytest.fixture(scope="module")
def zou_hastie():
    return validate_config(load_yaml(ZOU_HASTIE), SCHEMA)


def _toeplitz(p, rho):
    index = np.arange(p)
    return rho ** np.abs(index[:, None] - index[None, :])


def _example4_sigma():
    sigma = np.eye(40)
    for group in range(3):
        members = slice(5 * group, 5 * group + 5)
        sigma[members, members] = 1.0  # Cov(Z + eps_i, Z + eps_j) = Var Z = 1
    sigma[np.arange(15), np.arange(15)] = 1.01  # Var(Z + eps_i) = 1 + 0.01
    return sigma


# (name, n_train = the paper's training size, n_test, coefficients, noise sd, covariance of x)
EXAMPLES = [
    ("zh_example1", 20, 200, [3, 1.5, 0, 0, 2, 0, 0, 0], 3.0, _toeplitz(8, 0.5)),
    ("zh_example2", 20, 200, [0.85] * 8, 3.0, _toeplitz(8, 0.5)),
    (
        "zh_example3",
        100,
        400,
        [0] * 10 + [2] * 10 + [0] * 10 + [2] * 10,
        15.0,
        np.full((40, 40), 0.5) + 0.5 * np.eye(40),
    ),
    ("zh_example4", 50, 400, [3] * 15 + [0] * 25, 15.0, _example4_sigma()),
]


def test_zou_hastie_preset_has_the_four_examples(zou_hastie):
    assert list(zou_hastie["datasets"]) == [case[0] for case in EXAMPLES]
    assert zou_hastie["replicates"] == 50
    assert all(entry["generator"] == "simulate" for entry in zou_hastie["datasets"].values())
    assert zou_hastie["cv"]["folds"] == 5


@pytest.mark.parametrize(
    ("name", "n_train", "n_test", "coef", "sigma", "cov"),
    EXAMPLES,
    ids=[case[0] for case in EXAMPLES],
)
def test_zou_hastie_example_simulates_the_paper(
    zou_hastie, name, n_train, n_test, coef, sigma, cov
):
    entry = zou_hastie["datasets"][name]
    p = len(coef)
    out = simulate(entry, dataset_seed(zou_hastie["seed"], name, 1))
    assert out["X_train"].shape == (n_train, p) and out["y_train"].shape == (n_train,)
    assert out["X_test"].shape == (n_test, p) and out["y_test"].shape == (n_test,)
    np.testing.assert_array_equal(out["coef"], coef)
    assert entry["noise"]["family"] == "gaussian" and entry["noise"]["sigma"] == sigma

    # A large sample of the same design: covariance of x and sd of the noise.
    large = simulate({**entry, "n_train": N_LARGE, "n_test": 1}, dataset_seed(0, name, 1))
    X = large["X_train"]
    np.testing.assert_allclose(np.cov(X, rowvar=False), cov, atol=0.03)
    target_corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    np.testing.assert_allclose(np.corrcoef(X, rowvar=False), target_corr, atol=0.02)
    eps = large["y_train"] - X @ large["coef"]
    assert eps.std() == pytest.approx(sigma, rel=0.02)


def test_zou_hastie_example4_groups_are_z_plus_small_noise(zou_hastie):
    entry = zou_hastie["datasets"]["zh_example4"]
    X = simulate({**entry, "n_train": N_LARGE, "n_test": 1}, 7)["X_train"]
    # Within a group x_i - x_j = eps_i - eps_j, Var = 2 * 0.01; the group's mean is close to Z.
    for group in range(3):
        first = 5 * group
        assert np.var(X[:, first] - X[:, first + 1]) == pytest.approx(0.02, rel=0.05)
    np.testing.assert_allclose(np.corrcoef(X[:, :15], rowvar=False)[0, 1:5], 1 / 1.01, atol=2e-3)


def test_zou_hastie_preset_carries_table_2(zou_hastie):
    (table,) = zou_hastie["published"]
    assert table["metric"] == "risk" and table["statistic"] == "median"
    assert table["values"]["zh_example3"] == {"l2+l1": 65.0, "l2+elasticnet": 56.6, "l2+l2": 39.5}
    assert set(table["values"]) == {case[0] for case in EXAMPLES}
