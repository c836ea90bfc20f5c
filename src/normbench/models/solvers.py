"""One dispatch table from a (loss, penalty) pair to the exact path solver that serves it.

Every solver minimises the objective of :mod:`normbench.models.objective` on a design whose columns
have mean zero (the estimators centre, and optionally scale, before calling), warm-starts each
``lam`` from the previous solution, and reports per ``lam`` whether its certificate of optimality
was reached.  :data:`PATH_SOLVERS` names, for each pair, the method and that certificate; the
methods live in :mod:`normbench.models.smooth` (squared and Huber losses) and
:mod:`normbench.models.lad` (absolute loss).

Two cases are answered before any solver runs, exactly: a design that is zero after centring
(every column constant) and a constant response; in both the null model is optimal at every
``lam``.  And where a solver stops short at a ``lam`` at or above ``lam_max`` (so large that the
penalty's L1 part zeroes every coefficient), the null model is returned with its own certificate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from normbench.models.lad import lad_enet_path, lad_lasso_path, lad_ridge_path
from normbench.models.objective import Huber, make_loss, make_penalty
from normbench.models.result import QP_GAP_FLOOR, PathResult, SolverOptions
from normbench.models.smooth import (
    huber_descent_path,
    huber_ridge_path,
    interpolates,
    min_norm_solution,
    ridge_path,
)

__all__ = [
    "PATH_SOLVERS",
    "QP_GAP_FLOOR",
    "PathResult",
    "PathSolver",
    "SolverOptions",
    "min_norm_solution",
    "solve_path",
]


@dataclass(frozen=True)
class PathSolver:
    """How one pair is solved, and what certifies its solutions.

    ``solve(X, y, lams, loss, penalty, options, warm_start)`` takes the loss and penalty objects of
    :mod:`normbench.models.objective` and returns a :class:`PathResult`.
    """

    method: str
    certificate: str
    solve: Callable[..., PathResult]
    #: whether ``solve`` takes ``stop`` (ends the path early, :func:`solve_path`)
    stops: bool = False


def _least_squares(X, y, lams, loss, penalty, options, warm_start):
    return PathResult.single(*min_norm_solution(X, y))


def _ridge(X, y, lams, loss, penalty, options, warm_start):
    return ridge_path(X, y, lams)


def _descent(X, y, lams, loss, penalty, options, warm_start, stop=None):
    # the squared loss is the Huber loss with an infinite threshold: same descent, no clipping
    delta = loss.delta if isinstance(loss, Huber) else np.inf
    return huber_descent_path(X, y, lams, penalty.l1_ratio, delta, options, warm_start, stop)


def _huber_ridge(X, y, lams, loss, penalty, options, warm_start, stop=None):
    return huber_ridge_path(X, y, lams, loss.delta, options, warm_start, stop)


def _interpolant_or(fallback):
    """Unpenalised fit: the minimum-norm interpolant where the data can be interpolated (every loss
    is then zero at infinitely many points; the ridge limit is the one of minimum norm), else the
    ordinary M-estimator by ``fallback`` (unique for the squared loss and, generically, the others).
    """

    def solve(X, y, lams, loss, penalty, options, warm_start):
        coef, intercept = min_norm_solution(X, y)
        if interpolates(X, y, coef, intercept):
            return PathResult.single(coef, intercept)
        return fallback(X, y, loss, options, (coef, intercept))

    return solve


def _huber_m_estimator(X, y, loss, options, start):
    # from the null model, not from least squares: with a gross outlier the least-squares start
    # lies far out in the loss's linear zone, where a descent step moves at most about delta
    return huber_descent_path(X, y, np.array([0.0]), 0.0, loss.delta, options)


def _lad_m_estimator(X, y, loss, options, start):
    return lad_lasso_path(X, y, np.array([0.0]), options)


def _lad_lasso(X, y, lams, loss, penalty, options, warm_start):
    return lad_lasso_path(X, y, lams, options)


def _lad_ridge(X, y, lams, loss, penalty, options, warm_start):
    return lad_ridge_path(X, y, lams, options)


def _lad_enet(X, y, lams, loss, penalty, options, warm_start):
    if penalty.l1_ratio == 1.0:  # the elastic net's L1 end is the lasso: the LP is exact there
        return lad_lasso_path(X, y, lams, options)
    return lad_enet_path(X, y, lams, penalty.l1_ratio, options)


_KKT = "KKT violation <= tol x gradient scale"
_DESCENT = PathSolver(
    "proximal coordinate descent on a working set, Newton steps on the "
    "support (the Huber kernel; delta = inf for the squared loss)",
    _KKT,
    _descent,
    stops=True,
)

#: (loss, penalty) -> the path solver that serves the pair, with its certificate.
PATH_SOLVERS: dict[tuple[str, str], PathSolver] = {
    ("l2", "none"): PathSolver("least squares of minimum norm (lstsq)", "exact", _least_squares),
    ("l2", "l1"): _DESCENT,
    ("l2", "l2"): PathSolver("closed form through one SVD", "exact", _ridge),
    ("l2", "elasticnet"): _DESCENT,
    ("huber", "none"): PathSolver(
        "minimum-norm interpolant if the data interpolate, else coordinate descent at lam = 0",
        f"exact / {_KKT}",
        _interpolant_or(_huber_m_estimator),
    ),
    ("huber", "l1"): _DESCENT,
    ("huber", "l2"): PathSolver(
        "Newton's method in the row span if p >= n, else coordinate descent",
        _KKT,
        _huber_ridge,
        stops=True,
    ),
    ("huber", "elasticnet"): _DESCENT,
    ("l1", "none"): PathSolver(
        "minimum-norm interpolant if the data interpolate, else the LP at lam = 0 (at large n: "
        "interior point, finished on the exact vertex)",
        "exact / LP optimality",
        _interpolant_or(_lad_m_estimator),
    ),
    ("l1", "l1"): PathSolver(
        "dense primal simplex on the LP's small basis, kept along the path (at large n: "
        "interior point per lam, finished on the exact vertex by the simplex)",
        "LP optimality + KKT of the features left out",
        _lad_lasso,
    ),
    ("l1", "l2"): PathSolver(
        "dual box QP in n variables, active-set kernel warm started along the path (at large "
        "n: interior point per lam)",
        "relative duality gap <= tol",
        _lad_ridge,
    ),
    ("l1", "elasticnet"): PathSolver(
        "globalised semismooth Newton on the n-dim dual, dense active-set QP steps (at large "
        "n: interior point per lam)",
        "relative duality gap <= tol",
        _lad_enet,
    ),
}


def solve_path(
    X,
    y,
    *,
    loss,
    penalty,
    lams,
    l1_ratio=None,
    delta=None,
    options=None,
    warm_start=None,
    stop=None,
) -> PathResult:
    """Solve one pair at every ``lam`` of a decreasing grid.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Design with centred columns.
    y : ndarray of shape (n,)
    loss : {"l2", "l1", "huber"}
    penalty : {"none", "l1", "l2", "elasticnet"}
    lams : sequence of float
        Decreasing penalty levels (ignored for ``penalty="none"``, which returns one point).
    l1_ratio : float, optional
        Elastic-net mixing (``penalty="elasticnet"`` only).
    delta : float, optional
        Huber threshold (``loss="huber"`` only).
    options : SolverOptions, optional
    warm_start : tuple (coef, intercept), optional
        Starting point for the first ``lam``.
    stop : callable, optional
        ``stop(k, coef, intercept)`` is asked after the ``k``-th point (coefficients as solved);
        True ends the path there, so the result has ``k + 1`` points.  Solvers whose
        :class:`PathSolver` does not say ``stops`` ignore it and solve the whole grid.

    Returns
    -------
    PathResult
    """
    options = options or SolverOptions()
    X = np.ascontiguousarray(X, dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    loss_, penalty_ = make_loss(loss, delta), make_penalty(penalty, l1_ratio)
    lams = np.array([0.0]) if penalty == "none" else np.asarray(lams, dtype=float)
    trivial = _trivial_null_model(X, y, loss_, 1 if penalty == "none" else len(lams))
    if trivial is not None:
        return trivial
    solver = PATH_SOLVERS[(loss, penalty)]
    early = {"stop": stop} if stop is not None and solver.stops else {}
    result = solver.solve(X, y, lams, loss_, penalty_, options, warm_start, **early)
    return _null_model_where_certified(X, y, lams, loss_, penalty_, result)


def _null_model(n_points, p, intercept, message) -> PathResult:
    return PathResult(
        np.zeros((n_points, p)),
        np.full(n_points, float(intercept)),
        np.ones(n_points, bool),
        [message] * n_points,
    )


def _trivial_null_model(X, y, loss, n_points) -> PathResult | None:
    """The exact answer where the data leave nothing to fit, else None.

    A constant response is fitted exactly by its value (every loss is zero there, every penalty
    at its minimum); a zero design leaves only the intercept, the loss's null intercept.
    """
    if y.size and np.ptp(y) == 0:
        return _null_model(n_points, X.shape[1], y[0], "exact: the response is constant")
    if not X.any():
        message = "exact: every feature is constant, only the intercept is fitted"
        return _null_model(n_points, X.shape[1], loss.null_intercept(y), message)
    return None


def _null_model_where_certified(X, y, lams, loss, penalty, result) -> PathResult:
    """Where a solver stopped short at ``lam >= lam_max``, the null model is the certified answer.

    Only unconverged points are replaced (a converged point is already optimal, and its bits are
    the solver's), so this never changes a path that every certificate accepted.
    """
    if result.converged.all() or penalty.l1_ratio == 0.0:
        return result
    top = penalty.lam_max(X, y, loss)
    for k in np.flatnonzero(~result.converged):
        if lams[k] >= top:
            result.coefs[k] = 0.0
            result.intercepts[k] = loss.null_intercept(y)
            result.converged[k] = True
            result.messages[k] = (
                f"null model: lam >= lam_max = {top:.3g} ({result.messages[k] or 'solver failed'})"
            )
    return result
