"""What the fits cost, per pair: fit time and the error it buys (``results/cost.csv``).

One row per statistic (``what``) of one pair (columns :data:`COST_COLUMNS`), from
``results/timings.csv`` (wall-clock seconds per fit, cross-validation included) and the metrics:

- ``median`` and ``mean`` of ``fit_seconds`` over every fit of the pair (every dataset and
  replicate), with their Monte Carlo errors as in :mod:`normbench.analysis.summary` (a bootstrap
  of the fits for the median, ``s / sqrt(n)`` for the mean) and ``n_replicates`` the fits;
- ``max`` and ``total`` of ``fit_seconds``: what this run spent, not estimates (no error); a
  last ``total`` row, pair :data:`ALL_PAIRS`, sums every fit of the study;
- ``relative_error`` (metric: the error, :func:`normbench.analysis.ranking.ranking_metric`): the
  median over the scenarios of the pair's median error divided by the lowest median error of
  the scenario's pairs (1 = the best pair of every scenario; scenarios whose errors have
  different scales pooled so), with ``n_replicates`` the scenarios it rests on.

Timings depend on the machine and its load: this table has the same bytes for the same
``timings.csv``, not for two runs of the same study.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.analysis.ranking import ranking_metric
from normbench.analysis.summary import bootstrap_medians
from normbench.study.store import ok_fits
from normbench.vocab import ordered_pairs, pair_key

__all__ = ["ALL_PAIRS", "COST_COLUMNS", "COST_ROWS", "cost_table"]

#: Columns of ``results/cost.csv``, in order.
COST_COLUMNS = ("what", "pair", "metric", "estimate", "mcse", "n_replicates")
#: The pseudo-pair of the study's total fit time.
ALL_PAIRS = "all"
#: The statistics of each pair, in the table's order.
COST_ROWS = ("median", "mean", "max", "total", "relative_error")


def _relative_errors(metrics, metric):
    """``{pair: (median over scenarios of median error / best, scenarios)}``."""
    ok = ok_fits(metrics)
    errors = (
        ok.assign(error=pd.to_numeric(ok[metric], errors="coerce"))
        .groupby(["dataset", "loss", "penalty"])["error"]
        .median()
    )
    best = errors.groupby("dataset").transform("min")
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (errors / best).replace([np.inf, -np.inf], np.nan).dropna()
    by_pair = relative.groupby(["loss", "penalty"])
    return {pair_key(*pair): (float(values.median()), len(values)) for pair, values in by_pair}


def cost_table(timings, metrics, *, level=0.95, n_boot=2000, seed=0):
    """The cost of every pair (module docstring).

    Parameters
    ----------
    timings : pandas.DataFrame
        ``results/timings.csv``: ``loss``, ``penalty``, ``fit_seconds``.
    metrics : pandas.DataFrame
        The metrics table (only ``ok`` fits count for the errors).
    level, n_boot, seed
        As :func:`normbench.analysis.summary.summary_table`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COST_COLUMNS`; per pair in vocabulary order, the rows of
        :data:`COST_ROWS`.
    """
    seconds = pd.to_numeric(timings["fit_seconds"], errors="coerce")
    frame = timings.assign(fit_seconds=seconds)[np.isfinite(seconds)]
    metric = ranking_metric(metrics)
    relative = _relative_errors(metrics, metric)
    pairs = ordered_pairs(zip(frame["loss"], frame["penalty"], strict=True))
    groups = frame.groupby(["loss", "penalty"])["fit_seconds"]
    rows = []
    for loss, penalty in pairs:
        values = groups.get_group((loss, penalty)).to_numpy(dtype=float)
        key, n = pair_key(loss, penalty), len(values)
        median = bootstrap_medians(
            [values], [("cost", key, "fit_seconds")], n_boot=n_boot, level=level, seed=seed
        )[0]
        mean_error = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        rows += [
            ("median", key, "fit_seconds", median[0], median[1], n),
            ("mean", key, "fit_seconds", float(values.mean()), mean_error, n),
            ("max", key, "fit_seconds", float(values.max()), math.nan, n),
            ("total", key, "fit_seconds", float(values.sum()), math.nan, n),
        ]
        if key in relative:
            ratio, scenarios = relative[key]
            rows.append(("relative_error", key, metric, ratio, math.nan, scenarios))
    everything = frame["fit_seconds"].to_numpy(dtype=float)
    rows.append(("total", ALL_PAIRS, "fit_seconds", float(everything.sum()), math.nan, len(frame)))
    table = pd.DataFrame(rows, columns=list(COST_COLUMNS))
    return table.astype({"n_replicates": int})
