"""Noise families of the simulators: drawing the noise, and its true variance.

Every family is scaled by ``sigma``, the standard deviation of the *reference* gaussian noise
that the signal-to-noise ratio sets (``sigma^2 = Var(x'beta) / snr``):

- ``gaussian``, ``laplace``, ``skewed`` (a centred log-normal) and ``student_t`` with ``df > 2``
  have variance exactly ``sigma^2``;
- ``student_t`` with ``df <= 2`` and ``cauchy`` have no finite variance; they match the
  gaussian's interquartile range instead;
- ``contaminated`` is the gaussian ``N(0, sigma^2)`` in which a share ``c`` of the points is
  replaced by outliers ``N(0, (k sigma)^2)`` (``k = outlier_scale``): its variance is
  ``sigma^2 (1 - c + c k^2)``, 10.9 times the nominal ``sigma^2`` for ``c = 0.1, k = 10``.

:func:`noise_variance` gives that true variance, the one a proportion of variance explained
must use; the nominal ``sigma^2`` understates it for contaminated noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["GAUSSIAN_Q75", "noise_scale", "noise_variance", "sample_noise", "student_t_unit_factor"]

# Upper quartile of N(0, 1), scipy.stats.norm.ppf(0.75): the IQR of N(0, s^2) is
# 2 * GAUSSIAN_Q75 * s. A literal keeps scipy.stats (slow to import) out of every job.
GAUSSIAN_Q75 = 0.6744897501960817


def noise_scale(signal_variance: float, snr: float) -> float:
    """Standard deviation sigma of the reference gaussian noise: sigma^2 = signal_variance / snr.

    With no signal (n_nonzero = 0) the ratio is undefined; sigma = 1 is used instead.
    """
    if signal_variance <= 0.0:
        return 1.0
    return math.sqrt(signal_variance / snr)


def student_t_unit_factor(df: float) -> float:
    """Multiplier of a standard t(df) draw so that it matches N(0, 1) in variance or, if the
    variance is infinite (df <= 2), in interquartile range."""
    if df > 2.0:
        return math.sqrt((df - 2.0) / df)
    from scipy.special import stdtrit  # t quantile; imported here as only df <= 2 needs it

    return GAUSSIAN_Q75 / float(stdtrit(df, 0.75))


def sample_noise(
    rng: np.random.Generator, n: int, sigma: float, noise: Mapping[str, Any]
) -> np.ndarray:
    """Draw n noise values whose variance (or IQR) matches that of N(0, sigma^2)."""
    family = noise["family"]
    if family == "gaussian":
        return sigma * rng.standard_normal(n)
    if family == "laplace":
        # Var(Laplace(b)) = 2 b^2.
        return rng.laplace(0.0, sigma / math.sqrt(2.0), size=n)
    if family == "student_t":
        return sigma * student_t_unit_factor(noise["df"]) * rng.standard_t(noise["df"], size=n)
    if family == "cauchy":
        # The standard Cauchy has quartiles -1 and 1.
        return sigma * GAUSSIAN_Q75 * rng.standard_cauchy(size=n)
    if family == "skewed":
        # exp(s Z) has mean m = exp(s^2/2) and variance m^2 (exp(s^2) - 1); centring and scaling
        # gives (exp(s Z - s^2/2) - 1) / sqrt(exp(s^2) - 1), written with expm1 for accuracy.
        s = noise["skew"]
        return (
            sigma * np.expm1(s * rng.standard_normal(n) - s**2 / 2.0) / math.sqrt(math.expm1(s**2))
        )
    # contaminated: sigma refers to the clean component; a fixed share is replaced by outliers.
    eps = sigma * rng.standard_normal(n)
    n_outliers = int(math.floor(noise["contamination"] * n + 0.5))
    outliers = rng.choice(n, size=n_outliers, replace=False)
    eps[outliers] = noise["outlier_scale"] * sigma * rng.standard_normal(n_outliers)
    return eps


def noise_variance(noise: Mapping[str, Any], sigma: float) -> float:
    """The true variance of the noise :func:`sample_noise` draws, ``inf`` where it has none.

    Parameters
    ----------
    noise : mapping
        The resolved ``noise`` section: ``family`` and the parameters of that family (``df`` for
        ``student_t``, ``contamination`` and ``outlier_scale`` for ``contaminated``).
    sigma : float
        The reference scale (the sidecar's ``noise_scale``).

    Returns
    -------
    variance : float
        ``sigma^2`` for the gaussian, laplace, skewed and student_t (df > 2) families;
        ``sigma^2 (1 - c + c k^2)`` for contaminated noise with share ``c`` of outliers of
        scale ``k sigma`` (the mixture's variance; the simulator replaces exactly
        ``round(c n)`` of ``n`` points, which has this variance up to rounding of ``c n``);
        ``inf`` for cauchy and student_t with ``df <= 2``.

    Raises
    ------
    ValueError
        If the family is unknown.
    """
    family = noise["family"]
    if family in ("gaussian", "laplace", "skewed"):
        return float(sigma) ** 2
    if family == "student_t":
        return float(sigma) ** 2 if float(noise["df"]) > 2.0 else math.inf
    if family == "cauchy":
        return math.inf
    if family == "contaminated":
        share, scale = float(noise["contamination"]), float(noise["outlier_scale"])
        return float(sigma) ** 2 * (1.0 - share + share * scale**2)
    raise ValueError(f"unknown noise family {family!r}")
