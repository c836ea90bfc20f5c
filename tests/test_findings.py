"""Findings as data: paired effects against fixed references, verdicts, the headline and its
sentences, on constructed metrics tables."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.analysis.answer import (
    answer_sentences,
    answer_table,
    headline_metric,
    scenario_sentences,
)
from normbench.analysis.findings import (
    FINDINGS_COLUMNS,
    INTERPOLANT,
    comparisons,
    findings_table,
    paired_effect,
    write_findings,
)

LOSSES = ("l2", "l1", "huber")
PENALTIES = ("none", "l1", "l2", "elasticnet")
PAIRS = tuple((loss, penalty) for loss in LOSSES for penalty in PENALTIES)
# the metrics table's columns: the identity but for the message, and what _metrics sets
COLUMNS = ("dataset", "replicate", "loss", "penalty", "status")
COLUMNS += ("test_mse", "test_mae", "risk", "model_error", "n_nonzero", "intercept", "f1")


def _metrics(
    effects, *, datasets=("gaussian",), replicates=10, seed=0, interpolant=True, jitter=0.02
):
    """A metrics table: risk = base(replicate) x effects.get((dataset, loss, penalty), 1) x a
    small pair-specific jitter; model_error follows risk; f1 a fixed 0.5."""
    rng = np.random.default_rng(seed)
    bases = {}

    def values(dataset, replicate, loss, penalty):
        if (dataset, replicate) not in bases:  # drawn before the replicate's pairs
            bases[dataset, replicate] = rng.uniform(1.0, 3.0)
        factor = effects.get((dataset, loss, penalty), 1.0)
        noise = 1.0 if (interpolant and penalty == "none") else rng.uniform(1 - jitter, 1 + jitter)
        risk = bases[dataset, replicate] * factor * noise
        return {
            "test_mse": risk + 1.0,
            "test_mae": 1.0,
            "risk": risk,
            "model_error": 0.9 * risk,
            "n_nonzero": 30,
            "intercept": 0.0 if penalty == "none" else noise,
            "f1": 0.5,
        }

    return results_table(
        values,
        datasets=datasets,
        replicates=range(1, replicates + 1),
        pairs=PAIRS,
        columns=COLUMNS,
    )


def _row(findings, dataset, metric, pair, reference):
    match = findings[
        (findings["dataset"] == dataset)
        & (findings["metric"] == metric)
        & (findings["pair"] == pair)
        & (findings["reference"] == reference)
    ]
    assert len(match) == 1, (pair, reference)
    return match.iloc[0]


def test_identical_fits_are_no_comparison():
    result = paired_effect([2.0, 3.0, 4.0], [2.0, 3.0, 4.0], metric_name="risk")
    assert result["effect"] == 1.0 and result["identical"]
    findings = findings_table(_metrics({}, jitter=0.0))
    assert list(findings.columns) == list(FINDINGS_COLUMNS)
    # every pair the same fit as its reference in every replicate: nothing is compared
    assert findings.empty
    assert len(findings.attrs["identical"]) > 0


def test_a_pair_twice_as_good_in_every_replicate_is_better():
    effects = {("gaussian", "l1", "l1"): 0.5}
    findings = findings_table(_metrics(effects))
    row = _row(findings, "gaussian", "risk", "l1+l1", "l2+l1")
    assert row["verdict"] == "better"
    assert row["question"] == "loss"
    assert row["effect"] == pytest.approx(0.5, rel=0.03)
    assert row["ci_high"] < 1.0 and row["ci_low"] < row["effect"] < row["ci_high"]
    assert row["n_replicates"] == 10
    assert row["se"] > 0 and row["estimate"] == pytest.approx(math.log(row["effect"]))
    # the same pair as reference of the penalty question: l1+l2 against the better l1+l1 is worse
    worse = _row(findings, "gaussian", "risk", "l1+l2", "l1+l1")
    assert worse["verdict"] == "worse" and worse["question"] == "penalty"
    # pairs equal but for a 2 % jitter, over 10 replicates: decided, never "tied"
    same = _row(findings, "gaussian", "risk", "huber+l1", "l2+l1")
    assert same["verdict"] != "inconclusive"
    assert 1 / 1.1 < same["ci_low"] and same["ci_high"] < 1.1


def test_higher_is_better_metric_is_inverted_so_below_one_is_better():
    result = paired_effect([0.8, 0.7, 0.9], [0.4, 0.35, 0.45], metric_name="f1")
    assert result["effect"] == pytest.approx(0.5)


def test_a_non_positive_risk_is_refused_not_dropped():
    with pytest.raises(ValueError, match="zero or below"):
        paired_effect([1.0, 0.0, 2.0], [1.0, 1.0, 1.0], metric_name="risk")
    metrics = _metrics({})
    metrics.loc[metrics.index[5], "risk"] = -1.0
    with pytest.raises(ValueError, match="dataset gaussian"):
        findings_table(metrics)


def test_none_is_one_interpolant_outside_the_loss_question():
    findings = findings_table(_metrics({}))
    assert not findings["pair"].str.endswith("+none").any()
    assert not findings["reference"].str.endswith("+none").any()
    interpolant = findings[findings["pair"] == INTERPOLANT]
    assert set(interpolant["reference"]) == {"l2+l1"}
    assert len(interpolant) == findings["metric"].nunique()
    # when the unpenalised fits differ (n > p), none is an ordinary penalty
    plan = comparisons(LOSSES, PENALTIES, interpolant=False)
    assert ("l1+none", "l2+none") in plan and ("l2+none", "l2+l1") in plan
    assert INTERPOLANT not in {pair for pair, _ in plan}
    differing = findings_table(_metrics({}, interpolant=False))
    assert (differing["pair"] == "huber+none").any()


def test_references_are_fixed_not_chosen_from_the_data():
    effects = {("gaussian", "huber", "elasticnet"): 0.3}  # the best pair by far
    findings = findings_table(_metrics(effects))
    assert "huber+elasticnet" not in set(findings["reference"])
    plan = comparisons(LOSSES, PENALTIES, interpolant=True)
    assert set(findings["reference"]) == {ref for _, ref in plan}


def test_write_findings_writes_the_table_and_its_method(tmp_path):
    findings = findings_table(_metrics({("gaussian", "l1", "l1"): 0.5}))
    write_findings(findings, tmp_path / "findings.csv")
    back = pd.read_csv(tmp_path / "findings.csv")
    assert list(back.columns) == list(FINDINGS_COLUMNS)
    method = json.loads((tmp_path / "findings.json").read_text())
    assert method["q"] == 0.05 and method["equivalence"] == pytest.approx([1 / 1.1, 1.1])
    assert sum(method["rows_per_metric"].values()) == len(findings)


def test_a_loss_effect_in_most_scenarios_names_the_exceptions():
    datasets = ("contaminated", "heavy", "gaussian")
    effects = {
        (dataset, loss, penalty): 0.3
        for dataset in ("contaminated", "heavy")
        for loss in ("l1", "huber")
        for penalty in ("l1", "elasticnet")
    }
    metrics = _metrics(effects, datasets=datasets, seed=2)
    text = " ".join(answer_sentences(findings_table(metrics), answer_table(metrics)))
    assert "the loss matters in 2 of 3 scenarios, where against the squared loss" in text
    assert "only under gaussian is no difference in model_error detectable" in text


def test_a_loss_effect_in_one_scenario_only_is_said_so():
    datasets = ("contaminated", "gaussian")
    effects = {
        ("contaminated", loss, penalty): 0.3
        for loss in ("l1", "huber")
        for penalty in ("l1", "elasticnet")
    }
    metrics = _metrics(effects, datasets=datasets, seed=2)
    answer = answer_table(metrics)
    loss = answer[answer["term"] == "loss"].set_index("dataset")
    assert loss.loc["contaminated", "verdict"] == "matters"
    assert loss.loc["gaussian", "verdict"] == "inconclusive"
    assert loss.loc["contaminated", "share"] > 0.5
    pooled = answer[answer["dataset"] == "(all)"].set_index("term")
    assert pooled.loc["loss:scenario", "verdict"] == "matters"
    assert set(answer["metric"]) == {"model_error"}  # the headline metric where present
    findings = findings_table(metrics)
    sentences = answer_sentences(findings, answer)
    assert 2 <= len(sentences) <= 4
    text = " ".join(sentences)
    assert "the loss matters only under contaminated" in text
    assert "under gaussian no difference in model_error is detectable" in text
    assert "a robust loss (l1 or huber) is better in 4 (0.3×) of its 4 comparisons" in text
    per_scenario = scenario_sentences(findings)
    assert "l1+l1 is better than l2+l1 (0.3×" in per_scenario["contaminated"]
    # under gaussian the pairs differ by a 2 % jitter only: equivalent, never "tied"
    assert "l1+l1 is equivalent to l2+l1" in per_scenario["gaussian"]
    # no sentence names a best pair without the best-set table
    assert "best" not in " ".join(per_scenario.values())
    best = pd.DataFrame(
        {
            "dataset": ["contaminated"] * 2,
            "metric": ["model_error"] * 2,
            "pair": ["l1+l1", "l2+l1"],
            "in_set": [True, False],
            "p_value": [1.0, 0.01],
            "n_replicates": [10, 10],
            "size": [0.1, 0.1],
        }
    )
    named = scenario_sentences(findings, best_set=best)["contaminated"]
    assert "Set of best pairs (90% model confidence set): l1+l1." in named


def test_headline_metric_is_model_error_where_present_else_risk():
    metrics = _metrics({})
    assert headline_metric(metrics) == "model_error"
    assert headline_metric(metrics.assign(model_error=math.nan)) == "risk"
    assert headline_metric(findings_table(metrics.assign(model_error=math.nan))) == "risk"
    assert answer_table(metrics, metric_name="risk")["metric"].eq("risk").all()


def test_sentences_change_with_the_metrics():
    metrics = _metrics({}, datasets=("a", "b"), seed=3)
    sentences = answer_sentences(findings_table(metrics), answer_table(metrics))
    assert any("makes no detectable difference" in s and "the loss" in s for s in sentences)
    assert not any("matters only" in s for s in sentences)
    effects = {(d, "l1", p): 0.4 for d in ("a", "b") for p in ("l1", "elasticnet")}
    metrics = _metrics(effects, datasets=("a", "b"), seed=3)
    sentences = answer_sentences(findings_table(metrics), answer_table(metrics))
    assert any("the loss matters in every scenario" in s for s in sentences)


def test_missing_metric_is_skipped_and_single_replicate_is_inconclusive():
    metrics = _metrics({("gaussian", "l1", "l1"): 0.5}, replicates=1)
    metrics["model_error"] = math.nan
    findings = findings_table(metrics)
    assert "model_error" not in set(findings["metric"])
    assert set(findings["verdict"]) == {"inconclusive"}
    assert findings["ci_low"].isna().all()


def test_a_constant_log_ratio_over_two_replicates_is_not_certainty():
    # the hostile case of issue 21: effect 6.5 on 2 replicates with zero spread was "worse"
    metrics = _metrics({("gaussian", "l1", "l1"): 6.5}, replicates=2, jitter=0.0)
    row = _row(findings_table(metrics), "gaussian", "risk", "l1+l1", "l2+l1")
    assert row["effect"] == pytest.approx(6.5)
    assert row["verdict"] == "inconclusive" and math.isnan(row["p_value"])


def test_no_share_above_one_is_reported_nor_tested():
    """Scenarios with different replicate counts (a plan) make the pooled design rank-deficient;
    a term the data do not determine is reported as no test, never as a share above 1."""
    effects = {(d, "huber", p): 0.5 for d in ("a", "b") for p in ("l1", "elasticnet")}
    few = _metrics(effects, datasets=("a",), replicates=4, seed=4)
    many = _metrics(effects, datasets=("b",), replicates=9, seed=5)
    answer = answer_table(pd.concat([few, many], ignore_index=True))
    shares = answer["share"].to_numpy(float)
    assert not (shares[np.isfinite(shares)] > 1.0 + 1e-9).any()
    untested = answer[answer["verdict"] == "no test"]
    assert untested["p_value"].isna().all()
    assert (answer.loc[answer["p_value"].notna(), "verdict"] != "no test").all()
