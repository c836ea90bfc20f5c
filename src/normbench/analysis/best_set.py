"""The set of best pairs: a model confidence set per dataset and metric.

**Procedure** (Hansen, Lunde & Nason 2011, "The model confidence set", Econometrica 79:453).
For one dataset and one metric, the losses form a (replicates × pairs) matrix: the log of the
metric where lower is better (``log(model_error)``), minus the log where higher is better
(``-log(f1)``). Metrics bounded in [0, 1] (F1, TPR, FPR, precision, the group shares) are first
floored at :data:`BOUNDED_FLOOR`, so that a null model's F1 of 0 is a large finite loss. The
model confidence set repeatedly tests "all remaining pairs are equally good" with the range
statistic (``method="R"``) and a bootstrap over replicates, and removes the worst pair while the
test rejects; the pairs left form the set. ``arch.bootstrap.MCS`` does the computation, with
block size 1 (the replicates are independent draws) and a seed derived from ``seed``, the
dataset's name and the metric's (a :class:`numpy.random.SeedSequence`), so the table is
byte-identical on every run and does not depend on the other datasets.

**Guarantee.** The set contains the best pair (the one with the lowest expected loss) with
probability at least ``1 - size`` (asymptotically in the number of replicates; with 10
replicates the bootstrap is coarse, and ``tests/test_best_set.py`` checks the false-exclusion
rate by simulation). ``p_value`` is the MCS p-value of the pair: it is in the set exactly when
``p_value > size``. The set says nothing about the order *within* it.

**What is compared.**

- Where the three unpenalised fits are the same minimum-norm interpolant
  (:func:`normbench.analysis.findings.interpolant_datasets`) they are one candidate,
  :data:`~normbench.analysis.findings.INTERPOLANT`, in the place of ``l2+none``.
- A fit whose status is ``failed`` has no value; a ``not_converged`` fit keeps its values, as in
  the findings (it produced coefficients; its status is counted in the summary). A replicate
  in which any candidate has no value (failed, or NaN) is dropped for that metric, and the
  number dropped is the column ``n_dropped``; ``n_replicates`` counts the replicates used.
- A pair without a value in *any* replicate (it failed everywhere) is no candidate: its row has
  ``in_set`` False and an empty ``p_value``.
- Pairs whose losses are identical in every used replicate (two null models with F1 floored
  alike) are one candidate in the test (its bootstrap statistic would be 0/0) and share its
  ``in_set`` and ``p_value``.
- With fewer than :data:`MIN_REPLICATES` (5) complete replicates, or one candidate, nothing is
  excluded: every candidate is in the set, ``p_value`` empty (too few replicates: a bootstrap
  over 2 to 4 replicates is degenerate, and no test at size 0.1 could exclude a pair from them)
  or 1 (one candidate).
- A metric a dataset does not have (every value missing) gives no rows there; a non-positive
  value of a metric that is logged is refused (it signals a bug), never dropped.

``arch`` is imported when a set is computed, not with this module: importing ``arch`` loads
numba, which the report's imports must not.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.analysis.findings import INTERPOLANT, interpolant_datasets
from normbench.vocab import LOSSES, metric, ordered_pairs, pair_key

__all__ = [
    "BEST_SET_COLUMNS",
    "BEST_SET_METRICS",
    "BOUNDED_FLOOR",
    "MIN_REPLICATES",
    "best_set",
    "best_set_table",
    "replicate_losses",
    "write_best_set",
]

#: Columns of ``results/best_set.csv``, in order.
BEST_SET_COLUMNS = (
    "dataset",
    "metric",
    "pair",
    "in_set",
    "p_value",
    "n_replicates",
    "n_dropped",
    "size",
)
#: Metrics whose best sets the study reports.
BEST_SET_METRICS = ("model_error", "risk", "f1")
#: Floor of a [0, 1]-bounded metric before its log is taken.
BOUNDED_FLOOR = 1e-3
#: Fewest complete replicates from which the set can exclude a pair. With 4, even a pair worse
#: in every replicate is not significantly worse at 10 % (the two-sided sign test's smallest
#: p-value is 2 / 2**4 = 0.125), while the bootstrap over so few replicates would exclude it.
MIN_REPLICATES = 5
_BOUNDED = frozenset({"f1", "tpr", "fpr", "precision", "group_hit", "group_frac", "group_whole"})
_FAILED = "failed"
_NO_PENALTY = "none"


def _losses_of(values, metric_name):
    """Per-replicate losses (lower is better) of a metric's values, NaN kept."""
    direction = metric(metric_name).better
    if direction is None or (direction == "higher" and metric_name not in _BOUNDED):
        raise ValueError(
            f"metric {metric_name!r} has no loss for a best set: it must be lower-is-better and "
            f"positive, or bounded in [0, 1] ({', '.join(sorted(_BOUNDED))})"
        )
    values = np.asarray(values, dtype=float)
    if metric_name in _BOUNDED:
        values = np.maximum(values, BOUNDED_FLOOR)  # NaN stays NaN
    bad = np.isfinite(values) & (values <= 0.0)
    if bad.any():
        raise ValueError(
            f"metric {metric_name!r} has {int(bad.sum())} non-positive values; a positive "
            f"metric cannot be logged and a non-positive one signals a bug"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        losses = np.log(values)
    return -losses if direction == "higher" else losses


def replicate_losses(rows, metric_name, *, interpolant=False):
    """The (replicates × pairs) loss matrix of one dataset's rows.

    Parameters
    ----------
    rows : pandas.DataFrame
        The metrics table's rows of one dataset.
    metric_name : str
        A metric column of ``rows``.
    interpolant : bool
        Whether the unpenalised fits are the one interpolant: the ``none`` pairs then become one
        column, :data:`INTERPOLANT`, in the place of ``l2+none``.

    Returns
    -------
    pandas.DataFrame
        Index: the replicates, in increasing order; columns: pair keys in vocabulary order;
        NaN where a fit failed or has no value.
    """
    value = pd.to_numeric(rows[metric_name], errors="coerce")
    value = value.where(rows["status"].astype(str) != _FAILED)
    table = rows.assign(value=value)
    if interpolant:
        squared = LOSSES[0]
        keep = (table["penalty"] != _NO_PENALTY) | (table["loss"] == squared)
        table = table[keep]
    identity = list(zip(table["loss"], table["penalty"], strict=True))
    table = table.assign(pair=[pair_key(loss, penalty) for loss, penalty in identity])
    pairs = ordered_pairs(identity)
    wide = table.pivot(index="replicate", columns="pair", values="value")
    wide = wide.reindex(columns=[pair_key(*each) for each in pairs]).sort_index()
    wide.columns.name = None
    if interpolant and pair_key(LOSSES[0], _NO_PENALTY) in wide:
        wide = wide.rename(columns={pair_key(LOSSES[0], _NO_PENALTY): INTERPOLANT})
    return wide.apply(lambda column: _losses_of(column.to_numpy(), metric_name)).astype(float)


def _seed(seed, dataset, metric_name):
    """A generator for one (dataset, metric) from the base seed and the two names."""
    key = f"{dataset}\x00{metric_name}".encode()
    return np.random.default_rng(np.random.SeedSequence([int(seed), *key]))


def best_set(losses, *, size=0.1, reps=1000, seed=None):
    """The model confidence set of a (replicates × candidates) loss matrix without NaN.

    Parameters
    ----------
    losses : pandas.DataFrame
        One row per replicate, one column per candidate; lower is better; no missing values.
    size : float
        The MCS's size: the set contains the best candidate with probability >= 1 - size.
    reps : int
        Bootstrap resamples.
    seed : int or numpy.random.Generator, optional
        The bootstrap's seed.

    Returns
    -------
    pandas.DataFrame
        Index: the candidates, in the columns' order; columns ``in_set`` (bool) and ``p_value``
        (the MCS p-value; NaN with fewer than :data:`MIN_REPLICATES` replicates).
    """
    names = list(losses.columns)
    matrix = losses.to_numpy(dtype=float)
    if np.isnan(matrix).any():
        raise ValueError("the loss matrix of a best set must have no missing values")
    result = pd.DataFrame({"in_set": True, "p_value": math.nan}, index=pd.Index(names))
    if len(matrix) < MIN_REPLICATES or not names:
        return result
    # identical columns are one candidate (their differences are 0 and the MCS statistic 0/0)
    representative: dict[int, int] = {}
    unique: list[int] = []
    for j in range(len(names)):
        same = next((u for u in unique if np.array_equal(matrix[:, u], matrix[:, j])), None)
        if same is None:
            unique.append(j)
            same = j
        representative[j] = same
    if len(unique) == 1:
        result["p_value"] = 1.0
        return result
    from arch.bootstrap import MCS  # loads numba: imported only when a set is computed

    candidates = pd.DataFrame(matrix[:, unique], columns=[str(u) for u in unique])
    mcs = MCS(candidates, size=size, reps=reps, block_size=1, method="R", seed=seed)
    mcs.compute()
    included = {int(name) for name in mcs.included}
    p_values = mcs.pvalues["Pvalue"]
    result["in_set"] = [representative[j] in included for j in range(len(names))]
    result["p_value"] = [float(p_values[str(representative[j])]) for j in range(len(names))]
    return result


def best_set_table(
    metrics,
    *,
    metrics_names=BEST_SET_METRICS,
    size=0.1,
    reps=1000,
    seed=0,
    interpolants=None,
):
    """The best set of every dataset and metric (module docstring).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table (``results/metrics.csv``).
    metrics_names : sequence of str
        Metrics whose sets are computed; one a dataset does not have (all missing) is skipped
        there, one the table does not have is skipped everywhere.
    size : float
        The MCS's size (0.1: the set holds the best pair with probability >= 90 %).
    reps : int
        Bootstrap resamples per set.
    seed : int
        Base seed; each (dataset, metric) derives its own stream from it and the names.
    interpolants : collection of str, optional
        The datasets whose unpenalised fits are the one interpolant, if the caller has them
        already; by default :func:`~normbench.analysis.findings.interpolant_datasets`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BEST_SET_COLUMNS`; datasets in the table's order, then metrics in
        ``metrics_names`` order, then pairs in vocabulary order.
    """
    if interpolants is None:
        interpolants = interpolant_datasets(metrics)
    records = []
    for dataset in pd.unique(metrics["dataset"]):
        rows = metrics[metrics["dataset"] == dataset]
        for name in metrics_names:
            if name not in rows or pd.to_numeric(rows[name], errors="coerce").isna().all():
                continue
            losses = replicate_losses(rows, name, interpolant=dataset in interpolants)
            absent = losses.columns[losses.isna().all()]
            candidates = losses.drop(columns=absent)
            complete = candidates.dropna()
            found = best_set(complete, size=size, reps=reps, seed=_seed(seed, dataset, name))
            for pair in losses.columns:
                in_set, p_value = False, math.nan
                if pair not in absent:
                    in_set, p_value = bool(found.at[pair, "in_set"]), found.at[pair, "p_value"]
                records.append(
                    {
                        "dataset": dataset,
                        "metric": name,
                        "pair": pair,
                        "in_set": in_set,
                        "p_value": p_value,
                        "n_replicates": 0 if pair in absent else len(complete),
                        "n_dropped": len(candidates) - len(complete),
                        "size": size,
                    }
                )
    return pd.DataFrame(records, columns=list(BEST_SET_COLUMNS))


def write_best_set(table, path):
    """Write the best-set table as ``results/best_set.csv`` (byte-deterministic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
