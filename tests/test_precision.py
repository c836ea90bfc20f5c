"""The precision table: the Monte Carlo error reached and the replicates an undecided row needs."""

import math

import pandas as pd
import pytest
from scipy import stats

from normbench.analysis.precision import (
    PRECISION_COLUMNS,
    PRIMARY_CONTRASTS,
    precision_table,
    replicates_to_decide,
)


def _decides(n, gap, sd):
    return stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= gap


def test_replicates_to_decide_follow_the_effect_and_the_spread():
    # a difference of 0.2 on the log scale with spread 0.5: the first N whose t interval clears it
    n = replicates_to_decide(0.2, 0.5)
    assert _decides(n, 0.2, 0.5) and not _decides(n - 1, 0.2, 0.5)
    # a tiny effect is decided sooner as equivalence: the gap is the margin minus |effect|
    tiny = replicates_to_decide(0.001, 0.1)
    gap = math.log(1.1) - 0.001
    assert _decides(tiny, gap, 0.1) and not _decides(tiny - 1, gap, 0.1)
    # twice the spread needs about four times the replicates (more with few: t, not z)
    assert 3 < replicates_to_decide(0.3, 1.0) / replicates_to_decide(0.3, 0.5) <= 4
    assert math.isnan(replicates_to_decide(0.2, math.nan))


def test_precision_rows_are_the_primary_contrasts_on_the_headline_metric():
    rows = []
    for metric in ("model_error", "risk"):
        for (pair, reference), verdict in zip(
            PRIMARY_CONTRASTS, ("better", "inconclusive", "worse", "equivalent"), strict=True
        ):
            rows.append(
                {
                    "dataset": "d",
                    "metric": metric,
                    "pair": pair,
                    "reference": reference,
                    "effect": math.exp(0.2),
                    "estimate": 0.2,
                    "se": 0.1,
                    "n_replicates": 16,
                    "verdict": verdict,
                }
            )
    rows.append({**rows[0], "pair": "l1+l2", "reference": "l1+l1"})  # not primary
    table = precision_table(pd.DataFrame(rows), metric_of={"d": "model_error"})
    assert list(table.columns) == list(PRECISION_COLUMNS)
    assert list(zip(table["pair"], table["reference"], strict=True)) == list(PRIMARY_CONTRASTS)
    assert set(table["metric"]) == {"model_error"}
    assert table["sd"].tolist() == pytest.approx([0.4] * 4)
    undecided = table[table["verdict"] == "inconclusive"]
    assert undecided["replicates_to_decide"].tolist() == [replicates_to_decide(0.2, 0.4)]
    assert table.loc[table["verdict"] != "inconclusive", "replicates_to_decide"].isna().all()
