"""normbench: loss x penalty benchmark for high-dimensional linear regression."""

from normbench._version import __version__

__all__ = ["PenalizedRegressor", "PenalizedRegressorCV", "__version__"]


def __getattr__(name):
    # Lazy, so that importing a light layer (normbench.vocab, normbench.data) does not compile
    # the solvers' numba kernels.
    if name in ("PenalizedRegressor", "PenalizedRegressorCV"):
        from normbench.models import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'normbench' has no attribute {name!r}")
