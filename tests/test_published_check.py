"""results/published_check.csv: published numbers and orderings checked, on constructed cases."""

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.study.published_check import (
    CHECK_COLUMNS,
    ordering_chain,
    published_check,
    write_published_check,
)


def _metrics(values_by_pair, dataset="ex", metric="model_error"):
    """A results table with the given replicate values per model ("loss+penalty"), numbered
    from 1; the rows model by model, in the dict's order (one results_table per model)."""

    def value(_dataset, replicate, loss, penalty):
        return {metric: values_by_pair[f"{loss}+{penalty}"][replicate - 1]}

    tables = [
        results_table(
            value,
            datasets=(dataset,),
            replicates=range(1, len(values) + 1),
            pairs=[tuple(pair.split("+"))],
            columns=("dataset", "replicate", "loss", "penalty", "status", metric),
        )
        for pair, values in values_by_pair.items()
    ]
    return pd.concat(tables, ignore_index=True)


def _table(values, **extra):
    return [
        {
            "source": "paper",
            "metric": "model_error",
            "statistic": "median",
            "values": {"ex": values},
            **extra,
        }
    ]


RNG = np.random.default_rng(0)
# three models with well separated medians 2, 4, 8 over 40 replicates
METRICS = _metrics(
    {
        "l2+elasticnet": 2 + 0.1 * RNG.standard_normal(40),
        "l2+l1": 4 + 0.1 * RNG.standard_normal(40),
        "l2+l2": 8 + 0.1 * RNG.standard_normal(40),
    }
)


def test_values_pass_inside_their_band_and_fail_outside():
    published = _table(
        {"l2+elasticnet": 2.5, "l2+l1": 6.0, "l2+l2": 8.0},
        band=[0.65, 1.35],
        bands={"ex": {"l2+l1": [0.5, 0.6]}},  # a number's own band overrides the table's
    )
    check = published_check(METRICS, published).set_index("pairs")
    assert list(check.reset_index().columns) == [
        "pairs",
        *[c for c in CHECK_COLUMNS if c != "pairs"],
    ]
    assert check.loc["l2+elasticnet", "pass"]  # 2.0 in [1.625, 3.375]
    assert check.loc["l2+elasticnet", "low"] == pytest.approx(0.65 * 2.5)
    assert check.loc["l2+elasticnet", "high"] == pytest.approx(1.35 * 2.5)
    assert not check.loc["l2+l1", "pass"]  # 4.0 outside [3.0, 3.6]
    assert check.loc["l2+l1", "high"] == pytest.approx(3.6)
    assert check.loc["l2+l2", "pass"]
    ours = np.median(METRICS.loc[METRICS["penalty"] == "l2", "model_error"])
    assert check.loc["l2+l2", "ours"] == pytest.approx(ours)
    # the bootstrap SE of a median of 40 values with sd 0.1: about 0.1 * 1.25 / sqrt(40)
    assert 0.005 < check.loc["l2+l2", "se"] < 0.05
    assert set(check["kind"]) == {"value"}


def test_a_value_without_band_or_results_is_not_passed():
    check = published_check(
        METRICS, _table({"l2+l2": 8.0, "l1+l2": 3.0}, bands={"ex": {"l1+l2": [0.5, 2]}})
    )
    assert check.loc[0, "pass"] is None and np.isnan(check.loc[0, "low"])
    assert np.isnan(check.loc[1, "ours"]) and check.loc[1, "pass"] is False  # no l1+l2 results


def test_orderings_pass_when_ours_follow_them_and_fail_otherwise():
    values = {"l2+elasticnet": 2.5, "l2+l1": 3.0, "l2+l2": 9.0}
    published = _table(
        values,
        orderings={"ex": ["l2+elasticnet < l2+l1 < l2+l2", "l2+l1 < l2+elasticnet"]},
    )
    check = published_check(METRICS, published)
    orderings = check[check["kind"] == "ordering"].set_index("pairs")
    held = orderings.loc["l2+elasticnet < l2+l1 < l2+l2"]
    assert held["pass"]
    assert held["published"] == pytest.approx(0.5)  # the paper's smallest neighbour gap
    assert held["ours"] == pytest.approx(2.0, abs=0.1)  # ours: 4 - 2
    assert 0 < held["se"] < 0.1 and held["low"] == 0
    broken = orderings.loc["l2+l1 < l2+elasticnet"]
    assert not broken["pass"] and broken["ours"] < 0
    assert broken["published"] == pytest.approx(-0.5)  # the paper's own numbers contradict it


def test_an_ordering_within_noise_still_passes_on_point_estimates():
    # medians exactly 1.00 and 1.01, each of 50 values with sd 1: the order holds, within noise
    rng = np.random.default_rng(1)
    low, high = rng.standard_normal(50), rng.standard_normal(50)
    metrics = _metrics(
        {"l2+l1": low + 1.0 - np.median(low), "l2+l2": high + 1.01 - np.median(high)}
    )
    check = published_check(
        metrics, _table({"l2+l1": 1.0, "l2+l2": 2.0}, orderings={"ex": "l2+l1 < l2+l2"})
    )
    row = check.iloc[-1]
    assert row["pass"] and row["ours"] == pytest.approx(0.01) and row["ours"] < row["se"]


def test_failed_replicates_do_not_count_and_the_csv_is_deterministic(tmp_path):
    metrics = METRICS.copy()
    failed = metrics.index[(metrics["penalty"] == "l2")][:5]
    metrics.loc[failed, "status"] = "failed"
    metrics.loc[failed, "model_error"] = 1e6
    published = _table(
        {"l2+l1": 4.0, "l2+l2": 8.0}, band=[0.9, 1.1], orderings={"ex": "l2+l1 < l2+l2"}
    )
    check = published_check(metrics, published)
    assert check["pass"].tolist() == [True, True, True]
    write_published_check(check, tmp_path / "a.csv")
    write_published_check(published_check(metrics, published), tmp_path / "b.csv")
    text = (tmp_path / "a.csv").read_text()
    assert text == (tmp_path / "b.csv").read_text()
    assert text.splitlines()[0] == ",".join(CHECK_COLUMNS)
    assert text.splitlines()[-1].split(",")[-1] == "true"


def test_ordering_chain_parses_and_refuses():
    assert ordering_chain(" l2+elasticnet <l2+l1 ") == ["l2+elasticnet", "l2+l1"]
    with pytest.raises(ValueError, match="at least two"):
        ordering_chain("l2+l1")
    with pytest.raises(ValueError, match="not a pair"):
        ordering_chain("l2+l1 < ridge")
