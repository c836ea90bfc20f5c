"""Tables of medians per pair, shared by several sections."""

from __future__ import annotations

import math

import pandas as pd

from normbench.report.figures.common import pair_label
from normbench.report.html import html_table
from normbench.study.store import is_ok
from normbench.vocab import ordered_pairs


def pair_medians(metrics, dataset, columns):
    rows = metrics[(metrics["dataset"] == dataset) & is_ok(metrics)]
    numeric = rows.assign(**{c: pd.to_numeric(rows[c], errors="coerce") for c in columns})
    return numeric.groupby(["loss", "penalty"])[list(columns)].median()


def medians_table(metrics, dataset, columns, headers):
    medians = pair_medians(metrics, dataset, columns)
    rows = []
    rows_of_dataset = metrics[metrics["dataset"] == dataset]
    pairs = zip(rows_of_dataset["loss"], rows_of_dataset["penalty"], strict=True)
    for pair in ordered_pairs(pairs):
        values = medians.loc[pair].tolist() if pair in medians.index else [math.nan] * len(columns)
        rows.append((pair_label(*pair), *values))
    return html_table(["loss / penalty", *headers], rows)
