"""The report's figure machinery: compact PNG encoding and sections drawn in parallel."""

import io
import os

import pytest
from PIL import Image

from normbench.report import build
from normbench.report.figures.common import new_figure
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
    def __init__(self, id_, body):
        self.id, self.body = id_, body

    def render(self, ctx):
        return None if self.body is None else f"{self.body} of {ctx} in {os.getpid()}"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers are forked")
def test_sections_drawn_by_two_workers_come_back_in_page_order(monkeypatch):
    sections = [_Section(f"s{i}", f"body {i}") for i in range(7)]
    sections[3] = _Section("by-scenario", "the grid")  # a slow section, started first
    sections[5] = _Section("empty", None)
    monkeypatch.setattr(build, "SECTIONS", tuple(sections))
    serial = build.render_sections("ctx", workers=1)
    parallel = build.render_sections("ctx", workers=2)

    def what(bodies):
        return [body and body.split(" in ")[0] for body in bodies]

    assert what(parallel) == what(serial)
    assert serial[5] is None and serial[3].startswith("the grid of ctx")
    # drawn in other processes, not in this one
    assert all(body.split(" in ")[1] != str(os.getpid()) for body in parallel if body)
