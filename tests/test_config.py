"""Tests of normbench.study.config: the schema, its defaults and the error messages users see."""

import copy
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from snakemake_cli import snakemake_executable

from normbench.study.config import (
    RESCALED_ELASTICNET,
    ConfigError,
    check_dataset_rules,
    dataset_names,
    load_schema,
    load_yaml,
    max_replicates,
    pilot_replicates,
    validate_config,
)
from normbench.vocab import LOSSES, PENALTIES, pair_key

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
    raw = load_yaml(REPO / "config" / name)
    config = validate_config(raw, SCHEMA)
    # every key the file sets, and every key the schema has a default for: nothing else
    properties = load_schema(SCHEMA)["properties"]
    defaulted = {key for key, spec in properties.items() if "default" in spec}
    assert set(config) == set(raw) | defaulted
    # the shipped studies fit the whole grid of the study's losses and penalties
    assert config["models"]["losses"] == list(LOSSES)
    assert config["models"]["penalties"] == list(PENALTIES)


def _one_line(path):
    """A document's text with its line breaks and runs of spaces as single spaces."""
    return " ".join((REPO / path).read_text(encoding="utf-8").split())


def _said(pattern, text, where):
    match = re.search(pattern, text)
    assert match, f"{where} no longer says {pattern!r}: update the test with the text"
    return match.groups()


def _simulated(config):
    return [entry for entry in config["datasets"].values() if entry["generator"] == "simulate"]


def test_the_readme_describes_the_default_study_as_config_yaml_runs_it():
    config = validate_config(load_yaml(REPO / "config" / "config.yaml"), SCHEMA)
    readme = _one_line("README.md")
    n, p, block, rho, nonzero = _said(
        r"default study \(`config/config.yaml`\) uses n = (\d+) training samples, p = (\d+) "
        r"correlated features \(blocks of (\d+), rho = ([\d.]+)\) and (\d+) true nonzero",
        readme,
        "README.md",
    )
    for entry in _simulated(config):
        assert (entry["n_train"], entry["p"]) == (int(n), int(p))
        assert (entry["design"]["group_size"], entry["design"]["rho"]) == (int(block), float(rho))
        assert entry["coef"]["n_nonzero"] == int(nonzero)
    snrs, scenarios = _said(
        r"three signal-to-noise ratios \(([^)]*)\): (\d+) scenarios", readme, "README.md"
    )
    assert len(config["datasets"]) == int(scenarios)
    assert sorted({entry["noise"]["snr"] for entry in _simulated(config)}) == [
        float(value) for value in snrs.split(",")
    ]
    low, high, pilot = _said(
        r"replicated (\d+) to (\d+) times with fresh data: a pilot of (\d+)", readme, "README.md"
    )
    assert pilot_replicates(config) == int(low) == int(pilot)
    assert max_replicates(config) == int(high)
    ours, schemas = _said(
        r"over `delta_factors` \(([\d., ]+) in `config/config.yaml`; the schema's default, for a "
        r"study file without the key, is ([\d., ]+):",
        readme,
        "README.md",
    )
    assert config["cv"]["delta_factors"] == [float(value) for value in ours.split(",")]
    default = load_schema(SCHEMA)["properties"]["cv"]["properties"]["delta_factors"]["default"]
    assert default == [float(value) for value in schemas.split(",")]
    # config/README.md names keys the default study sets itself, with their values
    guide = _one_line("config/README.md")
    (examples,) = _said(
        r"The default study, `config/config.yaml`, sets some keys itself \(e\.g\. (.*?)\), and",
        guide,
        "config/README.md",
    )
    named = re.findall(r"`([\w.]+): ([^`]+)`", examples)
    assert named
    for key, value in named:
        node = config
        for part in key.split("."):
            node = node[part]
        assert node == yaml.safe_load(value), key


def test_the_config_guide_describes_each_shipped_study_as_it_is():
    guide = _one_line("config/README.md")
    default = validate_config(load_yaml(REPO / "config" / "config.yaml"), SCHEMA)
    families, snrs, datasets, n, p, low, high = _said(
        r"\| `config.yaml` \| the default study: (\d+) noise families × (\d+) SNRs \((\d+) "
        r"datasets\), n = (\d+), p = (\d+), (\d+) to (\d+) replicates",
        guide,
        "config/README.md",
    )
    assert len({entry["noise"]["family"] for entry in _simulated(default)}) == int(families)
    assert len({entry["noise"]["snr"] for entry in _simulated(default)}) == int(snrs)
    assert len(default["datasets"]) == int(datasets)
    assert {(entry["n_train"], entry["p"]) for entry in _simulated(default)} == {(int(n), int(p))}
    assert (pilot_replicates(default), max_replicates(default)) == (int(low), int(high))

    quick = validate_config(load_yaml(REPO / "config" / "quick.yaml"), SCHEMA)
    n, p, replicates, wide = _said(
        r"\| `quick.yaml` \| the same scenarios, small \(n = (\d+), p = (\d+), (\d+) "
        r"replicates\), and a semi-synthetic dataset \(real rows widened to p = (\d+)\)",
        guide,
        "config/README.md",
    )
    # the same noise families as the default study, on smaller data
    assert {entry["noise"]["family"] for entry in _simulated(quick)} == {
        entry["noise"]["family"] for entry in _simulated(default)
    }
    assert {(entry["n_train"], entry["p"]) for entry in _simulated(quick)} == {(int(n), int(p))}
    assert max_replicates(quick) == int(replicates)
    semisynthetic = [
        entry for entry in quick["datasets"].values() if entry["generator"] == "semisynthetic"
    ]
    assert [entry["params"]["p"] for entry in semisynthetic] == [int(wide)]

    test = load_yaml(REPO / "config" / "test.yaml")
    plain, values, replicates = _said(
        r"\| `test.yaml` \| tiny, (\d+) datasets and a (\d+)-value sweep × (\d+) replicates",
        guide,
        "config/README.md",
    )
    sweeps = [entry["sweep"] for entry in test["datasets"].values() if "sweep" in entry]
    assert len(test["datasets"]) - len(sweeps) == int(plain)
    assert [len(sweep["values"]) for sweep in sweeps] == [int(values)]
    assert test["replicates"] == int(replicates)


def _fit_work(config):
    """Training rows x features x lam values x folds x replicates, summed over the simulated
    datasets: what a study's fitting costs, up to a constant."""
    cv = config["cv"]
    return sum(
        entry["n_train"] * entry["p"] * cv["n_lams"] * cv["folds"] * max_replicates(config)
        for entry in _simulated(config)
    )


def test_the_test_study_is_smaller_than_the_quick_one_smaller_than_the_default():
    work = {
        name: _fit_work(validate_config(load_yaml(REPO / "config" / name), SCHEMA))
        for name in CONFIGS
    }
    assert work["test.yaml"] < work["quick.yaml"] < work["config.yaml"]
    # what the end-to-end test runs must cover a sweep and a noise the robust losses are for
    test = validate_config(load_yaml(REPO / "config" / "test.yaml"), SCHEMA)
    assert any("sweep" in entry for entry in test["datasets"].values())
    assert {entry["noise"]["family"] for entry in _simulated(test)} - {"gaussian"}


def _resolve(schema, node):
    """``node`` with its ``$ref`` (``#/$defs/...``) merged in, its own keys winning."""
    while "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return node


def _schema_defaults(schema, node, given, filled, path=()):
    """(key path, schema default) of every key ``given`` leaves out, at every level of ``node``
    that applies to ``filled`` (an ``if`` picks its ``then`` or ``else`` as the validator does)."""
    node = _resolve(schema, node)
    if "if" in node:
        branch = "then" if jsonschema.Draft202012Validator(node["if"]).is_valid(filled) else "else"
        yield from _schema_defaults(schema, node.get(branch, {}), given, filled, path)
    for key, spec in node.get("properties", {}).items():
        spec = _resolve(schema, spec)
        inner = given.get(key) if isinstance(given, dict) else None
        if isinstance(filled.get(key), dict) and key != "params":
            yield from _schema_defaults(schema, spec, inner or {}, filled[key], (*path, key))
        elif "default" in spec and inner is None:
            yield (*path, key), spec["default"]
    for key, value in filled.items():
        spec = node.get("additionalProperties")
        if (
            isinstance(spec, dict)
            and isinstance(value, dict)
            and key not in node.get("properties", {})
        ):
            inner = given.get(key, {}) if isinstance(given, dict) else {}
            yield from _schema_defaults(schema, spec, inner, value, (*path, key))


def test_defaults_are_filled_at_every_level():
    schema = load_schema(SCHEMA)
    given = _minimal()
    config = validate_config(copy.deepcopy(given), SCHEMA)
    defaults = dict(_schema_defaults(schema, schema, given, config))
    for path, default in defaults.items():
        value = config
        for part in path:
            value = value[part]
        assert value == default, path
    # the walk reached every level: top, models, cv, and the dataset's design, coef and noise
    levels = {path[:-1] for path in defaults}
    for level in [(), ("models",), ("cv",), ("limits",)]:
        assert level in levels, level
    for part in ("design", "coef", "noise"):
        assert ("datasets", "toy", part) in levels, part
    toy = config["datasets"]["toy"]
    assert (toy["n_train"], toy["p"]) == (20, 30)  # given values kept


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
    (("models", "losses"), ["l2", "lasso"], ["models.losses[1]", "'lasso'", ", ".join(LOSSES)]),
    (("models", "penalties"), ["ridge"], ["models.penalties[0]", ", ".join(PENALTIES)]),
    (("models", "losses"), [], ["models.losses", "empty list", ", ".join(LOSSES)]),
    (("models", "losses"), ["l1", "l1"], ["models.losses", "'l1' is listed twice"]),
    (
        ("sede",),
        3,
        ["unknown key 'sede'", "seed, replicates, replicates_per_job, models, cv, datasets"],
    ),
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


def test_check_dataset_rules_names_each_missing_output():
    config = validate_config(
        {"datasets": {"toy": {}, "real": {"generator": "load_real"}}},
        SCHEMA,
    )
    required = {"npz": "d/{dataset}/rep{replicate}.npz", "json": "d/{dataset}/rep{replicate}.json"}
    complete = {"load_real": list(required.values()), "fit_models": ["f.csv"]}
    check_dataset_rules(config, complete, required)
    for key, pattern in required.items():
        rules = {
            **complete,
            "load_real": [other for other in required.values() if other != pattern],
        }
        with pytest.raises(ConfigError) as info:
            check_dataset_rules(config, rules, required)
        message = str(info.value)
        assert message.startswith("dataset rule 'load_real' (the generator of dataset 'real')")
        assert f"does not write {pattern} (add `{key}=DATASET_{key.upper()}`" in message
    with pytest.raises(ConfigError, match=r"does not write d/.*\.npz .*; d/.*\.json"):
        check_dataset_rules(config, {"load_real": []}, required)
    # a generator without any rule of that name: the rules that do write both are listed
    with pytest.raises(ConfigError, match=r"'load_real' is not allowed.*\(rules: other\)"):
        check_dataset_rules(config, {"other": list(required.values())}, required)


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("datasets:\n  toy:\n    noise: {df: -1}\n", "datasets.toy.noise.df"),
        ("seed: 1\ndatasets:\n  toy: {}\nseed: 2\n", "duplicate key 'seed'"),
        ("cv: {eps: .nan}\ndatasets:\n  toy: {}\n", "'cv.eps': .nan is not allowed"),
        ("datasets:\n  1: {}\n", "'datasets.1': YAML reads the dataset name 1 as a number"),
        ("datasets:\n  run_00000000000000000000: {}\n", "PeriodicWildcardError"),
        ("datasets:\n  toy: {p: 1000000000}\n", "limit of p = 100000"),
        (
            "datasets:\n  toy: {generator: simulate_dataset}\n",
            "rules: load_diabetes, poly_cancer, semisynthetic)",
        ),
    ],
    ids=[
        "out_of_range",
        "duplicate_key",
        "nan",
        "integer_name",
        "periodic_name",
        "too_large",
        "simulator_rule_is_no_generator",
    ],
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
    assert counts["simulate_dataset"] == "1"  # every replicate of a simulated dataset at once
    assert counts["fit_models"] == "2"  # one per dataset: both replicates in one batch
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


def test_the_schema_spells_the_vocabulary():
    # The schema is a static file, read as it is by the loader and shown to users in its error
    # messages, so it repeats the vocabulary's names (normbench.vocab); this keeps them the same.
    schema = load_schema(SCHEMA)
    models = schema["properties"]["models"]["properties"]
    for key, names in (("losses", LOSSES), ("penalties", PENALTIES)):
        assert models[key]["items"]["enum"] == list(names), key
        assert models[key]["default"] == list(names), key
    # a pair of the results: every loss with every penalty, and the rescaled elastic net
    penalties = (*PENALTIES, RESCALED_ELASTICNET)
    pair_name = jsonschema.validators.validator_for(schema)(schema["$defs"]["pair_name"])
    words = {*LOSSES, *penalties, "L2", "ridge"}
    candidates = {f"{a}{sep}{b}" for a in words for b in words for sep in ("+", "-", "", "++")}
    candidates |= {f"{key}{extra}" for key in list(candidates) for extra in (" ", "+", "+l1")}
    candidates |= {f" {key}" for key in list(candidates)}
    accepted = {name for name in candidates if pair_name.is_valid(name)}
    assert accepted == {pair_key(loss, penalty) for loss in LOSSES for penalty in penalties}


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


# --------------------------------------------- issue 15: NaN and infinity, limits, names, YAML


def _numeric_key_paths(schema, node=None, where=()):
    """Every key path of the schema where a number is allowed (lists as their first item)."""
    node = schema if node is None else node
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    found = []
    if node.get("type") in ("integer", "number"):
        found.append(where)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        found += _numeric_key_paths(schema, node["items"], (*where, 0))
    for key, child in node.get("properties", {}).items():
        found += _numeric_key_paths(schema, child, (*where, key))
    for branch in ("then", "else"):
        if branch in node:
            found += _numeric_key_paths(schema, node[branch], where)
    if isinstance(node.get("additionalProperties"), dict):
        name = "toy" if where == ("datasets",) else "x"
        found += _numeric_key_paths(schema, node["additionalProperties"], (*where, name))
    return list(dict.fromkeys(found))


NUMERIC_KEYS = _numeric_key_paths(load_schema(SCHEMA))


def _set_path(config, path, value):
    node = config
    for key, following in zip(path[:-1], path[1:], strict=True):
        if isinstance(node, list):
            node = node[key]
            continue
        default = [{}] if isinstance(following, int) else {}
        if not isinstance(node.get(key), dict | list):
            node[key] = default
        node = node[key]
    if isinstance(node, list):
        node[path[-1]] = value
    else:
        node[path[-1]] = value
    return config


def _key_text(path):
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]


def test_every_numeric_key_of_the_schema_is_covered():
    # The walk must reach the nested and variant keys the issue found unchecked.
    texts = {_key_text(path) for path in NUMERIC_KEYS}
    for expected in (
        "seed",
        "cv.eps",
        "cv.huber_multiplier",
        "cv.l1_ratios[0]",
        "datasets.toy.noise.snr",
        "datasets.toy.noise.sigma",
        "datasets.toy.noise.df",
        "datasets.toy.design.rho",
        "datasets.toy.coef.amplitude",
        "datasets.toy.coef.values[0]",
        "datasets.toy.sweep.value",
        "limits.p",
        "published[0].values.x.x",
    ):
        assert expected in texts


@pytest.mark.parametrize("spelled", [".nan", ".inf", "-.inf"])
@pytest.mark.parametrize("path", NUMERIC_KEYS, ids=_key_text)
def test_nan_and_infinity_are_refused_at_every_numeric_key(path, spelled):
    value = {".nan": math.nan, ".inf": math.inf, "-.inf": -math.inf}[spelled]
    config = _set_path(_minimal(), path, value)
    with pytest.raises(ConfigError) as info:
        validate_config(config, SCHEMA)
    message = str(info.value)
    assert f"config key '{_key_text(path)}': {spelled} is not allowed" in message
    assert "must be finite" in message


def test_nan_in_a_sweep_and_in_yaml_text_is_refused(tmp_path):
    path = tmp_path / "nan.yaml"
    path.write_text("datasets:\n  s:\n    sweep: {param: noise.snr, values: [1.0, .nan]}\n")
    with pytest.raises(ConfigError, match=r"datasets\.s\.sweep\.values\[1\]': \.nan"):
        validate_config(load_yaml(path), SCHEMA)


def test_users_free_form_params_may_hold_any_number():
    config = {"datasets": {"real": {"generator": "load_real", "params": {"clip": math.inf}}}}
    assert validate_config(config, SCHEMA)["datasets"]["real"]["params"]["clip"] == math.inf


# (key path, value over the default limit, the limit's key, words of the reason)
OVER_LIMITS = [
    (("replicates",), 100_000, "replicates", "fit job"),
    (("datasets", "toy", "p"), 1_000_000_000, "p", "memory"),
    (("datasets", "toy", "n_train"), 100_000_000, "n_train", "memory"),
    (("datasets", "toy", "n_test"), 100_000_000, "n_test", "memory"),
    (("cv", "n_lams"), 1_000_000_000, "n_lams", "lam grid"),
    (("cv", "folds"), 200, "folds", "once per fold"),
    (("cv", "l1_ratios"), [k / 100 for k in range(1, 101)], "l1_ratios", "per l1_ratio"),
]


@pytest.mark.parametrize(
    ("path", "value", "limit", "why"), OVER_LIMITS, ids=[case[2] for case in OVER_LIMITS]
)
def test_sizes_above_the_limits_are_refused_and_the_limit_can_be_lifted(
    path, value, limit, why, monkeypatch
):
    # on a machine large enough (the hard ceilings of tests/test_readers.py stay out of the way)
    monkeypatch.setenv("NORMBENCH_MEMORY_GIB", "1e12")
    config = _set(_minimal(), path, value)
    config["datasets"]["toy"]["n_train"] = max(config["datasets"]["toy"]["n_train"], 300)
    with pytest.raises(ConfigError) as info:
        validate_config(config, SCHEMA)
    message = str(info.value)
    assert f"config key '{'.'.join(path)}'" in message and f"limit of {limit} = " in message
    assert why in message and "limits" in message and "config/README.md" in message
    # Lifting the limit on purpose (in the config or with --config) lets it through.
    lifted = {
        limit: value if isinstance(value, int) else len(value),
        "dataset_gib": 1.0e9,
        "jobs": 10**9,
    }
    if limit in ("p", "n_train", "n_test"):
        lifted.update(p=10**10, n_train=10**10, n_test=10**10)
    validate_config({**config, "limits": lifted}, SCHEMA)


def test_memory_jobs_datasets_and_sweep_lengths_have_limits():
    wide = _set(_minimal(), ("datasets", "toy"), {"n_train": 20_000, "n_test": 20_000, "p": 30_000})
    with pytest.raises(ConfigError, match=r"dataset_gib = 2\.0 GiB.*8\.9 GiB per replicate"):
        validate_config(wide, SCHEMA)
    # the fit jobs Snakemake runs: datasets x batches of replicates_per_job
    datasets = {f"d{k}": {"n_train": 20, "p": 30} for k in range(30)}
    many = {"replicates": 900, "replicates_per_job": 1, "datasets": datasets}
    with pytest.raises(ConfigError, match=r"limit of jobs = 20000.*27000 fit jobs"):
        validate_config(many, SCHEMA)
    validate_config({**many, "replicates_per_job": 10}, SCHEMA)  # 2700 jobs: within
    sweep = _set(
        _minimal(), ("datasets", "toy", "sweep"), {"param": "p", "values": list(range(20, 221))}
    )
    with pytest.raises(
        ConfigError, match=r"datasets\.toy\.sweep\.values.*201 values.*sweep_values"
    ):
        validate_config(sweep, SCHEMA)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (1, ["datasets.1", "as a number, not text", "quote it ('1')"]),
        (True, ["as true or false"]),
        ("a" * 101, ["101 characters", "at most 100"]),
        ("run_00000000000000000000", ["'0' repeated 20 times", "PeriodicWildcardError"]),
        ("ab" * 20, ["'ab' repeated 20 times"]),
    ],
    ids=["integer", "boolean", "too_long", "periodic", "periodic_pair"],
)
def test_unsafe_dataset_names_are_refused_with_the_reason(name, expected):
    with pytest.raises(ConfigError) as info:
        validate_config({"datasets": {name: {"n_train": 20, "p": 30}}}, SCHEMA)
    for fragment in expected:
        assert fragment in str(info.value)


def test_names_made_by_a_sweep_are_checked_too():
    name = "a_long_sweep_name_" * 5 + "abc"  # 93 characters, then __snr_1p0
    config = {"datasets": {name: {"sweep": {"param": "noise.snr", "values": [1.0]}}}}
    with pytest.raises(ConfigError, match="at most 100"):
        validate_config(config, SCHEMA)


def test_yaml_syntax_errors_name_file_line_and_column(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("seed: 1\ndatasets:\n  toy: {p: 3\n  bad: [\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(broken)
    assert f"config file '{broken}', line 4, column 6 is not valid YAML" in str(info.value)


def test_check_config_command_reads_files_as_the_workflow_does(tmp_path, capsys):
    from normbench.study.check_config import main

    broken = tmp_path / "broken.yaml"
    broken.write_text("datasets:\n  toy:\n    p: 3\n   n_train: 4\n")
    assert main([str(broken)]) == 1
    assert "line 4, column" in capsys.readouterr().err
    assert main([str(REPO / "config" / "test.yaml")]) == 0
    assert "4 dataset(s) x 2 replicate(s)" in capsys.readouterr().out


@pytest.mark.skipif(snakemake_executable() is None, reason="snakemake is not installed")
def test_snakemake_reports_a_broken_default_config_with_line_and_column(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for part in ("Snakefile", "workflow", "config"):
        source = REPO / part
        copy_tree = shutil.copytree if source.is_dir() else shutil.copy
        copy_tree(source, checkout / part)
    (checkout / "config" / "config.yaml").write_text("seed: 1\ndatasets:\n  toy: {p: 3\n")
    result = subprocess.run(
        [snakemake_executable(), "-n", "--cores", "1", "-s", str(checkout / "Snakefile")]
        + ["--directory", str(checkout)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config/config.yaml', line 4, column 1 is not valid YAML" in output
    assert "Traceback" not in output


def test_limits_given_on_the_command_line_are_read_as_numbers():
    # Snakemake's --config "limits={p: 200000}" hands nested values over as text.
    config = _set(_minimal(), ("datasets", "toy", "p"), 150_000)
    config["limits"] = {"p": "200000", "dataset_gib": "40.0"}
    assert validate_config(config, SCHEMA)["limits"]["p"] == 200_000
    config["limits"] = {"p": "lots"}
    with pytest.raises(
        ConfigError, match=r"'limits\.p': 'lots' is not allowed; must be an integer"
    ):
        validate_config(config, SCHEMA)


# ------------------------------------------------------------- planned replicates


def test_replicates_may_be_a_plan_with_defaults():
    from normbench.study.config import (
        DEFAULT_MCSE,
        ReplicatePlan,
        max_replicates,
        pilot_replicates,
        replicate_plan,
    )

    fixed = validate_config(_minimal(), SCHEMA)
    assert replicate_plan(fixed) is None
    assert pilot_replicates(fixed) == max_replicates(fixed) == fixed["replicates"] == 10
    planned = validate_config({**_minimal(), "replicates": {}}, SCHEMA)
    assert planned["replicates"] == {"pilot": 10, "max": 40, "mcse": DEFAULT_MCSE}
    assert replicate_plan(planned) == ReplicatePlan(pilot=10, max=40, mcse=0.1)
    assert (pilot_replicates(planned), max_replicates(planned)) == (10, 40)
    stein = validate_config({**_minimal(), "replicates": {"pilot": 5, "half_width": 0.2}}, SCHEMA)
    assert replicate_plan(stein) == ReplicatePlan(pilot=5, max=40, half_width=0.2)


PLAN_ERRORS = [
    ({"pilot": 1}, ["'replicates.pilot'", ">= 2"]),
    ({"mcse": 0}, ["'replicates.mcse'", "> 0"]),
    ({"maximum": 30}, ["unknown key 'replicates.maximum'", "pilot, mcse, half_width, max"]),
    ({"max": 30.0}, ["'replicates.max'", "must be an integer"]),
    ({"pilot": 10, "max": 8}, ["'replicates.max'", "8", "at least the pilot (10"]),
    ({"mcse": 0.1, "half_width": 0.2}, ["'replicates'", "mcse or half_width, not both"]),
    ("ten", ["'replicates'", "must be an integer"]),
]


@pytest.mark.parametrize(("value", "words"), PLAN_ERRORS)
def test_a_bad_plan_is_refused_naming_its_key(value, words):
    with pytest.raises(ConfigError) as info:
        validate_config({**_minimal(), "replicates": value}, SCHEMA)
    for word in words:
        assert word in str(info.value)


def test_a_plan_needs_a_primary_contrast_and_counts_its_max_against_the_limits():
    no_contrast = {**_minimal(), "replicates": {}, "models": {"penalties": ["none", "l2"]}}
    with pytest.raises(ConfigError, match="'replicates': a plan is made for the primary"):
        validate_config(no_contrast, SCHEMA)
    many = {
        "replicates": {"pilot": 10, "max": 900},
        "replicates_per_job": 1,
        "datasets": {f"d{k}": {"n_train": 20, "p": 30} for k in range(30)},
    }
    with pytest.raises(ConfigError, match=r"'replicates\.max'.*limit of jobs = 20000.*27000"):
        validate_config(many, SCHEMA)
    with pytest.raises(ConfigError, match=r"'replicates\.max': 5000 .*limit of replicates"):
        validate_config({**_minimal(), "replicates": {"max": 5000}}, SCHEMA)


def test_a_plan_counts_its_fit_jobs_as_they_run_pilot_and_extra_replicates_apart():
    # max 20 at 10 per job would be 2 batches; a plan of pilot 5 runs 1-5, then 6-15 and 16-20
    planned = {
        **_minimal(),
        "replicates": {"pilot": 5, "max": 20},
        "replicates_per_job": 10,
        "limits": {"jobs": 2},
    }
    with pytest.raises(ConfigError, match=r"limit of jobs = 2.*1 datasets x 3 batches"):
        validate_config(planned, SCHEMA)
    validate_config({**planned, "limits": {"jobs": 3}}, SCHEMA)
    validate_config({**planned, "replicates": 20}, SCHEMA)  # a fixed design: 2 batches


def test_check_config_command_describes_a_plan(tmp_path, capsys):
    from normbench.study.check_config import main

    path = tmp_path / "planned.yaml"
    path.write_text("replicates: {pilot: 5, max: 20}\ndatasets:\n  toy: {n_train: 20, p: 30}\n")
    assert main([str(path)]) == 0
    assert "1 dataset(s) x 5 to 20 replicate(s), planned from a pilot (target MCSE 0.1)" in (
        capsys.readouterr().out
    )
