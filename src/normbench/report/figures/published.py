"""Ours against published numbers, from the reproduction's own check table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.report.figures.common import new_figure, pair_label, penalty_palette
from normbench.vocab import parse_pair

_MARKERS = "osD^vP*X"
_BAND_COLOUR = "0.78"


def _failed(flag) -> bool:
    """True for a number outside its band (pass False); not for one without a band."""
    return isinstance(flag, bool | np.bool_) and not flag


def published_figure(values: pd.DataFrame, quantity: str = "the paper's statistic", variants=None):
    """Ours against the paper's, one point per published number, log axes.

    Parameters
    ----------
    values : DataFrame
        The ``kind == "value"`` rows of ``results/published_check.csv``
        (:mod:`normbench.study.published_check`): ``dataset``, ``pairs`` (one model),
        ``published``, ``ours``, ``se``, ``low``, ``high`` and ``pass`` (True, False, or None
        or NaN where the number has no band).
    quantity : str, default="the paper's statistic"
        What the numbers are, for the axis labels (e.g. ``"median model_error"``).
    variants : DataFrame, optional
        ``results/published_variants.csv``: each sensitivity variant's value of a published
        number (``published``, ``main``, ``ours``, ``pairs``), drawn as a cross at the
        published value, joined by a dotted line to our reproduction of it. No check: it takes
        no band and no hollow marker.

    Returns
    -------
    matplotlib.figure.Figure
        Points on the diagonal reproduce the paper. Each number's allowed band [low, high] is
        a grey vertical bar at its published value, so a point passes when it lies on its bar;
        a hollow marker is a number outside its band. Error bars are plus or minus one
        bootstrap standard error of ours. Colour: penalty; marker: dataset. Numbers we have no
        result for, or that are not positive (no place on log axes), are left out.
    """
    done = values[np.isfinite(values["ours"].to_numpy(dtype=float))]
    done = done[(done["ours"] > 0) & (done["published"] > 0)]
    figure = new_figure((6.4, 5.4))
    axis = figure.add_subplot()
    if done.empty:
        axis.text(0.5, 0.5, "no finished results to compare", ha="center", va="center")
        axis.set_axis_off()
        return figure
    shown = pd.DataFrame(columns=["published", "main", "ours", "pairs"])
    if variants is not None:
        shown = variants[np.isfinite(variants["ours"].to_numpy(dtype=float))]
        shown = shown[(shown["ours"] > 0) & (shown["published"] > 0)]
    bounds = pd.concat([done["ours"], done["published"], done["low"], done["high"], shown["ours"]])
    bounds = bounds[np.isfinite(bounds.to_numpy(dtype=float)) & (bounds > 0)]
    low, high = float(bounds.min()) / 1.6, float(bounds.max()) * 1.6
    line = np.geomspace(low, high, 50)
    axis.plot(line, line, color="0.45", linewidth=1, label="ours = published")
    models = [parse_pair(pair) for pair in dict.fromkeys(done["pairs"])]
    palette = penalty_palette(list(dict.fromkeys(penalty for _, penalty in models)))
    datasets = list(dict.fromkeys(done["dataset"]))
    banded = False
    for row in done.to_dict("records"):
        if np.isfinite(row["low"]) and np.isfinite(row["high"]):
            axis.vlines(row["published"], max(row["low"], low), row["high"], _BAND_COLOUR, lw=6)
            banded = True
        colour = palette[parse_pair(row["pairs"])[1]]
        axis.errorbar(
            row["published"],
            row["ours"],
            yerr=0.0 if math.isnan(row["se"]) else row["se"],
            fmt=_MARKERS[datasets.index(row["dataset"]) % len(_MARKERS)],
            color=colour,
            # a number outside its band is drawn hollow
            markerfacecolor="white" if _failed(row["pass"]) else colour,
            markersize=7,
            capsize=2,
        )
    for row in shown.to_dict("records"):
        colour = palette.get(parse_pair(row["pairs"])[1], "0.3")
        axis.plot([row["published"]] * 2, [row["main"], row["ours"]], ":", color=colour, lw=1)
        axis.plot(row["published"], row["ours"], "x", color=colour, markersize=7, mew=1.5)
    if len(shown):
        axis.plot([], [], "x", color="0.3", mew=1.5, label="sensitivity variant (no check)")
    if banded:
        axis.plot([], [], "|", color=_BAND_COLOUR, markersize=12, mew=6, label="allowed band")
        axis.plot([], [], "o", color="0.3", markerfacecolor="white", label="outside its band")
    for model in models:
        axis.plot([], [], "s", color=palette[model[1]], label=pair_label(*model))
    for index, dataset in enumerate(datasets):
        axis.plot([], [], _MARKERS[index % len(_MARKERS)], color="0.3", label=dataset)
    axis.set(
        xscale="log",
        yscale="log",
        xlim=(low, high),
        ylim=(low, high),
        xlabel=f"published ({quantity})",
        ylabel=f"ours ({quantity} ± bootstrap SE)",
        title="Published results reproduced",
    )
    axis.legend(fontsize=8, loc="upper left", frameon=False)
    return figure
