"""Precision: the Monte Carlo error each primary contrast reached, and what would decide the rest.

Rendered from ``results/precision.csv`` (:mod:`normbench.analysis.precision`) only.
"""

from __future__ import annotations

import math

from normbench.report.figures.common import format_value
from normbench.report.html import html_details, html_table

_HEADERS = [
    "scenario",
    "metric",
    "pair / reference",
    "replicates",
    "effect",
    "MCSE of the log ratio",
    "SD of the log ratio",
    "verdict",
    "replicates to decide",
]


def _needed(value):
    if not math.isfinite(value):
        return "—" if math.isnan(value) else "never (no effect, no spread)"
    return f"{int(value)}"


def render(ctx):
    table = ctx.precision
    if table is None or table.empty:
        return None
    q = ctx.method.get("q", math.nan)
    undecided = table[table["verdict"] == "inconclusive"]
    rows = [
        (
            row.dataset,
            row.metric,
            f"{row.pair} / {row.reference}",
            row.n_replicates,
            format_value(row.effect),
            format_value(row.se),
            format_value(row.sd),
            row.verdict,
            _needed(row.replicates_to_decide),
        )
        for row in table.itertuples()
    ]
    reached = table["se"].to_numpy(float)
    reached = reached[[math.isfinite(value) for value in reached]]
    spread = (
        f"from {format_value(reached.min())} to {format_value(reached.max())}"
        if reached.size
        else "not available"
    )
    lead = (
        "<p>The primary contrasts are the loss question on the sparse penalties: each robust "
        "loss against the squared loss with the same penalty, on each scenario's headline "
        f"metric. Their Monte Carlo standard error (of the mean log ratio) ranges {spread}; "
        f"{len(undecided)} of {len(table)} are inconclusive. For those, the last column is the "
        "number of replicates that would decide the observed effect at its observed spread "
        f"(as a difference, or as equivalence where that needs fewer), at q = {q:g} before the "
        "correction for the other rows: a planning figure, not a promise.</p>"
    )
    return lead + html_details(
        f"The {len(table)} primary contrasts (results/precision.csv)",
        html_table(_HEADERS, rows),
    )


__all__ = ["render"]
