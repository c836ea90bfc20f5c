"""The page of ``normbench compare``: where it may be written, and its HTML.

The comparison itself (which cells changed, which conclusions moved, the timing ratios) is
:mod:`normbench.analysis.compare`; this module only checks the output path
(:func:`check_output`: never inside a results folder, never over a file that is not an HTML
page) and renders a :class:`~normbench.analysis.compare.Comparison` as a self-contained page.
"""

from __future__ import annotations

import os
from pathlib import Path

from normbench.analysis.compare import (
    CONCLUSION_HEADINGS,
    CONCLUSION_KINDS,
    Comparison,
    normal_tail,
)
from normbench.report.html import esc, html_table
from normbench.study.store import write_atomically

__all__ = [
    "OutputError",
    "check_output",
    "inside_results",
    "render_comparison",
    "write_comparison",
]

_METRICS = Path("results") / "metrics.csv"


class OutputError(ValueError):
    """The output page would harm a file or cannot be written; the message says which and why."""


_HTML_SUFFIXES = (".html", ".htm")


def _looks_like_html(path: Path) -> bool:
    with path.open("rb") as handle:
        start = handle.read(512).lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def inside_results(resolved: Path, runs=(), *, itself: bool = False) -> bool:
    """Inside a given run's ``results/`` or any ``results/`` folder holding a metrics.csv.

    With ``itself``, ``resolved`` being such a folder counts too (an output folder).
    """
    folders = [Path(run).resolve() / _METRICS.parent for run in runs]
    candidates = [resolved, *resolved.parents] if itself else list(resolved.parents)
    for parent in candidates:
        if parent in folders:
            return True
        if parent.name == _METRICS.parent.name and (parent / _METRICS.name).exists():
            return True
    return False


def check_output(path, runs=()) -> Path:
    """The page's path, once it is known to harm nothing; its folder is created if needed.

    Refused, each in one line: a path inside a study's results folder (``results/`` of a
    compared run, or any ``results/`` holding a ``metrics.csv``, which the page could
    overwrite), a folder, an existing file that is not an HTML page, a name not ending in
    ``.html``, a folder that cannot be created or written to.

    Parameters
    ----------
    path : str or path-like
    runs : sequence of path-like
        The compared study folders.

    Raises
    ------
    OutputError
    """
    path = Path(path)
    resolved = path.resolve()
    if inside_results(resolved, runs):
        raise OutputError(
            f"{path}: inside a study's results folder; the comparison is written elsewhere, "
            "never among the results it reads"
        )
    if resolved.is_dir():
        raise OutputError(
            f"{path}: is a folder; name the HTML file to write, e.g. {path}/compare.html"
        )
    if path.suffix.lower() not in _HTML_SUFFIXES:
        raise OutputError(f"{path}: the comparison is an HTML page; give a name ending in .html")
    if resolved.exists():
        if not resolved.is_file() or not _looks_like_html(resolved):
            raise OutputError(f"{path}: exists and is not an HTML page; it is left as it is")
    folder = resolved.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{path}: {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{path}: cannot create its folder {folder} ({error.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {folder} is not writable")
    return path


def write_comparison(comparison, path, label_a: str, label_b: str, runs=()) -> None:
    """Write the page atomically to ``path`` (checked first by :func:`check_output`).

    Raises
    ------
    OutputError
        When the path is refused or the write fails (one line, naming it).
    """
    path = check_output(path, runs)
    document = render_comparison(comparison, label_a, label_b)
    try:
        write_atomically(path, document.encode("utf-8"))
    except OSError as error:
        raise OutputError(f"{path}: cannot be written ({error.strerror or error})") from None


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>normbench: {title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:14px}}td,th{{border:1px solid #ccc;padding:2px 6px}}
td.num{{text-align:right}}.table-wrap{{overflow-x:auto}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def _conclusions_section(comparison: Comparison) -> list[str]:
    """The page's section on changed conclusions (or why they were not compared)."""
    parts = ["<h2>Conclusions</h2>"]
    if comparison.conclusions is None:
        note = comparison.conclusions_note or "conclusions not compared"
        return [*parts, f"<p>{esc(note)}.</p>"]
    z = comparison.z
    parts.append(
        f"<p><strong>{esc(comparison.conclusions_line())}</strong>. Each run's analysis tables "
        "(rule analyse) are compared as they are; nothing is recomputed. A verdict changed: a "
        "findings.csv row (dataset, metric, pair, reference) with another verdict, or in one "
        "run only. A best set changed: the pairs in the model confidence set of best_set.csv "
        "(dataset, metric) differ. A median moved: a summary.csv median (dataset, metric, pair) "
        f"with |m<sub>A</sub> − m<sub>B</sub>| &gt; z·√(mcse<sub>A</sub>² + mcse<sub>B</sub>²), "
        f"z = {z:g}; runs that differ by Monte Carlo noise only list about "
        f"{200 * normal_tail(z):.2g} % of the medians when each Monte Carlo error is right "
        "(with very few replicates the bootstrap's is coarse and often too small, and more are "
        "listed).</p>"
    )
    if comparison.n_untested_medians:
        parts.append(
            f"<p>{comparison.n_untested_medians} medians have no Monte Carlo error in one run "
            "(a single value) and are not tested.</p>"
        )
    headers = ["dataset", "metric", "pair", "reference", "A", "B", "detail"]
    for kind, source in CONCLUSION_KINDS.items():
        rows = comparison.conclusions[comparison.conclusions["kind"] == kind]
        if not len(rows):
            continue
        parts.append(f"<h3>{esc(CONCLUSION_HEADINGS[kind].format(z=z))} ({esc(source)})</h3>")
        parts.append(
            html_table(
                headers, rows[headers[:4] + ["a", "b", "detail"]].itertuples(index=False, name=None)
            )
        )
    return parts


def render_comparison(comparison: Comparison, label_a: str, label_b: str) -> str:
    """A self-contained HTML page of a comparison."""
    parts = [
        f"<p>A: <code>{esc(label_a)}</code><br>B: <code>{esc(label_b)}</code></p>",
        f"<p><strong>{esc(comparison.headline())}</strong> of {comparison.n_cells} cells "
        "(a cell is one fit: dataset, replicate, loss, penalty; compared exactly on every "
        "column of results/metrics.csv).</p>",
    ]
    if comparison.n_changed:
        counts = comparison.by_dataset()
        parts.append("<h2>Changed cells per dataset</h2>")
        parts.append(html_table(["dataset", "cells changed"], list(counts.items())))
        parts.append("<h2>Every changed value</h2>")
        shown = comparison.changes.astype({"replicate": int})
        parts.append(html_table(list(shown.columns), shown.itertuples(index=False, name=None)))
    parts += _conclusions_section(comparison)
    if len(comparison.timing_ratios):
        parts.append("<h2>Fit time, B over A</h2>")
        parts.append(
            "<p>Wall-clock seconds per fit (results/timings.csv), matched by cell; never counted "
            "as a change. A ratio above 1: B was slower.</p>"
        )
        ratios = comparison.timing_ratios
        parts.append(html_table(list(ratios.columns), ratios.itertuples(index=False, name=None)))
    title = "comparison of two runs"
    return _PAGE.format(title=esc(title), body="\n".join(parts))
