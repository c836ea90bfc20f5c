"""Every fit in one table: sortable by a click on a column header, filterable by typing, and
the metrics file itself to download (a data URI: the page stays one self-contained file)."""

from __future__ import annotations

import base64
import math
from pathlib import Path

from normbench.report.figures.common import format_value
from normbench.report.html import esc, is_number

#: The columns shown, in order, when present: the cell's key, its outcome, the chosen
#: hyperparameters, the errors and the support. The download holds every column.
RESULT_COLUMNS = (
    "dataset",
    "replicate",
    "loss",
    "penalty",
    "status",
    "risk",
    "model_error",
    "test_mse",
    "test_mae",
    "n_nonzero",
    "tpr",
    "fpr",
    "f1",
    "lam",
    "l1_ratio",
    "delta",
    "fit_seconds",
)


def _cell(value):
    """A compact cell (the table has a row per fit, so every byte counts ~1,500 times)."""
    if is_number(value):
        if isinstance(value, float) and math.isnan(value):
            return '<td class="num">n/a</td>'
        return f'<td class="num">{esc(format_value(value))}</td>'
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td class="num">n/a</td>'
    return f"<td>{esc(value)}</td>"


def _table_frame(ctx):
    frame = ctx.metrics
    timings = ctx.timings
    keys = ["dataset", "replicate", "loss", "penalty"]
    if "fit_seconds" not in frame and set(keys).issubset(timings.columns):
        seconds = timings[[*keys, "fit_seconds"]].drop_duplicates(keys)
        frame = frame.merge(seconds, on=keys, how="left")
    return frame[[column for column in RESULT_COLUMNS if column in frame]]


def _download_link(ctx):
    path = ctx.metrics_csv
    if path is None or not Path(path).is_file():
        return ""
    encoded = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (
        f'<a download="metrics.csv" href="data:text/csv;base64,{encoded}">Download '
        "metrics.csv</a> (every column of every fit, as the workflow wrote it)"
    )


def render(ctx):
    frame = _table_frame(ctx)
    head = "".join(f"<th>{esc(column)}</th>" for column in frame.columns)
    body = "\n".join(
        "<tr>" + "".join(_cell(value) for value in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return (
        f"<p>Every fit of the study, {len(frame)} rows: one per dataset, replicate and pair. "
        "Click a column header to sort by it (again to reverse); type in the box to keep only "
        "the rows containing the text (e.g. a dataset, <code>huber+l1</code>, or "
        "<code>failed</code>). Hyperparameters are the ones cross-validation chose; "
        "fit_seconds is wall-clock time and depends on the machine.</p>\n"
        '<div class="table-tools"><label>Filter: <input type="search" class="table-filter" '
        'data-table="results-table" data-counter="results-shown" placeholder="text in a row"'
        f'></label><span><span id="results-shown">{len(frame)}</span> of {len(frame)} rows '
        f"shown</span>{_download_link(ctx)}</div>\n"
        '<div class="table-scroll"><table id="results-table" class="sortable">'
        f"<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></div>"
    )
