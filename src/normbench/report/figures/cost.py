"""What the fits cost: fit times per pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from normbench.report.figures.common import (
    format_value,
    new_figure,
    pair_label,
    pair_order,
    penalty_palette,
)
from normbench.vocab import PENALTIES, order_names


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
