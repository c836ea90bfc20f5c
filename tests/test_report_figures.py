"""The report's figure machinery: compact PNG encoding and sections drawn in parallel."""

import io
import os
import re

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from normbench.report import build
from normbench.report.figures import heatmap_grid, replicate_distributions
from normbench.report.figures.common import new_figure
from normbench.report.figures.sweeps import sweep_figure
from normbench.report.html import FIGURE_COLOURS, FIGURE_DPI, figure_png, html_figure


def _figure():
    figure = new_figure((4.0, 3.0))
    axis = figure.subplots()
    axis.plot([1, 2, 3], [3, 1, 2], marker="o", label="a line")
    axis.fill_between([1, 2, 3], [1, 0, 1], [2, 2, 3], alpha=0.2)
    axis.set_title("a title")
    axis.legend()
    return figure


def test_a_figure_is_one_palette_png_at_its_drawn_size_and_the_same_bytes_every_time():
    first = figure_png(_figure())
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "PNG" and image.mode == "P"
        assert image.size == (4 * FIGURE_DPI, 3 * FIGURE_DPI)
        assert len(image.getcolors()) <= FIGURE_COLOURS
        assert not set(image.info) & {"Software", "dpi"}  # no metadata chunk
    assert figure_png(_figure()) == first
    assert 'src="data:image/png;base64,' in html_figure(_figure(), "caption", "alt")


class _Section:
    parts = None

    def __init__(self, id_, body):
        self.id, self.body = id_, body

    def render(self, ctx):
        return None if self.body is None else f"{self.body} of {ctx} in {os.getpid()}"


class _Blocks:
    """A section of blocks: ``render`` joins what ``parts`` draws one by one."""

    def __init__(self, id_, count):
        self.id, self.count = id_, count

    def parts(self, ctx):
        return [lambda ctx, i=i: f"block {i} of {ctx} in {os.getpid()}" for i in range(self.count)]

    def render(self, ctx):
        blocks = self.parts(ctx)
        return "\n".join(block(ctx) for block in blocks) if blocks else None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers are forked")
def test_sections_drawn_by_two_workers_come_back_in_page_order(monkeypatch):
    sections = [_Section(f"s{i}", f"body {i}") for i in range(7)]
    sections[3] = _Section("sweeps", "the grid")  # a slow section, started early
    sections[4] = _Blocks("by-scenario", 5)  # drawn block by block
    sections[5] = _Section("empty", None)
    sections[6] = _Blocks("no-blocks", 0)
    monkeypatch.setattr(build, "SECTIONS", tuple(sections))
    serial = build.render_sections("ctx", workers=1)
    parallel = build.render_sections("ctx", workers=2)

    def what(bodies):
        return [body and re.sub(r" in \d+", "", body) for body in bodies]

    assert what(parallel) == what(serial)
    assert serial[5] is None and serial[6] is None and serial[3].startswith("the grid of ctx")
    assert what(parallel)[4] == "\n".join(f"block {i} of ctx" for i in range(5))
    # drawn in other processes, not in this one; the blocks of one section by both workers
    pids = {int(pid) for body in parallel if body for pid in re.findall(r" in (\d+)", body)}
    assert os.getpid() not in pids
    # the blocks are tasks of their own (for either worker), the slowest sections first
    tasks = build._tasks("ctx")
    assert [part for index, part in tasks if index == 4] == list(range(5))
    assert tasks[:6] == [(4, 0), (4, 1), (4, 2), (4, 3), (4, 4), (3, None)]
    assert not [task for task in tasks if task[0] == 6]


def _texts_outside(figure):
    """The visible texts of a drawn figure that stick out of it (cut off in the PNG)."""
    canvas = figure.canvas
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = canvas.get_width_height()
    # matplotlib keeps labels for ticks beyond an axis's limits but does not draw them
    undrawn = set()
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * (high - low)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - slack <= tick.get_loc() <= high + slack:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    outside = []
    for text in figure.findobj(matplotlib.text.Text):
        if not text.get_visible() or not text.get_text() or id(text) in undrawn:
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            outside.append((text.get_text(), box.bounds))
    return outside


LONG_LOSS = "a_rather_long_loss_name"


def test_figures_laid_out_by_hand_keep_long_labels_and_big_numbers_inside():
    """The heatmap, the per-replicate boxes and the sweep panels place their axes from their
    labels' sizes (no constrained layout): a long loss name, big and tiny numbers stay inside."""
    losses = ["l2", "l1", LONG_LOSS]
    penalties = ["none", "l1", "l2", "elasticnet"]
    pairs = [(loss, penalty) for loss in losses for penalty in penalties]

    def estimates(values):
        return pd.DataFrame(
            {
                "dataset": "d",
                "loss": [loss for loss, _ in pairs],
                "penalty": [penalty for _, penalty in pairs],
                "estimate": values,
                "mcse": np.abs(values) * 0.123456,
            }
        )

    metrics = pd.DataFrame(
        [
            {"dataset": "d", "replicate": r, "loss": loss, "penalty": penalty, "status": "ok"}
            | {"risk": 1e-4 * (1 + r) * 10 ** (i % 9)}
            for i, (loss, penalty) in enumerate(pairs)
            for r in range(5)
        ]
    )
    sweep = pd.DataFrame(
        [
            {"loss": loss, "penalty": penalty, "value": value}
            | {"median": 1e5 * value, "mcse": 0.5e5 * value}
            | {"ci_low": 0.5e5 * value, "ci_high": 2e5 * value}
            for loss, penalty in pairs
            for value in (0.05, 0.4, 6.0)
        ]
    )
    figures = {
        "heatmap, log colours": heatmap_grid(
            estimates(np.geomspace(2.5e-5, 3.0e6, len(pairs))), "d", "risk"
        ),
        "heatmap, linear colours": heatmap_grid(
            estimates(np.linspace(-123456.0, 1.0, len(pairs))), "d", "n_nonzero"
        ),
        "boxes": replicate_distributions(metrics, "d", "risk"),
        "sweep": sweep_figure(sweep, "noise.snr", "risk"),
    }
    for name, figure in figures.items():
        assert not figure.get_constrained_layout(), name
        assert _texts_outside(figure) == [], name


def _crowded_support(dense_at, sparse_at):
    """TPR/FPR medians of every pair where the dense pairs share one point, the sparse another
    (all twelve one point where the two are the same)."""
    from normbench.vocab import LOSSES, PENALTIES

    rows = []
    for loss in LOSSES:
        for penalty in PENALTIES:
            fpr, tpr = dense_at if penalty in ("none", "l2") else sparse_at
            rows.append({"dataset": "d", "loss": loss, "penalty": penalty, "tpr": tpr, "fpr": fpr})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("dense_at", "sparse_at"),
    [
        ((1.0, 1.0), (0.0, 0.0)),  # the usual: dense at the top right, empty fits at the origin
        ((1.0, 0.5), (0.3, 0.0)),  # a box beside the middle of the right edge, one bottom right
        ((1.0, 0.0), (0.0, 1.0)),  # every corner the legends were once in
        ((0.03, 0.5), (0.03, 0.5)),  # all twelve in the middle: the tallest box, least room
        ((1.0, 1.0), (1.0, 1.0)),  # all twelve in a corner
    ],
)
def test_the_box_naming_coincident_pairs_overlaps_no_legend(dense_at, sparse_at):
    from matplotlib.text import Annotation

    from normbench.report.figures import tpr_fpr_scatter

    figure = tpr_fpr_scatter(_crowded_support(dense_at, sparse_at), "d")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (ax,) = figure.axes
    boxes = [text for text in ax.texts if isinstance(text, Annotation)]
    counts = [6, 6] if dense_at != sparse_at else [12]
    assert sorted(int(box.get_text().split()[0]) for box in boxes) == counts
    legends = [artist for artist in ax.get_children() if isinstance(artist, type(ax.legend_))]
    assert {legend.get_title().get_text() for legend in legends} == {"loss", "penalty"}
    figure_box = figure.bbox
    for box in boxes:
        drawn = box.get_bbox_patch().get_window_extent(renderer)
        for legend in legends:
            assert not drawn.overlaps(legend.get_window_extent(renderer)), (
                box.get_text(),
                legend.get_title().get_text(),
            )
        # and the whole list is on the figure, not cut at its edge
        assert figure_box.contains(drawn.x0, drawn.y0) and figure_box.contains(drawn.x1, drawn.y1)


@pytest.mark.parametrize(
    "groups",
    [
        ((0.03, 0.5), (0.05, 0.55)),  # two crowds side by side in the middle
        ((0.5, 1.0), (1.0, 1.0), (1.0, 0.9)),  # three crowds near the top right corner
        ((0.0, 0.0), (0.0, 0.05), (0.01, 0.1)),  # three near the origin, boxes going up
    ],
)
def test_boxes_naming_coincident_pairs_do_not_cover_each_other(groups):
    from matplotlib.text import Annotation

    from normbench.report.figures import tpr_fpr_scatter
    from normbench.vocab import LOSSES, PENALTIES

    pairs = [(loss, penalty) for loss in LOSSES for penalty in PENALTIES]
    rows = [
        {"dataset": "d", "loss": loss, "penalty": penalty, "fpr": fpr, "tpr": tpr}
        for k, (loss, penalty) in enumerate(pairs)
        for fpr, tpr in [groups[k % len(groups)]]
    ]
    figure = tpr_fpr_scatter(pd.DataFrame(rows), "d")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (ax,) = figure.axes
    boxes = [text for text in ax.texts if isinstance(text, Annotation)]
    assert len(boxes) == len(groups)
    drawn = [box.get_bbox_patch().get_window_extent(renderer) for box in boxes]
    for first in range(len(drawn)):
        for second in range(first + 1, len(drawn)):
            assert not drawn[first].overlaps(drawn[second]), (first, second)
        assert figure.bbox.contains(drawn[first].x0, drawn[first].y0)
        assert figure.bbox.contains(drawn[first].x1, drawn[first].y1)
