"""Public home of the estimators (they live in :mod:`normbench.models.estimators`)."""

from normbench.models.estimators import PenalizedRegressor, PenalizedRegressorCV

__all__ = ["PenalizedRegressor", "PenalizedRegressorCV"]
