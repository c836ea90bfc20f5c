"""Checked readers of the results tables: a contract declared once, one error naming the file.

Every table a study writes under ``results/`` has one reader, declared beside its writer, that
refuses a damaged file in one line naming the file, the row and the problem, instead of letting
a cut, duplicated or hand-edited table change a summary downstream (docs/design.md §3).

How to declare a table and read it::

    from normbench.study.tables import ResultsError, TableContract, read_checked

    FINDINGS = TableContract(
        name="findings",
        columns=("dataset", "metric", "pair", "effect", "verdict"),   # must be there
        text_columns=("dataset", "metric", "pair", "verdict"),        # the others are numbers
        vocabulary={"verdict": ("better", "worse", "equivalent", "inconclusive")},
        key=("dataset", "metric", "pair"),                            # unique per row
        positive=("effect",),                                         # > 0 where not empty
    )
    table = read_checked("results/findings.csv", FINDINGS)   # or raises ResultsError

:func:`read_checked` refuses, each in one line ``<file>: <problem> on line <n>.`` (lines counted
as in the file, the header being line 1):

- an empty file, a header without rows, a file that ends inside a line (cut short), a line with
  more fields than the header, bytes that are not UTF-8;
- a missing column of ``columns``;
- text in a numeric column (``columns`` and ``optional`` outside ``text_columns``), a
  non-whole number in a ``whole_numbers`` column;
- a value outside its ``vocabulary`` (an empty field only where ``""`` is allowed), a
  ``status`` outside ``statuses``;
- two rows with the same ``key``;
- in the rows whose status is ``ok`` (every row, for a table without ``statuses``): an empty
  ``required_when_ok`` field, an infinite number (unless ``allow_infinite``), a value of
  ``positive`` at or below 0, a number outside ``ranges``.

:func:`check_table` gives the problems of a table already in memory (e.g. to check what a
writer is about to write). :class:`ResultsError` is a ``ValueError``; command-line tools catch
it, print its one line and exit with status 2.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.study.layout import dataset_sidecar
from normbench.vocab import STATUS_OK

__all__ = [
    "NA_VALUES",
    "ResultsError",
    "TableContract",
    "check_table",
    "read_checked",
    "read_npz",
    "read_csv_text",
]

#: Only empty fields and explicit NaN spellings are missing: a dataset called "NA" stays a name.
NA_VALUES = ("", "nan", "NaN")
# How many problems of one file a message lists before it says "and N more".
_SHOWN = 3


class ResultsError(ValueError):
    """A results file breaks its contract; the message names the file, the row and the problem."""


@dataclass(frozen=True)
class TableContract:
    """What one kind of results table must hold (see the module docstring).

    Attributes
    ----------
    name : str
        The kind of table, for messages (``"metrics"``, ``"published_check"``).
    columns : tuple of str
        Columns every file must have.
    text_columns : tuple of str
        Columns read as text; every other column of ``columns`` and ``optional`` is a number.
    optional : tuple of str
        Known columns a file may lack (written before they existed); checked when present.
    statuses : tuple of str or None
        The allowed values of ``status``; None when the table has no status column.
    required_when_ok : tuple of str
        Numeric columns that must hold a number in every row whose status is ``ok``.
    positive : tuple of str
        Numeric columns whose values must be above 0 where not empty (rows with status ``ok``).
    ranges : mapping
        ``{column: (low, high)}``, inclusive bounds of a numeric column (ok rows, where not
        empty); None for an open side.
    whole_numbers : tuple of str
        Numeric columns holding whole numbers (e.g. ``replicate``), empty nowhere.
    vocabulary : mapping
        ``{column: allowed values}`` of text columns; ``""`` among them allows an empty field.
    key : tuple of str
        Columns whose values identify a row: no two rows share them.
    allow_infinite : bool
        Whether ``inf`` is a value (else refused in rows with status ``ok``).
    per_model, per_loss
        Used by the per-job tables' identity check (:mod:`normbench.study.job_tables`): one row
        per model of the job, else one row per entry of ``per_loss``.
    may_be_empty : bool
        Whether a header without rows is a valid table (a conclusion table where nothing
        applies, e.g. no loss question in a one-loss study).
    """

    name: str
    columns: tuple[str, ...]
    text_columns: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    statuses: tuple[str, ...] | None = None
    required_when_ok: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    whole_numbers: tuple[str, ...] = ()
    vocabulary: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    allow_infinite: bool = False
    per_model: bool = False
    #: a table that can rightly have no rows (e.g. no comparison applies): a header alone is read
    may_be_empty: bool = False
    per_loss: tuple[str, ...] = ()

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """Known columns (required or optional) whose every non-empty field must be a number."""
        known = dict.fromkeys((*self.columns, *self.optional))
        return tuple(column for column in known if column not in self.text_columns)


def read_csv_text(path, contract: TableContract) -> pd.DataFrame:
    """The CSV as text, its text columns as strings; refuses what cannot be a table at all.

    Raises
    ------
    ResultsError
        For a missing, empty, header-only, cut (no final newline), non-UTF-8 or ragged file.
    """
    path = Path(path)
    if not path.exists():
        raise ResultsError(f"{path}: not found (the {contract.name} table was expected here).")
    if not path.is_file():
        raise ResultsError(f"{path}: not a file (the {contract.name} table was expected here).")
    if path.stat().st_size == 0:
        raise ResultsError(
            f"{path}: empty CSV file (no header, no rows) of the {contract.name} table."
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsError(
            f"{path}: not a UTF-8 text file (byte {error.start} cannot be decoded); the "
            f"{contract.name} table is a CSV."
        ) from None
    if not text.endswith("\n"):
        # every writer ends its file with a newline: a file cut inside its last line can still
        # parse (a shortened number, a dropped trailing field), so refuse it here
        raise ResultsError(
            f"{path}: ends inside a line (cut short?); the {contract.name} table ends with a "
            "newline."
        )
    dtypes = {column: "str" for column in contract.text_columns}
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype=dtypes, keep_default_na=False, na_values=list(NA_VALUES)
        )
    except (ValueError, pd.errors.ParserError) as error:
        message = " ".join(str(error).split())
        raise ResultsError(f"{path}: not a readable {contract.name} table ({message}).") from None
    if table.empty and not contract.may_be_empty:
        raise ResultsError(f"{path}: a header but no rows; the {contract.name} table has rows.")
    return table


def read_checked(
    path, contract: TableContract, extra: Callable[[pd.DataFrame], list[str]] | None = None
) -> pd.DataFrame:
    """Read one results table and check it against ``contract``.

    Parameters
    ----------
    path : str or path-like
    contract : TableContract
    extra : callable, optional
        Further checks, ``table -> list of problems``, run after the contract's.

    Returns
    -------
    pandas.DataFrame
        The table: text columns as strings (empty fields missing), numeric ones as numbers.

    Raises
    ------
    ResultsError
        One line naming the file and its first problems.
    """
    path = Path(path)
    table = read_csv_text(path, contract)
    problems = check_table(table, contract)
    if not problems and extra is not None:
        problems = extra(table)
    if problems:
        shown = problems[:_SHOWN]
        more = len(problems) - len(shown)
        tail = f"; and {more} more problem(s)" if more else ""
        raise ResultsError(f"{path}: {'; '.join(shown)}{tail}.")
    for column in contract.numeric_columns:
        if column in table:
            table[column] = pd.to_numeric(table[column])
    return table


def _line(index) -> int:
    # Row 0 of the frame is line 2 of the file (after the header).
    return int(index) + 2


def check_table(table: pd.DataFrame, contract: TableContract) -> list[str]:
    """The ways ``table`` breaks ``contract`` (an empty list when it holds).

    Parameters
    ----------
    table : pandas.DataFrame
        As read by :func:`read_csv_text` (text columns as strings, a ``RangeIndex``).
    contract : TableContract

    Returns
    -------
    list of str
        One phrase per problem, each naming the column and the line.
    """
    missing = [column for column in contract.columns if column not in table.columns]
    if missing:
        return [f"missing column(s) {', '.join(missing)} of the {contract.name} table"]
    problems = _type_problems(table, contract)
    if problems:
        return problems
    problems += _vocabulary_problems(table, contract)
    problems += _key_problems(table, contract)
    problems += _value_problems(table, contract)
    return problems


def _type_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    problems = []
    for column in contract.numeric_columns:
        if column not in table:
            continue
        values = table[column]
        parsed = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & parsed.isna()
        if bad.any():
            index = bad.idxmax()
            problems.append(
                f"column {column} holds {str(values[index])!r} on line {_line(index)}, "
                "which is not a number"
            )
        elif column in contract.whole_numbers:
            number = parsed.astype(float)
            bad = ~np.isfinite(number) | (number != number.round())
            if bad.any():
                index = bad.idxmax()
                problems.append(f"column {column} is not a whole number on line {_line(index)}")
    return problems


def _vocabulary_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    vocabulary = dict(contract.vocabulary)
    if contract.statuses is not None:
        vocabulary.setdefault("status", contract.statuses)
    problems = []
    for column, allowed in vocabulary.items():
        if column not in table:
            continue
        values = table[column]
        named = tuple(each for each in allowed if each != "")
        bad = ~values.isin(named)
        if "" in allowed:
            bad &= values.notna()
        if bad.any():
            index = bad.idxmax()
            value = values[index]
            empty = pd.isna(value)
            shown = f"an empty {column}" if empty else f"{column} {str(value)!r}"
            problems.append(
                f"{shown} on line {_line(index)} is not allowed; allowed: "
                f"{', '.join(named)}{' or empty' if '' in allowed else ''}"
            )
    return problems


def _key_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    key = [column for column in contract.key if column in table]  # an optional one may be absent
    if not key:
        return []
    keys = table[key].astype(str)
    repeated = keys.duplicated(keep=False)
    if not repeated.any():
        return []
    first = repeated.idxmax()
    same = keys.eq(keys.loc[first]).all(axis=1)
    lines = [str(_line(index)) for index in table.index[same]]
    named = ", ".join(f"{column}={keys.loc[first, column]}" for column in key)
    return [
        f"lines {' and '.join(lines[:2])} repeat one row ({named}); each {', '.join(key)} "
        "has one row"
    ]


def _value_problems(table: pd.DataFrame, contract: TableContract) -> list[str]:
    if contract.statuses is None or "status" not in table:
        ok = pd.Series(True, index=table.index)
        where = ""
    else:
        ok = table["status"] == STATUS_OK
        where = " (status ok)"
    problems = []
    for column in contract.numeric_columns:
        if column not in table:
            continue
        values = pd.to_numeric(table[column]).astype(float)
        checks = []
        if not contract.allow_infinite:
            checks.append((ok & np.isinf(values), "is not finite"))
        if column in contract.required_when_ok:
            checks.append((ok & values.isna(), "is empty"))
        if column in contract.positive:
            checks.append((ok & (values <= 0), "is {value}, but must be above 0"))
        low, high = contract.ranges.get(column, (None, None))
        if low is not None:
            checks.append((ok & (values < low), f"is {{value}}, below its least value {low}"))
        if high is not None:
            checks.append((ok & (values > high), f"is {{value}}, above its greatest value {high}"))
        for rows, what in checks:
            if rows.any():
                index = rows.idxmax()
                what = what.format(value=f"{values[index]:g}")
                problems.append(f"column {column} {what} on line {_line(index)}{where}")
    return problems


def read_npz(path, what: str, *, advice: str = "") -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` results file, or one ResultsError naming the file.

    ``what`` names the kind of file with its article (``"an explain file"``); ``advice`` (e.g.
    ``"; rerun rule explain"``) follows the reason of an unreadable one.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise ResultsError(f"{path}: not found ({what}).") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        kind = what.split(" ", 1)[1]
        raise ResultsError(f"{path}: not a readable {kind} ({reason}){advice}.") from None


def read_sidecar(datasets_dir, dataset, replicate) -> dict | None:
    """The JSON sidecar of one dataset replicate (:func:`normbench.study.layout.dataset_sidecar`).

    None when it is absent, unreadable or not a JSON object: a sidecar only adds what the
    results do not say (the signal variance, the noise scale, what a user's rule recorded), so
    its readers go on without it and say so where it would have been shown.
    """
    try:
        content = json.loads(dataset_sidecar(datasets_dir, dataset, replicate).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None
