"""What a dataset says about the population its data come from.

The measures that compare a fit with the truth -- model error, intercept error, the proportion
of variance explained -- need more than the data: the covariance Sigma of the rows of X, the
true intercept, the signal variance Var(x' coef), the noise's true variance. A dataset states
them, whatever its generator, through optional parts of the data contract
(:mod:`normbench.data.contract`):

- the array ``sigma`` (p, p), Sigma itself: ``model_error`` (with ``coef``);
- the sidecar key ``population: empirical_test``, Sigma estimated by the centred covariance of
  ``X_test`` (an approximation): ``model_error`` (with ``coef``);
- ``intercept``, the true intercept: ``intercept_error``;
- ``signal_variance``, Var(x' coef): ``pve`` (with ``f_test`` and the noise variance) and the
  report's relative risk;
- ``noise_variance`` (``"inf"`` where the noise has none), or ``noise`` (the simulator's
  ``family`` and parameters) with ``noise_scale``: ``pve``.

The two simulators of normbench state the truth by their generator name: for
``generator: simulate`` Sigma follows from the design's parameters and the intercept is 0; for
``generator: semisynthetic`` the intercept is 0 and Sigma is unknown. Keys in the sidecar
override these defaults. A dataset that states nothing has no :class:`Population`, and the
measures are missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from normbench.data.contract import EMPIRICAL_TEST
from normbench.data.design import covariance_quadratic_form, group_labels
from normbench.data.noise import noise_variance

__all__ = ["POPULATION_MEASURES", "Population", "population_of"]

#: Each part of the contract that describes the population, and the measures it unlocks (the
#: table of docs/extending.md, "What the data support", lists exactly these).
POPULATION_MEASURES = {
    "sigma": ("model_error",),
    "population": ("model_error",),
    "intercept": ("intercept_error",),
    "signal_variance": ("pve", "relative_risk"),
    "noise_variance": ("pve",),
    "noise": ("pve",),
    "noise_scale": ("pve", "delta_over_sigma"),
}

# What the generators of normbench know without being told: the intercept of both is 0.
_GENERATOR_INTERCEPTS = {"simulate": 0.0, "semisynthetic": 0.0}


@dataclass(frozen=True)
class Population:
    """The truth behind one dataset replicate, as far as it is known.

    Attributes
    ----------
    intercept : float
        The true intercept of ``y = intercept + x' coef + noise``; ``nan`` where unknown.
    signal_variance : float
        Var(x' coef) = coef' Sigma coef; ``nan`` where unknown.
    noise_variance : float
        The noise distribution's true variance (:func:`normbench.data.noise.noise_variance`),
        ``inf`` where it has none, ``nan`` where unknown.
    covariance_form : callable or None
        ``v -> v' Sigma v`` with Sigma the population covariance of the rows of X (or its
        estimate, under ``population: empirical_test``); None where unknown.
    """

    intercept: float
    signal_variance: float
    noise_variance: float
    covariance_form: Callable[[np.ndarray], float] | None

    @property
    def known(self) -> bool:
        """Whether anything at all is known (else the dataset has no population)."""
        return (
            math.isfinite(self.intercept)
            or math.isfinite(self.signal_variance)
            or not math.isnan(self.noise_variance)
            or self.covariance_form is not None
        )


def _number(value: Any) -> float:
    if value == "inf":
        return math.inf
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _true_noise_variance(metadata: Mapping[str, Any], params: Mapping[str, Any]) -> float:
    if "noise_variance" in metadata:
        return _number(metadata["noise_variance"])
    noise = metadata.get("noise", params.get("noise"))
    try:
        return noise_variance(noise, float(metadata["noise_scale"]))
    except (KeyError, TypeError, ValueError):
        return math.nan


def _matrix_form(sigma: np.ndarray) -> Callable[[np.ndarray], float]:
    def form(vector: np.ndarray) -> float:
        return float(vector @ sigma @ vector)

    return form


def _empirical_form(X: np.ndarray) -> Callable[[np.ndarray], float]:
    # v' S v with S the centred covariance of the rows of X (divided by m): mean((Xc v)^2)
    centred = np.asarray(X, dtype=float) - np.mean(X, axis=0)

    def form(vector: np.ndarray) -> float:
        return float(np.mean((centred @ vector) ** 2))

    return form


def _generator_form(generator, params) -> Callable[[np.ndarray], float] | None:
    if generator != "simulate" or not isinstance(params, Mapping) or "design" not in params:
        return None
    design = params["design"]
    groups = group_labels(int(params["p"]), design)

    def form(vector: np.ndarray) -> float:
        return covariance_quadratic_form(vector, groups, design)

    return form


def population_of(
    metadata: Mapping[str, Any],
    *,
    sigma: np.ndarray | None = None,
    X_test: np.ndarray | None = None,
) -> Population | None:
    """The :class:`Population` of a dataset, from its sidecar and arrays, or None if unknown.

    Parameters
    ----------
    metadata : mapping
        A dataset's JSON sidecar (:attr:`normbench.data.contract.Dataset.metadata`).
    sigma : ndarray of shape (p, p), optional
        The dataset's ``sigma`` array, the population covariance of the rows of X.
    X_test : ndarray of shape (m, p), optional
        The test design: Sigma is estimated from it when the sidecar says
        ``population: empirical_test`` (and there is no ``sigma``).

    Returns
    -------
    Population or None
        What is known (see the module's table); None when nothing is.
    """
    generator = metadata.get("generator")
    params = metadata.get("params")
    params = params if isinstance(params, Mapping) else {}
    intercept = _number(metadata.get("intercept", _GENERATOR_INTERCEPTS.get(generator)))
    if sigma is not None:
        form = _matrix_form(np.asarray(sigma, dtype=float))
    elif metadata.get("population") == EMPIRICAL_TEST and X_test is not None:
        form = _empirical_form(X_test)
    else:
        form = _generator_form(generator, params)
    population = Population(
        intercept=intercept,
        signal_variance=_number(metadata.get("signal_variance")),
        noise_variance=_true_noise_variance(metadata, params),
        covariance_form=form,
    )
    return population if population.known else None
