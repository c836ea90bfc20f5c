"""Dense primal active-set solver for a box-constrained QP with one equality (numba kernel).

Solves ``min 1/2 a'Ha + c'a`` over ``|a_i| <= bound`` and ``sum(a) = 0`` for a small dense
positive semidefinite ``H`` (the Newton models of the LAD elastic net, ``n`` up to a few hundred).

The method is the textbook primal active-set method (Nocedal & Wright, 2006, Algorithm 16.3):
iterates stay feasible, a working set of variables is held at their bounds, each iteration
minimises the model over the free variables subject to the equality, and either steps to the
first bound in the way (which joins the working set) or, at the minimiser on the current free
set, releases the bound whose multiplier has the wrong sign.  It starts from a feasible point
and its bound set, so consecutive Newton models, which differ little, take few iterations.

``H`` may be singular (its rank is the number of active features).  A proximal term
``eps/2 ||a - a0||^2`` with a tiny ``eps`` makes every reduced system positive definite; for a
convex QP over a polyhedron such a regularisation is exact once ``eps`` is small enough (the
minimiser is then the optimum of the original problem closest to ``a0``; Friedlander & Tseng,
2007), and the caller certifies its own optimum independently anyway.

Termination is on the exact KKT conditions of the regularised problem up to rounding: every free
variable inside the box, every bound multiplier of the right sign (``tol`` relative to the size
of the gradient).  The kernel reports failure (status 1) when it runs out of iterations, so the
caller can fall back to a general-purpose QP solver.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: relative proximal weight: eps = PROX_WEIGHT * max(1, max diag H)
PROX_WEIGHT = 1e-11


@njit(cache=True, fastmath=False)
def _reduced_entry(H, i, j, last, eps):
    """Entry ``(i, j)`` of the reduced Hessian ``Z'(H + eps I)Z`` (``Z = [I; -1']``)."""
    value = H[i, j] - H[i, last] - H[last, j] + H[last, last] + eps
    if i == j:
        value += eps
    return value


@njit(cache=True, fastmath=False)
def _factorise(H, free, m, eps, L):
    """Cholesky factor of the reduced Hessian over ``free[:m]`` (pivot ``free[m]``) into ``L``."""
    last = free[m]
    M = np.empty((m, m))
    for i in range(m):
        for j in range(i + 1):
            M[i, j] = _reduced_entry(H, free[i], free[j], last, eps)
            M[j, i] = M[i, j]
    factor = np.linalg.cholesky(M)
    for i in range(m):
        for j in range(i + 1):
            L[i, j] = factor[i, j]


@njit(cache=True, fastmath=False)
def _delete(L, m, k):
    """Factor of the reduced Hessian without its ``k``-th row and column (``m`` -> ``m - 1``).

    Dropping row ``k`` of ``L`` leaves one superdiagonal in the rows below it; Givens rotations
    of neighbouring columns restore the triangle.
    """
    for i in range(k, m - 1):
        for j in range(i + 2):
            L[i, j] = L[i + 1, j]
    for j in range(k, m - 1):
        a, b = L[j, j], L[j, j + 1]
        r = np.hypot(a, b)
        c, s = a / r, b / r
        for i in range(j, m - 1):
            u, v = L[i, j], L[i, j + 1]
            L[i, j] = c * u + s * v
            L[i, j + 1] = -s * u + c * v
        if L[j, j] < 0.0:
            for i in range(j, m - 1):
                L[i, j] = -L[i, j]
    for i in range(m - 1):
        L[i, m - 1] = 0.0


@njit(cache=True, fastmath=False)
def _solve_factored(L, m, rhs):
    """Overwrite ``rhs[:m]`` with the solution of ``L L' x = rhs`` for the leading ``m x m``."""
    for i in range(m):
        s = rhs[i]
        for k in range(i):
            s -= L[i, k] * rhs[k]
        rhs[i] = s / L[i, i]
    for i in range(m - 1, -1, -1):  # by columns of L', that is along the rows of L
        rhs[i] /= L[i, i]
        x = rhs[i]
        for k in range(i):
            rhs[k] -= L[i, k] * x


#: rows of the factor's buffer at the start (it doubles as the free set grows)
FACTOR_START_ROWS = 64


@njit(cache=True, fastmath=False)
def _grown(L, rows, n):
    """A copy of the factor's buffer with at least ``rows`` rows (doubling, at most ``n``)."""
    size = min(n, max(rows, 2 * L.shape[0]))
    bigger = np.zeros((size, size))
    old = L.shape[0]
    bigger[:old, :old] = L
    return bigger


#: factor updates between refactorisations from scratch
REFACTOR_EVERY = 100


@njit(cache=True, fastmath=False)
def _refresh(H, a, a_ref, grad, eps):
    """Bring ``grad`` up to date with the moves of ``a`` since ``a_ref`` (then ``a_ref = a``)."""
    n = a.shape[0]
    for i in range(n):
        step = a[i] - a_ref[i]
        if step != 0.0:
            for j in range(n):
                grad[j] += H[i, j] * step  # H is symmetric: its row, read in order
            grad[i] += eps * step
            a_ref[i] = a[i]


@njit(cache=True, fastmath=False)
def box_qp(H, c, a0, bound, eps, max_iter, tol):
    """Solve from the feasible start ``a0`` (``|a0_i| <= bound``, ``sum(a0) = 0``).

    Returns ``(a, status, iterations)``; status 0 means the KKT conditions hold.

    The free variables are ``free[:m + 1]``, the last of them the pivot that the equality
    eliminates; ``L[:m, :m]`` is the Cholesky factor of the reduced Hessian over the others.  A
    variable that joins the bounds deletes its row and column from the factor, a released one
    appends them, each in ``O(m^2)``; the factor is rebuilt from scratch when the pivot itself
    reaches a bound, when an appended pivot of the factor is not safely positive, and every
    ``REFACTOR_EVERY`` updates.
    """
    n = H.shape[0]
    a = a0.copy()
    # state: +1 held at the upper bound, -1 at the lower bound, 0 free
    state = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if a[i] >= bound:
            a[i] = bound
            state[i] = 1
        elif a[i] <= -bound:
            a[i] = -bound
            state[i] = -1
    grad = H @ a + c  # the proximal term's gradient is zero at a0
    scale = 0.0
    for i in range(n):
        scale = max(scale, abs(grad[i]))
    scale = max(scale, 1e-300)
    free = np.empty(n, dtype=np.int64)
    # the factor's rows grow with the free set (at most p + 1 or so for the LAD duals, whose n
    # may be 10^4): doubling on demand keeps the memory at the free set's, not n x n
    L = np.zeros((min(n, FACTOR_START_ROWS), min(n, FACTOR_START_ROWS)))
    d = np.empty(n)
    column = np.empty(n)
    # the full gradient is brought up to date only where the bound multipliers are checked; in
    # between, the free variables' gradient is tracked up to a common constant (all a step needs):
    # after a step t along the reduced minimiser's direction it is (1 - t) times what it was
    a_ref = a.copy()
    gfree = grad.copy()
    n_free = 0
    stale = True
    updates = 0
    nu = 0.0
    for it in range(1, max_iter + 1):
        if stale:
            n_free = 0
            for i in range(n):
                if state[i] == 0:
                    free[n_free] = i
                    n_free += 1
            if n_free > 1:
                if n_free - 1 > L.shape[0]:
                    L = _grown(L, n_free - 1, n)
                _factorise(H, free, n_free - 1, eps, L)
            stale = False
            updates = 0
        if n_free == 0:
            _refresh(H, a, a_ref, grad, eps)
            # a vertex: the multiplier of the equality is any value that suits both bound sets
            lo, hi = -np.inf, np.inf
            for i in range(n):
                if state[i] == 1:
                    hi = min(hi, -grad[i])
                else:
                    lo = max(lo, -grad[i])
            nu = 0.5 * (lo + hi)
            if not np.isfinite(nu):
                nu = lo if np.isfinite(lo) else hi
        else:
            # minimiser step over the free variables with sum(d) = 0, the pivot eliminated: the
            # step keeps sum(a) exactly however ill-conditioned the model is along null directions
            m = n_free - 1
            last = free[m]
            for k in range(m):
                d[k] = -(gfree[free[k]] - gfree[last])
            _solve_factored(L, m, d)
            total = 0.0
            for k in range(m):
                total += d[k]
            d[m] = -total
            # longest feasible step along d, up to 1
            t = 1.0
            blocking = -1
            for k in range(n_free):
                i = free[k]
                if d[k] > 0.0:
                    room = (bound - a[i]) / d[k]
                elif d[k] < 0.0:
                    room = (-bound - a[i]) / d[k]
                else:
                    continue
                if room < t:
                    t = room
                    blocking = k
            t = max(t, 0.0)
            for k in range(n_free):
                i = free[k]
                a[i] += t * d[k]
                gfree[i] *= 1.0 - t
            if blocking >= 0:
                i = free[blocking]
                if d[blocking] > 0.0:
                    a[i] = bound
                    state[i] = 1
                else:
                    a[i] = -bound
                    state[i] = -1
                if blocking == m or updates >= REFACTOR_EVERY:
                    stale = True  # the pivot left (or the factor is due): rebuild
                else:
                    _delete(L, m, blocking)
                    for k in range(blocking, n_free - 1):
                        free[k] = free[k + 1]
                    n_free -= 1
                    updates += 1
                continue
            # at the minimiser: the gradient is the same on every free variable, -nu
            _refresh(H, a, a_ref, grad, eps)
            nu = 0.0
            for k in range(n_free):
                nu -= grad[free[k]]
                gfree[free[k]] = grad[free[k]]
            nu /= n_free
        # at the minimiser on the current free set: check the bound multipliers
        worst = tol * scale
        release = -1
        for i in range(n):
            if state[i] == 1:
                v = grad[i] + nu  # > 0: lowering a_i would reduce the model
            elif state[i] == -1:
                v = -(grad[i] + nu)
            else:
                continue
            if v > worst:
                worst = v
                release = i
        if release < 0:
            return a, 0, it
        state[release] = 0
        gfree[release] = grad[release]
        if stale or updates >= REFACTOR_EVERY:
            stale = True
        elif n_free == 0:
            free[0] = release
            n_free = 1
        else:
            # append the released variable to the factor, ahead of the pivot
            m = n_free - 1
            last = free[m]
            for k in range(m):
                column[k] = _reduced_entry(H, free[k], release, last, eps)
            for k in range(m):
                s = column[k]
                for q in range(k):
                    s -= L[k, q] * column[q]
                column[k] = s / L[k, k]
            s = _reduced_entry(H, release, release, last, eps)
            for k in range(m):
                s -= column[k] * column[k]
            if s < 0.5 * eps:
                stale = True  # rounding has the upper hand: rebuild
            else:
                if m + 1 > L.shape[0]:
                    L = _grown(L, m + 1, n)
                for k in range(m):
                    L[m, k] = column[k]
                L[m, m] = np.sqrt(s)
                free[m] = release
                free[m + 1] = last
                n_free += 1
                updates += 1
    return a, 1, max_iter
