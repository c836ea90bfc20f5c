"""The loss x penalty grid across scenarios: the interaction plot, with the oracles."""

from __future__ import annotations

import math

from normbench.report.context import oracle_stats
from normbench.report.figures import interaction_plot
from normbench.report.html import html_details, html_figure
from normbench.report.prose import ORACLE_CAPTION, ORACLE_LOSSES
from normbench.report.sections.by_scenario import ORACLE_LABEL
from normbench.report.tables import pair_estimates


def render(ctx):
    summary, datasets = ctx.mc_summary, ctx.datasets
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
    parts = [
        "<p>Medians over replicates on the 3 × 4 grid of losses and penalties, across the "
        "scenarios. Each scenario's heatmaps and table of medians are in its block of "
        '<a href="#by-scenario">Scenario by scenario</a>.</p>',
        html_details("Interaction plot: median risk per penalty, one line per loss", interaction),
    ]
    return "\n".join(parts)
