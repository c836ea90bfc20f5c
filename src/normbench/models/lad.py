"""Path solvers for the absolute (L1) loss, whose objective is piecewise linear.

============  ==============================================================================
penalty       method (certificate)
============  ==============================================================================
l1            dense primal simplex on the LP's small basis (the support and the points fitted
(p <= 20 n)   exactly), numba kernel, basis kept along the path (duality gap); HiGHS as fallback
none, l1      the LP's dual in n bounded variables, a row per feature of a working set, HiGHS
(p > 20 n,    dual simplex, basis kept along the path (LP optimality + KKT of the features
fallback)     left out)
l2            dual box QP in n variables, dense active-set kernel warm started along the
              path, HiGHS as fallback (duality gap)
elasticnet    globalised semismooth Newton on the n-dim dual, dense active-set QP steps
              (duality gap)
any, at       primal-dual interior point method per lam (:mod:`.kernels.lad_ipm`, normal
large n       equations in p + 1 unknowns: cost linear in n), on the strong rule's features
(n >= INTERIOR and, past GLOB_MIN_ROWS points, on the points near the last fit with the others
_POINT_MIN    globbed into a linear term (exact once their signs are checked); l1 and none
_ROWS, p<=n)  then finish on the exact vertex by the simplex kernel (its certificate; the classic
              path where no vertex certifies), l2 and elasticnet take the primal point their
              dual determines (duality gap).  l2 first runs its dual box QP on the points
              nearest the fit only (the others fixed at their bounds, checked), while that
              is cheap (the first lams), then a primal-dual active set method on the whole
              dual (many bounds per step) until it stalls, then the interior point method
              (duality gap)
============  ==============================================================================

The methods above the last row do work that grows like n^2 to n^3 along a path (the simplex's
pivots grow with n and each prices all n rows; the duals are n-dimensional with an n x n
Hessian); the interior point method's grows about linearly, but costs more at small n: the size
switch (:func:`uses_interior_point`) sits at the crossover measured in docs/scaling.md.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from normbench.models.kernels.box_qp import PROX_WEIGHT, box_qp
from normbench.models.kernels.lad_ipm import lad_ipm
from normbench.models.kernels.lad_simplex import lad_lasso_simplex
from normbench.models.objective import AbsoluteLoss
from normbench.models.result import QP_GAP_FLOOR, PathRecorder, PathResult
from normbench.models.smooth import interpolates

__all__ = ["lad_enet_path", "lad_lasso_path", "lad_ridge_path", "uses_interior_point"]


class _LadDualProgram:
    """The dual of the LAD-lasso LP with a row for each feature of a growing working set.

    ``max y'a`` over ``|a_i| <= 1/n``, ``sum(a) = 0`` and ``|x_j'a| <= lam`` for the features
    ``j`` admitted so far: ``n`` bounded columns and one row per admitted feature, so the simplex
    basis has the size of the working set (the primal LP's has ``n``).  Admitting a feature adds
    a row and lowering ``lam`` narrows the rows' ranges; either way the last basis stays dual
    feasible and the dual simplex restarts from it.  The row duals are minus the coefficients and
    the intercept.  A feature outside the set is certified inactive when ``|x_j'a| <= lam``.
    """

    def __init__(self, X, y):
        import highspy

        self._highspy = highspy
        self.X = X
        n = X.shape[0]
        self.n = n
        self.features = []
        self.lam = 0.0
        self.highs = _quiet_highs()
        self.highs.setOptionValue("random_seed", 0)
        self.highs.setOptionValue("threads", 1)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, 1
        lp.col_cost_ = -np.asarray(y, dtype=float)
        lp.col_lower_ = np.full(n, -1.0 / n)
        lp.col_upper_ = np.full(n, 1.0 / n)
        lp.row_lower_ = lp.row_upper_ = np.zeros(1)
        ones = sp.csc_matrix(np.ones((1, n)))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = ones.indptr
        lp.a_matrix_.index_ = ones.indices
        lp.a_matrix_.value_ = ones.data
        self.highs.passModel(lp)
        self._columns = np.arange(n, dtype=np.int32)

    def admit(self, features):
        for j in features:
            self.highs.addRow(-self.lam, self.lam, self.n, self._columns, self.X[:, j])
            self.features.append(int(j))

    def set_penalty(self, lam):
        self.lam = lam
        k = len(self.features)
        if k:
            rows = np.arange(1, 1 + k, dtype=np.int32)
            self.highs.changeRowsBounds(k, rows, np.full(k, -lam), np.full(k, lam))

    def solve(self):
        self.highs.run()
        status = self.highs.getModelStatus()
        ok = status == self._highspy.HighsModelStatus.kOptimal
        solution = self.highs.getSolution()
        alpha = np.asarray(solution.col_value)
        duals = np.asarray(solution.row_dual)
        coef = np.zeros(self.X.shape[1])
        coef[self.features] = -duals[1:]
        iterations = self.highs.getInfo().simplex_iteration_count
        return coef, -float(duals[0]), alpha, ok, "" if ok else f"HiGHS status {status}", iterations


class _LadSimplex:
    """The LAD-lasso path by the dense simplex kernel of :mod:`.kernels.lad_simplex`.

    Starts from the null model's basis (the median point fitted exactly), then each ``lam`` from
    the last basis.  Every solution is certified by the relative duality gap with the kernel's
    dual made exactly feasible (clipped, projected onto ``sum(a) = 0``, scaled into ``|X'a| <=
    lam``), so a rounding error can cost a fallback but never a wrong certificate.
    """

    def __init__(self, X, y):
        n, p = X.shape
        self.X, self.Xt, self.y = X, np.ascontiguousarray(X.T), y
        order = np.argsort(y, kind="stable")
        middle = (n - 1) // 2
        self.zlist = np.zeros(n, dtype=np.int64)
        self.zlist[0] = order[middle]
        self.slist = np.zeros(n, dtype=np.int64)
        self.sign_s = np.zeros(min(n, p + 1) + 1)
        self.sign_r = np.zeros(n)
        self.sign_r[order[:middle]] = -1.0
        self.sign_r[order[middle + 1 :]] = 1.0
        self.k = 1
        # the basis has |S| + 1 = |Z| <= min(n, p + 1) rows
        size = min(n, p + 1) + 1
        self.B = np.zeros((size, size))
        self.theta = np.zeros(size)
        self.r = np.zeros(n)

    def solve(self, lam, tol, max_iter=None):
        """``(coef, intercept, iterations)`` certified to ``tol``, or None."""
        n, p = self.X.shape
        status, k, iterations, alpha = lad_lasso_simplex(
            self.X,
            self.Xt,
            self.y,
            lam,
            self.zlist,
            self.slist,
            self.sign_s,
            self.k,
            self.sign_r,
            self.B,
            self.theta,
            self.r,
            20 * (n + p) + 1000 if max_iter is None else max_iter,
        )
        self.k = k
        if status != 0:
            return None
        coef = np.zeros(p)
        coef[self.slist[: k - 1]] = self.theta[1:k]
        intercept = float(self.theta[0])
        # the certificate: an exactly feasible dual and the relative gap
        alpha = np.clip(alpha, -1.0 / n, 1.0 / n)
        if abs(alpha.sum()) > 1e-12 / n:
            alpha = _project_dual(alpha, n)
        largest = float(np.max(np.abs(self.Xt @ alpha)))
        if largest > lam > 0.0:
            # (at lam = 0 the kernel's optimality leaves |X'alpha| within rounding of 0)
            alpha = alpha * (lam / largest)
        primal = np.abs(self.y - self.X @ coef - intercept).mean() + lam * np.abs(coef).sum()
        gap = (primal - alpha @ self.y) / max(primal, 1e-300)
        return (coef, intercept, iterations) if gap <= tol else None


#: the simplex kernel prices every feature at each pivot; past this many features per row the
#: dual LP on a working set is faster (one path, n = 200: kernel 0.52 s against 0.65 s at
#: p = 3000, 0.95 s against 0.69 s at p = 5000, 2.7 s against 0.88 s at p = 10,000; n = 100:
#: a tie at p = 3000; 2026-12-03)
SIMPLEX_MAX_FEATURES_PER_ROW = 20


def lad_lasso_path(X, y, lams, options) -> PathResult:
    """LAD-lasso path: the dense simplex kernel, or the dual LP on a working set by HiGHS.

    ``lam = 0`` (the unpenalised fit), designs with more than ``SIMPLEX_MAX_FEATURES_PER_ROW``
    features per row and any point after the kernel has failed go to HiGHS.
    """
    n, p = X.shape
    # the problem is positively homogeneous in (y, coef, intercept) at fixed lam: solved for y on
    # the scale of its null loss, so that absolute tolerances mean the same at any scale
    scale = _residual_scale(y)
    scale = scale if scale > 0.0 else 1.0
    if uses_interior_point("l1" if np.all(np.asarray(lams) > 0) else "none", n, p):
        interior = _lad_lasso_ipm_path(X, y, lams, options, scale)
        if interior.converged.all():
            return interior
        # no certified vertex (a rank-deficient design or ties make the nearest basis singular):
        # the classic solvers below, from scratch
    use_simplex = np.all(np.asarray(lams) > 0) and p <= SIMPLEX_MAX_FEATURES_PER_ROW * n
    simplex = _LadSimplex(X, y / scale) if use_simplex else None
    program = None
    path = PathRecorder(len(lams), p)
    for k, lam in enumerate(lams):
        previous = (path.coefs[k - 1], path.intercepts[k - 1]) if k > 0 else None
        if k > 0 and path.converged[k - 1] and interpolates(X, y, *previous):
            # an interpolating optimum at lam' stays optimal for every lam < lam': for any w,
            # f_lam(w) = (lam/lam') f_lam'(w) + (1 - lam/lam') loss(w) >= lam ||w*||_1 = f_lam(w*)
            path.record(k, *previous, True, 1)
            continue
        note = ""
        if simplex is not None:
            solved = simplex.solve(lam, options.tol)
            if solved is not None:
                coef, intercept, iterations = solved
                path.record(k, coef * scale, intercept * scale, True, iterations)
                continue
            simplex, note = None, "LP by HiGHS (the simplex kernel failed)"
        if program is None:
            program = _LadDualProgram(X, y / scale)
        program.set_penalty(lam)
        iterations = 0
        for _ in range(p + 1):
            coef, intercept, alpha, ok, message, its = program.solve()
            coef, intercept = coef * scale, intercept * scale
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
        path.record(k, coef, intercept, ok, max(iterations, 1), failure=message, note=note)
    return path.result()


def _project_dual(alpha, n):
    """Projection onto the box ``|alpha_i| <= 1/n`` intersected with ``sum(alpha) = 0``."""
    return _project_box_sum(alpha, 1.0 / n, 0.0)


def _project_box_sum(alpha, bound, target):
    """Projection onto the box ``|alpha_i| <= bound`` intersected with ``sum(alpha) = target``
    (``|target| < len(alpha) * bound``).

    The projection is ``clip(alpha - shift)`` for the shift that sets the sum.  That sum is
    piecewise linear and non-increasing in the shift with kinks at ``alpha_i -+ bound``, so the
    shift is found exactly by bisection over the sorted kinks (the two neighbours where the sum
    crosses the target) and linear interpolation between them: O(n log n) time, O(n) memory.
    """
    kinks = np.sort(np.concatenate([alpha - bound, alpha + bound]))

    def total(shift):
        return np.clip(alpha - shift, -bound, bound).sum() - target

    if total(kinks[0]) <= 0.0:
        return np.clip(alpha - kinks[0], -bound, bound)
    low, high = 0, len(kinks) - 1  # the sum is > 0 at kinks[low] and <= 0 at kinks[high]
    while high - low > 1:
        middle = (low + high) // 2
        if total(kinks[middle]) > 0.0:
            low = middle
        else:
            high = middle
    s0, s1 = total(kinks[low]), total(kinks[high])
    shift = kinks[low] + (kinks[high] - kinks[low]) * s0 / (s0 - s1)
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


def _quiet_highs():
    """A HiGHS instance that writes nothing.

    HiGHS prints its banner from C++ while the instance is built, before ``output_flag`` can be
    switched off, so the process's standard output (the file descriptor, which Python's
    ``sys.stdout`` does not reach) points at the null device for that moment.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


def _highs_box_qp(hessian_lower, n_box, bound):
    """HiGHS model ``min 1/2 a'Ha + c'a`` over ``|a_i| <= bound``, ``sum(a) = 0``.

    Costs ``c`` are set by the caller, so one model serves a whole path.
    """
    import highspy

    highs = _quiet_highs()
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


#: proximal point restarts of the box QP kernel per path point while the duality gap is open
PROX_RESTARTS = 4


def lad_ridge_path(X, y, lams, options) -> PathResult:
    """L1 loss + L2 penalty through its dual, a box QP in n variables.

    ``max a'y - ||X'a||^2 / (2 lam)`` over ``|a_i| <= 1/n``, ``sum(a) = 0``; then ``w = X'a/lam``
    and the intercept is the median of ``y - X w`` (exact: for fixed ``w`` the problem in the
    intercept is a one-dimensional least-absolute-deviations fit).  Multiplying the dual by
    ``lam`` leaves the Hessian ``XX'`` fixed along the path, so only the linear costs ``-lam*y``
    change: the active-set kernel of :mod:`normbench.models.kernels.box_qp` solves each point
    warm started from the previous one (the first from the sign vertex, the optimum as
    ``lam -> inf``), and the relative duality gap certifies it.  Should the kernel run out of
    iterations or leave the gap open, HiGHS solves that point instead, certified down to
    ``QP_GAP_FLOOR``.  At large ``n`` (:func:`uses_interior_point`) the path goes to
    :func:`_lad_ridge_kept_path` instead: the same QP on the points nearest the fit, then the
    interior point method, with no ``n x n`` Hessian.
    """
    n, p = X.shape
    if uses_interior_point("l2", n, p):
        return _lad_ridge_kept_path(X, y, lams, options)
    bound = 1.0 / n
    H = X @ X.T
    eps = PROX_WEIGHT * max(1.0, float(np.max(np.diag(H))))
    alpha = _sign_vertex(y)
    highs = None
    path = PathRecorder(len(lams), p)
    for k, lam in enumerate(lams):
        cost = -lam * y
        solution, status, iterations = box_qp(H, cost, alpha, bound, eps, 20 * n + 100, 1e-13)
        target, note, gap = options.tol, "", np.inf
        for _ in range(PROX_RESTARTS + 1):
            if status != 0:
                break
            alpha, coef, intercept, gap = _lad_ridge_certificate(X, y, solution, lam)
            if gap <= target:
                break
            # the proximal term pulls the minimiser towards its start; restarting from that
            # minimiser (a proximal point step, the active set already right) removes the pull
            solution, status, more = box_qp(H, cost, alpha, bound, eps, 20 * n + 100, 1e-13)
            iterations += more
        if gap > target:
            # the kernel ran out of iterations or could not close the gap
            if highs is None:
                highs = _highs_box_qp(sp.tril(sp.csc_matrix(H)).tocsc(), n, bound)
            highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
            highs.run()
            solution = np.asarray(highs.getSolution().col_value)
            iterations += highs.getInfo().qp_iteration_count
            target, note = max(options.tol, QP_GAP_FLOOR), "solved by HiGHS"
            alpha, coef, intercept, gap = _lad_ridge_certificate(X, y, solution, lam)
        failure = f"relative duality gap {gap:.3g}" + (f" ({note})" if note else "")
        path.record(k, coef, intercept, gap <= target, iterations, failure=failure, note=note)
    return path.result()


#: the ridge path at large n starts on the dual QP over this many points per feature (plus one)
#: nearest the fit, and keeps to it while a point costs at most this many active-set
#: iterations (the first lams, whose few points fitted exactly make it cheap), then goes on by
#: the interior point method, whose cost per lam does not depend on how many points change side
RIDGE_KEEP_PER_FEATURE = 2
RIDGE_KEPT_MAX_ITERATIONS = 1000


def _lad_ridge_kept_path(X, y, lams, options) -> PathResult:
    """The ridge path at large ``n``: the dual box QP of :func:`lad_ridge_path` on a working set
    of points along the first lams, the primal-dual active set method along the next, the
    interior point method along the rest.

    At the optimum a point's dual lies strictly inside its box only where the point is fitted
    exactly, at most ``p + 1`` points; every other dual sits at the bound its residual's sign
    gives.  So the QP runs over the kept points nearest the last fit only, the others fixed at
    their bounds (a linear term and the equality's right-hand side), with the Hessian
    ``X_K X_K'`` of the kept rows (``|K|^2`` memory, not ``n^2``).  The whole problem's duality
    gap certifies each point, as in the classic path; while it is open, the points outside whose
    residual sign contradicts their fixed dual join the kept ones (the Hessian bordered): that is
    exactly where the KKT conditions of the whole QP fail.  The active-set kernel changes one
    bound per iteration, so it is cheap while few points change side between lams (large lams)
    and dear after; once a point would take more than ``RIDGE_KEPT_MAX_ITERATIONS`` (or does not
    certify) that point and the next go to :func:`_ridge_active_set_point`, which changes many
    bounds per step and is cheap while the points fitted exactly are well short of ``p + 1``;
    once it stalls (by mid-path at n = 8000, p = 1000), that point and the rest go to the
    interior point method, which keeps as many points near the fit as the last lam changed
    signs out to (``RIDGE_KEEP_MIN`` to ``RIDGE_KEEP_MAX`` per feature).  The same certificate
    throughout.
    """
    n, p = X.shape
    alpha = _sign_vertex(y)
    residuals = y - np.median(y)
    kept = np.argsort(np.abs(residuals), kind="stable")[: RIDGE_KEEP_PER_FEATURE * (p + 1)]
    rows = X[kept]
    H = rows @ rows.T
    path = PathRecorder(len(lams), p)
    previous, stage, gram, per_feature = None, "kept", None, None
    for k, lam in enumerate(lams):
        iterations, solved = 0, None
        if stage == "kept":
            alpha_kept, solved, kept, H, iterations = _ridge_kept_point(
                X, y, lam, options.tol, alpha, residuals, kept, H
            )
            if solved is None:
                stage = "active set"  # from here on the kernel's changes would only multiply
                H, gram = None, _RowGram(X)  # the kept points' Hessian: its memory back
                sides = _dual_sides(alpha, residuals, p + 1)
            else:
                alpha = alpha_kept
        if stage == "active set":
            alpha_active, solved, steps, sides = _ridge_active_set_point(
                X, y, lam, options.tol, sides, gram
            )
            iterations += steps
            if solved is None:
                stage, gram = "interior", None  # it stalled here: it would from here on too
            else:
                alpha = alpha_active
        if solved is not None:
            coef, intercept, gap = solved
        else:
            start = None if previous is None else (previous[1], previous[0], alpha)
            coef, intercept, alpha, more, gap = _ipm_elastic_point(
                X, y, 0.0, lam, options.tol, None, residuals, start, per_feature
            )
            iterations += more
        fit = y - X @ coef - intercept
        # how far from the fit (in points per feature, nearest first) did a sign change on this
        # step?  The next interior point solve keeps that many points and a margin: a sign
        # wrongly globbed costs it a whole second solve
        changed = np.flatnonzero(fit * residuals < 0.0)
        rank = np.empty(n, dtype=np.intp)
        rank[np.argsort(np.abs(residuals), kind="stable")] = np.arange(n)
        reach = (rank[changed].max(initial=0) + 1) / (p + 1)
        per_feature = int(
            min(max(np.ceil(reach + RIDGE_KEEP_MARGIN), RIDGE_KEEP_MIN), RIDGE_KEEP_MAX)
        )
        residuals = fit
        failure = f"relative duality gap {gap:.3g}"
        path.record(k, coef, intercept, gap <= options.tol, max(iterations, 1), failure=failure)
        previous = (coef, intercept)
    return path.result()


def _ridge_kept_point(X, y, lam, tol, alpha, residuals, kept, H):
    """One ridge point by the dual QP on the kept points (see :func:`_lad_ridge_kept_path`).

    Returns ``(alpha, solved, kept, H, iterations)``: ``solved`` is ``(coef, intercept, gap)``
    with ``gap <= tol``, or None should the kernel need more than
    ``RIDGE_KEPT_MAX_ITERATIONS`` or not certify; ``kept`` and ``H`` possibly grown.
    """
    n = X.shape[0]
    bound = 1.0 / n
    iterations, restarts, solution = 0, 0, None
    while iterations < RIDGE_KEPT_MAX_ITERATIONS:
        outside = np.ones(n, bool)
        outside[kept] = False
        fixed = np.where(outside, np.where(residuals >= 0.0, bound, -bound), 0.0)
        target = -fixed.sum()
        if abs(target) >= kept.size * bound * (1.0 - 1e-9):
            break  # the kept points cannot balance the others: no feasible start
        if solution is None:
            start = _project_box_sum(np.clip(alpha[kept], -bound, bound), bound, target)
        else:
            start = solution  # a proximal restart from the last minimiser
        cost = X[kept] @ (X.T @ fixed) - lam * y[kept]
        eps = PROX_WEIGHT * max(1.0, float(np.max(np.diag(H))))
        budget = RIDGE_KEPT_MAX_ITERATIONS - iterations
        solution, status, its = box_qp(H, cost, start, bound, eps, budget, 1e-13)
        iterations += its
        if status != 0:
            break
        full = fixed.copy()
        full[kept] = solution
        feasible, coef, intercept, gap = _lad_ridge_certificate(X, y, full, lam)
        if gap <= tol:
            return feasible, (coef, intercept, gap), kept, H, iterations
        fit = y - X @ coef - intercept
        wrong = np.flatnonzero(outside & (fit * fixed < 0.0))
        if wrong.size:
            # the KKT conditions of the whole QP fail at these points: they join the kept ones
            new_rows = X[wrong]
            border = new_rows @ X[kept].T
            H = np.block([[H, border.T], [border, new_rows @ new_rows.T]])
            kept = np.concatenate([kept, wrong])
            residuals, solution = fit, None
        elif restarts == PROX_RESTARTS:
            break
        else:
            restarts += 1  # the proximal pull (see lad_ridge_path): restart from the minimiser
    return alpha, None, kept, H, iterations


#: the primal-dual active set method of the ridge path at large n: at most this many linear
#: solves per lam, and it gives up once the duality gap has grown this many steps in a row (it
#: may grow for a step or two on the way, and does so steadily once the method cycles)
RIDGE_ACTIVE_SET_MAX_STEPS = 30
RIDGE_ACTIVE_SET_STALL = 3
#: the interior point method of the ridge path keeps between these many points per feature
#: (plus one), as far from the fit as the last lam changed signs plus a margin (see
#: _lad_ridge_kept_path): near the end of the path the fit moves little, and a normal matrix
#: over 2 (p + 1) points costs 2/3 of one over 3 (p + 1); mid-path at large n signs change
#: farther out.  At n = 8000, p = 1000 the interior point lams cost 10.3 s with a margin of
#: 0.5, 10.8 s with 0.25 and 11.2 s with none (second solves), 12.7 s at 3 (p + 1) throughout
RIDGE_KEEP_MIN = 2
RIDGE_KEEP_MAX = 5
RIDGE_KEEP_MARGIN = 0.5


class _RowGram:
    """Inner products ``x_i'x_j`` of a pool of rows of ``X``, grown on demand (the active set's
    linear systems are on the points fitted exactly, which change little from step to step);
    past ``4 (p + 1)`` rows (128 MB at p = 1000) the pool starts again from the rows asked."""

    def __init__(self, X):
        self.X = X
        self.slot = np.full(X.shape[0], -1)
        self.rows = np.empty(0, dtype=np.intp)
        self.buffer = np.empty((0, 0))

    def of(self, rows):
        """The Gram matrix ``X[rows] X[rows]'``."""
        new = rows[self.slot[rows] < 0]
        limit = 4 * (self.X.shape[1] + 1)
        if new.size:
            if self.rows.size + new.size > limit:
                # the pool outgrew what one system can use: start again from these rows
                self.slot[self.rows] = -1
                self.rows, self.buffer = np.empty(0, dtype=np.intp), np.empty((0, 0))
                new = rows
            old = self.rows.size
            size = old + new.size
            if size > self.buffer.shape[0]:
                capacity = max(size, min(2 * size, limit))
                bigger = np.empty((capacity, capacity))
                bigger[:old, :old] = self.buffer[:old, :old]
                self.buffer = bigger
            fresh = self.X[new]
            self.buffer[old:size, :old] = fresh @ self.X[self.rows].T
            self.buffer[:old, old:size] = self.buffer[old:size, :old].T
            self.buffer[old:size, old:size] = fresh @ fresh.T
            self.slot[new] = np.arange(old, size)
            self.rows = np.concatenate([self.rows, new])
        places = self.slot[rows]
        return self.buffer[np.ix_(places, places)]


def _ridge_active_set_point(X, y, lam, tol, sides, gram):
    """One ridge point by a primal-dual active set method on the whole dual QP, many bounds
    changed per step (Hintermüller, Ito & Kunisch, 2002), from the last point's sets ``sides``
    (``+1`` / ``-1`` a dual at its upper / lower bound, ``0`` a point fitted exactly).

    At the optimum every point has its dual at the bound its residual's sign gives, except
    those fitted exactly (the set ``F``, at most ``p + 1`` points), whose duals solve the
    equality-constrained QP with the others fixed: ``X_F X_F' a_F + lam b 1 = lam y_F - X_F
    X_out' a_out`` and ``1'a_F = -1'a_out`` (the gradient's condition ``r_F = 0`` and the
    balance of the duals).  Each step solves that system for the current sets, then every
    dual of ``F`` beyond its bound goes to that bound and every fixed point whose residual has
    the wrong sign joins ``F`` (those nearest the fit first, while ``F`` has room).  The
    method may cycle (the Hessian is no M-matrix), so it stops after
    ``RIDGE_ACTIVE_SET_MAX_STEPS`` solves or once the gap has grown ``RIDGE_ACTIVE_SET_STALL``
    steps in a row.

    Returns ``(alpha, solved, steps, sides)``: ``solved`` is ``(coef, intercept, gap)``
    certified by :func:`_lad_ridge_certificate` (``gap <= tol``) and ``sides`` its sets (the
    next point's start: the certificate's ``alpha``, projected, need not show them), or
    ``solved`` is None.
    """
    n, p = X.shape
    bound = 1.0 / n
    sign = sides.copy()
    last, stalled, step = np.inf, 0, 0
    for step in range(1, RIDGE_ACTIVE_SET_MAX_STEPS + 1):
        free = np.flatnonzero(sign == 0.0)
        fixed = sign * bound
        shift = X.T @ fixed
        m = free.size
        system = np.zeros((m + 1, m + 1))
        system[:m, :m] = gram.of(free)
        system[:m, m] = system[m, :m] = 1.0
        rhs = np.append(lam * y[free] - X[free] @ shift, -fixed.sum())
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
                solution = scipy.linalg.solve(system, rhs, assume_a="sym", check_finite=False)
        except (scipy.linalg.LinAlgError, ValueError):
            break
        if not np.all(np.isfinite(solution)):
            break
        candidate = fixed.copy()
        candidate[free] = solution[:m]
        feasible, coef, intercept, gap = _lad_ridge_certificate(X, y, candidate, lam)
        if gap <= tol:
            return feasible, (coef, intercept, gap), step, sign
        stalled = 0 if gap < last else stalled + 1
        last = gap
        if stalled >= RIDGE_ACTIVE_SET_STALL:
            break
        # the residuals of the system's own solution (zero on F up to rounding)
        fit = y - X @ ((X[free].T @ solution[:m] + shift) / lam) - solution[m] / lam
        above, below = solution[:m] > bound, solution[:m] < -bound
        wrong = np.flatnonzero(sign * fit < 0.0)
        room = p + 1 - (m - above.sum() - below.sum())
        if wrong.size > room:
            # F cannot hold more than p + 1 points (its system would be singular)
            wrong = wrong[np.argsort(np.abs(fit[wrong]), kind="stable")[: max(room, 0)]]
        if not (above.any() or below.any() or wrong.size):
            break  # the sets are consistent, yet the gap is open: rounding has the upper hand
        sign[free[above]], sign[free[below]] = 1.0, -1.0
        sign[wrong] = 0.0
        if not np.any(sign == 0.0):
            sign[np.argmin(np.abs(fit))] = 0.0  # the duals' balance needs one point free
    return None, None, step, sides


def _dual_sides(alpha, residuals, limit):
    """The sets of :func:`_ridge_active_set_point` that a dual solution shows: each dual at a
    bound on that side, the points strictly inside fitted exactly, at most ``limit`` (``p + 1``)
    of them, those nearest the fit should the dual be an interior point's, and at least one."""
    sides = np.sign(alpha)
    inside = np.flatnonzero(np.abs(alpha) < (1.0 - 1e-6) / len(alpha))
    if inside.size > limit:
        inside = inside[np.argsort(np.abs(residuals[inside]), kind="stable")[:limit]]
    if inside.size == 0:
        inside = np.argsort(np.abs(residuals), kind="stable")[:1]
    sides[inside] = 0.0
    return sides


def _lad_ridge_certificate(X, y, solution, lam):
    """A dual solution made exactly feasible, its primal point and their relative duality gap.

    Returns ``(alpha, coef, intercept, gap)``: ``coef = X'alpha/lam``, the intercept the median of
    its residuals (the exact minimiser for that ``coef``), and ``gap`` relative to the primal
    objective; a feasible ``alpha`` makes the dual value a lower bound, so the gap is a certificate.
    """
    n = len(y)
    bound = 1.0 / n
    # back onto the feasible set exactly should rounding have drifted off it
    alpha = np.clip(solution, -bound, bound)
    if abs(alpha.sum()) > 1e-12 * bound:
        alpha = _project_dual(alpha, n)
    coef = X.T @ alpha / lam
    residuals = y - X @ coef
    intercept = float(np.median(residuals))
    ridge = 0.5 * lam * (coef @ coef)  # = ||X'a||^2 / (2 lam) since coef = X'a / lam
    primal = np.abs(residuals - intercept).mean() + ridge
    dual = alpha @ y - ridge
    return alpha, coef, intercept, (primal - dual) / max(abs(primal), 1e-300)


def _sign_vertex(y):
    """``sign(y - median(y)) / n`` balanced at the median: the dual optimum as ``lam -> inf``."""
    return AbsoluteLoss().null_scores(y) / len(y)


def lad_enet_path(X, y, lams, rho, options) -> PathResult:
    """L1 loss + elastic net by a globalised semismooth Newton method on the dual.

    The dual is ``min g(a) = -a'y + ||S_kappa(X'a)||^2 / (2 mu)`` over ``|a_i| <= 1/n``, ``sum(a) =
    0`` (``kappa = lam*rho``, ``mu = lam*(1 - rho)``), an n-dimensional problem. At the current
    ``a`` the features with ``|x_j'a| > kappa`` are active; dropping the others gives a quadratic
    model with the same value and gradient, whose minimiser over the constraints (a small dense box
    QP, solved to rounding by the active-set kernel of :mod:`normbench.models.kernels.box_qp`, warm
    started from ``a``) sets the search direction; a backtracking line search on ``g`` makes every
    step a descent. Once the active set is the optimal one the model is exact and the step lands on
    the optimum. The primal point is ``w = S_kappa(X'a)/mu`` with the median intercept, and the
    relative duality gap certifies it. Along the path each ``lam`` starts from the last optimum
    scaled by ``lam / lam'``, the dual point of the last coefficients. Should the kernel run out
    of iterations, HiGHS solves that step instead, and the point is then certified only down to
    its tolerances (``QP_GAP_FLOOR``).
    """
    n, p = X.shape
    if uses_interior_point("elasticnet", n, p):
        return _lad_elastic_ipm_path(X, y, lams, rho, options)
    path = PathRecorder(len(lams), p)
    alpha = previous = np.zeros(n)
    model = _LadEnetModel(X, 1.0 / n)
    for k, lam in enumerate(lams):
        kappa, mu = lam * rho, lam * (1.0 - rho)
        model.fallbacks = 0
        start = alpha
        if k > 0 and path.converged[k - 1] and 0.0 < lam < lams[k - 1]:
            # the last optimum scaled by lam / lam' maps to the last primal point exactly (on
            # its support x_j'a = kappa sign(w_j) + mu w_j, both terms proportional to lam; off
            # it |x_j'a| stays below kappa): a start whose gap is that of the last coefficients.
            # The first model QP starts from the unscaled optimum, whose bound set is the likely
            # one, so that its active-set kernel has few bounds to find
            start = alpha * (lam / lams[k - 1])
        previous = alpha
        alpha, coef, intercept, gap, steps = _lad_enet_newton(
            model, X, y, start, kappa, mu, options, qp_start=previous
        )
        target = options.tol if model.fallbacks == 0 else max(options.tol, QP_GAP_FLOOR)
        if gap > target and start is not previous:
            # stalled from the scaled start (near the rounding floor): again from the last optimum
            model.fallbacks = 0
            alpha, coef, intercept, gap, more = _lad_enet_newton(
                model, X, y, previous, kappa, mu, options
            )
            steps += more
            target = options.tol if model.fallbacks == 0 else max(options.tol, QP_GAP_FLOOR)
        note = f"{model.fallbacks} Newton steps by HiGHS" if model.fallbacks else ""
        failure = f"dual Newton stopped after {steps} steps, relative gap {gap:.3g}"
        failure += f" ({note})" if note else ""
        path.record(k, coef, intercept, gap <= target, steps, failure=failure, note=note)
    return path.result()


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


def _lad_enet_newton(model, X, y, alpha, kappa, mu, options, qp_start=None, max_steps=100):
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
        # the first model QP may start elsewhere (any feasible point will do)
        solution = model.solve(active, cost, alpha if qp_start is None else qp_start)
        qp_start = None
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


# ---------------------------------------------------------------------------------------------
# large n: an interior point method per lam (cost linear in n), finished exactly


def _lasso_gap(X, y, coef, intercept, alpha, lam):
    """Relative duality gap of ``(coef, intercept)`` for the LAD lasso (``lam > 0``), with
    ``alpha`` made exactly dual feasible (clipped, projected onto ``sum = 0``, scaled into
    ``|X'alpha| <= lam``): an upper bound on the point's relative suboptimality."""
    alpha = _feasible_dual(alpha, len(y))
    largest = float(np.max(np.abs(X.T @ alpha), initial=0.0))
    if largest > lam:
        alpha = alpha * (lam / largest)
    primal = np.abs(y - X @ coef - intercept).mean() + lam * np.abs(coef).sum()
    return (primal - alpha @ y) / max(primal, 1e-300)


def _vertex_start(simplex, X, y, coef, intercept, alpha=None, lam=0.0):
    """Set the simplex kernel's basis to the vertex nearest an interior point, or return False.

    The support is the point's clearly non-zero coefficients, the points fitted exactly the
    ``|support| + 1`` with the smallest residuals; the signs are those of the vertex itself, so
    the basis is primal feasible whatever the guess, and the kernel pivots from it to the optimum
    (few pivots where the guess is right, which is the interior point's job).  With the point's
    dual ``alpha`` (and ``lam > 0``), features whose dual score is clearly below ``lam`` stay out
    of the support (with every coefficient tiny, as where the null model is optimal, the
    relative threshold alone would take them all), and a point the vertex fits exactly without
    being in its basis (tied in ``y`` with one that is) takes the side of its dual: either side
    is feasible there, and the dual's makes the start's duals balance, where one side for all of
    hundreds of tied points would cost a degenerate pivot each.
    """
    n, p = X.shape
    magnitude = np.abs(coef)
    clearly_nonzero = magnitude > 1e-7 * max(float(magnitude.max(initial=0.0)), 1e-300)
    if alpha is not None and lam > 0.0:
        clearly_nonzero &= np.abs(X.T @ _feasible_dual(alpha, n)) >= lam * (1.0 - 1e-6)
    support = np.flatnonzero(clearly_nonzero)
    support = support[np.argsort(-magnitude[support], kind="stable")][: min(n - 1, p)]
    support = np.sort(support)
    k = support.size + 1
    fitted_exactly = np.argsort(np.abs(y - X @ coef - intercept), kind="stable")[:k]
    M = np.column_stack([np.ones(k), X[np.ix_(fitted_exactly, support)]])
    try:
        theta = np.linalg.solve(M, y[fitted_exactly])
    except np.linalg.LinAlgError:
        return False
    if not np.all(np.isfinite(theta)) or np.linalg.cond(M) > 1e12:
        return False
    residuals = y - theta[0] - X[:, support] @ theta[1:]
    simplex.zlist[:k] = fitted_exactly
    simplex.slist[: k - 1] = support
    simplex.sign_s[1:k] = np.where(theta[1:] >= 0.0, 1.0, -1.0)
    tie_side = np.ones(n) if alpha is None else np.where(alpha < 0.0, -1.0, 1.0)
    simplex.sign_r[:] = np.where(residuals == 0.0, tie_side, np.where(residuals > 0.0, 1.0, -1.0))
    simplex.sign_r[fitted_exactly] = 0.0
    simplex.k = k
    return True


def _ipm_lasso_point(X, y, lam, tol, simplex, working, residuals):
    """One LAD-lasso point by the interior point method, finished on the exact vertex.

    Returns ``(coef, intercept, alpha, iterations, converged, note)``.  The vertex (exact zeros, the
    simplex kernel's certificate) is preferred; should the kernel not certify it, the interior
    point itself is returned, certified by its duality gap, with the features whose dual score
    is strictly below ``lam`` set to exactly zero where that keeps the gap within ``tol``.
    """
    n, p = X.shape

    def gap_of(b, w, alpha):
        return _lasso_gap(X, y, w, b, alpha, lam)

    b, w, alpha, iterations, gap = _inside_if_open(
        _ipm_reduced(X, y, lam, 0.0, gap_of, tol, working, residuals),
        tol,
        lambda shift: _ipm_reduced(
            X, y, lam, 0.0, gap_of, tol, working, residuals, min_shift=shift
        ),
        y,
    )
    if _vertex_start(simplex, X, y, w, b, alpha, lam):
        solved = simplex.solve(lam, tol, max_iter=10 * (simplex.k + 10))
        if solved is not None:
            coef, intercept, pivots = solved
            return coef, intercept, alpha, iterations + pivots, True, ""
    # no certified vertex: the interior point, its clearly inactive features zeroed if that holds
    scores = np.abs(X.T @ alpha)
    rounded = np.where(scores < lam * (1.0 - 1e-6), 0.0, w)
    rounded_intercept = float(np.median(y - X @ rounded))
    rounded_gap = _lasso_gap(X, y, rounded, rounded_intercept, alpha, lam)
    if rounded_gap <= tol:
        return rounded, rounded_intercept, alpha, iterations, True, "interior point (no vertex)"
    return w, b, alpha, iterations, gap <= tol, "interior point (no vertex)"


#: from this many points on, the interior point method works on the points near the last fit
#: only: the others, whose residual signs the last solution predicts, are globbed into a linear
#: term (Portnoy & Koenker 1997), exactly while the signs hold, which is checked
GLOB_MIN_ROWS = 2000
#: points kept per feature of the working set (plus one), and at least this fraction of n
GLOB_KEEP_PER_FEATURE = 3
GLOB_KEEP_FRACTION = 0.1


def _ipm_reduced(
    X, y, l1, l2, gap_of, tol, working, residuals, start=None, keep_per_feature=None, min_shift=0.0
):
    """The interior point method on a working set of features and of points, both grown until
    the answer is the whole problem's; ``gap_of`` is then asked on all of ``X``.

    Features: those of ``working`` (all if None), grown by every feature whose dual score then
    exceeds ``l1``.  Points: all below :data:`GLOB_MIN_ROWS` or without ``residuals`` (the
    last fit's); else those with the smallest ``|residuals|`` (``keep_per_feature``, default
    :data:`GLOB_KEEP_PER_FEATURE`, per working feature plus one, and at least
    :data:`GLOB_KEEP_FRACTION` of them), the others entering as the linear term their signs
    give, and every globbed point whose sign turns out wrong joins the kept ones (``min_shift``
    goes to :func:`.kernels.lad_ipm.lad_ipm`).  At the end
    no globbed sign is wrong and no feature outside is violated, so the point solves the whole
    problem (the globbed objective is below the true one everywhere and equal to it there).
    Returns ``(b, w, alpha, iterations, gap)`` on all features and points.
    """
    n, p = X.shape
    working = np.arange(p) if working is None else _whole_if_most(working, p)
    globbing = residuals is not None and n >= GLOB_MIN_ROWS
    if globbing:
        per_feature = GLOB_KEEP_PER_FEATURE if keep_per_feature is None else keep_per_feature
        keep = max(int(per_feature * (working.size + 1)), int(GLOB_KEEP_FRACTION * n))
        kept = np.zeros(n, bool)
        kept[np.argsort(np.abs(residuals), kind="stable")[: min(n, keep)]] = True
    iterations = 0
    for _ in range(n + p):
        if globbing and not kept.all():
            above, below = ~kept & (residuals >= 0.0), ~kept & (residuals < 0.0)
            rows = np.flatnonzero(kept)
            columns = X[np.ix_(rows, working)]
            offset = np.empty(working.size + 1)
            offset[0] = below.sum() - above.sum()
            offset[1:] = X[below][:, working].sum(axis=0) - X[above][:, working].sum(axis=0)
        else:
            rows, above, below = None, np.zeros(n, bool), np.zeros(n, bool)
            columns = np.ascontiguousarray(X[:, working]) if working.size < p else X
            offset = None
        if start is not None:
            start_kept = (
                np.concatenate([[start[0]], start[1][working]]),
                n * (start[2] if rows is None else start[2][rows]),
            )
        b, w_working, alpha_kept, its, _ = lad_ipm(
            columns,
            y if rows is None else y[rows],
            l1,
            l2,
            target=tol * 1e-3,
            offset=offset,
            n_total=n,
            start=None if start is None else start_kept,
            min_shift=min_shift,
        )
        iterations += its
        if not (np.isfinite(b) and np.all(np.isfinite(w_working))):
            if not globbing or kept.all():
                return 0.0, np.zeros(p), np.zeros(n), iterations, np.inf
            # the globbed term outweighed the points kept (unbounded): keep twice as many
            keep = 2 * int(kept.sum())
            kept[np.argsort(np.abs(residuals), kind="stable")[: min(n, keep)]] = True
            continue
        w = np.zeros(p)
        w[working] = w_working
        alpha = np.where(above, 1.0 / n, np.where(below, -1.0 / n, 0.0))
        alpha[slice(None) if rows is None else rows] = alpha_kept
        fit = y - b - X @ w
        wrong = (above & (fit < 0.0)) | (below & (fit > 0.0))
        if wrong.any():
            kept |= wrong
            continue
        if l1 > 0.0 and working.size < p:
            outside = np.ones(p, bool)
            outside[working] = False
            scores = np.abs(X.T @ _feasible_dual(alpha, n))
            violators = np.flatnonzero(outside & (scores > l1 * (1.0 + 1e-9)))
            if violators.size:
                # each round is a solve from scratch: admit the features close to violating too
                near = np.flatnonzero(outside & (scores > l1 * (1.0 - WORKING_MARGIN)))
                working = _whole_if_most(np.union1d(working, near), p)
                continue
        break
    return b, w, alpha, iterations, gap_of(b, w, alpha)


#: features within this fraction of the penalty join the working set along with the violators
WORKING_MARGIN = 0.1


def _whole_if_most(working, p):
    """All features once the working set has a third of them: a solve costs (set size)^2, and
    a round of violators costs another whole solve."""
    working = np.asarray(working, dtype=np.intp)
    return np.arange(p) if 3 * working.size >= p else working


def _feasible_dual(alpha, n):
    """``alpha`` clipped into ``|alpha_i| <= 1/n`` and projected onto ``sum(alpha) = 0``."""
    alpha = np.clip(alpha, -1.0 / n, 1.0 / n)
    if abs(alpha.sum()) > 1e-12 / n:
        alpha = _project_dual(alpha, n)
    return alpha


def _elastic_gap(X, y, coef, intercept, alpha, l1, l2):
    """Relative duality gap of ``(coef, intercept)`` for the absolute loss with penalty
    ``l1 ||w||_1 + l2/2 ||w||^2`` (``l1 > 0`` or ``l2 > 0``), ``alpha`` made dual feasible."""
    n = len(y)
    if l2 == 0.0:
        return _lasso_gap(X, y, coef, intercept, alpha, l1)
    alpha = _feasible_dual(alpha, n)
    excess = np.maximum(np.abs(X.T @ alpha) - l1, 0.0)
    dual = alpha @ y - excess @ excess / (2.0 * l2)
    primal = np.abs(y - X @ coef - intercept).mean() + l1 * np.abs(coef).sum()
    primal += 0.5 * l2 * (coef @ coef)
    return (primal - dual) / max(abs(primal), 1e-300)


def _strong_set(X, alpha, lam, previous_lam, previous_coef):
    """The sequential strong rule's guess of the support at ``lam`` from the last dual optimum:
    the last support and every feature with ``|x_j'alpha| >= 2 lam - lam'``."""
    scores = np.abs(X.T @ _feasible_dual(alpha, X.shape[0]))
    guess = (scores >= 2.0 * lam - previous_lam) | (previous_coef != 0.0)
    return np.flatnonzero(guess)


def _ipm_elastic_point(X, y, kappa, mu, tol, working, residuals, start=None, keep_per_feature=None):
    """One point of the ridge (``kappa = 0``) or elastic net path by the interior point method,
    from ``start`` (the last point: fewer iterations) where given, from scratch should that
    not certify, and from scratch well inside should neither (the iterations of all counted).

    Returns ``(coef, intercept, alpha, iterations, gap)``.  The primal point preferred is the one
    the dual determines, ``S_kappa(X'alpha) / mu`` with the median intercept (exact zeros where
    ``|x_j'alpha| <= kappa``); the interior point itself where that one's gap is the larger.
    """
    solved = _ipm_elastic_solve(X, y, kappa, mu, tol, working, residuals, start, keep_per_feature)
    if solved[-1] > tol and start is not None:
        more = solved[3]
        solved = _ipm_elastic_solve(
            X, y, kappa, mu, tol, working, residuals, None, keep_per_feature
        )
        solved = (*solved[:3], solved[3] + more, solved[4])
    return _inside_if_open(
        solved,
        tol,
        lambda shift: _ipm_elastic_solve(
            X, y, kappa, mu, tol, working, residuals, None, keep_per_feature, shift
        ),
        y,
    )


def _inside_if_open(solved, tol, solve_from_inside, y):
    """An interior point answer ``(., ., alpha, iterations, gap)`` whose gap is open solved again
    from a start well inside, ``solve_from_inside(min_shift)``: the better of the two by their
    gap, with the iterations of both.

    The points kept nearest the last fit may all be tied in y (counts: hundreds of points at the
    median), fitted exactly by the start, whose residual parts then sit at the rounding floor,
    and the method crawls until it stalls; the second start sits as far inside as the whole
    problem's residual scale.
    """
    if solved[4] <= tol:
        return solved
    again = solve_from_inside(_residual_scale(y))
    better = again if again[4] < solved[4] else solved
    return (*better[:3], solved[3] + again[3], better[4])


def _residual_scale(y):
    """The null model's mean absolute residual: how far inside an interior point start sits."""
    return float(np.mean(np.abs(y - np.median(y))))


def _ipm_elastic_solve(
    X, y, kappa, mu, tol, working, residuals, start=None, keep_per_feature=None, min_shift=0.0
):
    """One interior point solve of :func:`_ipm_elastic_point` from ``start`` (or from scratch,
    its residual parts at least ``min_shift`` from zero)."""
    n = X.shape[0]

    def gap_of(b, w, alpha):
        return _elastic_gap(X, y, w, b, alpha, kappa, mu)

    b, w, alpha, iterations, gap = _ipm_reduced(
        X, y, kappa, mu, gap_of, tol, working, residuals, start, keep_per_feature, min_shift
    )
    dual = _feasible_dual(alpha, n)
    z = X.T @ dual
    coef = np.sign(z) * np.maximum(np.abs(z) - kappa, 0.0) / mu
    intercept = float(np.median(y - X @ coef))
    mapped_gap = _elastic_gap(X, y, coef, intercept, dual, kappa, mu)
    if mapped_gap <= tol or mapped_gap <= gap:
        return coef, intercept, dual, iterations, mapped_gap
    return w, b, dual, iterations, gap


#: the interior point method serves a penalty from this many points on (and with no more
#: features than points); below, the methods above are faster.  Measured at p = 1000 with 30
#: lams (benchmarks/README.md, 2026-12-04 22:02-22:31): l1 3.1x faster at n = 1000 already (the
#: classic solver over 240 s at n = 2000, as for none); elastic net 1.9x slower at n = 1000,
#: 1.15x faster at n = 2000 (crossover about 1800).  Ridge (2026-12-05, CPU seconds of one path,
#: the kept points' QP then the interior point, against the whole dual QP): 12.6 against 8.5 at
#: n = 4000, 15.0 against 16.0 at n = 6000, 18.5 at n = 10,000 (the whole dual's n x n Hessian
#: 0.8 GB there)
INTERIOR_POINT_MIN_ROWS = {"none": 1000, "l1": 1000, "l2": 6000, "elasticnet": 1800}


def uses_interior_point(penalty, n, p) -> bool:
    """Whether the LAD path for ``penalty`` at ``n x p`` goes to the interior point method."""
    return n >= INTERIOR_POINT_MIN_ROWS[penalty] and p <= n


def _lad_lasso_ipm_path(X, y, lams, options, scale):
    """LAD-lasso path (or the unpenalised fit, ``lams = [0]``) at large ``n``: per ``lam`` the
    interior point method on the strong rule's working set, finished on the exact vertex by the
    simplex kernel (certified as in :class:`_LadSimplex`)."""
    n, p = X.shape
    y_scaled = y / scale
    simplex = _LadSimplex(X, y_scaled)
    path = PathRecorder(len(lams), p)
    alpha = _sign_vertex(y_scaled)
    residuals = y_scaled - np.median(y_scaled)
    previous_lam, previous_coef = (lams[0] if len(lams) else 0.0), np.zeros(p)
    for k, lam in enumerate(lams):
        previous = (path.coefs[k - 1], path.intercepts[k - 1]) if k > 0 else None
        if k > 0 and path.converged[k - 1] and interpolates(X, y, *previous):
            path.record(k, *previous, True, 1)  # optimal below too (see lad_lasso_path)
            continue
        if lam == 0.0:
            coef, intercept, iterations, ok, note = _ipm_unpenalised(X, y_scaled, options, simplex)
        else:
            working = _strong_set(X, alpha, lam, previous_lam, previous_coef)
            coef, intercept, alpha, iterations, ok, note = _ipm_lasso_point(
                X, y_scaled, lam, options.tol, simplex, working, residuals
            )
            residuals = y_scaled - X @ coef - intercept
        failure = "interior point: relative duality gap above tol"
        path.record(k, coef * scale, intercept * scale, ok, iterations, failure=failure, note=note)
        previous_lam, previous_coef = lam, coef
    return path.result()


def _ipm_unpenalised(X, y, options, simplex):
    """The unpenalised LAD fit: interior point, then the simplex kernel at ``lam = 0`` from the
    nearest vertex (LP optimality of its basis, and the relative gap with its dual clipped)."""
    # the globbed points' signs from the least-squares fit: most of them hold for the LAD fit
    design = np.column_stack([np.ones(len(y)), X])
    residuals = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    b, w, _, iterations, _ = _ipm_reduced(
        X, y, 0.0, 0.0, lambda *_: np.nan, options.tol, None, residuals
    )
    if _vertex_start(simplex, X, y, w, b):
        solved = simplex.solve(0.0, options.tol, max_iter=10 * (simplex.k + 10))
        if solved is not None:
            coef, intercept, pivots = solved
            return coef, intercept, iterations + pivots, True, ""
    return w, b, iterations, False, "interior point (no vertex)"


def _lad_elastic_ipm_path(X, y, lams, rho, options):
    """Ridge (``rho = 0``) or elastic net path at large ``n``: the interior point method per
    ``lam`` (on the strong rule's working set where the penalty has an L1 part), certified by
    the relative duality gap (see :func:`_ipm_elastic_point`)."""
    n, p = X.shape
    path = PathRecorder(len(lams), p)
    alpha = _sign_vertex(y)
    residuals = y - np.median(y)
    previous_lam, previous_coef, previous_intercept = (
        (lams[0] if len(lams) else 0.0),
        np.zeros(p),
        0.0,
    )
    for k, lam in enumerate(lams):
        kappa, mu = lam * rho, lam * (1.0 - rho)
        working = _strong_set(X, alpha, kappa, previous_lam * rho, previous_coef) if rho else None
        start = (previous_intercept, previous_coef, alpha) if k > 0 else None
        coef, intercept, alpha, iterations, gap = _ipm_elastic_point(
            X, y, kappa, mu, options.tol, working, residuals, start
        )
        residuals = y - X @ coef - intercept
        failure = f"interior point: relative duality gap {gap:.3g}"
        path.record(k, coef, intercept, gap <= options.tol, iterations, failure=failure)
        previous_lam, previous_coef, previous_intercept = lam, coef, intercept
    return path.result()
