"""The designs of the simulator: group labels, rows of X ~ N(0, Sigma), and Sigma itself.

``design.kind`` is one of ``independent`` (Sigma = I), ``toeplitz`` (corr(x_i, x_j) =
rho^|i-j|), ``block`` (equicorrelated blocks of ``group_size`` features, correlation rho inside,
0 across) and ``latent_groups`` (``n_groups`` such blocks, the remaining features independent).
With ``feature_scale: latent`` a block's latent factor enters each feature with weight 1, so
the grouped features have variance 1 / rho (Sigma of the block divided by rho).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["covariance_quadratic_form", "design_covariance", "group_labels", "sample_design"]


def group_labels(p: int, design: Mapping[str, Any]) -> np.ndarray:
    """Group label per feature: contiguous runs of group_size, -1 for ungrouped features.

    For ``independent`` and ``toeplitz`` designs the groups are nominal (they do not change the
    correlation); for ``block`` they are the equicorrelated blocks (the last may be smaller);
    for ``latent_groups`` the first ``n_groups * group_size`` features form the groups and the
    remaining ones are labelled -1.
    """
    labels = np.arange(p, dtype=np.int64) // design["group_size"]
    if design["kind"] == "latent_groups":
        labels[design["n_groups"] * design["group_size"] :] = -1
    return labels


def sample_design(
    rng: np.random.Generator, n: int, groups: np.ndarray, design: Mapping[str, Any]
) -> np.ndarray:
    """Draw n rows of N(0, Sigma) for the chosen design (unit variances unless
    ``feature_scale`` is ``latent``)."""
    p = groups.size
    kind, rho = design["kind"], design["rho"]
    if kind == "independent":
        return rng.standard_normal((n, p))
    if kind == "toeplitz":
        # A stationary AR(1) across the columns has corr(x_i, x_j) = rho^|i-j|, and costs
        # O(n p) instead of the O(p^3) Cholesky factor of the Toeplitz matrix.
        # x_1 = z_1 starts the recursion from the stationary law, so every x_j has variance 1.
        X = rng.standard_normal((n, p))
        innovation_sd = math.sqrt(1.0 - rho**2)
        for j in range(1, p):
            X[:, j] *= innovation_sd
            X[:, j] += rho * X[:, j - 1]
        return X
    # block and latent_groups: x_j = sqrt(rho) z_{g(j)} + sqrt(1 - rho) e_j within a group,
    # so corr = rho inside a group and 0 across groups; ungrouped features are just e_j.
    # With feature_scale "latent" the factor enters with weight 1 instead and the feature
    # noise has variance (1 - rho) / rho: x_j = z_{g(j)} + e_j, as in Zou & Hastie (2005),
    # example 4; the correlation is still rho, the variance 1 / rho. Same draws either way.
    X = rng.standard_normal((n, p))
    factors = rng.standard_normal((n, int(groups.max()) + 1))
    grouped = groups >= 0
    if design.get("feature_scale", "unit") == "latent":
        X[:, grouped] *= math.sqrt((1.0 - rho) / rho)
        X[:, grouped] += factors[:, groups[grouped]]
    else:
        X[:, grouped] *= math.sqrt(1.0 - rho)
        X[:, grouped] += math.sqrt(rho) * factors[:, groups[grouped]]
    return X


def covariance_quadratic_form(
    vector: np.ndarray, groups: np.ndarray, design: Mapping[str, Any]
) -> float:
    """``vector' Sigma vector`` for the population covariance ``Sigma`` of a design, without
    forming ``Sigma`` (O(p) memory and time).

    With ``vector = coef`` this is the signal variance Var(x' coef); with ``vector = coef_hat -
    coef`` it is the model error of Zou & Hastie (2005) and Hastie, Tibshirani & Tibshirani (2020).

    Parameters
    ----------
    vector : ndarray of shape (p,)
    groups : ndarray of int, shape (p,)
        Group labels of the design (:func:`group_labels`).
    design : mapping
        The resolved ``design`` section (``kind``, ``rho`` and optional ``feature_scale``).

    Returns
    -------
    float
    """
    vector = np.asarray(vector, dtype=float)
    kind, rho = design["kind"], design["rho"]
    if kind == "independent":
        return float(vector @ vector)
    if kind == "toeplitz":
        # v' Sigma v = sum_j v_j^2 + 2 sum_j v_j cross_j with cross_j = sum_{i<j} rho^(j-i) v_i.
        # Over the non-zeros s_1 < s_2 < ... this obeys
        # cross_{s_m} = rho^(s_m - s_{m-1}) (cross_{s_{m-1}} + v_{s_{m-1}}): O(number of non-zeros).
        support = np.flatnonzero(vector)
        total = float(vector @ vector)
        cross = 0.0
        for previous, current in zip(support[:-1], support[1:], strict=True):
            cross = rho ** float(current - previous) * (cross + vector[previous])
            total += 2.0 * vector[current] * cross
        return total
    # Within a group Sigma = (1 - rho) I + rho 11', divided by rho with feature_scale "latent".
    grouped = groups >= 0
    group_sums = np.bincount(groups[grouped], weights=vector[grouped])
    within = vector[grouped]
    ungrouped = vector[~grouped]
    grouped_part = (1.0 - rho) * (within @ within) + rho * (group_sums @ group_sums)
    if design.get("feature_scale", "unit") == "latent":
        grouped_part /= rho
    return float(grouped_part + ungrouped @ ungrouped)


def design_covariance(groups: np.ndarray, design: Mapping[str, Any]) -> np.ndarray:
    """The dense population covariance ``Sigma`` (p x p) of a design with these group labels."""
    p, rho = groups.size, design["rho"]
    if design["kind"] == "independent":
        return np.eye(p)
    if design["kind"] == "toeplitz":
        index = np.arange(p)
        return rho ** np.abs(index[:, None] - index[None, :]).astype(float)
    grouped = groups >= 0
    same_group = (groups[:, None] == groups[None, :]) & grouped[:, None]
    sigma = np.where(same_group, rho, 0.0)
    sigma[np.diag_indices(p)] = 1.0
    if design.get("feature_scale", "unit") == "latent":
        sigma[np.ix_(grouped, grouped)] /= rho
    return sigma
