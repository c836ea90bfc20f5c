"""Ours against published numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from normbench.report.figures.common import new_figure, pair_label, penalty_palette


def published_figure(comparison: pd.DataFrame, labels: Mapping | None = None):
    """Ours against the paper's, one point per number, log axes, with the factor-2 band.

    Points on the diagonal reproduce the paper; the shaded band is "within a factor of two".
    Error bars are plus or minus one bootstrap standard error of our statistic.
    """
    done = comparison.dropna(subset=["ours"])
    done = done[(done["ours"] > 0) & (done["published"] > 0)]
    figure = new_figure((6.4, 5.4))
    axis = figure.add_subplot()
    if done.empty:
        axis.text(0.5, 0.5, "no finished results to compare", ha="center", va="center")
        axis.set_axis_off()
        return figure
    low = float(min(done["ours"].min(), done["published"].min())) / 1.6
    high = float(max(done["ours"].max(), done["published"].max())) * 1.6
    line = np.geomspace(low, high, 50)
    axis.fill_between(line, line / 2, line * 2, color="0.92", label="within a factor of 2")
    axis.plot(line, line, color="0.45", linewidth=1, label="ours = published")
    markers = "osD^vP*X"
    models = list(dict.fromkeys(zip(done["loss"], done["penalty"], strict=True)))
    palette = penalty_palette(list(dict.fromkeys(done["penalty"])))
    datasets = list(dict.fromkeys(done["dataset"]))
    for row in done.itertuples():
        axis.errorbar(
            row.published,
            row.ours,
            yerr=0.0 if math.isnan(row.se) else row.se,
            fmt=markers[datasets.index(row.dataset) % len(markers)],
            color=palette[row.penalty],
            markersize=7,
            capsize=2,
        )
    for model in models:
        name = (labels or {}).get(model) or pair_label(*model)
        axis.plot([], [], "s", color=palette[model[1]], label=name)
    for index, dataset in enumerate(datasets):
        axis.plot([], [], markers[index % len(markers)], color="0.3", label=dataset)
    axis.set(
        xscale="log",
        yscale="log",
        xlim=(low, high),
        ylim=(low, high),
        xlabel=f"published ({done['statistic'].iloc[0]} {done['metric'].iloc[0]})",
        ylabel=f"ours ({done['statistic'].iloc[0]} ± bootstrap SE)",
        title="Published results reproduced",
    )
    axis.legend(fontsize=8, loc="upper left", frameon=False)
    return figure
