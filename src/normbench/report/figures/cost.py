"""What the fits cost: fit times per pair, and time against error."""

from __future__ import annotations

import numpy as np
import pandas as pd

from normbench.report.figures.common import (
    format_value,
    loss_marker,
    new_figure,
    pair_label,
    pair_order,
    penalty_palette,
    plain_log_ticks,
)
from normbench.study.store import ok_fits
from normbench.vocab import LOSSES, PENALTIES, order_names


def fit_time_bars(timings):
    """Median fit time per pair across all datasets and replicates.

    Parameters
    ----------
    timings : pandas.DataFrame
        Columns ``loss``, ``penalty``, ``fit_seconds`` (one row per dataset replicate and pair).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Horizontal bars in loss-major order, coloured by penalty, each labelled with its
        value; log axis when the medians span more than a factor 30.

    Raises
    ------
    ValueError
        If ``timings`` has no rows.
    """
    if timings.empty:
        raise ValueError("timings table has no rows")
    order = pair_order(timings)
    penalties = order_names([penalty for _, penalty in order], PENALTIES)
    palette = penalty_palette(penalties)
    medians = (
        timings.assign(fit_seconds=pd.to_numeric(timings["fit_seconds"]))
        .groupby(["loss", "penalty"])["fit_seconds"]
        .median()
    )
    values = np.array([medians.get(pair, np.nan) for pair in order], dtype=float)
    labels = [pair_label(loss, penalty) for loss, penalty in order]

    figure = new_figure((7.0, 0.32 * len(order) + 1.4))
    ax = figure.add_subplot()
    positions = np.arange(len(order))
    ax.barh(
        positions,
        np.nan_to_num(values),
        color=[palette[p] for _, p in order],
        edgecolor="black",
        linewidth=0.5,
    )
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # first pair at the top, like the tables
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 30:
        ax.set_xscale("log")
    for position, value in zip(positions, values, strict=True):
        if np.isfinite(value):
            ax.text(value, position, f" {format_value(value)} s", va="center", fontsize=8)
    ax.margins(x=0.15)
    ax.set_xlabel("median fit_seconds per dataset replicate")
    ax.set_ylabel("loss / penalty")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Fit time per pair (median over all datasets and replicates)")
    return figure


def time_error_tradeoff(metrics, timings, metric="risk"):
    """Fit time against error per pair: what a better fit costs.

    Each pair is one point: x its median fit time over every fit, y its median over the
    scenarios of the error relative to the scenario's best pair (the pair's median error over
    the replicates divided by the lowest such median of the scenario, so 1 = best and the
    scenarios, whose errors have different scales, can be pooled). Both axes are logarithmic.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table (successful fits only count).
    timings : pandas.DataFrame
        ``dataset``, ``replicate``, ``loss``, ``penalty``, ``fit_seconds``.
    metric : str, default="risk"
        The error column of ``metrics``.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    ok = ok_fits(metrics)
    errors = (
        ok.assign(error=pd.to_numeric(ok[metric], errors="coerce"))
        .groupby(["dataset", "loss", "penalty"])["error"]
        .median()
    )
    best = errors.groupby("dataset").transform("min")
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (errors / best).replace([np.inf, -np.inf], np.nan)
    relative = relative.groupby(["loss", "penalty"]).median()
    seconds = (
        timings.assign(fit_seconds=pd.to_numeric(timings["fit_seconds"], errors="coerce"))
        .groupby(["loss", "penalty"])["fit_seconds"]
        .median()
    )
    order = pair_order(ok) if len(ok) else []
    losses = order_names([loss for loss, _ in order], LOSSES)
    palette = penalty_palette(order_names([penalty for _, penalty in order], PENALTIES))
    figure = new_figure((9.0, 5.2))
    ax = figure.add_subplot()
    for loss, penalty in order:
        x, y = seconds.get((loss, penalty), np.nan), relative.get((loss, penalty), np.nan)
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
