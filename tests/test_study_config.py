"""One config owner: the package's schema states every default once; the typed study is frozen."""

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from normbench.study.config import (
    SCHEMA_PATH,
    ReplicatePlan,
    StudyConfig,
    load_schema,
    load_study_config,
    validate_config,
)

REPO = Path(__file__).resolve().parents[1]


def _readme_config():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", text, re.S).group(1))


def test_the_readme_example_is_valid_and_every_default_comes_from_the_schema(tmp_path):
    raw = _readme_config()
    path = tmp_path / "readme.yaml"
    path.write_text(yaml.safe_dump(raw))
    study = load_study_config(path)
    assert isinstance(study, StudyConfig)
    assert study.seed == raw["seed"] and isinstance(study.replicates, ReplicatePlan)
    plan = raw["replicates"]
    assert (study.replicates.pilot, study.replicates.max) == (plan["pilot"], plan["max"])
    properties = load_schema(SCHEMA_PATH)["properties"]
    validated = study.as_dict()
    # a key the example leaves out holds the schema's default, read from the schema alone
    for key, spec in properties.items():
        if key in raw or "default" not in spec:
            continue
        default = spec["default"]
        if isinstance(default, dict):
            for inner, inner_spec in spec.get("properties", {}).items():
                if "default" in inner_spec:
                    assert validated[key][inner] == inner_spec["default"], (key, inner)
        else:
            assert validated[key] == default, key
    assert study.cv["delta_factors"] == properties["cv"]["properties"]["delta_factors"]["default"]


def test_the_study_is_frozen_and_typed():
    study = load_study_config(REPO / "config" / "config.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        study.seed = 2
    with pytest.raises(TypeError):
        study.cv["folds"] = 3  # a read-only view
    raw = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert study.losses == tuple(raw["models"]["losses"])
    assert study.as_dict() == validate_config(
        yaml.safe_load((REPO / "config/config.yaml").read_text())
    )


def test_the_workflow_links_to_the_packaged_schema_and_nothing_else_reads_yaml():
    linked = REPO / "workflow" / "schemas" / "config.schema.yaml"
    assert linked.resolve() == SCHEMA_PATH.resolve()
    readers = [
        path
        for path in (REPO / "src" / "normbench").rglob("*.py")
        if "yaml.safe_load" in path.read_text(encoding="utf-8") and path.name != "config.py"
    ]
    assert readers == []
    # the schema travels with the package, not with a checkout
    assert SCHEMA_PATH.parent == REPO / "src" / "normbench" / "study"
