"""Small dense linear-algebra kernels shared by the numba solvers."""

from __future__ import annotations

from numba import njit


@njit(cache=True, fastmath=False)
def cholesky_substitute(L, b):
    """Overwrite ``b`` with the solution ``x`` of ``L L' x = b``.

    ``L`` is a lower-triangular Cholesky factor; forward then back substitution. ``b`` has
    ``L.shape[0]`` entries.
    """
    m = L.shape[0]
    for i in range(m):
        s = b[i]
        for k in range(i):
            s -= L[i, k] * b[k]
        b[i] = s / L[i, i]
    for i in range(m - 1, -1, -1):
        s = b[i]
        for k in range(i + 1, m):
            s -= L[k, i] * b[k]
        b[i] = s / L[i, i]
