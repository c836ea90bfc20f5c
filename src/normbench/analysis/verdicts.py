"""Four verdicts with a stated guarantee: ``better``, ``worse``, ``equivalent``, ``inconclusive``.

Each row of a family (the findings of one metric) is a mean paired log ratio ``d̄`` over ``n``
replicates with its Monte Carlo standard error ``se = s / √n`` (``../shared/STATISTICS.md``
§1). The rows are decided together, in three steps, all at the same rate ``q``:

1. **Difference.** ``p`` is the two-sided one-sample t test of ``δ = 0`` on ``n − 1`` degrees
   of freedom. Benjamini–Hochberg at ``q`` over the ``m`` testable rows rejects the ``R``
   smallest ``p``; those rows are ``better`` (``d̄ < 0``) or ``worse``. Their intervals are the
   false-coverage-rate adjusted ones of Benjamini & Yekutieli (2005): marginal t intervals at
   level ``1 − R q / m``, which exclude 0 exactly for the rejected rows. The claims of a
   difference then hold a false discovery rate of at most ``q`` (BH's guarantee under
   independent or positively dependent tests), and the shown intervals a false coverage rate
   of at most ``q``.
2. **Equivalence.** For the rows not rejected, with margin ``Δ = log(equivalence)``, the two
   one-sided tests (TOST) of ``H0: |δ| ≥ Δ``: ``p_eq = max(P(T ≥ (d̄ + Δ)/se), P(T ≤ (d̄ − Δ)/se))``.
   Benjamini–Hochberg at ``q`` over those ``m_eq`` rows rejects ``R_eq``; those rows are
   ``equivalent``, shown with the ``1 − 2a`` interval, ``a = R_eq q / m_eq``, which lies
   inside ``(−Δ, Δ)``: at most a fraction ``q`` of the claims of equivalence are false.
3. Every other row is ``inconclusive``, shown with its marginal interval at ``1 − q``.

A row whose log ratios have zero spread (``se = 0``) carries no evidence from a handful of
replicates (rounding, or the same null model twice): it is ``inconclusive`` and left out of
both families, unless it rests on at least :data:`ZERO_SPREAD_MIN_REPLICATES` replicates (then a
constant log ratio is taken as a deterministic difference, ``p = 0``). Rows with fewer than two
replicates have no interval and are ``inconclusive``.

Everything here is a pure function of arrays, so the guarantee can be checked by simulation
(``tests/test_verdicts.py``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

__all__ = [
    "BETTER",
    "DEFAULT_EQUIVALENCE",
    "DEFAULT_Q",
    "EQUIVALENT",
    "INCONCLUSIVE",
    "VERDICTS",
    "WORSE",
    "ZERO_SPREAD_MIN_REPLICATES",
    "decide",
]

BETTER, WORSE, EQUIVALENT, INCONCLUSIVE = "better", "worse", "equivalent", "inconclusive"
#: Every verdict a findings row can carry, in the order tables and legends list them.
VERDICTS = (BETTER, EQUIVALENT, WORSE, INCONCLUSIVE)
#: The false discovery (and false coverage) rate of each family of claims.
DEFAULT_Q = 0.05
#: Ratios within [1/1.1, 1.1] count as practically equal.
DEFAULT_EQUIVALENCE = 1.1
#: Fewest replicates for which a log ratio with zero spread counts as a sure difference.
ZERO_SPREAD_MIN_REPLICATES = 30


def _bh(p_values, q):
    """Benjamini–Hochberg rejections of ``p_values`` at ``q`` (statsmodels' ``fdr_bh``)."""
    if p_values.size == 0:
        return np.zeros(0, dtype=bool)
    return multipletests(p_values, alpha=q, method="fdr_bh")[0]


def _t_interval(estimate, se, n, level):
    """Marginal t intervals ``estimate ± t_{n−1, (1+level)/2} · se`` (vectorised)."""
    df = np.maximum(n - 1, 1)
    half = stats.t.ppf(0.5 + level / 2.0, df) * se
    return estimate - half, estimate + half


def decide(estimate, se, n, *, q=DEFAULT_Q, equivalence=DEFAULT_EQUIVALENCE):
    """Verdicts and intervals of one family of rows (module docstring).

    Parameters
    ----------
    estimate : array-like of shape (m,)
        Mean log ratios ``d̄`` (below 0: the pair is better than its reference).
    se : array-like of shape (m,)
        Their Monte Carlo standard errors ``s / √n``.
    n : array-like of int, shape (m,)
        Replicates each rests on.
    q : float
        The rate each family of claims is controlled at.
    equivalence : float
        The ratio bounding the region of practical equivalence, ``[1/equivalence, equivalence]``.

    Returns
    -------
    dict of ndarray
        ``verdict`` (str), ``p_value`` (difference test), ``p_equivalence`` (TOST), and
        ``ci_low``, ``ci_high``, ``ci_level`` on the log scale: the interval each verdict is
        shown with. NaN where a row has no such number.
    """
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    m = estimate.size
    margin = math.log(equivalence)
    verdict = np.full(m, INCONCLUSIVE, dtype=object)
    p_value = np.full(m, np.nan)
    p_equivalence = np.full(m, np.nan)
    level = np.full(m, 1.0 - q)
    df = np.maximum(n - 1, 1)

    spread = np.isfinite(estimate) & np.isfinite(se) & (n >= 2) & (se > 0)
    sure = np.isfinite(estimate) & (se == 0) & (n >= ZERO_SPREAD_MIN_REPLICATES)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value[spread] = 2.0 * stats.t.sf(np.abs(estimate[spread] / se[spread]), df[spread])
    p_value[sure] = np.where(estimate[sure] == 0.0, 1.0, 0.0)
    testable = spread | sure

    tested = np.flatnonzero(testable)
    rejected = tested[_bh(p_value[tested], q)]
    if rejected.size:
        verdict[rejected] = np.where(estimate[rejected] < 0, BETTER, WORSE)
        level[rejected] = 1.0 - rejected.size * q / tested.size

    rest = np.setdiff1d(tested, rejected)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_low = (estimate[rest] + margin) / se[rest]
        t_high = (estimate[rest] - margin) / se[rest]
    p_eq = np.maximum(stats.t.sf(t_low, df[rest]), stats.t.cdf(t_high, df[rest]))
    # a constant log ratio over many replicates is inside the margin or not, for sure
    constant = se[rest] == 0
    p_eq[constant] = np.where(np.abs(estimate[rest][constant]) < margin, 0.0, 1.0)
    p_equivalence[rest] = p_eq
    equivalent = rest[_bh(p_eq, q)]
    if equivalent.size:
        verdict[equivalent] = EQUIVALENT
        # the TOST at level a is the (1 - 2a) interval inside (-margin, margin)
        level[equivalent] = 1.0 - 2.0 * equivalent.size * q / rest.size

    ci_low, ci_high = _t_interval(estimate, se, n, level)
    no_interval = ~(np.isfinite(estimate) & np.isfinite(se) & (n >= 2))
    ci_low[no_interval] = np.nan
    ci_high[no_interval] = np.nan
    level[no_interval] = np.nan
    return {
        "verdict": verdict,
        "p_value": p_value,
        "p_equivalence": p_equivalence,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "ci_level": level,
    }
