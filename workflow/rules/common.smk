# Helpers shared by the rules: file lists and wildcard constraints derived from the config.

import re

from snakemake.io import strip_wildcard_constraints

from normbench.study.batches import batch_numbers, batch_of, batch_replicates
from normbench.study.config import dataset_names
from normbench.study.explain_files import (
    EXPLAIN_REPLICATE,
    detail_datasets,
    path_dataset,
)
from normbench.study.layout import (
    ANALYSIS_TABLES,
    BENCHMARKS_DIR,
    DATASETS_DIR,
    EXPLAIN_NPZ,
    REPORT_HTML,
    REPORT_TABLES,
)

DATASET_NPZ = "results/datasets/{dataset}/rep{replicate}.npz"
DATASET_JSON = "results/datasets/{dataset}/rep{replicate}.json"
# One fit job per dataset and batch of replicates (config replicates_per_job, study/batches.py).
FIT_CSV = "results/fits/{dataset}/batch{batch}.csv"
# the fits store: coefficients, hyperparameters and CV curves of every pair (study/store_fits.py)
FITS_NPZ = "results/fits/{dataset}/batch{batch}.npz"
TIMING_CSV = "results/timings/{dataset}/batch{batch}.csv"
ORACLE_CSV = "results/oracle/{dataset}/batch{batch}.csv"


wildcard_constraints:
    replicate=r"\d+",
    batch=r"\d+",


def replicate_numbers():
    """Replicates are numbered 1..replicates (file names rep1, rep2, ...)."""
    return list(range(1, config["replicates"] + 1))


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
    """`pattern` expanded over every configured dataset and replicate, in config order."""
    return expand(pattern, dataset=dataset_names(config), replicate=replicate_numbers())


def batches():
    """The fit jobs' batch numbers of every dataset (1, 2, ...)."""
    return batch_numbers(config["replicates"], config["replicates_per_job"])


def replicates_of_batch(batch):
    return batch_replicates(
        int(batch), config["replicates"], config["replicates_per_job"]
    )


def batch_file(pattern, dataset, replicate):
    """`pattern` of the batch holding `replicate` of `dataset`."""
    batch = batch_of(replicate, config["replicates"], config["replicates_per_job"])
    return pattern.format(dataset=dataset, batch=batch)


def per_batch_files(pattern):
    """`pattern` expanded over every configured dataset and batch, in config order."""
    return expand(pattern, dataset=dataset_names(config), batch=batches())


def job_identities():
    """[dataset, replicates] of every fit job, in the order of per_batch_files."""
    return [
        [dataset, replicates_of_batch(batch)]
        for dataset in dataset_names(config)
        for batch in batches()
    ]


def batch_dataset_files(wildcards):
    """The dataset files a fit job reads: its batch's replicates."""
    return expand(
        DATASET_NPZ,
        dataset=wildcards.dataset,
        replicate=replicates_of_batch(wildcards.batch),
    )


def batch_replicate_numbers(wildcards):
    return replicates_of_batch(wildcards.batch)


def fit_csvs(wildcards):
    return per_batch_files(FIT_CSV)


def timing_csvs(wildcards):
    return per_batch_files(TIMING_CSV)


def oracle_csvs(wildcards):
    return per_batch_files(ORACLE_CSV)


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
        DATASET_JSON, dataset=wildcards.dataset, replicate=replicate_numbers()
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


def _rule_benchmarks(job_rule, datasets):
    """The benchmark files of `job_rule`'s jobs for `datasets` (none without a benchmark)."""
    if not job_rule.benchmark:
        return []
    pattern = strip_wildcard_constraints(str(job_rule.benchmark))
    # (a pattern without {replicate} or {batch} repeats its files: the caller drops repeats)
    return expand(
        pattern, dataset=datasets, replicate=replicate_numbers(), batch=batches()
    )


def report_table_files(wildcards):
    """The study-wide tables the report renders, by role (normbench.study.layout)."""
    tables = dict(REPORT_TABLES)
    if not config.get("published"):
        del tables["published_check"], tables["published_variants"]
    return tables


def report_benchmarks(wildcards):
    """Benchmark files of every job upstream of the report: its memory table reads these.

    Declared as the report's inputs and passed to it as the list to read, so the table never
    mixes in stale files (of datasets no longer in the config, or the report's own).
    """
    files = []
    for dataset in dataset_names(config):
        generator = config["datasets"][dataset].get("generator", "simulate")
        maker = (
            rules.simulate_dataset
            if generator == "simulate"
            else getattr(rules, generator)
        )
        files += _rule_benchmarks(maker, [dataset])
    datasets = dataset_names(config)
    files += _rule_benchmarks(rules.fit_models, datasets)
    files += _rule_benchmarks(rules.aggregate_results, datasets)
    files += _rule_benchmarks(rules.explain, explained_datasets())
    return list(dict.fromkeys(files))
