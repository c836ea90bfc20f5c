"""Distributions across replicates and of residuals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench import vocab
from normbench.report.figures.common import (
    EDGE_PAD_IN,
    HORIZONTAL_BOXES,
    LABEL_PAD_IN,
    LOSS_COLOURS,
    MISSING_TEXT_COLOUR,
    REFERENCE_STYLES,
    fixed_margins,
    new_figure,
    ok_rows_of,
    pair_label,
    pair_order,
    penalty_palette,
    plain_log_ticks,
    rows_of,
    text_size,
)
from normbench.vocab import LOSSES, PENALTIES, order_names


def replicate_distributions(
    metrics,
    dataset,
    metric,
    *,
    reference_lines=None,
    log_scale=None,
    xlabel=None,
    title=None,
    limits=None,
):
    """Distribution of a metric across replicates for every pair of one dataset.

    One horizontal box (quartiles, whiskers at 1.5 IQR) per pair with the individual
    replicates as points (spread by fixed offsets, not random jitter), pairs in loss-major
    order, boxes coloured by penalty. Only successful
    fits (``status == "ok"``) are drawn. Risk-like metrics use a log axis when every value is
    positive.

    Parameters
    ----------
    metrics : pandas.DataFrame
        A metrics table.
    dataset : str
    metric : str
        Column of ``metrics`` to draw.
    reference_lines : mapping of str to float, optional
        Vertical reference lines, ``{label: x}``, drawn dashed and named in a legend.
    log_scale : bool, optional
        Force (True) or forbid (False) a log axis; by default risk-like metrics get one when
        every value is positive.
    xlabel, title : str, optional
        Override the axis label and the title.
    limits : tuple of float, optional
        Fixed ``(left, right)`` limits of the value axis, e.g. ``(0, 1)`` for a share, so
        that a narrow spread is not magnified to fill the panel.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``metrics`` has no row for ``dataset``.
    """
    order = pair_order(rows_of(metrics, dataset))
    penalties = order_names([penalty for _, penalty in order], PENALTIES)
    palette = penalty_palette(penalties)
    rows = ok_rows_of(metrics, dataset)
    values = pd.to_numeric(rows[metric]).to_numpy(dtype=float)
    keep = np.isfinite(values)
    by_pair = {}
    for loss, penalty, value in zip(
        rows["loss"][keep], rows["penalty"][keep], values[keep], strict=True
    ):
        by_pair.setdefault((loss, penalty), []).append(value)

    # laid out by hand below (every label is known): the constrained layout took half the time
    figure = new_figure((7.0, 0.32 * len(order) + 1.4), constrained=False)
    ax = figure.add_subplot()
    drawn = [position for position, pair in enumerate(order) if by_pair.get(pair)]
    if drawn:
        # one call for every box (a call per box cost as much as drawing them)
        boxes = ax.boxplot(
            [np.asarray(by_pair[order[position]]) for position in drawn],
            positions=drawn,
            widths=0.6,
            patch_artist=True,
            showfliers=False,
            medianprops={"color": "black", "linewidth": 1.5},
            **HORIZONTAL_BOXES,
        )
        for box, position in zip(boxes["boxes"], drawn, strict=True):
            box.set_facecolor(palette[order[position][1]])
        # Evenly spread offsets instead of random jitter: deterministic pixels, no RNG.
        xs, ys = [], []
        for position in drawn:
            pair_values = np.asarray(by_pair[order[position]])
            offsets = np.linspace(-0.18, 0.18, pair_values.size) if pair_values.size > 1 else [0.0]
            xs.append(pair_values)
            ys.append(position + np.asarray(offsets))
        ax.scatter(
            np.concatenate(xs),
            np.concatenate(ys),
            s=14,
            color="0.15",
            alpha=0.75,
            zorder=3,
            linewidths=0,
        )
    ax.set_yticks(range(len(order)), [pair_label(loss, penalty) for loss, penalty in order])
    ax.set_ylim(len(order) - 0.5, -0.5)  # first pair on top
    if not by_pair:
        ax.text(
            0.5,
            0.5,
            f"no {metric} values",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=MISSING_TEXT_COLOUR,
        )
    else:
        positive = values[keep].min() > 0
        if positive and (log_scale if log_scale is not None else vocab.metric(metric).log_scale):
            ax.set_xscale("log")
            plain_log_ticks(ax.xaxis)
    for index, (label, x) in enumerate((reference_lines or {}).items()):
        colour, style = REFERENCE_STYLES[index % len(REFERENCE_STYLES)]
        ax.axvline(x, color=colour, linestyle=style, linewidth=1.3, label=label, zorder=2)
    if reference_lines:
        ax.legend(loc="best", fontsize=8)
    if limits is not None:
        ax.set_xlim(*limits)
    ax.set_ylabel("loss / penalty")
    note = vocab.metric(metric).direction
    ax.set_xlabel(xlabel if xlabel is not None else metric + (f" ({note})" if note else ""))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        title if title is not None else f"{dataset}: {metric} across replicates (successful fits)"
    )
    labels = [pair_label(loss, penalty) for loss, penalty in order]
    tick_w, tick_h = text_size(figure, labels, 10)
    label_h = text_size(figure, ["loss / penalty"], 10)[1]
    # the value axis's labels are numbers, one line high; its ticks are 3.5 pt + 3.5 pt pad
    fixed_margins(
        figure,
        left=EDGE_PAD_IN + label_h + 2 * LABEL_PAD_IN + 0.1 + tick_w,
        right=0.3,
        bottom=EDGE_PAD_IN + label_h + tick_h + 2 * LABEL_PAD_IN + 0.1,
        top=EDGE_PAD_IN + text_size(figure, [ax.get_title()], 12)[1] + LABEL_PAD_IN,
    )
    return figure


def exact_zero_share(values, scale):
    """Share of ``values`` that are zero up to rounding: ``|r| <= 1e-8 * scale``.

    ``scale`` is the size of the residuals being compared (e.g. the largest ``|r|`` of any loss
    on the same data), so that an interpolating fit, all of whose residuals are rounding
    errors, counts as all zeros.
    """
    values = np.abs(np.asarray(values, dtype=float))
    return float(np.mean(values <= 1e-8 * scale)) if values.size else math.nan


def residual_distributions(residuals, *, title_suffix=""):
    """Training residuals of the three losses, one panel per dataset, penalty held fixed.

    Parameters
    ----------
    residuals : mapping ``dataset -> {loss: ndarray of residuals}``
        Residuals ``y - b - x.w`` of one replicate's fits, at the hyperparameters chosen by CV.
    title_suffix : str
        Appended to each panel's title (e.g. the penalty).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Per panel, one step histogram (density) per loss on a common symmetric range (the 99th
        percentile of ``|r|`` over the panel's losses); the legend gives each loss's share of
        residuals that are exactly zero (:func:`exact_zero_share`, scale: the largest ``|r|`` in
        the panel), the points an absolute-loss fit interpolates.
    """
    names = list(residuals)
    if not names:
        raise ValueError("no residuals to draw")
    figure = new_figure((4.0 * min(len(names), 3), 3.4 * math.ceil(len(names) / 3)))
    axes = np.atleast_1d(figure.subplots(math.ceil(len(names) / 3), min(len(names), 3))).ravel()
    for ax, dataset in zip(axes, names, strict=False):
        by_loss = residuals[dataset]
        pooled = np.concatenate([np.abs(r) for r in by_loss.values()])
        extent = float(np.quantile(pooled, 0.99)) or 1.0
        scale = float(pooled.max())
        # about 2 sqrt(n) bins: readable for n = 20 as for n = 1000
        n_bins = int(np.clip(2 * math.sqrt(max(len(r) for r in by_loss.values())), 8, 40))
        bins = np.linspace(-extent, extent, n_bins + 1)
        for loss in order_names(by_loss, LOSSES):
            values = np.asarray(by_loss[loss], dtype=float)
            zeros = exact_zero_share(values, scale)
            ax.hist(
                np.clip(values, -extent, extent),
                bins=bins,
                density=True,
                histtype="step",
                linewidth=1.8,
                color=LOSS_COLOURS.get(loss, "0.3"),
                label=f"{loss}: {100 * zeros:.0f}% exactly 0",
            )
        ax.set_title(f"{dataset}{title_suffix}", fontsize=10)
        ax.set_xlabel("training residual r (clipped at ±99th pct of |r|)")
        ax.set_ylabel("density")
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(alpha=0.3)
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    return figure
