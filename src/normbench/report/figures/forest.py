"""The forest plot of the answer: paired effects with their intervals, one panel per scenario."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from normbench.report.figures.common import format_value, new_figure

__all__ = ["VERDICT_COLOURS", "forest_plot"]

#: Colour of a row by its verdict (colour-blind safe; the marker shape repeats it).
VERDICT_COLOURS = {
    "better": "#009e73",
    "equivalent": "#0072b2",
    "worse": "#d55e00",
    "inconclusive": "#777777",
}
_VERDICT_MARKERS = {"better": "o", "equivalent": "^", "worse": "s", "inconclusive": "D"}
#: Drawn width in pixels at the report's 100 dpi: the content width of the page, so that the
#: figure is shown at its drawn size and its text at the sizes below.
FOREST_WIDTH_PX = 1080
_DPI = 100
# points: at 100 dpi, 1 pt = 1.39 px, so the smallest text (ticks, 10 pt) is ~14 px
_LABEL_PT, _TICK_PT, _TITLE_PT = 11, 10, 12
# widest factor shown beyond the effects on either side: only an interval of two or three
# replicates reaches it (drawn as an arrow)
_SPAN = 100.0


def _limits(rows, equivalence):
    """A log x range spanning the intervals shown (and 1 and the equivalence band), a margin."""
    effects = rows["effect"].to_numpy(float)
    effects = effects[np.isfinite(effects) & (effects > 0)]
    effects = np.append(effects, [1.0 / equivalence, equivalence])
    bounds = np.concatenate([rows[c].to_numpy(float) for c in ("ci_low", "ci_high")])
    bounds = bounds[np.isfinite(bounds) & (bounds > 0)]
    low = max(min(effects.min(), bounds.min(initial=np.inf)), effects.min() / _SPAN)
    high = min(max(effects.max(), bounds.max(initial=0.0)), effects.max() * _SPAN)
    return float(low) / 1.1, float(high) * 1.1


def forest_plot(
    findings, comparisons, datasets, *, metric_name, equivalence=1.1, labels=None, max_columns=4
):
    """Paired effects (pair over reference) with intervals: one row per comparison, one panel
    per scenario, log x axis, a reference line at 1.

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv``.
    comparisons : sequence of (str, str)
        The (pair, reference) rows to draw, top to bottom; those a scenario lacks are left empty.
    datasets : sequence of str
        The scenarios, one panel each, in this order (at most ``max_columns`` per row).
    metric_name : str
        The metric of the rows drawn.
    equivalence : float
        The region of practical equivalence, ``[1/equivalence, equivalence]``, shaded.
    labels : mapping of str to str, optional
        A panel title per dataset (the scenario in words); the dataset's name otherwise.
    max_columns : int
        Panels per row of the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Sized :data:`FOREST_WIDTH_PX` wide at 100 dpi. A marker's colour and shape give the
        verdict (better, equivalent, worse, inconclusive); the x axis spans the intervals drawn
        (an end beyond :data:`_SPAN` times the effects is drawn as an arrow).

    Raises
    ------
    ValueError
        If there is no dataset or no comparison to draw.
    """
    datasets, comparisons = list(datasets), list(comparisons)
    if not datasets or not comparisons:
        raise ValueError("forest_plot needs at least one dataset and one comparison")
    rows = findings[findings["metric"] == metric_name]
    n_cols = min(len(datasets), max_columns)
    n_rows = math.ceil(len(datasets) / n_cols)
    height = (0.34 * len(comparisons) + 1.0) * n_rows + 0.45
    figure = new_figure((FOREST_WIDTH_PX / _DPI, height))
    axes = figure.subplots(n_rows, n_cols, squeeze=False, sharey=True)
    drawn = rows[rows["dataset"].isin(datasets)]
    limits = _limits(drawn, equivalence) if len(drawn) else (0.5, 2.0)
    labels = labels or {}
    for ax in axes.flat[len(datasets) :]:
        ax.set_visible(False)
    for index, (ax, dataset) in enumerate(zip(axes.flat, datasets, strict=False)):
        _panel(ax, rows[rows["dataset"] == dataset], comparisons, limits, equivalence)
        ax.set_title(labels.get(dataset, dataset), fontsize=_TITLE_PT)
        if index % n_cols == 0:
            ax.set_yticks(range(len(comparisons)), [f"{p} / {r}" for p, r in comparisons])
        ax.tick_params(labelsize=_TICK_PT)
    handles = [
        Line2D(
            [],
            [],
            color=colour,
            marker=_VERDICT_MARKERS[verdict],
            markeredgecolor="black",
            linewidth=2.2,
            markersize=8,
            label=verdict,
        )
        for verdict, colour in VERDICT_COLOURS.items()
    ]
    figure.legend(
        handles=handles, loc="outside upper right", ncols=4, fontsize=_TICK_PT, frameon=False
    )
    figure.supxlabel(
        f"{metric_name}: geometric mean of the paired ratios pair / reference "
        "(log axis; left of 1 the pair is better)",
        fontsize=_LABEL_PT,
    )
    return figure


def _ticks(axis, limits):
    """At most about five labelled ticks: 1, 2, 5 × 10^k on a short range, 10^k on a long one."""
    decades = np.log10(limits[1] / limits[0])
    subs = (1.0, 2.0, 5.0) if decades <= 1.5 else (1.0,) if decades <= 5 else ()
    powers = np.arange(np.floor(np.log10(limits[0])), np.ceil(np.log10(limits[1])) + 1)
    if subs:
        ticks = [s * 10.0**k for k in powers for s in subs]
    else:
        ticks = [10.0**k for k in powers if k % 2 == 0]
    ticks = [t for t in ticks if limits[0] <= t <= limits[1]]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda value, _: format_value(value)))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def _panel(ax, rows, comparisons, limits, equivalence):
    """One scenario: a row per comparison (effect, interval, verdict), the line at 1."""
    ax.set_xscale("log")
    ax.set_xlim(*limits)
    ax.set_ylim(len(comparisons) - 0.5, -0.5)
    ax.axvspan(1.0 / equivalence, equivalence, color="#0072b2", alpha=0.08, zorder=0)
    ax.axvline(1.0, color="black", linewidth=1.0, linestyle="--", zorder=1)
    by_key = {(row.pair, row.reference): row for row in rows.itertuples()}
    for y, key in enumerate(comparisons):
        row = by_key.get(key)
        if row is None or not math.isfinite(row.effect):
            continue
        colour = VERDICT_COLOURS.get(row.verdict, "black")
        low, high = row.ci_low, row.ci_high
        if math.isfinite(low) or math.isfinite(high) or high == math.inf:
            left = max(low, limits[0]) if math.isfinite(low) and low > 0 else limits[0]
            right = min(high, limits[1]) if math.isfinite(high) else limits[1]
            ax.plot([left, right], [y, y], color=colour, linewidth=2.2, zorder=2)
            for bound, edge, marker in ((low, limits[0], "<"), (high, limits[1], ">")):
                if not (math.isfinite(bound) and limits[0] < bound < limits[1]):
                    ax.plot(edge, y, marker=marker, color=colour, markersize=7, zorder=3)
        ax.plot(
            min(max(row.effect, limits[0]), limits[1]),
            y,
            marker=_VERDICT_MARKERS.get(row.verdict, "o"),
            color=colour,
            markeredgecolor="black",
            markersize=8,
            zorder=4,
        )
    _ticks(ax.xaxis, limits)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
