import math
from types import SimpleNamespace

import numpy as np
import pytest

from normbench.data.contract import read_dataset, write_dataset
from normbench.data.noise import noise_variance, sample_noise
from normbench.data.simulate import population_covariance, simulate_to_file
from normbench.study.metrics import (
    METRIC_NAMES,
    estimation_error,
    evaluate,
    group_metrics,
    prediction_metrics,
    risk,
    support_metrics,
)

try:  # the real container when the data module is available, a stand-in otherwise
    from normbench.data.contract import Dataset
except ImportError:  # pragma: no cover - depends on the state of the package
    Dataset = None


def _namespace_dataset(**arrays):
    fields = {"coef": None, "f_test": None, "groups": None, "metadata": {}, "path": "memory"}
    fields.update(arrays)
    return SimpleNamespace(**fields)


def _real_dataset(**arrays):
    if Dataset is None:
        pytest.skip("normbench.data.contract is not importable yet")
    fields = {"coef": None, "f_test": None, "groups": None, "metadata": {}, "path": "memory.npz"}
    fields.update(arrays)
    return Dataset(**fields)


DATASET_FACTORIES = [
    pytest.param(_namespace_dataset, id="namespace"),
    pytest.param(_real_dataset, id="Dataset"),
]


def _training_arrays():
    # Training arrays are never used by evaluate(); they only make the Dataset valid.
    return {"X_train": np.eye(3, 2), "y_train": np.array([0.0, 1.0, 2.0])}


def test_prediction_metrics_hand_computed():
    # residuals y_pred - y_true = [0, 2, -3]: MSE = (0 + 4 + 9) / 3, MAE = (0 + 2 + 3) / 3
    result = prediction_metrics([1.0, 2.0, 3.0], [1.0, 4.0, 0.0])
    assert result == {"test_mse": pytest.approx(13 / 3), "test_mae": pytest.approx(5 / 3)}
    assert all(isinstance(value, float) for value in result.values())


def test_risk_hand_computed_and_missing_signal():
    # f_pred - f_true = [1, 2]: mean of squares = (1 + 4) / 2
    assert risk([0.0, 1.0], [1.0, 3.0]) == pytest.approx(2.5)
    assert math.isnan(risk(None, [1.0, 3.0]))


def test_estimation_error_hand_computed_and_missing_coef():
    # coef_hat - coef_true = [-3, 4, 0]: Euclidean norm 5 (3-4-5 triangle)
    assert estimation_error([3.0, 0.0, 0.0], [0.0, 4.0, 0.0]) == pytest.approx(5.0)
    assert math.isnan(estimation_error(None, [0.0, 4.0]))


@pytest.mark.parametrize(
    ("coef_true", "coef_hat", "expected"),
    [
        pytest.param(
            # truth {0, 3}, selected {0, 1}: TP=1, FP=1, FN=1, true zeros=3
            [1.0, 0.0, 0.0, 2.0, 0.0],
            [0.5, 0.1, 0.0, 0.0, 0.0],
            {"n_nonzero": 2, "tpr": 1 / 2, "fpr": 1 / 3, "precision": 1 / 2, "f1": 2 / 4},
            id="mixed",
        ),
        pytest.param(
            # nothing selected: precision 0/0 is undefined, recall and F1 are 0
            [1.0, 0.0, -1.0],
            [0.0, 0.0, 0.0],
            {"n_nonzero": 0, "tpr": 0.0, "fpr": 0.0, "precision": math.nan, "f1": 0.0},
            id="nothing-selected",
        ),
        pytest.param(
            # no true zeros: FPR 0/0 undefined; TP=1, FN=1 -> F1 = 2 / (2 + 0 + 1)
            [1.0, -2.0],
            [3.0, 0.0],
            {"n_nonzero": 1, "tpr": 1 / 2, "fpr": math.nan, "precision": 1.0, "f1": 2 / 3},
            id="no-true-zeros",
        ),
        pytest.param(
            # no true non-zeros: TPR undefined; one of four zeros selected
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, -0.2, 0.0],
            {"n_nonzero": 1, "tpr": math.nan, "fpr": 1 / 4, "precision": 0.0, "f1": 0.0},
            id="empty-truth",
        ),
        pytest.param(
            # neither a true nor a selected feature: only FPR is defined
            [0.0, 0.0],
            [0.0, 0.0],
            {"n_nonzero": 0, "tpr": math.nan, "fpr": 0.0, "precision": math.nan, "f1": math.nan},
            id="all-zero",
        ),
        pytest.param(
            # a dense estimator selects everything: recall 1, FPR 1
            [0.0, 1.0, 0.0, 0.0],
            [0.1, 0.9, -0.1, 1e-12],
            {"n_nonzero": 4, "tpr": 1.0, "fpr": 1.0, "precision": 1 / 4, "f1": 2 / 5},
            id="dense",
        ),
    ],
)
def test_support_metrics_hand_computed(coef_true, coef_hat, expected):
    result = support_metrics(np.array(coef_true), np.array(coef_hat))
    assert list(result) == ["n_nonzero", "tpr", "fpr", "precision", "f1"]
    assert isinstance(result["n_nonzero"], int)
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(result[key]), key
        else:
            assert result[key] == pytest.approx(value), key


def test_support_metrics_without_truth_keeps_n_nonzero():
    result = support_metrics(None, [0.0, 1.5, 0.0, -2.0])
    assert result["n_nonzero"] == 2
    assert all(math.isnan(result[key]) for key in ("tpr", "fpr", "precision", "f1"))


@pytest.mark.parametrize(
    ("function", "first", "second"),
    [
        (prediction_metrics, [1.0, 2.0], [1.0, 2.0, 3.0]),
        (risk, [1.0, 2.0], [1.0]),
        (estimation_error, [1.0, 2.0, 3.0], [1.0, 2.0]),
        (support_metrics, [1.0], [1.0, 0.0]),
        (prediction_metrics, [[1.0, 2.0]], [[1.0, 2.0]]),
        (prediction_metrics, [], []),
    ],
)
def test_shape_mismatch_raises(function, first, second):
    with pytest.raises(ValueError, match="shape|dimensional|empty"):
        function(first, second)


GROUP_KEYS = ("group_hit", "group_frac", "group_whole")
NAN = math.nan


@pytest.mark.parametrize(
    ("coef_true", "coef_hat", "groups", "expected"),
    [
        pytest.param(
            # active groups: 0 = {0, 1, 2} and 1 = {3, 4}; group 2 = {5, 6} holds no true
            # feature. Selected {0, 3, 4, 5}: group 0 hit with 1 of 3, group 1 kept whole.
            # hit 2/2; fraction (1/3 + 2/2) / 2 = 2/3; whole 1 of 2 hit groups.
            [1, 1, 1, 2, 2, 0, 0],
            [0.3, 0, 0, 1, 1, 0.2, 0],
            [0, 0, 0, 1, 1, 2, 2],
            (1.0, 2 / 3, 0.5),
            id="one-picked-one-whole",
        ),
        pytest.param(
            # group 0 = {0, 1} hit with both, group 1 = {2, 3} missed although its null
            # member 4 is selected: hit 1/2, fraction 1, whole 1/1
            [1, -1, 1, 1, 0],
            [1, -1, 0, 0, 5],
            [0, 0, 1, 1, 1],
            (0.5, 1.0, 1.0),
            id="null-member-does-not-count",
        ),
        pytest.param(
            # nothing selected: hit 0, the other two are undefined (no hit group)
            [1, 1, 1, 0],
            [0, 0, 0, 0],
            [4, 4, 4, 4],
            (0.0, NAN, NAN),
            id="no-group-hit",
        ),
        pytest.param(
            # singleton true members (groups 0 and 1) and ungrouped ones (-1) cannot be split:
            # only group 2 = {4, 5} is active; 1 of its 2 members selected
            [1, 0, 1, 0, 1, 1, 1, 1],
            [1, 0, 1, 0, 0, 2, 1, 1],
            [0, 0, 1, 1, 2, 2, -1, -1],
            (1.0, 0.5, 0.0),
            id="singletons-and-ungrouped-ignored",
        ),
        pytest.param(
            # no group has two true members: all three undefined
            [1, 0, 1, 0],
            [1, 1, 1, 1],
            [0, 0, 1, 1],
            (NAN, NAN, NAN),
            id="no-active-group",
        ),
    ],
)
def test_group_metrics_hand_computed(coef_true, coef_hat, groups, expected):
    result = group_metrics(
        np.array(coef_true, dtype=float), np.array(coef_hat, dtype=float), np.array(groups)
    )
    assert tuple(result) == GROUP_KEYS
    for key, value in zip(GROUP_KEYS, expected, strict=True):
        if math.isnan(value):
            assert math.isnan(result[key]), key
        else:
            assert result[key] == pytest.approx(value), key


@pytest.mark.parametrize(("coef_true", "groups"), [(None, [0, 0]), ([1.0, 1.0], None)])
def test_group_metrics_missing_without_truth_or_groups(coef_true, groups):
    result = group_metrics(coef_true, [1.0, 0.0], groups)
    assert all(math.isnan(result[key]) for key in GROUP_KEYS)


def test_group_metrics_rejects_bad_groups():
    with pytest.raises(ValueError, match="groups must have the shape"):
        group_metrics([1.0, 1.0], [1.0, 0.0], [0, 0, 0])
    with pytest.raises(ValueError, match="integer labels"):
        group_metrics([1.0, 1.0], [1.0, 0.0], [0.5, 0.5])


@pytest.mark.parametrize("make_dataset", DATASET_FACTORIES)
def test_evaluate_hand_computed(make_dataset):
    dataset = make_dataset(
        **_training_arrays(),
        X_test=np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]]),
        y_test=np.array([1.0, 4.0, 0.5]),
        f_test=np.array([2.0, 3.0, 0.5]),
        coef=np.array([1.0, -1.0]),
        groups=np.array([0, 0]),
    )
    result = evaluate(dataset, np.array([1.0, 0.0]), 0.5)
    # predictions X_test @ [1, 0] + 0.5 = [1.5, 3.5, 0.5]
    # vs y_test: residuals [0.5, -0.5, 0] -> MSE 0.5 / 3, MAE 1 / 3
    # vs f_test: [-0.5, 0.5, 0] -> risk 0.5 / 3
    # coef_hat - coef = [0, 1] -> estimation error 1
    # truth {0, 1}, selected {0}: TP=1, FN=1, no true zeros -> FPR nan, F1 = 2 / 3
    # one active group {0, 1}, hit with 1 of its 2 members: hit 1, fraction 1/2, not whole
    expected = {
        "test_mse": 1 / 6,
        "test_mae": 1 / 3,
        "risk": 1 / 6,
        "estimation_error": 1.0,
        "n_nonzero": 1,
        "tpr": 0.5,
        "fpr": math.nan,
        "precision": 1.0,
        "f1": 2 / 3,
        "group_hit": 1.0,
        "group_frac": 0.5,
        "group_whole": 0.0,
        # no sidecar, so no population: the measures against it are missing
        "model_error": math.nan,
        "intercept_error": math.nan,
        "pve": math.nan,
        # Var(y_test) = mean of squared deviations from 11/6 = 43/18; 1 - (1/6) / (43/18)
        "pve_empirical": 1 - 3 / 43,
    }
    assert tuple(result) == METRIC_NAMES
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(result[key]), key
        else:
            assert result[key] == pytest.approx(value), key


@pytest.mark.parametrize("make_dataset", DATASET_FACTORIES)
def test_evaluate_without_optional_arrays(make_dataset):
    dataset = make_dataset(
        **_training_arrays(), X_test=np.array([[1.0, 0.0], [0.0, 2.0]]), y_test=np.array([1.0, 0.0])
    )
    result = evaluate(dataset, [0.0, 0.5], 0.0)
    # predictions [0, 1]; residuals [-1, 1]
    assert result["test_mse"] == pytest.approx(1.0)
    assert result["test_mae"] == pytest.approx(1.0)
    assert result["n_nonzero"] == 1
    for key in ("risk", "estimation_error", "tpr", "fpr", "precision", "f1", *GROUP_KEYS):
        assert math.isnan(result[key]), key


@pytest.mark.parametrize(
    ("coef_hat", "intercept_hat", "match"),
    [
        (np.zeros(3), 0.0, "coef_hat must have shape"),
        (np.zeros((2, 1)), 0.0, "1-dimensional"),
        (np.zeros(2), np.zeros(2), "intercept_hat must be a scalar"),
    ],
)
def test_evaluate_rejects_bad_shapes(coef_hat, intercept_hat, match):
    dataset = _namespace_dataset(X_test=np.ones((4, 2)), y_test=np.ones(4))
    with pytest.raises(ValueError, match=match):
        evaluate(dataset, coef_hat, intercept_hat)


def test_evaluate_accepts_numpy_scalar_intercept():
    dataset = _namespace_dataset(X_test=np.ones((2, 1)), y_test=np.array([3.0, 3.0]))
    result = evaluate(dataset, [1.0], np.float64(2.0))
    assert result["test_mse"] == 0.0


# --------------------------------------------------------------------------- population measures


def _simulated(tmp_path, **params):
    path = tmp_path / "data.npz"
    simulate_to_file(params, base_seed=3, dataset="d", replicate=1, path=path)
    return read_dataset(path)


def test_model_error_and_intercept_error_hand_computed(tmp_path):
    # two blocks of two features, rho = 0.5: Sigma = [[1, .5, 0, 0], [.5, 1, 0, 0], ...]
    data = _simulated(
        tmp_path,
        n_train=5,
        n_test=5,
        p=4,
        design={"kind": "block", "group_size": 2, "rho": 0.5},
        coef={"values": [1.0, 0.0, 0.0, 2.0]},
    )
    result = evaluate(data, np.array([2.0, 1.0, 0.0, 0.0]), 0.25)
    # d = coef_hat - coef = [1, 1, 0, -2]: block 1 gives 1 + 1 + 2 (.5)(1)(1) = 3, block 2 gives 4
    assert result["model_error"] == pytest.approx(7.0)
    assert result["intercept_error"] == 0.25  # the simulator's intercept is 0


def test_model_error_matches_the_dense_covariance(tmp_path):
    params = {
        "n_train": 5,
        "n_test": 5,
        "p": 30,
        "design": {"kind": "toeplitz", "rho": 0.6},
        "coef": {"n_nonzero": 3, "placement": "spread"},
    }
    data = _simulated(tmp_path, **params)
    coef_hat = np.random.default_rng(0).standard_normal(30)  # dense, as ridge's
    difference = coef_hat - data.coef
    expected = difference @ population_covariance(params) @ difference
    assert evaluate(data, coef_hat, 0.0)["model_error"] == pytest.approx(expected, rel=1e-12)


def test_risk_is_model_error_plus_squared_intercept_error(tmp_path):
    # E[(x'd + a)^2] = d' Sigma d + a^2 for x of mean 0: equal up to the test sample's error
    data = _simulated(
        tmp_path,
        n_train=5,
        n_test=200_000,
        p=6,
        design={"kind": "block", "group_size": 3, "rho": 0.7},
        coef={"n_nonzero": 3},
    )
    result = evaluate(data, np.array([0.5, 1.5, 0.0, 0.3, 0.0, -0.4]), -0.8)
    expected = result["model_error"] + result["intercept_error"] ** 2
    assert result["risk"] == pytest.approx(expected, rel=0.02)


def test_pve_uses_the_true_variance_of_contaminated_noise(tmp_path):
    noise = {"family": "contaminated", "contamination": 0.1, "outlier_scale": 10.0, "snr": 2.0}
    data = _simulated(tmp_path, n_train=5, n_test=50, p=4, coef={"n_nonzero": 2}, noise=noise)
    sigma2 = data.metadata["noise_scale"] ** 2
    signal = data.metadata["signal_variance"]
    assert signal / sigma2 == pytest.approx(2.0)
    true_noise = sigma2 * (1 - 0.1 + 0.1 * 10.0**2)  # the mixture's variance, 10.9 sigma^2
    result = evaluate(data, np.zeros(4), 0.0)
    assert result["pve"] == pytest.approx(1 - (result["risk"] + true_noise) / (signal + true_noise))
    # the true coefficients reach the ceiling Var(x'w) / Var(y), far below the nominal
    # SNR / (1 + SNR) = 2/3 because the outliers add 9.9 sigma^2 of variance
    exact = evaluate(data, data.coef, 0.0)
    assert exact["risk"] == 0.0
    assert exact["pve"] == pytest.approx(signal / (signal + true_noise))
    assert exact["pve"] == pytest.approx(2.0 / 12.9)


def test_contaminated_noise_variance_formula_matches_a_large_sample():
    noise = {"family": "contaminated", "contamination": 0.2, "outlier_scale": 5.0}
    draws = sample_noise(np.random.default_rng(1), 400_000, 2.0, noise)
    assert noise_variance(noise, 2.0) == pytest.approx(4.0 * (0.8 + 0.2 * 25.0))
    assert np.var(draws) == pytest.approx(noise_variance(noise, 2.0), rel=0.02)


@pytest.mark.parametrize(("df", "finite"), [(1.5, False), (2.0, False), (5.0, True)])
def test_pve_is_missing_where_the_noise_variance_is_infinite(tmp_path, df, finite):
    noise = {"family": "student_t", "df": df, "snr": 3.0}
    data = _simulated(tmp_path, n_train=5, n_test=50, p=4, coef={"n_nonzero": 2}, noise=noise)
    result = evaluate(data, data.coef, 0.0)
    assert math.isfinite(result["pve"]) is finite
    assert math.isfinite(result["pve_empirical"])  # the empirical one always exists
    if finite:
        assert result["pve"] == pytest.approx(3.0 / 4.0)  # SNR / (1 + SNR) for the true coef


# ------------------------------------------- the population of a user's dataset (any generator)


def _user_dataset(tmp_path, arrays=(), **metadata):
    """A user rule's dataset: 3 features, known coef and f_test, generator 'my_rule'."""
    rng = np.random.default_rng(5)
    X_train, X_test = rng.standard_normal((6, 3)), rng.standard_normal((40, 3)) + 2.0
    coef = np.array([1.0, 0.0, -2.0])
    contents = {
        "X_train": X_train,
        "y_train": X_train @ coef + 0.5,
        "X_test": X_test,
        "y_test": X_test @ coef + 0.5 + rng.standard_normal(40),
        "coef": coef,
        "f_test": X_test @ coef + 0.5,
        **dict(arrays),
    }
    path = tmp_path / "user.npz"
    write_dataset(path, contents, {"generator": "my_rule", **metadata})
    return read_dataset(path)


def test_a_user_dataset_that_states_nothing_has_no_population_measures(tmp_path):
    result = evaluate(_user_dataset(tmp_path), np.ones(3), 0.0)
    for name in ("model_error", "intercept_error", "pve"):
        assert math.isnan(result[name]), name
    assert math.isfinite(result["risk"]) and math.isfinite(result["pve_empirical"])


def test_sigma_unlocks_model_error_whatever_the_generator(tmp_path):
    sigma = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 3.0]])
    data = _user_dataset(tmp_path, {"sigma": sigma})
    coef_hat = np.array([0.5, 0.2, -1.0])
    difference = coef_hat - data.coef
    result = evaluate(data, coef_hat, 0.0)
    assert result["model_error"] == pytest.approx(difference @ sigma @ difference, rel=1e-12)
    assert math.isnan(result["intercept_error"]) and math.isnan(result["pve"])


def test_empirical_test_estimates_sigma_from_the_centred_test_design(tmp_path):
    data = _user_dataset(tmp_path, population="empirical_test", intercept=0.5)
    coef_hat = np.array([0.5, 0.2, -1.0])
    centred = data.X_test - data.X_test.mean(axis=0)
    difference = coef_hat - data.coef
    expected = difference @ (centred.T @ centred / len(centred)) @ difference
    result = evaluate(data, coef_hat, 0.25)
    assert result["model_error"] == pytest.approx(expected, rel=1e-12)
    assert result["intercept_error"] == pytest.approx(-0.25)


def test_signal_and_noise_variance_unlock_pve(tmp_path):
    data = _user_dataset(tmp_path, signal_variance=5.0, noise_variance=1.0)
    result = evaluate(data, data.coef, 0.5)
    assert result["risk"] == pytest.approx(0.0, abs=1e-20)
    assert result["pve"] == pytest.approx(5.0 / 6.0)
    # the noise family and scale give the variance as for the simulator; t(2) has none
    data = _user_dataset(
        tmp_path, signal_variance=5.0, noise={"family": "student_t", "df": 2}, noise_scale=1.0
    )
    assert math.isnan(evaluate(data, data.coef, 0.5)["pve"])
    data = _user_dataset(tmp_path, signal_variance=5.0, noise_variance="inf")
    assert math.isnan(evaluate(data, data.coef, 0.5)["pve"])
