"""Tests of normbench.study.config: the schema, its defaults and the error messages users see."""

import copy
import re
import subprocess
from pathlib import Path

import pytest
from snakemake_cli import snakemake_executable

from normbench.study.config import (
    ConfigError,
    check_dataset_rules,
    dataset_names,
    load_schema,
    load_yaml,
    validate_config,
)

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIGS = ("config.yaml", "quick.yaml", "test.yaml")


def _minimal():
    """The smallest valid config: one simulated dataset, everything else by default."""
    return {"datasets": {"toy": {"n_train": 20, "p": 30}}}


def test_schema_is_a_valid_json_schema():
    schema = load_schema(SCHEMA)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["datasets"]


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_configs_validate(name):
    config = validate_config(load_yaml(REPO / "config" / name), SCHEMA)
    assert set(config) == {"seed", "replicates", "models", "cv", "datasets"}
    assert config["models"]["losses"] == ["l2", "l1", "huber"]
    assert config["models"]["penalties"] == ["none", "l1", "l2", "elasticnet"]
    generators = {"simulate", "semisynthetic"} if name == "quick.yaml" else {"simulate"}
    assert {entry["generator"] for entry in config["datasets"].values()} == generators


def test_default_study_is_the_documented_one():
    config = validate_config(load_yaml(REPO / "config" / "config.yaml"), SCHEMA)
    assert (config["seed"], config["replicates"]) == (1, 10)
    assert config["cv"]["folds"] == 5 and config["cv"]["n_lams"] == 20
    assert config["cv"]["l1_ratios"] == [0.5, 0.95] and config["cv"]["rule"] == "min"
    assert config["cv"]["delta_factors"] == [0.5, 1.0, 2.0]
    scenarios = ["gaussian", "heavy_tails", "skewed", "contaminated"]
    snrs = ["0p25", "1p0", "4p0"]
    assert list(config["datasets"]) == [f"{s}__snr_{v}" for s in scenarios for v in snrs]
    families = {entry["noise"]["family"] for entry in config["datasets"].values()}
    assert families == {"gaussian", "student_t", "skewed", "contaminated"}
    assert sorted({entry["noise"]["snr"] for entry in config["datasets"].values()}) == [
        0.25,
        1.0,
        4.0,
    ]
    for entry in config["datasets"].values():
        assert (entry["n_train"], entry["n_test"], entry["p"]) == (100, 2000, 500)
        assert entry["design"] == {"kind": "block", "group_size": 5, "rho": 0.7, "n_groups": 3}
        assert entry["coef"]["n_nonzero"] == 10 and entry["coef"]["placement"] == "mixed"


def test_quick_and_test_configs_are_small():
    quick = validate_config(load_yaml(REPO / "config" / "quick.yaml"), SCHEMA)
    test = validate_config(load_yaml(REPO / "config" / "test.yaml"), SCHEMA)
    assert quick["replicates"] == 3 and quick["cv"]["folds"] == 3 and quick["cv"]["n_lams"] == 10
    simulated = [entry for entry in quick["datasets"].values() if entry["generator"] == "simulate"]
    assert {entry["p"] for entry in simulated} == {200}
    assert quick["datasets"]["wide_cancer"]["params"]["p"] == 300
    assert list(test["datasets"]) == [
        "gaussian",
        "contaminated",
        "snr_sweep__snr_1p0",
        "snr_sweep__snr_4p0",
    ]
    assert test["replicates"] == 2
    assert test["cv"]["l1_ratios"] == [0.5] and test["cv"]["n_lams"] == 5
    sizes = {(e["n_train"], e["n_test"], e["p"]) for e in test["datasets"].values()}
    assert sizes == {(30, 50, 40)}


def test_defaults_are_filled_at_every_level():
    config = validate_config(_minimal(), SCHEMA)
    assert config["seed"] == 1 and config["replicates"] == 10
    assert config["models"] == {
        "losses": ["l2", "l1", "huber"],
        "penalties": ["none", "l1", "l2", "elasticnet"],
        "standardize": True,
        "elasticnet_rescale": False,
    }
    assert config["cv"] == {
        "method": "kfold",
        "folds": 5,
        "n_lams": 30,
        "eps": 0.001,
        "l1_ratios": [0.2, 0.5, 0.8],
        "rule": "min",
        "criterion": "own_loss",
        "huber_multiplier": 1.345,
        "delta_factors": [0.5, 1.0, 2.0],
    }
    toy = config["datasets"]["toy"]
    assert (toy["generator"], toy["n_train"], toy["n_test"], toy["p"]) == ("simulate", 20, 2000, 30)
    assert toy["design"] == {"kind": "block", "rho": 0.7, "group_size": 10, "n_groups": 3}
    assert toy["coef"] == {
        "n_nonzero": 10,
        "placement": "grouped",
        "amplitude": 1.0,
        "signs": "positive",
    }
    assert toy["noise"] == {
        "family": "gaussian",
        "snr": 3.0,
        "df": 2.0,
        "skew": 1.0,
        "contamination": 0.1,
        "outlier_scale": 10.0,
    }


def test_given_values_are_kept_and_input_is_not_modified():
    config = _minimal()
    config["datasets"]["toy"]["noise"] = {"family": "student_t", "df": 4}
    before = copy.deepcopy(config)
    filled = validate_config(config, SCHEMA)
    assert config == before
    assert filled["datasets"]["toy"]["noise"]["df"] == 4
    assert filled["datasets"]["toy"]["noise"]["snr"] == 3.0


def test_user_generator_takes_free_form_params_only():
    config = _minimal()
    config["datasets"]["diabetes"] = {"generator": "load_diabetes", "params": {"test_size": 0.3}}
    config["datasets"]["other"] = {"generator": "load_other"}
    filled = validate_config(config, SCHEMA)
    assert filled["datasets"]["diabetes"] == {
        "generator": "load_diabetes",
        "params": {"test_size": 0.3},
    }
    assert filled["datasets"]["other"] == {"generator": "load_other", "params": {}}
    assert dataset_names(filled) == ["toy", "diabetes", "other"]
    assert dataset_names(filled, "simulate") == ["toy"]
    assert dataset_names(filled, "load_diabetes") == ["diabetes"]


def _set(config, path, value):
    *parents, last = path
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return config


_DELETE = object()

# (key path to change, new value, words the message must contain)
MALFORMED = [
    (("models", "losses"), ["l2", "lasso"], ["models.losses[1]", "'lasso'", "l2, l1, huber"]),
    (("models", "penalties"), ["ridge"], ["models.penalties[0]", "none, l1, l2, elasticnet"]),
    (("models", "losses"), [], ["models.losses", "empty list", "l2, l1, huber"]),
    (("models", "losses"), ["l1", "l1"], ["models.losses", "'l1' is listed twice"]),
    (("sede",), 3, ["unknown key 'sede'", "seed, replicates, models, cv, datasets"]),
    (("datasets", "toy", "noize"), {}, ["unknown key 'datasets.toy.noize'", "noise"]),
    (("cv", "fold"), 3, ["unknown key 'cv.fold'", "folds, n_lams"]),
    (("seed",), "one", ["'seed'", "must be an integer"]),
    (("replicates",), 2.0, ["'replicates'", "must be an integer"]),
    (("replicates",), 0, ["'replicates'", ">= 1"]),
    (("models", "standardize"), "yes", ["models.standardize", "true or false"]),
    (("datasets", "toy", "n_train"), 1, ["datasets.toy.n_train", ">= 2"]),
    (("datasets", "toy", "p"), 0, ["datasets.toy.p", ">= 1"]),
    (("datasets", "toy", "design", "rho"), 1.0, ["datasets.toy.design.rho", ">= 0 and < 1"]),
    (("datasets", "toy", "design", "rho"), -0.1, ["datasets.toy.design.rho", ">= 0 and < 1"]),
    (("datasets", "toy", "design", "kind"), "ar1", ["datasets.toy.design.kind", "toeplitz"]),
    (("datasets", "toy", "noise", "df"), -1, ["datasets.toy.noise.df", "-1", "must be > 0"]),
    (("datasets", "toy", "noise", "snr"), 0, ["datasets.toy.noise.snr", "must be > 0"]),
    (("datasets", "toy", "noise", "family"), "normal", ["datasets.toy.noise.family", "laplace"]),
    (
        ("datasets", "toy", "noise", "contamination"),
        0.5,
        ["datasets.toy.noise.contamination", ">= 0 and < 0.5"],
    ),
    (("cv", "folds"), 1, ["cv.folds", ">= 2"]),
    (("cv", "folds"), 25, ["cv.folds", "<= n_train", "datasets.toy.n_train = 20"]),
    (("cv", "rule"), "2se", ["cv.rule", "min, 1se"]),
    (("cv", "criterion"), "r2", ["cv.criterion", "own_loss, mse, mae"]),
    (("cv", "l1_ratios"), [0.0, 0.5], ["cv.l1_ratios[0]", "> 0 and <= 1"]),
    (("cv", "eps"), 1.0, ["cv.eps", "> 0 and < 1"]),
    (("cv", "eps"), "1e-3", ["cv.eps", "must be a number", "1.0e-3"]),
    (("datasets",), {}, ["'datasets'", "at least one dataset"]),
    (("datasets",), None, ["'datasets'", "must be a mapping"]),
    (("datasets", "toy"), _DELETE, ["'datasets'", "at least one dataset"]),
    (("datasets", "bad-name"), {}, ["datasets.bad-name", "letters, digits and underscores"]),
    (("datasets", "toy", "coef", "n_nonzero"), 31, ["datasets.toy.coef.n_nonzero", "<= p (30)"]),
    (("datasets", "toy", "design", "group_size"), 40, ["datasets.toy.design.group_size", "<= p"]),
    (
        ("datasets", "toy", "design"),
        {"kind": "latent_groups", "group_size": 10, "n_groups": 4},
        ["datasets.toy.design.n_groups", "n_groups * group_size <= p"],
    ),
    (
        ("datasets", "real"),
        {"generator": "load_real", "n_train": 50},
        ["unknown key 'datasets.real.n_train'", "generator, params"],
    ),
    (("datasets", "real"), {"generator": "load-real"}, ["datasets.real.generator", "pattern"]),
]


@pytest.mark.parametrize(
    ("path", "value", "expected"), MALFORMED, ids=[".".join(case[0]) for case in MALFORMED]
)
def test_malformed_config_names_key_and_allowed_values(path, value, expected):
    config = _set(_minimal(), path, value)
    with pytest.raises(ConfigError) as info:
        validate_config(config, SCHEMA)
    message = str(info.value)
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message


def test_missing_datasets_key():
    with pytest.raises(ConfigError, match="'datasets' is missing"):
        validate_config({"seed": 2}, SCHEMA)


def test_config_must_be_a_mapping():
    with pytest.raises(ConfigError, match="must be a mapping"):
        validate_config(["datasets"], SCHEMA)


def test_group_size_is_not_checked_for_designs_without_groups():
    config = _set(_minimal(), ("datasets", "toy", "design"), {"kind": "toeplitz"})
    config["datasets"]["toy"]["p"] = 5
    config["datasets"]["toy"]["coef"] = {"n_nonzero": 5}
    assert validate_config(config, SCHEMA)["datasets"]["toy"]["design"]["group_size"] == 10


def test_load_yaml_refuses_duplicate_keys_with_path_and_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "seed: 1\n"
        "datasets:\n"
        "  toy:\n"
        "    noise: {family: gaussian}\n"
        "    p: 30\n"
        "    noise: {family: laplace}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    message = str(info.value)
    assert "duplicate key 'datasets.toy.noise'" in message
    assert "line 6" in message and "first given on line 4" in message
    assert str(path) in message


def test_load_yaml_reads_plain_yaml_and_reports_syntax_errors(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("a: [1, 2]\nb: {c: x}\nd:\n  - e: 1\n  - e: 1\n")
    assert load_yaml(good) == {"a": [1, 2], "b": {"c": "x"}, "d": [{"e": 1}, {"e": 1}]}
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_yaml(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_yaml(tmp_path / "absent.yaml")


def test_check_dataset_rules():
    config = validate_config(
        {"datasets": {"toy": {}, "real": {"generator": "load_real"}}},
        SCHEMA,
    )
    check_dataset_rules(config, ["simulate_dataset", "load_real"])
    with pytest.raises(ConfigError, match=r"datasets\.real\.generator.*'load_real'"):
        check_dataset_rules(config, ["simulate_dataset"])


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("datasets:\n  toy:\n    noise: {df: -1}\n", "datasets.toy.noise.df"),
        ("seed: 1\ndatasets:\n  toy: {}\nseed: 2\n", "duplicate key 'seed'"),
    ],
    ids=["out_of_range", "duplicate_key"],
)
def test_snakemake_stops_with_a_clean_message(tmp_path, text, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = subprocess.run(
        [snakemake_executable(), "-n", "--cores", "1", "-s", str(REPO / "Snakefile")]
        + ["--directory", str(tmp_path), "--configfile", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "normbench: " in output and expected in output
    assert "Traceback" not in output
    assert not (tmp_path / "results").exists()


def test_schema_defaults_match_the_simulator_defaults():
    from normbench.data.simulate import DEFAULT_PARAMS

    config = validate_config({"datasets": {"toy": {}}}, SCHEMA)
    assert config["datasets"]["toy"] == DEFAULT_PARAMS


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_user_dataset_rule_is_picked_up_without_ambiguity(tmp_path):
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(
        "replicates: 2\n"
        "cv: {folds: 3}\n"
        "datasets:\n"
        "  toy: {n_train: 30, p: 40}\n"
        "  diabetes: {generator: load_diabetes, params: {test_fraction: 0.25}}\n"
    )
    result = subprocess.run(
        [snakemake_executable(), "-n", "--cores", "1", "-s", str(REPO / "Snakefile")]
        + ["--directory", str(tmp_path), "--configfile", str(mixed)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, flags=re.MULTILINE))
    assert counts["load_diabetes"] == "2"
    assert counts["simulate_dataset"] == "2"
    assert counts["fit_models"] == "4"
    assert "results/datasets/diabetes/rep2.npz" in result.stdout


# ------------------------------------- explicit coefficients, noise sd, latent feature scale


def _toy_with(**sections):
    config = _minimal()
    config["datasets"]["toy"].update(sections)
    return config


def test_explicit_coefficients_take_no_drawn_defaults():
    values = [1.0] * 5 + [0.0] * 25
    filled = validate_config(_toy_with(coef={"values": values}), SCHEMA)
    assert filled["datasets"]["toy"]["coef"] == {"values": values}


def test_noise_sigma_replaces_snr_and_keeps_the_family_defaults():
    filled = validate_config(_toy_with(noise={"family": "student_t", "sigma": 2.5}), SCHEMA)
    noise = filled["datasets"]["toy"]["noise"]
    assert noise == {
        "family": "student_t",
        "sigma": 2.5,
        "df": 2.0,
        "skew": 1.0,
        "contamination": 0.1,
        "outlier_scale": 10.0,
    }


def test_both_noise_variants_accept_the_same_family_keys():
    defs = load_schema(SCHEMA)["$defs"]
    with_snr = set(defs["noise_with_snr"]["properties"])
    with_sigma = set(defs["noise_with_sigma"]["properties"])
    assert with_snr - {"snr"} == with_sigma - {"sigma"}
    for key in with_snr - {"snr"}:
        assert (
            defs["noise_with_snr"]["properties"][key] == defs["noise_with_sigma"]["properties"][key]
        )


def test_feature_scale_is_optional_and_kept_when_given():
    design = {"kind": "latent_groups", "group_size": 5, "n_groups": 3, "rho": 0.99}
    filled = validate_config(_toy_with(design=design), SCHEMA)
    assert "feature_scale" not in filled["datasets"]["toy"]["design"]
    design["feature_scale"] = "latent"
    filled = validate_config(_toy_with(design=design), SCHEMA)
    assert filled["datasets"]["toy"]["design"]["feature_scale"] == "latent"


def test_extended_entries_are_accepted_by_the_simulator():
    from normbench.data.simulate import simulate

    config = _toy_with(
        p=6,
        coef={"values": [1, 2, 0, 0, 0, -1]},
        noise={"sigma": 0.5},
        design={"kind": "block", "group_size": 3, "rho": 0.5, "feature_scale": "latent"},
    )
    entry = validate_config(config, SCHEMA)["datasets"]["toy"]
    out = simulate({**entry, "n_test": 3}, 0)
    assert out["coef"].tolist() == [1, 2, 0, 0, 0, -1]


EXTENDED_MALFORMED = [
    (
        {"coef": {"values": [1.0] * 30, "n_nonzero": 3}},
        ["'datasets.toy.coef.n_nonzero' cannot be combined with 'datasets.toy.coef.values'"],
    ),
    (
        {"coef": {"values": [1.0] * 30, "placement": "first"}},
        ["'datasets.toy.coef.placement' cannot be combined", "give one or the other"],
    ),
    (
        {"noise": {"sigma": 2.0, "snr": 3.0}},
        ["'datasets.toy.noise.snr' cannot be combined with 'datasets.toy.noise.sigma'"],
    ),
    ({"coef": {"values": [1.0] * 29}}, ["datasets.toy.coef.values", "29 values", "exactly p (30)"]),
    ({"coef": {"values": []}}, ["datasets.toy.coef.values", "empty list"]),
    ({"coef": {"values": [1.0] * 29 + ["x"]}}, ["datasets.toy.coef.values[29]", "a number"]),
    ({"coef": {"values": 3}}, ["datasets.toy.coef.values", "must be a list"]),
    ({"noise": {"sigma": 0}}, ["datasets.toy.noise.sigma", "must be > 0"]),
    ({"noise": {"sigma": 1.0, "sdd": 1}}, ["unknown key 'datasets.toy.noise.sdd'", "sigma"]),
    ({"design": {"feature_scale": "raw"}}, ["datasets.toy.design.feature_scale", "unit, latent"]),
    (
        {"design": {"kind": "toeplitz", "feature_scale": "latent"}},
        ["datasets.toy.design.feature_scale", "'toeplitz'", "block or latent_groups"],
    ),
    (
        {"design": {"kind": "block", "rho": 0, "feature_scale": "latent"}},
        ["datasets.toy.design.rho", "must be > 0"],
    ),
]


@pytest.mark.parametrize(
    ("sections", "expected"),
    EXTENDED_MALFORMED,
    ids=[str(index) for index in range(len(EXTENDED_MALFORMED))],
)
def test_extended_keys_are_checked_with_clear_messages(sections, expected):
    with pytest.raises(ConfigError) as info:
        validate_config(_toy_with(**sections), SCHEMA)
    message = str(info.value)
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message


@pytest.mark.parametrize(
    ("coef", "message"),
    [
        (
            {"beta_type": 2, "placement": "first"},
            r"'datasets\.toy\.coef\.placement' cannot be combined with "
            r"'datasets\.toy\.coef\.beta_type'",
        ),
        (
            {"beta_type": 4},
            r"'datasets\.toy\.coef\.beta_type': 4 is not allowed; allowed values: 1, 2, 3, 5",
        ),
        ({"beta_type": 1, "n_nonzero": 31}, r"'datasets\.toy\.coef\.n_nonzero': 31 .*<= p \(30\)"),
    ],
)
def test_beta_type_excludes_the_drawn_coefficient_keys(coef, message):
    config = _minimal()
    config["datasets"]["toy"]["coef"] = coef
    with pytest.raises(ConfigError, match=message):
        validate_config(config, SCHEMA)


def test_beta_type_keeps_n_nonzero_as_s():
    config = _minimal()
    config["datasets"]["toy"]["coef"] = {"beta_type": 5}
    assert validate_config(config, SCHEMA)["datasets"]["toy"]["coef"] == {
        "beta_type": 5,
        "n_nonzero": 10,
    }
