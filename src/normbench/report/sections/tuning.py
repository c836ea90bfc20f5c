"""Tuning diagnostics: where the tuned values landed on their grids, the CV curves, Huber's δ."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.analysis.summary import loss_margin
from normbench.report.figures.common import format_value, pair_label
from normbench.report.figures.tuning import cv_curves
from normbench.report.html import esc, html_details, html_figure, html_table
from normbench.report.tables import loss_penalty, summary_number, with_error
from normbench.vocab import ordered_pairs, pair_key

#: Share of a pair's fits on a grid edge above which the report warns.
EDGE_WARNING_SHARE = 0.2
#: The tuned values whose grid ends are recorded (``*_at_edge`` of results/metrics.csv).
EDGE_COLUMNS = {"lam_at_edge": "λ", "l1_ratio_at_edge": "l1_ratio", "delta_at_edge": "δ"}


def edge_counts(summary):
    """Per (dataset, loss, penalty): tuned fits, and for each tuned value its edge hits.

    From the edge shares of ``results/summary.csv`` (``share_at_low_edge``,
    ``share_at_high_edge`` over the fits where the value was tuned): a DataFrame with
    ``dataset, loss, penalty, n`` (the most tuned fits of any value) and ``<column>_low``,
    ``<column>_high``, ``<column>_n`` for each ``*_at_edge`` column the summary has.
    """
    shares = summary[summary["what"].isin(["share_at_low_edge", "share_at_high_edge"])]
    shares = shares[shares["metric"].isin(list(EDGE_COLUMNS))]
    records = {}
    for row in shares.itertuples(index=False):
        loss, penalty = loss_penalty(row.pair)
        record = records.setdefault(
            (row.dataset, row.pair),
            {"dataset": row.dataset, "loss": loss, "penalty": penalty, "n": 0},
        )
        edge = "low" if row.what == "share_at_low_edge" else "high"
        n = int(row.n_replicates)
        record[f"{row.metric}_{edge}"] = round(float(row.estimate) * n) if n else 0
        record[f"{row.metric}_n"] = n
        record["n"] = max(record["n"], n)
    columns = [c for c in EDGE_COLUMNS if c in set(shares["metric"])]
    table = pd.DataFrame(list(records.values()))
    if table.empty:
        table = pd.DataFrame(columns=["dataset", "loss", "penalty", "n"])
    for column in columns:
        for suffix in ("low", "high", "n"):
            name = f"{column}_{suffix}"
            table[name] = table[name].fillna(0).astype(int) if name in table else 0
    return table


def _warnings(counts, datasets):
    """Every pair on an edge in more than EDGE_WARNING_SHARE of its fits: (sentence, covered).

    ``covered`` is true where the edge is a limit the study fits otherwise (:func:`edge_meaning`).
    """
    sentences = []
    for row in counts.itertuples(index=False):
        if row.dataset not in datasets:
            continue
        for column, name in EDGE_COLUMNS.items():
            for edge in ("low", "high"):
                hits = getattr(row, f"{column}_{edge}", 0)
                tuned = getattr(row, f"{column}_n", 0)
                if not hits or hits <= EDGE_WARNING_SHARE * tuned:
                    continue
                text = (
                    f"{row.dataset}, {pair_label(row.loss, row.penalty)}: {name} at the {edge} "
                    f"edge of its grid in {hits} of {tuned} fits"
                )
                meaning = edge_meaning(column, edge, row.penalty)
                sentences.append((text + (f" ({meaning})" if meaning else "") + ".", bool(meaning)))
    return sentences


def edge_meaning(column, edge, penalty):
    """What a choice on this edge tends to, where the study covers that limit otherwise.

    Most edges of our grids are limits the study fits as pairs of their own (δ → 0 is the l1
    loss, δ → ∞ the l2 loss, l1_ratio → 1 the lasso and → 0 ridge) or natural ends (λ_max,
    the null model);
    an edge without such a meaning says the grid may have cut the CV minimum off (None).
    """
    if column == "lam_at_edge":
        if edge == "high":
            return "the null model" if penalty == "l2" else "λ_max: the null model"
        if penalty == "l2":
            return "ridge at its least regularised: the interpolant wins"
        return None
    if column == "l1_ratio_at_edge":
        penalty = "the lasso" if edge == "high" else "ridge"
        return f"toward {penalty}, a pair of its own"
    if column == "delta_at_edge":
        loss = "l1" if edge == "low" else "l2"
        return f"toward the {loss} loss, a pair of its own"
    return None


def _delta_rows(ctx):
    """Per scenario: Huber's chosen δ and δ / σ over its penalised fits, and the δ factor.

    The medians and their Monte Carlo errors are the ``loss:huber`` margin rows of
    ``results/summary.csv``; the edge hits those of its pairs (:func:`edge_counts`).
    """
    summary = ctx.mc_summary
    counts = edge_counts(summary)
    factors = sorted(float(f) for f in ctx.config["cv"]["delta_factors"])
    rows = []
    for dataset in ctx.all_datasets:
        delta, over_sigma = (
            summary_number(summary, dataset, loss_margin("huber"), name)
            for name in ("delta", "delta_over_sigma")
        )
        cells = [
            "n/a" if found is None else with_error(found.estimate, found.mcse)
            for found in (delta, over_sigma)
        ]
        fits = delta.n_replicates if delta is not None else 0
        chosen = _chosen_factors(ctx.fits.get(dataset, {}), factors)
        huber = counts[(counts["dataset"] == dataset) & (counts["loss"] == "huber")]
        low = int(huber["delta_at_edge_low"].sum()) if "delta_at_edge_low" in huber else 0
        high = int(huber["delta_at_edge_high"].sum()) if "delta_at_edge_high" in huber else 0
        rows.append((dataset, fits, *cells, chosen or "n/a", f"{low} / {high}"))
    return rows


def _chosen_factors(fits, factors):
    """'l1: ×1, elasticnet: ×2' from the fits store's delta grids (replicate 1)."""
    parts = []
    for pair, record in sorted(fits.items()):
        if not pair.startswith("huber+") or record.cv_deltas is None:
            continue
        grid = np.unique(np.asarray(record.cv_deltas, float))
        grid = grid[np.isfinite(grid)]
        if grid.size != len(factors) or not math.isfinite(record.delta):
            continue
        index = int(np.argmin(np.abs(grid - record.delta)))
        parts.append(f"{pair.split('+', 1)[1]}: ×{format_value(factors[index])}")
    return ", ".join(parts)


def _curves(ctx):
    dataset = next((d for d in ctx.datasets if d in ctx.fits), None)
    if dataset is None:
        return '<p class="note">No fits store was given, so the CV curves are not drawn.</p>'
    fits = ctx.fits[dataset]
    pairs = [
        pair_key(*pair)
        for pair in ordered_pairs(tuple(key.split("+", 1)) for key in fits)
        if pair[1] != "none"
    ]
    figure = cv_curves(fits, pairs, title=f"{dataset}, replicate 1: cross-validation curves")
    if figure is None:
        return '<p class="note">The fits store holds no CV curve to draw.</p>'
    return html_figure(
        figure,
        "Mean held-out score over the folds (line) ± one standard error (band) against λ, for "
        "the chosen l1_ratio and δ; the solid line is the λ chosen, the dotted one the largest "
        "λ within one standard error of the minimum. A minimum at the left or right end of the "
        "grid is a grid edge.",
        f"cross-validation curves for {dataset}",
    )


def render(ctx):
    if not any(column in ctx.metrics for column in EDGE_COLUMNS):
        return None  # a table written before the edges were recorded
    counts = edge_counts(ctx.mc_summary)
    found = _warnings(counts, set(ctx.all_datasets))
    cut = [text for text, covered in found if not covered]
    limits = [text for text, covered in found if covered]
    share = f"{100 * EDGE_WARNING_SHARE:.0f}%"
    parts = [
        "<p>Each fit records whether its tuned λ, l1_ratio and δ landed on an end of its grid "
        "(<code>*_at_edge</code> in <code>results/metrics.csv</code>). Most ends are limits "
        "fitted elsewhere: λ_max is the null model, ridge's smallest λ tends to the interpolant, "
        "l1_ratio to the lasso or ridge, Huber's δ to the l1 or l2 loss. Only a sparse "
        "penalty's smallest λ may cut off the CV minimum.</p>",
        (
            f'<p class="warn"><b>{len(cut)} pair(s) and scenario(s) on an edge that may have '
            f"cut off the CV minimum, in more than {share} of the fits.</b></p>\n"
            + html_details(
                "Which, and which edge",
                "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in cut) + "</ul>",
            )
            if cut
            else f'<p class="ok">No pair is on an edge that may have cut off the CV minimum in '
            f"more than {share} of its fits.</p>"
        ),
        (
            html_details(
                f"{len(limits)} pair(s) and scenario(s) at a limit fitted elsewhere in more than "
                f"{share} of the fits",
                "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in limits) + "</ul>",
            )
            if limits
            else ""
        ),
        "<p>Each scenario's edge hits per pair are rows of its table of medians "
        '(<a href="#by-scenario">Scenario by scenario</a>).</p>',
    ]
    parts.append(
        "<h3>Huber's δ</h3>\n<p>The δ chosen by CV over the noise scale σ of the simulator "
        "(from the dataset sidecars; 1.345 σ gives 95% efficiency under Gaussian noise), the "
        "factor of the reference δ chosen in replicate 1, and the fits at the grid's ends.</p>"
        + html_details(
            "Huber's δ per scenario",
            html_table(
                [
                    "dataset",
                    "Huber fits",
                    "median δ ± MCSE",
                    "median δ / σ ± MCSE",
                    "factor (rep 1)",
                    "low / high",
                ],
                _delta_rows(ctx),
            ),
        )
    )
    parts.append(
        "<h3>Cross-validation curves</h3>\n"
        + html_details("The CV curves of one replicate per pair", _curves(ctx))
    )
    return "\n".join(parts)
