"""The every-fit table ships packed: its cells and the metrics file, gzip'ed and base64'ed.

What the page's script unpacks must be the metrics file byte for byte and the table's cells as
the report formats them; the browser side (unpacking, sorting, filtering, the download) is
tested in test_report_browser.py.
"""

import base64
import gzip
import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.report.figures.common import format_value
from normbench.report.sections import results
from normbench.study.store import METRICS_COLUMNS, read_metrics, read_timings, write_table

DATASETS = ("alpha", "beta")
REPLICATES = range(1, 4)


def _tables(tmp_path, datasets=DATASETS, replicates=REPLICATES, seed=0):
    """A metrics file with random full-precision values and one failed fit, and timings."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))

    def values(dataset, replicate, loss, penalty):
        return {
            "n_train": 100,
            "p": 500,
            "risk": rng.lognormal(),
            "model_error": rng.lognormal(),
            "test_mse": 1 + rng.lognormal(),
            "test_mae": 1 + rng.random(),
            "n_nonzero": float(rng.integers(0, 500)),
            "tpr": rng.random(),
            "fpr": rng.random(),
            "f1": rng.random(),
            "lam": rng.lognormal(-3) if penalty != "none" else math.nan,
            "l1_ratio": 0.5 if penalty == "elasticnet" else math.nan,
            "delta": 1.345 if loss == "huber" else math.nan,
        }

    metrics = results_table(
        values, datasets=datasets, replicates=replicates, columns=METRICS_COLUMNS
    )
    failed = (metrics.replicate == 2) & (metrics.loss == "l1") & (metrics.penalty == "l2")
    metrics.loc[failed, ["status", "message"]] = ["failed", 'no "convergence", in 3\tsteps']
    metrics.loc[failed, ["risk", "model_error", "test_mse"]] = math.nan
    timings = metrics[["dataset", "replicate", "loss", "penalty"]].assign(
        fit_seconds=rng.lognormal(size=len(metrics)), compile_seconds=0.0
    )
    write_table(metrics, tmp_path / "metrics.csv")
    write_table(timings, tmp_path / "timings.csv")
    return SimpleNamespace(
        metrics=read_metrics(tmp_path / "metrics.csv"),
        timings=read_timings(tmp_path / "timings.csv"),
        metrics_csv=tmp_path / "metrics.csv",
    )


def _unpacked(page, element_id):
    match = re.search(rf'<script type="application/gzip" id="{element_id}">([^<]*)</script>', page)
    assert match, f"no packed element {element_id}"
    return gzip.decompress(base64.b64decode(match[1]))


def test_the_packed_download_is_the_metrics_file_byte_for_byte(tmp_path):
    ctx = _tables(tmp_path)
    page = results.render(ctx)
    assert _unpacked(page, "results-csv") == (tmp_path / "metrics.csv").read_bytes()
    assert 'data-download="results-csv"' in page and 'id="results-download"' in page


def test_the_packed_rows_are_the_table_cells_in_the_metrics_order(tmp_path):
    ctx = _tables(tmp_path)
    page = results.render(ctx)
    lines = _unpacked(page, "results-rows").decode("utf-8").split("\n")
    headers = re.findall(r"<th>([^<]*)</th>", page)
    assert headers == [column for column in results.RESULT_COLUMNS if column in headers]
    assert "fit_seconds" in headers and "message" not in headers
    assert len(lines) == len(ctx.metrics)
    cells = [line.split("\t") for line in lines]
    assert {len(row) for row in cells} == {len(headers)}
    table = pd.DataFrame(cells, columns=headers)
    assert list(zip(table.dataset, table.replicate, table.loss, table.penalty, strict=True)) == [
        (d, str(r), loss, penalty)
        for d, r, loss, penalty in ctx.metrics[
            ["dataset", "replicate", "loss", "penalty"]
        ].itertuples(index=False)
    ]
    # numbers as everywhere in the report; a failed fit's missing errors as n/a
    assert list(table.risk) == [format_value(v) for v in ctx.metrics.risk]
    assert (table.risk[ctx.metrics.status.to_numpy() == "failed"] == "n/a").all()
    seconds = ctx.timings.set_index(["dataset", "replicate", "loss", "penalty"]).fit_seconds
    keys = ctx.metrics.set_index(["dataset", "replicate", "loss", "penalty"]).index
    assert list(table.fit_seconds) == [format_value(v) for v in seconds.loc[keys]]
    # the columns aligned as numbers: every numeric column, none of the text ones
    numeric = re.search(r'data-numeric="([^"]*)"', page)[1].split(",")
    assert [headers[int(index)] for index in numeric] == [
        column for column in headers if column not in ("dataset", "loss", "penalty", "status")
    ]


def test_the_packed_table_is_the_same_bytes_every_time(tmp_path):
    ctx = _tables(tmp_path)
    assert results.render(ctx) == results.render(ctx)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.nan, "n/a"),
        (None, "n/a"),
        (pd.NA, "n/a"),
        (3, "3"),
        (0.123456, "0.123"),
        ("huber", "huber"),
        ("two\tcells\nand a line", "two cells and a line"),
    ],
)
def test_a_cell_never_holds_the_separators_of_the_packed_text(value, text):
    assert results.cell_text(value) == text


def test_the_table_adds_few_bytes_per_fit(tmp_path):
    """A study of 10 datasets x 20 replicates x 12 pairs (2,400 fits, random full-precision
    values, the worst case for compression): the whole section, table and download, stays
    under 150 bytes per fit (written out as HTML rows beside a base64 CSV it was ~620)."""
    datasets = tuple(f"scenario_{index}__snr_1p0" for index in range(10))
    ctx = _tables(tmp_path, datasets=datasets, replicates=range(1, 21))
    page = results.render(ctx)
    assert len(ctx.metrics) == 2400
    assert len(page.encode("utf-8")) / len(ctx.metrics) < 150
