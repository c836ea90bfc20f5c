"""Tests of config/presets/: every preset is a valid study, the Zou & Hastie (2005) preset
simulates the paper's four examples (sizes, coefficients, noise and correlations), and the
Hastie, Tibshirani & Tibshirani (2020) preset the paper's settings, beta-types, Toeplitz design
and SNR-defined noise."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from normbench.data.simulate import dataset_seed, simulate, simulate_to_file
from normbench.study.config import load_yaml, sweeps, validate_config

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
PRESETS = sorted((REPO / "config" / "presets").glob("*.yaml"))
ZOU_HASTIE = REPO / "config" / "presets" / "zou_hastie_2005.yaml"

N_LARGE = 40_000  # sd of a sample correlation below 0.005


def test_there_are_presets():
    assert ZOU_HASTIE in PRESETS


@pytest.mark.parametrize("path", PRESETS, ids=[path.name for path in PRESETS])
def test_preset_validates_and_states_its_run_time(path):
    """Each preset's header gives the wall time of a measured run, whole, on 2 cores."""
    config = validate_config(load_yaml(path), SCHEMA)
    assert config["datasets"]
    header = " ".join(line.lstrip("# ") for line in path.read_text().splitlines()[:30])
    assert re.search(r"(?i)run time, measured \([^)]*2-core[^)]*\): \d+ min \d+ s wall", header)


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
    (table,) = zou_hastie["published"]
    variants = list(table["variants"])
    assert [name for name in zou_hastie["datasets"] if name not in variants] == [
        case[0] for case in EXAMPLES
    ]
    assert zou_hastie["replicates"] == 50
    assert all(entry["generator"] == "simulate" for entry in zou_hastie["datasets"].values())
    # the paper's protocol: tuned on an independent validation set as large as the training set
    assert zou_hastie["cv"]["method"] == "validation"
    for name, n_train, *_ in EXAMPLES:
        assert zou_hastie["datasets"][name]["n_validation"] == n_train
    # Table 2 is least squares, with both the naive and the rescaled elastic net
    assert zou_hastie["models"]["losses"] == ["l2"] and zou_hastie["models"]["elasticnet_rescale"]


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
    assert table["metric"] == "model_error" and table["statistic"] == "median"
    assert table["band"] == [0.65, 1.35]
    # lasso, elastic net (the paper's, rescaled), ridge, naive elastic net
    rows = {
        "l2+l1": [3.06, 3.87, 65.0, 46.6],
        "l2+elasticnet_rescaled": [2.51, 3.16, 56.6, 34.5],
        "l2+l2": [4.49, 2.84, 39.5, 64.5],
        "l2+elasticnet": [5.70, 2.73, 41.0, 45.9],
    }
    assert set(table["values"]) == {case[0] for case in EXAMPLES}
    for index, (name, *_) in enumerate(EXAMPLES):
        assert table["values"][name] == {pair: values[index] for pair, values in rows.items()}
    # every declared ordering is the paper's own: its numbers follow each chain
    for dataset, chains in table["orderings"].items():
        for chain in [chains] if isinstance(chains, str) else chains:
            numbers = [table["values"][dataset][pair.strip()] for pair in chain.split("<")]
            assert numbers == sorted(numbers), chain


def test_hastie_preset_tunes_on_a_validation_set_of_n(hastie):
    assert hastie["cv"]["method"] == "validation"
    for entry in hastie["datasets"].values():
        assert entry["n_validation"] == entry["n_train"]


# --------------------------------------------------------- Hastie, Tibshirani & Tibshirani (2020)

HASTIE = REPO / "config" / "presets" / "hastie_2020.yaml"
HASTIE_SETTINGS = {"high10": (100, 1000, 10), "high5": (50, 1000, 5)}
HASTIE_RHOS = {"0": 0.0, "035": 0.35, "07": 0.7}
HASTIE_SNRS = np.exp(np.linspace(np.log(0.05), np.log(6.0), 10))


@pytest.fixture(scope="module")
def hastie():
    return validate_config(load_yaml(HASTIE), SCHEMA)


def _paper_beta(beta_type, p, s):
    """Section 3.1 of the paper, written with 1-based indices i = 1..p."""
    i = np.arange(1, p + 1)
    if beta_type == 1:
        # s ones at (roughly) equally spaced indices between 1 and p
        beta = np.zeros(p)
        beta[np.round(np.arange(s) * p / s).astype(int)] = 1.0
        return beta
    if beta_type == 2:
        return (i <= s).astype(float)
    if beta_type == 3:
        beta = np.zeros(p)
        beta[:s] = 10.0 - (10.0 - 0.5) * np.arange(s) / (s - 1)
        return beta
    return np.where(i <= s, 1.0, 0.5 ** (i - s))


def test_hastie_preset_sweeps_the_snr_for_every_setting_rho_and_beta_type(hastie):
    found = sweeps(hastie)
    expected = {
        f"{setting}_rho{rho}_beta{beta_type}"
        for setting in HASTIE_SETTINGS
        for rho in HASTIE_RHOS
        for beta_type in (1, 2, 3, 5)
    }
    assert set(found) == expected and len(hastie["datasets"]) == 240
    assert hastie["replicates"] == 10 and hastie["models"]["losses"] == ["l2"]
    for sweep in found.values():
        assert sweep["param"] == "noise.snr"
        # the paper's 10 log-spaced values from 0.05 to 6, to 3 significant digits
        np.testing.assert_allclose(sweep["values"], HASTIE_SNRS, rtol=5e-3)
        assert sweep["values"][0] == 0.05 and sweep["values"][-1] == 6.0


@pytest.mark.parametrize("setting", sorted(HASTIE_SETTINGS))
@pytest.mark.parametrize("rho", sorted(HASTIE_RHOS))
@pytest.mark.parametrize("beta_type", [1, 2, 3, 5])
def test_hastie_datasets_follow_the_papers_definitions(hastie, setting, rho, beta_type, tmp_path):
    n, p, s = HASTIE_SETTINGS[setting]
    name = f"{setting}_rho{rho}_beta{beta_type}__snr_0p42"
    entry = hastie["datasets"][name]
    assert (entry["n_train"], entry["p"]) == (n, p)
    assert entry["design"]["kind"] == "toeplitz" and entry["design"]["rho"] == HASTIE_RHOS[rho]
    assert entry["noise"]["family"] == "gaussian" and entry["noise"]["snr"] == 0.42
    out = simulate({**entry, "n_test": 3}, dataset_seed(hastie["seed"], name, 1))
    beta = _paper_beta(beta_type, p, s)
    np.testing.assert_allclose(out["coef"], beta, rtol=1e-12, atol=0)
    # sigma^2 = beta' Sigma beta / SNR with Sigma_ij = rho^|i-j|, recorded in the sidecar
    path = tmp_path / "rep1.npz"
    simulate_to_file(entry, base_seed=hastie["seed"], dataset=name, replicate=1, path=path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    signal = beta @ _toeplitz(p, HASTIE_RHOS[rho]) @ beta
    assert sidecar["signal_variance"] == pytest.approx(signal, rel=1e-10)
    assert sidecar["noise_scale"] ** 2 == pytest.approx(signal / 0.42, rel=1e-10)


@pytest.mark.parametrize("rho", [0.35, 0.7])
def test_hastie_design_and_noise_have_the_papers_law(hastie, rho):
    entry = hastie["datasets"][f"high10_rho{'035' if rho == 0.35 else '07'}_beta2__snr_6p0"]
    # Toeplitz correlation, on a narrow copy of the design (the law of the first columns does
    # not depend on p) with many rows.
    narrow = {**entry, "p": 12, "n_train": N_LARGE, "n_test": 1}
    X = simulate(narrow, 3)["X_train"]
    np.testing.assert_allclose(np.cov(X, rowvar=False), _toeplitz(12, rho), atol=0.03)
    # Gaussian noise with sigma^2 = beta' Sigma beta / SNR at the full p.
    large = simulate({**entry, "n_train": 4000, "n_test": 1}, 4)
    eps = large["y_train"] - large["X_train"] @ large["coef"]
    sigma = np.sqrt(large["coef"] @ _toeplitz(1000, rho) @ large["coef"] / 6.0)
    assert eps.std() == pytest.approx(sigma, rel=0.04)
    assert abs(np.mean(eps)) < 4 * sigma / np.sqrt(4000)


def test_zou_hastie_variants_change_only_what_they_say(zou_hastie):
    """Each sensitivity variant of example 3 is example 3 with one stated thing changed."""
    (table,) = zou_hastie["published"]
    datasets = zou_hastie["datasets"]
    assert {name: entry["of"] for name, entry in table["variants"].items()} == {
        "zh_example3_n50": "zh_example3",
        "zh_example3_sigma21": "zh_example3",
    }
    example3 = datasets["zh_example3"]
    smaller = {**example3, "n_train": 50, "n_validation": 50}
    assert datasets["zh_example3_n50"] == smaller
    noisier = {**example3, "noise": {**example3["noise"], "sigma": 15 * np.sqrt(2)}}
    assert datasets["zh_example3_sigma21"] == noisier
    # no published numbers of their own: they are compared with example 3's
    assert not set(table["variants"]) & set(table["values"])
    assert "50 / 50" in table["variants"]["zh_example3_n50"]["change"]
    assert "21.2" in table["variants"]["zh_example3_sigma21"]["change"]
