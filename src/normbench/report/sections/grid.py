"""The loss x penalty grid: heatmaps of medians, the interaction plot, the oracle."""

from __future__ import annotations

import math

from normbench.report.context import oracle_stats
from normbench.report.figures import heatmap_grid, interaction_plot
from normbench.report.figures.common import pair_label
from normbench.report.html import anchor, esc, html_details, html_figure, html_table
from normbench.report.prose import (
    ORACLE_CAPTION,
    ORACLE_LOSSES,
    ORACLE_NAMES,
    describe_noise,
    oracle_note,
    signal_note,
)
from normbench.report.tables import (
    grid_estimates,
    pair_estimates,
    summary_cell,
    summary_row,
    with_error,
)
from normbench.study.store import is_ok
from normbench.vocab import ordered_pairs

_GRID_METRICS = ("risk", "test_mse", "test_mae", "f1", "n_nonzero")


ORACLE_LABEL = "oracle"


_HEATMAP_CAPTIONS = {
    "risk": "Median noise-free risk mean((f̂ − f)²) over the test points: how far the fitted "
    "function is from the true signal. Lower is better; the best cell is outlined in red.",
    "test_mse": "Median test mean squared error against the noisy responses (risk plus noise "
    "variance, so heavy-tailed noise inflates it for every pair). Lower is better.",
    "test_mae": "Median test mean absolute error against the noisy responses: less sensitive "
    "than test_mse to a few huge test residuals. Lower is better.",
    "f1": "Median F1 score of the selected support {j : ŵⱼ ≠ 0} against the true support. "
    "Higher is better; dense estimators (none, l2) select every feature.",
    "n_nonzero": "Median number of non-zero coefficients at the CV choice.",
}


def render(ctx):
    metrics, summary, datasets = ctx.display, ctx.mc_summary, ctx.datasets
    config = ctx.config
    oracle_levels = {
        dataset: {
            loss: stats["risk"]
            for loss in ORACLE_LOSSES
            if (stats := oracle_stats(ctx, dataset, loss)) is not None
        }
        for dataset in datasets
    }
    oracle_caption = (
        " The dashed lines are the median risks of the oracles, each in the colour of its "
        "loss. " + ORACLE_CAPTION
        if any(math.isfinite(v) for levels in oracle_levels.values() for v in levels.values())
        else ""
    )
    interaction = html_figure(
        interaction_plot(
            pair_estimates(summary, "risk", datasets),
            datasets,
            "risk",
            references=oracle_levels,
            reference_label=ORACLE_LABEL,
        ),
        "Median risk per penalty (x axis), one line per loss, one panel per scenario; the "
        "error bars are ± the medians' Monte Carlo errors (results/summary.csv). "
        "Parallel lines mean the loss and the penalty act independently (no interaction); the "
        "vertical spread between lines is the effect of the loss, the slope along a line the "
        "effect of the penalty. Where the three unpenalised fits are the same interpolant it is "
        "one point, loss 'any'." + oracle_caption,
        "interaction plot of median risk",
    )
    links = " · ".join(
        f'<a href="#{esc(anchor("grid", dataset))}">{esc(dataset)}</a>' for dataset in datasets
    )
    parts = [
        "<p>Medians over replicates of every metric on the 3 × 4 grid of losses (rows) and "
        "penalties (columns). Scenarios: " + links + "</p>",
        html_details("Interaction plot: median risk per penalty, one line per loss", interaction),
    ]
    for dataset in datasets:
        params = (config.get("datasets") or {}).get(dataset) or {}
        true_support = (params.get("coef") or {}).get("n_nonzero")
        n_not_ok = int((~is_ok(ctx.rows(dataset))).sum())
        heatmaps = []
        for metric in _GRID_METRICS:
            caption = _HEATMAP_CAPTIONS[metric]
            if metric == "n_nonzero" and true_support is not None:
                caption += f" The true support has {true_support} features."
            if metric == "risk":
                caption += " " + signal_note(ctx, dataset)
                caption += " " + oracle_note(ctx, dataset)
            figure = heatmap_grid(
                grid_estimates(ctx, dataset, metric),
                dataset,
                metric,
                title=f"{dataset}: median {metric}",
            )
            heatmaps.append(
                html_figure(figure, caption, f"heatmap of median {metric} for {dataset}")
            )
        status_note = (
            f" {n_not_ok} fit(s) did not succeed and are left out of the medians; see "
            '<a href="#failures">Failures</a>.'
            if n_not_ok
            else " Every fit succeeded."
        )
        shares = summary[(summary["what"] == "share_ok") & (summary["dataset"] == dataset)]
        n_replicates = int(shares["n_replicates"].max()) if len(shares) else 0
        block = (
            f"<p>{esc(n_replicates)} replicate(s); noise: "
            f"{esc(describe_noise(params.get('noise')))}.{status_note}</p>\n"
            f"{heatmaps[0]}\n"
            + html_details(
                f"{dataset}: heatmaps of the other metrics ({', '.join(_GRID_METRICS[1:])})",
                f'<div class="figure-grid">\n{chr(10).join(heatmaps[1:])}\n</div>',
            )
            + "\n"
            + _median_table(ctx, metrics, dataset, _oracles(ctx, dataset))
        )
        # one scenario at a time: the interaction plot above already shows them all
        parts.append(
            html_details(
                f"{dataset}: heatmap of median {_GRID_METRICS[0]}, other metrics, medians",
                block,
                id_=anchor("grid", dataset),
                scenario=dataset,
            )
        )
    body = "\n".join(parts)
    return body


def _oracles(ctx, dataset):
    """``{loss: oracle_stats}`` of the oracles of one dataset (each loss's own)."""
    found = {loss: oracle_stats(ctx, dataset, loss) for loss in ORACLE_LOSSES}
    return {loss: stats for loss, stats in found.items() if stats is not None}


def _median_table(ctx, metrics, dataset, oracles=None):
    """Medians ± their Monte Carlo errors per pair and oracle, all rows of results/summary.csv."""
    displayed = metrics[metrics["dataset"] == dataset]
    table_rows = []
    for loss, penalty in ordered_pairs(zip(displayed["loss"], displayed["penalty"], strict=True)):
        share = summary_row(ctx, dataset, loss, penalty, "status", "share_ok")
        n_rows = int(share.n_replicates) if share is not None else 0
        n_ok = round(float(share.estimate) * n_rows) if share is not None else 0
        table_rows.append(
            (
                pair_label(loss, penalty),
                n_ok,
                n_rows - n_ok,
                *(
                    summary_cell(ctx, dataset, loss, penalty, name)
                    for name in ("risk", "test_mse", "test_mae", "f1", "n_nonzero")
                ),
                *(
                    summary_cell(ctx, dataset, loss, penalty, name)
                    for name in ("lam", "l1_ratio", "delta")
                ),
            )
        )
    for loss, oracle in (oracles or {}).items():
        # n_not_ok counts the replicates where the oracle does not apply; n_nonzero is s
        errors = oracle["mcse"]
        table_rows.append(
            (
                f"{ORACLE_LABEL}: {ORACLE_NAMES[loss]}",
                oracle["n_ok"],
                oracle["n_rows"] - oracle["n_ok"],
                *(
                    with_error(oracle[name], errors[name])
                    for name in ("risk", "test_mse", "test_mae")
                ),
                "n/a",
                with_error(oracle["n_support"], errors["n_support"]),
                "n/a",
                "n/a",
                "n/a",
            )
        )
    headers = [
        "loss / penalty",
        "n_ok",
        "n_not_ok",
        "risk",
        "test_mse",
        "test_mae",
        "F1",
        "n_nonzero",
        "λ",
        "l1_ratio",
        "δ",
    ]
    note = (
        '<p class="note">Last rows: the oracles, references, not models of the study; n_ok '
        "counts the replicates where one applies and n_nonzero is the size of the true "
        f"support. {esc(ORACLE_CAPTION)}</p>\n"
        if oracles
        else ""
    )
    return (
        "<details><summary>Table of medians ± their Monte Carlo errors (successful fits; "
        "results/summary.csv) and median chosen hyperparameters</summary>\n"
        f"{html_table(headers, table_rows)}\n{note}</details>"
    )
