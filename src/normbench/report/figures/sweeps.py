"""Metrics against a swept generator parameter."""

from __future__ import annotations

import pandas as pd

from normbench import vocab
from normbench.report.figures.common import new_figure, penalty_palette
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
    figure = new_figure((3.6 * len(losses) + 0.8, 3.3))
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
        if log_y:
            axis.set_yscale("log")
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel(SWEEP_LABELS.get(metric, metric))
    axes[-1].legend(title="penalty", fontsize="small", title_fontsize="small", loc="best")
    return figure
