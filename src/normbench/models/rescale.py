"""Zou & Hastie's (2005) elastic net: the naive elastic net's slopes rescaled by ``1 + lambda2``."""

from __future__ import annotations

import numpy as np

__all__ = ["rescale_elastic_net"]


def rescale_elastic_net(coefs, intercepts, *, lams, l1_ratio, feature_mean):
    """Zou & Hastie's elastic net from the naive one: slopes times ``1 + lam2``.

    Zou & Hastie (2005, eq. 3 and section 3.2) minimise, on features centred with unit norm,
    ``|y - X b|^2 + lambda2 |b|^2 + lambda1 |b|_1`` (the naive elastic net) and report
    ``(1 + lambda2) b_naive``.  normbench minimises, on features centred with unit *variance*,
    ``(1/n) sum (y - X w)^2 / 2 + lam (l1_ratio |w|_1 + (1 - l1_ratio) |w|^2 / 2)``.  Multiplying
    by ``2 n`` and writing the unit-norm features ``X / sqrt(n)`` with coefficients
    ``sqrt(n) w`` gives Zou & Hastie's objective with

        lambda2 = lam * (1 - l1_ratio),    lambda1 = 2 * sqrt(n) * lam * l1_ratio,

    so the factor is ``1 + lam * (1 - l1_ratio)`` (1 for the lasso, ``l1_ratio = 1``).  The
    correction's rationale (undoing ridge's double shrinkage, their Theorem 2) assumes
    standardised features; with ``standardize=False`` the same factor is applied to raw ones.

    Parameters
    ----------
    coefs : ndarray of shape (n_lams, p)
        Naive coefficients on the original scale, one row per ``lam``.
    intercepts : ndarray of shape (n_lams,)
    lams : array-like of shape (n_lams,)
    l1_ratio : float
    feature_mean : ndarray of shape (p,)
        The training features' means: the intercept of the centred model is kept, so the
        rescaled fit still passes through the training means (the least-squares intercept given
        the slopes, for the squared loss).

    Returns
    -------
    coefs, intercepts : ndarrays of the input shapes
    """
    factors = 1.0 + np.asarray(lams, dtype=float) * (1.0 - float(l1_ratio))
    coefs = np.asarray(coefs, dtype=float)
    rescaled = coefs * factors[:, None]
    return rescaled, np.asarray(intercepts, dtype=float) - (factors - 1.0) * (coefs @ feature_mean)
