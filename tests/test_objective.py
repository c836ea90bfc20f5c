"""The loss and penalty classes: their maths, and the dispatch table that composes them."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from normbench.models.estimators import PenalizedRegressor
from normbench.models.objective import (
    L1,
    L2,
    AbsoluteLoss,
    ElasticNet,
    Huber,
    NoPenalty,
    SquaredLoss,
    make_loss,
    make_penalty,
)
from normbench.models.paths import penalized_path
from normbench.models.solvers import PATH_SOLVERS
from normbench.vocab import LOSSES, PENALTIES

LOSS_OBJECTS = [SquaredLoss(), AbsoluteLoss(), Huber(0.8)]
PENALTY_OBJECTS = [NoPenalty(), L1(), L2(), ElasticNet(0.3)]


def test_names_are_the_vocabulary_and_every_pair_has_a_named_certificate():
    assert tuple(make_loss(name, 1.0).name for name in LOSSES) == LOSSES
    assert tuple(make_penalty(name, 0.5).name for name in PENALTIES) == PENALTIES
    assert set(PATH_SOLVERS) == {(loss, penalty) for loss in LOSSES for penalty in PENALTIES}
    assert all(solver.certificate and solver.method for solver in PATH_SOLVERS.values())


@pytest.mark.parametrize("penalty", PENALTY_OBJECTS, ids=lambda p: p.name)
def test_prox_is_the_minimiser_of_the_proximal_problem(penalty):
    step = 0.7
    for value in np.linspace(-2.0, 2.0, 9):
        prox = penalty.prox(np.array([value]), step)[0]
        reference = minimize_scalar(
            lambda v, x=value: 0.5 * (v - x) ** 2 + step * penalty.value(np.array([v])),
            bounds=(-3.0, 3.0),
            method="bounded",
            options={"xatol": 1e-12},
        ).x
        assert prox == pytest.approx(reference, abs=1e-7)


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=lambda loss: loss.name)
@pytest.mark.parametrize("n", [9, 10])
def test_null_intercept_minimises_the_loss_and_its_scores_sum_to_zero(loss, n):
    y = np.random.default_rng(n).standard_t(2, n)
    y[:3] = np.median(y)  # ties at the median: the absolute loss's subgradient must balance them
    b0 = loss.null_intercept(y)
    best = minimize_scalar(lambda b: loss.value(y - b).mean(), bracket=(-5, 5), tol=1e-12)
    assert loss.value(y - b0).mean() <= best.fun + 1e-12
    scores = loss.null_scores(y)
    assert abs(scores.sum()) <= 1e-12 * n
    bound = {"l2": np.inf, "l1": 1.0, "huber": getattr(loss, "delta", None)}[loss.name]
    assert np.all(np.abs(scores) <= bound)  # a subgradient of the loss: within its range


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_lam_max_is_exact_at_an_even_n_with_ties(loss, penalty):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 12))
    y = np.round(X[:, 0] + rng.standard_normal(40), 1)  # rounded: ties, also at the median
    Xc = X - X.mean(axis=0)
    loss_ = make_loss(loss, 0.9)
    top = make_penalty(penalty, 0.5).lam_max(Xc, y, loss_)
    kw = {"loss": loss, "penalty": penalty, "l1_ratio": 0.5, "delta": 0.9, "standardize": False}
    assert not PenalizedRegressor(lam=top * 1.0001, tol=1e-10, **kw).fit(Xc, y).coef_.any()
    assert PenalizedRegressor(lam=top * 0.97, tol=1e-10, **kw).fit(Xc, y).coef_.any()


def test_ridge_has_no_lam_max():
    X = np.random.default_rng(0).standard_normal((10, 3))
    y = X[:, 0]
    assert L2().lam_max(X - X.mean(0), y, SquaredLoss()) == np.inf
    assert NoPenalty().lam_max(np.zeros((10, 3)), y, SquaredLoss()) == 0.0


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalized_path_is_what_the_estimator_fits(loss, penalty):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 6)) * [1, 2, 3, 4, 5, 6] + 1.0
    y = X[:, 0] - 0.3 * X[:, 1] + rng.standard_normal(30)
    ratio = 0.5 if penalty == "elasticnet" else None
    path = penalized_path(X, y, loss=loss, penalty=penalty, l1_ratio=ratio, delta=1.0, n_lams=4)
    assert path.solved.converged.all()
    lam = path.lams[-1] if penalty != "none" else 1.0
    est = PenalizedRegressor(loss=loss, penalty=penalty, lam=lam, l1_ratio=0.5, delta=1.0)
    est.fit(X, y)
    # the estimator solves from a cold start; both meet the certificate, so agree to it
    np.testing.assert_allclose(path.coefs[-1], est.coef_, atol=1e-4)
    assert path.intercepts[-1] == pytest.approx(est.intercept_, abs=1e-3)
