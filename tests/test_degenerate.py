"""Degenerate data end in bounded time with the exact answer, or a certified one.

All-zero or constant columns, a constant response, duplicated columns, columns scaled by 1e300 or
1e-300, a ``lam`` far beyond ``lam_max`` and a gross outlier: every pair of both estimators.
"""

import time

import numpy as np
import pytest

from normbench.models.estimators import PenalizedRegressor, PenalizedRegressorCV
from normbench.models.objective import make_loss
from normbench.models.paths import Standardizer
from normbench.vocab import LOSSES, PENALTIES

PAIRS = [(loss, penalty) for loss in LOSSES for penalty in PENALTIES]
SECONDS = 30.0  # generous: each of these fits takes well under a second


def _signal(n=30, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(n)


def _case(name):
    X, y = _signal()
    if name == "zero_design":
        return np.zeros_like(X), y
    if name == "constant_columns":
        return np.tile(np.linspace(0.1, 0.7, X.shape[1]), (X.shape[0], 1)), y
    if name == "constant_response":
        return X, np.full(len(y), 0.1)
    if name == "duplicated_columns":
        return np.hstack([X, X[:, :3]]), y
    if name == "scaled_1e300":
        return X * 1e300, y
    if name == "scaled_1e-300":
        return X * 1e-300, y
    raise ValueError(name)


CASES = [
    "zero_design",
    "constant_columns",
    "constant_response",
    "duplicated_columns",
    "scaled_1e300",
    "scaled_1e-300",
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("loss", "penalty"), PAIRS)
def test_cv_fit_ends_converged_in_bounded_time(case, loss, penalty):
    X, y = _case(case)
    start = time.perf_counter()
    est = PenalizedRegressorCV(loss=loss, penalty=penalty, cv=3, n_lams=5, l1_ratios=(0.5,))
    est.fit(X, y)
    assert time.perf_counter() - start < SECONDS
    assert est.converged_, est.solver_message_
    assert est.n_cv_not_converged_ == 0
    assert np.all(np.isfinite(est.coef_)) and np.isfinite(est.intercept_)
    assert np.all(np.isfinite(est.predict(X)))


@pytest.mark.parametrize("case", ["zero_design", "constant_columns"])
@pytest.mark.parametrize(("loss", "penalty"), PAIRS)
def test_no_features_leaves_the_null_model(case, loss, penalty):
    X, y = _case(case)
    est = PenalizedRegressor(loss=loss, penalty=penalty, lam=1.0, delta=1.0).fit(X, y)
    assert est.converged_
    np.testing.assert_array_equal(est.coef_, 0.0)
    assert est.intercept_ == pytest.approx(make_loss(loss, 1.0).null_intercept(y))


@pytest.mark.parametrize(("loss", "penalty"), PAIRS)
def test_constant_response_is_fitted_exactly(loss, penalty):
    X, y = _case("constant_response")
    est = PenalizedRegressor(loss=loss, penalty=penalty, lam=0.1).fit(X, y)
    assert est.converged_
    np.testing.assert_array_equal(est.coef_, 0.0)
    assert est.intercept_ == 0.1


def test_huber_ridge_on_a_zero_design_is_immediate():
    # the case: 22 s and "not converged" before
    _, y = _signal(n=20)
    start = time.perf_counter()
    est = PenalizedRegressor(loss="huber", penalty="l2", lam=1.0, delta=1.0).fit(
        np.zeros((20, 20)), y
    )
    assert time.perf_counter() - start < 1.0
    assert est.converged_ and not est.coef_.any()


@pytest.mark.parametrize(("loss", "penalty"), [p for p in PAIRS if p[1] != "none"])
def test_lam_far_beyond_lam_max(loss, penalty):
    X, y = _signal(n=20, p=20)
    est = PenalizedRegressor(loss=loss, penalty=penalty, lam=1e300).fit(X, y)
    assert est.converged_, est.solver_message_
    if penalty == "l2":  # ridge never zeroes, but shrinks by 1/lam
        assert np.max(np.abs(est.coef_)) < 1e-290
    else:
        np.testing.assert_array_equal(est.coef_, 0.0)
    # the null model's objective (the LP may return any point of the median interval, n is even)
    loss_ = make_loss(loss, est.delta_)
    null_value = loss_.value(y - loss_.null_intercept(y)).mean()
    assert est.objective(X, y) == pytest.approx(null_value, rel=1e-9)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("shape", [(20, 20), (40, 10)])
def test_one_gross_outlier_leaves_huber_converged(penalty, shape):
    rng = np.random.default_rng(1)
    X = rng.standard_normal(shape)
    y = X[:, 0] + rng.standard_normal(shape[0])
    y[3] = 1e12
    est = PenalizedRegressor(loss="huber", penalty=penalty, lam=0.1).fit(X, y)
    assert est.converged_, est.solver_message_
    if penalty == "none" and shape[1] >= shape[0]:
        return  # the minimum-norm interpolant, documented: it fits the outlier too
    # a bounded influence: the outlier does not drag the fit towards it
    assert abs(est.intercept_) < 10 and np.max(np.abs(est.coef_)) < 10


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_standardizer_measures_extreme_columns(scale):
    X, _ = _signal()
    reference = Standardizer(X, True).transform(X)
    extreme = Standardizer(X * scale, True).transform(X * scale)
    np.testing.assert_allclose(extreme, reference, rtol=1e-10, atol=1e-12)


def test_standardizer_centres_constant_columns_to_zero():
    # 0.1 is not a binary fraction: the computed mean of a column of 0.1s can miss it by rounding
    X = np.column_stack([np.full(7, 0.1), np.arange(7.0)])
    transformed = Standardizer(X, True).transform(X)
    np.testing.assert_array_equal(transformed[:, 0], 0.0)
