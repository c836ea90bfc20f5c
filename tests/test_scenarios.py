"""Scenario labels: each family in words with its parameters, the scale, and the swept key."""

from pathlib import Path

import pytest

from normbench.analysis.scenarios import (
    noise_family,
    noise_label,
    scenario_label,
    scenario_labels,
    snr,
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
