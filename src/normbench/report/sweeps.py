"""The "Sweeps" section of the report: metrics against a swept generator parameter.

A dataset entry of the config may sweep one numeric parameter over a list of values (``sweep:
{param: p, values: [200, 500, 1000]}``); validation expands it into one dataset per value
(:func:`normbench.study.config.sweep_dataset_name`) and records in each which sweep and value it
belongs to. This module finds those datasets in the validated config and draws, for every sweep and
every key metric, the median over replicates of each loss x penalty pair against the swept value
with its interquartile band, and writes one generated sentence per sweep: which pair's error grows
(or shrinks) the most along the sweep, and which pair is best at either end.

Only :func:`sweeps_section` is used by :mod:`normbench.report.build`; :func:`sweep_table` and
:func:`describe_sweep` are the computations behind it.
"""

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from normbench.report.figures import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    _new_figure,
    _penalty_palette,
    format_value,
    pair_label,
)
from normbench.report.html import esc, html_figure, html_section, html_table
from normbench.study.config import sweeps
from normbench.study.store import LOSS_ORDER, PENALTY_ORDER, order_names

__all__ = ["SWEEP_METRICS", "describe_sweep", "sweep_figure", "sweep_table", "sweeps_section"]

#: Metrics drawn against the swept value, in this order; those without a finite value are left
#: out (relative risk and PVE need the signal and noise variance of a simulated dataset, risk
#: and F1 the true coefficients). ``relative_risk`` replaces ``risk`` when both are available.
SWEEP_METRICS = ("relative_risk", "risk", "pve", "test_mse", "test_mae", "f1", "n_nonzero")
_METRIC_NAMES = {
    "relative_risk": "relative risk",
    "risk": "risk",
    "pve": "proportion of variance explained",
    "test_mse": "test MSE",
    "test_mae": "test MAE",
    "f1": "F1 of the support",
    "n_nonzero": "number of nonzero coefficients",
}
_METRIC_DEFINITIONS = {
    "relative_risk": "risk / Var(x'β): 0 is perfect, 1 is the risk of predicting 0",
    "risk": "mean((f̂ − f)²) over the test points",
    "pve": "1 − (risk + σ²) / (Var(x'β) + σ²): at most the SNR / (1 + SNR)",
    "test_mse": "against the noisy test responses",
    "test_mae": "against the noisy test responses",
    "f1": "of the selected support against the true one",
    "n_nonzero": "at the CV choice",
}
_RISK_LIKE = frozenset({"relative_risk", "risk", "test_mse", "test_mae"})
# A swept axis spanning at least this ratio (all values > 0) is drawn on a log scale.
_LOG_AXIS_RATIO = 10.0


def sweep_table(metrics: pd.DataFrame, datasets: Mapping, metric: str) -> pd.DataFrame:
    """Median and quartiles of one metric per pair and swept value.

    Parameters
    ----------
    metrics : DataFrame
        The metrics table (one row per dataset, replicate, loss, penalty), possibly with the
        report's derived columns (``relative_risk``, ``pve``).
    datasets : mapping
        ``{swept value: dataset name}`` of one sweep (``normbench.study.config.sweeps``).
    metric : str
        A column of ``metrics``.

    Returns
    -------
    DataFrame
        Columns ``value``, ``loss``, ``penalty``, ``median``, ``q1``, ``q3`` and ``n`` (successful
        replicates with a finite value), sorted by value. Failed fits are left out.
    """
    names = {name: value for value, name in datasets.items()}
    rows = metrics[metrics["dataset"].isin(names) & (metrics["status"] == "ok")]
    rows = rows.assign(
        value=rows["dataset"].map(names).astype(float),
        _y=pd.to_numeric(rows[metric], errors="coerce"),
    )
    rows = rows[np.isfinite(rows["_y"].to_numpy(dtype=float))]
    grouped = rows.groupby(["value", "loss", "penalty"])["_y"]
    table = pd.DataFrame(
        {
            "median": grouped.median(),
            "q1": grouped.quantile(0.25),
            "q3": grouped.quantile(0.75),
            "n": grouped.size(),
        }
    ).reset_index()
    return table.sort_values(["value", "loss", "penalty"], kind="stable").reset_index(drop=True)


def describe_sweep(table: pd.DataFrame, param: str, metric: str) -> str:
    """One sentence on a sweep: the pair whose median changes the most, and the best pairs.

    Parameters
    ----------
    table : DataFrame
        From :func:`sweep_table`.
    param : str
        The swept parameter (for the text).
    metric : str
        The metric of ``table``; a lower-is-better metric "degrades" when it grows, a
        higher-is-better one when it falls.

    Returns
    -------
    str
        Empty when fewer than two swept values have results.
    """
    values = sorted(table["value"].unique())
    if len(values) < 2:
        return ""
    first, last = values[0], values[-1]
    name = _METRIC_NAMES.get(metric, metric)
    lower_better = metric not in HIGHER_IS_BETTER
    ends = table[table["value"].isin([first, last])].pivot_table(
        index=["loss", "penalty"], columns="value", values="median"
    )
    ends = ends.dropna()
    sentences = []
    if not ends.empty:
        start, stop = ends[first].to_numpy(float), ends[last].to_numpy(float)
        # Ratios for positive error-like metrics (they span orders of magnitude), differences
        # otherwise (F1, PVE can be 0 or negative).
        use_ratio = metric in _RISK_LIKE and bool(np.all(start > 0) and np.all(stop > 0))
        change = stop / start if use_ratio else stop - start
        worsening = np.log(change) if use_ratio else change
        if not lower_better:
            worsening = -worsening
        index = int(np.argmax(worsening))
        label = pair_label(*ends.index[index])
        amount = f"×{change[index]:.3g}" if use_ratio else f"{change[index]:+.3g}"
        how = (
            f"{label} degrades fastest"
            if worsening[index] > 0
            else f"every pair improves; {label} improves least"
        )
        sentences.append(
            f"From {param} = {format_value(first)} to {format_value(last)}, {how}: its median "
            f"{name} goes from {format_value(start[index])} to {format_value(stop[index])} "
            f"({amount})."
        )
    best = []
    for value in (first, last):
        at = table[table["value"] == value]
        if at.empty:
            continue
        position = at["median"].idxmin() if lower_better else at["median"].idxmax()
        winner = at.loc[position]
        best.append(
            f"{pair_label(winner['loss'], winner['penalty'])} at {param} = {format_value(value)} "
            f"({format_value(winner['median'])})"
        )
    if best:
        sentences.append(f"The best median {name} is reached by " + " and by ".join(best) + ".")
    return " ".join(sentences)


def sweep_figure(table: pd.DataFrame, param: str, metric: str):
    """Median (line) and interquartile band of each pair against the swept value.

    One panel per loss, one colour per penalty (the report's fixed penalty colours). The swept
    axis is logarithmic when every value is positive and they span a factor of 10 or more; the
    metric axis when it is an error and every quartile is positive.

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
    losses = order_names(table["loss"], LOSS_ORDER)
    penalties = order_names(table["penalty"], PENALTY_ORDER)
    palette = _penalty_palette(penalties)
    figure = _new_figure((3.6 * len(losses) + 0.8, 3.3))
    axes = figure.subplots(1, len(losses), sharey=True, squeeze=False)[0]
    values = table["value"].to_numpy(float)
    log_x = bool(
        values.size and values.min() > 0 and values.max() / values.min() >= _LOG_AXIS_RATIO
    )
    log_y = metric in _RISK_LIKE and bool((table["q1"] > 0).all())
    for axis, loss in zip(axes, losses, strict=True):
        for penalty in penalties:
            rows = table[(table["loss"] == loss) & (table["penalty"] == penalty)]
            if rows.empty:
                continue
            colour = palette[penalty]
            axis.fill_between(rows["value"], rows["q1"], rows["q3"], color=colour, alpha=0.18, lw=0)
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
    axes[0].set_ylabel(_METRIC_NAMES.get(metric, metric))
    axes[-1].legend(title="penalty", fontsize="small", title_fontsize="small", loc="best")
    return figure


def _metrics_to_draw(metrics, names):
    rows = metrics[metrics["dataset"].isin(names) & (metrics["status"] == "ok")]
    present = []
    for metric in SWEEP_METRICS:
        if metric not in rows:
            continue
        values = pd.to_numeric(rows[metric], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(values).any():
            present.append(metric)
    if "relative_risk" in present and "risk" in present:
        present.remove("risk")
    return present


def sweeps_section(ctx: Mapping) -> str:
    """HTML of the report's "Sweeps" section (a short note when the study has no sweep).

    Parameters
    ----------
    ctx : mapping
        The report's context: ``metrics`` (with the derived columns) and ``config`` (validated,
        so that its sweeps are expanded).

    Returns
    -------
    str
    """
    found = sweeps(ctx["config"])
    metrics = ctx["metrics"]
    if not found:
        body = (
            '<p class="note">This study has no sweep. A dataset entry with '
            "<code>sweep: {param: p, values: [200, 500, 1000]}</code> becomes one dataset per "
            "value, and this section then draws every metric against the swept value "
            "(config/README.md, “Sweeps”).</p>"
        )
        return html_section("sweeps", "Sweeps", body)
    parts = [
        "<p>Each sweep below is one dataset entry of the configuration whose parameter takes "
        "several values; each value is a dataset of its own (named "
        "<code>&lt;sweep&gt;__&lt;param&gt;_&lt;value&gt;</code>, seeded from that name, so the "
        "values are independent draws). Lines are medians over the successful replicates, bands "
        "the interquartile range; one panel per loss, one colour per penalty.</p>"
    ]
    for name, sweep in found.items():
        param, datasets = sweep["param"], sweep["datasets"]
        present = _metrics_to_draw(metrics, set(datasets.values()))
        parts.append(f'<h3 id="sweep-{esc(name)}">{esc(name)}: {esc(param)}</h3>')
        shown = ", ".join(format_value(value) for value in datasets)
        parts.append(f"<p>{esc(param)} ∈ {{{esc(shown)}}}.</p>")
        if not present:
            parts.append('<p class="note">No successful fit has results for this sweep.</p>')
            continue
        first = present[0]
        sentence = describe_sweep(sweep_table(metrics, datasets, first), param, first)
        if sentence:
            parts.append(f'<p class="lead">{esc(sentence)}</p>')
        figures = []
        for metric in present:
            table = sweep_table(metrics, datasets, metric)
            if table.empty:
                continue
            direction = (
                "lower is better"
                if metric in LOWER_IS_BETTER
                else "higher is better"
                if metric in HIGHER_IS_BETTER
                else None
            )
            caption = f"{_METRIC_NAMES[metric]} ({_METRIC_DEFINITIONS[metric]}) against {param}"
            caption += f"; {direction}." if direction else "."
            figures.append(
                html_figure(
                    sweep_figure(table, param, metric),
                    caption,
                    f"{_METRIC_NAMES[metric]} against {param} for sweep {name}",
                )
            )
        parts.append('<div class="figure-grid">' + "\n".join(figures) + "</div>")
        parts.append(_best_table(metrics, datasets, param, first))
    return html_section("sweeps", "Sweeps", "\n".join(parts))


def _best_table(metrics, datasets, param, metric):
    """Best pair per swept value by the first metric, with its median and the replicates."""
    table = sweep_table(metrics, datasets, metric)
    lower_better = metric not in HIGHER_IS_BETTER
    rows = []
    for value, dataset in datasets.items():
        at = table[table["value"] == float(value)]
        if at.empty:
            rows.append((value, dataset, "n/a", math.nan, 0))
            continue
        winner = at.loc[at["median"].idxmin() if lower_better else at["median"].idxmax()]
        label = pair_label(winner["loss"], winner["penalty"])
        rows.append((value, dataset, label, float(winner["median"]), int(winner["n"])))
    headers = [param, "dataset", f"best pair ({_METRIC_NAMES[metric]})", "median", "replicates"]
    return html_table(headers, rows)
