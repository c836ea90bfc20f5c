"""Every fit in one table: sortable by a click on a column header, filterable by typing, and
the metrics file itself to download.

The table has a row per fit, so it is the one part of the page that grows with the replicates.
It is shipped compressed: its cells as tab-separated text (formatted here, as every number of
the report) and the metrics file byte for byte, each gzip'ed and base64-encoded inside the page.
The page's script unpacks both with the browser's own ``DecompressionStream`` (no library, no
network), builds the table's rows and points the download link at the unpacked file; the page
stays one self-contained file at about a fifth of the bytes of the rows written out as HTML.
"""

from __future__ import annotations

import base64
import gzip
import math
from pathlib import Path

import pandas as pd

from normbench.report.figures.common import format_value
from normbench.report.html import esc, is_number, table_filter

__all__ = ["RESULT_COLUMNS", "cell_text", "pack", "render", "table_frame", "table_text"]

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

#: The text of a missing value, in every table of the report.
MISSING = "n/a"


def cell_text(value):
    """A cell's text: numbers as everywhere in the report, missing values as ``n/a``; tabs and
    line breaks (which separate the packed cells and rows) become spaces."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if is_number(value):
        return format_value(value)
    return " ".join(str(value).split())


def table_frame(ctx):
    """The rows and columns of the table: the metrics with each fit's ``fit_seconds`` (from the
    timings, which are kept apart from the byte-reproducible metrics)."""
    frame = ctx.metrics
    timings = ctx.timings
    keys = ["dataset", "replicate", "loss", "penalty"]
    if "fit_seconds" not in frame and set(keys).issubset(timings.columns):
        seconds = timings[[*keys, "fit_seconds"]].drop_duplicates(keys)
        frame = frame.merge(seconds, on=keys, how="left")
    return frame[[column for column in RESULT_COLUMNS if column in frame]]


def table_text(frame):
    """The table's cells as text: a row per line, cells separated by tabs, no header."""
    return "\n".join(
        "\t".join(cell_text(value) for value in row)
        for row in frame.itertuples(index=False, name=None)
    )


def pack(data):
    """``data`` (bytes) gzip'ed and base64-encoded, the same bytes on every run (no time or
    file name in the gzip header)."""
    return base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode("ascii")


def _download_payload(ctx):
    path = ctx.metrics_csv
    if path is None or not Path(path).is_file():
        return None
    return pack(Path(path).read_bytes())


def render(ctx):
    frame = table_frame(ctx)
    head = "".join(f"<th>{esc(column)}</th>" for column in frame.columns)
    numeric = ",".join(
        str(index)
        for index, column in enumerate(frame.columns)
        if pd.api.types.is_numeric_dtype(frame[column])
    )
    download = _download_payload(ctx)
    link = (
        ' <a download="metrics.csv" id="results-download" hidden>Download metrics.csv</a>'
        "<span> (every column of every fit, as the workflow wrote it)</span>"
        if download is not None
        else ""
    )
    payloads = (
        f'<script type="application/gzip" id="results-rows">{pack(table_text(frame).encode())}'
        "</script>\n"
    )
    if download is not None:
        payloads += f'<script type="application/gzip" id="results-csv">{download}</script>\n'
    return (
        f"<p>Every fit of the study, {len(frame)} rows: one per dataset, replicate and pair. "
        "Click a column header to sort by it (again to reverse); type in the box to keep only "
        "the rows containing the text (e.g. a dataset, <code>huber+l1</code>, or "
        "<code>failed</code>). Hyperparameters are the ones cross-validation chose; "
        "fit_seconds is wall-clock time and depends on the machine.</p>\n"
        + table_filter("results-table", len(frame), "rows shown", after=link)
        + '<p class="note" id="results-status">The table is unpacked by the page\'s script '
        "(a browser with JavaScript and <code>DecompressionStream</code>: Chrome 80, Firefox "
        "113, Safari 16.4 or later).</p>\n"
        f"{payloads}"
        '<div class="table-scroll"><table id="results-table" class="sortable" '
        f'data-rows="results-rows" data-download="results-csv" data-link="results-download" '
        f'data-status="results-status" data-numeric="{numeric}">'
        f"<thead><tr>{head}</tr></thead><tbody></tbody></table></div>"
    )
