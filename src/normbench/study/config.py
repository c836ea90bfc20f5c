"""Load and validate a study configuration.

The workflow checks its configuration once, before any job runs, so that a
misspelled key or an out-of-range value stops the study with one readable
sentence instead of a traceback from a job hours later.  The JSON schema
``config.schema.yaml`` beside this module (linked from ``workflow/schemas/``) carries the
shape, the allowed values and the defaults; this module adds what a schema cannot say
(relations between keys, such as ``coef.n_nonzero <= p``) and turns validation errors into messages
that name the offending key path and what would be accepted.
"""

import copy
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from normbench.study.config_checks import (
    RESCALED_ELASTICNET,
    SIMULATE,
    ConfigError,
    check_dataset_names,
    check_dataset_rules,
    check_finite,
    check_limits,
    check_published,
    check_relations,
    check_sweep_lengths,
    limits_from_command_line,
    study_penalties,
)
from normbench.study.config_checks import key_path as _key_path

__all__ = [
    "DEFAULT_MCSE",
    "RESCALED_ELASTICNET",
    "ConfigError",
    "ReplicatePlan",
    "SCHEMA_PATH",
    "StudyConfig",
    "check_dataset_rules",
    "dataset_names",
    "load_schema",
    "load_study_config",
    "load_yaml",
    "max_replicates",
    "merge_config",
    "pilot_replicates",
    "replicate_plan",
    "sweep_dataset_name",
    "sweeps",
    "study_config",
    "study_penalties",
    "validate_config",
]

#: Joins a sweep's name to the swept parameter and value in the names of its datasets.
SWEEP_SEPARATOR = "__"

_TYPE_PHRASES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "empty",
}

# YAML 1.1 (what PyYAML and Snakemake read) needs a dot in a float with an exponent: 1e-3 is text.
_EXPONENT_WITHOUT_DOT = re.compile(r"^[-+]?\d+[eE][-+]?\d+$")

# Keys of a simulated dataset that replace others (the schema picks its variant by the key):
# `coef.values` replaces the drawn coefficients, `coef.beta_type` their placement and size,
# `noise.sigma` the signal-to-noise ratio.
_REPLACES = {
    "values": ("n_nonzero", "placement", "amplitude", "signs", "beta_type"),
    "beta_type": ("placement", "amplitude", "signs"),
    "sigma": ("snr",),
}


# --------------------------------------------------------------------------- YAML


def load_yaml(path: str | PathLike) -> Any:
    """Read a YAML file, refusing duplicated keys.

    PyYAML silently keeps the last of two equal keys in a mapping, so a pasted
    block can override a setting without anyone noticing; this reader refuses
    the file instead.

    Parameters
    ----------
    path : str or path-like
        The YAML file.

    Returns
    -------
    object
        The parsed document (``None`` for an empty file).

    Raises
    ------
    ConfigError
        If the file cannot be read, is not valid YAML, or a mapping repeats a
        key; the message names the file, the key path and the lines.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read config file '{path}': {err.strerror}.") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_duplicate_keys(node, (), path)
        return loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = ": ".join(str(part) for part in (err.context, err.problem) if part)
        raise ConfigError(f"config file '{path}'{where} is not valid YAML: {problem}.") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"config file '{path}' is not valid YAML: {_one_line(err)}") from None
    finally:
        loader.dispose()


def _refuse_duplicate_keys(node: yaml.Node, where: tuple, path: Path) -> None:
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _refuse_duplicate_keys(item, (*where, index), path)
    elif isinstance(node, yaml.MappingNode):
        first_line = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            # Compare resolved tag and text, so `1` and `"1"` stay different keys.
            identity = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if identity in first_line:
                raise ConfigError(
                    f"config file '{path}', line {line}: duplicate key "
                    f"'{_key_path((*where, key_node.value))}' (first given on line "
                    f"{first_line[identity]}); a key may appear only once in a mapping."
                )
            first_line[identity] = line
            _refuse_duplicate_keys(value_node, (*where, key_node.value), path)


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


# ------------------------------------------------------------------------- schema


def load_schema(path: str | PathLike) -> dict:
    """Read the config JSON schema (written in YAML) and check it is a valid schema.

    Parameters
    ----------
    path : str or path-like
        Usually :data:`SCHEMA_PATH`.

    Returns
    -------
    dict
        The schema.

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed.
    jsonschema.exceptions.SchemaError
        If the file is not a valid JSON schema (a bug in the schema, not in the user's config).
    """
    schema = load_yaml(path)
    if not isinstance(schema, dict):
        raise ConfigError(f"schema file '{path}' does not hold a mapping.")
    jsonschema.validators.validator_for(schema).check_schema(schema)
    return schema


def _is_strict_integer(checker, instance) -> bool:
    # jsonschema accepts 5.0 as an integer; the code downstream needs a real int.
    return isinstance(instance, int) and not isinstance(instance, bool)


def _defaults_filling_validator(schema: Mapping) -> type:
    base = jsonschema.validators.validator_for(schema)
    check_properties = base.VALIDATORS["properties"]

    def fill_defaults_then_check(validator, properties, instance, subschema):
        # Filling before descending means an absent object gets its default ({}) and then, on
        # the way down, the defaults of its own keys: nested defaults are filled too.
        if validator.is_type(instance, "object"):
            for name, property_schema in properties.items():
                if name not in instance and "default" in property_schema:
                    instance[name] = copy.deepcopy(property_schema["default"])
        yield from check_properties(validator, properties, instance, subschema)

    return jsonschema.validators.extend(
        base,
        validators={"properties": fill_defaults_then_check},
        type_checker=base.TYPE_CHECKER.redefine("integer", _is_strict_integer),
    )


#: The config schema, shipped with the package (``workflow/schemas/config.schema.yaml`` is a
#: link to it): the one place every key's allowed values and default are stated.
SCHEMA_PATH = Path(__file__).with_name("config.schema.yaml")


def validate_config(config: Mapping, schema_path: str | PathLike = SCHEMA_PATH) -> dict:
    """Validate a study configuration and fill in its defaults.

    Parameters
    ----------
    config : mapping
        The configuration as read from YAML (for instance Snakemake's ``config``).
        It is not modified.
    schema_path : str or path-like
        The JSON schema; by default the package's own (:data:`SCHEMA_PATH`).

    Returns
    -------
    dict
        A new configuration with every default filled in, including the
        defaults inside optional sections that were left out entirely.

    Raises
    ------
    ConfigError
        On the first problem found, naming the key path and what is allowed. Beyond
        the schema (:mod:`normbench.study.config_checks`): NaN and infinity anywhere but
        in users' ``params``; unsafe dataset names; studies above the ``limits``; for
        simulated datasets ``coef.n_nonzero <= p`` (or exactly p ``coef.values``),
        ``design.group_size <= p``, ``n_groups * group_size <= p``, ``feature_scale:
        latent`` only with a latent factor and ``rho > 0``; ``cv.folds <= n_train``; and for
        planned replicates ``pilot <= max``, ``mcse`` or ``half_width`` (not both; ``mcse``
        :data:`DEFAULT_MCSE` without either) and a primary contrast in the model grid.
    """
    if not isinstance(config, Mapping):
        raise ConfigError(
            f"a config must be a mapping of keys to values, not {type(config).__name__}."
        )
    schema = load_schema(schema_path)
    config = limits_from_command_line(_plain(config))
    check_finite(config)
    check_dataset_names(config.get("datasets"))
    filled = copy.deepcopy(_plain(config))
    validator = _defaults_filling_validator(schema)(schema)
    error = next(iter(validator.iter_errors(filled)), None)
    if error is not None:
        raise ConfigError(_describe(error))
    check_sweep_lengths(filled, filled["limits"])
    expanded = _expand_sweeps(_plain(config), schema)
    if expanded is not None:
        # Validate the concrete datasets again from the user's entries (not the filled ones), so
        # that sweeping noise.sigma does not collide with the default noise.snr.
        filled = copy.deepcopy(expanded)
        error = next(iter(validator.iter_errors(filled)), None)
        if error is not None:
            raise ConfigError(_describe(error) + _sweep_origin(error, filled))
    # Names made by sweeps (name__param_value) must be as safe as the names users write.
    check_dataset_names(filled["datasets"])
    _check_replicate_plan(filled)
    _check_limits(filled)
    check_relations(filled)
    check_published(filled)
    return filled


# ------------------------------------------------------------- planned replicates

#: The target Monte Carlo standard error of a plan that gives neither mcse nor half_width.
DEFAULT_MCSE = 0.1


@dataclass(frozen=True)
class ReplicatePlan:
    """The config's ``replicates`` when it is a plan (docs/design.md, "Planned replicates").

    Attributes
    ----------
    pilot : int
        Replicates every dataset runs first.
    max : int
        Replicates no dataset goes beyond.
    mcse : float or None
        Target Monte Carlo standard error of a primary contrast's mean log ratio.
    half_width : float or None
        Target half-width of its 95 % t interval, instead of ``mcse``.
    """

    pilot: int
    max: int
    mcse: float | None = None
    half_width: float | None = None


def replicate_plan(config: Mapping) -> ReplicatePlan | None:
    """The plan of a validated config's ``replicates``; None for a fixed number."""
    value = config["replicates"]
    if not isinstance(value, Mapping):
        return None
    return ReplicatePlan(
        pilot=value["pilot"],
        max=value["max"],
        mcse=value.get("mcse"),
        half_width=value.get("half_width"),
    )


def pilot_replicates(config: Mapping) -> int:
    """Replicates every dataset runs before any plan: the pilot's, or the fixed number."""
    plan = replicate_plan(config)
    return config["replicates"] if plan is None else plan.pilot


def max_replicates(config: Mapping) -> int:
    """Replicates a dataset may run at most: the plan's ``max``, or the fixed number."""
    plan = replicate_plan(config)
    return config["replicates"] if plan is None else plan.max


def _check_replicate_plan(config: dict) -> None:
    """Relations of a plan the schema cannot state; fills ``mcse`` when no target is given."""
    plan = config["replicates"]
    if not isinstance(plan, dict):
        return
    if "mcse" in plan and "half_width" in plan:
        raise ConfigError(
            "config key 'replicates': a plan targets mcse or half_width, not both; give one."
        )
    if "half_width" not in plan:
        plan.setdefault("mcse", DEFAULT_MCSE)
    if plan["max"] < plan["pilot"]:
        raise ConfigError(
            f"config key 'replicates.max': {plan['max']} is not allowed; must be at least the "
            f"pilot ({plan['pilot']} replicates)."
        )
    losses, penalties = config["models"]["losses"], config["models"]["penalties"]
    if "l2" not in losses or len(losses) < 2 or not {"l1", "elasticnet"} & set(penalties):
        raise ConfigError(
            "config key 'replicates': a plan is made for the primary contrasts, each robust loss "
            "against the squared loss with the same sparse penalty; models.losses must hold l2 "
            "and another loss, and models.penalties l1 or elasticnet (or give a number)."
        )


def _check_limits(config: dict) -> None:
    """:func:`check_limits`, a plan counted at its ``max`` (the most jobs it can run)."""
    plan = replicate_plan(config)
    if plan is None:
        check_limits(config)
        return
    try:
        check_limits({**config, "replicates": plan.max}, pilot=plan.pilot)
    except ConfigError as error:
        text = str(error).replace("config key 'replicates':", "config key 'replicates.max':", 1)
        raise ConfigError(text) from None


def _plain(value: Any) -> Any:
    # Snakemake may hand over OrderedDicts or its own Config mapping; the schema wants dicts.
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# ----------------------------------------------------------------- error messages


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "an empty value"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _range_phrase(schema: Mapping) -> str:
    bounds = []
    for keyword, symbol in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if keyword in schema:
            bounds.append(f"{symbol} {schema[keyword]}")
    return " and ".join(bounds)


def _describe(error: jsonschema.ValidationError) -> str:
    where = list(error.absolute_path)
    key = _key_path(where)
    keyword = error.validator
    schema = error.schema
    instance = error.instance

    if keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        unknown = sorted(name for name in instance if name not in allowed)[0]
        for key, replaced in _REPLACES.items():
            if key in allowed and unknown in replaced:
                return (
                    f"config key '{_key_path([*where, unknown])}' cannot be combined with "
                    f"'{_key_path([*where, key])}': {key} replaces {', '.join(replaced)}; "
                    f"give one or the other."
                )
        message = (
            f"unknown key '{_key_path([*where, unknown])}'; allowed keys: {', '.join(allowed)}."
        )
        if unknown == "sweep" and "params" in allowed:
            return message + " Sweeps are available for simulated datasets only."
        close = difflib.get_close_matches(str(unknown), allowed, n=1)
        if close:
            message += f" Did you mean '{close[0]}'?"
        if "params" in allowed:
            message += (
                " A dataset whose generator is not 'simulate' takes its settings under 'params'."
            )
        return message
    if keyword == "required":
        missing = [name for name in schema["required"] if name not in instance][0]
        if where and where[-1] == "sweep" and "value" in instance:
            # `value` selects the record that validation writes; a user most likely meant values.
            return (
                f"config key '{key}': a sweep is written {{param: <key>, values: [<value>, ...]}}; "
                f"got the keys {', '.join(sorted(map(str, instance)))}."
            )
        return f"config key '{_key_path([*where, missing])}' is missing; it is required."
    if "propertyNames" in error.schema_path:
        return (
            f"config key '{_key_path([*where, instance])}': the name {instance!r} is not "
            f"allowed; names must be {schema.get('description', 'as the pattern says')} "
            f"(pattern {schema['pattern']})."
        )

    head = f"config key '{key}': " if key else "config: "
    if keyword == "enum":
        allowed = ", ".join(str(value) for value in schema["enum"])
        return f"{head}{_show(instance)} is not allowed; allowed values: {allowed}."
    if keyword == "type":
        wanted = schema["type"]
        wanted = [wanted] if isinstance(wanted, str) else wanted
        phrase = " or ".join(_TYPE_PHRASES.get(name, name) for name in wanted)
        if isinstance(instance, str) and _EXPONENT_WITHOUT_DOT.match(instance):
            phrase += f" (YAML reads {instance} as text; write the number with a dot, as in 1.0e-3)"
        return f"{head}{_show(instance)} is not allowed; must be {phrase}."
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"{head}{_show(instance)} is not allowed; must be {_range_phrase(schema)}."
    if keyword == "minItems":
        allowed = schema.get("items", {}).get("enum")
        message = f"{head}an empty list is not allowed; list at least {schema['minItems']} value"
        if allowed:
            message += f" from: {', '.join(str(value) for value in allowed)}"
        return message + "."
    if keyword == "uniqueItems":
        repeated = next(value for i, value in enumerate(instance) if value in instance[:i])
        return f"{head}{_show(repeated)} is listed twice; each value may appear only once."
    if keyword == "minProperties":
        what = "dataset" if where == ["datasets"] else "entry"
        return f"{head}an empty mapping is not allowed; must name at least one {what}."
    if keyword == "pattern":
        return (
            f"{head}{_show(instance)} is not allowed; must match the pattern {schema['pattern']}."
        )
    return f"{head}{_one_line(error.message)}"


# ------------------------------------------------------------------------- sweeps


def sweep_dataset_name(name: str, param: str, value: Any) -> str:
    """Name of the dataset that a sweep makes for one value.

    ``<name>__<last part of param>_<value>`` with the value written as Python writes it, ``.``
    replaced by ``p``, ``-`` by ``m`` and ``+`` dropped, so the name is a valid wildcard:
    ``sweep_dataset_name("lasso_vs_ridge", "p", 200)`` is ``"lasso_vs_ridge__p_200"`` and
    ``sweep_dataset_name("hd", "noise.snr", 0.05)`` is ``"hd__snr_0p05"``.

    Parameters
    ----------
    name : str
        The sweep's name (its key under ``datasets``).
    param : str
        The swept key, possibly dotted (``noise.snr``).
    value : int or float
        One of the swept values.

    Returns
    -------
    str
    """
    text = repr(float(value)) if isinstance(value, float) else str(value)
    text = text.replace(".", "p").replace("-", "m").replace("+", "")
    return f"{name}{SWEEP_SEPARATOR}{param.rsplit('.', 1)[-1]}_{text}"


def sweeps(config: Mapping) -> dict[str, dict[str, Any]]:
    """The sweeps of a validated configuration, in config order.

    Parameters
    ----------
    config : mapping
        A validated configuration (sweeps expanded).

    Returns
    -------
    dict
        ``{sweep name: {"param": str, "values": list, "datasets": {value: dataset name}}}``;
        ``datasets`` follows the order of the sweep's ``values``.
    """
    found: dict[str, dict[str, Any]] = {}
    for dataset, entry in (config.get("datasets") or {}).items():
        member = entry.get("sweep") if isinstance(entry, Mapping) else None
        if not isinstance(member, Mapping) or "value" not in member:
            continue
        record = found.setdefault(
            member["name"],
            {"param": member["param"], "values": list(member["values"]), "datasets": {}},
        )
        record["datasets"][member["value"]] = dataset
    for record in found.values():
        order = {value: index for index, value in enumerate(record["values"])}
        record["datasets"] = dict(
            sorted(record["datasets"].items(), key=lambda item: order.get(item[0], len(order)))
        )
    return found


def _resolve_ref(schema: Mapping, node: Mapping) -> Mapping:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _sweepable(schema: Mapping) -> dict[str, Mapping]:
    """The numeric keys of a simulated dataset, dotted, with their schemas (noise.snr, p, ...)."""
    found: dict[str, Mapping] = {}

    def visit(prefix: str, node: Mapping) -> None:
        node = _resolve_ref(schema, node)
        if node.get("type") in ("integer", "number"):
            found.setdefault(prefix, node)
            return
        for key, child in node.get("properties", {}).items():
            if key not in ("generator", "sweep"):
                visit(f"{prefix}.{key}" if prefix else key, child)
        # The variants of coef and noise (e.g. noise.snr or noise.sigma) are both sweepable.
        for branch in ("then", "else"):
            if branch in node:
                visit(prefix, node[branch])

    visit("", schema["$defs"]["simulated_dataset"])
    return found


def _expand_sweeps(config: dict, schema: Mapping) -> dict | None:
    """Replace every sweep request by its datasets; None when there is none.

    ``config`` has passed the schema, so every sweep request has a string ``param`` and a
    non-empty list of distinct ``values``.
    """
    entries = config["datasets"]
    requests = {
        name: entry["sweep"]
        for name, entry in entries.items()
        if isinstance(entry.get("sweep"), Mapping) and "value" not in entry["sweep"]
    }
    if not requests:
        return None
    sweepable = _sweepable(schema)
    value_checker = _defaults_filling_validator(schema)
    expanded: dict[str, Any] = {}
    for name, entry in entries.items():
        if name not in requests:
            if name in expanded:
                raise _name_clash(name, expanded[name]["sweep"]["name"])
            expanded[name] = entry
            continue
        request = requests[name]
        param = request["param"]
        where = f"datasets.{name}.sweep"
        if param not in sweepable:
            raise ConfigError(
                f"config key '{where}.param': {param!r} is not allowed; a sweep varies one "
                f"numeric key of a simulated dataset: {', '.join(sweepable)}."
            )
        _refuse_sweep_conflicts(entry, name, param)
        for index, value in enumerate(request["values"]):
            error = next(iter(value_checker(sweepable[param]).iter_errors(value)), None)
            if error is not None:
                error.path.extendleft(reversed(["datasets", name, "sweep", "values", index]))
                raise ConfigError(f"{_describe(error)[:-1]} (a value of {param}).")
        for value in request["values"]:
            member = sweep_dataset_name(name, param, value)
            if member in expanded or (member in entries and member not in requests):
                raise _name_clash(member, name)
            concrete = {key: copy.deepcopy(item) for key, item in entry.items() if key != "sweep"}
            section, _, leaf = param.rpartition(".")
            target = concrete.setdefault(section, {}) if section else concrete
            target[leaf] = value
            concrete["sweep"] = {
                "name": name,
                "param": param,
                "value": value,
                "values": list(request["values"]),
            }
            expanded[member] = concrete
    return {**config, "datasets": expanded}


def _name_clash(member: str, sweep: str) -> ConfigError:
    return ConfigError(
        f"config key 'datasets.{sweep}.sweep': the sweep names one of its datasets {member!r}, "
        f"which is already the name of another dataset; rename one of them (a sweep's datasets "
        f"are named <name>{SWEEP_SEPARATOR}<param>_<value>)."
    )


def _refuse_sweep_conflicts(entry: Mapping, name: str, param: str) -> None:
    section, _, leaf = param.rpartition(".")
    given = entry.get(section) if section else entry
    given = given if isinstance(given, Mapping) else {}
    if leaf in given:
        raise ConfigError(
            f"config key 'datasets.{name}.{param}': a value is not allowed here because the "
            f"sweep (datasets.{name}.sweep) sets {param}; leave the key out."
        )
    for key, replaced in _REPLACES.items():
        clash = [other for other in replaced if other in given] if leaf == key else []
        if leaf in replaced and key in given:
            clash = [key]
        if clash:
            raise ConfigError(
                f"config key 'datasets.{name}.sweep.param': {param!r} cannot be swept while "
                f"'datasets.{name}.{section}.{clash[0]}' is given: {key} replaces "
                f"{', '.join(replaced)}; give one or the other."
            )


def _sweep_origin(error: jsonschema.ValidationError, config: Mapping) -> str:
    where = list(error.absolute_path)
    if len(where) < 2 or where[0] != "datasets":
        return ""
    member = (config["datasets"].get(where[1]) or {}).get("sweep")
    if not isinstance(member, Mapping) or "value" not in member:
        return ""
    return (
        f" (dataset {where[1]} is {member['param']} = {member['value']} of the sweep "
        f"datasets.{member['name']}.sweep)"
    )


# ------------------------------------------------------------- dataset generators


def dataset_names(config: Mapping, generator: str | None = None) -> list[str]:
    """Names of the configured datasets, in config order.

    Parameters
    ----------
    config : mapping
        A validated configuration.
    generator : str, optional
        Keep only the datasets made by this generator: ``"simulate"`` or the
        name of a user's dataset rule. By default all datasets are returned.

    Returns
    -------
    list of str
    """
    return [
        name
        for name, entry in config["datasets"].items()
        if generator is None or entry.get("generator", SIMULATE) == generator
    ]


# ------------------------------------------------------------------- the typed study config


@dataclass(frozen=True)
class StudyConfig:
    """A validated study, every default filled once, from the schema: what the study runs.

    Built by :func:`load_study_config`; the Snakefile, ``check_config``, the analysis and the
    report take their settings from it, and nothing else reads a config file.

    Attributes
    ----------
    seed : int
    replicates : int or ReplicatePlan
        A fixed number, or the plan of a pilot, a target and a cap.
    replicates_per_job : int
    losses, penalties : tuple of str
    cv, limits, answer : mapping
        The validated sections (read-only views).
    datasets : mapping
        Every dataset entry, sweeps expanded, in config order.
    published : tuple of mapping
    """

    seed: int
    replicates: int | ReplicatePlan
    replicates_per_job: int
    losses: tuple[str, ...]
    penalties: tuple[str, ...]
    cv: Mapping
    datasets: Mapping
    limits: Mapping
    answer: Mapping
    published: tuple
    _validated: Mapping = field(repr=False)

    def as_dict(self) -> dict:
        """A plain, mutable copy of the validated config (for Snakemake's ``config``)."""
        return copy.deepcopy(_plain(dict(self._validated)))


def study_config(validated: Mapping) -> StudyConfig:
    """The typed view of a config :func:`validate_config` returned."""
    plan = replicate_plan(validated)
    return StudyConfig(
        seed=int(validated["seed"]),
        replicates=plan if plan is not None else int(validated["replicates"]),
        replicates_per_job=int(validated["replicates_per_job"]),
        losses=tuple(validated["models"]["losses"]),
        penalties=tuple(validated["models"]["penalties"]),
        cv=MappingProxyType(copy.deepcopy(validated["cv"])),
        datasets=MappingProxyType(copy.deepcopy(validated["datasets"])),
        limits=MappingProxyType(copy.deepcopy(validated["limits"])),
        answer=MappingProxyType(copy.deepcopy(validated.get("answer", {}))),
        published=tuple(copy.deepcopy(validated.get("published", []))),
        _validated=MappingProxyType(copy.deepcopy(validated)),
    )


def load_study_config(*paths: str | PathLike, schema_path=SCHEMA_PATH) -> StudyConfig:
    """Read, merge (later files key by key over earlier ones) and validate a study's config files.

    Parameters
    ----------
    *paths : path-like
        The YAML files, as several ``--configfile`` give them.
    schema_path : path-like
        The schema; the package's own by default.

    Returns
    -------
    StudyConfig

    Raises
    ------
    ConfigError
        One line naming the file, key or value at fault (duplicate keys, syntax errors with
        line and column, every schema and relation check of :func:`validate_config`).
    """
    merged: dict = {}
    for path in paths:
        document = load_yaml(path)
        if not isinstance(document, dict):
            raise ConfigError(f"config file '{path}' must hold a mapping of keys to values.")
        merge_config(merged, document)
    return study_config(validate_config(merged, schema_path))


def merge_config(into: dict, update: Mapping) -> None:
    """Merge ``update`` into ``into`` key by key, nested mappings merged (as Snakemake does)."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            merge_config(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
