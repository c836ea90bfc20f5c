# Helpers shared by the rules: file lists and wildcard constraints derived from the config.
#
# Replicates: a fixed design runs replicates 1..R of every dataset. A plan (config replicates:
# {pilot, mcse, max}) runs the pilot 1..n0 first; the checkpoint `plan` (plan.smk) then writes
# results/plan.csv, and the input functions below that list "every replicate" read each dataset's
# `run` from it (checkpoints.plan.get()), so the rules downstream of the pilot wait for the plan.

import re
from pathlib import Path

from snakemake.io import strip_wildcard_constraints

from normbench.analysis.plan import read_plan
from normbench.study.batches import (
    batch_numbers,
    batch_of,
    batch_replicates,
    pilot_batches,
)
from normbench.study.config import (
    dataset_names,
    max_replicates,
    pilot_replicates,
    replicate_plan,
)
from normbench.study.explain_files import (
    EXPLAIN_REPLICATE,
    detail_datasets,
    path_dataset,
)

# Every path of a study comes from normbench.study.layout, the jobs' logs and benchmark records
# too (job_log, job_benchmark). One fit job per dataset and batch of
# replicates (config replicates_per_job, study/batches.py) writes the JOB_TABLES and a FITS_NPZ.
from normbench.study.layout import (
    ANALYSIS_TABLES,
    BENCHMARKS_DIR,
    DATASET_JSON,
    DATASET_NPZ,
    DATASETS_DIR,
    EXPLAIN_NPZ,
    FITS_NPZ,
    JOB_TABLES,
    PLAN,
    REPORT_FIGURES_DIR,
    REPORT_HTML,
    REPORT_TABLES,
    job_benchmark,
    job_log,
)

# The plan of the config's replicates, None for a fixed number.
REPLICATE_PLAN = replicate_plan(config)


wildcard_constraints:
    replicate=r"\d+",
    batch=r"\d+",


def replicate_numbers():
    """The replicates every dataset runs first: 1..replicates, or the pilot's 1..n0 of a plan."""
    return list(range(1, pilot_replicates(config) + 1))


def _layout():
    """(replicates, per_job, pilot) of study/batches.py: the batches of replicates 1..max."""
    pilot = None if REPLICATE_PLAN is None else REPLICATE_PLAN.pilot
    return max_replicates(config), config["replicates_per_job"], pilot


_PLANS = {}


def planned_runs():
    """{dataset: replicates it runs} from the checkpoint's plan.csv (a plan only).

    Raises Snakemake's IncompleteCheckpointException until the plan exists, so that a rule whose
    input function calls this waits for the checkpoint.
    """
    path = Path(checkpoints.plan.get().output.plan)
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _PLANS:
        table = read_plan(path)
        _PLANS[key] = dict(zip(table["dataset"], table["run"], strict=True))
    return _PLANS[key]


def replicates_run(dataset):
    """How many replicates `dataset` runs: the fixed number, or its plan's `run`."""
    if REPLICATE_PLAN is None:
        return config["replicates"]
    runs = planned_runs()
    if dataset not in runs:
        raise ValueError(
            f"{PLAN} has no row for dataset {dataset}: delete it to replan"
        )
    return runs[dataset]


def dataset_replicates(dataset):
    """Every replicate `dataset` runs (after the plan, for a plan)."""
    return list(range(1, replicates_run(dataset) + 1))


def dataset_batches(dataset):
    """The fit jobs' batch numbers of `dataset` (1, 2, ...): those of its replicates run."""
    last = replicates_run(dataset)
    return [
        batch
        for batch in batch_numbers(*_layout())
        if replicates_of_batch(batch)[0] <= last
    ]


def extra_batches():
    """The batches after the pilot's (a plan only): each has a simulation rule of its own."""
    if REPLICATE_PLAN is None:
        return []
    pilot = pilot_batches(REPLICATE_PLAN.pilot, config["replicates_per_job"])
    return batch_numbers(*_layout())[len(pilot) :]


def datasets_with_generator(generator):
    """Regex matching exactly the dataset names made by `generator` (for wildcard_constraints).

    Each dataset rule constrains {dataset} to its own datasets, so several rules can write the
    same path pattern without Snakemake seeing two ways to make one file.
    """
    names = dataset_names(config, generator)
    # A negative look-ahead matches nothing: the rule then makes no dataset of this config.
    return "|".join(re.escape(name) for name in names) if names else "(?!)"


def dataset_entry(wildcards):
    """The validated config entry of one dataset (a rule's params, so edits rerun its jobs)."""
    return config["datasets"][wildcards.dataset]


def per_replicate_files(pattern):
    """`pattern` expanded over every dataset and every replicate it runs, in config order."""
    return [
        file
        for dataset in dataset_names(config)
        for file in expand(
            pattern, dataset=dataset, replicate=dataset_replicates(dataset)
        )
    ]


def replicates_of_batch(batch):
    """The replicates of one fit job's batch (the same whatever a plan decides)."""
    return batch_replicates(int(batch), *_layout())


def batch_file(pattern, dataset, replicate):
    """`pattern` of the batch holding `replicate` of `dataset`."""
    batch = batch_of(replicate, *_layout())
    return pattern.format(dataset=dataset, batch=batch)


def per_batch_files(pattern):
    """`pattern` expanded over every dataset and its batches run, in config order."""
    return [
        pattern.format(dataset=dataset, batch=batch)
        for dataset in dataset_names(config)
        for batch in dataset_batches(dataset)
    ]


def job_identities(wildcards=None):
    """[dataset, replicates] of every fit job, in the order of per_batch_files."""
    return [
        [dataset, replicates_of_batch(batch)]
        for dataset in dataset_names(config)
        for batch in dataset_batches(dataset)
    ]


def pilot_metrics_csvs(wildcards):
    """The pilot's per-batch metrics files: what the checkpoint plans from."""
    return [
        JOB_TABLES["metrics"].format(dataset=dataset, batch=batch)
        for dataset in dataset_names(config)
        for batch in pilot_batches(
            pilot_replicates(config), config["replicates_per_job"]
        )
    ]


def pilot_job_identities():
    """[dataset, replicates] of every pilot fit job, in the order of pilot_metrics_csvs."""
    return [
        [dataset, replicates_of_batch(batch)]
        for dataset in dataset_names(config)
        for batch in pilot_batches(
            pilot_replicates(config), config["replicates_per_job"]
        )
    ]


def plan_files(wildcards):
    """results/plan.csv for a plan (an input of the rules whose params read it), else nothing."""
    return [] if REPLICATE_PLAN is None else [PLAN]


def batch_dataset_files(wildcards):
    """The dataset files a fit job reads: its batch's replicates."""
    return expand(
        DATASET_NPZ,
        dataset=wildcards.dataset,
        replicate=replicates_of_batch(wildcards.batch),
    )


def batch_replicate_numbers(wildcards):
    return replicates_of_batch(wildcards.batch)


def job_tables(wildcards):
    """Every fit job's tables by role: all replicates of every dataset (after the plan)."""
    return {role: per_batch_files(pattern) for role, pattern in JOB_TABLES.items()}


def fits_store_files(wildcards):
    """Every fit job's fits store (coefficients, CV curves): all replicates (after the plan)."""
    return per_batch_files(FITS_NPZ)


def explained_datasets():
    """The datasets the report draws one by one: each has an explain job."""
    return detail_datasets(dataset_names(config), config)


def explain_files(wildcards):
    return expand(EXPLAIN_NPZ, dataset=explained_datasets())


def report_fits_files(wildcards):
    """The fits store files the report reads: the batch of replicate 1 of every dataset."""
    return [batch_file(FITS_NPZ, dataset, 1) for dataset in dataset_names(config)]


def explain_dataset_file(wildcards):
    """The replicate of a dataset that rule explain explains."""
    return DATASET_NPZ.format(dataset=wildcards.dataset, replicate=EXPLAIN_REPLICATE)


def explain_fits_file(wildcards):
    return batch_file(FITS_NPZ, wildcards.dataset, EXPLAIN_REPLICATE)


def dataset_replicate_sidecars(wildcards):
    """The JSON sidecars of every replicate of one dataset."""
    return expand(
        DATASET_JSON,
        dataset=wildcards.dataset,
        replicate=dataset_replicates(wildcards.dataset),
    )


def draws_paths(wildcards):
    """Whether this dataset's explain job computes the coefficient paths (one dataset does)."""
    return wildcards.dataset == path_dataset(config)


def dataset_rule_outputs():
    """{rule: its output patterns} of every rule but the simulator's (check_dataset_rules).

    A config names the simulator as `simulate`, never by the name of its rule. Every rule is
    listed, so that a dataset rule missing one of its two outputs is named as such.
    """
    # Output patterns carry the rule's wildcard constraints, e.g. {dataset,toy}: compare without.
    return {
        each.name: [strip_wildcard_constraints(str(path)) for path in each.output]
        for each in workflow.rules
        if each.name != "simulate_dataset"
    }


#: The files every dataset rule writes, by the output keyword it gives them.
DATASET_OUTPUTS = {"npz": DATASET_NPZ, "json": DATASET_JSON}


def dataset_sidecars(wildcards):
    """The JSON sidecars of every dataset replicate (the report reads their variances)."""
    return per_replicate_files(DATASET_JSON)


def _rule_benchmarks(job_rule, dataset):
    """The benchmark files of `job_rule`'s jobs for `dataset` (none without a benchmark)."""
    if not job_rule.benchmark:
        return []
    pattern = strip_wildcard_constraints(str(job_rule.benchmark))
    # (a pattern without {replicate} or {batch} repeats its files: the caller drops repeats)
    return expand(
        pattern,
        dataset=dataset,
        replicate=dataset_replicates(dataset),
        batch=dataset_batches(dataset),
    )


def report_table_files(wildcards):
    """The study-wide tables the report renders, by role (normbench.study.layout)."""
    tables = dict(REPORT_TABLES)
    if not config.get("published"):
        del tables["published_check"], tables["published_variants"]
    if REPLICATE_PLAN is None:
        del tables["plan"]
    return tables


def _dataset_makers(dataset):
    """The rules that make `dataset`'s files: the simulator's (and its batches'), or the user's."""
    generator = config["datasets"][dataset].get("generator", "simulate")
    if generator != "simulate":
        return [getattr(rules, generator)]
    extra = [
        getattr(rules, f"simulate_dataset_batch{batch}")
        for batch in extra_batches()
        if batch in dataset_batches(dataset)
    ]
    return [rules.simulate_dataset, *extra]


def report_benchmarks(wildcards):
    """Benchmark files of every job upstream of the report: its memory table reads these.

    Declared as the report's inputs and passed to it as the list to read, so the table never
    mixes in stale files (of datasets no longer in the config, or the report's own).
    """
    files = []
    for dataset in dataset_names(config):
        for maker in _dataset_makers(dataset):
            files += _rule_benchmarks(maker, dataset)
    for dataset in dataset_names(config):
        files += _rule_benchmarks(rules.fit_models, dataset)
    if REPLICATE_PLAN is not None:
        files += _rule_benchmarks(rules.plan, dataset_names(config)[0])
    files += _rule_benchmarks(rules.aggregate_results, dataset_names(config)[0])
    for dataset in explained_datasets():
        files += _rule_benchmarks(rules.explain, dataset)
    return list(dict.fromkeys(files))
