"""Pooling over SNR: agreeing scenarios pool to their weighted mean, others are flagged."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from normbench.analysis.pooling import POOLED_COLUMNS, pool_effects, write_pooled


def _rows(estimates, ses, family="gaussian", pair="l1+l1"):
    return pd.DataFrame(
        {
            "family": family,
            "pair": pair,
            "snr": [0.25, 1.0, 4.0][: len(estimates)],
            "estimate": estimates,
            "se": ses,
        }
    )


def test_agreeing_scenarios_pool_to_the_inverse_variance_mean():
    pooled = pool_effects(_rows([0.2, 0.2, 0.2], [0.1, 0.05, 0.1]), by=["family", "pair"])
    assert list(pooled.columns) == ["family", "pair", *POOLED_COLUMNS]
    row = pooled.iloc[0]
    assert row["k"] == 3 and row["k_dropped"] == 0
    assert row["log_effect"] == pytest.approx(0.2) and row["effect"] == pytest.approx(math.exp(0.2))
    assert row["tau2"] == pytest.approx(0.0, abs=1e-12) and row["i2"] == 0.0
    assert not row["heterogeneous"]
    se = 1.0 / math.sqrt(1 / 0.01 + 1 / 0.0025 + 1 / 0.01)
    assert row["se"] == pytest.approx(se)
    half = stats.t.ppf(0.975, 2) * se
    assert (row["log_ci_low"], row["log_ci_high"]) == pytest.approx((0.2 - half, 0.2 + half))
    assert row["ci_low"] == pytest.approx(math.exp(0.2 - half))


def test_disagreeing_scenarios_are_flagged_heterogeneous():
    estimates, ses = [-0.5, 0.0, 0.6], [0.05, 0.05, 0.05]
    row = pool_effects(_rows(estimates, ses), by=["family"]).iloc[0]
    reference = combine_effects(np.array(estimates), np.array(ses) ** 2, method_re="iterated")
    assert row["log_effect"] == pytest.approx(reference.mean_effect_re)
    assert row["tau2"] == pytest.approx(reference.tau2) and row["tau2"] > 0.1
    assert row["i2"] == pytest.approx(reference.i2) and row["i2"] > 0.9 and row["heterogeneous"]
    # the interval reflects the spread between scenarios, not only the Monte Carlo error
    assert row["log_ci_high"] - row["log_ci_low"] > 2 * 1.96 * 0.05 / math.sqrt(3)


def test_normal_intervals_on_request():
    row = pool_effects(_rows([0.1, 0.3, 0.2], [0.1, 0.1, 0.1]), by=["family"], use_t=False)
    half = 1.96 * row.iloc[0]["se"]
    assert row.iloc[0]["log_ci_high"] - row.iloc[0]["log_effect"] == pytest.approx(half, rel=1e-3)


def test_one_scenario_is_its_own_effect():
    row = pool_effects(_rows([0.3], [0.1]), by=["family"], level=0.9).iloc[0]
    assert row["k"] == 1 and row["log_effect"] == 0.3 and row["se"] == 0.1
    half = stats.norm.isf(0.05) * 0.1
    assert (row["log_ci_low"], row["log_ci_high"]) == pytest.approx((0.3 - half, 0.3 + half))
    assert math.isnan(row["tau2"]) and math.isnan(row["i2"]) and not row["heterogeneous"]
    assert row["level"] == 0.9


def test_missing_rows_are_counted_and_zero_errors_refused():
    row = pool_effects(_rows([0.3, np.nan, 0.1], [0.1, 0.1, np.nan]), by=["family"]).iloc[0]
    assert row["k"] == 1 and row["k_dropped"] == 2
    with pytest.raises(ValueError, match="family=gaussian, pair=l1\\+l1.*zero"):
        pool_effects(_rows([0.3, 0.2], [0.1, 0.0]), by=["family", "pair"])
    with pytest.raises(ValueError, match="lack the columns se"):
        pool_effects(_rows([0.3], [0.1]).drop(columns="se"), by=["family"])


def test_groups_in_order_of_appearance_and_bytes_fixed(tmp_path):
    rows = pd.concat(
        [
            _rows([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], family="student_t"),
            _rows([0.0, 0.1, -0.1], [0.1, 0.2, 0.1], family="gaussian"),
            _rows([0.5, 0.4, 0.6], [0.1, 0.1, 0.1], family="student_t", pair="huber+l1"),
        ]
    )
    pooled = pool_effects(rows, by=["family", "pair"])
    assert list(zip(pooled["family"], pooled["pair"], strict=True)) == [
        ("student_t", "l1+l1"),
        ("gaussian", "l1+l1"),
        ("student_t", "huber+l1"),
    ]
    paths = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in paths:
        write_pooled(pool_effects(rows, by=["family", "pair"]), path)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_the_interval_covers_the_mean_effect_about_its_level():
    """Three scenarios with between-scenario spread: coverage of the average effect ~ 95 %."""
    rng = np.random.default_rng(11)
    n_groups, truth = 400, 0.2
    se = np.array([0.1, 0.05, 0.08])
    effects = truth + rng.normal(0.0, 0.1, size=(n_groups, 3)) + rng.normal(0.0, se, (n_groups, 3))
    rows = pd.DataFrame(
        {
            "group": np.repeat(np.arange(n_groups), 3),
            "estimate": effects.ravel(),
            "se": np.tile(se, n_groups),
        }
    )
    pooled = pool_effects(rows, by=["group"])
    covered = ((pooled["log_ci_low"] <= truth) & (truth <= pooled["log_ci_high"])).mean()
    assert covered >= 0.95 - 3.0 * math.sqrt(0.95 * 0.05 / n_groups), covered
