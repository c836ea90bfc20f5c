"""Proximal coordinate descent for the Huber loss with an elastic-net penalty (numba kernels).

Minimises ``(1/n) sum huber_delta(y - b - X w) + kappa*||w||_1 + mu/2*||w||^2`` with
``kappa = lam*l1_ratio`` and ``mu = lam*(1 - l1_ratio)``.  Each coordinate takes a proximal
step on the quadratic majoriser built from the largest curvature of the Huber loss (1), which is
exact on residuals inside the quadratic zone and conservative outside it.  The run stops on a
certificate, the largest violation of the optimality (KKT) conditions, never on a count alone.

Work grows with the working set, not with ``p``: sweeps run over the features admitted so far
(the nonzero coefficients and the KKT violators), and only once those settle does one streaming
pass over all features recompute the full gradient, certify, or admit the next violators.  The
gradient at the solution is handed to the next ``lam`` of the path, whose first check is then free.

On nearly collinear features (``p > n``, late in a path) coordinate descent needs hundreds of
sweeps per ``lam``, so every few sweeps a Newton step on the smooth piece of the objective that
holds the current point (signs of the nonzero coefficients and Huber zones fixed) jumps to that
piece's optimum, cut at the first sign change and checked for descent; the certificate is
unchanged.  An Anderson extrapolation is tried only once its history of iterates fills between two
Newton steps, which is rare (none in 1,920 ``lam`` points of the default study's paths, see
benchmarks/README.md): the Newton steps do the accelerating.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from normbench.models.kernels.dense import cholesky_substitute


@njit(cache=True, fastmath=False)
def _psi(r, delta):
    if r > delta:
        return delta
    if r < -delta:
        return -delta
    return r


@njit(cache=True, fastmath=False)
def _soft(x, t):
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return 0.0


@njit(cache=True, fastmath=False)
def _kkt_violation_j(grad_j, w_j, kappa, mu):
    """Distance of zero from the subdifferential in coordinate j."""
    g = grad_j + mu * w_j
    if w_j > 0.0:
        return abs(g + kappa)
    if w_j < 0.0:
        return abs(g - kappa)
    v = abs(g) - kappa
    return v if v > 0.0 else 0.0


@njit(cache=True, fastmath=False)
def _grad_j(X, psi_r, j, inv_n):
    s = 0.0
    for i in range(X.shape[0]):
        s += X[i, j] * psi_r[i]
    return -s * inv_n


@njit(cache=True, fastmath=False)
def _sweep(X, r, psi_r, w, b_arr, lips, coords, kappa, mu, delta, inv_n):
    """One cyclic pass over ``coords`` then the intercept; residuals kept in sync.

    Returns the largest KKT violation met on the way, each coordinate's taken just before its
    update: not a certificate (later updates move earlier coordinates' gradients), but while it
    exceeds the tolerance the exact check after the sweep would fail too, so it can be skipped.
    """
    n = X.shape[0]
    met = 0.0
    for k in range(coords.shape[0]):
        j = coords[k]
        if lips[j] == 0.0:
            continue
        grad = _grad_j(X, psi_r, j, inv_n)
        old = w[j]
        v = _kkt_violation_j(grad, old, kappa, mu)
        if v > met:
            met = v
        new = _soft(old - grad / lips[j], kappa / lips[j]) / (1.0 + mu / lips[j])
        if new != old:
            diff = new - old
            w[j] = new
            for i in range(n):
                r[i] -= X[i, j] * diff
                psi_r[i] = _psi(r[i], delta)
    # intercept: the loss curvature is at most 1 and the intercept's column is all ones
    step = 0.0
    for i in range(n):
        step += psi_r[i]
    step *= inv_n
    if step != 0.0:
        b_arr[0] += step
        for i in range(n):
            r[i] -= step
            psi_r[i] = _psi(r[i], delta)
    return max(met, abs(step))


@njit(cache=True, fastmath=False)
def _max_violation(X, psi_r, w, coords, kappa, mu, inv_n):
    worst = 0.0
    for k in range(coords.shape[0]):
        j = coords[k]
        v = _kkt_violation_j(_grad_j(X, psi_r, j, inv_n), w[j], kappa, mu)
        if v > worst:
            worst = v
    return worst


ANDERSON_DEPTH = 5
#: sweeps before the first Newton step on a working set (doubled after each step that falls short)
NEWTON_FIRST = 3
#: Newton steps chained while each is cut short at a sign change
NEWTON_CHAIN = 4
#: a Newton step that crosses zero tries its full length, then halves it, each projected onto the
#: current orthant, this many times at most (while it stays past the first crossing)
PROJECTED_TRIES = 10
#: Levenberg-Marquardt damping, relative to the largest curvature, when the Newton system is
#: singular
NEWTON_DAMPING = 1e-3
#: the Gram matrix of the Newton systems holds at most this many features per row of ``X``
#: (beyond it the ``n``-dimensional Woodbury form is cheaper) ...
GRAM_FEATURES_PER_ROW = 1.5
#: ... and at most this many in all ((cap + 1)^2 doubles: 128 MB)
GRAM_MAX_FEATURES = 4000
#: the Gram matrix is formed afresh once more than one row in this many changed Huber zone ...
GRAM_REBUILD_SHARE = 16
#: ... or more than this many features are missing from it (one matrix product beats appending
#: them one by one)
GRAM_ADMIT_ONE_BY_ONE = 8
#: ``X_S X_S'`` of the Woodbury form is formed afresh once more than one support feature in this
#: many changed ...
ROW_GRAM_REFORM_SHARE = 16
#: ... or after this many rank-one updates
ROW_GRAM_MAX_UPDATES = 256


@njit(cache=True, fastmath=False)
def _objective(r, w, active, kappa, mu, delta):
    n = r.shape[0]
    total = 0.0
    for i in range(n):
        a = abs(r[i])
        total += 0.5 * r[i] * r[i] if a <= delta else delta * a - 0.5 * delta * delta
    total /= n
    for k in range(active.shape[0]):
        v = w[active[k]]
        total += kappa * abs(v) + 0.5 * mu * v * v
    return total


@njit(cache=True, fastmath=False)
def _anderson_step(X, y, r, psi_r, w, b_arr, active, history, kappa, mu, delta):
    """Anderson extrapolation of the last iterates on the active set, kept only if it helps.

    Coordinate descent converges linearly and its iterates line up along a few directions;
    the extrapolation (as in skglm) skips ahead along them.  Accepting it only when the objective
    decreases keeps every iterate a descent step, so the certificate logic is unchanged.
    """
    depth = history.shape[0] - 1
    m = history.shape[1]
    diffs = history[1:] - history[:-1]
    gram = diffs @ diffs.T
    scale = 0.0
    for k in range(depth):
        scale = max(scale, gram[k, k])
    if scale == 0.0:
        return
    for k in range(depth):
        gram[k, k] += 1e-10 * scale
    weights = np.linalg.solve(gram, np.ones(depth))
    total = weights.sum()
    if total == 0.0 or not np.isfinite(total):
        return
    weights /= total
    point = weights @ history[1:]
    n = X.shape[0]
    trial = np.empty(n)
    b_new = point[m - 1]
    for i in range(n):
        s = y[i] - b_new
        for k in range(m - 1):
            s -= X[i, active[k]] * point[k]
        trial[i] = s
    w_trial = w.copy()
    for k in range(m - 1):
        w_trial[active[k]] = point[k]
    if _objective(trial, w_trial, active, kappa, mu, delta) < _objective(
        r, w, active, kappa, mu, delta
    ):
        for k in range(m - 1):
            w[active[k]] = point[k]
        b_arr[0] = b_new
        for i in range(n):
            r[i] = trial[i]
            psi_r[i] = _psi(trial[i], delta)


@njit(cache=True, fastmath=False)
def _cholesky_factor(H):
    """Cholesky factor of a symmetric ``H``; ``ok`` is False when ``H`` is not safely positive
    definite (a pivot below ``1e-12`` of the largest diagonal entry)."""
    m = H.shape[0]
    top = 0.0
    for j in range(m):
        top = max(top, H[j, j])
    try:
        L = np.linalg.cholesky(H)
    except Exception:  # numba raises LinAlgError for an indefinite H; only a bare catch compiles
        return False, H
    for j in range(m):
        if not L[j, j] * L[j, j] > 1e-12 * top:
            return False, L
    return True, L


@njit(cache=True, fastmath=False)
def _cholesky_solve(H, g):
    """Solve ``H d = g`` for a symmetric ``H``; ``ok`` as in :func:`_cholesky_factor`."""
    ok, L = _cholesky_factor(H)
    d = np.zeros(H.shape[0])
    if ok:
        d[:] = g
        cholesky_substitute(L, d)
    return ok, d


@njit(cache=True, fastmath=False)
def _woodbury_solve(design, mu, g, n, K):
    """Solve the Newton system of :func:`_newton_step` in ``n`` dimensions when ``m >= n``.

    ``design = [A, e]`` holds the support's columns and the intercept's, rows outside the Huber
    zone zeroed.  The coefficient block ``A'A/n + mu I`` is inverted through the ``n x n`` matrix
    ``K = n mu I + AA'`` (Woodbury), and the intercept is eliminated by its Schur complement.
    ``K`` comes from the caller (:func:`_row_gram_for`); an empty one is formed here.
    """
    m = design.shape[1] - 1
    A = np.ascontiguousarray(design[:, :m])
    e = np.ascontiguousarray(design[:, m])
    if K.shape[0] != n:
        K = A @ A.T
        for i in range(K.shape[0]):
            K[i, i] += n * mu
    h = (A.T @ e) / n
    gw = np.ascontiguousarray(g[:m])
    d = np.zeros(m + 1)
    ok, L = _cholesky_factor(K)
    if not ok:
        return False, d
    z1 = A @ gw
    cholesky_substitute(L, z1)
    z2 = A @ h
    cholesky_substitute(L, z2)
    inv_gw = (gw - A.T @ z1) / mu
    inv_h = (h - A.T @ z2) / mu
    schur = (e @ e) / n - h @ inv_h
    if not schur > 1e-12 * max((e @ e) / n, 1e-300):
        return False, d
    db = (g[m] - h @ inv_gw) / schur
    d[:m] = inv_gw - db * inv_h
    d[m] = db
    return True, d


def newton_workspace(n, p):
    """The buffers the Newton steps of one path share: :func:`gram_workspace` and
    :func:`row_gram_workspace`."""
    return gram_workspace(n, p), row_gram_workspace(n, p)


def row_gram_workspace(n, p):
    """Buffers for ``X_S X_S'``, the ``n x n`` matrix of the Woodbury form, shared along a path.

    ``(KS, held, state)``: ``KS`` over the features ``held`` marks; ``state`` holds the rank-one
    updates since it was formed and whether it is formed.  Empty (never used) unless the support
    can outgrow the Gram matrix of :func:`gram_workspace` and ``n <= GRAM_MAX_FEATURES``.
    """
    size = n if p > GRAM_FEATURES_PER_ROW * n and n <= GRAM_MAX_FEATURES else 0
    return np.zeros((size, size)), np.zeros(p, dtype=np.bool_), np.zeros(2, dtype=np.int64)


@njit(cache=True, fastmath=False)
def _row_gram_for(X, support, inside, mu, rows):
    """``K = D X_S X_S' D + n mu I`` (``D``: the rows inside the Huber zone), from ``rows``.

    Features that joined or left the support since the last step are added or removed by rank-one
    updates of ``X_S X_S'``; it is formed afresh when many changed or after many updates (their
    rounding adds up).  An empty matrix is returned when the workspace is empty.
    """
    KS, held, state = rows
    n, p = X.shape
    if KS.shape[0] != n:
        return np.zeros((0, 0))
    m = support.shape[0]
    wanted = np.zeros(p, dtype=np.bool_)
    for k in range(m):
        wanted[support[k]] = True
    changed = 0
    for j in range(p):
        if wanted[j] != held[j]:
            changed += 1
    if state[1] == 0 or changed * ROW_GRAM_REFORM_SHARE > m or state[0] > ROW_GRAM_MAX_UPDATES:
        columns = np.empty((n, m))
        for i in range(n):
            for k in range(m):
                columns[i, k] = X[i, support[k]]
        KS[:, :] = columns @ columns.T
        held[:] = wanted
        state[0] = 0
        state[1] = 1
    elif changed > 0:
        column = np.empty(n)
        for j in range(p):
            if wanted[j] != held[j]:
                sign = 1.0 if wanted[j] else -1.0
                for i in range(n):
                    column[i] = X[i, j]
                for i in range(n):
                    f = sign * column[i]
                    for q in range(n):
                        KS[i, q] += f * column[q]
                held[j] = wanted[j]
        state[0] += changed
    K = np.zeros((n, n))
    for i in range(n):
        if inside[i]:
            for q in range(n):
                if inside[q]:
                    K[i, q] = KS[i, q]
        K[i, i] += n * mu
    return K


def gram_workspace(n, p):
    """Buffers for the Gram matrix that the Newton steps of one path share.

    ``(gram, members, position, state, gram_inside)``: ``gram[0]`` is the intercept's row and
    ``gram[k]`` that of feature ``members[k-1]``, over the rows ``gram_inside`` marks;
    ``position[j]`` is feature ``j``'s row (0: not held); ``state`` holds the number of features
    held and whether the matrix is formed.  The capacity is ``GRAM_FEATURES_PER_ROW * n`` features
    (past it the ``n``-dimensional Woodbury form is cheaper), at most ``p`` and
    ``GRAM_MAX_FEATURES``.
    """
    capacity = int(min(p, GRAM_FEATURES_PER_ROW * n, GRAM_MAX_FEATURES))
    return (
        np.zeros((capacity + 1, capacity + 1)),
        np.zeros(capacity, dtype=np.int64),
        np.zeros(p, dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.zeros(n, dtype=np.bool_),
    )


@njit(cache=True, fastmath=False)
def _form_gram(X, features, inside, workspace):
    """Form ``[1, X_F]' D [1, X_F]`` afresh by one matrix product (``D``: the rows ``inside``)."""
    gram, members, position, state, gram_inside = workspace
    for k in range(state[0]):
        position[members[k]] = 0
    n = X.shape[0]
    a = features.shape[0]
    design = np.zeros((n, a + 1))
    for i in range(n):
        if inside[i]:
            design[i, 0] = 1.0
            for k in range(a):
                design[i, k + 1] = X[i, features[k]]
    gram[: a + 1, : a + 1] = design.T @ design
    for k in range(a):
        members[k] = features[k]
        position[features[k]] = k + 1
    state[0] = a
    state[1] = 1
    gram_inside[:] = inside


@njit(cache=True, fastmath=False)
def _admit_to_gram(X, j, workspace):
    """Append feature ``j``'s row and column (``n`` times the features held)."""
    gram, members, position, state, gram_inside = workspace
    q = state[0] + 1
    members[q - 1] = j
    position[j] = q
    state[0] = q
    for k in range(q + 1):
        gram[q, k] = 0.0
    for i in range(X.shape[0]):
        if gram_inside[i]:
            xij = X[i, j]
            gram[q, 0] += xij
            for k in range(1, q + 1):
                gram[q, k] += xij * X[i, members[k - 1]]
    for k in range(q):
        gram[k, q] = gram[q, k]


@njit(cache=True, fastmath=False)
def _gram_for(X, support, active, inside, workspace):
    """Bring the workspace to the current Huber zones and make it hold every feature of
    ``support``; False when it cannot (the support exceeds its capacity).

    Rows that entered or left the zone are added or removed by rank-one updates and a few missing
    features are appended one by one; when many rows or features changed (or nothing is formed
    yet) the matrix is formed afresh over the active set (over the support alone if the active
    set does not fit).
    """
    gram, members, position, state, gram_inside = workspace
    capacity = members.shape[0]
    if support.shape[0] > capacity:
        return False
    n = X.shape[0]
    refresh = active if active.shape[0] <= capacity else support
    if state[1] == 0:
        _form_gram(X, refresh, inside, workspace)
        return True
    changed = 0
    for i in range(n):
        if inside[i] != gram_inside[i]:
            changed += 1
    missing = 0
    for k in range(support.shape[0]):
        if position[support[k]] == 0:
            missing += 1
    if (
        changed * GRAM_REBUILD_SHARE > n
        or missing > GRAM_ADMIT_ONE_BY_ONE
        or state[0] + missing > capacity
    ):
        _form_gram(X, refresh, inside, workspace)
        return True
    if changed > 0:
        c = state[0]
        row = np.empty(c + 1)
        row[0] = 1.0
        for i in range(n):
            if inside[i] != gram_inside[i]:
                sign = 1.0 if inside[i] else -1.0
                for k in range(c):
                    row[k + 1] = X[i, members[k]]
                for k in range(c + 1):
                    f = sign * row[k]
                    for q in range(c + 1):
                        gram[k, q] += f * row[q]
                gram_inside[i] = inside[i]
    for k in range(support.shape[0]):
        if position[support[k]] == 0:
            _admit_to_gram(X, support[k], workspace)
    return True


@njit(cache=True, fastmath=False)
def _take_trial(w, w_trial, support, b_arr, intercept_step, r, psi_r, trial, delta):
    """Move to a Newton trial point that passed its descent check: its coefficients on the
    support, the intercept moved by ``intercept_step``, its residuals and their clipped values."""
    for k in range(support.shape[0]):
        w[support[k]] = w_trial[support[k]]
    b_arr[0] += intercept_step
    for i in range(r.shape[0]):
        r[i] = trial[i]
        psi_r[i] = _psi(trial[i], delta)


@njit(cache=True, fastmath=False)
def _newton_step(X, y, r, psi_r, w, b_arr, active, kappa, mu, delta, inv_n, workspace, rows):
    """Newton step on the smooth piece of the objective that holds the current point.

    With the signs of the nonzero coefficients and the set of residuals inside the Huber zone
    fixed, the objective is a quadratic in ``(w_S, b)``; its minimiser solves one linear system.
    The step is cut where a coefficient first crosses zero (that coefficient is set to zero) and,
    for the Huber loss, whose zones may change along the step, halved until the objective
    decreases.  For the squared loss a full step lands on the exact optimum of the support, which
    coordinate descent on nearly collinear features approaches only after many sweeps.  Every
    accepted step decreases the objective, so the certificate logic is unchanged.

    The system is gathered from the Gram matrix in ``workspace`` (:func:`gram_workspace`), kept
    up to date between steps and from one ``lam`` to the next (:func:`_gram_for`); a support too
    large for it is solved in ``n`` dimensions (Woodbury), with ``X_S X_S'`` kept in ``rows``
    (:func:`row_gram_workspace`) likewise.

    Returns 2 for a full step, 1 for a shortened one, 0 when no step was taken.
    """
    n = X.shape[0]
    m = 0
    for k in range(active.shape[0]):
        if w[active[k]] != 0.0:
            m += 1
    if m == 0:
        return 0
    support = np.empty(m, dtype=np.int64)
    m = 0
    for k in range(active.shape[0]):
        if w[active[k]] != 0.0:
            support[m] = active[k]
            m += 1
    inside = np.empty(n, dtype=np.bool_)
    n_inside = 0
    for i in range(n):
        inside[i] = abs(r[i]) <= delta
        if inside[i]:
            n_inside += 1
    if n_inside == 0:
        return 0
    g = np.empty(m + 1)
    for k in range(m):
        j = support[k]
        sign = 1.0 if w[j] > 0.0 else -1.0
        g[k] = -(_grad_j(X, psi_r, j, inv_n) + mu * w[j] + kappa * sign)
    s = 0.0
    for i in range(n):
        s += psi_r[i]
    g[m] = s * inv_n
    use_gram = _gram_for(X, support, active, inside, workspace)
    if use_gram or m < n or mu == 0.0:
        if use_gram:
            gram, position = workspace[0], workspace[2]
            rows = np.empty(m + 1, dtype=np.int64)  # the support's rows, then the intercept's
            for k in range(m):
                rows[k] = position[support[k]]
            rows[m] = 0
            H = np.empty((m + 1, m + 1))
            for k in range(m + 1):
                for q in range(m + 1):
                    H[k, q] = gram[rows[k], rows[q]] * inv_n
        else:
            design = np.zeros((n, m + 1))
            for i in range(n):
                if inside[i]:
                    for k in range(m):
                        design[i, k] = X[i, support[k]]
                    design[i, m] = 1.0
            H = (design.T @ design) * inv_n
        for k in range(m):
            H[k, k] += mu
        ok, d = _cholesky_solve(H, g)
        if not ok:
            # more coefficients than residuals inside the Huber zone: the piece is flat along some
            # directions; a damped (Levenberg-Marquardt) step is still a descent direction
            top = 0.0
            for k in range(m + 1):
                top = max(top, H[k, k])
            for k in range(m + 1):
                H[k, k] += NEWTON_DAMPING * top
            ok, d = _cholesky_solve(H, g)
    else:
        design = np.zeros((n, m + 1))
        for i in range(n):
            if inside[i]:
                for k in range(m):
                    design[i, k] = X[i, support[k]]
                design[i, m] = 1.0
        K = _row_gram_for(X, support, inside, mu, rows)
        ok, d = _woodbury_solve(design, mu, g, n, K)
    if not ok:
        return 0
    t = 1.0
    blocker = -1
    for k in range(m):
        j = support[k]
        if w[j] * d[k] < 0.0 and -w[j] / d[k] < t:
            t = -w[j] / d[k]
            blocker = k
    if t <= 0.0:
        return 0
    columns = X[:, support]
    before = _objective(r, w, support, kappa, mu, delta)
    w_trial = w.copy()
    trial = np.empty(n)
    if blocker >= 0:
        # several coefficients may cross zero: the step with each of them stopped at zero
        # (projected onto the current orthant) often drops them all at once, where cutting at the
        # first crossing drops one per step (a new factorisation each). Where many residuals sit
        # in Huber's linear zone, the system of the few inside rows overshoots, so the projected
        # step is also tried at 1/2, 1/4, ... of its length while it still crosses zero
        moved = np.empty(m)
        length = 1.0
        for _ in range(PROJECTED_TRIES):
            if length <= t:
                break  # no coefficient crosses zero any more: the cut step below
            for k in range(m):
                j = support[k]
                v = w[j] + length * d[k]
                w_trial[j] = 0.0 if v * w[j] < 0.0 else v
                moved[k] = w_trial[j] - w[j]
            shift = columns @ moved
            for i in range(n):
                trial[i] = r[i] - shift[i] - length * d[m]
            if _objective(trial, w_trial, support, kappa, mu, delta) < before:
                _take_trial(w, w_trial, support, b_arr, length * d[m], r, psi_r, trial, delta)
                return 1
            length *= 0.5
    direction = columns @ d[:m] + d[m]
    for _ in range(30):
        for k in range(m):
            w_trial[support[k]] = w[support[k]] + t * d[k]
        if blocker >= 0 and t == -w[support[blocker]] / d[blocker]:
            w_trial[support[blocker]] = 0.0
        for i in range(n):
            trial[i] = r[i] - t * direction[i]
        if _objective(trial, w_trial, support, kappa, mu, delta) <= before:
            full = blocker < 0 and t == 1.0
            _take_trial(w, w_trial, support, b_arr, t * d[m], r, psi_r, trial, delta)
            return 2 if full else 1
        t *= 0.5
        blocker = -1
    return 0


@njit(cache=True, fastmath=False)
def column_curvatures(X):
    """``||x_j||^2 / n`` for every column: the coordinate Lipschitz constants, once per path."""
    n, p = X.shape
    lips = np.zeros(p)
    for i in range(n):
        for j in range(p):
            lips[j] += X[i, j] * X[i, j]
    return lips / n


@njit(cache=True, fastmath=False)
def _full_gradient(X, psi_r, inv_n, grad):
    """Loss gradient in every coordinate, row by row (one streaming pass over ``X``)."""
    n, p = X.shape
    for j in range(p):
        grad[j] = 0.0
    for i in range(n):
        v = psi_r[i]
        if v != 0.0:
            for j in range(p):
                grad[j] += X[i, j] * v
    for j in range(p):
        grad[j] *= -inv_n


@njit(cache=True, fastmath=False)
def _intercept_violation(psi_r, inv_n):
    s = 0.0
    for i in range(psi_r.shape[0]):
        s += psi_r[i]
    return abs(s) * inv_n


@njit(cache=True, fastmath=False)
def huber_enet_cd(X, y, w, b, kappa, mu, delta, tol, max_sweeps, lips, grad, grad_known, workspace):
    """Solve in place from the warm start ``(w, b)``.

    ``lips`` holds :func:`column_curvatures` of ``X``.  ``grad`` is the loss gradient at
    ``(w, b)`` over all features; pass ``grad_known=False`` when it is not (the first ``lam``),
    and on return it holds the gradient at the solution, which is where the next ``lam`` of a
    path starts, so its first full KKT check costs nothing.  ``workspace`` is a
    :func:`newton_workspace` of ``X``, shared along the path as well.

    Work follows a working set: it starts as the nonzero coefficients plus the features whose KKT
    conditions the full gradient says are violated; sweeps over it (and, in between, over its
    nonzero members) run until its own KKT conditions hold; then one pass over all features
    recomputes the full gradient, which either certifies the whole problem or names the next
    violators to admit.  A feature that is not in the working set is left at zero, so the
    certificate is always the full problem's.

    Returns ``(b, n_sweeps, kkt_violation)``; ``kkt_violation <= tol`` certifies convergence.
    """
    n, p = X.shape
    inv_n = 1.0 / n
    gram, rows = workspace
    r = y - b
    for j in range(p):
        wj = w[j]
        if wj != 0.0:
            for i in range(n):
                r[i] -= X[i, j] * wj
    psi_r = np.empty(n)
    for i in range(n):
        psi_r[i] = _psi(r[i], delta)
    b_arr = np.array([b])
    in_set = np.zeros(p, dtype=np.bool_)
    sweeps = 0
    violation = np.inf
    if not grad_known:
        _full_gradient(X, psi_r, inv_n, grad)
        sweeps += 1
    while True:
        # full KKT check from the full gradient at the current point
        violation = _intercept_violation(psi_r, inv_n)
        n_new = 0
        for j in range(p):
            v = _kkt_violation_j(grad[j], w[j], kappa, mu)
            if v > violation:
                violation = v
            if v > tol and not in_set[j]:
                in_set[j] = True
                n_new += 1
            elif w[j] != 0.0:
                in_set[j] = True
        if violation <= tol or sweeps >= max_sweeps:
            break
        working = np.flatnonzero(in_set)
        while sweeps < max_sweeps:
            # cheap sweeps over the nonzero coefficients settle them first (admitting every
            # violator at once would also admit features that the settled fit no longer wants)
            active = working[w[working] != 0.0]
            history = np.empty((ANDERSON_DEPTH + 1, active.shape[0] + 1))
            stored = 0
            since_newton = 0
            newton_every = NEWTON_FIRST
            while sweeps < max_sweeps:
                met = _sweep(X, r, psi_r, w, b_arr, lips, active, kappa, mu, delta, inv_n)
                sweeps += 1
                stepped = False
                since_newton += 1
                for k in range(active.shape[0]):
                    history[stored, k] = w[active[k]]
                history[stored, active.shape[0]] = b_arr[0]
                stored += 1
                if stored == ANDERSON_DEPTH + 1:
                    _anderson_step(X, y, r, psi_r, w, b_arr, active, history, kappa, mu, delta)
                    stored = 0
                    stepped = True
                if since_newton >= newton_every:
                    # a Newton step costs tens of sweeps: back off while it keeps falling short
                    since_newton = 0
                    for _ in range(NEWTON_CHAIN):
                        # a step cut short at a sign change drops that coefficient: the next
                        # step works on the smaller support
                        outcome = _newton_step(
                            X,
                            y,
                            r,
                            psi_r,
                            w,
                            b_arr,
                            active,
                            kappa,
                            mu,
                            delta,
                            inv_n,
                            gram,
                            rows,
                        )
                        if outcome != 1:
                            break
                    if outcome == 0:
                        newton_every *= 2
                    else:
                        stepped = True
                    stored = 0
                if met > tol and not stepped:
                    continue  # the sweep itself met a violation: this point fails the check
                inner = _max_violation(X, psi_r, w, active, kappa, mu, inv_n)
                if max(inner, _intercept_violation(psi_r, inv_n)) <= tol:
                    break
            if _max_violation(X, psi_r, w, working, kappa, mu, inv_n) <= tol:
                break
            # a sweep over the whole working set admits the violators that remain
            _sweep(X, r, psi_r, w, b_arr, lips, working, kappa, mu, delta, inv_n)
            sweeps += 1
        _full_gradient(X, psi_r, inv_n, grad)
        sweeps += 1
    return b_arr[0], sweeps, violation
