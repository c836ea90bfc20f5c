"""Exact solvers for the twelve loss x penalty pairs, along a decreasing grid of ``lam``.

Every solver minimises the objective of :mod:`normbench.models.objective` on a design whose columns
have mean zero (the estimators centre, and optionally scale, before calling), warm-starts each
``lam`` from the previous solution, and reports per ``lam`` whether a certificate of optimality
was reached.  Which method serves which pair, and why:

============  =====================================  ==========================================
loss          penalty                                method (certificate)
============  =====================================  ==========================================
any           none, data interpolable (p >= n)       minimum-norm interpolant (exact)
l2            none                                   least squares, minimum norm (exact)
l2            l2                                     closed form through one SVD (exact)
l2            l1, elasticnet                         the Huber descent below with delta = inf
                                                     (KKT violation)
huber         none, l1, elasticnet                   proximal coordinate descent on a working
                                                     set grown from full-gradient KKT checks,
                                                     Anderson-accelerated, with Newton steps on
                                                     the current support (KKT violation)
huber         l2 (p >= n)                            Newton's method in the row span (KKT)
l1            none, l1                               linear programme on a working set of
                                                     features, HiGHS primal simplex, basis kept
                                                     along the path (LP optimality + KKT of
                                                     the features left out)
l1            l2                                     dual QP in n variables, HiGHS, basis kept
                                                     along the path (QP optimality)
l1            elasticnet                             globalised semismooth Newton on the n-dim
                                                     dual, dense active-set QP steps
                                                     (duality gap)
============  =====================================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from normbench.models.kernels.box_qp import PROX_WEIGHT, box_qp
from normbench.models.kernels.huber_cd import column_curvatures, huber_enet_cd
from normbench.models.objective import penalty_l1_ratio


@dataclass
class PathResult:
    """Solutions along a ``lam`` grid.

    Attributes
    ----------
    coefs : ndarray of shape (n_lams, p)
    intercepts : ndarray of shape (n_lams,)
    converged : ndarray of bool, shape (n_lams,)
        Whether the solver's optimality certificate was met at each ``lam``.
    messages : list of str
        Why a point did not converge, or which fallback served it ('' when nothing to say).
    n_iter : ndarray of int, shape (n_lams,)
        Iterations the solver took at each ``lam`` (sweeps, Newton steps or simplex / QP
        iterations; 1 for a closed form).
    """

    coefs: np.ndarray
    intercepts: np.ndarray
    converged: np.ndarray
    messages: list = field(default_factory=list)
    n_iter: np.ndarray | None = None

    def __post_init__(self):
        if self.n_iter is None:
            self.n_iter = np.ones(len(self.intercepts), dtype=int)
        self.n_iter = np.asarray(self.n_iter, dtype=int)


#: HiGHS's QP tolerances bound how small a duality gap its steps can certify (LAD elastic net
#: points whose Newton steps fell back to HiGHS are certified down to this gap only)
QP_GAP_FLOOR = 1e-6


@dataclass(frozen=True)
class SolverOptions:
    """Tolerances shared by all solvers (relative to the problem's own scale)."""

    tol: float = 1e-6
    max_iter: int = 100_000


def interpolates(X, y, coef, intercept, *, rtol=1e-9) -> bool:
    residuals = y - intercept - X @ coef
    return bool(np.max(np.abs(residuals)) <= rtol * max(1.0, np.max(np.abs(y))))


def min_norm_solution(X, y):
    """Least squares with minimum ``||w||_2``: the ridge path's limit as ``lam -> 0``.

    ``X`` must have centred columns, so the intercept is the mean of ``y``.
    """
    intercept = float(np.mean(y))
    coef, *_ = np.linalg.lstsq(X, y - intercept, rcond=None)
    return coef, intercept


def solve_path(
    X, y, *, loss, penalty, lams, l1_ratio=None, delta=None, options=None, warm_start=None
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

    Returns
    -------
    PathResult
    """
    options = options or SolverOptions()
    X = np.ascontiguousarray(X, dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    if penalty == "none":
        return _unpenalized(X, y, loss=loss, delta=delta, options=options)
    lams = np.asarray(lams, dtype=float)
    rho = penalty_l1_ratio(penalty, l1_ratio)
    if loss == "l2":
        if rho == 0.0:
            return _ridge_path(X, y, lams)
        # the squared loss is the Huber loss with an infinite threshold: same descent, no clipping
        return _huber_path(X, y, lams, rho, np.inf, options, warm_start)
    if loss == "huber":
        return _huber_path(X, y, lams, rho, delta, options, warm_start)
    if loss == "l1":
        if rho == 1.0:
            return _lad_lasso_path(X, y, lams, options)
        if rho == 0.0:
            return _lad_ridge_path(X, y, lams, options)
        return _lad_enet_path(X, y, lams, rho, options)
    raise ValueError(f"unknown loss {loss!r}")


def _single(coef, intercept, converged=True, message="") -> PathResult:
    return PathResult(coef[None, :], np.array([intercept]), np.array([converged]), [message])


def _unpenalized(X, y, *, loss, delta, options) -> PathResult:
    coef, intercept = min_norm_solution(X, y)
    if loss == "l2" or interpolates(X, y, coef, intercept):
        return _single(coef, intercept)
    # n > p: the ordinary M-estimator, which is unique for the L2 and, generically, the others
    if loss == "huber":
        return _huber_path(X, y, np.array([0.0]), 0.0, delta, options, (coef, intercept))
    return _lad_lasso_path(X, y, np.array([0.0]), options)


# --------------------------------------------------------------------------------------- L2 loss
def _ridge_path(X, y, lams) -> PathResult:
    n = X.shape[0]
    intercept = float(np.mean(y))
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    Uty = U.T @ (y - intercept)
    shrink = s[None, :] / (s[None, :] ** 2 + n * lams[:, None])
    coefs = (shrink * Uty[None, :]) @ Vt
    k = len(lams)
    return PathResult(coefs, np.full(k, intercept), np.ones(k, bool), [""] * k)


# ------------------------------------------------------------------------------------ Huber loss
def huber_location(y, delta, *, tol=1e-12, max_iter=200) -> float:
    """Huber M-estimate of location: the intercept that goes with ``w = 0``."""
    b = float(np.median(y))
    for _ in range(max_iter):
        r = y - b
        inside = np.abs(r) <= delta
        # Newton on the piecewise quadratic: curvature is the share of points inside the zone
        curvature = max(inside.mean(), 1.0 / len(y))
        step = np.clip(r, -delta, delta).mean() / curvature
        b += step
        if abs(step) <= tol * max(1.0, abs(b)):
            break
    return b


def _huber_path(X, y, lams, rho, delta, options, warm_start) -> PathResult:
    n, p = X.shape
    if warm_start is None:
        coef, intercept = np.zeros(p), huber_location(y, delta)
    else:
        coef, intercept = np.array(warm_start[0], dtype=float), float(warm_start[1])
    # KKT tolerance on the gradient scale of the problem (the lam that zeroes every coefficient)
    grad_scale = max(np.max(np.abs(X.T @ np.clip(y - np.median(y), -delta, delta))) / n, 1e-300)
    tol = options.tol * grad_scale
    coefs = np.empty((len(lams), p))
    intercepts = np.empty(len(lams))
    converged = np.empty(len(lams), bool)
    messages = []
    if rho == 0.0 and p >= n and lams[0] > 0:
        return _huber_ridge_newton_path(X, y, lams, delta, tol, options)
    n_iter = []
    lips = column_curvatures(X)
    grad = np.empty(p)  # loss gradient at the current point, carried from one lam to the next
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
        )
        coefs[k], intercepts[k] = coef, intercept
        converged[k] = violation <= tol
        messages.append(
            ""
            if converged[k]
            else f"coordinate descent stopped after {sweeps} sweeps, KKT violation {violation:.3g}"
        )
        n_iter.append(sweeps)
    return PathResult(coefs, intercepts, converged, messages, n_iter)


def _huber_ridge_newton_path(X, y, lams, delta, tol, options) -> PathResult:
    """Huber loss + L2 penalty for ``p >= n`` by Newton's method in the span of the rows.

    The optimum has ``w = X'a`` (stationarity: ``lam w = X' psi(r) / n``), so the problem is one in
    the ``n + 1`` unknowns ``(a, b)``.  The loss is piecewise quadratic: with ``D`` marking the
    residuals inside ``[-delta, delta]`` the Newton system, after cancelling the invertible kernel
    ``K = XX'``, is ``[[D K/n + lam I, D 1/n], [1'D K/n, 1'D1/n]] [da; db] = [psi/n - lam a;
    1'psi/n]``.  A backtracking line search makes each step a descent; once ``D`` is the optimal
    partition the step is exact.  The certificate is the KKT violation in ``w``, as for descent.
    """
    n = X.shape[0]
    K = X @ X.T
    a, b = np.zeros(n), huber_location(y, delta)
    coefs = np.empty((len(lams), X.shape[1]))
    intercepts = np.empty(len(lams))
    converged = np.empty(len(lams), bool)
    messages = []

    n_iter = []

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
            inside = (np.abs(r) <= delta).astype(float)
            system = np.empty((n + 1, n + 1))
            system[:n, :n] = inside[:, None] * K / n
            system[:n, :n][np.diag_indices(n)] += lam
            system[:n, n] = inside / n
            system[n, :n] = inside @ K / n
            system[n, n] = inside.sum() / n
            rhs = np.concatenate([psi / n - lam * a, [psi.mean()]])
            try:
                # an LU solve is ~10x cheaper than lstsq's SVD, which serves a singular system
                # (no residual inside the zone: the intercept's row vanishes)
                step = np.linalg.solve(system, rhs)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(system, rhs, rcond=None)[0]
            current, t = value(a, b, lam), 1.0
            while t > 1e-10 and value(a + t * step[:n], b + t * step[n], lam) > current:
                t *= 0.5
            a, b = a + t * step[:n], b + t * step[n]
            if t <= 1e-10:
                break
        coefs[k], intercepts[k] = X.T @ a, b
        converged[k] = violation <= tol
        messages.append(
            ""
            if converged[k]
            else f"Newton stopped after {steps} steps, KKT violation {violation:.3g}"
        )
        n_iter.append(steps)
    return PathResult(coefs, intercepts, converged, messages, n_iter)


# -------------------------------------------------------------------------------- L1 loss (LP/QP)
class _LadWorkingSetProgram:
    """The LAD-lasso linear programme over a growing working set of features.

    Columns are the intercept, the positive and negative residual parts ``u, v`` and, for each
    feature admitted so far, ``w+_j, w-_j``.  Admitting a feature appends two columns at zero,
    which keeps the current basis valid, so HiGHS restarts from it.  The row duals are the dual
    variables ``a`` of the full problem: a feature outside the set is certified inactive when
    ``|x_j'a| <= lam``.
    """

    def __init__(self, X, y):
        import highspy

        self._highspy = highspy
        self.X = X
        n = X.shape[0]
        self.n = n
        self.features = []
        self.lam = 0.0
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("random_seed", 0)
        self.highs.setOptionValue("threads", 1)
        # lam enters only the costs and admitted columns start at zero, so the previous optimum
        # stays primal feasible along the path: the primal simplex restarts from it where the
        # dual simplex would first have to repair the dual infeasibilities (measured: ~1/3 less
        # time over a CV fit, benchmarks/README.md)
        self.highs.setOptionValue("simplex_strategy", 4)  # 4: primal (HiGHS default 1: dual)
        eye = sp.identity(n, format="csc")
        A = sp.hstack([sp.csc_matrix(np.ones((n, 1))), eye, -eye], format="csc")
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 1 + 2 * n, n
        lp.col_cost_ = np.concatenate([[0.0], np.full(2 * n, 1.0 / n)])
        lp.col_lower_ = np.concatenate([[-highspy.kHighsInf], np.zeros(2 * n)])
        lp.col_upper_ = np.full(1 + 2 * n, highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = np.asarray(y, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr
        lp.a_matrix_.index_ = A.indices
        lp.a_matrix_.value_ = A.data
        self.highs.passModel(lp)

    def admit(self, features):
        n = self.n
        for j in features:
            column = self.X[:, j]
            rows = np.arange(n, dtype=np.int32)
            for sign in (1.0, -1.0):
                self.highs.addCol(self.lam, 0.0, self._highspy.kHighsInf, n, rows, sign * column)
            self.features.append(int(j))

    def set_penalty(self, lam):
        self.lam = lam
        k = 2 * len(self.features)
        if k:
            cols = np.arange(1 + 2 * self.n, 1 + 2 * self.n + k, dtype=np.int32)
            self.highs.changeColsCost(k, cols, np.full(k, lam))

    def solve(self):
        self.highs.run()
        status = self.highs.getModelStatus()
        ok = status == self._highspy.HighsModelStatus.kOptimal
        x = np.asarray(self.highs.getSolution().col_value)
        coef = np.zeros(self.X.shape[1])
        pairs = x[1 + 2 * self.n :].reshape(-1, 2)
        coef[self.features] = pairs[:, 0] - pairs[:, 1]
        alpha = np.asarray(self.highs.getSolution().row_dual)
        iterations = self.highs.getInfo().simplex_iteration_count
        return coef, float(x[0]), alpha, ok, "" if ok else f"HiGHS status {status}", iterations


def _lad_lasso_path(X, y, lams, options) -> PathResult:
    """LAD-lasso path: the LP on a working set of features, grown from the KKT check."""
    p = X.shape[1]
    program = _LadWorkingSetProgram(X, y)
    coefs = np.empty((len(lams), p))
    intercepts = np.empty(len(lams))
    converged = np.empty(len(lams), bool)
    messages, n_iter = [], []
    for k, lam in enumerate(lams):
        if k > 0 and converged[k - 1] and interpolates(X, y, coefs[k - 1], intercepts[k - 1]):
            # an interpolating optimum at lam' stays optimal for every lam < lam': for any w,
            # f_lam(w) = (lam/lam') f_lam'(w) + (1 - lam/lam') loss(w) >= lam ||w*||_1 = f_lam(w*)
            coefs[k], intercepts[k], converged[k] = coefs[k - 1], intercepts[k - 1], True
            messages.append("")
            n_iter.append(1)
            continue
        program.set_penalty(lam)
        iterations = 0
        for _ in range(p + 1):
            coef, intercept, alpha, ok, message, its = program.solve()
            iterations += its
            if not ok:
                break
            outside = np.ones(p, bool)
            outside[program.features] = False
            scores = np.abs(X.T @ alpha)
            violators = np.flatnonzero(outside & (scores > lam * (1.0 + 1e-9)))
            if violators.size == 0:
                break
            # admit the worst violators first: most of them would enter the support
            program.admit(violators[np.argsort(-scores[violators])][:50])
        coefs[k], intercepts[k], converged[k] = coef, intercept, ok
        messages.append(message)
        n_iter.append(max(iterations, 1))
    return PathResult(coefs, intercepts, converged, messages, n_iter)


def _project_dual(alpha, n):
    """Projection onto the box ``|alpha_i| <= 1/n`` intersected with ``sum(alpha) = 0``.

    The projection is ``clip(alpha - shift)`` for the shift that zeroes the sum.  That sum is
    piecewise linear and non-increasing in the shift with kinks at ``alpha_i -+ 1/n``, so the
    shift is found exactly by evaluating it at the kinks and interpolating linearly.
    """
    bound = 1.0 / n
    kinks = np.sort(np.concatenate([alpha - bound, alpha + bound]))
    sums = np.clip(alpha[None, :] - kinks[:, None], -bound, bound).sum(axis=1)
    right = int(np.searchsorted(-sums, 0.0))  # first kink where the sum is <= 0
    if right == 0:
        shift = kinks[0]
    else:
        s0, s1 = sums[right - 1], sums[right]
        shift = kinks[right - 1] + (kinks[right] - kinks[right - 1]) * s0 / (s0 - s1)
    return np.clip(alpha - shift, -bound, bound)


class _DenseLowerHessian:
    """A dense symmetric n x n matrix in HiGHS's lower-triangular column-wise format."""

    def __init__(self, n):
        import highspy

        self._rows, self._cols = np.triu_indices(n)  # (i <= j) -> lower entry (j, i), by column
        self.model = highspy.HighsHessian()
        self.model.dim_ = n
        self.model.format_ = highspy.HessianFormat.kTriangular
        self.model.start_ = np.concatenate([[0], np.cumsum(np.arange(n, 0, -1))]).astype(np.int32)
        self.model.index_ = self._cols.astype(np.int32)
        self.active = None  # which features the matrix was built from, for its users

    def set(self, matrix):
        self.model.value_ = matrix[self._rows, self._cols]
        return self.model


def _highs_box_qp(hessian_lower, n_box, bound):
    """HiGHS model ``min 1/2 a'Ha + c'a`` over ``|a_i| <= bound``, ``sum(a) = 0``.

    Costs ``c`` are set by the caller, so one model serves a whole path.
    """
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("primal_feasibility_tolerance", 1e-10)
    highs.setOptionValue("dual_feasibility_tolerance", 1e-10)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_box, 1
    lp.col_cost_ = np.zeros(n_box)
    lp.col_lower_ = np.full(n_box, -bound)
    lp.col_upper_ = np.full(n_box, bound)
    lp.row_lower_ = lp.row_upper_ = np.zeros(1)
    ones = sp.csc_matrix(np.ones((1, n_box)))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = ones.indptr
    lp.a_matrix_.index_ = ones.indices
    lp.a_matrix_.value_ = ones.data
    highs.passModel(lp)
    hessian = highspy.HighsHessian()
    hessian.dim_ = n_box
    hessian.format_ = highspy.HessianFormat.kTriangular
    hessian.start_ = hessian_lower.indptr
    hessian.index_ = hessian_lower.indices
    hessian.value_ = hessian_lower.data
    highs.passHessian(hessian)
    return highs


def _lad_ridge_path(X, y, lams, options) -> PathResult:
    """L1 loss + L2 penalty through its dual, a QP in n variables.

    ``max a'y - ||X'a||^2 / (2 lam)`` over ``|a_i| <= 1/n``, ``sum(a) = 0``; then ``w = X'a/lam``
    and the intercept is the median of ``y - X w`` (exact: for fixed ``w`` the problem in the
    intercept is a one-dimensional least-absolute-deviations fit).  Multiplying the dual by
    ``lam`` leaves the Hessian ``XX'`` fixed along the path, so only the linear costs change and
    HiGHS restarts from the previous basis.
    """
    import highspy

    n, p = X.shape
    highs = _highs_box_qp(sp.tril(sp.csc_matrix(X @ X.T)).tocsc(), n, 1.0 / n)
    columns = np.arange(n, dtype=np.int32)
    coefs = np.empty((len(lams), p))
    intercepts = np.empty(len(lams))
    converged = np.empty(len(lams), bool)
    messages, n_iter = [], []
    for k, lam in enumerate(lams):
        highs.changeColsCost(n, columns, -lam * y)
        highs.run()
        status = highs.getModelStatus()
        alpha = np.asarray(highs.getSolution().col_value)
        coefs[k] = X.T @ alpha / lam
        intercepts[k] = np.median(y - X @ coefs[k])
        converged[k] = status == highspy.HighsModelStatus.kOptimal
        messages.append("" if converged[k] else f"HiGHS status {status}")
        n_iter.append(max(highs.getInfo().qp_iteration_count, 1))
    return PathResult(coefs, intercepts, converged, messages, n_iter)


def _lad_enet_path(X, y, lams, rho, options) -> PathResult:
    """L1 loss + elastic net by a globalised semismooth Newton method on the dual.

    The dual is ``min g(a) = -a'y + ||S_kappa(X'a)||^2 / (2 mu)`` over ``|a_i| <= 1/n``, ``sum(a) =
    0`` (``kappa = lam*rho``, ``mu = lam*(1 - rho)``), an n-dimensional problem. At the current
    ``a`` the features with ``|x_j'a| > kappa`` are active; dropping the others gives a quadratic
    model with the same value and gradient, whose minimiser over the constraints (a small dense box
    QP, solved to rounding by the active-set kernel of :mod:`normbench.models.kernels.box_qp`, warm
    started from ``a``) sets the search direction; a backtracking line search on ``g`` makes every
    step a descent. Once the active set is the optimal one the model is exact and the step lands on
    the optimum. The primal point is ``w = S_kappa(X'a)/mu`` with the median intercept, and the
    relative duality gap certifies it. Should the kernel run out of iterations, HiGHS solves that
    step instead, and the point is then certified only down to its tolerances (``QP_GAP_FLOOR``).
    """
    n, p = X.shape
    coefs = np.empty((len(lams), p))
    intercepts = np.empty(len(lams))
    converged = np.empty(len(lams), bool)
    messages = []
    alpha = np.zeros(n)
    model = _LadEnetModel(X, 1.0 / n)
    n_iter = []
    for k, lam in enumerate(lams):
        kappa, mu = lam * rho, lam * (1.0 - rho)
        model.fallbacks = 0
        alpha, coef, intercept, gap, steps = _lad_enet_newton(
            model, X, y, alpha, kappa, mu, options
        )
        target = options.tol if model.fallbacks == 0 else max(options.tol, QP_GAP_FLOOR)
        coefs[k], intercepts[k] = coef, intercept
        converged[k] = gap <= target
        note = f" ({model.fallbacks} Newton steps by HiGHS)" if model.fallbacks else ""
        messages.append(
            note.strip(" ()")
            if converged[k]
            else f"dual Newton stopped after {steps} steps, relative gap {gap:.3g}{note}"
        )
        n_iter.append(steps)
    return PathResult(coefs, intercepts, converged, messages, n_iter)


class _LadEnetModel:
    """The Newton model's box QP: own dense active-set kernel, HiGHS as the fallback."""

    def __init__(self, X, bound):
        self.XT = np.ascontiguousarray(X.T)  # features as rows: cheap to gather
        self.n = X.shape[0]
        self.bound = bound
        self.active = None
        self.hessian = None
        self.fallbacks = 0
        self._updates = 0
        self._highs = None

    def solve(self, active, cost, start):
        """Minimiser of ``1/2 a'(X_A X_A')a + cost'a`` over the dual's constraints, or None."""
        if self.active is None or not np.array_equal(active, self.active):
            changed = np.flatnonzero(active != self.active) if self.active is not None else None
            if changed is not None and 2 * changed.size < active.sum():
                # a few features in or out: low-rank update instead of rebuilding X_A X_A'
                signs = np.where(active[changed], 1.0, -1.0)
                rows = self.XT[changed]
                self.hessian = self.hessian + rows.T @ (rows * signs[:, None])
                self._updates += changed.size
            if changed is None or 2 * changed.size >= active.sum() or self._updates >= 10 * self.n:
                # rebuild from scratch now and then so that rounding cannot accumulate
                rows = self.XT[active]
                self.hessian = rows.T @ rows
                self._updates = 0
            self.active = active
            self._highs_stale = True
        H = self.hessian
        eps = PROX_WEIGHT * max(1.0, float(np.max(np.diag(H))))
        a, status, _ = box_qp(H, cost, start, self.bound, eps, 20 * self.n + 100, 1e-13)
        if status == 0:
            return a
        return self._highs_solve(cost)

    def _highs_solve(self, cost):
        import highspy

        self.fallbacks += 1
        if self._highs is None:
            self._highs = _highs_box_qp(sp.csc_matrix((self.n, self.n)), self.n, self.bound)
            self._lower = _DenseLowerHessian(self.n)
        if self._highs_stale:
            self._highs.passHessian(self._lower.set(self.hessian))
            self._highs_stale = False
        self._highs.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), cost)
        self._highs.run()
        if self._highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self._highs.getSolution().col_value)


def _lad_enet_newton(model, X, y, alpha, kappa, mu, options, max_steps=100):
    n = X.shape[0]
    bound = 1.0 / n

    def dual_loss(a):
        z = X.T @ a
        excess = np.maximum(np.abs(z) - kappa, 0.0)
        return excess @ excess / (2.0 * mu) - a @ y, z

    def primal_point(z):
        coef = np.sign(z) * np.maximum(np.abs(z) - kappa, 0.0) / mu
        fitted = X @ coef
        residuals = y - fitted
        intercept = float(np.median(residuals))
        residuals -= intercept
        primal = np.abs(residuals).sum() / n + kappa * np.abs(coef).sum() + 0.5 * mu * (coef @ coef)
        return coef, intercept, primal, fitted

    value, z = dual_loss(alpha)
    gap = np.inf
    coef, intercept = np.zeros(X.shape[1]), float(np.median(y))
    for step in range(1, max_steps + 1):
        coef, intercept, primal, fitted = primal_point(z)
        gap = (primal + value) / max(abs(primal), 1e-300)
        if gap <= options.tol:
            return alpha, coef, intercept, gap, step
        active = np.abs(z) > kappa
        # the dense product beats gathering the active columns of a C-ordered X
        cost = -mu * y - kappa * (X @ np.where(active, np.sign(z), 0.0))
        solution = model.solve(active, cost, alpha)
        if solution is None:
            break
        direction = solution - alpha
        slope = (fitted - y) @ direction  # gradient of the dual loss: X w - y
        if slope >= 0:
            break
        t = 1.0
        while t > 1e-12:
            # the full step is the QP's own (feasible) point; shorter ones are convex combinations
            trial = solution if t == 1.0 else np.clip(alpha + t * direction, -bound, bound)
            trial_value, trial_z = dual_loss(trial)
            if trial_value <= value + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            break
        alpha, value, z = trial, trial_value, trial_z
        if abs(alpha.sum()) > 1e-12 * bound:
            # rounding has drifted off the equality: back onto the feasible set exactly
            alpha = _project_dual(alpha, n)
            value, z = dual_loss(alpha)
    return alpha, coef, intercept, gap, step
