"""Dense primal simplex for the LAD lasso on its small basis (numba kernel).

Solves ``min 1/n sum|y - b - Xw| + lam ||w||_1`` for one ``lam``, warm started from the basis of
the previous ``lam``.  A basic solution is described by the support ``S`` (with the signs of its
coefficients), the points ``Z`` that are fitted exactly, ``|Z| = |S| + 1``, and the signs of the
other residuals.  The intercept and ``w_S`` solve ``M theta = y_Z`` with the ``k x k`` matrix
``M = [1, X_S]`` restricted to the rows ``Z`` (``k = |S| + 1``), and the dual ``a`` (the LP's
row duals) is ``sign(r_i)/n`` off ``Z`` and solves ``M'a_Z = [0; lam sign(w_S)] - [1, X_S]_R'a_R``
on it.  This is the LP's basis with the identity part (the residuals off ``Z``) eliminated, so
each iteration costs ``O(k^2)`` for the basis plus one pass over ``X`` for pricing, against a
basis of size ``n`` in the standard form.

An iteration is a textbook primal simplex step: the entering variable is a feature with
``|x_j'a| > lam`` (its coefficient leaves zero with the sign of ``x_j'a``) or a point of ``Z``
with ``|a_i| > 1/n`` (its residual leaves zero with the sign of ``a_i``); along the edge the
first coefficient of ``S`` to reach zero or residual off ``Z`` to reach zero leaves.  The inverse
of ``M`` is kept explicitly and updated in ``O(k^2)`` (a column or row replaced, a row and column
added or deleted) and recomputed from scratch every ``REFRESH`` updates.  Ties in the ratio test
go to the largest pivot; after a run of degenerate steps the entering variable is chosen by
Bland's rule (lowest index), which cannot cycle.

The kernel only proposes a solution: the caller certifies it by the duality gap with a feasible
dual, and falls back to a general LP solver where it fails (status 1: iteration limit or a run of
more than ``n + p`` degenerate steps, 2: a pivot too small or an unbounded edge, both signs of
numerical trouble).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: basis updates between recomputations of the inverse (and of the primal point) from scratch
REFRESH = 50
#: degenerate steps in a row after which Bland's rule chooses the entering variable
DEGENERATE_RUN = 30


@njit(cache=True, fastmath=False)
def _rebuild(X, y, state):
    """Inverse of ``M`` from scratch, then ``theta`` and the residuals from it."""
    zlist, slist, k, B, theta, r = state
    M = np.empty((k, k))
    for q in range(k):
        i = zlist[q]
        M[q, 0] = 1.0
        for c in range(1, k):
            M[q, c] = X[i, slist[c - 1]]
    B[:k, :k] = np.linalg.inv(M)
    for c in range(k):
        s = 0.0
        for q in range(k):
            s += B[c, q] * y[zlist[q]]
        theta[c] = s
    n = X.shape[0]
    for i in range(n):
        fit = theta[0]
        for c in range(1, k):
            fit += X[i, slist[c - 1]] * theta[c]
        r[i] = y[i] - fit
    for q in range(k):
        r[zlist[q]] = 0.0


@njit(cache=True, fastmath=False)
def _times_b(B, k, w, out):
    """``out[:k] = w[:k]' B[:k, :k]``, along the rows of ``B``."""
    for q in range(k):
        out[q] = 0.0
    for c in range(k):
        weight = w[c]
        if weight != 0.0:
            for q in range(k):
                out[q] += weight * B[c, q]


@njit(cache=True, fastmath=False)
def _row_times_b(X, i, slist, B, k, work, out):
    """``out = [1, X[i, S]] B``: the basis row of point ``i`` times the inverse."""
    work[0] = 1.0
    for c in range(1, k):
        work[c] = X[i, slist[c - 1]]
    _times_b(B, k, work, out)


@njit(cache=True, fastmath=False)
def lad_lasso_simplex(X, Xt, y, lam, zlist, slist, sign_s, k0, sign_r, B, theta, r, max_iter):
    """Run the simplex at ``lam`` from the basis given by the state arrays (updated in place).

    ``zlist[:k]`` are the exactly fitted points, ``slist[:k-1]`` the support, ``theta[:k]`` the
    intercept and the support's coefficients, ``sign_s[1:k]`` their signs (kept apart: a
    coefficient may be zero in a degenerate basis), ``sign_r`` the residual signs off ``Z`` (0 on
    it),
    ``B[:k, :k]`` the inverse of ``M``, ``r`` the residuals.  Returns ``(status, k, iterations,
    a)``: status 0 optimal, 1 out of iterations, 2 numerical trouble.
    """
    n, p = X.shape
    bound = 1.0 / n
    k = k0
    in_s = np.zeros(p, dtype=np.bool_)
    for c in range(k - 1):
        in_s[slist[c]] = True
    zpos = -np.ones(n, dtype=np.int64)
    for q in range(k):
        zpos[zlist[q]] = q
    a = np.empty(n)
    rhs = np.empty(n)
    d = np.empty(n)
    dr = np.empty(n)
    u = np.empty(n)
    v = np.empty(n)
    updates = 0
    degenerate = 0
    scale_y = 0.0
    for i in range(n):
        scale_y = max(scale_y, abs(y[i]))
    scale_y = max(scale_y, 1e-300)
    for it in range(1, max_iter + 1):
        if updates >= REFRESH or it == 1:
            _rebuild(X, y, (zlist, slist, k, B, theta, r))
            updates = 0
        # the dual: a_R = sign(r)/n, M'a_Z = [0; lam sign(w_S)] - [1, X_S]_R'a_R
        total = 0.0
        for i in range(n):
            if zpos[i] < 0:
                a[i] = sign_r[i] * bound
                total += a[i]
        rhs[0] = -total
        for c in range(1, k):
            j = slist[c - 1]
            s = 0.0
            for i in range(n):
                if zpos[i] < 0:
                    s += Xt[j, i] * a[i]
            rhs[c] = lam * sign_s[c] - s
        _times_b(B, k, rhs, v)  # a_Z = B'rhs
        for q in range(k):
            a[zlist[q]] = v[q]
        scores = Xt @ a
        # pricing: the largest relative violation, or the lowest index in a degenerate run
        bland = degenerate >= DEGENERATE_RUN
        enter_feature, enter_point = -1, -1
        best = 1e-9
        for i in range(n):
            if zpos[i] < 0:
                continue
            excess = abs(a[i]) / bound - 1.0
            if excess > best:
                best = excess
                enter_point = i
                if bland:
                    break
        if not (bland and enter_point >= 0):
            for j in range(p):
                if in_s[j]:
                    continue
                excess = abs(scores[j]) / lam - 1.0 if lam > 0.0 else abs(scores[j]) / bound
                if excess > best:
                    best = excess
                    enter_feature = j
                    enter_point = -1
                    if bland:
                        break
        if enter_point < 0 and enter_feature < 0:
            return 0, k, it, a
        # the edge: d = change of theta per unit step, dr = change of the residuals off Z
        if enter_feature >= 0:
            j = enter_feature
            sigma = np.sign(scores[j])
            for c in range(k):
                s = 0.0
                for q in range(k):
                    s += B[c, q] * Xt[j, zlist[q]]
                d[c] = -sigma * s
        else:
            q_out = zpos[enter_point]
            sigma = np.sign(a[enter_point])
            for c in range(k):
                d[c] = -sigma * B[c, q_out]
        for i in range(n):
            if zpos[i] >= 0:
                dr[i] = 0.0
                continue
            fit = d[0]
            for c in range(1, k):
                fit += X[i, slist[c - 1]] * d[c]
            if enter_feature >= 0:
                fit += X[i, enter_feature] * sigma
            dr[i] = -fit
        if enter_point >= 0:
            dr[enter_point] = sigma
        # ratio test: the first coefficient of S or residual off Z to reach zero
        t = np.inf
        leave_coef, leave_point = -1, -1
        pivot = 0.0
        # (ties: the largest pivot; in a degenerate run the lowest index, points before features)
        # (entries of the edge below 1e-9 of its largest are rounding: a zero, no blocker)
        leave_index = n + p
        small_d, small_dr = 0.0, 0.0
        for c in range(1, k):
            small_d = max(small_d, abs(d[c]))
        for i in range(n):
            small_dr = max(small_dr, abs(dr[i]))
        small_d *= 1e-9
        small_dr *= 1e-9
        for c in range(1, k):
            if sign_s[c] * d[c] < -small_d:
                step = max(-theta[c] / d[c], 0.0)
                index = n + slist[c - 1]
                tie = step == t and (index < leave_index if bland else abs(d[c]) > pivot)
                if step < t or tie:
                    t, pivot, leave_index = step, abs(d[c]), index
                    leave_coef, leave_point = c, -1
        for i in range(n):
            if zpos[i] >= 0 or i == enter_point:
                continue
            if sign_r[i] * dr[i] < -small_dr:
                step = max(-r[i] / dr[i], 0.0)
                tie = step == t and (i < leave_index if bland else abs(dr[i]) / scale_y > pivot)
                if step < t or tie:
                    t, pivot, leave_index = step, abs(dr[i]) / scale_y, i
                    leave_coef, leave_point = -1, i
        if not np.isfinite(t):
            return 2, k, it, a
        degenerate = degenerate + 1 if t == 0.0 else 0
        if degenerate > n + p:
            # stalling on a highly degenerate vertex (hundreds of points tied in y fitted
            # exactly): Bland's rule ends the run, but after up to exponentially many steps
            return 1, k, it, a
        # move
        for c in range(k):
            theta[c] += t * d[c]
        for i in range(n):
            if zpos[i] < 0:
                r[i] += t * dr[i]
        if enter_point >= 0:
            r[enter_point] = t * sigma
        # the basis change and the update of B = M^{-1}
        if enter_feature >= 0 and leave_coef >= 0:
            # column leave_coef of M replaced by X[Z, j]: B u = -sigma d
            c0 = leave_coef
            piv = -sigma * d[c0]
            if abs(piv) < 1e-11:
                return 2, k, it, a
            for c in range(k):
                u[c] = -sigma * d[c]
            u[c0] -= 1.0
            for q in range(k):
                v[q] = B[c0, q] / piv
            for c in range(k):
                for q in range(k):
                    B[c, q] -= u[c] * v[q]
            in_s[slist[c0 - 1]] = False
            slist[c0 - 1] = enter_feature
            in_s[enter_feature] = True
            theta[c0] = t * sigma
            sign_s[c0] = sigma
        elif enter_feature >= 0:
            # a row (point leave_point) and a column (feature j) added: bordering
            j, i_new = enter_feature, leave_point
            for c in range(k):
                u[c] = -sigma * d[c]  # B X[Z, j]
            _row_times_b(X, i_new, slist, B, k, rhs, v)  # v = [1, X[i_new, S]] B
            schur = X[i_new, j]
            for q in range(k):
                schur -= v[q] * Xt[j, zlist[q]]
            if abs(schur) < 1e-11:
                return 2, k, it, a
            for c in range(k):
                for q in range(k):
                    B[c, q] += u[c] * v[q] / schur
                B[c, k] = -u[c] / schur
            for q in range(k):
                B[k, q] = -v[q] / schur
            B[k, k] = 1.0 / schur
            slist[k - 1] = j
            in_s[j] = True
            theta[k] = t * sigma
            sign_s[k] = sigma
            zlist[k] = i_new
            zpos[i_new] = k
            sign_r[i_new] = 0.0
            r[i_new] = 0.0
            k += 1
        elif leave_coef >= 0:
            # point enter_point leaves Z and coefficient leave_coef leaves S: row q_out and
            # column leave_coef deleted
            q_out, c0 = zpos[enter_point], leave_coef
            piv = B[c0, q_out]
            if abs(piv) < 1e-11:
                return 2, k, it, a
            for c in range(k):
                for q in range(k):
                    if c != c0 and q != q_out:
                        B[c, q] -= B[c, q_out] * B[c0, q] / piv
            # compact: drop row c0 and column q_out
            for c in range(c0, k - 1):
                for q in range(k):
                    B[c, q] = B[c + 1, q]
                theta[c] = theta[c + 1]
                sign_s[c] = sign_s[c + 1]
            for c in range(k - 1):
                for q in range(q_out, k - 1):
                    B[c, q] = B[c, q + 1]
            in_s[slist[c0 - 1]] = False
            for c in range(c0 - 1, k - 2):
                slist[c] = slist[c + 1]
            zpos[enter_point] = -1
            for q in range(q_out, k - 1):
                zlist[q] = zlist[q + 1]
                zpos[zlist[q]] = q
            sign_r[enter_point] = sigma
            k -= 1
        else:
            # point enter_point leaves Z, point leave_point joins: row q_out replaced
            q_out, i_new = zpos[enter_point], leave_point
            _row_times_b(X, i_new, slist, B, k, rhs, v)
            piv = v[q_out]
            if abs(piv) < 1e-11:
                return 2, k, it, a
            v[q_out] -= 1.0
            for c in range(k):
                u[c] = B[c, q_out] / piv
            for c in range(k):
                for q in range(k):
                    B[c, q] -= u[c] * v[q]
            zlist[q_out] = i_new
            zpos[i_new] = q_out
            zpos[enter_point] = -1
            sign_r[enter_point] = sigma
            sign_r[i_new] = 0.0
            r[i_new] = 0.0
        updates += 1
    return 1, k, max_iter, a
