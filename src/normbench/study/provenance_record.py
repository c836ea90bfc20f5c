"""``results/provenance.json`` as the report reads it: its fields and a checked reader.

Kept apart from the writer (:mod:`normbench.study.provenance`), which records the environment
and so imports the numerical libraries; the report imports only this.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

from normbench.study.tables import ResultsError

__all__ = ["is_commit", "read_provenance"]

# The fields of results/provenance.json and the types each may hold (None: unknown).
_FIELDS = {
    "version": (str,),
    "commit": (str, type(None)),
    "uncommitted_changes": (bool, type(None)),
    "imported_from": (str, type(None)),
}

_HEX = frozenset("0123456789abcdef")


def is_commit(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


def read_provenance(path: str | PathLike) -> dict:
    """Read ``results/provenance.json`` as :func:`write_provenance` writes it.

    Raises
    ------
    ResultsError
        One line naming the file and the problem: not found, not UTF-8, not JSON (with the line
        and column), not an object, a field of the wrong type, a commit that is no commit id.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: not found (the study's provenance record).") from None
    except UnicodeDecodeError as error:
        raise ResultsError(f"{path}: not a UTF-8 text file (byte {error.start}).") from None
    except json.JSONDecodeError as error:
        raise ResultsError(
            f"{path}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            "rerun the aggregation to write it again."
        ) from None
    if not isinstance(record, dict):
        raise ResultsError(f"{path}: holds a JSON {type(record).__name__}, not an object.")
    for name, types in _FIELDS.items():
        if name in record and not isinstance(record[name], types):
            allowed = " or ".join("null" if kind is type(None) else kind.__name__ for kind in types)
            raise ResultsError(
                f"{path}: field {name} is {json.dumps(record[name])}, which is not {allowed}."
            )
    commit = record.get("commit")
    if commit is not None and not is_commit(commit):
        raise ResultsError(f"{path}: field commit is {commit!r}, which is not a commit id.")
    return record
