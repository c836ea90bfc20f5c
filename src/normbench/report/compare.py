"""Compare two runs of a study: which cells changed, and how.

A *cell* is one fit, identified by (dataset, replicate, loss, penalty). Two runs are compared
cell by cell on every column of ``results/metrics.csv`` (metrics, chosen hyperparameters,
status and message), exactly: the study promises the same bytes for the same config, so any
difference is a change worth seeing. Wall-clock times (``results/timings.csv``) are never a
change; their ratios, run B over run A, are summarised per pair.

Command line (``normbench compare --help``)::

    normbench compare DIR_A DIR_B -o compare.html

prints ``identical`` or ``N cells changed`` as its first line, then one line per dataset with
changes, and writes the details to an HTML page. The exit code is 0 in both cases; it is 2, with
one line naming the file and the problem and nothing written, when a directory holds no results,
a results table is damaged (each is read through its checked reader,
:func:`normbench.study.store.read_metrics` and :func:`~normbench.study.store.read_timings`), or
the output cannot be written without harm (:func:`check_output`: never inside a results folder,
never over a file that is not an HTML page).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.report.html import esc, html_table
from normbench.study.store import read_metrics, read_timings, write_atomically
from normbench.vocab import pair_key

__all__ = [
    "Comparison",
    "NoResultsError",
    "OutputError",
    "check_output",
    "compare_runs",
    "load_run",
    "render_comparison",
    "write_comparison",
]

KEY = ("dataset", "replicate", "loss", "penalty")
_METRICS = Path("results") / "metrics.csv"
_TIMINGS = Path("results") / "timings.csv"


class NoResultsError(FileNotFoundError):
    """A directory given to compare holds no study results."""


class OutputError(ValueError):
    """The output page would harm a file or cannot be written; the message says which and why."""


_HTML_SUFFIXES = (".html", ".htm")


def _looks_like_html(path: Path) -> bool:
    with path.open("rb") as handle:
        start = handle.read(512).lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _inside_results(resolved: Path, runs) -> bool:
    """Inside a compared run's ``results/`` or any ``results/`` folder holding a metrics.csv."""
    folders = [Path(run).resolve() / _METRICS.parent for run in runs]
    for parent in resolved.parents:
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
    if _inside_results(resolved, runs):
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


@dataclass(frozen=True)
class Comparison:
    """What differs between run A and run B.

    Attributes
    ----------
    changes : pandas.DataFrame
        One row per changed value: the cell's key, ``column``, ``a`` and ``b`` (as text; empty
        where the cell or column is absent from that run), and ``kind`` (``changed``,
        ``only in A``, ``only in B``).
    n_cells : int
        Cells in either run.
    timing_ratios : pandas.DataFrame
        Per pair: the median, min and max over matched cells of fit seconds B / A, and the count.
    """

    changes: pd.DataFrame
    n_cells: int
    timing_ratios: pd.DataFrame

    @property
    def n_changed(self) -> int:
        """Number of cells with at least one change."""
        return len(self.changes.drop_duplicates(list(KEY))) if len(self.changes) else 0

    def headline(self) -> str:
        """``identical`` or ``N cells changed``: the first line of the command's output."""
        if self.n_changed == 0:
            return "identical"
        return f"{self.n_changed} cell{'s' if self.n_changed != 1 else ''} changed"

    def by_dataset(self) -> dict[str, int]:
        """Changed cells per dataset, in the order of the changes table."""
        cells = self.changes.drop_duplicates(list(KEY))
        return {
            str(name): int(count)
            for name, count in cells.groupby("dataset", sort=False).size().items()
        }


def load_run(directory) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The metrics (and, when present, timings) table of a study's working directory.

    Raises
    ------
    NoResultsError
        If ``directory/results/metrics.csv`` does not exist.
    normbench.study.tables.ResultsError
        If a table is damaged (one line naming the file, the row and the problem).
    """
    directory = Path(directory)
    metrics_path = directory / _METRICS
    if not metrics_path.is_file():
        raise NoResultsError(
            f"{directory}: no results ({_METRICS} not found); give the working directory of a "
            "study that has run"
        )
    timings_path = directory / _TIMINGS
    metrics = read_metrics(metrics_path)
    timings = read_timings(timings_path) if timings_path.exists() else None
    return metrics, timings


def _as_text(value) -> str:
    """A value as the comparison shows it; missing values as the empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    # a column read as integers in one run (1) and as floats in the other (1.0) is no change
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def _indexed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["replicate"] = table["replicate"].astype(int)
    return table.set_index(list(KEY))


def _cell_changes(metrics_a: pd.DataFrame, metrics_b: pd.DataFrame) -> tuple[list, int]:
    a, b = _indexed(metrics_a), _indexed(metrics_b)
    columns = list(dict.fromkeys([*a.columns, *b.columns]))
    rows = []
    keys = list(dict.fromkeys([*a.index, *b.index]))
    for key in keys:
        in_a, in_b = key in a.index, key in b.index
        if not (in_a and in_b):
            kind = "only in A" if in_a else "only in B"
            rows.append(
                (*key, "(cell)", "present" if in_a else "", "present" if in_b else "", kind)
            )
            continue
        row_a, row_b = a.loc[key], b.loc[key]
        for column in columns:
            value_a = _as_text(row_a[column]) if column in a.columns else ""
            value_b = _as_text(row_b[column]) if column in b.columns else ""
            if value_a != value_b:
                rows.append((*key, column, value_a, value_b, "changed"))
    return rows, len(keys)


def _timing_ratios(timings_a, timings_b) -> pd.DataFrame:
    columns = ["pair", "median_ratio", "min_ratio", "max_ratio", "n_cells"]
    if timings_a is None or timings_b is None:
        return pd.DataFrame(columns=columns)
    merged = _indexed(timings_a)[["fit_seconds"]].merge(
        _indexed(timings_b)[["fit_seconds"]],
        how="inner",
        left_index=True,
        right_index=True,
        suffixes=("_a", "_b"),
    )
    merged = merged[(merged["fit_seconds_a"] > 0) & (merged["fit_seconds_b"] > 0)]
    merged["ratio"] = merged["fit_seconds_b"] / merged["fit_seconds_a"]
    merged["pair"] = [pair_key(loss, penalty) for *_, loss, penalty in merged.index]
    summary = merged.groupby("pair", sort=False)["ratio"].agg(["median", "min", "max", "count"])
    summary = summary.reset_index()
    summary.columns = columns
    return summary


def compare_runs(directory_a, directory_b) -> Comparison:
    """Compare the results of two study directories cell by cell (see the module docstring)."""
    metrics_a, timings_a = load_run(directory_a)
    metrics_b, timings_b = load_run(directory_b)
    rows, n_cells = _cell_changes(metrics_a, metrics_b)
    changes = pd.DataFrame(rows, columns=[*KEY, "column", "a", "b", "kind"])
    return Comparison(changes, n_cells, _timing_ratios(timings_a, timings_b))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>normbench: {title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:14px}}td,th{{border:1px solid #ccc;padding:2px 6px}}
td.num{{text-align:right}}.table-wrap{{overflow-x:auto}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


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
