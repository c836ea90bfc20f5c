"""The summary: each number with its Monte Carlo error, checked on tables with known answers."""

import math

import numpy as np
import pytest
from metrics_tables import results_table
from scipy import stats

from normbench.analysis.findings import INTERPOLANT
from normbench.analysis.summary import SUMMARY_COLUMNS, summary_table, write_summary

PAIRS = (("l2", "l1"), ("l1", "l1"))
SAMPLE = {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0, 5: 100.0}


def _table(values=None, replicates=SAMPLE, pairs=PAIRS, datasets=("d",)):
    def default(dataset, replicate, loss, penalty):
        return {"risk": SAMPLE[replicate], "model_error": 2.0 * SAMPLE[replicate]}

    return results_table(
        values or default, datasets=datasets, replicates=list(replicates), pairs=pairs
    )


def _row(summary, what, metric, pair="l2+l1", dataset="d"):
    found = summary[
        (summary["what"] == what)
        & (summary["metric"] == metric)
        & (summary["pair"] == pair)
        & (summary["dataset"] == dataset)
    ]
    assert len(found) == 1, found
    return found.iloc[0]


def test_the_mean_has_the_exact_standard_error_and_t_interval():
    row = _row(summary_table(_table()), "mean", "risk")
    values = np.array(list(SAMPLE.values()))
    se = values.std(ddof=1) / math.sqrt(5)
    half = stats.t.ppf(0.975, 4) * se
    assert row["estimate"] == pytest.approx(values.mean())
    assert row["mcse"] == pytest.approx(se)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((22.0 - half, 22.0 + half))
    assert row["n_replicates"] == 5


def test_the_median_and_its_bootstrap_interval_are_sample_values():
    row = _row(summary_table(_table(), n_boot=500), "median", "risk")
    assert row["estimate"] == 3.0
    # a bootstrap median of 5 values is one of them: the interval's ends are sample values
    assert row["ci_low"] in SAMPLE.values() and row["ci_high"] in SAMPLE.values()
    assert row["ci_low"] <= 3.0 <= row["ci_high"] and row["mcse"] > 0.0


def test_the_bootstrap_standard_error_of_a_median_is_that_of_a_plain_bootstrap():
    rng = np.random.default_rng(7)
    draws = {replicate: rng.standard_normal() for replicate in range(1, 41)}
    table = _table(lambda d, r, loss, p: {"risk": draws[r]}, replicates=draws, pairs=PAIRS[:1])
    row = _row(summary_table(table, n_boot=4000), "median", "risk")
    values = np.array(list(draws.values()))
    plain = np.median(values[rng.integers(0, 40, size=(4000, 40))], axis=1)
    assert row["mcse"] == pytest.approx(plain.std(ddof=1), rel=0.1)
    low, high = np.quantile(plain, [0.025, 0.975])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=0.5 * row["mcse"])


def test_only_ok_fits_count_and_the_share_of_ok_fits_is_a_proportion():
    table = _table()
    table.loc[(table["replicate"] == 5) & (table["loss"] == "l2"), "status"] = "failed"
    summary = summary_table(table)
    assert _row(summary, "median", "risk")["estimate"] == 2.5
    assert _row(summary, "mean", "risk")["n_replicates"] == 4
    share = _row(summary, "share_ok", "status")
    assert share["estimate"] == 0.8 and share["n_replicates"] == 5
    assert share["mcse"] == pytest.approx(math.sqrt(0.8 * 0.2 / 5))
    assert share["ci_low"] < 0.8 < share["ci_high"] <= 1.0
    assert _row(summary, "share_ok", "status", pair="l1+l1")["mcse"] == 0.0


def test_a_missing_value_of_an_ok_fit_is_left_out_of_its_metric_only():
    # e.g. an F1 the fit could not have: the fit still counts as ok, the metric rests on the rest
    table = _table()
    table.loc[(table["replicate"] == 4) & (table["loss"] == "l2"), "risk"] = np.nan
    summary = summary_table(table)
    median = _row(summary, "median", "risk")
    assert median["estimate"] == 2.5 and median["n_replicates"] == 4  # 1, 2, 3 and 100
    assert _row(summary, "median", "model_error")["n_replicates"] == 5
    share = _row(summary, "share_ok", "status")
    assert share["estimate"] == 1.0 and share["n_replicates"] == 5


def test_edge_shares_count_the_tuned_fits():
    flags = {1: "low", 2: "high", 3: "interior", 4: "interior", 5: None}

    def values(dataset, replicate, loss, penalty):
        return {"risk": 1.0, "lam_at_edge": flags[replicate]}

    summary = summary_table(_table(values))
    expected = {"share_at_edge": 0.5, "share_at_low_edge": 0.25, "share_at_high_edge": 0.25}
    for what, share in expected.items():
        row = _row(summary, what, "lam_at_edge")
        assert row["estimate"] == share and row["n_replicates"] == 4
        assert row["mcse"] == pytest.approx(math.sqrt(share * (1.0 - share) / 4))


def test_rows_columns_and_order():
    summary = summary_table(_table(), metrics_names=("model_error", "risk", "f1"))
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    # f1 is not in the table: no rows; per pair: share_ok, then each metric's median and mean
    assert list(summary["what"] + ":" + summary["metric"])[:5] == [
        "share_ok:status",
        "median:model_error",
        "mean:model_error",
        "median:risk",
        "mean:risk",
    ]
    assert list(summary["pair"].unique()) == ["l2+l1", "l1+l1"]


def test_one_value_has_no_error_and_a_missing_metric_no_row():
    table = _table(replicates={1: 1.0}, datasets=("a", "b"))
    table.loc[table["dataset"] == "b", "model_error"] = np.nan
    summary = summary_table(table)
    row = _row(summary, "median", "risk", dataset="a")
    assert row["estimate"] == 1.0 and math.isnan(row["mcse"]) and math.isnan(row["ci_low"])
    assert summary[(summary["dataset"] == "b") & (summary["metric"] == "model_error")].empty
    assert list(summary["dataset"].unique()) == ["a", "b"]


def test_the_interpolant_is_one_pair():
    pairs = (("l2", "none"), ("l1", "none"), ("huber", "none"), ("l2", "l1"))

    def values(dataset, replicate, loss, penalty):
        return {"risk": float(replicate), "test_mse": 1.0 + replicate, "n_nonzero": 50}

    summary = summary_table(_table(values, pairs=pairs))
    assert list(summary["pair"].unique()) == [INTERPOLANT, "l2+l1"]


def test_the_file_is_byte_identical_on_rerun(tmp_path):
    table = _table(datasets=("a", "b"))
    paths = [tmp_path / "one.csv", tmp_path / "two.csv"]
    for path in paths:
        write_summary(summary_table(table, n_boot=300), path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    # the streams are keyed by the names: another dataset of the same values draws others
    summary = summary_table(table, n_boot=300)
    assert _row(summary, "median", "risk", dataset="a")["mcse"] != pytest.approx(
        _row(summary, "median", "risk", dataset="b")["mcse"], rel=1e-12
    )
