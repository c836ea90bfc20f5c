import math

import numpy as np
import pandas as pd
import pytest

from normbench.report.statistics import (
    interaction_anova,
    paired_comparisons,
    paired_effect,
    paired_values,
)

LOSSES = ("l2", "l1", "huber")
PENALTIES = ("none", "l1", "l2", "elasticnet")
LOSS_EFFECT = {"l2": 0.0, "l1": 0.3, "huber": -0.2}
PENALTY_EFFECT = {"none": 1.5, "l1": 0.0, "l2": 0.6, "elasticnet": -0.1}


def _metrics(*, interaction=0.0, n_replicates=10, datasets=("a", "b"), noise=0.1, seed=0):
    """log(risk) = loss effect + penalty effect + replicate effect + noise, optionally plus
    ``interaction`` for the (l1, l1) and (huber, l2) cells only."""
    rng = np.random.default_rng(seed)
    rows = []
    for d_index, dataset in enumerate(datasets):
        for replicate in range(1, n_replicates + 1):
            block = rng.normal(scale=0.5)
            for loss in LOSSES:
                for penalty in PENALTIES:
                    log_risk = 1.0 * d_index + block + LOSS_EFFECT[loss] + PENALTY_EFFECT[penalty]
                    if (loss, penalty) in {("l1", "l1"), ("huber", "l2")}:
                        log_risk += interaction
                    log_risk += rng.normal(scale=noise)
                    rows.append(
                        {
                            "dataset": dataset,
                            "replicate": replicate,
                            "loss": loss,
                            "penalty": penalty,
                            "status": "ok",
                            "risk": math.exp(log_risk),
                        }
                    )
    return pd.DataFrame(rows)


def test_additive_effects_give_no_significant_interaction():
    result = interaction_anova(_metrics(interaction=0.0))
    assert result.formula == "log(risk) ~ C(loss) * C(penalty) + C(dataset)"
    assert result.p_value("C(penalty)") < 1e-10
    assert result.p_value("C(loss)") < 1e-4  # replicate blocks stay in the residual here
    assert result.interaction_p > 0.05
    assert result.n == 2 * 10 * 12
    assert result.table["share"].sum() == pytest.approx(1.0)


def test_built_in_interaction_is_significant():
    result = interaction_anova(_metrics(interaction=0.8))
    assert result.interaction_p < 1e-6
    assert result.share("C(loss):C(penalty)") > 0.01


def test_interaction_anova_replicate_blocks_and_failures():
    metrics = _metrics(interaction=0.0, datasets=("a",))
    metrics.loc[3, "status"] = "failed"
    metrics.loc[4, "risk"] = math.nan
    result = interaction_anova(metrics, block="replicate")
    assert "C(replicate)" in result.formula
    assert result.n == 10 * 12 - 2
    # blocking on the replicate removes its variance: the residual is the noise only
    assert result.table.loc["Residual", "sum_sq"] / (result.n - 30) == pytest.approx(0.01, rel=0.5)


def test_interaction_anova_needs_two_levels():
    metrics = _metrics()
    assert interaction_anova(metrics[metrics.loss == "l2"]) is None


def test_paired_effect_ratio_and_difference():
    base = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    effect = paired_effect(0.5 * base, base, seed=1)
    assert effect.estimate == pytest.approx(-0.5)
    assert effect.low == pytest.approx(-0.5) and effect.high == pytest.approx(-0.5)
    assert effect.n == 5
    diff = paired_effect(base + 1.0, base, kind="difference")
    assert diff.estimate == pytest.approx(1.0)
    noisy = paired_effect(base * np.array([0.4, 0.6, 0.5, 0.45, 0.55]), base, seed=1)
    assert noisy.low < noisy.estimate < noisy.high
    # seeded: the same interval every time
    assert paired_effect(base * 0.4 + 1, base, seed=3) == paired_effect(
        base * 0.4 + 1, base, seed=3
    )


def test_paired_effect_empty_and_invalid():
    assert math.isnan(paired_effect([], []).estimate)
    with pytest.raises(ValueError, match="same shape"):
        paired_effect([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="kind"):
        paired_effect([1.0], [1.0], kind="log")


def test_paired_values_align_replicates():
    metrics = _metrics(datasets=("a",), n_replicates=4)
    metrics.loc[(metrics.replicate == 2) & (metrics.loss == "l1"), "status"] = "failed"
    values, base = paired_values(metrics, "a", ("l1", "l1"), ("l2", "l1"), "risk")
    assert len(values) == len(base) == 3
    expected = math.exp(LOSS_EFFECT["l1"])
    np.testing.assert_allclose(values / base, expected, rtol=0.5)


def test_paired_comparisons_holm():
    metrics = _metrics(datasets=("a",), n_replicates=12, noise=0.05)
    # (huber, elasticnet) is the best cell; (l2, elasticnet) differs from it by only 0.2 in log
    table = paired_comparisons(metrics, "a", ("huber", "elasticnet"))
    assert len(table) == 11
    assert ("huber", "elasticnet") not in set(zip(table.loss, table.penalty, strict=True))
    assert table["significant"].all()
    assert (table["p_holm"] >= table["p_wilcoxon"]).all()
    row = table[(table.loss == "huber") & (table.penalty == "l1")].iloc[0]
    assert row.median_ratio == pytest.approx(math.exp(0.1), rel=0.1)
    # no difference at all: nothing significant
    same = _metrics(datasets=("a",), n_replicates=8, noise=0.0)
    same["risk"] = 1.0
    flat = paired_comparisons(same, "a", ("l2", "l1"))
    assert not flat["significant"].any()
    assert flat["p_wilcoxon"].isna().all()
