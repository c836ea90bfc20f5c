"""The results contract of the per-job tables, checked before they are aggregated.

Each fit job (a batch of replicates of one dataset) writes three small tables
(``results/fits``, ``results/timings`` and ``results/oracle``) and the aggregation concatenates
them.
A file that was cut short, edited by hand or overwritten with something else must stop the
aggregation with a message naming the file and the problem, never be merged: a row missing
from ``metrics.csv`` or an ``ok`` row with empty metrics would silently change every summary
downstream.  :func:`collect_checked` reads every file, checks it against its
:class:`TableContract` and raises one :class:`ResultsError` listing every damaged file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.study.oracle import ORACLE_COLUMNS, ORACLE_LOSSES
from normbench.study.store import (
    METRICS_COLUMNS,
    TEXT_COLUMNS,
    TIMINGS_COLUMNS,
    read_table,
    sort_results,
)
from normbench.vocab import STATUS_OK, STATUSES

__all__ = [
    "FITS",
    "ORACLE",
    "TIMINGS",
    "JobIdentity",
    "ResultsError",
    "TableContract",
    "check_table",
    "collect_checked",
    "read_checked",
]

# How many problems of one file a message lists before it says "and N more".
_SHOWN_PER_FILE = 3


class ResultsError(ValueError):
    """Per-job result files break the results contract; the message names each file."""


@dataclass(frozen=True)
class TableContract:
    """What one kind of per-job table must hold.

    Attributes
    ----------
    name : str
        The kind of table, for messages (``"metrics"``, ``"timings"``, ``"oracle"``).
    columns : tuple of str
        Columns every file must have (others are allowed if every file has them).
    per_model : bool
        One row per model of the job (loss x penalty) if true, else one row per entry of
        ``per_loss``.
    statuses : tuple of str or None
        The allowed values of ``status``; None when the table has no status.
    required_when_ok : tuple of str
        Numeric columns that must hold a finite number in every row whose status is ``ok``
        (or in every row, for a table without status).
    per_loss : tuple of str
        For a table that is not per model: the losses it has one row each of (the oracles).
    """

    name: str
    columns: tuple[str, ...]
    per_model: bool
    statuses: tuple[str, ...] | None
    required_when_ok: tuple[str, ...] = field(default=())
    per_loss: tuple[str, ...] = field(default=())

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """Columns whose every non-empty field must parse as a number."""
        return tuple(column for column in self.columns if column not in TEXT_COLUMNS)


#: A fit table (``results/fits/<dataset>/rep<k>.csv``): one row per model of the study.
FITS = TableContract(
    name="metrics",
    columns=tuple(METRICS_COLUMNS),
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
    per_model=True,
    statuses=None,
    required_when_ok=("fit_seconds", "compile_seconds"),
)
#: An oracle table: one row per oracle loss (see :mod:`normbench.study.oracle`).
ORACLE = TableContract(
    name="oracle",
    columns=tuple(ORACLE_COLUMNS),
    per_model=False,
    statuses=(STATUS_OK, "not_applicable"),
    required_when_ok=("n_train", "p", "test_mse", "test_mae", "intercept"),
    per_loss=ORACLE_LOSSES,
)


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
    path = Path(path)
    try:
        table = read_table(path)
    except UnicodeDecodeError as error:
        raise ResultsError(
            f"{path}: not a UTF-8 text file (byte {error.start} cannot be decoded); "
            f"a {contract.name} table is a CSV written by the fit job."
        ) from None
    except (ValueError, pd.errors.ParserError) as error:
        # read_table's own messages start with the path; pandas' do not.
        text = " ".join(str(error).split())
        raise ResultsError(text if text.startswith(str(path)) else f"{path}: {text}") from None
    if not _ends_with_a_newline(path):
        # write_table ends every file with a newline: a file cut inside its last line can
        # still parse (a shortened number, a dropped trailing field), so refuse it here
        raise ResultsError(
            f"{path}: ends inside a line (cut short?); a {contract.name} table written by the "
            "fit job ends with a newline."
        )
    problems = check_table(table, contract, job)
    if problems:
        shown = problems[:_SHOWN_PER_FILE]
        more = len(problems) - len(shown)
        tail = f"; and {more} more problem(s)" if more else ""
        raise ResultsError(f"{path}: {'; '.join(shown)}{tail}.")
    for column in contract.numeric_columns:
        table[column] = pd.to_numeric(table[column])
    return table


def _ends_with_a_newline(path: Path) -> bool:
    """True for an empty file too: read_table names that problem itself."""
    with path.open("rb") as handle:
        if handle.seek(0, 2) == 0:
            return True
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def check_table(
    table: pd.DataFrame, contract: TableContract, job: JobIdentity | None = None
) -> list[str]:
    """The ways ``table`` breaks ``contract`` (an empty list when it holds).

    Parameters
    ----------
    table : pandas.DataFrame
        As read by :func:`normbench.study.store.read_table`.
    contract : TableContract
    job : JobIdentity, optional

    Returns
    -------
    list of str
        One phrase per problem, each naming the column or row (rows numbered as the
        file's lines, the header being line 1).
    """
    missing = [column for column in contract.columns if column not in table.columns]
    if missing:
        return [f"missing column(s) {', '.join(missing)} of a {contract.name} table"]
    problems = _type_problems(table, contract)
    if problems:
        return problems
    problems += _status_problems(table, contract)
    problems += _identity_problems(table, contract, job)
    problems += _value_problems(table, contract)
    return problems


def _line(index) -> int:
    # Row 0 of the frame is line 2 of the file (after the header).
    return int(index) + 2


def _type_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    problems = []
    for column in contract.numeric_columns:
        values = table[column]
        parsed = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & parsed.isna()
        if bad.any():
            index = bad.idxmax()
            problems.append(
                f"column {column} holds {str(values[index])!r} on line {_line(index)}, "
                "which is not a number"
            )
    if "replicate" in table and not problems:
        replicate = pd.to_numeric(table["replicate"])
        bad = replicate.isna() | (replicate != replicate.round())
        if bad.any():
            problems.append(f"column replicate is not a whole number on line {_line(bad.idxmax())}")
    return problems


def _status_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    if contract.statuses is None:
        return []
    bad = ~table["status"].isin(contract.statuses)
    if not bad.any():
        return []
    index = bad.idxmax()
    value = table["status"][index]
    shown = "an empty status" if pd.isna(value) else f"status {value!r}"
    return [
        f"{shown} on line {_line(index)} is not allowed; allowed: {', '.join(contract.statuses)}"
    ]


def _identity_problems(
    table: pd.DataFrame, contract: TableContract, job: JobIdentity | None
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
            f"{loss}+{penalty}"
            for loss, penalty in zip(table["loss"], table["penalty"], strict=True)
        ]
        wanted = [f"{loss}+{penalty}" for loss, penalty in job.models]
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


def _value_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    if contract.statuses is None:
        ok = pd.Series(True, index=table.index)
    else:
        ok = table["status"] == STATUS_OK
    problems = []
    for column in contract.numeric_columns:
        values = pd.to_numeric(table[column]).astype(float)
        infinite = ok & np.isinf(values)
        empty = ok & values.isna() if column in contract.required_when_ok else ok & False
        for rows, what in ((infinite, "is not finite"), (empty, "is empty")):
            if rows.any():
                status = " (status ok)" if contract.statuses is not None else ""
                problems.append(f"column {column} {what} on line {_line(rows.idxmax())}{status}")
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
