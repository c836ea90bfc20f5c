"""Medians over the loss x penalty grid: heatmaps and interaction plots.

Both draw the medians of ``results/summary.csv`` with their Monte Carlo errors
(:func:`normbench.report.tables.pair_estimates`); neither computes one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm, Normalize
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from normbench import vocab
from normbench.report.figures.common import (
    BEST_OUTLINE_COLOUR,
    EDGE_PAD_IN,
    LABEL_PAD_IN,
    LOG_COLOUR_RATIO,
    LOSS_COLOURS,
    MISSING_TEXT_COLOUR,
    format_value,
    loss_marker,
    new_figure,
    plain_log_ticks,
    rows_of,
    text_colour,
    text_size,
)
from normbench.vocab import LOSSES, PENALTIES, order_names


def heatmap_grid(estimates, dataset, metric, *, title=None):
    """Heatmap of a median metric over the loss x penalty grid of one dataset.

    Rows are the losses (``l2, l1, huber``), columns the penalties (``none, l1, l2,
    elasticnet``); names outside these sets are appended. Each cell is annotated with the
    median and, below it, ``± its Monte Carlo error`` where it has one (``"n/a"`` when the pair
    has no value). Colours run from worse to better (bright is
    better) for metrics with a direction, and the best cell(s) are outlined in red; a metric
    without a direction (``n_nonzero``) gets a neutral colour map and no outline.

    Parameters
    ----------
    estimates : pandas.DataFrame
        The medians of ``metric``: :func:`normbench.report.tables.pair_estimates` (columns
        ``dataset``, ``loss``, ``penalty``, ``estimate``, ``mcse``).
    dataset : str
        Dataset to draw.
    metric : str
        The metric drawn (its direction and colour scale).
    title : str, optional
        Axes title; defaults to ``"<dataset>: median <metric>"``.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``estimates`` has no row for ``dataset``.
    """
    rows = rows_of(estimates, dataset)
    losses = list(LOSSES) + [n for n in order_names(rows["loss"], ()) if n not in LOSSES]
    penalties = list(PENALTIES) + [
        n for n in order_names(rows["penalty"], ()) if n not in PENALTIES
    ]
    indexed = rows.set_index(["loss", "penalty"])
    grid, errors = (
        indexed[column].astype(float).unstack("penalty").reindex(index=losses, columns=penalties)
        for column in ("estimate", "mcse")
    )
    values = grid.to_numpy()
    finite = np.isfinite(values)
    direction = vocab.metric(metric).direction

    if vocab.metric(metric).better == "lower":
        cmap = "viridis_r"
    elif vocab.metric(metric).better == "higher":
        cmap = "viridis"
    else:
        cmap = "Blues"
    norm = Normalize(vmin=0.0, vmax=1.0)
    if finite.any():
        low, high = values[finite].min(), values[finite].max()
        use_log = vocab.metric(metric).log_scale and low > 0 and high / low > LOG_COLOUR_RATIO
        norm = LogNorm(vmin=low, vmax=high) if use_log else Normalize(vmin=low, vmax=high)

    # laid out by hand (every label is known here): the constrained layout took half the time
    figure = new_figure((1.5 * len(penalties) + 1.6, 0.75 * len(losses) + 1.2), constrained=False)
    ax = figure.add_subplot()
    ax.set_facecolor("#eeeeee")  # cells without a value show the background
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(values), cmap=cmap, norm=norm, edgecolors="white", linewidth=1.0
    )
    label = f"median {metric}" + (f" ({direction})" if direction else "")
    colorbar_ax = figure.add_axes((0.0, 0.0, 0.1, 0.1))  # placed by _heatmap_layout
    colorbar = figure.colorbar(mesh, cax=colorbar_ax, label=label)
    if isinstance(norm, LogNorm):
        # Plain numbers read faster than 4x10^-1 next to the plain cell annotations.
        plain_log_ticks(colorbar.ax.yaxis)
    else:
        colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    ax.set_xlim(0, len(penalties))
    ax.set_ylim(len(losses), 0)  # first loss on top, like a table
    ax.set_xticks(np.arange(len(penalties)) + 0.5, penalties)
    ax.set_yticks(np.arange(len(losses)) + 0.5, losses)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i, loss in enumerate(losses):
        for j, penalty in enumerate(penalties):
            value, error = grid.loc[loss, penalty], errors.loc[loss, penalty]
            colour = (
                text_colour(mesh.cmap(mesh.norm(value))) if finite[i, j] else MISSING_TEXT_COLOUR
            )
            text = format_value(value)
            if finite[i, j] and math.isfinite(error):
                text += f"\n± {format_value(error)}"
            ax.text(
                j + 0.5,
                i + 0.5,
                text,
                ha="center",
                va="center",
                color=colour,
                fontsize=10,
            )
    if direction and finite.any():
        best = (
            values[finite].min() if vocab.metric(metric).better == "lower" else values[finite].max()
        )
        for i, j in zip(*np.nonzero(finite & (values == best)), strict=True):
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    fill=False,
                    edgecolor=BEST_OUTLINE_COLOUR,
                    linewidth=3,
                    clip_on=False,
                )
            )
    ax.set_xlabel("penalty")
    ax.set_ylabel("loss")
    ax.tick_params(axis="both", length=0)
    ax.set_title(title if title is not None else f"{dataset}: median {metric}")
    _heatmap_layout(figure, ax, colorbar, losses, norm)
    return figure


def _heatmap_layout(figure, ax, colorbar, losses, norm):
    """Place the heatmap and its colour bar from the sizes of their labels.

    Left to right: the axis label, the losses, the cells, a gap, the bar (1/20 of its height,
    as matplotlib's default), its tick labels and its label; below the cells the penalties and
    the axis label, above them the title.
    """
    width, height = figure.get_size_inches()
    tick_w, tick_h = text_size(figure, losses, 10)
    label_h = text_size(figure, ["loss"], 10)[1]
    title_h = text_size(figure, [ax.get_title()], 12)[1]
    locator = colorbar.ax.yaxis.get_major_locator()
    ticks = [v for v in locator.tick_values(norm.vmin, norm.vmax) if norm.vmin <= v <= norm.vmax]
    bar_tick_w = text_size(figure, [format_value(v) for v in ticks], 10)[0]
    left = EDGE_PAD_IN + label_h + 2 * LABEL_PAD_IN + tick_w
    bottom = EDGE_PAD_IN + label_h + tick_h + 3 * LABEL_PAD_IN
    top = EDGE_PAD_IN + title_h + LABEL_PAD_IN
    cells_h = height - bottom - top
    bar_w, gap = cells_h / 20, 0.25
    # the bar's ticks are 3.5 pt long with a 3.5 pt pad
    right = bar_w + gap + 0.1 + bar_tick_w + 2 * LABEL_PAD_IN + label_h + EDGE_PAD_IN
    cells_w = width - left - right
    ax.set_position((left / width, bottom / height, cells_w / width, cells_h / height))
    colorbar.ax.set_position(
        ((left + cells_w + gap) / width, bottom / height, bar_w / width, cells_h / height)
    )


def interaction_plot(estimates, datasets, metric="risk", *, references=None, reference_label=None):
    """Median of a metric per penalty, one line per loss, one panel per dataset.

    The classic two-way interaction plot: if the loss and the penalty acted independently
    (additively on the log scale) the lines of the losses would be parallel. Each point is a
    median of ``results/summary.csv`` with an error bar of ± its Monte Carlo error; only
    positive medians are drawn, the y axis being logarithmic.

    Parameters
    ----------
    estimates : pandas.DataFrame
        The medians of ``metric``: :func:`normbench.report.tables.pair_estimates`.
    datasets : sequence of str
        Datasets to draw, one panel each, in this order.
    metric : str
        A positive metric, ``risk`` by default.
    references : mapping of str to float or to a mapping of loss to float, optional
        A horizontal reference level per dataset (e.g. the oracle's median risk), drawn as a
        dashed black line in that dataset's panel, or one level per loss (each loss's oracle),
        drawn dashed in the loss's colour; levels that are not finite and positive are skipped.
    reference_label : str, optional
        The legend entry of the reference lines.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``datasets`` is empty.
    """
    datasets = list(datasets)
    if not datasets:
        raise ValueError("interaction_plot needs at least one dataset")
    n_cols = min(len(datasets), 4)
    n_rows = math.ceil(len(datasets) / n_cols)
    figure = new_figure((3.1 * n_cols + 1.2, 3.0 * n_rows + 0.4))
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for ax in axes.flat[len(datasets) :]:
        ax.set_visible(False)
    for ax, dataset in zip(axes.flat, datasets, strict=False):
        rows = estimates[estimates["dataset"] == dataset]
        penalties = order_names(rows["penalty"], PENALTIES)
        losses = order_names(rows["loss"], LOSSES)
        values = pd.to_numeric(rows["estimate"], errors="coerce")
        shown = rows[np.isfinite(values) & (values > 0)].set_index(["loss", "penalty"])
        medians, errors = shown["estimate"].astype(float), shown["mcse"].astype(float)
        for index, loss in enumerate(losses):
            ys = [medians.get((loss, penalty), np.nan) for penalty in penalties]
            bars = [errors.get((loss, penalty), np.nan) for penalty in penalties]
            colour = LOSS_COLOURS.get(loss, f"C{index + 3}")
            ax.errorbar(
                range(len(penalties)),
                ys,
                yerr=np.nan_to_num(np.asarray(bars, dtype=float)),
                fmt="none",
                ecolor=colour,
                capsize=3,
                linewidth=1.0,
            )
            ax.plot(
                range(len(penalties)),
                ys,
                marker=loss_marker(loss, losses),
                color=colour,
                label=loss,
                linewidth=1.6,
                markersize=7,
                markeredgecolor="black",
                markeredgewidth=0.6,
            )
        level = (references or {}).get(dataset)
        # one level per dataset, or one per loss (each loss's own oracle, in the loss's colour)
        levels = level if isinstance(level, dict) else {None: level}
        has_reference = False
        for loss, value in levels.items():
            if value is None or not math.isfinite(value) or value <= 0:
                continue
            has_reference = True
            colour = "black" if loss is None else LOSS_COLOURS.get(loss, "black")
            label = reference_label if loss is None else f"{reference_label}: {loss}"
            ax.axhline(value, color=colour, linestyle="--", linewidth=1.2, label=label)
        ax.set_xticks(range(len(penalties)), penalties)
        ax.set_xlim(-0.3, len(penalties) - 0.7)
        if len(medians) or has_reference:
            ax.set_yscale("log")
            plain_log_ticks(ax.yaxis)
        ax.grid(alpha=0.3)
        ax.set_title(dataset)
        ax.set_xlabel("penalty")
    for ax in axes[:, 0]:
        ax.set_ylabel(f"median {metric} (log axis)")
    # every panel may lack a line (a loss without values, a dataset without a reference)
    legend = {}
    for ax in axes.flat[: len(datasets)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    figure.legend(
        list(legend.values()), list(legend), title="loss", loc="outside right upper", fontsize=9
    )
    figure.suptitle(f"Median {metric}: parallel lines = no loss x penalty interaction")
    return figure
