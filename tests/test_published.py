"""Published results beside ours: the comparison table, rankings, figure and config checks."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from normbench.report.figures import published_figure
from normbench.report.sections.published import (
    COMPARISON_COLUMNS,
    compare_published,
    ordering_rows,
    parse_pair,
)
from normbench.study.config import ConfigError, validate_config

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


def minimal_config():
    return {"datasets": {"toy": {"n_train": 20, "p": 30}}}


def _metrics(rows):
    return pd.DataFrame(rows, columns=["dataset", "replicate", "loss", "penalty", "status", "risk"])


METRICS = _metrics(
    [("a", r, "l2", "l1", "ok", v) for r, v in enumerate([1.0, 2.0, 9.0], start=1)]
    + [("a", r, "l2", "l2", "ok", v) for r, v in enumerate([4.0, 4.0, 4.0], start=1)]
    # a failed fit and a missing value do not count
    + [("a", 4, "l2", "l1", "failed", 100.0), ("a", 4, "l2", "l2", "ok", math.nan)]
    + [("b", 1, "l2", "l1", "ok", 3.0)]
)
PUBLISHED = [
    {
        "source": "Paper (2000), Table 1",
        "metric": "risk",
        "statistic": "median",
        "values": {"a": {"l2+l1": 1.0, "l2+l2": 8.0, "l1+l1": 2.0}, "b": {"l2+l1": 6.0}},
    }
]


def test_parse_pair():
    assert parse_pair("huber+elasticnet") == ("huber", "elasticnet")
    with pytest.raises(ValueError, match="loss\\+penalty"):
        parse_pair("l2-l1")


def test_compare_published_puts_our_statistic_beside_the_paper():
    table = compare_published(METRICS, PUBLISHED, n_boot=200, seed=0)
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    rows = {(row.dataset, row.loss, row.penalty): row for row in table.itertuples()}
    lasso = rows[("a", "l2", "l1")]
    assert (lasso.ours, lasso.n, lasso.published, lasso.ratio) == (2.0, 3, 1.0, 2.0)
    assert lasso.se > 0
    ridge = rows[("a", "l2", "l2")]
    assert (ridge.ours, ridge.n, ridge.ratio, ridge.se) == (4.0, 3, 0.5, 0.0)
    # a model we did not fit, and a single replicate (no bootstrap error)
    assert rows[("a", "l1", "l1")].n == 0 and math.isnan(rows[("a", "l1", "l1")].ours)
    single = rows[("b", "l2", "l1")]
    assert single.ours == 3.0 and single.n == 1 and math.isnan(single.se)


def test_compare_published_mean_and_determinism():
    mean_table = [{**PUBLISHED[0], "statistic": "mean"}]
    first = compare_published(METRICS, mean_table, n_boot=300, seed=3)
    assert first.loc[0, "ours"] == pytest.approx(4.0)  # mean of 1, 2, 9
    # the SE of a mean is close to sd / sqrt(n) and the same seed gives the same numbers
    values = np.array([1.0, 2.0, 9.0])
    assert first.loc[0, "se"] == pytest.approx(values.std() / np.sqrt(3), rel=0.25)
    pd.testing.assert_frame_equal(first, compare_published(METRICS, mean_table, n_boot=300, seed=3))


def test_ordering_rows_compare_the_rankings():
    table = compare_published(METRICS, PUBLISHED, n_boot=50)
    (row,) = ordering_rows(table)  # dataset b has one model: no ranking
    assert row["dataset"] == "a" and row["same"] is None  # l1+l1 has no result of ours
    complete = table[table["n"] > 0]
    (row,) = ordering_rows(complete)
    assert row["published_order"] == "l2+l1 < l2+l2"
    assert row["our_order"] == "l2+l1 < l2+l2" and row["same"] is True
    only_a = complete[complete["dataset"] == "a"]
    (row,) = ordering_rows(only_a.assign(published=only_a["published"].to_numpy()[::-1]))
    assert row["published_order"] == "l2+l2 < l2+l1" and row["same"] is False


def test_published_figure_draws_one_point_per_finished_number():
    figure = published_figure(compare_published(METRICS, PUBLISHED, n_boot=50))
    (axis,) = figure.axes
    assert axis.get_xscale() == "log" and axis.get_yscale() == "log"
    # error-bar containers: one per number with a result of ours (3 of 4)
    assert len(axis.containers) == 3
    empty = published_figure(compare_published(METRICS.iloc[:0], PUBLISHED, n_boot=50))
    assert "no finished results" in empty.axes[0].texts[0].get_text()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"metric": "riskk"}, r"published\[0\]\.metric.*'riskk'.*test_mse, test_mae, risk"),
        ({"values": {"nope": {"l2+l1": 1.0}}}, r"published\[0\]\.values\.nope.*dataset of this"),
        ({"values": {"toy": {"l2+l3": 1.0}}}, r"'l2\+l3' is not allowed; names must be a model"),
        ({"values": {"toy": {"l2+l1": "x"}}}, r"published\[0\]\.values\.toy\.l2\+l1"),
        ({"statistic": "mode"}, r"published\[0\]\.statistic.*allowed values: median, mean"),
    ],
)
def test_published_config_is_checked(table, expected):
    config = minimal_config()
    config["published"] = [
        {"source": "s", "metric": "risk", "values": {"toy": {"l2+l1": 1.0}}, **table}
    ]
    with pytest.raises(ConfigError, match=expected):
        validate_config(config, SCHEMA)


def test_published_models_must_be_in_the_study():
    config = minimal_config()
    config["models"] = {"losses": ["l2"], "penalties": ["l1", "l2"]}
    config["published"] = [{"source": "s", "metric": "risk", "values": {"toy": {"huber+l1": 1}}}]
    with pytest.raises(ConfigError, match=r"'huber\+l1' is not allowed; must be a model of this"):
        validate_config(config, SCHEMA)
    config["published"][0]["values"]["toy"] = {"l2+l1": 1}
    assert validate_config(config, SCHEMA)["published"][0]["statistic"] == "median"
