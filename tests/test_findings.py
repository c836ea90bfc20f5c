"""Findings as data: paired effects against fixed references, verdicts, the headline and its
sentences, on constructed metrics tables."""

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


def test_identical_pairs_are_tied_with_effect_one():
    result = paired_effect([2.0, 3.0, 4.0], [2.0, 3.0, 4.0], metric_name="risk")
    assert result["effect"] == 1.0 and result["p_value"] == 1.0
    findings = findings_table(_metrics({}, jitter=0.0))
    assert list(findings.columns) == list(FINDINGS_COLUMNS)
    assert (findings["effect"] == 1.0).all()
    assert set(findings["verdict"]) == {"tied"}


def test_a_pair_twice_as_good_in_every_replicate_is_better():
    effects = {("gaussian", "l1", "l1"): 0.5}
    findings = findings_table(_metrics(effects))
    row = _row(findings, "gaussian", "risk", "l1+l1", "l2+l1")
    assert row["verdict"] == "better"
    assert row["effect"] == pytest.approx(0.5, rel=0.03)
    assert row["ci_high"] < 1.0 and row["ci_low"] < row["effect"] < row["ci_high"]
    assert row["n_replicates"] == 10
    assert row["p_adjusted"] >= row["p_value"]
    # the same pair as reference of the penalty question: l1+l2 against the better l1+l1 is worse
    assert _row(findings, "gaussian", "risk", "l1+l2", "l1+l1")["verdict"] == "worse"
    # higher-is-better metrics are inverted: an equal F1 stays at 1
    assert _row(findings, "gaussian", "f1", "l1+l1", "l2+l1")["effect"] == pytest.approx(1.0)


def test_higher_is_better_metric_is_inverted_so_below_one_is_better():
    result = paired_effect([0.8] * 5, [0.4] * 5, metric_name="f1")
    assert result["effect"] == pytest.approx(0.5)
    assert result["p_value"] == 0.0


def test_the_correction_counts_every_row():
    # one weak effect, tested alone, clears alpha; among a whole table's rows it does not
    rng = np.random.default_rng(1)
    reference = rng.uniform(1, 2, 10)
    pair = reference * np.exp(rng.normal(-0.08, 0.1, 10))
    alone = paired_effect(pair, reference, metric_name="risk")
    assert alone["p_value"] < 0.05
    wide = paired_effect(pair, reference, metric_name="risk", level=1 - 0.05 / 100)
    assert wide["ci_low"] < alone["ci_low"] and wide["ci_high"] > alone["ci_high"]


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
    assert (tmp_path / "findings.json").read_text().count('"m"') == 1


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
    assert "the loss matters in 2 of 3 scenarios, where a robust loss" in text
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
    assert loss.loc["gaussian", "verdict"] == "no evidence"
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
    assert "a robust loss (l1 or huber) gives 0.3× the model_error" in text
    per_scenario = scenario_sentences(findings)
    assert "l1+l1 is better than l2+l1 (0.3×" in per_scenario["contaminated"]
    # under gaussian every pair ties: the set tied with the best holds them all; under
    # contaminated, l2's sparse fits are beaten
    gaussian = per_scenario["gaussian"].split("Tied with the best")[1]
    assert "l2+l1" in gaussian and "huber+elasticnet" in gaussian
    assert "l1+l1 is tied with l2+l1" in per_scenario["gaussian"]
    contaminated = per_scenario["contaminated"].split("Tied with the best")[1]
    assert "l2+l1" not in contaminated and "l1+l1" in contaminated


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


def test_missing_metric_is_skipped_and_single_replicate_is_tied():
    metrics = _metrics({("gaussian", "l1", "l1"): 0.5}, replicates=1)
    metrics["model_error"] = math.nan
    findings = findings_table(metrics)
    assert "model_error" not in set(findings["metric"])
    assert set(findings["verdict"]) == {"tied"}
    assert findings["ci_low"].isna().all()


def test_two_replicates_and_a_strict_level_give_an_infinite_bound_not_an_error():
    result = paired_effect([1.0, 5.0], [1.0, 1.1], metric_name="risk", level=1 - 1e-12)
    assert result["ci_high"] == math.inf and result["ci_low"] >= 0.0
