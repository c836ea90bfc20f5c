"""Medians per pair from results/summary.csv, as the sections select and print them.

Nothing here computes a statistic: every number is a row of ``results/summary.csv``
(:mod:`normbench.analysis.summary`), selected and laid out with its Monte Carlo error.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from normbench.analysis.findings import INTERPOLANT
from normbench.report.figures.common import INTERPOLANT_LOSS, format_value
from normbench.vocab import PAIR_SEPARATOR, ordered_pairs, pair_key

#: Columns of :func:`pair_estimates`.
ESTIMATE_COLUMNS = (
    "dataset",
    "loss",
    "penalty",
    "estimate",
    "mcse",
    "ci_low",
    "ci_high",
    "n_replicates",
)


def _summary_key(loss, penalty):
    return INTERPOLANT if loss == INTERPOLANT_LOSS else pair_key(loss, penalty)


def loss_penalty(key):
    """(loss, penalty) of a summary pair key; the interpolant is the display's ``any+none``."""
    if key == INTERPOLANT:
        return INTERPOLANT_LOSS, "none"
    loss, _, penalty = key.partition(PAIR_SEPARATOR)
    return loss, penalty


def pair_estimates(summary, metric, datasets=None, what="median"):
    """The summary's ``what`` of ``metric`` for every model pair, as (loss, penalty) rows.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``results/summary.csv`` (read).
    metric : str
    datasets : collection of str, optional
        Keep these datasets only.
    what : str
        ``median`` or ``mean``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS`, in the summary's order; the references (oracles, the
        data, whose pair holds no ``+``) are left out.
    """
    rows = summary[(summary["what"] == what) & (summary["metric"] == metric)]
    if datasets is not None:
        rows = rows[rows["dataset"].isin(list(datasets))]
    rows = rows[
        rows["pair"].str.contains(PAIR_SEPARATOR, regex=False) | (rows["pair"] == INTERPOLANT)
    ]
    pairs = [loss_penalty(key) for key in rows["pair"]]
    return pd.DataFrame(
        {
            "dataset": rows["dataset"].to_numpy(),
            "loss": [loss for loss, _ in pairs],
            "penalty": [penalty for _, penalty in pairs],
            **{c: rows[c].to_numpy() for c in ESTIMATE_COLUMNS[3:]},
        },
        columns=list(ESTIMATE_COLUMNS),
    )


def with_error(estimate, mcse):
    """``m ± mcse``; ``m`` alone without a Monte Carlo error; ``n/a`` without a value."""
    if estimate is None or not math.isfinite(estimate):
        return "n/a"
    if mcse is None or not math.isfinite(mcse):
        return format_value(estimate)
    # a constant over the replicates (a population variance) resamples to rounding noise
    mcse = 0.0 if mcse <= 1e-12 * abs(estimate) else mcse
    return f"{format_value(estimate)} ± {format_value(mcse)}"


class SummaryNumber(NamedTuple):
    """One number of ``results/summary.csv``: its value, Monte Carlo error and replicates."""

    estimate: float
    mcse: float
    n_replicates: int


def summary_number(summary, dataset, pair, metric, what="median"):
    """The :class:`SummaryNumber` of one row of ``results/summary.csv``, or None.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``results/summary.csv`` (read).
    dataset, metric : str
    pair : str
        The summary's spelling: a model pair (``l2+l1``, ``interpolant``) or a pseudo-pair (a
        margin ``loss:<loss>`` or ``penalty:<penalty>``, ``oracle:<loss>``, ``data``).
    what : str
        ``median``, ``mean``, ``share_ok``, ...

    Returns
    -------
    SummaryNumber or None
        None where the summary holds no such row.
    """
    found = summary[
        (summary["what"] == what)
        & (summary["dataset"] == dataset)
        & (summary["pair"] == pair)
        & (summary["metric"] == metric)
    ]
    if found.empty:
        return None
    row = found.iloc[0]
    return SummaryNumber(float(row["estimate"]), float(row["mcse"]), int(row["n_replicates"]))


def summary_row(ctx, dataset, loss, penalty, metric, what="median"):
    """:func:`summary_number` of a displayed (loss, penalty), the interpolant's ``any+none``
    included."""
    return summary_number(ctx.mc_summary, dataset, _summary_key(loss, penalty), metric, what)


def grid_estimates(ctx, dataset, metric, what="median"):
    """:func:`pair_estimates` of one dataset with a row for every pair it displays.

    A pair the summary holds no such row for (a metric the dataset lacks) has an empty
    estimate: the heatmap shows ``n/a`` there.
    """
    displayed = ctx.display[ctx.display["dataset"] == dataset]
    pairs = pd.DataFrame(
        ordered_pairs(zip(displayed["loss"], displayed["penalty"], strict=True)),
        columns=["loss", "penalty"],
    ).assign(dataset=dataset)
    found = pair_estimates(ctx.mc_summary, metric, [dataset], what)
    merged = pairs.merge(found, on=["dataset", "loss", "penalty"], how="left")
    return merged[list(ESTIMATE_COLUMNS)]


def pair_medians(ctx, dataset, metrics):
    """One row per displayed pair of ``dataset``: its summary median of each of ``metrics``.

    Columns ``dataset``, ``loss``, ``penalty`` and one per metric (empty where the summary has
    no median): what a figure of several medians per pair draws.
    """
    table = None
    for metric in metrics:
        column = grid_estimates(ctx, dataset, metric)[["dataset", "loss", "penalty", "estimate"]]
        column = column.rename(columns={"estimate": metric})
        keys = ["dataset", "loss", "penalty"]
        table = column if table is None else table.merge(column, on=keys, how="outer")
    return table
