"""Path solvers for the smooth losses: the squared loss and Huber's.

Ridge has a closed form; the others share one proximal coordinate descent (the squared loss is the
Huber loss with ``delta = inf``, so the same kernel serves it without clipping), and Huber + ridge
with ``p >= n`` takes Newton steps in the row span of ``X``.  Their certificate is the largest
violation of the optimality (KKT) conditions, relative to the problem's gradient scale
(:func:`kkt_tolerance`).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from normbench.models.kernels.huber_cd import column_curvatures, huber_enet_cd, newton_workspace
from normbench.models.objective import huber_location
from normbench.models.result import PathRecorder, PathResult

__all__ = [
    "huber_descent_path",
    "huber_ridge_newton_path",
    "huber_ridge_path",
    "interpolates",
    "kkt_tolerance",
    "min_norm_solution",
    "ridge_path",
]


# --------------------------------------------------------------------------------------- L2 loss
def interpolates(X, y, coef, intercept, *, rtol=1e-9) -> bool:
    """Whether ``(coef, intercept)`` fits every observation to rounding."""
    residuals = y - intercept - X @ coef
    return bool(np.max(np.abs(residuals)) <= rtol * max(1.0, np.max(np.abs(y))))


def min_norm_solution(X, y):
    """Least squares with minimum ``||w||_2``: the ridge path's limit as ``lam -> 0``.

    ``X`` must have centred columns, so the intercept is the mean of ``y``.
    """
    intercept = float(np.mean(y))
    coef, *_ = np.linalg.lstsq(X, y - intercept, rcond=None)
    return coef, intercept


def ridge_path(X, y, lams) -> PathResult:
    """Squared loss + L2 penalty in closed form through one SVD of ``X`` (exact)."""
    n = X.shape[0]
    intercept = float(np.mean(y))
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    Uty = U.T @ (y - intercept)
    shrink = s[None, :] / (s[None, :] ** 2 + n * lams[:, None])
    coefs = (shrink * Uty[None, :]) @ Vt
    k = len(lams)
    return PathResult(coefs, np.full(k, intercept), np.ones(k, bool), [""] * k)


# ------------------------------------------------------------------------------------ Huber loss
def kkt_tolerance(X, y, delta, options) -> float:
    """The KKT tolerance of the Huber solvers: ``tol`` relative to the problem's gradient scale.

    The scale is the largest loss gradient at ``w = 0`` about the median (about the ``lam`` that
    zeroes every coefficient).  Where it is zero (a zero design, or a response with every value
    at its median) no relative scale exists and ``tol`` serves as an absolute bound.
    """
    n = X.shape[0]
    grad_scale = np.max(np.abs(X.T @ np.clip(y - np.median(y), -delta, delta))) / n
    return options.tol * (grad_scale if grad_scale > 0 else 1.0)


def huber_descent_path(X, y, lams, rho, delta, options, warm_start=None, stop=None) -> PathResult:
    """Huber loss (``delta = inf``: squared loss) + elastic net by coordinate descent (KKT).

    ``stop(k, coef, intercept)``, if given, is asked after each point; True ends the path there.
    """
    p = X.shape[1]
    if warm_start is None:
        coef, intercept = np.zeros(p), huber_location(y, delta)
    else:
        coef, intercept = np.array(warm_start[0], dtype=float), float(warm_start[1])
    tol = kkt_tolerance(X, y, delta, options)
    path = PathRecorder(len(lams), p)
    lips = column_curvatures(X)
    grad = np.empty(p)  # loss gradient at the current point, carried from one lam to the next
    workspace = newton_workspace(*X.shape)  # the Newton steps' matrices, also carried along
    for k, lam in enumerate(lams):
        intercept, sweeps, violation = huber_enet_cd(
            X,
            y,
            coef,
            intercept,
            lam * rho,
            lam * (1.0 - rho),
            delta,
            tol,
            options.max_iter,
            lips,
            grad,
            k > 0,
            workspace,
        )
        failure = f"coordinate descent stopped after {sweeps} sweeps, KKT violation {violation:.3g}"
        path.record(k, coef, intercept, violation <= tol, sweeps, failure=failure)
        if stop is not None and stop(k, coef, intercept):
            break
    return path.result()


def huber_ridge_path(X, y, lams, delta, options, warm_start=None, stop=None) -> PathResult:
    """Huber loss + L2 penalty: Newton in the row span when ``p >= n``, else coordinate descent.

    ``stop`` as in :func:`huber_descent_path`.
    """
    n, p = X.shape
    if p >= n and lams[0] > 0:
        tol = kkt_tolerance(X, y, delta, options)
        return huber_ridge_newton_path(X, y, lams, delta, tol, options, stop)
    return huber_descent_path(X, y, lams, 0.0, delta, options, warm_start, stop)


def huber_ridge_newton_path(X, y, lams, delta, tol, options, stop=None) -> PathResult:
    """Huber loss + L2 penalty for ``p >= n`` by Newton's method in the span of the rows.

    The optimum has ``w = X'a`` (stationarity: ``lam w = X' psi(r) / n``), so the problem is one in
    the ``n + 1`` unknowns ``(a, b)``.  The loss is piecewise quadratic: with ``D`` marking the
    residuals inside ``[-delta, delta]`` the Newton system, after cancelling the invertible kernel
    ``K = XX'``, is ``[[D K/n + lam I, D 1/n], [1'D K/n, 1'D1/n]] [da; db] = [psi/n - lam a;
    1'psi/n]`` (:func:`_huber_ridge_newton_step` solves it through a Cholesky factor of the
    inside rows' block).  A backtracking line search makes each step a descent; once ``D`` is the
    optimal partition the step is exact.  The certificate is the KKT violation in ``w``, as for
    descent.
    """
    n = X.shape[0]
    K = X @ X.T
    a, b = np.zeros(n), huber_location(y, delta)
    path = PathRecorder(len(lams), X.shape[1])

    def value(a_, b_, lam):
        r = y - b_ - K @ a_
        inside = np.abs(r) <= delta
        loss = np.where(inside, 0.5 * r**2, delta * np.abs(r) - 0.5 * delta**2).mean()
        return loss + 0.5 * lam * a_ @ K @ a_

    for k, lam in enumerate(lams):
        violation, steps = np.inf, 0
        for steps in range(1, options.max_iter + 1):  # noqa: B007 - reported below
            r = y - b - K @ a
            psi = np.clip(r, -delta, delta)
            coef = X.T @ a
            violation = max(np.max(np.abs(lam * coef - X.T @ psi / n)), abs(psi.mean()))
            if violation <= tol:
                break
            da, db = _huber_ridge_newton_step(K, np.abs(r) <= delta, psi / n - lam * a, psi, lam)
            current, t = value(a, b, lam), 1.0
            while t > 1e-10 and value(a + t * da, b + t * db, lam) > current:
                t *= 0.5
            a, b = a + t * da, b + t * db
            if t <= 1e-10:
                break
        failure = f"Newton stopped after {steps} steps, KKT violation {violation:.3g}"
        path.record(k, X.T @ a, b, violation <= tol, steps, failure=failure)
        if stop is not None and stop(k, path.coefs[k], b):
            break
    return path.result()


def _huber_ridge_newton_step(K, inside, rhs, psi, lam):
    """The Newton step ``(da, db)`` of :func:`huber_ridge_newton_path`.

    A row outside the zone has no curvature: its equation is ``lam da_i = rhs_i``.  On the inside
    rows ``I`` the equations read ``M da_I + (db/n) 1 = c`` with ``M = K_II/n + lam I`` (positive
    definite) and the intercept's equation reduces to ``lam 1'da_I = 1'rhs_I - 1'psi/n``, so one
    Cholesky factor of ``M`` (``|I|^3/3`` flops, against ``2(n+1)^3/3`` for an LU solve of the
    whole system) gives both unknowns.  With no row inside, the intercept has no curvature and the
    system is singular: its least-squares solution serves.
    """
    n = K.shape[0]
    da = rhs / lam
    if not inside.any():
        system = np.zeros((n + 1, n + 1))
        system[:n, :n][np.diag_indices(n)] = lam
        step = np.linalg.lstsq(system, np.concatenate([rhs, [psi.mean()]]), rcond=None)[0]
        return step[:n], step[n]
    outside = ~inside
    c = rhs[inside] - K[np.ix_(inside, outside)] @ da[outside] / n
    M = K[np.ix_(inside, inside)] / n
    M[np.diag_indices_from(M)] += lam
    factor = scipy.linalg.cho_factor(M, lower=True, check_finite=False)
    columns = np.column_stack([c, np.ones(len(c))])
    solved = scipy.linalg.cho_solve(factor, columns, check_finite=False)
    target = (rhs[inside].sum() - psi.mean()) / lam  # the sum of da_I the intercept asks for
    beta = (solved[:, 0].sum() - target) / solved[:, 1].sum()
    da[inside] = solved[:, 0] - beta * solved[:, 1]
    return da, beta * n
