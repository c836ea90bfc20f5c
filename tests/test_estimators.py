"""Every pair reaches the optimum of the documented objective, checked against cvxpy."""

import numpy as np
import pytest
from cvxpy_reference import cvxpy_optimum
from sklearn.base import clone

from normbench.models.estimators import PenalizedRegressor
from normbench.models.objective import objective_value
from normbench.models.solvers import SolverOptions, min_norm_solution, solve_path
from normbench.vocab import LOSSES, PENALTIES

PAIRS = [(loss, penalty) for loss in LOSSES for penalty in PENALTIES]
SHAPES = {"n>p": (40, 12), "p>n": (25, 60)}
REL_GAP = 1e-6


def _problem(shape, seed=0):
    n, p = SHAPES[shape]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p) + rng.normal(0, 1, p)
    coef = np.zeros(p)
    coef[:4] = [2.0, -1.5, 1.0, 0.5]
    y = 0.7 + X @ coef + rng.standard_t(2, n)
    return X, y


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("loss", "penalty"), PAIRS)
def test_reachescvxpy_optimum(loss, penalty, shape):
    X, y = _problem(shape)
    kw = {"loss": loss, "penalty": penalty, "lam": 0.15, "l1_ratio": 0.4, "delta": 1.2}
    est = PenalizedRegressor(**kw, standardize=False, tol=1e-10).fit(X, y)
    assert est.converged_, est.solver_message_
    ours = est.objective(X, y)
    if penalty == "none" and shape == "p>n":
        # every loss is zero at an interpolant; ours must be the minimum-norm one
        assert ours == pytest.approx(0.0, abs=1e-10)
        np.testing.assert_allclose(est.coef_, np.linalg.pinv(X - X.mean(0)) @ (y - y.mean()))
        return
    reference = cvxpy_optimum(X, y, **kw)
    assert ours <= reference + REL_GAP * abs(reference)
    # and the reference is no better than ours by more than its own accuracy
    assert reference <= ours + REL_GAP * abs(ours)


@pytest.mark.parametrize(("loss", "penalty"), [p for p in PAIRS if p[1] != "none"])
def test_optimal_at_every_lam_of_a_path(loss, penalty):
    X, y = _problem("p>n", seed=3)
    Xc = X - X.mean(axis=0)
    lams = np.geomspace(0.8, 0.03, 6)
    path = solve_path(
        Xc,
        y,
        loss=loss,
        penalty=penalty,
        lams=lams,
        l1_ratio=0.5,
        delta=1.0,
        options=SolverOptions(tol=1e-9),
    )
    assert path.converged.all(), path.messages
    for k, lam in enumerate(lams):
        kw = {"loss": loss, "penalty": penalty, "lam": lam, "l1_ratio": 0.5, "delta": 1.0}
        ours = objective_value(Xc, y, path.coefs[k], path.intercepts[k], **kw)
        reference = cvxpy_optimum(Xc, y, **kw)
        assert ours <= reference + REL_GAP * abs(reference), (lam, ours, reference)


def test_min_norm_is_the_ridge_limit():
    X, y = _problem("p>n")
    Xc = X - X.mean(axis=0)
    coef, intercept = min_norm_solution(Xc, y)
    ridge = PenalizedRegressor(loss="l2", penalty="l2", lam=1e-9, standardize=False).fit(X, y)
    np.testing.assert_allclose(ridge.coef_, coef, atol=1e-5)
    assert intercept == pytest.approx(y.mean())


def test_standardized_fit_reports_original_scale():
    X, y = _problem("n>p")
    scales = X.std(axis=0)
    est = PenalizedRegressor(loss="huber", penalty="l1", lam=0.1, delta=1.0, tol=1e-10).fit(X, y)
    # the same problem solved by hand on standardised features
    Z = (X - X.mean(0)) / scales
    direct = PenalizedRegressor(
        loss="huber", penalty="l1", lam=0.1, delta=1.0, standardize=False, tol=1e-10
    ).fit(Z, y)
    np.testing.assert_allclose(est.coef_ * scales, direct.coef_, atol=1e-6)
    np.testing.assert_allclose(est.predict(X), direct.predict(Z), atol=1e-6)
    assert est.objective(X, y) == pytest.approx(direct.objective(Z, y), rel=1e-8)


def test_sklearn_scaling_matches_lasso_and_ridge():
    from sklearn.linear_model import Lasso, Ridge

    X, y = _problem("n>p")
    n = X.shape[0]
    ours = PenalizedRegressor(loss="l2", penalty="l1", lam=0.2, standardize=False, tol=1e-10)
    lasso = Lasso(alpha=0.2, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.fit(X, y).coef_, lasso.coef_, atol=1e-7)
    ridge = Ridge(alpha=n * 0.3).fit(X, y)
    ours = PenalizedRegressor(loss="l2", penalty="l2", lam=0.3, standardize=False).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, atol=1e-8)


@pytest.mark.parametrize(
    "bad",
    [
        {"loss": "l3"},
        {"penalty": "lasso"},
        {"lam": -1.0},
        {"l1_ratio": 0.0, "penalty": "elasticnet"},
        {"delta": 0.0},
    ],
)
def test_bad_parameters_are_refused(bad):
    X, y = _problem("n>p")
    with pytest.raises(ValueError, match=next(iter(bad))):
        PenalizedRegressor(**bad).fit(X, y)


def test_clone_and_params_roundtrip():
    est = PenalizedRegressor(loss="huber", penalty="elasticnet", lam=0.1, l1_ratio=0.5, delta=1.0)
    assert clone(est).get_params() == est.get_params()


def test_huber_delta_default_is_data_driven():
    X, y = _problem("n>p")
    est = PenalizedRegressor(loss="huber", penalty="l1", lam=0.1).fit(X, y)
    mad = np.median(np.abs(y - np.median(y))) * 1.482602218505602
    assert est.delta_ == pytest.approx(1.345 * mad)
    assert PenalizedRegressor(loss="huber", penalty="l1", lam=0.1).fit(
        X, 10 * y
    ).delta_ == pytest.approx(10 * est.delta_)
