"""Metrics against a swept generator parameter."""

from __future__ import annotations

import pandas as pd

from normbench import vocab
from normbench.report.figures.common import (
    EDGE_PAD_IN,
    LABEL_PAD_IN,
    fixed_margins,
    new_figure,
    penalty_palette,
    plain_log_ticks,
    text_size,
    tick_labels_size,
)
from normbench.vocab import LOSSES, PENALTIES, order_names

# A swept axis spanning at least this ratio (all values > 0) is drawn on a log scale.
#: How each metric drawn against a swept value is named on an axis and in a caption.
SWEEP_LABELS = {
    "relative_risk": "relative risk",
    "risk": "risk",
    "pve": "proportion of variance explained",
    "test_mse": "test MSE",
    "test_mae": "test MAE",
    "f1": "F1 of the support",
    "n_nonzero": "number of nonzero coefficients",
}


_LOG_AXIS_RATIO = 10.0


def sweep_figure(table: pd.DataFrame, param: str, metric: str):
    """Median (line) of each pair against the swept value, ± its Monte Carlo error (bars).

    One panel per loss, one colour per penalty (the report's fixed penalty colours). The swept
    axis is logarithmic when every value is positive and they span a factor of 10 or more; the
    metric axis when it is an error and every median is positive.

    Parameters
    ----------
    table : DataFrame
        From :func:`sweep_table`.
    param : str
        The swept parameter (x-axis label).
    metric : str
        The metric (y-axis label).

    Returns
    -------
    matplotlib.figure.Figure
    """
    losses = order_names(table["loss"], LOSSES)
    penalties = order_names(table["penalty"], PENALTIES)
    palette = penalty_palette(penalties)
    # laid out by hand below: the constrained layout measured the shared axes' ticks many times
    figure = new_figure((3.6 * len(losses) + 0.8, 3.3), constrained=False)
    axes = figure.subplots(1, len(losses), sharey=True, squeeze=False)[0]
    values = table["value"].to_numpy(float)
    log_x = bool(
        values.size and values.min() > 0 and values.max() / values.min() >= _LOG_AXIS_RATIO
    )
    log_y = vocab.metric(metric).log_scale and bool((table["median"] > 0).all())
    for axis, loss in zip(axes, losses, strict=True):
        for penalty in penalties:
            rows = table[(table["loss"] == loss) & (table["penalty"] == penalty)]
            if rows.empty:
                continue
            colour = palette[penalty]
            axis.errorbar(
                rows["value"],
                rows["median"],
                yerr=rows["mcse"].fillna(0.0).to_numpy(dtype=float),
                fmt="none",
                ecolor=colour,
                capsize=2.5,
            )
            axis.plot(
                rows["value"], rows["median"], marker="o", ms=3.5, color=colour, label=penalty
            )
        axis.set_title(f"loss {loss}")
        axis.set_xlabel(param)
        if log_x:
            axis.set_xscale("log")
            plain_log_ticks(axis.xaxis)
        if log_y:
            axis.set_yscale("log")
            plain_log_ticks(axis.yaxis)
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel(SWEEP_LABELS.get(metric, metric))
    axes[-1].legend(title="penalty", fontsize="small", title_fontsize="small", loc="best")
    y_tick_w = tick_labels_size(axes[0].yaxis)[0]
    x_tick_h = max(tick_labels_size(axis.xaxis)[1] for axis in axes)
    label_h = text_size(figure, [param, axes[0].get_ylabel()], 10)[1]
    # ticks are 3.5 pt long with a 3.5 pt pad (0.1 in); the last x label may overhang the right
    fixed_margins(
        figure,
        left=EDGE_PAD_IN + label_h + 2 * LABEL_PAD_IN + 0.1 + y_tick_w,
        right=EDGE_PAD_IN + 0.15,
        bottom=EDGE_PAD_IN + label_h + x_tick_h + 2 * LABEL_PAD_IN + 0.1,
        top=EDGE_PAD_IN + text_size(figure, [axes[0].get_title()], 12)[1] + LABEL_PAD_IN,
        wspace=0.2,
    )
    return figure
