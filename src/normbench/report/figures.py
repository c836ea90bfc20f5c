"""Figures of the benchmark report.

Every function returns a :class:`matplotlib.figure.Figure` drawn on an Agg canvas that is
not registered with pyplot: nothing is shown, no global figure state is touched, and the
figure is freed as soon as the caller drops it. Losses are always listed as ``l2, l1, huber``
and penalties as ``none, l1, l2, elasticnet``, and a penalty has the same colour in every
figure.
"""

import math

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
)

from normbench.study.store import LOSS_ORDER, PENALTY_ORDER, order_names

__all__ = [
    "LOWER_IS_BETTER",
    "HIGHER_IS_BETTER",
    "coefficient_path_panels",
    "fit_time_bars",
    "format_value",
    "heatmap_grid",
    "interaction_plot",
    "loss_functions",
    "norm_balls",
    "pair_label",
    "replicate_distributions",
    "support_roc_curves",
    "tpr_fpr_scatter",
]

#: Metrics for which a smaller value is a better model.
LOWER_IS_BETTER = frozenset(
    {"risk", "test_mse", "test_mae", "estimation_error", "fpr", "relative_risk", "risk_ratio"}
)
#: Metrics for which a larger value is a better model.
HIGHER_IS_BETTER = frozenset({"f1", "tpr", "precision", "pve"})
# Squared/absolute errors span orders of magnitude across pairs (an interpolant next to a
# well-tuned lasso), so they get a log scale when every value is positive.
_RISK_LIKE = frozenset(
    {"risk", "test_mse", "test_mae", "estimation_error", "relative_risk", "risk_ratio"}
)
_LOSS_COLOURS = {"l2": "#0072b2", "l1": "#d55e00", "huber": "#009e73"}
_REFERENCE_STYLES = (("#d62728", "--"), ("#555555", ":"), ("#9467bd", "-."))
# Ratio max/min above which a heatmap of a risk-like metric switches to a log colour scale.
_LOG_COLOUR_RATIO = 20.0
_LOSS_MARKERS = {"l2": "o", "l1": "s", "huber": "^"}
_EXTRA_MARKERS = ("D", "v", "P", "X", "*")
_MISSING_TEXT_COLOUR = "#555555"
_BEST_OUTLINE_COLOUR = "#d62728"
# Matplotlib 3.10 replaced boxplot(vert=False) by orientation="horizontal".
_HORIZONTAL_BOXES = (
    {"orientation": "horizontal"}
    if tuple(int(part) for part in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)


def _new_figure(figsize):
    """A figure on its own Agg canvas, independent of pyplot's state."""
    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def format_value(value):
    """Format a metric value for an annotation or a table cell.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    text : str
        ``"n/a"`` for a missing value, integers without decimals, three significant digits
        otherwise (scientific notation below 1e-3 or from 1e5).

    Examples
    --------
    >>> [format_value(v) for v in (float("nan"), 12.0, 0.12345, 123.4, 2.5e-5)]
    ['n/a', '12', '0.123', '123', '2.50e-05']
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    magnitude = abs(value)
    if value == round(value) and magnitude < 1e5:
        return str(int(value))
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.2e}"
    if magnitude >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def pair_label(loss, penalty):
    """Label of a (loss, penalty) pair, e.g. ``"huber / elasticnet"``."""
    return f"{loss} / {penalty}"


def _penalty_palette(penalties):
    """Fixed colour per penalty: canonical penalties keep their colour whatever is present."""
    colours = sns.color_palette("colorblind", 10)
    fixed = {"none": colours[7], "l1": colours[0], "l2": colours[1], "elasticnet": colours[2]}
    spare = [colours[i] for i in (4, 5, 6, 8, 9, 3)]
    extras = [name for name in penalties if name not in fixed]
    palette = {name: fixed[name] for name in penalties if name in fixed}
    for index, name in enumerate(extras):
        palette[name] = spare[index % len(spare)]
    return palette


def _loss_marker(loss, losses):
    if loss in _LOSS_MARKERS:
        return _LOSS_MARKERS[loss]
    extras = [name for name in losses if name not in _LOSS_MARKERS]
    return _EXTRA_MARKERS[extras.index(loss) % len(_EXTRA_MARKERS)]


def _rows_of(table, dataset):
    rows = table[table["dataset"] == dataset]
    if rows.empty:
        raise ValueError(f"no rows for dataset {dataset!r}")
    return rows


def _ok_rows(metrics, dataset):
    """Rows of one dataset whose fit succeeded; other rows are reported in the failures table."""
    rows = _rows_of(metrics, dataset)
    return rows[rows["status"] == "ok"]


def _pair_order(rows):
    """Pairs present in ``rows``, loss-major, as (loss, penalty) tuples."""
    present = set(zip(rows["loss"], rows["penalty"], strict=True))
    losses = order_names(rows["loss"], LOSS_ORDER)
    penalties = order_names(rows["penalty"], PENALTY_ORDER)
    return [(loss, pen) for loss in losses for pen in penalties if (loss, pen) in present]


def _direction_note(metric):
    if metric in LOWER_IS_BETTER:
        return "lower is better"
    if metric in HIGHER_IS_BETTER:
        return "higher is better"
    return None


def _text_colour(rgba):
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    red, green, blue = rgba[:3]
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "black" if luminance > 0.5 else "white"


def heatmap_grid(summary, dataset, metric, *, title=None):
    """Heatmap of a median metric over the loss x penalty grid of one dataset.

    Rows are the losses (``l2, l1, huber``), columns the penalties (``none, l1, l2,
    elasticnet``); names outside these sets are appended. Each cell is annotated with the
    median (``"n/a"`` when the pair has no value). Colours run from worse to better (bright is
    better) for metrics with a direction, and the best cell(s) are outlined in red; a metric
    without a direction (``n_nonzero``) gets a neutral colour map and no outline.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`normbench.study.store.summarize`.
    dataset : str
        Dataset to draw.
    metric : str
        A metric of :data:`normbench.study.store.SUMMARY_METRICS`; column ``f"{metric}_median"``
        is drawn.
    title : str, optional
        Axes title; defaults to ``"<dataset>: median <metric>"``.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``summary`` has no row for ``dataset`` or no column for ``metric``.
    """
    column = f"{metric}_median"
    if column not in summary:
        raise ValueError(f"summary has no column {column!r}")
    rows = _rows_of(summary, dataset)
    losses = list(LOSS_ORDER) + [n for n in order_names(rows["loss"], ()) if n not in LOSS_ORDER]
    penalties = list(PENALTY_ORDER) + [
        n for n in order_names(rows["penalty"], ()) if n not in PENALTY_ORDER
    ]
    grid = (
        rows.set_index(["loss", "penalty"])[column]
        .astype(float)
        .unstack("penalty")
        .reindex(index=losses, columns=penalties)
    )
    values = grid.to_numpy()
    finite = np.isfinite(values)
    direction = _direction_note(metric)

    if metric in LOWER_IS_BETTER:
        cmap = "viridis_r"
    elif metric in HIGHER_IS_BETTER:
        cmap = "viridis"
    else:
        cmap = "Blues"
    norm = Normalize(vmin=0.0, vmax=1.0)
    if finite.any():
        low, high = values[finite].min(), values[finite].max()
        use_log = metric in _RISK_LIKE and low > 0 and high / low > _LOG_COLOUR_RATIO
        norm = LogNorm(vmin=low, vmax=high) if use_log else Normalize(vmin=low, vmax=high)

    figure = _new_figure((1.5 * len(penalties) + 1.6, 0.75 * len(losses) + 1.2))
    ax = figure.add_subplot()
    ax.set_facecolor("#eeeeee")  # cells without a value show the background
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(values), cmap=cmap, norm=norm, edgecolors="white", linewidth=1.0
    )
    label = f"median {metric}" + (f" ({direction})" if direction else "")
    colorbar = figure.colorbar(mesh, ax=ax, label=label)
    if isinstance(norm, LogNorm):
        # Plain numbers read faster than 4x10^-1 next to the plain cell annotations.
        colorbar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
        colorbar.ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0, len(penalties))
    ax.set_ylim(len(losses), 0)  # first loss on top, like a table
    ax.set_xticks(np.arange(len(penalties)) + 0.5, penalties)
    ax.set_yticks(np.arange(len(losses)) + 0.5, losses)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i, loss in enumerate(losses):
        for j, penalty in enumerate(penalties):
            value = grid.loc[loss, penalty]
            colour = (
                _text_colour(mesh.cmap(mesh.norm(value))) if finite[i, j] else _MISSING_TEXT_COLOUR
            )
            ax.text(
                j + 0.5,
                i + 0.5,
                format_value(value),
                ha="center",
                va="center",
                color=colour,
                fontsize=11,
            )
    if direction and finite.any():
        best = values[finite].min() if metric in LOWER_IS_BETTER else values[finite].max()
        for i, j in zip(*np.nonzero(finite & (values == best)), strict=True):
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    fill=False,
                    edgecolor=_BEST_OUTLINE_COLOUR,
                    linewidth=3,
                    clip_on=False,
                )
            )
    ax.set_xlabel("penalty")
    ax.set_ylabel("loss")
    ax.tick_params(axis="both", length=0)
    ax.set_title(title if title is not None else f"{dataset}: median {metric}")
    return figure


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
    order = _pair_order(_rows_of(metrics, dataset))
    penalties = order_names([penalty for _, penalty in order], PENALTY_ORDER)
    palette = _penalty_palette(penalties)
    rows = _ok_rows(metrics, dataset)
    values = pd.to_numeric(rows[metric]).to_numpy(dtype=float)
    keep = np.isfinite(values)
    by_pair = {}
    for loss, penalty, value in zip(
        rows["loss"][keep], rows["penalty"][keep], values[keep], strict=True
    ):
        by_pair.setdefault((loss, penalty), []).append(value)

    figure = _new_figure((7.0, 0.32 * len(order) + 1.4))
    ax = figure.add_subplot()
    for position, pair in enumerate(order):
        pair_values = np.asarray(by_pair.get(pair, []))
        if pair_values.size == 0:
            continue
        boxes = ax.boxplot(
            [pair_values],
            positions=[position],
            widths=0.6,
            patch_artist=True,
            showfliers=False,
            medianprops={"color": "black", "linewidth": 1.5},
            **_HORIZONTAL_BOXES,
        )
        boxes["boxes"][0].set_facecolor(palette[pair[1]])
        # Evenly spread offsets instead of random jitter: deterministic pixels, no RNG.
        offsets = np.linspace(-0.18, 0.18, pair_values.size) if pair_values.size > 1 else [0.0]
        ax.scatter(
            pair_values,
            position + np.asarray(offsets),
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
            color=_MISSING_TEXT_COLOUR,
        )
    else:
        positive = values[keep].min() > 0
        if positive and (log_scale if log_scale is not None else metric in _RISK_LIKE):
            ax.set_xscale("log")
            _plain_log_ticks(ax.xaxis)
    for index, (label, x) in enumerate((reference_lines or {}).items()):
        colour, style = _REFERENCE_STYLES[index % len(_REFERENCE_STYLES)]
        ax.axvline(x, color=colour, linestyle=style, linewidth=1.3, label=label, zorder=2)
    if reference_lines:
        ax.legend(loc="best", fontsize=8)
    if limits is not None:
        ax.set_xlim(*limits)
    ax.set_ylabel("loss / penalty")
    note = _direction_note(metric)
    ax.set_xlabel(xlabel if xlabel is not None else metric + (f" ({note})" if note else ""))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        title if title is not None else f"{dataset}: {metric} across replicates (successful fits)"
    )
    return figure


def _plain_log_ticks(axis):
    """Ticks at 1, 2, 5 x 10^k labelled as plain numbers on a log axis."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    axis.set_minor_formatter(NullFormatter())


def tpr_fpr_scatter(metrics, dataset):
    """Mean true-positive rate against mean false-positive rate per pair of one dataset.

    Support recovery at the hyperparameters chosen by cross-validation: the ideal point is
    the top-left corner (all true features, no false ones). Colour encodes the penalty,
    marker shape the loss. The FPR axis is symmetric-log (linear below 0.01) so that sparse
    models, whose FPR is tiny, remain distinguishable from dense ones at FPR = 1.

    Parameters
    ----------
    metrics : pandas.DataFrame
        A metrics table; only ``status == "ok"`` rows are averaged.
    dataset : str

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``metrics`` has no row for ``dataset``.
    """
    order = _pair_order(_rows_of(metrics, dataset))
    losses = order_names([loss for loss, _ in order], LOSS_ORDER)
    penalties = order_names([penalty for _, penalty in order], PENALTY_ORDER)
    palette = _penalty_palette(penalties)
    rows = _ok_rows(metrics, dataset)
    means = (
        rows.assign(tpr=pd.to_numeric(rows["tpr"]), fpr=pd.to_numeric(rows["fpr"]))
        .groupby(["loss", "penalty"])[["tpr", "fpr"]]
        .mean()
    )

    figure = _new_figure((6.4, 4.6))
    ax = figure.add_subplot()
    drawn = 0
    for loss, penalty in order:
        if (loss, penalty) not in means.index:
            continue
        tpr, fpr = means.loc[(loss, penalty), ["tpr", "fpr"]]
        if not (np.isfinite(tpr) and np.isfinite(fpr)):
            continue
        ax.scatter(
            fpr,
            tpr,
            marker=_loss_marker(loss, losses),
            s=80,
            color=palette[penalty],
            edgecolors="black",
            linewidths=0.7,
            alpha=0.9,
            zorder=3,
        )
        drawn += 1
    if drawn == 0:
        ax.text(
            0.5,
            0.5,
            "no TPR/FPR values to show\n(no true coefficients or no successful fit)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=_MISSING_TEXT_COLOUR,
        )
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(-0.002, 1.3)
    ax.xaxis.set_major_locator(FixedLocator([0.0, 0.01, 0.03, 0.1, 0.3, 1.0]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel("mean false-positive rate (symlog axis)")
    ax.set_ylabel("mean true-positive rate")
    ax.grid(alpha=0.3)
    loss_handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=_loss_marker(loss, losses),
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
    first = ax.legend(
        handles=loss_handles, title="loss", loc="lower right", fontsize=8, title_fontsize=9
    )
    ax.add_artist(first)
    ax.legend(
        handles=penalty_handles, title="penalty", loc="center right", fontsize=8, title_fontsize=9
    )
    ax.set_title(f"{dataset}: support recovery at the CV choice")
    return figure


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
    order = _pair_order(timings)
    penalties = order_names([penalty for _, penalty in order], PENALTY_ORDER)
    palette = _penalty_palette(penalties)
    medians = (
        timings.assign(fit_seconds=pd.to_numeric(timings["fit_seconds"]))
        .groupby(["loss", "penalty"])["fit_seconds"]
        .median()
    )
    values = np.array([medians.get(pair, np.nan) for pair in order], dtype=float)
    labels = [pair_label(loss, penalty) for loss, penalty in order]

    figure = _new_figure((7.0, 0.32 * len(order) + 1.4))
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


def interaction_plot(metrics, datasets, metric="risk", *, references=None, reference_label=None):
    """Median of a metric per penalty, one line per loss, one panel per dataset.

    The classic two-way interaction plot: if the loss and the penalty acted independently
    (additively on the log scale) the lines of the losses would be parallel. Only successful
    fits with a positive value enter the medians; the y axis is logarithmic.

    Parameters
    ----------
    metrics : pandas.DataFrame
    datasets : sequence of str
        Datasets to draw, one panel each, in this order.
    metric : str
        A positive metric, ``risk`` by default.
    references : mapping of str to float, optional
        A horizontal reference level per dataset (e.g. the oracle's median risk), drawn as a
        dashed black line in that dataset's panel; datasets without a finite, positive value
        get none.
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
    figure = _new_figure((3.1 * n_cols + 1.2, 3.0 * n_rows + 0.4))
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for ax in axes.flat[len(datasets) :]:
        ax.set_visible(False)
    for ax, dataset in zip(axes.flat, datasets, strict=False):
        rows = _ok_rows(metrics, dataset)
        values = pd.to_numeric(rows[metric], errors="coerce")
        rows = rows.assign(_value=values)[np.isfinite(values) & (values > 0)]
        penalties = order_names(_rows_of(metrics, dataset)["penalty"], PENALTY_ORDER)
        losses = order_names(_rows_of(metrics, dataset)["loss"], LOSS_ORDER)
        medians = rows.groupby(["loss", "penalty"])["_value"].median()
        for index, loss in enumerate(losses):
            ys = [medians.get((loss, penalty), np.nan) for penalty in penalties]
            ax.plot(
                range(len(penalties)),
                ys,
                marker=_loss_marker(loss, losses),
                color=_LOSS_COLOURS.get(loss, f"C{index + 3}"),
                label=loss,
                linewidth=1.6,
                markersize=7,
                markeredgecolor="black",
                markeredgewidth=0.6,
            )
        level = (references or {}).get(dataset)
        has_reference = level is not None and math.isfinite(level) and level > 0
        if has_reference:
            ax.axhline(level, color="black", linestyle="--", linewidth=1.2, label=reference_label)
        ax.set_xticks(range(len(penalties)), penalties)
        ax.set_xlim(-0.3, len(penalties) - 0.7)
        if len(medians) or has_reference:
            ax.set_yscale("log")
            _plain_log_ticks(ax.yaxis)
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


def loss_functions(delta, *, extent=4.0):
    """The three losses and their derivatives (influence functions) against the residual.

    Parameters
    ----------
    delta : float
        Huber's threshold, e.g. the median chosen ``delta`` of a study.
    extent : float
        Residuals are drawn over ``[-extent * delta, extent * delta]``.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Left: ``loss(r)``; right: ``loss'(r)``, the weight a residual has in the estimating
        equation. Huber's kinks at ``+-delta`` are marked.

    Raises
    ------
    ValueError
        If ``delta`` is not positive.
    """
    from normbench.models.objective import make_loss

    if not (np.isfinite(delta) and delta > 0):
        raise ValueError(f"delta must be positive, got {delta!r}")
    residuals = np.linspace(-extent * delta, extent * delta, 801)
    figure = _new_figure((10.0, 3.8))
    value_ax, derivative_ax = figure.subplots(1, 2)
    labels = {
        "l2": "l2: r²/2",
        "l1": "l1: |r|",
        "huber": f"huber (δ = {format_value(delta)})",
    }
    for loss in LOSS_ORDER:
        function = make_loss(loss, delta if loss == "huber" else None)
        style = {"color": _LOSS_COLOURS[loss], "linewidth": 2.0, "label": labels[loss]}
        value_ax.plot(residuals, function.value(residuals), **style)
        derivative_ax.plot(residuals, function.derivative(residuals), **style)
    value_ax.set_ylim(0, 0.5 * (extent * delta) ** 2 * 0.6)
    for ax in (value_ax, derivative_ax):
        for x in (-delta, delta):
            ax.axvline(x, color="0.6", linestyle=":", linewidth=1)
        ax.axhline(0, color="0.3", linewidth=0.6)
        ax.set_xlabel("residual r = y − b − x·w")
        ax.grid(alpha=0.3)
    value_ax.set_title("loss(r)")
    value_ax.set_ylabel("loss")
    derivative_ax.set_title("loss′(r): influence of one residual")
    derivative_ax.set_ylabel("derivative")
    derivative_ax.set_ylim(-1.6 * max(delta, 1.0), 1.6 * max(delta, 1.0))
    derivative_ax.legend(fontsize=8, loc="upper left")
    return figure


def coefficient_path_panels(paths, true_coef):
    """Coefficient paths against log10(lam), one panel per penalty.

    Parameters
    ----------
    paths : mapping of str to (lams, coefs)
        Panel title (e.g. the penalty) to the decreasing ``lams`` (n_lams,) and the
        coefficients (n_lams, p), as returned by :func:`normbench.models.paths.coefficient_paths`.
    true_coef : array-like of shape (p,)
        True nonzero coefficients are drawn in colour, the null ones in light grey.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    truth = np.asarray(true_coef, dtype=float) != 0
    figure = _new_figure((4.0 * max(len(paths), 1), 3.8))
    axes = np.atleast_1d(figure.subplots(1, max(len(paths), 1), squeeze=False)[0])
    colours = sns.color_palette("husl", max(int(truth.sum()), 1))
    for ax, (title, (lams, coefs)) in zip(axes, paths.items(), strict=False):
        x = np.log10(np.asarray(lams, dtype=float))
        coefs = np.asarray(coefs, dtype=float)
        null = coefs[:, ~truth]
        if null.size:
            ax.plot(x, null, color="0.78", linewidth=0.6, zorder=1)
        for colour, column in zip(colours, np.flatnonzero(truth), strict=False):
            ax.plot(x, coefs[:, column], color=colour, linewidth=1.6, zorder=2)
        ax.axhline(0, color="0.3", linewidth=0.6)
        ax.invert_xaxis()
        ax.set_title(str(title))
        ax.set_xlabel("log10 lam (decreasing →)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("coefficient (standardised X)")
    axes[0].legend(
        handles=[
            Line2D([], [], color=colours[0], linewidth=1.6, label="true nonzero"),
            Line2D([], [], color="0.78", linewidth=0.8, label="true zero"),
        ],
        fontsize=8,
        loc="upper left",
    )
    return figure


def support_roc_curves(curves):
    """Support-recovery ROC curves, one per penalty, with the AUC in the legend.

    Parameters
    ----------
    curves : mapping of str to (fpr, tpr, auc)
        Label (a penalty name, coloured like everywhere else) to the output of
        :func:`normbench.models.paths.support_roc`.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    figure = _new_figure((5.2, 4.6))
    ax = figure.subplots()
    palette = _penalty_palette(list(curves))
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


def norm_balls():
    """The L1 and L2 balls in 2-D, each touched by elliptical contours of a squared loss.

    Drawn from the formulas: for the L1 ball ``|w1| + |w2| <= 1`` the loss centre is placed so
    that the smallest contour meeting the ball touches it at the corner (0, 1), an exact zero
    of w1; for the L2 ball ``w1² + w2² <= 1`` the same loss touches the circle off the axes,
    where both coordinates are nonzero.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    # loss(w) = (w - c)' A (w - c) / 2 with an elongated, tilted A
    angle = np.deg2rad(135.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = rotation @ np.diag([1.0, 4.0]) @ rotation.T
    centre = np.array([1.0, 2.2])
    grid = np.linspace(-2.5, 3.5, 301)
    W1, W2 = np.meshgrid(grid, grid)
    D = np.stack([W1 - centre[0], W2 - centre[1]])
    values = 0.5 * np.einsum("i...,ij,j...->...", D, A, D)

    def loss(points):
        d = points - centre
        return 0.5 * np.einsum("ki,ij,kj->k", d, A, d)

    # 2000 steps: t = pi/2 (the corner (0, 1)) is a grid point
    t = np.linspace(0.0, 2.0 * np.pi, 2001)
    boundaries = {
        "L1 ball |w₁| + |w₂| ≤ 1 (lasso)": np.column_stack([np.cos(t), np.sin(t)])
        / (np.abs(np.cos(t)) + np.abs(np.sin(t)))[:, None],
        "L2 ball w₁² + w₂² ≤ 1 (ridge)": np.column_stack([np.cos(t), np.sin(t)]),
    }
    figure = _new_figure((9.6, 4.6))
    axes = figure.subplots(1, 2)
    colours = {"L1": _penalty_palette(["l1"])["l1"], "L2": _penalty_palette(["l2"])["l2"]}
    for ax, (title, boundary) in zip(axes, boundaries.items(), strict=True):
        colour = colours[title[:2]]
        touching = boundary[np.argmin(loss(boundary))]
        level = float(loss(touching[None, :])[0])
        ax.fill(boundary[:, 0], boundary[:, 1], color=colour, alpha=0.25, zorder=1)
        ax.plot(boundary[:, 0], boundary[:, 1], color=colour, linewidth=2.0, zorder=2)
        levels = sorted({level * factor for factor in (0.1, 0.35, 1.0, 2.0)})
        contours = ax.contour(W1, W2, values, levels=levels, colors="0.35", linewidths=1.0)
        contours.set_zorder(3)
        ax.plot(*centre, marker="x", color="0.2", markersize=8, zorder=4)
        ax.annotate(
            "least-squares\nsolution", centre, textcoords="offset points", xytext=(8, 4), fontsize=8
        )
        ax.plot(*touching, marker="o", color="#d62728", markersize=8, zorder=5)
        ax.annotate(
            f"ŵ = ({touching[0]:.2f}, {touching[1]:.2f})",
            touching,
            textcoords="offset points",
            xytext=(10, -14),
            fontsize=9,
            color="#d62728",
        )
        ax.axhline(0, color="0.3", linewidth=0.6)
        ax.axvline(0, color="0.3", linewidth=0.6)
        ax.set_xlim(-2.0, 3.0)
        ax.set_ylim(-1.6, 3.0)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
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
    figure = _new_figure((4.0 * min(len(names), 3), 3.4 * math.ceil(len(names) / 3)))
    axes = np.atleast_1d(figure.subplots(math.ceil(len(names) / 3), min(len(names), 3))).ravel()
    for ax, dataset in zip(axes, names, strict=False):
        by_loss = residuals[dataset]
        pooled = np.concatenate([np.abs(r) for r in by_loss.values()])
        extent = float(np.quantile(pooled, 0.99)) or 1.0
        scale = float(pooled.max())
        # about 2 sqrt(n) bins: readable for n = 20 as for n = 1000
        n_bins = int(np.clip(2 * math.sqrt(max(len(r) for r in by_loss.values())), 8, 40))
        bins = np.linspace(-extent, extent, n_bins + 1)
        for loss in order_names(by_loss, LOSS_ORDER):
            values = np.asarray(by_loss[loss], dtype=float)
            zeros = exact_zero_share(values, scale)
            ax.hist(
                np.clip(values, -extent, extent),
                bins=bins,
                density=True,
                histtype="step",
                linewidth=1.8,
                color=_LOSS_COLOURS.get(loss, "0.3"),
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
