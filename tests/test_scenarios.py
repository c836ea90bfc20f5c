"""Scenario labels: each family in words with its parameters, the scale, and the swept key."""

from pathlib import Path

import pytest

from normbench.analysis.scenarios import (
    noise_family,
    noise_label,
    scenario_label,
    scenario_labels,
    snr,
    snr_groups,
)
from normbench.study.config import load_yaml, validate_config

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _entry(**noise):
    config = validate_config({"datasets": {"d": {"n_train": 20, "p": 30, "noise": noise}}}, SCHEMA)
    return config["datasets"]["d"]


def test_the_default_study_in_words():
    labels = scenario_labels(validate_config(load_yaml(REPO / "config" / "config.yaml"), SCHEMA))
    assert labels["gaussian__snr_0p25"] == "Gaussian · SNR 0.25"
    assert labels["heavy_tails__snr_1p0"] == "Student t, 2 df · SNR 1"
    assert labels["skewed__snr_4p0"] == "skewed (log-normal, shape 1) · SNR 4"
    assert labels["contaminated__snr_4p0"] == "contaminated (10 % outliers) · SNR 4"
    assert len(labels) == 12 and len(set(labels.values())) == 12


@pytest.mark.parametrize(
    ("noise", "label"),
    [
        ({"family": "laplace", "snr": 2}, "Laplace · SNR 2"),
        ({"family": "cauchy"}, "Cauchy · SNR 3"),  # the schema's default SNR
        ({"family": "student_t", "df": 2.5, "snr": 1}, "Student t, 2.5 df · SNR 1"),
        ({"family": "skewed", "skew": 0.5, "sigma": 2.0}, "skewed (log-normal, shape 0.5) · σ 2"),
        (
            {"family": "contaminated", "contamination": 0.05, "outlier_scale": 5, "snr": 1},
            "contaminated (5 % outliers at 5 σ) · SNR 1",
        ),
    ],
)
def test_each_family_names_only_its_own_parameters(noise, label):
    assert scenario_label(_entry(**noise)) == label


def test_family_snr_and_the_group_pooled_over_snr():
    entry = _entry(family="student_t", df=2, snr=0.25)
    assert noise_family(entry) == "student_t" and snr(entry) == 0.25
    assert noise_label(entry) == "Student t, 2 df"
    with_sigma = _entry(family="gaussian", sigma=1.5)
    assert snr(with_sigma) is None and noise_label(with_sigma) == "Gaussian"


def test_a_sweep_over_another_key_adds_it():
    config = validate_config(
        {"datasets": {"grow": {"n_train": 20, "sweep": {"param": "p", "values": [30, 200]}}}},
        SCHEMA,
    )
    labels = scenario_labels(config)
    assert list(labels.values()) == ["Gaussian · SNR 3 · p 30", "Gaussian · SNR 3 · p 200"]


def test_a_users_dataset_is_named_by_its_name():
    config = validate_config({"datasets": {"riboflavin": {"generator": "my_rule"}}}, SCHEMA)
    entry = config["datasets"]["riboflavin"]
    assert scenario_label(entry, "riboflavin") == "riboflavin"
    assert noise_family(entry) is None and snr(entry) is None and noise_label(entry) is None
    assert scenario_labels(config) == {"riboflavin": "riboflavin"}


def _labels_of(path):
    return scenario_labels(validate_config(load_yaml(path), SCHEMA))


@pytest.mark.parametrize("path", ["config.yaml", "test.yaml"])
def test_labels_that_do_not_collide_are_only_family_and_scale(path):
    """No setting is added where the family and scale already name each dataset alone."""
    config = validate_config(load_yaml(REPO / "config" / path), SCHEMA)
    for dataset, label in scenario_labels(config).items():
        assert label == scenario_label(config["datasets"][dataset], dataset)


def test_each_hastie_dataset_is_named_alone_by_its_setting():
    config = validate_config(load_yaml(REPO / "config" / "presets" / "hastie_2020.yaml"), SCHEMA)
    labels = scenario_labels(config)
    assert len(labels) == 240 and len(set(labels.values())) == 240
    for dataset, label in labels.items():
        entry = config["datasets"][dataset]
        parts = label.split(" · ")
        assert parts[:2] == ["Gaussian", f"SNR {entry['noise']['snr']:g}"]
        # the words name the setting: n (which fixes the nonzeros and validation n), rho, beta-type
        assert parts[2:] == [
            f"n {entry['n_train']}",
            f"ρ {entry['design']['rho']:g}",
            f"beta-type {entry['coef']['beta_type']}",
        ]
    groups = snr_groups(config)
    assert len(set(groups.values())) == 24
    assert groups["high5_rho07_beta3__snr_0p42"] == "Gaussian · n 50 · ρ 0.7 · beta-type 3"
    assert {groups[name] for name in labels if name.startswith("high5_rho07_beta3__")} == {
        "Gaussian · n 50 · ρ 0.7 · beta-type 3"
    }


def _config(datasets):
    return validate_config({"datasets": datasets}, SCHEMA)


def test_a_gaussian_dataset_beside_the_default_studys_is_told_apart_by_its_design():
    common = {"n_train": 20, "p": 30, "noise": {"family": "gaussian", "snr": 1.0}}
    config = _config({"blocks": common, "chain": common | {"design": {"kind": "toeplitz"}}})
    assert scenario_labels(config) == {
        "blocks": "Gaussian · SNR 1 · design block",
        "chain": "Gaussian · SNR 1 · design toeplitz",
    }
    assert snr_groups(config) == {
        "blocks": "Gaussian · design block",
        "chain": "Gaussian · design toeplitz",
    }


def test_entries_equal_but_for_their_name_add_the_name():
    entry = {"n_train": 20, "p": 30, "noise": {"family": "laplace", "snr": 2}}
    config = _config({"first": entry, "again": entry, "other": entry | {"p": 40}})
    labels = scenario_labels(config)
    assert (
        labels["first"] == "Laplace · SNR 2 · p 30 · first"
        and labels["again"] == "Laplace · SNR 2 · p 30 · again"
    )
    assert labels["other"] == "Laplace · SNR 2 · p 40"
    # equal but for the name: one scenario, pooled as one group
    assert snr_groups(config)["first"] == snr_groups(config)["again"] != snr_groups(config)["other"]


def test_the_same_number_written_twice_is_one_setting():
    """rho 0 and rho 0.0 are one design: the same group, no setting added."""
    entry = {"n_train": 20, "p": 30, "design": {"kind": "toeplitz", "rho": 0}}
    config = _config(
        {
            "whole": entry | {"noise": {"snr": 1}},
            "decimal": entry | {"design": {"kind": "toeplitz", "rho": 0.0}, "noise": {"snr": 4}},
        }
    )
    assert scenario_labels(config) == {"whole": "Gaussian · SNR 1", "decimal": "Gaussian · SNR 4"}
    assert set(snr_groups(config).values()) == {"Gaussian"}


def test_a_swept_setting_is_written_once():
    config = _config(
        {
            "grow": {"n_train": 20, "sweep": {"param": "p", "values": [30, 200]}},
            "grow_t": {
                "n_train": 20,
                "noise": {"family": "student_t", "df": 3},
                "sweep": {"param": "p", "values": [30, 200]},
            },
        }
    )
    labels = scenario_labels(config)
    assert labels["grow__p_30"] == "Gaussian · SNR 3 · p 30"
    groups = snr_groups(config)
    assert groups["grow__p_30"] == "Gaussian · p 30" and groups["grow__p_200"] == "Gaussian · p 200"
    assert groups["grow_t__p_30"] == "Student t, 3 df · p 30"


def test_coefficients_given_as_a_list_are_written_by_their_runs():
    """The Zou & Hastie preset's datasets differ in their 8 or 40 coefficients: each run once."""
    config = validate_config(
        load_yaml(REPO / "config" / "presets" / "zou_hastie_2005.yaml"), SCHEMA
    )
    labels = scenario_labels(config)
    assert len(set(labels.values())) == len(labels)
    assert labels["zh_example2"] == "Gaussian · σ 3 · coefficients [0.85×8]"
    groups = snr_groups(config)
    # example 3 at σ 15 and σ 21.2 differ only in their scale: one group
    assert groups["zh_example3"] == groups["zh_example3_sigma21"]
    assert groups["zh_example3"].endswith("coefficients [0×10, 2×10, 0×10, 2×10]")
    assert len(set(groups.values())) == len(groups) - 1
