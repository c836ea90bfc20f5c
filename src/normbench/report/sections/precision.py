"""Precision: the Monte Carlo error each primary contrast reached, and what would decide the rest.

Rendered from ``results/precision.csv`` (:mod:`normbench.analysis.precision`) only.
"""

from __future__ import annotations

import math

from normbench.report.figures.common import format_value
from normbench.report.html import esc, html_details, html_table

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
    return (
        _plan(ctx)
        + lead
        + html_details(
            f"The {len(table)} primary contrasts (results/precision.csv)",
            html_table(_HEADERS, rows),
        )
    )


def _plan(ctx):
    """The replicate plan (results/plan.csv): what each dataset needed and ran, capped or not."""
    plan = ctx.plan
    if plan is None or plan.empty:
        return (
            "<p>The replicates were fixed in the configuration, not planned: the Monte Carlo "
            "errors below are what that number gave.</p>"
        )
    settings = ctx.config.get("replicates") or {}
    target = (
        f"a Monte Carlo standard error of at most {settings['mcse']:g}"
        if settings.get("mcse") is not None
        else f"a 95 % half-width of at most {settings.get('half_width', 'n/a')}"
    )
    capped = plan[plan["capped"]]
    rows = [
        (
            row.dataset,
            row.contrast,
            row.metric,
            format_value(row.pilot_sd),
            row.required,
            row.run,
            "yes" if row.capped else "no",
        )
        for row in plan.itertuples()
    ]
    note = (
        f" {len(capped)} of {len(plan)} datasets reached the cap of {settings.get('max')} "
        f"replicates ({', '.join(capped['dataset'])}): there the target was not met, and their "
        "Monte Carlo errors below say what was."
        if len(capped)
        else " No dataset reached the cap."
    )
    return (
        f"<p><b>Replicates planned from a pilot</b> of {settings.get('pilot')} per dataset, for "
        f"{esc(target)} on every primary contrast's mean log ratio, capped at "
        f"{settings.get('max')} (results/plan.csv; the pilot's data and fits are kept, the extra "
        f"replicates drawn from the same seed streams).{esc(note)}</p>"
        + html_details(
            "The plan per dataset",
            html_table(
                ["dataset", "driving contrast", "metric", "pilot SD", "required", "run", "capped"],
                rows,
            ),
        )
    )


__all__ = ["render"]
