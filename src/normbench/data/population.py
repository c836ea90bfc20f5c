"""What a generator knows about the population its data come from.

A simulated dataset comes with the truth behind it: the true intercept, the covariance Sigma of
the rows of X, the signal variance Var(x' coef) and the true noise variance. The metrics that
compare a fit with that truth (model error, intercept error, proportion of variance explained)
read it from here, rebuilt from the dataset's JSON sidecar, so that no array is added to the
data contract. A dataset whose generator is not known here (a real data set, a file made
elsewhere) has no :class:`Population`, and those metrics are missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from normbench.data.design import covariance_quadratic_form, group_labels
from normbench.data.noise import noise_variance

__all__ = ["Population", "population_of"]


@dataclass(frozen=True)
class Population:
    """The truth behind one simulated dataset replicate.

    Attributes
    ----------
    intercept : float
        The true intercept of ``y = intercept + x' coef + noise`` (0 for both simulators).
    signal_variance : float
        Var(x' coef) = coef' Sigma coef (for the semi-synthetic data, over the rows of the real
        design).
    noise_variance : float
        The noise distribution's true variance (:func:`normbench.data.noise.noise_variance`),
        ``inf`` where it has none, ``nan`` where unknown.
    covariance_form : callable or None
        ``v -> v' Sigma v`` with Sigma the population covariance of the rows of X; None where
        Sigma is not known (a real design matrix).
    """

    intercept: float
    signal_variance: float
    noise_variance: float
    covariance_form: Callable[[np.ndarray], float] | None


def _true_noise_variance(noise: Any, scale: Any) -> float:
    try:
        return noise_variance(noise, float(scale))
    except (KeyError, TypeError, ValueError):
        return math.nan


def population_of(metadata: Mapping[str, Any]) -> Population | None:
    """The :class:`Population` of a dataset from its sidecar metadata, or None if unknown.

    Parameters
    ----------
    metadata : mapping
        A dataset's JSON sidecar (:attr:`normbench.data.contract.Dataset.metadata`).

    Returns
    -------
    Population or None
        For ``generator: simulate``, everything; for ``generator: semisynthetic``, all but the
        covariance form (the rows come from a real design, whose population Sigma is unknown);
        None for any other generator or a sidecar without the parameters.
    """
    generator = metadata.get("generator")
    params = metadata.get("params")
    if generator not in ("simulate", "semisynthetic") or not isinstance(params, Mapping):
        return None
    try:
        signal = float(metadata["signal_variance"])
    except (KeyError, TypeError, ValueError):
        signal = math.nan
    noise = _true_noise_variance(params.get("noise"), metadata.get("noise_scale"))
    form = None
    if generator == "simulate":
        design = params["design"]
        groups = group_labels(int(params["p"]), design)

        def form(vector: np.ndarray) -> float:
            return covariance_quadratic_form(vector, groups, design)

    return Population(
        intercept=0.0, signal_variance=signal, noise_variance=noise, covariance_form=form
    )
