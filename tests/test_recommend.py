"""The loss question pooled over SNR within a noise family, and its sentences."""

import math

import pandas as pd
import pytest

from normbench.analysis.recommend import POOLED_TABLE_COLUMNS, pooled_sentences, pooled_table

CONFIG = {
    "datasets": {
        f"t_{snr}": {"noise": {"family": "student_t", "df": 2, "snr": snr}} for snr in (0.25, 1, 4)
    }
    | {"gauss_1": {"noise": {"family": "gaussian", "snr": 1}}, "mine": {"generator": "my_rule"}}
}


def _findings(effects, se=0.05):
    """Findings rows of the two lasso loss contrasts with the given effect per dataset."""
    rows = []
    for dataset, effect in effects.items():
        for pair in ("huber+l1", "l1+l1"):
            rows.append(
                {
                    "dataset": dataset,
                    "metric": "model_error",
                    "pair": pair,
                    "reference": "l2+l1",
                    "estimate": math.log(effect),
                    "se": se,
                    "n_replicates": 10,
                }
            )
    return pd.DataFrame(rows)


def test_a_family_is_pooled_over_its_snrs_and_a_users_dataset_stands_alone():
    effects = {"t_0.25": 0.5, "t_1": 0.5, "t_4": 0.5, "gauss_1": 1.3, "mine": 0.8}
    metric_of = dict.fromkeys(effects, "model_error")
    table = pooled_table(_findings(effects), CONFIG, metric_of=metric_of)
    assert list(table.columns) == list(POOLED_TABLE_COLUMNS)
    student = table[(table["family"] == "Student t, 2 df") & (table["pair"] == "huber+l1")].iloc[0]
    assert student["k"] == 3 and student["effect"] == pytest.approx(0.5)
    assert student["ci_high"] < 1 and (student["snr_low"], student["snr_high"]) == (0.25, 4)
    assert list(table["family"].unique()) == ["Student t, 2 df", "Gaussian", "mine"]
    sentences = pooled_sentences(table)
    assert len(sentences) == 3
    assert sentences[0].startswith("Under Student t, 2 df noise (3 scenarios, SNR 0.25 to 4)")
    assert "huber+l1 0.5× of l2+l1" in sentences[0] and "better" in sentences[0]
    # a loss and a gain are stated apart, each with its own interval
    assert "worse" in sentences[1] and "better" not in sentences[1]


def test_heterogeneity_across_snr_is_said():
    effects = {"t_0.25": 0.3, "t_1": 1.0, "t_4": 3.0}
    table = pooled_table(
        _findings(effects), CONFIG, metric_of=dict.fromkeys(effects, "model_error")
    )
    assert table["heterogeneous"].all()
    assert "heterogeneous across SNR" in pooled_sentences(table)[0]


def test_rows_without_spread_are_no_evidence_and_left_out():
    effects = {"t_0.25": 0.5, "t_1": 0.5}
    findings = _findings(effects)
    findings.loc[findings["dataset"] == "t_1", "se"] = 0.0
    table = pooled_table(findings, CONFIG, metric_of=dict.fromkeys(effects, "model_error"))
    assert set(table["k"]) == {1}


def test_a_study_without_a_loss_contrast_pools_nothing():
    """One loss (as the Hastie preset): no primary contrast, an empty table and no sentence."""
    findings = _findings({"t_1": 0.5}).assign(pair="l2+l2", reference="l2+l1")
    table = pooled_table(findings, CONFIG, metric_of={"t_1": "model_error"})
    assert table.empty and list(table.columns) == list(POOLED_TABLE_COLUMNS)
    assert pooled_sentences(table) == []


def test_an_interval_across_one_is_inconclusive():
    effects = {"t_0.25": 0.7, "t_1": 1.4, "t_4": 1.0}
    table = pooled_table(
        _findings(effects, se=0.3), CONFIG, metric_of=dict.fromkeys(effects, "model_error")
    )
    sentence = pooled_sentences(table)[0]
    assert "inconclusive" in sentence and "better" not in sentence and "worse" not in sentence


def test_datasets_of_one_family_with_different_designs_are_not_pooled_together():
    """Pooled over SNR is over SNR alone: a Gaussian dataset with another rho is its own group."""
    config = {
        "datasets": {
            f"{name}_{snr}": {"design": {"kind": "toeplitz", "rho": rho}, "noise": {"snr": snr}}
            for name, rho in (("calm", 0.0), ("tied", 0.7))
            for snr in (1, 4)
        }
    }
    effects = {"calm_1": 0.5, "calm_4": 0.5, "tied_1": 2.0, "tied_4": 2.0}
    table = pooled_table(
        _findings(effects), config, metric_of=dict.fromkeys(effects, "model_error")
    )
    huber = table[table["pair"] == "huber+l1"].set_index("family")
    assert list(huber.index) == ["Gaussian · ρ 0", "Gaussian · ρ 0.7"]
    assert list(huber["datasets"]) == ["calm_1 calm_4", "tied_1 tied_4"]
    assert list(huber["k"]) == [2, 2]
    assert huber["effect"].tolist() == pytest.approx([0.5, 2.0])
    sentences = pooled_sentences(table)
    assert sentences[0].startswith("Under Gaussian noise with ρ 0 (2 scenarios, SNR 1 to 4)")
    assert sentences[1].startswith("Under Gaussian noise with ρ 0.7 (2 scenarios, SNR 1 to 4)")
