"""Collect per-job result tables, write them byte-deterministically, and read them back checked.

The per-job CSVs (one per fit job, a batch of replicates of one dataset) are concatenated into
``results/metrics.csv``, ``results/timings.csv`` and ``results/oracle.csv``. Rows are always
sorted by (dataset, replicate, loss, penalty), with losses and penalties in their natural order
rather than alphabetically, so that the same results give the same bytes whatever order the
jobs finished in.
"""

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from normbench.study.tables import ResultsError, TableContract, read_checked
from normbench.vocab import LOSSES, PENALTIES, STATUS_OK, STATUSES, order_names, pair_key
from normbench.vocab.metrics import LATER_METRIC_NAMES, METRIC_NAMES

__all__ = [
    "METRICS_COLUMNS",
    "METRICS_TABLE",
    "ORACLE_COLUMNS",
    "ORACLE_LOSSES",
    "ORACLE_METRICS",
    "ORACLE_STATUSES",
    "ORACLE_TABLE",
    "TEXT_COLUMNS",
    "TIMINGS_COLUMNS",
    "TIMINGS_TABLE",
    "ResultsError",
    "collect",
    "is_ok",
    "ok_fits",
    "order_names",
    "read_metrics",
    "read_oracle",
    "read_table",
    "read_timings",
    "sort_results",
    "write_atomically",
    "write_table",
]

#: Column order of a metrics table (docs/design.md §3).
METRICS_COLUMNS = (
    "dataset",
    "replicate",
    "loss",
    "penalty",
    "status",
    "message",
    "lam",
    "l1_ratio",
    "delta",
    "n_train",
    "p",
    *(name for name in METRIC_NAMES if name not in LATER_METRIC_NAMES),
    "cv_score",
    "intercept",
    # added later, after the columns above so that those keep their positions
    *LATER_METRIC_NAMES,
    # where lam, l1_ratio and delta landed on their CV grids (normbench.study.fit_job.tuning_edges)
    "lam_at_edge",
    "l1_ratio_at_edge",
    "delta_at_edge",
)
#: Column order of a timings table.
TIMINGS_COLUMNS = ("dataset", "replicate", "loss", "penalty", "fit_seconds", "compile_seconds")

#: The losses of the oracles, each the reference of its own loss.
ORACLE_LOSSES = ("l2", "l1", "huber")
#: Metrics of the oracle, a subset of :data:`normbench.vocab.metrics.METRIC_NAMES`.
ORACLE_METRICS = ("test_mse", "test_mae", "risk", "estimation_error", "model_error", "pve")
#: Columns of an oracle table (``write_table`` puts the known ones in its canonical order).
ORACLE_COLUMNS = (
    "dataset",
    "replicate",
    "loss",
    "status",
    "message",
    "n_train",
    "p",
    *ORACLE_METRICS,
    "intercept",
    "n_support",
)
#: The statuses of an oracle row: as a fit's, or ``not_applicable`` (see normbench.study.oracle).
ORACLE_STATUSES = (STATUS_OK, "not_converged", "not_applicable")

_SORT_COLUMNS = ("dataset", "replicate", "loss", "penalty")
# Canonical position of every known column; unknown columns keep their relative order after.
_KNOWN_COLUMNS = tuple(dict.fromkeys(METRICS_COLUMNS + TIMINGS_COLUMNS))
# Only empty fields (and explicit NaN spellings) are missing: a dataset called "NA" stays a name.
_NA_VALUES = ["", "nan", "NaN"]
#: Columns read as text, never as numbers.
TEXT_COLUMNS = (
    "dataset",
    "loss",
    "penalty",
    "status",
    "message",
    "lam_at_edge",
    "l1_ratio_at_edge",
    "delta_at_edge",
)
_FLOAT_FORMAT = "%.10g"

_KEY = ("dataset", "replicate", "loss", "penalty")
# fractions of the support metrics, and numbers that cannot be negative
_FRACTIONS = ("tpr", "fpr", "precision", "f1")
_NON_NEGATIVE = ("test_mse", "test_mae", "estimation_error", "n_nonzero", "lam", "n_train", "p")
_EDGES = ("low", "high", "interior", "")

#: ``results/metrics.csv`` as the aggregation writes it (docs/design.md §3): one row per
#: (dataset, replicate, loss, penalty); in the rows whose fit is ok, risk and model error
#: above 0 (a fit never predicts the noise-free signal exactly; 0 or below is damage).
#: Columns added over time are optional, so that an older table still reads.
METRICS_TABLE = TableContract(
    name="metrics",
    columns=(*_KEY, "status"),
    text_columns=TEXT_COLUMNS,
    optional=tuple(column for column in METRICS_COLUMNS if column not in (*_KEY, "status")),
    statuses=STATUSES,
    positive=("risk", "model_error"),
    ranges={
        **dict.fromkeys(_FRACTIONS, (0.0, 1.0)),
        **dict.fromkeys(_NON_NEGATIVE, (0.0, None)),
        "l1_ratio": (0.0, 1.0),
    },
    whole_numbers=("replicate",),
    vocabulary={
        "loss": LOSSES,
        "penalty": PENALTIES,
        **{f"{name}_at_edge": _EDGES for name in ("lam", "l1_ratio", "delta")},
    },
    key=_KEY,
)
#: ``results/timings.csv``: the wall-clock seconds of each fit, one row per fit.
TIMINGS_TABLE = TableContract(
    name="timings",
    # compile_seconds came later: a timings table written before it still reads
    columns=tuple(column for column in TIMINGS_COLUMNS if column != "compile_seconds"),
    optional=("compile_seconds",),
    text_columns=TEXT_COLUMNS,
    required_when_ok=("fit_seconds",),
    ranges={"fit_seconds": (0.0, None)},
    whole_numbers=("replicate",),
    vocabulary={"loss": LOSSES, "penalty": PENALTIES},
    key=_KEY,
)
#: ``results/oracle.csv``: one row per oracle loss per replicate (normbench.study.oracle); a
#: table written before the loss-matched oracles has no ``loss`` (least squares only).
ORACLE_TABLE = TableContract(
    name="oracle",
    columns=("dataset", "replicate", "status", "risk"),
    text_columns=TEXT_COLUMNS,
    optional=ORACLE_COLUMNS,
    statuses=ORACLE_STATUSES,
    positive=("risk", "model_error"),
    ranges=dict.fromkeys(("test_mse", "test_mae", "estimation_error", "n_support"), (0.0, None)),
    whole_numbers=("replicate",),
    vocabulary={"loss": ORACLE_LOSSES},
    key=("dataset", "replicate", "loss"),
)


def read_metrics(path):
    """Read ``results/metrics.csv`` through its contract (:data:`METRICS_TABLE`).

    Beyond the contract, every replicate of a dataset has a row for each model that any
    replicate of it has: a table cut at the end of a line (which a cut inside one would not
    be) still misses the rest of its last replicate.

    Raises
    ------
    ResultsError
        One line naming the file, the row and the problem (a cut last line, a repeated fit,
        text in a numeric column, a risk of 0 where the fit is ok, a replicate without all
        its models, ...).
    """
    return read_checked(path, METRICS_TABLE, extra=_incomplete_replicates)


def _incomplete_replicates(table) -> list[str]:
    """Replicates lacking a model that other replicates of their dataset have."""
    pairs = zip(table["loss"], table["penalty"], strict=True)
    models = [pair_key(loss, penalty) for loss, penalty in pairs]
    problems = []
    for dataset, rows in table.assign(model=models).groupby("dataset", sort=False):
        wanted = list(dict.fromkeys(rows["model"]))
        for replicate, group in rows.groupby("replicate", sort=False):
            absent = [model for model in wanted if model not in set(group["model"])]
            if absent:
                shown = ", ".join(absent[:3]) + (
                    f" and {len(absent) - 3} more" if len(absent) > 3 else ""
                )
                problems.append(
                    f"replicate {int(replicate)} of dataset {dataset} has no row for {shown} "
                    f"(lines {group.index.min() + 2} to {group.index.max() + 2}), which other "
                    "replicates of it have: the table is incomplete (cut short?)"
                )
    return problems


def read_timings(path):
    """Read ``results/timings.csv`` through its contract (:data:`TIMINGS_TABLE`)."""
    return read_checked(path, TIMINGS_TABLE)


def read_oracle(path):
    """Read ``results/oracle.csv`` through its contract (:data:`ORACLE_TABLE`)."""
    return read_checked(path, ORACLE_TABLE)


def is_ok(frame):
    """Boolean mask of the rows of a results table whose fit is ``ok`` (a clean fit)."""
    return frame["status"] == STATUS_OK


def ok_fits(frame):
    """The rows of a results table whose fit is ``ok``; the others are reported, not used."""
    return frame[is_ok(frame)]


def _rank(series, canonical):
    """Integer sort key placing ``canonical`` names first and unknown names after, sorted."""
    ordered = order_names(series.dropna().astype(str), canonical)
    position = {name: rank for rank, name in enumerate(ordered)}
    return series.map(position).fillna(len(ordered)).astype(int)


def sort_results(df):
    """Sort a result table by (dataset, replicate, loss, penalty), in their natural order.

    Datasets sort alphabetically, replicates numerically, losses as ``l2, l1, huber`` and
    penalties as ``none, l1, l2, elasticnet`` (unknown names after, alphabetically). Columns
    absent from ``df`` are skipped. The sort is stable.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    sorted_df : pandas.DataFrame
        A sorted copy with a fresh ``RangeIndex``.
    """
    keys = {}
    if "dataset" in df:
        keys["dataset"] = df["dataset"].astype(str)
    if "replicate" in df:
        keys["replicate"] = pd.to_numeric(df["replicate"])
    if "loss" in df:
        keys["loss"] = _rank(df["loss"], LOSSES)
    if "penalty" in df:
        keys["penalty"] = _rank(df["penalty"], PENALTIES)
    if not keys:
        return df.reset_index(drop=True)
    key_frame = pd.DataFrame(keys, index=df.index)
    order = key_frame.sort_values(list(keys), kind="stable").index
    return df.loc[order].reset_index(drop=True)


def read_table(path):
    """Read one result CSV written by :func:`write_table` or a per-job rule.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    df : pandas.DataFrame
        Identity and text columns as strings; empty fields as missing values.

    Raises
    ------
    ValueError
        If the file is empty or holds a header but no rows.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: empty CSV file (no header, no rows)")
    text_dtypes = {column: "str" for column in TEXT_COLUMNS}
    df = pd.read_csv(path, dtype=text_dtypes, keep_default_na=False, na_values=_NA_VALUES)
    if df.empty:
        raise ValueError(f"{path}: CSV file has a header but no rows")
    return df


def collect(paths: Sequence):
    """Concatenate per-job result CSVs into one sorted table.

    Parameters
    ----------
    paths : sequence of str or path-like
        Per-job CSV files (metrics or timings), all with the same columns.

    Returns
    -------
    df : pandas.DataFrame
        All rows, sorted by :func:`sort_results`, columns in the order of the first file.

    Raises
    ------
    ValueError
        If ``paths`` is empty, a file is empty, or two files have different columns.
    """
    paths = [Path(path) for path in paths]
    if not paths:
        raise ValueError("collect() needs at least one CSV path, got none")
    frames = [read_table(path) for path in paths]
    columns = list(frames[0].columns)
    for path, frame in zip(paths, frames, strict=True):
        if set(frame.columns) != set(columns):
            raise ValueError(
                f"{path}: columns {list(frame.columns)} differ from those of {paths[0]}: {columns}"
            )
    combined = pd.concat([frame[columns] for frame in frames], ignore_index=True)
    return sort_results(combined)


def _ordered_columns(columns):
    """Known columns in canonical order, then unknown ones in their given order."""
    known = [column for column in _KNOWN_COLUMNS if column in columns]
    return known + [column for column in columns if column not in _KNOWN_COLUMNS]


def write_table(df, path):
    """Write a result table as CSV with deterministic bytes.

    Rows are sorted with :func:`sort_results`; known columns come in their canonical order
    (:data:`METRICS_COLUMNS`, then ``fit_seconds``), other columns after them in their given
    order; floats are written with ``'%.10g'``, missing values as empty fields, lines end
    with ``'\\n'`` and the file is UTF-8. The file is replaced atomically
    (:func:`write_atomically`), so it is never seen half-written. Parent directories are created.

    Parameters
    ----------
    df : pandas.DataFrame
    path : str or path-like
    """
    path = Path(path)
    table = sort_results(df)[_ordered_columns(list(df.columns))]
    text = table.to_csv(index=False, float_format=_FLOAT_FORMAT, na_rep="", lineterminator="\n")
    # Bytes, not text mode, so no platform newline translation can creep in.
    write_atomically(path, text.encode("utf-8"))


def write_atomically(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    The bytes go to a temporary file in the same folder (so the rename stays on one file
    system), are flushed to disk, and :func:`os.replace` then swaps it in. A job killed
    mid-write leaves at most a stray ``.<name>.*.tmp`` file, never a cut result that the
    aggregation would read. Parent directories are created.

    Parameters
    ----------
    path : str or path-like
    data : bytes
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
