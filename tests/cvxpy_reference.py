"""The reference every solver test compares with: the documented objective solved by cvxpy.

One spelling of the objective of docs/design.md §1 in cvxpy, solved by Clarabel to 1e-12, and
evaluated back with :func:`normbench.models.objective.objective_value` so that ours and the
reference are measured by the same function.
"""

import cvxpy as cp

from normbench.models.objective import objective_value

#: Clarabel's tolerances: far below the relative gap the tests allow (1e-6).
CLARABEL_OPTIONS = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def _data_term(residuals, n, loss, delta):
    if loss == "l2":
        return cp.sum_squares(residuals) / (2 * n)
    if loss == "l1":
        return cp.norm1(residuals) / n
    if loss == "huber":
        # cvxpy's huber(r, M) is 2 * (our huber) for the same threshold
        return cp.sum(cp.huber(residuals, delta)) / (2 * n)
    raise ValueError(f"no cvxpy reference for loss {loss!r}")


def _penalty_term(w, penalty, l1_ratio):
    if penalty == "none":
        return 0
    if penalty == "l1":
        return cp.norm1(w)
    if penalty == "l2":
        return cp.sum_squares(w) / 2
    if penalty == "elasticnet":
        return l1_ratio * cp.norm1(w) + (1 - l1_ratio) * cp.sum_squares(w) / 2
    raise ValueError(f"no cvxpy reference for penalty {penalty!r}")


def cvxpy_optimum(X, y, *, loss, penalty, lam, l1_ratio=None, delta=None):
    """The documented objective at cvxpy's minimiser over (intercept, coefficients).

    Same arguments as :func:`~normbench.models.objective.objective_value` (``delta`` for the
    Huber loss, ``l1_ratio`` for the elastic net).
    """
    n, p = X.shape
    w, b = cp.Variable(p), cp.Variable()
    objective = _data_term(y - X @ w - b, n, loss, delta) + lam * _penalty_term(
        w, penalty, l1_ratio
    )
    cp.Problem(cp.Minimize(objective)).solve(solver=cp.CLARABEL, **CLARABEL_OPTIONS)
    return objective_value(
        X, y, w.value, b.value, loss=loss, penalty=penalty, lam=lam, l1_ratio=l1_ratio, delta=delta
    )
