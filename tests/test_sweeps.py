"""Tests of sweeps: the config expands a sweep into datasets, refuses bad sweeps, and the report's
"Sweeps" section (normbench.report.sections.sweeps) draws and describes them."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from normbench.analysis.summary import summary_table
from normbench.data.simulate import dataset_seed, simulate, simulate_to_file
from normbench.report.sections.sweeps import describe_sweep, sweep_table
from normbench.report.sections.sweeps import render as sweeps_section
from normbench.study.config import (
    ConfigError,
    dataset_names,
    load_yaml,
    sweep_dataset_name,
    sweeps,
    validate_config,
)
from normbench.vocab import LOSSES, PENALTIES

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _config(**sweep_entry):
    return {
        "datasets": {
            "plain": {"n_train": 20, "p": 30},
            "grow": {"n_train": 20, "coef": {"n_nonzero": 5}, **sweep_entry},
        }
    }


# ----------------------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("param", "value", "name"),
    [
        ("p", 200, "s__p_200"),
        ("noise.snr", 0.05, "s__snr_0p05"),
        ("noise.snr", 6.0, "s__snr_6p0"),
        ("design.rho", 0.35, "s__rho_0p35"),
        ("noise.sigma", 1e-05, "s__sigma_1em05"),
        ("n_train", 50, "s__n_train_50"),
    ],
)
def test_sweep_dataset_names_are_readable_wildcards(param, value, name):
    assert sweep_dataset_name("s", param, value) == name


# -------------------------------------------------------------------------- expansion


def test_a_sweep_becomes_one_dataset_per_value_in_place():
    config = validate_config(_config(sweep={"param": "p", "values": [200, 50, 1000]}), SCHEMA)
    assert dataset_names(config) == ["plain", "grow__p_200", "grow__p_50", "grow__p_1000"]
    for value in (200, 50, 1000):
        entry = config["datasets"][f"grow__p_{value}"]
        assert entry["p"] == value and entry["n_train"] == 20
        assert entry["coef"]["n_nonzero"] == 5 and entry["coef"]["placement"] == "grouped"
        assert entry["noise"]["snr"] == 3.0  # defaults are filled in each dataset
        assert entry["sweep"] == {
            "name": "grow",
            "param": "p",
            "value": value,
            "values": [200, 50, 1000],
        }
    assert "sweep" not in config["datasets"]["plain"]
    assert sweeps(config) == {
        "grow": {
            "param": "p",
            "values": [200, 50, 1000],
            "datasets": {200: "grow__p_200", 50: "grow__p_50", 1000: "grow__p_1000"},
        }
    }


def test_validating_an_expanded_config_again_changes_nothing():
    config = validate_config(_config(sweep={"param": "design.rho", "values": [0.0, 0.5]}), SCHEMA)
    assert validate_config(config, SCHEMA) == config


@pytest.mark.parametrize(
    ("param", "values", "where"),
    [
        ("n_train", [10, 40], ("n_train",)),
        ("design.rho", [0.0, 0.35, 0.7], ("design", "rho")),
        ("noise.df", [1.5, 3], ("noise", "df")),
        ("noise.snr", [0.05, 6.0], ("noise", "snr")),
        ("coef.amplitude", [0.5, 2.0], ("coef", "amplitude")),
    ],
)
def test_dotted_parameters_are_set_in_their_section(param, values, where):
    entry = {"n_train": 20, "p": 30}
    entry.pop(param, None)
    if param == "noise.df":
        entry["noise"] = {"family": "student_t"}
    config = validate_config(
        {
            "cv": {"folds": 3},
            "datasets": {"s": {**entry, "sweep": {"param": param, "values": values}}},
        },
        SCHEMA,
    )
    for value in values:
        concrete = config["datasets"][sweep_dataset_name("s", param, value)]
        found = concrete
        for key in where:
            found = found[key]
        assert found == value


def test_sweeping_sigma_drops_the_default_snr():
    config = validate_config(_config(sweep={"param": "noise.sigma", "values": [1.0, 2.0]}), SCHEMA)
    noise = config["datasets"]["grow__sigma_2p0"]["noise"]
    assert noise["sigma"] == 2.0 and "snr" not in noise


def test_the_simulator_accepts_the_sweep_record_and_the_sidecar_keeps_it(tmp_path):
    config = validate_config(_config(sweep={"param": "noise.snr", "values": [1.0, 9.0]}), SCHEMA)
    entries = [config["datasets"][name] for name in ("grow__snr_1p0", "grow__snr_9p0")]
    low, high = (simulate({**entry, "n_test": 5}, dataset_seed(1, "x", 1)) for entry in entries)
    # Same seed, same design: only the noise scale differs, by sqrt(9 / 1).
    np.testing.assert_array_equal(low["X_train"], high["X_train"])
    noise_low = low["y_train"] - low["X_train"] @ low["coef"]
    noise_high = high["y_train"] - high["X_train"] @ high["coef"]
    np.testing.assert_allclose(noise_low, 3.0 * noise_high)
    path = tmp_path / "rep1.npz"
    simulate_to_file(entries[1], base_seed=1, dataset="grow__snr_9p0", replicate=1, path=path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["params"]["sweep"]["value"] == 9.0
    assert sidecar["params"]["sweep"]["name"] == "grow"


def test_shipped_sweep_config_is_the_documented_one():
    config = validate_config(load_yaml(REPO / "config" / "sweep_p.yaml"), SCHEMA)
    found = sweeps(config)
    assert list(found) == ["irrelevant_features"]
    assert found["irrelevant_features"]["param"] == "p"
    for name in found["irrelevant_features"]["datasets"].values():
        entry = config["datasets"][name]
        assert entry["coef"]["n_nonzero"] == 5 and entry["design"]["kind"] == "independent"


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"sweep": {"param": "q", "values": [1]}},
            r"'datasets\.grow\.sweep\.param': 'q' is not allowed; .*: n_train, n_validation, "
            r"n_test, p, design\.rho.*noise\.snr",
        ),
        (
            {"sweep": {"param": "p", "values": []}},
            r"'datasets\.grow\.sweep\.values': an empty list",
        ),
        (
            {"sweep": {"param": "p", "values": [100, 12.5]}},
            r"'datasets\.grow\.sweep\.values\[1\]': 12\.5 is not allowed; must be an integer "
            r"\(a value of p\)",
        ),
        (
            {"sweep": {"param": "noise.snr", "values": [1.0, "high"]}},
            r"'datasets\.grow\.sweep\.values\[1\]': 'high' .*must be a number "
            r"\(a value of noise\.snr\)",
        ),
        (
            {"sweep": {"param": "design.rho", "values": [0.5, 1.0]}},
            r"values\[1\]': 1\.0 is not allowed; must be >= 0 and < 1 \(a value of design\.rho\)",
        ),
        (
            {"sweep": {"param": "p", "values": [50, 50]}},
            r"'datasets\.grow\.sweep\.values': 50 is listed twice",
        ),
        ({"sweep": {"values": [1]}}, r"'datasets\.grow\.sweep\.param' is missing"),
        (
            {"sweep": {"param": "p", "value": [1]}},
            r"'datasets\.grow\.sweep': a sweep is written \{param: <key>, values: .*param, value\.",
        ),
        (
            {"p": 30, "sweep": {"param": "p", "values": [40]}},
            r"'datasets\.grow\.p': .*the sweep \(datasets\.grow\.sweep\) sets p; leave the key out",
        ),
        (
            {"noise": {"sigma": 1.0}, "sweep": {"param": "noise.snr", "values": [1.0]}},
            r"'noise\.snr' cannot be swept while 'datasets\.grow\.noise\.sigma' is given",
        ),
        (
            {
                "coef": {"values": [1.0] * 30},
                "p": 30,
                "sweep": {"param": "coef.n_nonzero", "values": [2]},
            },
            r"'coef\.n_nonzero' cannot be swept while 'datasets\.grow\.coef\.values' is given",
        ),
        (
            {"sweep": {"param": "p", "values": [30, 3]}},
            r"'datasets\.grow__p_3\.coef\.n_nonzero': 5 is not allowed; must be <= p \(3\) "
            r"\(dataset grow__p_3 is p = 3 of the sweep datasets\.grow\.sweep\)",
        ),
    ],
)
def test_bad_sweeps_are_refused_with_the_key_and_the_reason(entry, message):
    config = _config()
    config["datasets"]["grow"] = {"n_train": 20, "coef": {"n_nonzero": 5}, **entry}
    with pytest.raises(ConfigError, match=message):
        validate_config(config, SCHEMA)


def test_a_sweep_dataset_name_may_not_clash_with_another_dataset():
    config = _config(sweep={"param": "p", "values": [30, 60]})
    config["datasets"]["grow__p_60"] = {"n_train": 20, "p": 60}
    with pytest.raises(ConfigError, match=r"'datasets\.grow\.sweep'.*'grow__p_60'.*rename"):
        validate_config(config, SCHEMA)


def test_sweeps_are_for_simulated_datasets_only():
    config = {
        "datasets": {"real": {"generator": "load_real", "sweep": {"param": "p", "values": [1]}}}
    }
    with pytest.raises(
        ConfigError, match=r"unknown key 'datasets\.real\.sweep'.*simulated datasets only"
    ):
        validate_config(config, SCHEMA)


# ---------------------------------------------------------------------------- report


def _sweep_metrics():
    """Metrics of a 3-value sweep: every pair's risk grows with p, l2+none the fastest."""
    rows = []
    for value, p in enumerate((50, 100, 200)):
        dataset = f"grow__p_{p}"
        for replicate in (1, 2, 3):
            for loss in LOSSES:
                for penalty in PENALTIES:
                    slope = 3.0 if (loss, penalty) == ("l2", "none") else 1.0
                    base = 0.1 if (loss, penalty) == ("l2", "l1") else 0.2
                    risk = base * (1.0 + slope * value) * (1.0 + 0.01 * replicate)
                    rows.append(
                        {
                            "dataset": dataset,
                            "replicate": replicate,
                            "loss": loss,
                            "penalty": penalty,
                            "status": "ok",
                            "risk": risk,
                            "relative_risk": risk / 2.0,
                            "pve": 0.5 - risk / 4.0,
                            "test_mse": risk + 1.0,
                            "test_mae": 0.8 + risk / 10.0,
                            "f1": 0.5 if penalty in ("l1", "elasticnet") else 0.1,
                            "n_nonzero": 10 * (value + 1),
                        }
                    )
    return pd.DataFrame(rows)


def _ctx(metrics):
    config = validate_config(
        {"datasets": {"grow": {"n_train": 20, "sweep": {"param": "p", "values": [50, 100, 200]}}}},
        SCHEMA,
    )
    return SimpleNamespace(
        metrics=metrics, mc_summary=_summary(metrics), config=config, best_set=None
    )


def _summary(metrics):
    """results/summary.csv of a sweep's metrics: what the section draws from."""
    names = ("risk", "relative_risk", "pve", "test_mse", "test_mae", "f1", "n_nonzero")
    return summary_table(metrics, metrics_names=names, n_boot=200)


def test_sweep_table_gives_the_summary_median_per_pair_and_value():
    metrics = _sweep_metrics()
    summary = _summary(metrics)
    datasets = {50: "grow__p_50", 100: "grow__p_100", 200: "grow__p_200"}
    table = sweep_table(summary, datasets, "risk")
    assert len(table) == 3 * 12 and table["value"].tolist()[:12] == [50.0] * 12
    row = table[(table["value"] == 200) & (table["loss"] == "l2") & (table["penalty"] == "none")]
    risks = 0.2 * 7.0 * np.array([1.01, 1.02, 1.03])
    assert row["median"].item() == pytest.approx(np.median(risks))
    found = summary[
        (summary["what"] == "median")
        & (summary["dataset"] == "grow__p_200")
        & (summary["pair"] == "l2+none")
        & (summary["metric"] == "risk")
    ]
    assert row["mcse"].item() == found["mcse"].item() > 0  # the error bars of the curves
    assert row["n"].item() == 3


def test_failed_fits_are_left_out_of_the_sweep_table():
    metrics = _sweep_metrics()
    metrics.loc[metrics["dataset"] == "grow__p_50", "status"] = "failed"
    table = sweep_table(_summary(metrics), {50: "grow__p_50", 100: "grow__p_100"}, "risk")
    assert set(table["value"]) == {100.0}


def test_the_sentence_names_the_pair_that_degrades_fastest_and_the_best_pairs():
    datasets = {50: "grow__p_50", 100: "grow__p_100", 200: "grow__p_200"}
    table = sweep_table(_summary(_sweep_metrics()), datasets, "risk")
    sentence = describe_sweep(table, "p", "risk")
    assert sentence.startswith("From p = 50 to 200, l2+none degrades fastest: its median risk")
    assert "(×7)" in sentence  # (1 + 3 * 2) / (1 + 3 * 0)
    assert "best" not in sentence  # never named from medians


def test_the_best_pairs_of_a_sweep_come_from_the_model_confidence_set():
    from normbench.report.sections.sweeps import best_sentence

    best = pd.DataFrame(
        {
            "dataset": ["grow__p_50", "grow__p_50", "grow__p_200"],
            "metric": "risk",
            "pair": ["l2+l1", "l1+l1", "l2+l1"],
            "in_set": [True, True, False],
            "p_value": [1.0, 0.5, 0.01],
            "n_replicates": 10,
            "n_dropped": 0,
            "size": 0.1,
        }
    )
    ends = [(50, "grow__p_50"), (200, "grow__p_200")]
    sentence = best_sentence(best, ends, "p")
    assert sentence == (
        "The set of best pairs (90% model confidence set) is {l2+l1, l1+l1} by risk at p = 50."
    )
    assert best_sentence(None, ends, "p") == ""


def test_sweeps_section_draws_every_metric_with_a_sentence_and_a_table():
    html = sweeps_section(_ctx(_sweep_metrics()))
    assert html.startswith("<p>Each sweep below")
    assert '<p id="sweep-grow"><b>grow</b>: p ∈' in html
    # relative risk replaces risk; PVE, test MSE / MAE, F1 and nonzeros follow
    assert html.count("data:image/png;base64,") == 6
    for name in ("relative risk", "proportion of variance explained", "test MSE", "test MAE"):
        assert f"{name} (" in html
    assert "F1 of the support" in html and "number of nonzero coefficients" in html
    assert "l2+none degrades fastest" in html
    assert "<th>set of best pairs (model confidence set)</th>" in html
    assert "<td>grow__p_200</td>" in html


def test_sweeps_section_without_sweeps_says_so():
    ctx = SimpleNamespace(metrics=_sweep_metrics(), config={"datasets": {"a": {"n_train": 20}}})
    html = sweeps_section(ctx)
    assert "This study has no sweep" in html and "<img" not in html
