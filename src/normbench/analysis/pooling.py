"""Pooling a comparison's per-scenario effects over SNR within a noise family (random effects).

**Procedure.** Each input row is one scenario's effect on the log scale: ``estimate`` the mean
log ratio d̄ over its replicates, ``se`` its Monte Carlo standard error s / sqrt(n). Within a
group (e.g. one noise family, metric, pair and reference) the k scenarios are combined by a
random-effects meta-analysis, ``statsmodels.stats.meta_analysis.combine_effects(estimate, se²,
method_re="iterated")``: the Paule–Mandel estimate of the between-scenario variance τ², weights
1 / (se² + τ²), the pooled log effect their weighted mean. This pools *an average over the
scenarios* (here over the SNR values that were run), not a common effect: where the effect
changes with SNR, τ² and I² (the share of the spread beyond the Monte Carlo error, Higgins &
Thompson 2002) are large, and the row is flagged ``heterogeneous`` (I² >=
:data:`HETEROGENEITY_I2`, "substantial" in Higgins et al. 2003): quote the scenarios, not the one
number.

**Interval and its guarantee.** With ``use_t=True`` (the default) the interval is
``pooled ± t(k − 1) · se_pooled`` at ``level`` (statsmodels' ``conf_int(use_t=True)``, random
effects). With Paule–Mandel's τ² > 0 the Hartung–Knapp–Sidik–Jonkman scale is exactly 1, so this
is the HKSJ interval; with τ² = 0 it is the HKSJ interval whose scale is not allowed below 1
(Röver, Knapp & Friede 2015). With few scenarios (k = 3 SNR values) the normal-based interval
covers less than its level once τ² > 0, this one about its level (IntHout, Ioannidis & Borm
2014). ``use_t=False`` gives the normal interval. Both treat
the scenarios' ``se`` as known, although each is estimated from its n replicates.
``effect``, ``ci_low`` and ``ci_high`` are the exponentials of the log-scale numbers: the
geometric-mean ratio, below 1 where the pair is better.

**Edge cases.**

- k = 1: nothing is pooled; the row is the scenario's own effect with the normal interval
  ``estimate ± z · se`` (its replicate count is not an input), τ², I² and ``q`` empty,
  ``heterogeneous`` False.
- A row whose ``estimate`` or ``se`` is missing (no replicates, one replicate) is left out and
  counted in ``k_dropped``; a group with no row left has an empty effect and k = 0.
- ``se`` = 0 is refused (ValueError naming the group): a zero Monte Carlo error over a few
  replicates is not certainty but identical fits (a pair compared with itself), which are no
  comparison; leave them out before pooling. A negative ``se`` is refused as well.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

__all__ = ["HETEROGENEITY_I2", "POOLED_COLUMNS", "pool_effects", "write_pooled"]

#: I² at or above which a pooled effect is flagged heterogeneous.
HETEROGENEITY_I2 = 0.5
#: Columns of the pooled table after the grouping columns, in order.
POOLED_COLUMNS = (
    "k",
    "k_dropped",
    "log_effect",
    "se",
    "log_ci_low",
    "log_ci_high",
    "effect",
    "ci_low",
    "ci_high",
    "tau2",
    "i2",
    "q",
    "heterogeneous",
    "level",
)


def _exp(value):
    """``exp``, ``inf`` beyond the float range instead of an overflow."""
    return math.exp(value) if value < 709.0 else math.inf


def _pool(estimate, se, level, use_t):
    """The pooled numbers of one group's finite rows (k >= 1)."""
    k = len(estimate)
    if k == 1:
        half = float(stats.norm.isf((1.0 - level) / 2.0)) * float(se[0])
        center = float(estimate[0])
        return {
            "log_effect": center,
            "se": float(se[0]),
            "log_ci_low": center - half,
            "log_ci_high": center + half,
            "tau2": math.nan,
            "i2": math.nan,
            "q": math.nan,
        }
    result = combine_effects(estimate, se**2, method_re="iterated", use_t=use_t)
    low, high = result.conf_int(alpha=1.0 - level, use_t=use_t)[1]
    return {
        "log_effect": float(result.mean_effect_re),
        "se": float(result.sd_eff_w_re),
        "log_ci_low": float(low),
        "log_ci_high": float(high),
        "tau2": float(result.tau2),
        # I² = max(0, (Q − (k − 1)) / Q) (Higgins & Thompson 2002); statsmodels' i2 is not
        # clipped at 0, and Q ~ 0 (identical effects, up to rounding) makes it 0/0 or huge
        "i2": max(0.0, 1.0 - (k - 1) / float(result.q)) if result.q > k - 1 else 0.0,
        "q": float(result.q),
    }


def pool_effects(rows, *, by, level=0.95, use_t=True, estimate="estimate", se="se"):
    """Random-effects pooled effect of each group of scenarios (module docstring).

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per scenario and comparison, with the log-scale ``estimate`` (mean log ratio),
        its ``se`` (Monte Carlo standard error) and the columns ``by``.
    by : list of str
        The columns that make a group (e.g. ``["family", "metric", "pair", "reference"]``);
        the rows of a group are pooled.
    level : float
        Coverage of the intervals.
    use_t : bool
        Student t interval with k − 1 degrees of freedom (Hartung–Knapp) if True, else normal.
    estimate, se : str
        The names of the two columns, if not ``estimate`` and ``se``.

    Returns
    -------
    pandas.DataFrame
        The columns ``by`` then :data:`POOLED_COLUMNS`; one row per group, in order of first
        appearance.

    Raises
    ------
    ValueError
        If a row has ``se <= 0`` (named with its group), or a column is missing.
    """
    by = list(by)
    missing = [name for name in (*by, estimate, se) if name not in rows]
    if missing:
        raise ValueError(f"the rows to pool lack the columns {', '.join(missing)}")
    records = []
    for key, group in rows.groupby(by, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        effects = pd.to_numeric(group[estimate], errors="coerce").to_numpy(dtype=float)
        errors = pd.to_numeric(group[se], errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(effects) & np.isfinite(errors)
        if (errors[finite] <= 0.0).any():
            where = ", ".join(f"{name}={value}" for name, value in zip(by, key, strict=True))
            raise ValueError(
                f"cannot pool {where}: a scenario's se is zero or negative; a zero Monte Carlo "
                f"error means identical fits (no comparison), leave those rows out"
            )
        record = dict(zip(by, key, strict=True))
        k = int(finite.sum())
        record.update(k=k, k_dropped=int((~finite).sum()))
        pooled = dict.fromkeys(POOLED_COLUMNS[2:-2], math.nan)
        if k:
            pooled.update(_pool(effects[finite], errors[finite], level, use_t))
            pooled.update(
                effect=_exp(pooled["log_effect"]),
                ci_low=_exp(pooled["log_ci_low"]),
                ci_high=_exp(pooled["log_ci_high"]),
            )
        record.update(pooled)
        i2 = record["i2"]
        record["heterogeneous"] = bool(math.isfinite(i2) and i2 >= HETEROGENEITY_I2)
        record["level"] = level
        records.append(record)
    return pd.DataFrame(records, columns=[*by, *POOLED_COLUMNS])


def write_pooled(table, path):
    """Write a pooled table as CSV (``%.10g`` floats, ``\\n`` line ends: byte-deterministic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
