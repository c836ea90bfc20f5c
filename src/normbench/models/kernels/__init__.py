"""Numba and dense linear-algebra kernels behind the solvers."""
