"""Primal-dual interior point method for the absolute loss with L1 and L2 penalties.

Solves ``min 1/n sum|y - b - Xw| + l1 ||w||_1 + l2/2 ||w||^2`` for one penalty, as the LP / QP
(multiplied by ``n``)::

    min sum_i c_i (u_i + v_i) + (n l2 / 2) ||w||^2   s.t.   A theta + u - v = y_aug,  u, v >= 0

with ``theta = (b, w)``: the rows of ``A`` are the points ``[1, x_i]`` (cost ``c_i = 1``, response
``y_i``) and, when ``l1 > 0``, one row ``[0, e_j]`` per feature (cost ``n l1``, response 0): the
lasso is least absolute deviations on data augmented by a point per coefficient.  The dual
multipliers ``a`` of the rows lie in ``[-c, c]``; those of the points divided by ``n`` are the
``alpha`` of :mod:`normbench.models.lad` (``|alpha_i| <= 1/n``, ``sum(alpha) = 0``).

Mehrotra's predictor-corrector: each Newton system is reduced to the normal equations in
``theta``, ``([1, X]' W [1, X] + diag(0, W_pen + n l2)) d = rhs``, a ``(p+1) x (p+1)`` matrix formed
by one matrix product, ``O(n p^2)``, and factored by Cholesky.  The cost of an iteration is
linear in ``n``, and the iteration count grows only slowly with it, so this method scales in
``n`` where a simplex path (whose pivots grow with ``n`` and each cost ``O(n p)``) does not.

The iterates are interior: never exactly sparse nor exactly on a vertex.  The kernel only
proposes a point; the caller certifies it (``gap_of``, the relative duality gap with a dual made
exactly feasible) and, where an exact vertex or exact zeros are wanted, finishes from it.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

#: fraction of the way to the boundary that a step goes
STEP_FRACTION = 0.995
#: iterations over which the complementarity must at least halve, else the method stops
STALL_ITERATIONS = 4
#: a warm start (``start``): the residuals' parts shifted by this fraction of their mean, the
#: duals scaled by this factor, so that the start is well inside and near the central path
#: (15 % fewer iterations along a ridge path at n = 1000, p = 300 than from least squares)
WARM_SHIFT = 0.1
WARM_DUAL_PULL = 0.5


def lad_ipm(
    X,
    y,
    l1,
    l2,
    gap_of=None,
    target=1e-13,
    max_iter=100,
    offset=None,
    n_total=None,
    start=None,
    min_shift=0.0,
):
    """Interior point iterations until ``gap_of(b, w, alpha) <= target`` or, without ``gap_of``,
    until the complementarity falls below ``target`` times the objective.

    ``offset`` (length ``p + 1``) adds ``offset' theta / n_total`` to the objective: the points
    left out of ``X`` whose residual signs are known contribute that linear term (their absolute
    values are linear in ``theta`` while the signs hold).  ``n_total`` (default ``n``) is then the
    number of points of the whole problem, which scales the loss.  ``min_shift`` is the least
    distance of the start's residual parts from zero (see :data:`WARM_SHIFT`): the residuals of
    the points given may all be near zero (points tied in ``y``, kept nearest a fit that passes
    through them), and a start that close to the boundary moves by tiny steps while the duals
    must cross their whole range; the whole problem's residual scale as ``min_shift`` centres
    it.  Returns ``(b, w, alpha, iterations, gap)``, ``alpha`` the points' duals over
    ``n_total``, ``gap`` the last value of ``gap_of`` (``nan`` without it).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # (a diverging iterate is reported as such: non-finite coefficients)
        return _lad_ipm(X, y, l1, l2, gap_of, target, max_iter, offset, n_total, start, min_shift)


def _lad_ipm(X, y, l1, l2, gap_of, target, max_iter, offset, n_total, start, min_shift):
    n, p = X.shape
    n_total = n if n_total is None else n_total
    offset = np.zeros(p + 1) if offset is None else np.asarray(offset, dtype=float)
    penalised = l1 > 0.0
    rows = n + (p if penalised else 0)
    cost = np.concatenate([np.ones(n), np.full(p if penalised else 0, n_total * l1)])
    rho = n_total * l2
    y_aug = np.concatenate([y, np.zeros(rows - n)])
    column_sums = X.sum(axis=0)

    def times(theta):  # A theta
        fit = theta[0] + X @ theta[1:]
        return np.concatenate([fit, theta[1:]]) if penalised else fit

    def transposed_times(values):  # A' values
        head = values[:n]
        out = np.empty(p + 1)
        out[0] = head.sum()
        out[1:] = X.T @ head
        if penalised:
            out[1:] += values[n:]
        return out

    def normal_matrix(weights):
        # [1, X]' W [1, X] + diag(0, W_pen + rho): one product of the weighted design
        head = weights[:n]
        scaled = X * np.sqrt(head)[:, None]
        N = np.empty((p + 1, p + 1))
        N[1:, 1:] = scaled.T @ scaled
        N[0, 0] = head.sum()
        N[0, 1:] = N[1:, 0] = head @ X
        diagonal = np.full(p, rho)
        if penalised:
            diagonal += weights[n:]
        N[np.arange(1, p + 1), np.arange(1, p + 1)] += diagonal
        return N

    if start is None:
        # the least-squares (ridge) fit, residuals split into their positive and negative parts
        gram = np.empty((p + 1, p + 1))
        gram[1:, 1:] = X.T @ X
        gram[0, 0] = n
        gram[0, 1:] = gram[1:, 0] = column_sums
        gram[np.arange(1, p + 1), np.arange(1, p + 1)] += rho + (n * l1 if penalised else 0.0)
        gram += np.eye(p + 1) * (1e-10 * max(1.0, float(np.trace(gram)) / (p + 1)))
        theta = scipy.linalg.solve(gram, transposed_times(y_aug), assume_a="pos")
        a = np.zeros(rows)
        spread = 1.0
    else:
        # a nearby solution (the last lam's): its point and its duals pulled towards the centre
        theta = np.asarray(start[0], dtype=float).copy()
        a = np.zeros(rows)
        a[:n] = WARM_DUAL_PULL * np.clip(start[1], -1.0, 1.0)
        spread = WARM_SHIFT
    residual = y_aug - times(theta)
    shift = spread * float(np.mean(np.abs(residual[:n]))) if n else 0.0
    shift = max(shift, 1e-8 * max(1.0, float(np.abs(y).max(initial=0.0))), min_shift)
    u = np.maximum(residual, 0.0) + shift
    v = np.maximum(-residual, 0.0) + shift
    zu, zv = cost - a, cost + a
    gap = np.nan
    history = []
    for iteration in range(1, max_iter + 1):
        if not np.all(np.isfinite(theta)):
            # diverging: the problem is unbounded (a globbed linear term too heavy for the points
            # kept); the caller sees non-finite coefficients
            return theta[0], theta[1:], a[:n] / n_total, iteration, gap
        rp = y_aug - times(theta) - u + v
        rd = transposed_times(a) - offset
        rd[1:] -= rho * theta[1:]
        ru = cost - a - zu
        rv = cost + a - zv
        complementarity = u @ zu + v @ zv
        mu = complementarity / (2 * rows)
        objective = cost @ (u + v) + 0.5 * rho * (theta[1:] @ theta[1:])
        feasible = np.abs(rp[:n]).max(initial=0.0) <= 1e-8 * max(1.0, np.abs(y).max(initial=0.0))
        if gap_of is not None and feasible:
            gap = gap_of(theta[0], theta[1:], np.clip(a[:n], -1.0, 1.0) / n_total)
            if gap <= target:
                return theta[0], theta[1:], a[:n] / n_total, iteration, gap
        elif gap_of is None and feasible:
            dual_feasible = np.abs(rd).max() <= 1e-8 * max(1.0, np.abs(offset).max(), n**0.5)
            if dual_feasible and complementarity <= target * max(1.0, abs(objective)):
                return theta[0], theta[1:], a[:n] / n_total, iteration, gap
        history.append(complementarity)
        if len(history) > STALL_ITERATIONS and history[-1] > 0.5 * history[-1 - STALL_ITERATIONS]:
            # rounding has stopped the progress: the caller certifies what there is
            break
        g = u / zu + v / zv
        weights = 1.0 / g
        N = normal_matrix(weights)
        try:
            factor = scipy.linalg.cho_factor(N, check_finite=False)
        except np.linalg.LinAlgError:
            N[np.diag_indices_from(N)] += 1e-12 * max(1.0, float(np.trace(N)) / (p + 1))
            try:
                factor = scipy.linalg.cho_factor(N, check_finite=False)
            except np.linalg.LinAlgError:
                break

        state = (u, v, zu, zv, ru, rv, rp, rd, weights, factor, times, transposed_times)
        dtheta, du, dv, da, dzu, dzv = _direction(state, -u * zu, -v * zv)
        primal_step = min(_longest(u, du), _longest(v, dv))
        dual_step = min(_longest(zu, dzu), _longest(zv, dzv))
        if rho > 0.0:
            primal_step = dual_step = min(primal_step, dual_step)
        affine = (u + primal_step * du) @ (zu + dual_step * dzu)
        affine += (v + primal_step * dv) @ (zv + dual_step * dzv)
        sigma = (affine / max(complementarity, 1e-300)) ** 3
        qu = sigma * mu - u * zu - du * dzu
        qv = sigma * mu - v * zv - dv * dzv
        dtheta, du, dv, da, dzu, dzv = _direction(state, qu, qv)
        primal_step = STEP_FRACTION * min(_longest(u, du), _longest(v, dv))
        dual_step = STEP_FRACTION * min(_longest(zu, dzu), _longest(zv, dzv))
        if rho > 0.0:
            # the quadratic term couples primal and dual feasibility: one step for both
            primal_step = dual_step = min(primal_step, dual_step)
        theta = theta + primal_step * dtheta
        u = u + primal_step * du
        v = v + primal_step * dv
        a = a + dual_step * da
        zu = zu + dual_step * dzu
        zv = zv + dual_step * dzv
    return theta[0], theta[1:], a[:n] / n_total, iteration, gap


def _direction(state, qu, qv):
    """The Newton direction for complementarity targets ``u zu -> qu + u zu`` (and ``v``), by
    the normal equations in theta (the other unknowns follow from it elementwise)."""
    u, v, zu, zv, ru, rv, rp, rd, weights, factor, times, transposed_times = state
    h = (qu - u * ru) / zu - (qv - v * rv) / zv
    t = (rp - h) * weights
    dtheta = scipy.linalg.cho_solve(factor, rd + transposed_times(t), check_finite=False)
    da = t - times(dtheta) * weights
    dzu = ru - da
    dzv = rv + da
    du = (qu - u * dzu) / zu
    dv = (qv - v * dzv) / zv
    return dtheta, du, dv, da, dzu, dzv


def _longest(x, dx):
    """The largest step in [0, 1] that keeps ``x + step * dx >= 0``."""
    falling = dx < 0.0
    if not falling.any():
        return 1.0
    return float(min(1.0, np.min(-x[falling] / dx[falling])))
