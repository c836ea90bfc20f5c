import math
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from normbench.data.contract import write_dataset
from normbench.study.oracle import (
    ORACLE_COLUMNS,
    ORACLE_LOSSES,
    fit_oracle,
    oracle_fit,
    oracle_least_squares,
    oracle_row,
    oracle_rows,
)
from normbench.study.store import read_table

# x0 = [0, 1, 2, 3], y = [1, 3, 4, 8]: mean x 1.5, mean y 4, Sxy = 11, Sxx = 5, so the slope is
# 11 / 5 = 2.2 and the intercept 4 - 2.2 * 1.5 = 0.7. Column 1 is a null feature.
X_TRAIN = np.array([[0.0, 5.0], [1.0, -1.0], [2.0, 2.0], [3.0, 0.0]])
Y_TRAIN = np.array([1.0, 3.0, 4.0, 8.0])
COEF = np.array([2.0, 0.0])


def _data(**changes):
    arrays = {
        "X_train": X_TRAIN,
        "y_train": Y_TRAIN,
        "X_test": np.array([[1.0, 9.0], [0.0, -3.0]]),
        "y_test": np.array([2.0, 1.0]),
        "f_test": np.array([2.0, 0.0]),
        "coef": COEF,
        "groups": None,
    }
    arrays.update(changes)
    return SimpleNamespace(**arrays)


def test_oracle_least_squares_hand_computed():
    coef, intercept = oracle_least_squares(X_TRAIN, Y_TRAIN, COEF)
    np.testing.assert_allclose(coef, [2.2, 0.0])
    assert coef[1] == 0.0  # exactly zero off the support
    assert intercept == pytest.approx(0.7)


def test_oracle_row_hand_computed():
    row = oracle_row(_data(), dataset="toy", replicate=3)
    assert tuple(row) == ORACLE_COLUMNS
    # predictions 0.7 + 2.2 x0 = [2.9, 0.7]; against f_test [2, 0]: errors [0.9, 0.7]
    # risk (0.81 + 0.49) / 2 = 0.65; against y_test [2, 1]: [0.9, -0.3] -> MSE 0.45, MAE 0.6
    # coef error |2.2 - 2| = 0.2
    assert row["status"] == "ok" and row["message"] == ""
    assert (row["dataset"], row["replicate"], row["n_train"], row["p"]) == ("toy", 3, 4, 2)
    assert row["n_support"] == 1
    assert row["risk"] == pytest.approx(0.65)
    assert row["test_mse"] == pytest.approx(0.45)
    assert row["test_mae"] == pytest.approx(0.6)
    assert row["estimation_error"] == pytest.approx(0.2)
    assert row["intercept"] == pytest.approx(0.7)


def test_oracle_matches_scikit_learn_on_the_support():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 12))
    truth = np.zeros(12)
    truth[[1, 4, 7]] = [1.0, -2.0, 0.5]
    y = 3.0 + X @ truth + rng.standard_normal(40)
    coef, intercept = oracle_least_squares(X, y, truth)
    reference = LinearRegression().fit(X[:, [1, 4, 7]], y)
    np.testing.assert_allclose(coef[[1, 4, 7]], reference.coef_, rtol=1e-10)
    assert intercept == pytest.approx(reference.intercept_, rel=1e-10)
    assert np.count_nonzero(coef) == 3


def test_oracle_with_empty_support_is_the_mean():
    coef, intercept = oracle_least_squares(X_TRAIN, Y_TRAIN, np.zeros(2))
    assert not coef.any()
    assert intercept == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coef": None}, "no true coefficients"),
        # three training points, support of 3 features: 4 parameters
        (
            {
                "X_train": np.eye(3),
                "y_train": np.ones(3),
                "coef": np.ones(3),
                "X_test": np.eye(3)[:2],
            },
            "n_train = 3 is not larger than the true support",
        ),
        # two identical support columns: the split of their coefficient is not determined
        (
            {"X_train": X_TRAIN[:, [0, 0]], "coef": np.array([1.0, 1.0])},
            "rank 1 < 2",
        ),
    ],
)
def test_oracle_not_applicable(changes, message):
    row = oracle_row(_data(**changes), dataset="toy", replicate=1)
    assert row["status"] == "not_applicable"
    assert message in row["message"]
    assert all(math.isnan(row[name]) for name in ("risk", "test_mse", "test_mae"))


def test_oracle_without_noise_free_signal_has_missing_risk():
    row = oracle_row(_data(f_test=None), dataset="toy", replicate=1)
    assert row["status"] == "ok"
    assert math.isnan(row["risk"])
    assert row["test_mse"] == pytest.approx(0.45)


def test_oracle_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="coef_true must have shape"):
        oracle_least_squares(X_TRAIN, Y_TRAIN, np.ones(3))
    with pytest.raises(ValueError, match="do not match"):
        oracle_least_squares(X_TRAIN, Y_TRAIN[:3], COEF)


def test_fit_oracle_writes_one_deterministic_row_per_loss(tmp_path):
    arrays = {
        key: value for key, value in vars(_data()).items() if value is not None and key != "groups"
    }
    write_dataset(tmp_path / "toy.npz", arrays, {"generator": "test"})
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    fit_oracle(tmp_path / "toy.npz", dataset="toy", replicate=2, out=first)
    fit_oracle(tmp_path / "toy.npz", dataset="toy", replicate=2, out=second)
    assert first.read_bytes() == second.read_bytes()
    table = read_table(first)
    assert list(table["loss"]) == list(ORACLE_LOSSES)
    assert set(table.columns) == set(ORACLE_COLUMNS)
    assert set(table["status"]) == {"ok"}
    assert table.loc[0, "risk"] == pytest.approx(0.65)  # the least-squares row


def _outlier_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((80, 10))
    truth = np.zeros(10)
    truth[[0, 3, 6]] = [2.0, -1.0, 1.5]
    y = 1.0 + X @ truth + 0.3 * rng.standard_normal(80)
    y[:8] += 40.0  # gross outliers, all on one side
    return X, y, truth


def test_lad_oracle_is_the_median_regression_on_the_support():
    from statsmodels.regression.quantile_regression import QuantReg

    X, y, truth = _outlier_problem()
    coef, intercept, message = oracle_fit(X, y, truth, loss="l1")
    assert message == ""
    design = np.column_stack([np.ones(len(y)), X[:, [0, 3, 6]]])
    reference = QuantReg(y, design).fit(q=0.5).params
    np.testing.assert_allclose([intercept, *coef[[0, 3, 6]]], reference, atol=1e-4)
    assert np.count_nonzero(coef) == 3


def test_huber_oracle_is_stationary_and_robust():
    X, y, truth = _outlier_problem(1)
    coef, intercept, _ = oracle_fit(X, y, truth, loss="huber")
    ls_coef, ls_intercept = oracle_least_squares(X, y, truth)
    residuals = y - X @ coef - intercept
    ls_residuals = y - X @ ls_coef - ls_intercept
    delta = 1.345 * 1.482602218505602 * np.median(np.abs(ls_residuals - np.median(ls_residuals)))
    psi = np.clip(residuals, -delta, delta)
    # the Huber score equations on the support and the intercept
    np.testing.assert_allclose(X[:, [0, 3, 6]].T @ psi / len(y), 0.0, atol=1e-5)
    assert abs(psi.mean()) < 1e-5
    # the outliers pull least squares' intercept up by about 4; Huber's much less
    assert abs(intercept - 1.0) < abs(ls_intercept - 1.0) / 2


def test_oracle_rows_one_per_loss_with_its_name():
    rows = oracle_rows(_data(), dataset="toy", replicate=1)
    assert [row["loss"] for row in rows] == list(ORACLE_LOSSES)
    assert all(tuple(row) == ORACLE_COLUMNS for row in rows)
    empty = oracle_row(_data(coef=np.zeros(2)), dataset="toy", replicate=1, loss="l1")
    assert empty["status"] == "not_applicable" and "empty" in empty["message"]
