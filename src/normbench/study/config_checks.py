"""Checks of a study configuration beyond its JSON schema.

A JSON schema cannot say that a number must be finite (every bound is false for NaN, so
``.nan`` passes ``minimum: 0``), how large a study may grow before a typo costs gigabytes
or minutes, which dataset names trip Snakemake, or how keys relate (``n_nonzero <= p``).
:func:`normbench.study.config.validate_config` runs these checks around the schema; each
raises :class:`ConfigError` naming the key path, the value and why it is refused.
"""

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from normbench.study.batches import batch_count
from normbench.vocab import parse_pair
from normbench.vocab.metrics import METRIC_NAMES

__all__ = [
    "MAX_NAME_LENGTH",
    "MEMORY_VARIABLE",
    "MIN_VALIDATION",
    "ConfigError",
    "check_dataset_names",
    "check_dataset_rules",
    "check_finite",
    "check_limits",
    "check_published",
    "check_relations",
    "limits_from_command_line",
    "machine_memory_gib",
    "validation_size",
]

SIMULATE = "simulate"
#: The study's name of Zou & Hastie's elastic net (models.elasticnet_rescale): a penalty column
#: value of the results, fitted as penalty "elasticnet" with the rescaling.
RESCALED_ELASTICNET = "elasticnet_rescaled"


def study_penalties(models: Mapping) -> list[str]:
    """The penalty names of a study's results: ``models.penalties``, then
    :data:`RESCALED_ELASTICNET` when ``models.elasticnet_rescale`` is set."""
    penalties = list(models["penalties"])
    if models.get("elasticnet_rescale"):
        penalties.append(RESCALED_ELASTICNET)
    return penalties


#: Longest dataset name: names become folder and file names, which file systems limit to
#: 255 bytes, and Snakemake's log and benchmark paths add to it.
MAX_NAME_LENGTH = 100
# Snakemake refuses a wildcard value whose end repeats one substring 20 or more times (it
# takes it for a rule feeding itself: PeriodicWildcardError); refuse such names up front.
_PERIODIC_END = re.compile(r"(.+?)\1{19,}$")
# used with fullmatch: "$" alone would let a final newline through ("gauss\n")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_]+")
# Free-form settings of a user's dataset rule: the schema does not look inside, nor do we.
_FREE_FORM = "params"


class ConfigError(ValueError):
    """A study configuration is malformed.

    The message is one paragraph meant for the person who wrote the config:
    it names the key path (``datasets.heavy_tails.noise.df``) and what is allowed.
    """


def key_path(parts: Iterable) -> str:
    """``("datasets", "toy", "coef", "values", 2)`` as ``datasets.toy.coef.values[2]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# ------------------------------------------------------------------- finite numbers


def check_finite(config: Any, where: tuple = ()) -> None:
    """Refuse NaN and infinity anywhere in the config (outside users' free-form ``params``).

    YAML reads ``.nan``, ``.inf`` and ``-.inf`` as floats, and every JSON-schema bound is
    false for NaN, so without this check ``cv.eps: .nan`` turns every lasso into the null
    model and ``huber_multiplier: .inf`` Huber into least squares, silently.

    Parameters
    ----------
    config : object
        The configuration as read from YAML, before defaults are filled.
    where : tuple
        Key path of ``config`` inside the whole configuration (for recursion).

    Raises
    ------
    ConfigError
        Naming the first key path that holds a NaN or an infinity.
    """
    if isinstance(config, float) and not math.isfinite(config):
        spelled = ".nan" if math.isnan(config) else (".inf" if config > 0 else "-.inf")
        raise ConfigError(
            f"config key '{key_path(where)}': {spelled} is not allowed; numbers must be finite "
            "(YAML reads .nan and .inf as numbers, but no setting of a study can be one)."
        )
    if isinstance(config, Mapping):
        for key, value in config.items():
            if not (len(where) == 2 and where[0] == "datasets" and key == _FREE_FORM):
                check_finite(value, (*where, key))
    elif isinstance(config, list | tuple):
        for index, value in enumerate(config):
            check_finite(value, (*where, index))


# -------------------------------------------------------------------- dataset names


def check_dataset_names(datasets: Any) -> None:
    """Refuse dataset names that are not text, too long, or that Snakemake would trip on.

    A name becomes the ``{dataset}`` wildcard, a folder and part of file names, so it must
    be text (YAML reads ``1:`` as the number 1), of letters, digits and underscores, at most
    :data:`MAX_NAME_LENGTH` characters, and must not end in one piece repeated 20 times
    (``run_00000000000000000000``), which Snakemake takes for a rule feeding itself.

    Parameters
    ----------
    datasets : object
        The ``datasets`` mapping of a config (anything else is left to the schema).

    Raises
    ------
    ConfigError
        Naming the dataset and the reason.
    """
    if not isinstance(datasets, Mapping):
        return
    for name in datasets:
        where = f"config key 'datasets.{name}'"
        if not isinstance(name, str):
            kind = "true or false" if isinstance(name, bool) else "a number"
            raise ConfigError(
                f"{where}: YAML reads the dataset name {name!r} as {kind}, not text; names "
                f"are text of letters, digits and underscores: quote it ('{name}') or, better, "
                f"start it with a letter (e.g. d{name})."
            )
        if len(name) > MAX_NAME_LENGTH:
            raise ConfigError(
                f"config key 'datasets.{name[:20]}...': a dataset name of {len(name)} characters "
                f"is not allowed; must be at most {MAX_NAME_LENGTH} (it becomes folder and file "
                "names, which file systems limit)."
            )
        if not _SAFE_NAME.fullmatch(name):
            shown = name.encode("unicode_escape").decode("ascii")  # a newline shown as \n
            raise ConfigError(
                f"config key 'datasets.{shown}': the dataset name '{shown}' is not allowed; names "
                "are letters, digits and underscores only (they become folder and file names)."
            )
        if _PERIODIC_END.search(name):
            piece = _PERIODIC_END.search(name).group(1)
            raise ConfigError(
                f"{where}: the name ends in {piece!r} repeated 20 times or more, which Snakemake "
                "refuses as a wildcard value (it takes it for a rule that feeds itself, a "
                "PeriodicWildcardError); shorten the repeated part, e.g. run_0 instead of "
                "run_00000000000000000000."
            )
    _refuse_case_collisions(datasets)


def _refuse_case_collisions(datasets: Mapping) -> None:
    """Two names that differ only in case share one folder on a case-insensitive file system."""
    seen: dict[str, str] = {}
    for name in datasets:
        if not isinstance(name, str):
            continue
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise ConfigError(
                f"config key 'datasets.{name}': the names {other!r} and {name!r} differ only in "
                "case, and would share one folder on a case-insensitive file system (macOS, "
                "Windows); rename one."
            )


# ------------------------------------------------------------------------- limits

# (limit key, how to read the configured values, what the limit protects against)
_GIB = 2.0**30
#: The machine's memory can be given for a cluster whose nodes have more than the machine that
#: checks the config (in GiB); else it is read from the operating system.
MEMORY_VARIABLE = "NORMBENCH_MEMORY_GIB"
# Rough memory of one job in Snakemake's DAG (its rule, wildcards, paths and benchmark record).
_DAG_BYTES_PER_JOB = 64 * 2**10
#: Least size of a validation set: the Huber threshold is a multiple of the normalised MAD of the
#: held-out residuals, which is 0 for one residual (the fit then falls back to a scale of 1) and,
#: for two, half their gap; three make it a median of deviations about a median.
MIN_VALIDATION = 3


def machine_memory_gib() -> float | None:
    """The memory of this machine in GiB (:data:`MEMORY_VARIABLE` if set); None if unknown."""
    given = os.environ.get(MEMORY_VARIABLE)
    if given:
        try:
            value = float(given)
        except ValueError:
            raise ConfigError(
                f"environment variable {MEMORY_VARIABLE}={given!r} is not a number of GiB."
            ) from None
        if math.isfinite(value) and value > 0:
            return value
        raise ConfigError(f"environment variable {MEMORY_VARIABLE}={given!r} must be above 0.")
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / _GIB
    except (AttributeError, ValueError, OSError):
        return None


def _ceiling_error(key: str, what: str, need: float, memory: float) -> ConfigError:
    return ConfigError(
        f"config key '{key}': {what} need about {need:.1f} GiB, {need - memory:.1f} GiB more than "
        f"the {memory:.1f} GiB of memory of this machine; no limit can raise this ceiling (on a "
        f"cluster whose nodes have more, set {MEMORY_VARIABLE})."
    )


def _limit_error(key: str, value: Any, limit: str, why: str) -> ConfigError:
    return ConfigError(
        f"config key '{key}': {value} is above the limit of {limit}; {why}. To run it on "
        f"purpose, raise the limit in the config (e.g. limits: {{{limit.split()[0]}: ...}}) or "
        f'on the command line (--config "limits={{{limit.split()[0]}: ...}}"); see '
        "config/README.md, 'Limits'."
    )


def limits_from_command_line(config: Mapping) -> Mapping:
    """``config`` with number-like text under ``limits`` read as numbers.

    Snakemake reads ``--config "limits={p: 200000}"`` with YAML's base loader, which leaves
    every nested value as text ('200000'); this makes that documented override work. Other
    keys are left alone, so elsewhere text still fails the schema with a clear message.
    """
    limits = config.get("limits")
    if not isinstance(limits, Mapping):
        return config
    converted = {}
    for key, value in limits.items():
        if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
            value = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\d*\.\d+(e[-+]?\d+)?", value.strip()):
            value = float(value)
        converted[key] = value
    return {**config, "limits": converted}


def check_limits(config: Mapping, pilot: int | None = None) -> None:
    """Refuse studies larger than the config's ``limits`` (a typo, most likely).

    Checked after the schema filled the defaults and sweeps were expanded: the number of
    replicates, datasets and fit jobs (datasets x batches of ``replicates_per_job``, laid out
    by :func:`normbench.study.batches.batch_count`), ``cv.n_lams``,
    ``cv.folds``, the number of ``cv.l1_ratios``, and per simulated dataset ``p``, ``n_train``,
    ``n_test`` and the memory of its two design matrices. Sweep lengths are checked before
    expansion by :func:`check_sweep_lengths`.

    Parameters
    ----------
    config : mapping
        A validated configuration with its ``limits`` filled.
    pilot : int, optional
        A plan's pilot, with ``config["replicates"]`` its ``max``: the pilot's batches and the
        extra replicates' batches are laid out apart, so a plan can run more fit jobs than a
        fixed design of ``max`` replicates.

    Raises
    ------
    ConfigError
        Naming the key, the value, the limit and why the limit exists.
    """
    limits = config["limits"]
    n_datasets = len(config["datasets"])
    # the fit jobs Snakemake will run: one per dataset and batch of replicates_per_job
    per_job = int(config.get("replicates_per_job", 1))
    n_batches = batch_count(config["replicates"], per_job, pilot)
    n_jobs = n_datasets * n_batches
    scalars = (
        ("replicates", config["replicates"], "replicates", "each is fitted in a fit job"),
        ("datasets", n_datasets, "datasets", "each dataset adds its fit jobs"),
        (
            "replicates",
            n_jobs,
            "jobs",
            f"{n_datasets} datasets x {n_batches} batches of {per_job} replicates are {n_jobs} "
            "fit jobs, and Snakemake builds the whole DAG before the first one starts",
        ),
        (
            "cv.n_lams",
            config["cv"]["n_lams"],
            "n_lams",
            "every model fits the whole lam grid per fold",
        ),
        ("cv.folds", config["cv"]["folds"], "folds", "every model is fitted once per fold"),
        (
            "cv.l1_ratios",
            len(config["cv"]["l1_ratios"]),
            "l1_ratios",
            "the elastic net fits a lam grid per l1_ratio",
        ),
    )
    for key, value, limit_key, why in scalars:
        if value > limits[limit_key]:
            raise _limit_error(key, value, f"{limit_key} = {limits[limit_key]}", why)
    memory = machine_memory_gib()
    if memory is not None and n_jobs * _DAG_BYTES_PER_JOB / _GIB > memory:
        raise _ceiling_error(
            "replicates",
            f"{n_jobs} fit jobs ({n_datasets} datasets x {n_batches} batches) in Snakemake's DAG",
            n_jobs * _DAG_BYTES_PER_JOB / _GIB,
            memory,
        )
    for name, entry in config["datasets"].items():
        if entry.get("generator", SIMULATE) == SIMULATE:
            _check_dataset_size(f"datasets.{name}", entry, limits, config["cv"])
            if memory is not None:
                _check_memory_ceiling(f"datasets.{name}", entry, config["cv"], memory)


def validation_size(entry: Mapping, cv: Mapping) -> int:
    """Rows of the validation set a simulated dataset draws (0 without one).

    Its own ``n_validation``; else, with ``cv.method: validation``, ``cv.n_validation`` or its
    ``n_train`` (as :func:`check_relations` fills it).
    """
    if "n_validation" in entry:
        return int(entry["n_validation"])
    if cv.get("method") == "validation":
        return int(cv.get("n_validation", entry["n_train"]))
    return 0


def _dataset_gib(entry: Mapping, cv: Mapping) -> float:
    rows = entry["n_train"] + validation_size(entry, cv) + entry["n_test"]
    return rows * entry["p"] * 8 / _GIB


def _check_memory_ceiling(prefix: str, entry: Mapping, cv: Mapping, memory: float) -> None:
    """One replicate's data, and one fit job, must fit in the machine's memory (no limit helps).

    A fit job holds the replicate's data, a standardised copy of the rows it fits on and the
    coefficient paths (``n_lams`` x ``p`` per elastic-net mixing value): a rough lower bound.
    """
    data = _dataset_gib(entry, cv)
    if data > memory:
        raise _ceiling_error(f"{prefix}.p", "one replicate's data", data, memory)
    fitted = (entry["n_train"] + validation_size(entry, cv)) * entry["p"] * 8 / _GIB
    paths = cv["n_lams"] * max(1, len(cv["l1_ratios"])) * entry["p"] * 8 / _GIB
    job = data + fitted + paths
    if job > memory:
        raise _ceiling_error(f"{prefix}.p", "one fit job's data, copies and paths", job, memory)


def _check_dataset_size(prefix: str, entry: Mapping, limits: Mapping, cv: Mapping) -> None:
    for key, what in (("p", "features"), ("n_train", "training points"), ("n_test", "test points")):
        if entry[key] > limits[key]:
            raise _limit_error(
                f"{prefix}.{key}",
                entry[key],
                f"{key} = {limits[key]} {what}",
                "each replicate holds its data in memory, and the solvers' work grows with it",
            )
    gib = _dataset_gib(entry, cv)
    if gib > limits["dataset_gib"]:
        n_validation = validation_size(entry, cv)
        rows, counts = "n_train + n_test", f"{entry['n_train']} + {entry['n_test']}"
        if n_validation:
            rows = "n_train + n_validation + n_test"
            counts = f"{entry['n_train']} + {n_validation} + {entry['n_test']}"
        raise _limit_error(
            f"{prefix}.p",
            entry["p"],
            f"dataset_gib = {limits['dataset_gib']} GiB",
            f"({rows}) x p = ({counts}) x {entry['p']} numbers take {gib:.1f} GiB per replicate, "
            "in every job that reads it",
        )


def check_sweep_lengths(config: Mapping, limits: Mapping) -> None:
    """Refuse a sweep with more values than ``limits.sweep_values`` (before expansion)."""
    for name, entry in config["datasets"].items():
        request = entry.get("sweep") if isinstance(entry, Mapping) else None
        if not isinstance(request, Mapping) or "value" in request:
            continue
        values = request.get("values")
        if isinstance(values, list) and len(values) > limits["sweep_values"]:
            raise _limit_error(
                f"datasets.{name}.sweep.values",
                f"a list of {len(values)} values",
                f"sweep_values = {limits['sweep_values']}",
                "each value becomes a dataset with its own fit jobs",
            )


# ---------------------------------------------------------- relations between keys


def too_large(key: str, value: int, limit_text: str) -> ConfigError:
    return ConfigError(f"config key '{key}': {value} is not allowed; must be <= {limit_text}.")


def check_relations(config: Mapping) -> None:
    """Relations between keys that a schema cannot say (see :func:`validate_config`)."""
    by_validation = config["cv"]["method"] == "validation"
    # the folds must fit in n_train only when there are folds
    folds = 2 if by_validation else config["cv"]["folds"]
    for name, entry in config["datasets"].items():
        if entry["generator"] != SIMULATE:
            continue
        if by_validation and "n_validation" not in entry:
            # the simulator draws the validation set (cv.n_validation, else the papers' n_train)
            entry["n_validation"] = config["cv"].get("n_validation", entry["n_train"])
            key = (
                "cv.n_validation" if "n_validation" in config["cv"] else f"datasets.{name}.n_train"
            )
        else:
            key = f"datasets.{name}.n_validation"
        if by_validation and entry["n_validation"] < MIN_VALIDATION:
            raise ConfigError(
                f"config key '{key}': a validation set of {entry['n_validation']} is not allowed; "
                f"must be >= {MIN_VALIDATION}: the models are scored on it, and the Huber "
                "threshold is a multiple of the normalised MAD of its residuals, which is 0 for "
                "one residual (the fit would fall back to a scale of 1 silently)."
            )
        try:
            _check_entry(name, entry, folds)
        except ConfigError as err:
            member = entry.get("sweep")
            if isinstance(member, Mapping) and "value" in member:
                raise ConfigError(
                    f"{str(err)[:-1]} (dataset {name} is {member['param']} = {member['value']} "
                    f"of the sweep datasets.{member['name']}.sweep)."
                ) from None
            raise


def _check_entry(name: str, entry: Mapping, folds: int) -> None:
    """Relations between the keys of one simulated dataset (raises ConfigError)."""
    p = entry["p"]
    prefix = f"datasets.{name}"
    if "values" in entry["coef"]:
        given = len(entry["coef"]["values"])
        if given != p:
            raise ConfigError(
                f"config key '{prefix}.coef.values': {given} values are not allowed; must be "
                f"exactly p ({p}), one coefficient per feature."
            )
    elif entry["coef"]["n_nonzero"] > p:
        raise too_large(f"{prefix}.coef.n_nonzero", entry["coef"]["n_nonzero"], f"p ({p})")
    design = entry["design"]
    if design.get("feature_scale") == "latent":
        if design["kind"] not in ("block", "latent_groups"):
            raise ConfigError(
                f"config key '{prefix}.design.feature_scale': 'latent' is not allowed with "
                f"design.kind {design['kind']!r}; it needs a latent factor (block or "
                f"latent_groups)."
            )
        if design["rho"] == 0:
            raise ConfigError(
                f"config key '{prefix}.design.rho': 0 is not allowed with feature_scale "
                f"'latent'; must be > 0."
            )
    if design["kind"] in ("block", "latent_groups") and design["group_size"] > p:
        raise too_large(f"{prefix}.design.group_size", design["group_size"], f"p ({p})")
    if design["kind"] == "latent_groups":
        grouped = design["n_groups"] * design["group_size"]
        if grouped > p:
            raise ConfigError(
                f"config key '{prefix}.design.n_groups': {design['n_groups']} groups of "
                f"{design['group_size']} features need {grouped} features; must be "
                f"<= p ({p}) in total (n_groups * group_size <= p)."
            )
    if folds > entry["n_train"]:
        raise too_large(
            "cv.folds",
            folds,
            f"n_train of every dataset ({prefix}.n_train = {entry['n_train']})",
        )


def check_published(config: Mapping) -> None:
    """Published results must name a metric, datasets and models of this study."""
    losses, penalties = config["models"]["losses"], study_penalties(config["models"])
    for index, table in enumerate(config.get("published", [])):
        prefix = f"published[{index}]"
        _check_bands_and_orderings(table, prefix)
        _check_variants(table, prefix, config["datasets"])
        if table["metric"] not in METRIC_NAMES:
            raise ConfigError(
                f"config key '{prefix}.metric': {table['metric']!r} is not allowed; must be one "
                f"of {', '.join(METRIC_NAMES)}."
            )
        for dataset, models in table["values"].items():
            if dataset not in config["datasets"]:
                raise ConfigError(
                    f"config key '{prefix}.values.{dataset}': {dataset!r} is not allowed; must be "
                    f"a dataset of this study ({', '.join(config['datasets'])})."
                )
            for pair in models:
                try:
                    loss, penalty = parse_pair(pair)
                except ValueError:
                    loss = penalty = None
                if loss not in losses or penalty not in penalties:
                    raise ConfigError(
                        f"config key '{prefix}.values.{dataset}.{pair}': {pair!r} is not allowed; "
                        f"must be a model of this study (losses {', '.join(losses)}; penalties "
                        f"{', '.join(penalties)})."
                    )


def _check_bands_and_orderings(table: Mapping, prefix: str) -> None:
    """A table's per-number bands and orderings must name its published numbers."""
    named = {dataset: list(models) for dataset, models in table.get("bands", {}).items()}
    for dataset, chains in table.get("orderings", {}).items():
        chains = [chains] if isinstance(chains, str) else chains
        named.setdefault(dataset, []).extend(
            model.strip() for chain in chains for model in chain.split("<")
        )
    for dataset, models in named.items():
        published = list(table["values"].get(dataset, {}))
        unknown = [model for model in models if model not in published]
        if unknown:
            raise ConfigError(
                f"config key '{prefix}': {unknown[0]!r} of dataset {dataset!r} in bands or "
                f"orderings is not allowed; must be a published value of that dataset "
                f"({', '.join(published) or 'none'})."
            )


def _check_variants(table: Mapping, prefix: str, datasets: Iterable[str]) -> None:
    """A sensitivity variant is a dataset of the study, varies a published dataset and has no
    published numbers of its own (it is compared with those of the dataset it varies)."""
    published = list(table["values"])
    for variant, entry in table.get("variants", {}).items():
        key = f"{prefix}.variants.{variant}"
        if variant not in datasets:
            raise ConfigError(
                f"config key '{key}': {variant!r} is not allowed; must be a dataset of this study "
                f"({', '.join(datasets)})."
            )
        if variant in published:
            raise ConfigError(
                f"config key '{key}': {variant!r} is not allowed; a variant has no published "
                "numbers of its own (it is compared with those of the dataset it varies): remove "
                "it from values."
            )
        if entry["of"] not in published:
            raise ConfigError(
                f"config key '{key}.of': {entry['of']!r} is not allowed; must be a dataset "
                f"with published values ({', '.join(published)})."
            )


def check_dataset_rules(
    config: Mapping,
    rules: Mapping[str, Iterable[str]] | Sequence[str],
    required: Mapping[str, str] | None = None,
) -> None:
    """Check that every dataset generator other than ``simulate`` names a complete dataset rule.

    Parameters
    ----------
    config : mapping
        A validated configuration.
    rules : mapping of str to iterable of str, or sequence of str
        The rules the workflow includes (the simulator's own rule excepted: its datasets say
        ``simulate``), each with its output patterns (wildcard constraints stripped). A plain
        sequence of names stands for rules that write every required file.
    required : mapping of str to str, optional
        The files a dataset rule must write, by the output keyword a rule gives them, e.g.
        ``{"npz": "results/datasets/{dataset}/rep{replicate}.npz", "json": "...json"}``.

    Raises
    ------
    ConfigError
        If a dataset names a generator for which no rule exists, or a rule that does not write
        every required file: the message names the dataset, the rule and each missing output.
    """
    required = dict(required or {})
    if not isinstance(rules, Mapping):
        rules = {name: None for name in rules}

    def missing(outputs):
        if outputs is None:
            return []
        written = set(outputs)
        return [(key, pattern) for key, pattern in required.items() if pattern not in written]

    complete = sorted(name for name, outputs in rules.items() if not missing(outputs))
    for name, entry in config["datasets"].items():
        generator = entry.get("generator", SIMULATE)
        if generator == SIMULATE:
            continue
        if generator not in rules:
            raise ConfigError(
                f"config key 'datasets.{name}.generator': {generator!r} is not allowed; must be "
                f"'simulate' or the name of a dataset rule the workflow includes (rules: "
                f"{', '.join(complete)}). See config/README.md, 'Adding a dataset'."
            )
        absent = missing(rules[generator])
        if absent:
            lines = "; ".join(
                f"{pattern} (add `{key}=DATASET_{key.upper()}` to its output:)"
                for key, pattern in absent
            )
            raise ConfigError(
                f"dataset rule {generator!r} (the generator of dataset {name!r}) does not write "
                f"{lines}. A dataset rule writes both files of each replicate, with "
                "normbench.data.contract.write_dataset; see docs/extending.md."
            )
