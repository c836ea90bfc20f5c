"""The working-set coordinate descent certifies the full problem, checked independently in numpy."""

import numpy as np
import pytest

from normbench.models.kernels import huber_cd
from normbench.models.solvers import SolverOptions, solve_path


def _kkt_violation(X, y, coef, intercept, *, kappa, mu, delta):
    """Largest violation of the optimality conditions over every feature and the intercept."""
    n = len(y)
    psi = np.clip(y - intercept - X @ coef, -delta, delta)
    grad = -X.T @ psi / n + mu * coef
    on = coef != 0
    violation = np.where(
        on, np.abs(grad + kappa * np.sign(coef)), np.maximum(np.abs(grad) - kappa, 0)
    )
    return max(violation.max(), abs(psi.mean()))


@pytest.mark.parametrize("delta", [1.0, np.inf])
@pytest.mark.parametrize("rho", [1.0, 0.5])
def test_every_feature_meets_the_kkt_tolerance_along_a_path(delta, rho):
    rng = np.random.default_rng(0)
    n, p = 40, 3000
    X = rng.standard_normal((n, p))
    X -= X.mean(0)
    y = X[:, :5] @ [3.0, -2.0, 1.5, 1.0, -1.0] + rng.standard_t(3, n)
    lams = np.geomspace(1.0, 0.01, 12)
    tol = 1e-9
    penalty = "l1" if rho == 1.0 else "elasticnet"
    loss = "l2" if np.isinf(delta) else "huber"
    path = solve_path(
        X,
        y,
        loss=loss,
        penalty=penalty,
        lams=lams,
        l1_ratio=rho,
        delta=delta,
        options=SolverOptions(tol=tol),
    )
    assert path.converged.all(), path.messages
    grad_scale = np.max(np.abs(X.T @ np.clip(y - np.median(y), -delta, delta))) / n
    for k, lam in enumerate(lams):
        violation = _kkt_violation(
            X,
            y,
            path.coefs[k],
            path.intercepts[k],
            kappa=lam * rho,
            mu=lam * (1 - rho),
            delta=delta,
        )
        # the kernel's own check uses the same formula; allow for summation order only
        assert violation <= tol * grad_scale * (1 + 1e-6) + 1e-14, (k, violation)
    # most features never enter: the working set kept the work off them
    assert (path.coefs != 0).any(axis=0).sum() < p // 10


def test_sweep_limit_is_reported_as_not_converged():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 200))
    X -= X.mean(0)
    y = X[:, :3] @ [2.0, -1.0, 1.0] + rng.standard_normal(30)
    path = solve_path(
        X,
        y,
        loss="huber",
        penalty="l1",
        lams=[0.01],
        delta=1.0,
        options=SolverOptions(tol=1e-12, max_iter=3),
    )
    assert not path.converged[0]
    assert "coordinate descent stopped after" in path.messages[0]


@pytest.mark.parametrize("delta", [0.3, np.inf])
def test_a_newton_step_descends_without_flipping_a_sign(delta):
    # from random points with many residuals in Huber's linear zone (delta = 0.3) the Newton
    # step on the inside rows overshoots and crosses zero: every step taken must still lower the
    # objective, keep each coefficient in its orthant (or at zero) and its residuals in sync
    rng = np.random.default_rng(2)
    n, p = 30, 40
    crossed = 0
    for _ in range(40):
        X = rng.standard_normal((n, p))
        X -= X.mean(0)
        y = X[:, :4] @ [2.0, -1.5, 1.0, 0.5] + rng.standard_t(2, n)
        w = np.where(rng.random(p) < 0.4, rng.standard_normal(p), 0.0)
        b = np.array([0.1])
        r = y - b[0] - X @ w
        psi = np.clip(r, -delta, delta)
        active = np.flatnonzero(w)
        kappa, mu = 0.05, 0.01
        before = huber_cd._objective(r, w, active, kappa, mu, delta)
        start = w.copy()
        outcome = huber_cd._newton_step(
            X, y, r, psi, w, b, active, kappa, mu, delta, 1.0 / n, *huber_cd.newton_workspace(n, p)
        )
        after = huber_cd._objective(r, w, active, kappa, mu, delta)
        if outcome == 0:
            np.testing.assert_array_equal(w, start)
            continue
        crossed += outcome == 1
        assert after <= before
        assert np.all(w * start >= 0) and np.all(w[start == 0] == 0)
        np.testing.assert_allclose(r, y - b[0] - X @ w, atol=1e-10)
        np.testing.assert_array_equal(psi, np.clip(r, -delta, delta))
    assert crossed > 0  # the projected steps were exercised
