"""The results contract of the per-job tables, checked before they are aggregated.

Each fit job (a batch of replicates of one dataset) writes three small tables, its rows of the
metrics, timings and oracle tables (:data:`normbench.study.layout.JOB_TABLES`), and the
aggregation concatenates them.
A file that was cut short, edited by hand or overwritten with something else must stop the
aggregation with a message naming the file and the problem, never be merged: a row missing
from ``metrics.csv`` or an ``ok`` row with empty metrics would silently change every summary
downstream.  :func:`collect_checked` reads every file, checks it against its
:class:`TableContract` and raises one :class:`ResultsError` listing every damaged file.
The contract machinery is :mod:`normbench.study.tables`; this module adds the check that a
file holds exactly the rows of the job that wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from normbench.study import tables
from normbench.study.store import (
    METRICS_COLUMNS,
    ORACLE_COLUMNS,
    ORACLE_LOSSES,
    ORACLE_STATUSES,
    TEXT_COLUMNS,
    TIMINGS_COLUMNS,
    sort_results,
)
from normbench.study.tables import ResultsError, TableContract
from normbench.vocab import STATUSES, pair_key

__all__ = [
    "CONTRACTS",
    "METRICS",
    "ORACLE",
    "TIMINGS",
    "JobIdentity",
    "ResultsError",
    "TableContract",
    "check_table",
    "collect_checked",
    "read_checked",
]

#: A job's metrics table: one row per model of the study and replicate of the batch.
METRICS = TableContract(
    name="metrics",
    columns=tuple(METRICS_COLUMNS),
    text_columns=TEXT_COLUMNS,
    whole_numbers=("replicate",),
    per_model=True,
    statuses=tuple(STATUSES),
    # lam, l1_ratio and delta are empty where a pair has none; risk and the support metrics
    # where the dataset has no noise-free signal or true coefficients (a real dataset).
    required_when_ok=("n_train", "p", "test_mse", "test_mae", "n_nonzero", "cv_score", "intercept"),
)
#: A timings table: one row per model, with the wall-clock seconds of its fit and, apart, the
#: seconds numba spent compiling the pair's kernels for it (0 with a warm cache).
TIMINGS = TableContract(
    name="timings",
    columns=tuple(TIMINGS_COLUMNS),
    text_columns=TEXT_COLUMNS,
    whole_numbers=("replicate",),
    per_model=True,
    statuses=None,
    required_when_ok=("fit_seconds", "compile_seconds"),
)
#: An oracle table: one row per oracle loss (see :mod:`normbench.study.oracle`).
ORACLE = TableContract(
    name="oracle",
    columns=tuple(ORACLE_COLUMNS),
    text_columns=TEXT_COLUMNS,
    whole_numbers=("replicate",),
    per_model=False,
    statuses=ORACLE_STATUSES,
    required_when_ok=("n_train", "p", "test_mse", "test_mae", "intercept"),
    per_loss=ORACLE_LOSSES,
)
#: The contract of each per-job table, by its role in :data:`normbench.study.layout.JOB_TABLES`.
CONTRACTS = {"metrics": METRICS, "timings": TIMINGS, "oracle": ORACLE}


@dataclass(frozen=True)
class JobIdentity:
    """Which job wrote a file: its dataset, replicates and the models (loss, penalty) it fits."""

    dataset: str
    replicates: tuple[int, ...]
    models: tuple[tuple[str, str], ...]


def read_checked(path, contract: TableContract, job: JobIdentity | None = None) -> pd.DataFrame:
    """Read one per-job table and check it against ``contract``.

    Parameters
    ----------
    path : str or path-like
    contract : TableContract
    job : JobIdentity, optional
        The job that wrote the file; when given, the rows must be exactly its dataset,
        replicate and models.

    Returns
    -------
    pandas.DataFrame
        The table, numeric columns as numbers.

    Raises
    ------
    ResultsError
        Naming the file and every problem found (up to a few per file).
    """
    return tables.read_checked(path, contract, extra=partial(_identity_problems, contract, job))


def check_table(
    table: pd.DataFrame, contract: TableContract, job: JobIdentity | None = None
) -> list[str]:
    """The ways ``table`` breaks ``contract`` and, when given, the rows of ``job``.

    Parameters
    ----------
    table : pandas.DataFrame
        As read by :func:`normbench.study.tables.read_csv_text`.
    contract : TableContract
    job : JobIdentity, optional

    Returns
    -------
    list of str
        One phrase per problem, each naming the column or row (rows numbered as the
        file's lines, the header being line 1).
    """
    return tables.check_table(table, contract) or _identity_problems(contract, job, table)


def _identity_problems(
    contract: TableContract, job: JobIdentity | None, table: pd.DataFrame
) -> list[str]:
    if job is None:
        return []
    problems = []
    for column, expected in (("dataset", [job.dataset]), ("replicate", job.replicates)):
        allowed = {str(each) for each in expected}
        found = sorted({str(value) for value in table[column].dropna()} - allowed)
        if found or table[column].isna().any():
            what = ", ".join(str(each) for each in expected)
            what = what if len(expected) == 1 else f"one of {what}"
            problems.append(
                f"column {column} must be {what} on every line (the job's {column}), "
                f"found {', '.join(found) or 'an empty field'}"
            )
    if contract.per_model:
        keys = [
            pair_key(loss, penalty)
            for loss, penalty in zip(table["loss"], table["penalty"], strict=True)
        ]
        wanted = [pair_key(loss, penalty) for loss, penalty in job.models]
        what = "model"
    else:
        keys = [str(loss) for loss in table["loss"]]
        wanted = list(contract.per_loss)
        what = "loss"
    # within a batch, each key is named with its replicate (when the batch has several)
    several = len(job.replicates) > 1
    found = [
        f"replicate {replicate} {key}" if several else key
        for replicate, key in zip(table["replicate"], keys, strict=True)
    ]
    wanted = [
        f"replicate {replicate} {key}" if several else key
        for replicate in job.replicates
        for key in wanted
    ]
    per = f"{what} and replicate" if several else what
    if len(table) != len(wanted):
        problems.append(f"{len(table)} rows, but the job writes one per {per} ({len(wanted)})")
    absent = [key for key in wanted if key not in found]
    repeated = sorted({key for key in found if found.count(key) > 1})
    unknown = sorted(set(found) - set(wanted))
    if absent:
        problems.append(f"no row for the {what}(s) {', '.join(absent)}")
    if repeated:
        problems.append(f"more than one row for the {what}(s) {', '.join(repeated)}")
    if unknown:
        problems.append(f"rows for {what}(s) the study does not fit: {', '.join(unknown)}")
    return problems


def collect_checked(
    paths: Sequence,
    contract: TableContract,
    jobs: Sequence[JobIdentity] | None = None,
) -> pd.DataFrame:
    """Check every per-job table against ``contract``, then concatenate them, sorted.

    Parameters
    ----------
    paths : sequence of str or path-like
    contract : TableContract
    jobs : sequence of JobIdentity, optional
        The job that wrote each path (same order); checks the rows are exactly its models.

    Returns
    -------
    pandas.DataFrame
        All rows, sorted with :func:`normbench.study.store.sort_results`, columns in the
        order of the first file.

    Raises
    ------
    ResultsError
        If any file breaks the contract: one line per damaged file, naming it and the problem.
        No table is returned from damaged files, so the aggregation fails.
    """
    paths = [Path(path) for path in paths]
    if not paths:
        raise ResultsError(f"no {contract.name} tables to aggregate")
    if jobs is not None and len(jobs) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(jobs)} job identities")
    frames, errors = [], []
    for index, path in enumerate(paths):
        try:
            frames.append(read_checked(path, contract, None if jobs is None else jobs[index]))
        except ResultsError as error:
            errors.append(str(error))
    if not errors:
        columns = list(frames[0].columns)
        for path, frame in zip(paths, frames, strict=True):
            if set(frame.columns) != set(columns):
                errors.append(
                    f"{path}: columns {list(frame.columns)} differ from those of {paths[0]}."
                )
    if errors:
        raise ResultsError(
            f"{len(errors)} {contract.name} table(s) break the results contract; rerun their "
            "jobs (delete the files, or `snakemake --forcerun fit_models`):\n  "
            + "\n  ".join(errors)
        )
    combined = pd.concat([frame[columns] for frame in frames], ignore_index=True)
    return sort_results(combined)
