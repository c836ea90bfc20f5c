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

from normbench.models.kernels.dense import cholesky_substitute

#: relative proximal weight: eps = PROX_WEIGHT * max(1, max diag H)
PROX_WEIGHT = 1e-11


@njit(cache=True, fastmath=False)
def _reduced_step(H, grad, free, n_free, eps):
    """Minimiser step ``d`` over the free variables with ``sum(d) = 0``, and the multiplier.

    The equality is eliminated (the last free variable is minus the sum of the others), so the
    step keeps ``sum(a)`` exactly however ill-conditioned the model is along null directions.
    """
    d = np.zeros(n_free)
    last = free[n_free - 1]
    m = n_free - 1
    if m > 0:
        # reduced Hessian Z'(H + eps I)Z with Z = [I; -1'], and reduced gradient Z'g
        hll = H[last, last] + eps
        M = np.empty((m, m))
        rhs = np.empty(m)
        for i in range(m):
            fi = free[i]
            hil = H[fi, last]
            for j in range(m):
                fj = free[j]
                M[i, j] = H[fi, fj] - hil - H[last, fj] + hll
            M[i, i] += eps
            rhs[i] = -(grad[fi] - grad[last])
        cholesky_substitute(np.linalg.cholesky(M), rhs)
        total = 0.0
        for i in range(m):
            d[i] = rhs[i]
            total += rhs[i]
        d[m] = -total
    # multiplier of the equality: -(gradient after the step) on the free variables (all equal)
    nu = 0.0
    for k in range(n_free):
        i = free[k]
        s = grad[i] + eps * d[k]
        for q in range(n_free):
            s += H[i, free[q]] * d[q]
        nu -= s
    return d, nu / n_free


@njit(cache=True, fastmath=False)
def box_qp(H, c, a0, bound, eps, max_iter, tol):
    """Solve from the feasible start ``a0`` (``|a0_i| <= bound``, ``sum(a0) = 0``).

    Returns ``(a, status, iterations)``; status 0 means the KKT conditions hold.
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
    nu = 0.0
    for it in range(1, max_iter + 1):
        n_free = 0
        for i in range(n):
            if state[i] == 0:
                free[n_free] = i
                n_free += 1
        if n_free == 0:
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
            d, nu = _reduced_step(H, grad, free, n_free, eps)
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
                step_k = t * d[k]
                if step_k != 0.0:
                    for j in range(n):
                        grad[j] += H[j, i] * step_k
                    grad[i] += eps * step_k
            if blocking >= 0:
                i = free[blocking]
                if d[blocking] > 0.0:
                    a[i] = bound
                    state[i] = 1
                else:
                    a[i] = -bound
                    state[i] = -1
                continue
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
    return a, 1, max_iter
