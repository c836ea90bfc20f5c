"""Tables of medians per pair, shared by several sections: rendered from results/summary.csv."""

from __future__ import annotations

import math

import pandas as pd

from normbench.report.figures.common import INTERPOLANT_LOSS, format_value, pair_label
from normbench.report.html import html_table
from normbench.study.store import is_ok
from normbench.vocab import ordered_pairs, pair_key

#: The summary's name of the one interpolant of the three unpenalised fits.
_INTERPOLANT_KEY = "interpolant"


def pair_medians(metrics, dataset, columns):
    """Medians of columns the analysis does not summarise (the chosen hyperparameters)."""
    rows = metrics[(metrics["dataset"] == dataset) & is_ok(metrics)]
    numeric = rows.assign(**{c: pd.to_numeric(rows[c], errors="coerce") for c in columns})
    return numeric.groupby(["loss", "penalty"])[list(columns)].median()


def _summary_key(loss, penalty):
    return _INTERPOLANT_KEY if loss == INTERPOLANT_LOSS else pair_key(loss, penalty)


def _with_error(estimate, mcse):
    if not math.isfinite(estimate):
        return "n/a"
    if not math.isfinite(mcse):
        return format_value(estimate)
    return f"{format_value(estimate)} ± {format_value(mcse)}"


def summary_cell(ctx, dataset, loss, penalty, metric, what="median"):
    """One summarised number with its Monte Carlo error (``results/summary.csv``), or ``n/a``."""
    summary = ctx.mc_summary
    found = summary[
        (summary["what"] == what)
        & (summary["dataset"] == dataset)
        & (summary["pair"] == _summary_key(loss, penalty))
        & (summary["metric"] == metric)
    ]
    if found.empty:
        return "n/a"
    return _with_error(float(found["estimate"].iloc[0]), float(found["mcse"].iloc[0]))


def medians_table(ctx, dataset, columns, headers):
    """Median ± its Monte Carlo error per pair (``results/summary.csv``), and the replicates.

    Columns the summary does not hold (ratios derived for the figures) are medians of the
    displayed rows, shown without an error; the caption of each section says which.
    """
    summary = ctx.mc_summary
    mine = summary[(summary["what"] == "median") & (summary["dataset"] == dataset)]
    by_key = {(row.pair, row.metric): row for row in mine.itertuples()}
    summarised = set(mine["metric"])
    others = [column for column in columns if column not in summarised]
    fallback = pair_medians(ctx.display, dataset, others) if others else None
    displayed = ctx.display[ctx.display["dataset"] == dataset]
    rows = []
    for loss, penalty in ordered_pairs(zip(displayed["loss"], displayed["penalty"], strict=True)):
        key = _summary_key(loss, penalty)
        cells, replicates = [], 0
        for column in columns:
            found = by_key.get((key, column))
            if found is not None:
                cells.append(_with_error(found.estimate, found.mcse))
                replicates = max(replicates, int(found.n_replicates))
            elif fallback is not None and (loss, penalty) in fallback.index:
                cells.append(format_value(fallback.loc[(loss, penalty), column]))
            else:
                cells.append("n/a")
        rows.append((pair_label(loss, penalty), *cells, replicates))
    return html_table(["loss / penalty", *headers, "replicates"], rows)
