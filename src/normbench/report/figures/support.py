"""Support recovery: TPR against FPR at the CV choice, and ROC curves along the path."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    NullLocator,
)

from normbench.report.figures.common import (
    MISSING_TEXT_COLOUR,
    format_value,
    loss_marker,
    new_figure,
    pair_order,
    penalty_palette,
    rows_of,
)
from normbench.vocab import LOSSES, PENALTIES, order_names, pair_key


def tpr_fpr_scatter(medians, dataset):
    """Median true-positive rate against median false-positive rate per pair of one dataset.

    Support recovery at the hyperparameters chosen by cross-validation: the ideal point is
    the top-left corner (all true features, no false ones). Colour encodes the penalty,
    marker shape the loss. The FPR axis is symmetric-log (linear below 0.01) so that sparse
    models, whose FPR is tiny, remain distinguishable from dense ones at FPR = 1. Medians over
    the replicates, from ``results/summary.csv`` as in the report's tables. Pairs that land on
    the same point (typically the dense ones at (1, 1)) are drawn once, with the list of their
    names beside it.

    Parameters
    ----------
    medians : pandas.DataFrame
        One row per pair: ``dataset``, ``loss``, ``penalty``, ``tpr``, ``fpr`` (the medians;
        :func:`normbench.report.tables.pair_medians`).
    dataset : str

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``medians`` has no row for ``dataset``.
    """
    rows = rows_of(medians, dataset)
    order = pair_order(rows)
    losses = order_names([loss for loss, _ in order], LOSSES)
    penalties = order_names([penalty for _, penalty in order], PENALTIES)
    palette = penalty_palette(penalties)
    medians = rows.set_index(["loss", "penalty"])[["tpr", "fpr"]].astype(float)
    points = {}  # (fpr, tpr) rounded -> the pairs drawn there

    figure = new_figure((7.2, 4.6))
    ax = figure.add_subplot()
    drawn = 0
    for loss, penalty in order:
        if (loss, penalty) not in medians.index:
            continue
        tpr, fpr = medians.loc[(loss, penalty), ["tpr", "fpr"]]
        if not (np.isfinite(tpr) and np.isfinite(fpr)):
            continue
        ax.scatter(
            fpr,
            tpr,
            marker=loss_marker(loss, losses),
            s=80,
            color=palette[penalty],
            edgecolors="black",
            linewidths=0.7,
            alpha=0.9,
            zorder=3,
        )
        drawn += 1
        points.setdefault((round(float(fpr), 3), round(float(tpr), 3)), []).append(
            pair_key(loss, penalty)
        )
    if drawn == 0:
        ax.text(
            0.5,
            0.5,
            "no TPR/FPR values to show\n(no true coefficients or no successful fit)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=MISSING_TEXT_COLOUR,
        )
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(-0.002, 1.3)
    ax.xaxis.set_major_locator(FixedLocator([0.0, 0.01, 0.03, 0.1, 0.3, 1.0]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel("median false-positive rate (symlog axis)")
    ax.set_ylabel("median true-positive rate")
    ax.grid(alpha=0.3)
    _name_coincident(ax, points)  # after the scales and limits: it places boxes by them
    loss_handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=loss_marker(loss, losses),
            color="0.4",
            markeredgecolor="black",
            markersize=8,
            label=loss,
        )
        for loss in losses
    ]
    penalty_handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            color=palette[penalty],
            markeredgecolor="black",
            markersize=8,
            label=penalty,
        )
        for penalty in penalties
    ]
    # the legends stand outside the axes, right of them: a box naming coincident pairs is
    # drawn inside the axes (see _name_coincident), so the two can never overlap
    first = ax.legend(
        handles=loss_handles,
        title="loss",
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=8,
        title_fontsize=9,
    )
    ax.add_artist(first)
    ax.legend(
        handles=penalty_handles,
        title="penalty",
        loc="lower left",
        bbox_to_anchor=(1.02, 0.0),
        fontsize=8,
        title_fontsize=9,
    )
    ax.set_title(f"{dataset}: support recovery at the CV choice")
    return figure


def _name_coincident(ax, points):
    """Beside a point shared by several pairs, a box listing them (they hide each other).

    The box goes from the point towards the middle of the axes (left of a point on the right
    half; below a point in the upper 30 %, above one in the lower 30 %, level with one in
    between), so that it stays inside the axes, where it cannot reach the legends on their
    right, even when it lists all twelve pairs. A box that would cover one placed before it
    slides on vertically, towards the middle, until it clears it.
    """
    to_axes = ax.transAxes.inverted()
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    for (fpr, tpr), names in points.items():
        if len(names) < 2:
            continue
        x, y = to_axes.transform(ax.transData.transform((fpr, tpr)))
        right = x > 0.5
        rise, va = (-20, "top") if y > 0.7 else (20, "bottom") if y < 0.3 else (0, "center")
        box = ax.annotate(
            f"{len(names)} pairs here:\n" + "\n".join(names),
            (fpr, tpr),
            xytext=(-40 if right else 40, rise),
            textcoords="offset points",
            ha="right" if right else "left",
            va=va,
            fontsize=8,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6", "alpha": 0.9},
            arrowprops={"arrowstyle": "-", "color": "0.5"},
            zorder=2,  # under the points: the box must not hide a pair drawn near it
        )
        _slide_clear(box, placed, renderer, upwards=y < 0.3)
        placed.append(box)


def _drawn_box(annotation, renderer):
    """The window extent of an annotation's box (its frame, not only its text)."""
    annotation.update_positions(renderer)
    annotation.update_bbox_position_size(renderer)
    return annotation.get_bbox_patch().get_window_extent(renderer)


def _slide_clear(box, placed, renderer, upwards):
    """Move ``box`` up (or down) past each box in ``placed`` that it overlaps.

    The box only ever moves one way, so it passes each placed box at most once."""
    pixels_to_points = 72.0 / box.figure.dpi
    margin = 4.0  # points between two boxes
    for _ in range(len(placed) + 1):
        extent = _drawn_box(box, renderer)
        others = (_drawn_box(other, renderer) for other in placed)
        hit = next((other for other in others if extent.overlaps(other)), None)
        if hit is None:
            return
        dx, dy = box.xyann
        if upwards:
            box.xyann = (dx, dy + (hit.y1 - extent.y0) * pixels_to_points + margin)
        else:
            box.xyann = (dx, dy - (extent.y1 - hit.y0) * pixels_to_points - margin)


def support_roc_curves(curves):
    """Support-recovery ROC curves, one per penalty, with the AUC in the legend.

    Parameters
    ----------
    curves : mapping of str to (fpr, tpr, auc)
        Label (a penalty name, coloured like everywhere else) to the output of
        the explain job (:mod:`normbench.study.explain`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    figure = new_figure((5.2, 4.6))
    ax = figure.subplots()
    palette = penalty_palette(list(curves))
    for label, (fpr, tpr, auc) in curves.items():
        ax.plot(
            fpr,
            tpr,
            color=palette[label],
            linewidth=2.0,
            marker="o",
            markersize=2.5,
            label=f"{label} (AUC {format_value(auc)})",
        )
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1, label="chance")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.set_title("support recovery along the path")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return figure
