import hashlib
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from normbench.data.contract import read_dataset
from normbench.data.simulate import (
    _GAUSSIAN_Q75,
    DEFAULT_PARAMS,
    _resolve_params,
    _signal_variance,
    _support,
    dataset_seed,
    population_covariance,
    simulate,
    simulate_to_file,
)

SEED = np.random.SeedSequence(20240601)


def _params(*, n_train=20, n_test=10, p=12, design=None, coef=None, noise=None):
    return {
        "generator": "simulate",
        "n_train": n_train,
        "n_test": n_test,
        "p": p,
        "design": {"kind": "block", "rho": 0.5, "group_size": 4, **(design or {})},
        "coef": {"n_nonzero": 3, **(coef or {})},
        "noise": {**(noise or {})},
    }


def _sample_corr(X):
    return np.corrcoef(X, rowvar=False)


# --------------------------------------------------------------------------- seeds


def test_dataset_seed_entropy_follows_the_documented_derivation():
    digest = hashlib.sha256(b"heavy_tails").digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    assert dataset_seed(7, "heavy_tails", 3).entropy == [7, *words, 3]


def test_dataset_seed_is_stable_across_processes():
    code = (
        "from normbench.data.simulate import dataset_seed;"
        "print(dataset_seed(7, 'heavy_tails', 3).entropy)"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(result.stdout.strip())
    assert outputs == {str(dataset_seed(7, "heavy_tails", 3).entropy)}


@pytest.mark.parametrize(
    ("base_seed", "dataset", "replicate"),
    [(-1, "a", 0), (0, "a", -2), (0, "a", 1.5), (True, "a", 0)],
)
def test_dataset_seed_refuses_bad_numbers(base_seed, dataset, replicate):
    with pytest.raises(ValueError):
        dataset_seed(base_seed, dataset, replicate)


def test_same_seed_gives_identical_files(tmp_path):
    params = _params(noise={"family": "contaminated"})
    for name in ("a", "b"):
        simulate_to_file(
            params, base_seed=1, dataset="d", replicate=2, path=tmp_path / f"{name}.npz"
        )
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


@pytest.mark.parametrize(
    "other", [(1, "d", 3), (1, "e", 2), (2, "d", 2)], ids=["replicate", "dataset", "base_seed"]
)
def test_different_seed_inputs_give_different_data(other):
    params = _params(coef={"signs": "random"})
    reference = simulate(params, dataset_seed(1, "d", 2))
    changed = simulate(params, dataset_seed(*other))
    for name in ("X_train", "y_train", "X_test", "y_test"):
        assert not np.array_equal(reference[name], changed[name])


def test_seed_is_not_consumed():
    seed = np.random.SeedSequence(5)
    first = simulate(_params(), seed)
    seed.spawn(3)  # spawning elsewhere must not shift the simulator's streams
    second = simulate(_params(), seed)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


@pytest.mark.parametrize("kind", ["independent", "toeplitz", "block", "latent_groups"])
def test_changing_n_test_keeps_training_data_and_vice_versa(kind):
    design = {"kind": kind, "n_groups": 2}
    noise = {"family": "contaminated"}
    base = simulate(_params(n_test=10, design=design, noise=noise), SEED)
    more_test = simulate(_params(n_test=37, design=design, noise=noise), SEED)
    more_train = simulate(_params(n_train=41, design=design, noise=noise), SEED)
    for name in ("X_train", "y_train", "coef", "groups"):
        np.testing.assert_array_equal(base[name], more_test[name])
    for name in ("X_test", "y_test", "f_test", "coef"):
        np.testing.assert_array_equal(base[name], more_train[name])


def test_metadata_of_written_file(tmp_path):
    path = tmp_path / "rep4.npz"
    params = _params(coef={"n_nonzero": 2, "amplitude": 2.0}, design={"kind": "independent"})
    simulate_to_file(params, base_seed=9, dataset="toy", replicate=4, path=path)
    dataset = read_dataset(path)
    meta = dataset.metadata
    assert meta["dataset"] == "toy" and meta["replicate"] == 4 and meta["base_seed"] == 9
    assert meta["seed_entropy"] == dataset_seed(9, "toy", 4).entropy
    assert meta["generator"] == "simulate"
    assert meta["signal_variance"] == pytest.approx(8.0)  # two coefficients of 2, Sigma = I
    assert meta["noise_scale"] == pytest.approx(math.sqrt(8.0 / 3.0))  # default snr 3
    assert meta["params"]["noise"] == DEFAULT_PARAMS["noise"]
    assert meta["params"]["p"] == 12
    assert set(meta) >= {"normbench_version", "params"}
    expected = simulate(params, dataset_seed(9, "toy", 4))
    np.testing.assert_array_equal(dataset.X_train, expected["X_train"])


# --------------------------------------------------------------------------- output contract


@pytest.mark.parametrize("kind", ["independent", "toeplitz", "block", "latent_groups"])
def test_outputs_follow_the_data_contract(kind):
    out = simulate(_params(design={"kind": kind, "n_groups": 2}), SEED)
    assert out["X_train"].shape == (20, 12) and out["y_train"].shape == (20,)
    assert out["X_test"].shape == (10, 12) and out["y_test"].shape == (10,)
    assert out["coef"].shape == out["groups"].shape == (12,)
    assert out["groups"].dtype.kind == "i"
    np.testing.assert_allclose(out["f_test"], out["X_test"] @ out["coef"], rtol=1e-12)
    assert not np.allclose(out["y_test"], out["f_test"])


@pytest.mark.parametrize(
    ("design", "p", "expected"),
    [
        ({"kind": "independent", "group_size": 4}, 10, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]),
        ({"kind": "toeplitz", "group_size": 5}, 7, [0, 0, 0, 0, 0, 1, 1]),
        ({"kind": "block", "group_size": 3}, 7, [0, 0, 0, 1, 1, 1, 2]),
        (
            {"kind": "latent_groups", "group_size": 2, "n_groups": 3},
            9,
            [0, 0, 1, 1, 2, 2, -1, -1, -1],
        ),
    ],
)
def test_group_labels(design, p, expected):
    out = simulate(_params(p=p, design=design), SEED)
    np.testing.assert_array_equal(out["groups"], expected)


# --------------------------------------------------------------------------- designs

N_LARGE = 20_000
CORR_TOL = 0.03  # the sd of a sample correlation at n = 20000 is below 0.008


def _large_design(design, p):
    params = _params(n_train=N_LARGE, n_test=1, p=p, design=design, coef={"n_nonzero": 0})
    return simulate(params, SEED)["X_train"]


@pytest.mark.parametrize("rho", [0.0, 0.6, 0.9])
def test_toeplitz_correlations(rho):
    X = _large_design({"kind": "toeplitz", "rho": rho}, p=6)
    corr = _sample_corr(X)
    np.testing.assert_allclose(X.var(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(np.diag(corr, 1), rho, atol=CORR_TOL)
    np.testing.assert_allclose(np.diag(corr, 2), rho**2, atol=CORR_TOL)
    np.testing.assert_allclose(np.diag(corr, 5), rho**5, atol=CORR_TOL)


def test_block_correlations():
    rho = 0.5
    X = _large_design({"kind": "block", "rho": rho, "group_size": 3}, p=7)
    corr = _sample_corr(X)
    labels = np.arange(7) // 3
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(7, dtype=bool)
    np.testing.assert_allclose(X.var(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(corr[same & off_diagonal], rho, atol=CORR_TOL)
    np.testing.assert_allclose(corr[~same], 0.0, atol=CORR_TOL)


def test_latent_group_correlations():
    rho = 0.8
    X = _large_design({"kind": "latent_groups", "rho": rho, "group_size": 3, "n_groups": 2}, p=9)
    corr = _sample_corr(X)
    labels = np.array([0, 0, 0, 1, 1, 1, -1, -1, -1])
    same = (labels[:, None] == labels[None, :]) & (labels[:, None] >= 0)
    off_diagonal = ~np.eye(9, dtype=bool)
    np.testing.assert_allclose(X.var(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(corr[same & off_diagonal], rho, atol=CORR_TOL)
    np.testing.assert_allclose(corr[~same & off_diagonal], 0.0, atol=CORR_TOL)


def test_independent_design():
    X = _large_design({"kind": "independent"}, p=5)
    np.testing.assert_allclose(X.var(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(_sample_corr(X)[~np.eye(5, dtype=bool)], 0.0, atol=CORR_TOL)


def _explicit_sigma(design, groups):
    p = groups.size
    if design["kind"] == "independent":
        return np.eye(p)
    if design["kind"] == "toeplitz":
        index = np.arange(p)
        return design["rho"] ** np.abs(index[:, None] - index[None, :])
    same_group = (groups[:, None] == groups[None, :]) & (groups[:, None] >= 0)
    sigma = np.where(same_group, design["rho"], 0.0)
    np.fill_diagonal(sigma, 1.0)
    return sigma


@pytest.mark.parametrize(
    "design",
    [
        {"kind": "independent", "rho": 0.3},
        {"kind": "toeplitz", "rho": 0.0},
        {"kind": "toeplitz", "rho": 0.75},
        {"kind": "block", "rho": 0.4},
        {"kind": "latent_groups", "rho": 0.9},
    ],
)
def test_signal_variance_matches_explicit_covariance(design):
    p = 11
    groups = np.arange(p) // 3
    if design["kind"] == "latent_groups":
        groups[6:] = -1
    coef = np.random.default_rng(1).standard_normal(p)
    coef[[2, 7]] = 0.0
    sigma = _explicit_sigma(design, groups)
    np.testing.assert_allclose(np.diag(sigma), 1.0)
    assert _signal_variance(coef, groups, design) == pytest.approx(coef @ sigma @ coef, rel=1e-12)


def test_block_signal_variance_by_hand():
    # Two coefficients of 1 in one block of correlation 0.5: 1 + 1 + 2 * 0.5 = 3.
    design = {"kind": "block", "rho": 0.5}
    assert _signal_variance(np.array([1.0, 1.0, 0.0]), np.array([0, 0, 0]), design) == 3.0


# --------------------------------------------------------------------------- coefficients


@pytest.mark.parametrize(
    ("placement", "p", "k", "expected"),
    [
        ("first", 10, 3, [0, 1, 2]),
        ("spread", 10, 3, [0, 3, 6]),
        ("spread", 10, 10, list(range(10))),
        ("spread", 1000, 4, [0, 250, 500, 750]),
        ("grouped", 10, 6, [0, 1, 2, 3, 4, 5]),
        ("first", 10, 0, []),
        ("spread", 10, 0, []),
    ],
)
def test_coefficient_placement(placement, p, k, expected):
    out = simulate(_params(p=p, coef={"n_nonzero": k, "placement": placement}), SEED)
    np.testing.assert_array_equal(np.flatnonzero(out["coef"]), expected)


def test_grouped_placement_follows_group_order_not_index_order():
    groups = np.array([1, 0, -1, 0, 1, -1])
    np.testing.assert_array_equal(_support(groups, 2, "grouped"), [1, 3])
    np.testing.assert_array_equal(_support(groups, 3, "grouped"), [0, 1, 3])
    np.testing.assert_array_equal(_support(groups, 5, "grouped"), [0, 1, 2, 3, 4])


def test_grouped_placement_fills_latent_groups_then_independent_features():
    design = {"kind": "latent_groups", "group_size": 2, "n_groups": 2}
    out = simulate(_params(p=8, design=design, coef={"n_nonzero": 5}), SEED)
    np.testing.assert_array_equal(np.flatnonzero(out["coef"]), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(out["groups"][out["coef"] != 0], [0, 0, 1, 1, -1])


@pytest.mark.parametrize("amplitude", [0.5, 2.0])
@pytest.mark.parametrize("signs", ["positive", "alternating", "random"])
def test_coefficient_signs_and_amplitude(signs, amplitude):
    k = 40
    out = simulate(
        _params(p=50, coef={"n_nonzero": k, "signs": signs, "amplitude": amplitude}), SEED
    )
    nonzero = out["coef"][out["coef"] != 0]
    assert nonzero.size == k
    np.testing.assert_array_equal(np.abs(nonzero), amplitude)
    if signs == "positive":
        assert (nonzero > 0).all()
    elif signs == "alternating":
        np.testing.assert_array_equal(np.sign(nonzero), [1, -1] * (k // 2))
    else:
        assert 0 < (nonzero > 0).sum() < k  # both signs appear (fails with prob. 2^-39)
        other = simulate(
            _params(p=50, coef={"n_nonzero": k, "signs": signs}), np.random.SeedSequence(1)
        )
        assert not np.array_equal(np.sign(other["coef"]), np.sign(out["coef"]))


# --------------------------------------------------------------------------- noise

N_NOISE = 200_000
SNR = 2.0


def _large_noise(noise, design=None):
    # Independent design with 3 coefficients of 1: signal variance 3, reference sigma^2 = 1.5.
    params = _params(
        n_train=N_NOISE,
        n_test=1,
        p=3,
        design=design or {"kind": "independent"},
        coef={"n_nonzero": 3},
        noise={"snr": SNR, **noise},
    )
    out = simulate(params, SEED)
    signal = out["X_train"] @ out["coef"]
    return signal, out["y_train"] - signal


@pytest.mark.parametrize(
    ("noise", "rel"),
    [
        ({"family": "gaussian"}, 0.03),
        ({"family": "laplace"}, 0.03),
        ({"family": "student_t", "df": 5.0}, 0.05),
        ({"family": "student_t", "df": 2.5}, None),  # infinite kurtosis: only the IQR is tested
        ({"family": "skewed", "skew": 1.0}, 0.1),
        ({"family": "skewed", "skew": 0.3}, 0.05),
    ],
)
def test_empirical_snr(noise, rel):
    signal, eps = _large_noise(noise)
    if rel is not None:
        assert signal.var() / eps.var() == pytest.approx(SNR, rel=rel)


def test_empirical_snr_with_correlated_design():
    signal, eps = _large_noise({"family": "gaussian"}, design={"kind": "toeplitz", "rho": 0.8})
    # The toeplitz signal variance is 3 + 2 * (2 * 0.8 + 0.64) = 7.48: check both the scale
    # and the ratio.
    assert signal.var() == pytest.approx(7.48, rel=0.03)
    assert signal.var() / eps.var() == pytest.approx(SNR, rel=0.03)


def test_gaussian_quartile_constant():
    assert _GAUSSIAN_Q75 == pytest.approx(stats.norm.ppf(0.75), rel=1e-15)


def _iqr(values):
    q25, q75 = np.quantile(values, [0.25, 0.75])
    return q75 - q25


@pytest.mark.parametrize(
    "noise",
    [
        {"family": "cauchy"},
        {"family": "student_t", "df": 2.0},
        {"family": "student_t", "df": 1.0},
        {"family": "student_t", "df": 0.5},
    ],
)
def test_iqr_rule_without_variance(noise):
    _, eps = _large_noise(noise)
    reference_iqr = 2 * stats.norm.ppf(0.75) * math.sqrt(3.0 / SNR)
    assert _iqr(eps) == pytest.approx(reference_iqr, rel=0.03)
    assert np.median(eps) == pytest.approx(0.0, abs=0.02)


def test_skewed_noise_has_mean_zero_and_negative_median():
    skew = 1.0
    _, eps = _large_noise({"family": "skewed", "skew": skew})
    sigma = math.sqrt(3.0 / SNR)
    assert abs(eps.mean()) < 5 * sigma / math.sqrt(N_NOISE)
    # median of (exp(sZ - s^2/2) - 1) / sqrt(exp(s^2) - 1) is expm1(-s^2/2) / sqrt(expm1(s^2))
    expected_median = sigma * math.expm1(-(skew**2) / 2) / math.sqrt(math.expm1(skew**2))
    assert np.median(eps) < 0
    assert np.median(eps) == pytest.approx(expected_median, rel=0.03)
    assert stats.skew(eps) > 1


@pytest.mark.parametrize(
    ("n_train", "contamination", "expected"),
    [(1000, 0.2, 200), (100, 0.1, 10), (7, 0.1, 1), (20, 0.0, 0), (3, 0.49, 1)],
)
def test_contamination_share_is_exact(n_train, contamination, expected):
    # With a huge outlier scale every outlier is far beyond any clean value.
    noise = {"family": "contaminated", "contamination": contamination, "outlier_scale": 1e9}
    params = _params(n_train=n_train, p=3, design={"kind": "independent"}, noise=noise)
    out = simulate(params, SEED)
    eps = out["y_train"] - out["X_train"] @ out["coef"]
    sigma = math.sqrt(3.0 / 3.0)  # three unit coefficients, default snr 3
    assert (np.abs(eps) > 100 * sigma).sum() == expected


def test_contaminated_snr_refers_to_the_clean_component():
    noise = {"family": "contaminated", "contamination": 0.1, "outlier_scale": 10.0}
    signal, eps = _large_noise(noise)
    sigma = math.sqrt(3.0 / SNR)
    clean = eps[np.abs(eps) < 5 * sigma]  # drops ~all clean-component tails only at 5 sigma
    # 10% outliers of sd 10 sigma: total variance 0.9 + 0.1 * 100 = 10.9 sigma^2
    assert eps.var() == pytest.approx(10.9 * sigma**2, rel=0.05)
    assert np.median(np.abs(clean)) == pytest.approx(stats.norm.ppf(0.75) * sigma, rel=0.05)


def test_no_signal_uses_unit_noise_scale(tmp_path):
    params = _params(n_train=5000, n_test=3, coef={"n_nonzero": 0})
    out = simulate(params, SEED)
    np.testing.assert_array_equal(out["coef"], 0.0)
    np.testing.assert_array_equal(out["f_test"], 0.0)
    assert out["y_train"].std() == pytest.approx(1.0, rel=0.05)
    simulate_to_file(params, base_seed=0, dataset="null", replicate=0, path=tmp_path / "n.npz")
    assert read_dataset(tmp_path / "n.npz").metadata["noise_scale"] == 1.0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"n_train": 1}, "n_train"),
        ({"p": 0}, "p"),
        ({"n_test": 2.5}, "n_test"),
        ({"design": {"kind": "spiral"}}, "design.kind"),
        ({"design": {"rho": 1.0}}, "design.rho"),
        ({"design": {"rho": -0.1}}, "design.rho"),
        ({"design": {"kind": "latent_groups", "n_groups": 4, "group_size": 4}}, "n_groups"),
        ({"design": {"colour": 1}}, "design.colour"),
        ({"coef": {"n_nonzero": 13}}, "coef.n_nonzero"),
        ({"coef": {"amplitude": 0}}, "coef.amplitude"),
        ({"coef": {"placement": "random"}}, "coef.placement"),
        ({"noise": {"family": "poisson"}}, "noise.family"),
        ({"noise": {"snr": -1}}, "noise.snr"),
        ({"noise": {"contamination": 0.5}}, "noise.contamination"),
        ({"noise": {"df": float("inf")}}, "noise.df"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_parameters_are_refused(change, key):
    params = _params()
    for name, value in change.items():
        params[name] = {**params[name], **value} if isinstance(value, dict) else value
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        simulate(params, SEED)


def test_defaults_are_filled_in():
    out = simulate({"n_train": 10, "n_test": 5, "p": 30}, SEED)
    # block design of group_size 10, 10 positive unit coefficients in group 0
    np.testing.assert_array_equal(out["coef"], np.r_[np.ones(10), np.zeros(20)])
    np.testing.assert_array_equal(out["groups"], np.arange(30) // 10)


# --------------------------------------------------------------------------- optional keys
# coef.values, noise.sigma and design.feature_scale reproduce published designs exactly
# (config/presets/zou_hastie_2005.yaml); absent, nothing changes.


def test_optional_keys_absent_leave_data_and_sidecar_unchanged(tmp_path):
    params = _params(coef={"signs": "random"}, noise={"family": "laplace"})
    simulate_to_file(params, base_seed=3, dataset="d", replicate=1, path=tmp_path / "a.npz")
    meta = read_dataset(tmp_path / "a.npz").metadata
    assert "values" not in meta["params"]["coef"]
    assert "sigma" not in meta["params"]["noise"]
    assert "feature_scale" not in meta["params"]["design"]
    unit = _params(coef={"signs": "random"}, noise={"family": "laplace"})
    unit["design"]["feature_scale"] = "unit"
    explicit, default = (
        simulate(unit, dataset_seed(3, "d", 1)),
        simulate(params, dataset_seed(3, "d", 1)),
    )
    for name in default:
        np.testing.assert_array_equal(explicit[name], default[name])


def test_explicit_coefficients():
    values = [3, 1.5, 0, 0, 2, 0, 0, 0]
    params = _params(p=8, design={"kind": "toeplitz"}, coef=None)
    params["coef"] = {"values": values}
    out = simulate(params, SEED)
    np.testing.assert_array_equal(out["coef"], values)
    assert out["coef"].dtype == np.float64
    np.testing.assert_allclose(out["f_test"], out["X_test"] @ out["coef"], rtol=1e-12)


def test_explicit_coefficients_set_the_snr_scale(tmp_path):
    # Independent design, coefficients (1, 2, 0): signal variance 5, sigma^2 = 5 / snr.
    params = _params(p=3, design={"kind": "independent"}, noise={"snr": 2.0})
    params["coef"] = {"values": [1.0, 2.0, 0.0]}
    simulate_to_file(params, base_seed=0, dataset="v", replicate=1, path=tmp_path / "v.npz")
    meta = read_dataset(tmp_path / "v.npz").metadata
    assert meta["params"]["coef"] == {"values": [1.0, 2.0, 0.0]}
    assert meta["signal_variance"] == pytest.approx(5.0)
    assert meta["noise_scale"] == pytest.approx(math.sqrt(2.5))


@pytest.mark.parametrize(
    ("coef", "match"),
    [
        ({"values": [1.0] * 12, "n_nonzero": 3}, r"coef\.values cannot be combined.*n_nonzero"),
        ({"values": [1.0] * 12, "signs": "random"}, r"coef\.values cannot be combined.*signs"),
        ({"values": [1.0] * 11}, r"coef\.values must hold p = 12 numbers, got 11"),
        ({"values": [1.0] * 11 + ["a"]}, r"coef\.values\[11\] must be a number"),
        ({"values": [1.0] * 11 + [float("nan")]}, r"coef\.values\[11\]"),
        ({"values": "1, 2"}, r"coef\.values must be a list"),
        ({"values": 2.0}, r"coef\.values must be a list"),
    ],
)
def test_explicit_coefficients_are_checked(coef, match):
    params = _params()
    params["coef"] = coef
    with pytest.raises(ValueError, match=match):
        simulate(params, SEED)


def test_noise_sigma_sets_the_scale(tmp_path):
    sigma = 3.0
    params = _params(n_train=N_NOISE, n_test=1, p=3, design={"kind": "independent"})
    params["noise"] = {"family": "gaussian", "sigma": sigma}
    out = simulate(params, SEED)
    eps = out["y_train"] - out["X_train"] @ out["coef"]
    assert eps.std() == pytest.approx(sigma, rel=0.01)
    small = _params(noise={"family": "student_t", "df": 5.0, "sigma": 0.5})
    simulate_to_file(small, base_seed=0, dataset="s", replicate=1, path=tmp_path / "s.npz")
    meta = read_dataset(tmp_path / "s.npz").metadata
    assert meta["noise_scale"] == 0.5
    assert "snr" not in meta["params"]["noise"] and meta["params"]["noise"]["sigma"] == 0.5


def test_noise_sigma_and_snr_give_the_same_data_when_they_agree():
    # Three unit coefficients, independent design: snr 2 means sigma = sqrt(3 / 2).
    design = {"kind": "independent"}
    by_snr = simulate(_params(design=design, noise={"snr": 2.0}), SEED)
    by_sigma = simulate(_params(design=design, noise={"sigma": math.sqrt(1.5)}), SEED)
    for name in by_snr:
        np.testing.assert_allclose(by_sigma[name], by_snr[name], rtol=1e-14)


@pytest.mark.parametrize(
    ("noise", "match"),
    [
        ({"sigma": 1.0, "snr": 2.0}, r"noise\.sigma cannot be combined with noise\.snr"),
        ({"sigma": 0.0}, r"noise\.sigma must be in \(0"),
        ({"sigma": "big"}, r"noise\.sigma must be a number"),
    ],
)
def test_noise_sigma_is_checked(noise, match):
    with pytest.raises(ValueError, match=match):
        simulate(_params(noise=noise), SEED)


def test_latent_feature_scale_matches_zou_hastie_example_4():
    # x_i = Z_g + eps_i with Var(eps_i) = 0.01: corr 1 / 1.01, variance 1.01 in the groups.
    rho = 1 / 1.01
    design = {
        "kind": "latent_groups",
        "rho": rho,
        "group_size": 3,
        "n_groups": 2,
        "feature_scale": "latent",
    }
    X = _large_design(design, p=9)
    corr = _sample_corr(X)
    labels = np.array([0, 0, 0, 1, 1, 1, -1, -1, -1])
    same = (labels[:, None] == labels[None, :]) & (labels[:, None] >= 0)
    off_diagonal = ~np.eye(9, dtype=bool)
    np.testing.assert_allclose(X.var(axis=0)[:6], 1.01, rtol=0.03)
    np.testing.assert_allclose(X.var(axis=0)[6:], 1.0, rtol=0.03)
    np.testing.assert_allclose(corr[same & off_diagonal], rho, atol=0.002)
    np.testing.assert_allclose(corr[~same & off_diagonal], 0.0, atol=CORR_TOL)
    # x_0 - x_1 = eps_0 - eps_1 has variance 2 * 0.01.
    assert np.var(X[:, 0] - X[:, 1]) == pytest.approx(0.02, rel=0.05)


@pytest.mark.parametrize("kind", ["block", "latent_groups"])
def test_latent_feature_scale_signal_variance(kind):
    p, rho = 11, 0.6
    design = {"kind": kind, "rho": rho, "feature_scale": "latent"}
    groups = np.arange(p) // 3
    if kind == "latent_groups":
        groups[6:] = -1
    sigma = _explicit_sigma(design, groups)
    grouped = groups >= 0
    sigma[np.ix_(grouped, grouped)] /= rho  # Cov = 1 within a group, Var = 1 / rho
    coef = np.random.default_rng(2).standard_normal(p)
    assert _signal_variance(coef, groups, design) == pytest.approx(coef @ sigma @ coef, rel=1e-12)
    X = _large_design({**design, "group_size": 3, "n_groups": 2}, p=p)
    np.testing.assert_allclose(np.cov(X, rowvar=False), sigma, atol=0.04)


@pytest.mark.parametrize(
    ("design", "match"),
    [
        ({"kind": "toeplitz", "feature_scale": "latent"}, r"feature_scale 'latent' needs"),
        ({"kind": "independent", "feature_scale": "latent"}, r"feature_scale 'latent' needs"),
        ({"kind": "block", "rho": 0.0, "feature_scale": "latent"}, r"design\.rho > 0"),
        ({"feature_scale": "standard"}, r"design\.feature_scale must be one of unit, latent"),
    ],
)
def test_feature_scale_is_checked(design, match):
    with pytest.raises(ValueError, match=match):
        simulate(_params(design=design), SEED)


def test_unit_feature_scale_is_allowed_with_any_design():
    out = simulate(_params(design={"kind": "toeplitz", "feature_scale": "unit"}), SEED)
    assert out["X_train"].shape == (20, 12)


@pytest.mark.parametrize(
    ("coef", "message"),
    [
        ({"beta_type": 4}, r"coef\.beta_type must be one of 1, 2, 3, 5; got 4"),
        (
            {"beta_type": 2, "amplitude": 2.0},
            r"coef\.beta_type cannot be combined with coef\.amplitude",
        ),
        (
            {"beta_type": 2, "values": [1.0] * 20},
            r"coef\.values cannot be combined with .*coef\.beta_type",
        ),
        ({"beta_type": 1, "n_nonzero": 21}, r"coef\.n_nonzero must be <= p = 20"),
    ],
)
def test_beta_type_is_checked(coef, message):
    with pytest.raises(ValueError, match=message):
        simulate({"p": 20, "n_train": 5, "n_test": 2, "coef": coef}, 0)


def test_beta_type_coefficients_and_their_signal_variance():
    params = {"p": 12, "n_train": 5, "n_test": 2, "design": {"kind": "toeplitz", "rho": 0.5}}
    expected = {
        1: [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0],
        2: [1, 1, 1, 1] + [0] * 8,
        3: [10, 10 - 9.5 / 3, 10 - 19 / 3, 0.5] + [0] * 8,
        5: [1, 1, 1, 1] + [0.5**k for k in range(1, 9)],
    }
    index = np.arange(12)
    sigma = 0.5 ** np.abs(index[:, None] - index[None, :])
    for beta_type, coef in expected.items():
        given = {**params, "coef": {"beta_type": beta_type, "n_nonzero": 4}}
        out = simulate(given, 0)
        np.testing.assert_allclose(out["coef"], coef, rtol=1e-12)
        resolved = _resolve_params(given)
        groups = np.arange(12) // 10
        assert _signal_variance(out["coef"], groups, resolved["design"]) == pytest.approx(
            np.asarray(coef) @ sigma @ np.asarray(coef), rel=1e-12
        )


@pytest.mark.parametrize(
    "design",
    [
        {"kind": "independent", "rho": 0.0},
        {"kind": "toeplitz", "rho": 0.6},
        {"kind": "block", "rho": 0.4, "group_size": 3},
        {"kind": "latent_groups", "rho": 0.5, "group_size": 2, "n_groups": 2},
        {"kind": "block", "rho": 0.5, "group_size": 3, "feature_scale": "latent"},
    ],
)
def test_population_covariance_matches_a_large_sample(design):
    params = {"n_train": 2, "n_test": 200_000, "p": 7, "design": design, "coef": {"n_nonzero": 1}}
    X = simulate(params, 0)["X_test"]
    assert np.cov(X, rowvar=False) == pytest.approx(population_covariance(params), abs=0.02)


def test_mixed_placement_alternates_whole_and_half_blocks():
    groups = np.arange(40) // 5
    support = _support(groups, 10, "mixed")
    # block 0 whole (0-4), block 1 half rounded up (5-7), block 2 cut at k (10, 11)
    np.testing.assert_array_equal(support, [0, 1, 2, 3, 4, 5, 6, 7, 10, 11])
    counts = np.bincount(groups[support], minlength=8)
    assert list(counts[:3]) == [5, 3, 2] and counts[3:].sum() == 0
    # more true features than blocks can hold run on into the ungrouped features
    latent = np.array([0, 0, 1, 1, -1, -1, -1])
    np.testing.assert_array_equal(_support(latent, 5, "mixed"), [0, 1, 2, 4, 5])
