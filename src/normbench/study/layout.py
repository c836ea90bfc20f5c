"""Where every file of a study lives: one path per results file, relative to the study's folder.

The workflow (``workflow/rules/common.smk``) and the library read the paths from here and
nowhere else, so that adding a results file is one entry here plus its writer and its reader.
The tables the report renders are :data:`REPORT_TABLES`, by role; the report's rule declares
them as inputs and :func:`report_tables` finds them in a results folder for the command line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ANALYSIS_TABLES",
    "BENCHMARKS_DIR",
    "DATASETS_DIR",
    "DATASET_JSON",
    "DATASET_NPZ",
    "EXPLAIN_NPZ",
    "FITS_NPZ",
    "JOB_TABLES",
    "LOGS_DIR",
    "OPTIONAL_REPORT_TABLES",
    "PLAN",
    "REPORTS_DIR",
    "REPORT_FIGURES_DIR",
    "REPORT_HTML",
    "REPORT_TABLES",
    "RESULTS_DIR",
    "check_no_old_job_tables",
    "dataset_sidecar",
    "job_benchmark",
    "job_log",
    "report_tables",
]

RESULTS_DIR = "results"
#: The dataset files of every replicate (:data:`DATASET_NPZ` and :data:`DATASET_JSON`).
DATASETS_DIR = f"{RESULTS_DIR}/datasets"
#: One replicate of a dataset, in the standard format (:mod:`normbench.data.contract`): what
#: every dataset rule writes (docs/extending.md).
DATASET_NPZ = f"{DATASETS_DIR}/{{dataset}}/rep{{replicate}}.npz"
#: How that replicate was made (its JSON sidecar).
DATASET_JSON = f"{DATASETS_DIR}/{{dataset}}/rep{{replicate}}.json"


def dataset_sidecar(datasets_dir, dataset, replicate) -> Path:
    """The sidecar (:data:`DATASET_JSON`) of one replicate in a folder of datasets.

    ``datasets_dir`` stands for :data:`DATASETS_DIR` (a study's folder need not be the current
    one).
    """
    relative = Path(DATASET_JSON).relative_to(DATASETS_DIR)
    return Path(datasets_dir) / str(relative).format(dataset=dataset, replicate=int(replicate))


#: The tables one fit job writes (a batch of replicates of one dataset,
#: :mod:`normbench.study.batches`), by role: its rows of the study-wide table of the same role
#: in :data:`REPORT_TABLES`, which rule aggregate_results concatenates from them.
JOB_TABLES = {
    "metrics": f"{RESULTS_DIR}/metrics/{{dataset}}/batch{{batch}}.csv",
    "timings": f"{RESULTS_DIR}/timings/{{dataset}}/batch{{batch}}.csv",
    "oracle": f"{RESULTS_DIR}/oracle/{{dataset}}/batch{{batch}}.csv",
}
#: The fits store of one fit job: what every pair chose and learnt
#: (:mod:`normbench.study.store_fits`).
FITS_NPZ = f"{RESULTS_DIR}/fits/{{dataset}}/batch{{batch}}.npz"
#: One explain file per dataset drawn in detail (rule explain).
EXPLAIN_NPZ = f"{RESULTS_DIR}/explain/{{dataset}}.npz"
#: One log file per job (:func:`job_log`).
LOGS_DIR = "logs"
#: Snakemake's ``benchmark:`` files (time and memory of every job, :func:`job_benchmark`).
BENCHMARKS_DIR = f"{LOGS_DIR}/benchmarks"
REPORTS_DIR = "reports"
REPORT_HTML = f"{REPORTS_DIR}/report.html"
#: The report's figures as PNG files (rule build_report), for ``snakemake --report``.
REPORT_FIGURES_DIR = f"{REPORTS_DIR}/figures"


def _job_file(folder, rule, job, suffix):
    return f"{folder}/{rule}{suffix}" if job is None else f"{folder}/{rule}/{job}{suffix}"


def job_log(rule, job=None) -> str:
    """The log of a job of ``rule``: ``logs/<rule>.log``, or ``logs/<rule>/<job>.log``.

    ``job`` tells a rule's jobs apart: a pattern of its wildcards, e.g.
    ``"{dataset}/batch{batch}"``; None for a rule that runs once.
    """
    return _job_file(LOGS_DIR, rule, job, ".log")


def job_benchmark(rule, job=None) -> str:
    """The ``benchmark:`` file of a job of ``rule``, named as :func:`job_log` names its log.

    The first folder below :data:`BENCHMARKS_DIR` (or the file's name) is the rule: the report
    counts each rule's time from it (:func:`normbench.report.context.read_benchmarks`).
    """
    return _job_file(BENCHMARKS_DIR, rule, job, ".tsv")


#: The planned replicates of every dataset, from the pilot's fits (checkpoint plan; a plan only).
PLAN = f"{RESULTS_DIR}/plan.csv"
#: The conclusion tables rule analyse writes (:func:`normbench.analysis.run.analyse`), by role.
ANALYSIS_TABLES = {
    "findings": f"{RESULTS_DIR}/findings.csv",
    "method": f"{RESULTS_DIR}/findings.json",
    "answer": f"{RESULTS_DIR}/answer.csv",
    "precision": f"{RESULTS_DIR}/precision.csv",
    "best_set": f"{RESULTS_DIR}/best_set.csv",
    "summary": f"{RESULTS_DIR}/summary.csv",
    "pooled": f"{RESULTS_DIR}/pooled.csv",
    "derived": f"{RESULTS_DIR}/derived.csv",
    "ranking": f"{RESULTS_DIR}/ranking.csv",
    "cost": f"{RESULTS_DIR}/cost.csv",
}
#: Every study-wide table the report renders, by role (the argument names of the report).
REPORT_TABLES = {
    "metrics": f"{RESULTS_DIR}/metrics.csv",
    "timings": f"{RESULTS_DIR}/timings.csv",
    "oracle": f"{RESULTS_DIR}/oracle.csv",
    "provenance": f"{RESULTS_DIR}/provenance.json",
    **ANALYSIS_TABLES,
    "published_check": f"{RESULTS_DIR}/published_check.csv",
    "published_variants": f"{RESULTS_DIR}/published_variants.csv",
    "plan": PLAN,
}
#: Roles a study may lack: the report then says what it cannot show.
OPTIONAL_REPORT_TABLES = frozenset(
    {"oracle", "provenance", "published_check", "published_variants", "plan"}
)


def report_tables(folder=".") -> dict[str, Path]:
    """The report's tables in the study folder ``folder``, by role (absent optional ones left out).

    Raises
    ------
    FileNotFoundError
        If a required table is missing, naming it and the rule that writes it.
    """
    folder = Path(folder)
    tables = {}
    for role, relative in REPORT_TABLES.items():
        path = folder / relative
        if path.is_file():
            tables[role] = path
        elif role not in OPTIONAL_REPORT_TABLES:
            raise FileNotFoundError(
                f"{path} not found: run the workflow first (snakemake writes it), or give the "
                "folder the study ran in"
            )
    return tables


#: Where normbench up to 2026-12 wrote each fit job's metrics table: beside its fits store.
_OLD_JOB_METRICS = f"{RESULTS_DIR}/fits/*/batch*.csv"


def check_no_old_job_tables(folder=".") -> None:
    """Refuse a study folder holding per-job metrics tables where an older normbench wrote them.

    Left there, the workflow would find no metrics table of any fit job
    (:data:`JOB_TABLES`) and refit them all; moved to their new place, the fits are kept.

    Raises
    ------
    FileExistsError
        Naming the old files and the one command that moves them.
    """
    old = sorted(Path(folder).glob(_OLD_JOB_METRICS))
    if not old:
        return
    shown = ", ".join(str(path) for path in old[:3]) + (
        f" and {len(old) - 3} more" if len(old) > 3 else ""
    )
    fits_dir = f"{RESULTS_DIR}/fits/"
    new_dir = JOB_TABLES["metrics"].split("{", 1)[0]
    raise FileExistsError(
        f"{len(old)} per-job metrics table(s) in {fits_dir}, where an older normbench wrote them "
        f"({shown}); they now live in {new_dir}. Move them there to keep the fits:\n"
        f"  for f in {_OLD_JOB_METRICS}; do d={new_dir}${{f#{fits_dir}}}; "
        'mkdir -p "${d%/*}" && mv "$f" "$d"; done\n'
        "or delete them to refit every job."
    )
