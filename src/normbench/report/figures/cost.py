"""What the fits cost: fit time against error per pair, from results/cost.csv."""

from __future__ import annotations

import numpy as np

from normbench.report.figures.common import (
    loss_marker,
    new_figure,
    pair_label,
    penalty_palette,
    plain_log_ticks,
)
from normbench.vocab import LOSSES, PAIR_SEPARATOR, PENALTIES, order_names, ordered_pairs, pair_key


def time_error_tradeoff(cost):
    """Fit time against error per pair: what a better fit costs.

    Each pair is one point: x its median fit time over every fit, y its error relative to
    each scenario's best pair (the median over the scenarios of the pair's median error
    divided by the lowest such median of the scenario, so 1 = best and scenarios whose errors
    have different scales can be pooled), both from ``results/cost.csv``
    (:mod:`normbench.analysis.cost`); both axes are logarithmic.

    Parameters
    ----------
    cost : pandas.DataFrame
        ``results/cost.csv`` (read).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    seconds, relative = (
        dict(zip(rows["pair"], rows["estimate"].astype(float), strict=True))
        for rows in (cost[cost["what"] == what] for what in ("median", "relative_error"))
    )
    errors = cost.loc[cost["what"] == "relative_error", "metric"]
    metric = errors.iloc[0] if len(errors) else "error"
    order = ordered_pairs(tuple(key.split(PAIR_SEPARATOR, 1)) for key in seconds)
    losses = order_names([loss for loss, _ in order], LOSSES)
    palette = penalty_palette(order_names([penalty for _, penalty in order], PENALTIES))
    figure = new_figure((9.0, 5.2))
    ax = figure.add_subplot()
    for loss, penalty in order:
        key = pair_key(loss, penalty)
        x, y = seconds.get(key, np.nan), relative.get(key, np.nan)
        if not (np.isfinite(x) and np.isfinite(y) and x > 0 and y > 0):
            continue
        ax.scatter(
            x,
            y,
            s=70,
            marker=loss_marker(loss, losses),
            color=palette[penalty],
            edgecolors="black",
            linewidths=0.6,
            zorder=3,
        )
        ax.annotate(
            pair_label(loss, penalty),
            (x, y),
            textcoords="offset points",
            xytext=(6, 3),
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis)
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("median fit time per dataset replicate, s (log axis)")
    ax.set_ylabel(f"median {metric} / best pair's (log axis)")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(f"Cost against {metric}: lower left is cheap and accurate")
    return figure
