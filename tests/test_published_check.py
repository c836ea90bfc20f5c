"""results/published_check.csv: published numbers and orderings checked, on constructed cases."""

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.study.published_check import (
    CHECK_COLUMNS,
    VARIANT_COLUMNS,
    ordering_chain,
    published_check,
    published_variants,
    read_published_variants,
    write_published_check,
    write_published_variants,
)
from normbench.vocab import pair_key


def _metrics(values_by_pair, dataset="ex", metric="model_error"):
    """A results table with the given replicate values per model ("loss+penalty"), numbered
    from 1; the rows model by model, in the dict's order (one results_table per model)."""

    def value(_dataset, replicate, loss, penalty):
        return {metric: values_by_pair[pair_key(loss, penalty)][replicate - 1]}

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


def test_variants_are_set_beside_the_published_number_and_the_reproduction(tmp_path):
    # "ex" reproduces the paper at half its numbers; the variant "ex_n50" at its numbers
    rng = np.random.default_rng(2)
    main = {"l2+l1": 4 + 0.1 * rng.standard_normal(40), "l2+l2": 8 + 0.1 * rng.standard_normal(40)}
    variant = {pair: 2 * values for pair, values in main.items()}
    metrics = pd.concat([_metrics(main), _metrics(variant, dataset="ex_n50")], ignore_index=True)
    change = "50 / 50 training / validation points instead of 100 / 100"
    published = _table(
        {"l2+l1": 8.0, "l2+l2": 16.0},
        band=[0.65, 1.35],
        orderings={"ex": "l2+l1 < l2+l2"},
        variants={"ex_n50": {"of": "ex", "change": change}},
    )
    check = published_check(metrics, published)
    variants = published_variants(metrics, published, check)
    assert list(variants.columns) == list(VARIANT_COLUMNS)
    assert variants["variant"].tolist() == ["ex_n50", "ex_n50"]
    assert variants["dataset"].tolist() == ["ex", "ex"]  # the dataset it varies
    assert variants["pairs"].tolist() == ["l2+l1", "l2+l2"]
    assert variants["published"].tolist() == [8.0, 16.0]  # the same paper values
    assert (variants["change"] == change).all()
    # main and main_se are the check's own value rows, to the bit
    values = check[check["kind"] == "value"]
    np.testing.assert_array_equal(variants["main"], values["ours"])
    np.testing.assert_array_equal(variants["main_se"], values["se"])
    np.testing.assert_allclose(variants["main_ratio"], 0.5, atol=0.02)
    np.testing.assert_allclose(variants["ratio"], 1.0, atol=0.02)
    assert (variants["se"] > 0).all()
    assert "pass" not in variants  # a variant is no check
    # written and read back unchanged, the same bytes twice
    write_published_variants(variants, tmp_path / "a.csv")
    write_published_variants(published_variants(metrics, published, check), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    back = read_published_variants(tmp_path / "a.csv")
    pd.testing.assert_frame_equal(back, variants, check_exact=False, rtol=1e-9)


def test_variants_change_no_verdict_of_the_check():
    # the variant would pass where the reproduction fails: the check stays a FAIL
    rng = np.random.default_rng(3)
    main = {"l2+l1": 4 + 0.1 * rng.standard_normal(30), "l2+l2": 3 + 0.1 * rng.standard_normal(30)}
    variant = {"l2+l1": 8 + 0 * main["l2+l1"], "l2+l2": 16 + 0 * main["l2+l2"]}
    metrics = pd.concat([_metrics(main), _metrics(variant, dataset="ex_v")], ignore_index=True)
    plain = _table(
        {"l2+l1": 8.0, "l2+l2": 16.0}, band=[0.65, 1.35], orderings={"ex": "l2+l1 < l2+l2"}
    )
    varied = [{**plain[0], "variants": {"ex_v": {"of": "ex", "change": "something"}}}]
    before, after = published_check(metrics, plain), published_check(metrics, varied)
    pd.testing.assert_frame_equal(before, after)  # the same rows, numbers and verdicts
    assert after["pass"].tolist() == [False, False, False]
    assert set(after["dataset"]) == {"ex"}  # the variant adds no row to the check
    assert published_variants(metrics, plain, before).empty


def test_a_damaged_variants_table_is_refused(tmp_path):
    path = tmp_path / "published_variants.csv"
    path.write_text("source,dataset\nZ,ex\n")
    with pytest.raises(ValueError, match="published_variants.csv: missing column"):
        read_published_variants(path)
    path.write_text(",".join(VARIANT_COLUMNS) + "\nZ,ex,l2+l1,1,ex_v,c,1,0.1,1")
    with pytest.raises(ValueError, match="cut short"):
        read_published_variants(path)
    path.write_text(",".join(VARIANT_COLUMNS) + "\nZ,ex,l2+l1,1,ex_v,c,1,0.1,x,0.1,1,1\n")
    with pytest.raises(ValueError, match="'x' on line 2"):
        read_published_variants(path)
