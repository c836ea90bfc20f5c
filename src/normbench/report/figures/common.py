"""What every figure of the report shares: a canvas, number formatting, colours, markers
and the order of the pairs."""

from __future__ import annotations

import math

import matplotlib
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
)

from normbench.study.store import ok_fits
from normbench.vocab import ordered_pairs, pair_key

LOSS_COLOURS = {"l2": "#0072b2", "l1": "#d55e00", "huber": "#009e73"}


REFERENCE_STYLES = (("#d62728", "--"), ("#555555", ":"), ("#9467bd", "-."))


# Ratio max/min above which a heatmap of a risk-like metric switches to a log colour scale.
LOG_COLOUR_RATIO = 20.0


_LOSS_MARKERS = {"l2": "o", "l1": "s", "huber": "^"}


_EXTRA_MARKERS = ("D", "v", "P", "X", "*")


MISSING_TEXT_COLOUR = "#555555"


BEST_OUTLINE_COLOUR = "#d62728"


# Matplotlib 3.10 replaced boxplot(vert=False) by orientation="horizontal".
HORIZONTAL_BOXES = (
    {"orientation": "horizontal"}
    if tuple(int(part) for part in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)


def new_figure(figsize, *, constrained=True):
    """A figure on its own Agg canvas, independent of pyplot's state.

    With ``constrained`` (the default) matplotlib's constrained layout places the axes so that
    no label is cut or overlaps; it measures every tick label twice at each draw, about half of
    the time the report spends drawing. Figures whose labels are all known beforehand pass
    ``constrained=False`` and place their axes with :func:`fixed_margins`.
    """
    figure = Figure(figsize=figsize, layout="constrained" if constrained else None)
    FigureCanvasAgg(figure)
    return figure


#: Space, in inches, around the text of a figure laid out by hand: between a tick label or an
#: axis label and what is next to it, and at the edge of the figure.
LABEL_PAD_IN = 0.07
EDGE_PAD_IN = 0.08


def text_size(figure, texts, fontsize):
    """Width and height, in inches, of the widest and of the tallest of ``texts`` at
    ``fontsize`` points in the figure's font, as the figure's canvas draws them ((0, 0) for
    no text)."""
    renderer = figure.canvas.get_renderer()
    prop = FontProperties(size=fontsize)
    sizes = [
        renderer.get_text_width_height_descent(str(text), prop, ismath=False) for text in texts
    ]
    if not sizes:
        return 0.0, 0.0
    return max(w for w, _, _ in sizes) / renderer.dpi, max(h for _, h, _ in sizes) / renderer.dpi


def tick_labels_size(axis, fontsize=10):
    """Width and height, in inches, of the widest and tallest major tick label ``axis`` will
    draw (its locator and formatter over its view limits), without building its ticks."""
    low, high = sorted(axis.get_view_interval())
    locations = [value for value in axis.get_major_locator()() if low <= value <= high]
    labels = axis.get_major_formatter().format_ticks(locations)
    return text_size(axis.axes.figure, labels, fontsize)


def fixed_margins(figure, *, left, right, bottom, top, wspace=None):
    """Place the figure's subplots with margins in inches (``wspace``: the gap between panels,
    in inches), for a figure made with ``new_figure(..., constrained=False)``."""
    width, height = figure.get_size_inches()
    plot_width = width - left - right
    n_cols = max(
        (
            ax.get_subplotspec().get_geometry()[1]
            for ax in figure.axes
            if ax.get_subplotspec() is not None
        ),
        default=1,
    )
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=None
        if wspace is None
        else wspace * n_cols / max(plot_width - wspace * (n_cols - 1), 1e-6),
    )


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


#: The loss of the one row standing for the minimum-norm interpolant shared by the three losses
#: without penalty (:func:`normbench.report.context.collapse_interpolant`), and its label.
INTERPOLANT_LOSS = "any"
INTERPOLANT_LABEL = "interpolant (any loss)"


def pair_label(loss, penalty):
    """The one spelling of a pair, ``loss+penalty`` (:func:`normbench.vocab.pair_key`); the
    interpolant shared by the three unpenalised losses is :data:`INTERPOLANT_LABEL`."""
    if loss == INTERPOLANT_LOSS and penalty == "none":
        return INTERPOLANT_LABEL
    return pair_key(loss, penalty)


def penalty_palette(penalties):
    """Fixed colour per penalty: canonical penalties keep their colour whatever is present."""
    colours = sns.color_palette("colorblind", 10)
    fixed = {"none": colours[7], "l1": colours[0], "l2": colours[1], "elasticnet": colours[2]}
    spare = [colours[i] for i in (4, 5, 6, 8, 9, 3)]
    extras = [name for name in penalties if name not in fixed]
    palette = {name: fixed[name] for name in penalties if name in fixed}
    for index, name in enumerate(extras):
        palette[name] = spare[index % len(spare)]
    return palette


def loss_marker(loss, losses):
    if loss in _LOSS_MARKERS:
        return _LOSS_MARKERS[loss]
    extras = [name for name in losses if name not in _LOSS_MARKERS]
    return _EXTRA_MARKERS[extras.index(loss) % len(_EXTRA_MARKERS)]


def rows_of(table, dataset):
    rows = table[table["dataset"] == dataset]
    if rows.empty:
        raise ValueError(f"no rows for dataset {dataset!r}")
    return rows


def ok_rows_of(metrics, dataset):
    """Rows of one dataset whose fit succeeded; other rows are reported in the failures table."""
    rows = rows_of(metrics, dataset)
    return ok_fits(rows)


def pair_order(rows):
    """Pairs present in ``rows``, loss-major, each in its natural order."""
    return ordered_pairs(zip(rows["loss"], rows["penalty"], strict=True))


def text_colour(rgba):
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    red, green, blue = rgba[:3]
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "black" if luminance > 0.5 else "white"


def plain_log_ticks(axis):
    """Ticks at 1, 2, 5 x 10^k labelled as plain numbers on a log axis, and no minor ticks.

    The minor ticks of a log axis (2, 3, ..., 9 x 10^k, unlabelled) add little between labelled
    ticks at 1, 2 and 5, and each is an object matplotlib builds and measures: without them the
    report's figures draw about a third faster.
    """
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())
