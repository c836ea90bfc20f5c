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
    "EXPLAIN_NPZ",
    "OPTIONAL_REPORT_TABLES",
    "PLAN",
    "REPORT_HTML",
    "REPORT_TABLES",
    "RESULTS_DIR",
    "report_tables",
]

RESULTS_DIR = "results"
#: The dataset files of every replicate (``{dataset}/rep{replicate}.npz`` and ``.json``).
DATASETS_DIR = f"{RESULTS_DIR}/datasets"
#: One explain file per dataset drawn in detail (rule explain).
EXPLAIN_NPZ = f"{RESULTS_DIR}/explain/{{dataset}}.npz"
#: Snakemake's ``benchmark:`` files (time and memory of every job).
BENCHMARKS_DIR = "logs/benchmarks"
REPORT_HTML = "reports/report.html"

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
