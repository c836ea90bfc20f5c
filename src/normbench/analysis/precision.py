"""The precision each primary contrast reached, and what an undecided one would need.

The primary contrasts (:data:`PRIMARY_CONTRASTS`) are the loss question on the sparse penalties:
each robust loss against the squared loss with the same sparse penalty, on each dataset's
headline metric. For each of them :func:`precision_table` states, from the findings alone:

- ``se``: the Monte Carlo standard error of the mean log ratio the study reached, and ``sd``, the
  spread of the per-replicate log ratios (``se · √n``);
- for an ``inconclusive`` row, ``replicates_to_decide``: how many replicates would let the same
  effect and spread be decided, the smallest ``N`` with ``t_{N−1, 1−q/2} · sd / √N ≤ gap``,
  ``gap`` the distance that must be resolved — ``|d̄|`` to call a difference, ``Δ − |d̄|`` to
  call equivalence (whichever needs fewer). It is a planning figure at the observed effect (the
  multiplicity correction of a larger table asks for somewhat more), not a promise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from normbench.analysis.plan import primary_contrasts
from normbench.analysis.verdicts import DEFAULT_EQUIVALENCE, DEFAULT_Q, INCONCLUSIVE
from normbench.vocab import LOSSES, PENALTIES

__all__ = ["PRECISION_COLUMNS", "PRIMARY_CONTRASTS", "precision_table", "replicates_to_decide"]

#: (pair, reference) of every primary contrast, in table order: the contrasts a plan is made
#: for (:func:`normbench.analysis.plan.primary_contrasts`).
PRIMARY_CONTRASTS = tuple(primary_contrasts(LOSSES, PENALTIES))
#: Columns of ``results/precision.csv``.
PRECISION_COLUMNS = (
    "dataset",
    "metric",
    "pair",
    "reference",
    "n_replicates",
    "sd",
    "se",
    "effect",
    "verdict",
    "replicates_to_decide",
)


def _replicates_for(gap, sd, q):
    """The smallest N >= 2 with t_{N-1, 1-q/2} * sd / sqrt(N) <= gap."""
    if sd == 0:
        return 2
    n = max(2, math.ceil((float(stats.norm.ppf(1.0 - q / 2.0)) * sd / gap) ** 2))
    while float(stats.t.ppf(1.0 - q / 2.0, n - 1)) * sd / math.sqrt(n) > gap:
        n += 1
    return n


def replicates_to_decide(estimate, sd, *, q=DEFAULT_Q, equivalence=DEFAULT_EQUIVALENCE):
    """Replicates that would decide a mean log ratio ``estimate`` of spread ``sd`` (docstring).

    Returns
    -------
    float
        The smaller of the counts that would call a difference and equivalence; ``nan`` where
        the spread is unknown; ``inf`` where neither can be decided (no effect and no spread).
    """
    if not (math.isfinite(estimate) and math.isfinite(sd)):
        return math.nan
    margin = math.log(equivalence)
    needs = [
        _replicates_for(gap, sd, q) for gap in (abs(estimate), margin - abs(estimate)) if gap > 0
    ]
    return float(min(needs)) if needs else math.inf


def precision_table(findings, *, q=DEFAULT_Q, equivalence=DEFAULT_EQUIVALENCE, metric_of=None):
    """Per dataset, the primary contrasts' precision and, if undecided, replicates to decide.

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv``.
    q, equivalence : float
        As the findings were decided with.
    metric_of : mapping of str to str, optional
        Each dataset's headline metric; by default every metric of the findings.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PRECISION_COLUMNS`, datasets sorted, contrasts in
        :data:`PRIMARY_CONTRASTS` order.
    """
    order = {contrast: index for index, contrast in enumerate(PRIMARY_CONTRASTS)}
    keys = list(zip(findings["pair"], findings["reference"], strict=True))
    rows = findings[[key in order for key in keys]].copy()
    if metric_of is not None:
        rows = rows[rows["metric"] == rows["dataset"].map(metric_of)]
    rows["_order"] = [order[key] for key in zip(rows["pair"], rows["reference"], strict=True)]
    rows = rows.sort_values(["dataset", "metric", "_order"], kind="stable")
    n = rows["n_replicates"].to_numpy(float)
    rows["sd"] = rows["se"].to_numpy(float) * np.sqrt(n)
    rows["replicates_to_decide"] = [
        replicates_to_decide(estimate, sd, q=q, equivalence=equivalence)
        if verdict == INCONCLUSIVE
        else math.nan
        for estimate, sd, verdict in zip(rows["estimate"], rows["sd"], rows["verdict"], strict=True)
    ]
    return pd.DataFrame(rows, columns=list(PRECISION_COLUMNS)).reset_index(drop=True)
