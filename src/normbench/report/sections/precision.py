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
        "<p>The primary contrasts (each robust loss against the squared loss with the same "
        "sparse penalty, on the scenario's headline metric) reached a Monte Carlo standard "
        f"error of the mean log ratio {spread}; {len(undecided)} of {len(table)} are "
        "inconclusive, and the table gives the replicates that would decide each at its observed "
        f"effect and spread (q = {q:g}, before the correction for the other rows: a planning "
        "figure).</p>"
    )
    plan_text, plan_table = _plan(ctx)
    return (
        plan_text
        + lead
        + html_details(
            f"The plan per dataset and the {len(table)} primary contrasts (results/plan.csv, "
            "results/precision.csv)",
            plan_table + html_table(_HEADERS, rows),
        )
    )


def _plan(ctx):
    """(paragraph, table) of the replicate plan (results/plan.csv): needed, run, capped."""
    plan = ctx.plan
    if plan is None or plan.empty:
        return (
            "<p>The replicates were fixed in the configuration, not planned: the Monte Carlo "
            "errors below are what that number gave.</p>",
            "",
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
    text = (
        f"<p><b>Replicates planned from a pilot</b> of {settings.get('pilot')} per dataset, for "
        f"{esc(target)} on every primary contrast's mean log ratio, capped at "
        f"{settings.get('max')} (the pilot's data and fits are kept, the extra replicates drawn "
        f"from the same seed streams).{esc(note)}</p>"
    )
    headers = ["dataset", "driving contrast", "metric", "pilot SD", "required", "run", "capped"]
    return text, "<h4>The plan per dataset</h4>" + html_table(headers, rows)


__all__ = ["render"]
