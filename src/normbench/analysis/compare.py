"""Compare two runs of a study: which cells changed, and how (what ``normbench compare`` says).

A *cell* is one fit, identified by (dataset, replicate, loss, penalty). Two runs are compared
cell by cell on every column of ``results/metrics.csv`` (metrics, chosen hyperparameters,
status and message), exactly: the study promises the same bytes for the same config, so any
difference is a change worth seeing. Wall-clock times (``results/timings.csv``) are never a
change; their ratios, run B over run A, are summarised per pair.

Command line (``normbench compare --help``)::

    normbench compare DIR_A DIR_B -o compare.html

prints ``identical`` or ``N cells changed`` as its first line, then ``K conclusions changed``
(when both runs hold the analysis tables), one line per dataset with changed cells, the changed
conclusions, and writes the details to an HTML page (rendered by
:mod:`normbench.report.compare`). The exit code is 0 in every such case; it is 2, with one line
naming the file and the problem and nothing written, when a directory holds no results, a
results table is damaged (each is read through its checked reader,
:func:`normbench.study.store.read_metrics`, :func:`~normbench.study.store.read_timings` and
:func:`normbench.analysis.tables.read_analysis`), or the output cannot be written without harm
(:func:`normbench.report.compare.check_output`).

**Conclusions** (:func:`conclusions_diff`) compare what rule ``analyse`` concluded in each run,
table against table, and compute no new statistic:

- a *verdict* changed: a ``findings.csv`` row, matched by (dataset, metric, pair, reference),
  whose verdict differs, or which one run has and the other lacks;
- a *best set* changed: the pairs with ``in_set`` in ``best_set.csv`` differ for a (dataset,
  metric), or one run has that set and the other not;
- a *median* moved: a ``summary.csv`` median, matched by (dataset, pair, metric), with
  ``|m_A - m_B| > z * sqrt(mcse_A**2 + mcse_B**2)`` (``z`` stated, :data:`DEFAULT_Z` by default).
  Two runs that differ by Monte Carlo noise only flag a fraction of about ``2 (1 - Phi(z))`` of
  the medians (0.27 % at z = 3) when each mcse is the standard error of its median; a median
  without a Monte Carlo error (one replicate) is not tested, and is counted as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.analysis.tables import read_analysis
from normbench.study.layout import ANALYSIS_TABLES
from normbench.study.store import read_metrics, read_timings
from normbench.vocab import pair_key

__all__ = [
    "CONCLUSION_COLUMNS",
    "CONCLUSION_HEADINGS",
    "CONCLUSION_KINDS",
    "CONCLUSION_ROLES",
    "DEFAULT_Z",
    "KEY",
    "Comparison",
    "NoResultsError",
    "compare_runs",
    "conclusions_diff",
    "load_conclusions",
    "load_run",
    "normal_tail",
]

KEY = ("dataset", "replicate", "loss", "penalty")
_METRICS = Path("results") / "metrics.csv"
_TIMINGS = Path("results") / "timings.csv"
#: The analysis tables whose conclusions are compared (roles of ANALYSIS_TABLES).
CONCLUSION_ROLES = ("findings", "best_set", "summary")
#: How many combined Monte Carlo errors a median must move to be listed.
DEFAULT_Z = 3.0
#: Columns of :func:`conclusions_diff`'s table.
CONCLUSION_COLUMNS = ("kind", "dataset", "metric", "pair", "reference", "a", "b", "detail")
#: The kinds of changed conclusion, in the order they are listed, and the table each comes from.
CONCLUSION_KINDS = {"verdict": "findings.csv", "best set": "best_set.csv", "median": "summary.csv"}
_ABSENT = "absent"
#: The heading of each kind of changed conclusion ({z}: the rule's z).
CONCLUSION_HEADINGS = {
    "verdict": "verdicts changed",
    "best set": "best sets changed",
    "median": "medians moved by more than z = {z:g} combined Monte Carlo errors",
}


class NoResultsError(FileNotFoundError):
    """A directory given to compare holds no study results."""


@dataclass(frozen=True)
class Comparison:
    """What differs between run A and run B.

    Attributes
    ----------
    changes : pandas.DataFrame
        One row per changed value: the cell's key, ``column``, ``a`` and ``b`` (as text; empty
        where the cell or column is absent from that run), and ``kind`` (``changed``,
        ``only in A``, ``only in B``).
    n_cells : int
        Cells in either run.
    timing_ratios : pandas.DataFrame
        Per pair: the median, min and max over matched cells of fit seconds B / A, and the count.
    conclusions : pandas.DataFrame or None
        The changed conclusions (:func:`conclusions_diff`), or None when they were not compared.
    z : float
        The rule's number of combined Monte Carlo errors.
    conclusions_note : str
        Why the conclusions were not compared (empty when they were).
    n_untested_medians : int
        Medians in both runs that have no Monte Carlo error in one of them (not tested).
    """

    changes: pd.DataFrame
    n_cells: int
    timing_ratios: pd.DataFrame
    conclusions: pd.DataFrame | None = None
    z: float = DEFAULT_Z
    conclusions_note: str = ""
    n_untested_medians: int = 0

    @property
    def n_changed(self) -> int:
        """Number of cells with at least one change."""
        return len(self.changes.drop_duplicates(list(KEY))) if len(self.changes) else 0

    def headline(self) -> str:
        """``identical`` or ``N cells changed``: the first line of the command's output."""
        if self.n_changed == 0:
            return "identical"
        return f"{self.n_changed} cell{'s' if self.n_changed != 1 else ''} changed"

    def conclusions_line(self) -> str:
        """``K conclusions changed (...)``, the second line; empty when not compared."""
        if self.conclusions is None:
            return ""
        k = len(self.conclusions)
        counts = self.conclusions["kind"].value_counts()
        parts = [
            f"{int(counts.get(kind, 0))} {_plural(kind, int(counts.get(kind, 0)))}"
            for kind in CONCLUSION_KINDS
        ]
        return (
            f"{k} conclusion{'s' if k != 1 else ''} changed ({', '.join(parts)}; a median "
            f"when it moved by more than z = {self.z:g} combined Monte Carlo errors)"
        )

    def conclusion_lines(self, limit: int = 20) -> list[str]:
        """The changed conclusions as short lines, by kind (at most ``limit`` of each kind)."""
        lines = []
        if self.conclusions is None:
            return [self.conclusions_note] if self.conclusions_note else []
        for kind, source in CONCLUSION_KINDS.items():
            rows = self.conclusions[self.conclusions["kind"] == kind]
            if not len(rows):
                continue
            lines.append(f"{CONCLUSION_HEADINGS[kind].format(z=self.z)} ({source}):")
            for row in rows.head(limit).itertuples(index=False):
                what = " ".join(part for part in (row.dataset, row.metric, row.pair) if part)
                if row.reference:
                    what += f" / {row.reference}"
                detail = f"  [{row.detail}]" if row.detail else ""
                lines.append(f"  {what}: {row.a} -> {row.b}{detail}")
            if len(rows) > limit:
                lines.append(f"  ... and {len(rows) - limit} more (all of them in the -o page)")
        if self.n_untested_medians:
            lines.append(
                f"({self.n_untested_medians} medians without a Monte Carlo error in one run, "
                "each resting on a single value: not tested)"
            )
        return lines

    def by_dataset(self) -> dict[str, int]:
        """Changed cells per dataset, in the order of the changes table."""
        cells = self.changes.drop_duplicates(list(KEY))
        return {
            str(name): int(count)
            for name, count in cells.groupby("dataset", sort=False).size().items()
        }


def load_run(directory) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The metrics (and, when present, timings) table of a study's working directory.

    Raises
    ------
    NoResultsError
        If ``directory/results/metrics.csv`` does not exist.
    normbench.study.tables.ResultsError
        If a table is damaged (one line naming the file, the row and the problem).
    """
    directory = Path(directory)
    metrics_path = directory / _METRICS
    if not metrics_path.is_file():
        raise NoResultsError(
            f"{directory}: no results ({_METRICS} not found); give the working directory of a "
            "study that has run"
        )
    timings_path = directory / _TIMINGS
    metrics = read_metrics(metrics_path)
    timings = read_timings(timings_path) if timings_path.exists() else None
    return metrics, timings


def _as_text(value) -> str:
    """A value as the comparison shows it; missing values as the empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    # a column read as integers in one run (1) and as floats in the other (1.0) is no change
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def _indexed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["replicate"] = table["replicate"].astype(int)
    return table.set_index(list(KEY))


def _cell_changes(metrics_a: pd.DataFrame, metrics_b: pd.DataFrame) -> tuple[list, int]:
    a, b = _indexed(metrics_a), _indexed(metrics_b)
    columns = list(dict.fromkeys([*a.columns, *b.columns]))
    rows = []
    keys = list(dict.fromkeys([*a.index, *b.index]))
    for key in keys:
        in_a, in_b = key in a.index, key in b.index
        if not (in_a and in_b):
            kind = "only in A" if in_a else "only in B"
            rows.append(
                (*key, "(cell)", "present" if in_a else "", "present" if in_b else "", kind)
            )
            continue
        row_a, row_b = a.loc[key], b.loc[key]
        for column in columns:
            value_a = _as_text(row_a[column]) if column in a.columns else ""
            value_b = _as_text(row_b[column]) if column in b.columns else ""
            if value_a != value_b:
                rows.append((*key, column, value_a, value_b, "changed"))
    return rows, len(keys)


def _timing_ratios(timings_a, timings_b) -> pd.DataFrame:
    columns = ["pair", "median_ratio", "min_ratio", "max_ratio", "n_cells"]
    if timings_a is None or timings_b is None:
        return pd.DataFrame(columns=columns)
    merged = _indexed(timings_a)[["fit_seconds"]].merge(
        _indexed(timings_b)[["fit_seconds"]],
        how="inner",
        left_index=True,
        right_index=True,
        suffixes=("_a", "_b"),
    )
    merged = merged[(merged["fit_seconds_a"] > 0) & (merged["fit_seconds_b"] > 0)]
    merged["ratio"] = merged["fit_seconds_b"] / merged["fit_seconds_a"]
    merged["pair"] = [pair_key(loss, penalty) for *_, loss, penalty in merged.index]
    summary = merged.groupby("pair", sort=False)["ratio"].agg(["median", "min", "max", "count"])
    summary = summary.reset_index()
    summary.columns = columns
    return summary


def _plural(kind: str, count: int) -> str:
    return kind if count == 1 else f"{kind}s"


def load_conclusions(directory) -> dict[str, pd.DataFrame] | None:
    """The conclusion tables of a study folder (:data:`CONCLUSION_ROLES`), each checked.

    Returns
    -------
    dict of str to pandas.DataFrame, or None
        None when the folder holds none of them (rule analyse has not run there).

    Raises
    ------
    NoResultsError
        If it holds some of them but not all (naming the first missing file).
    normbench.study.tables.ResultsError
        If one is damaged (one line naming the file).
    """
    directory = Path(directory)
    paths = {role: directory / ANALYSIS_TABLES[role] for role in CONCLUSION_ROLES}
    present = {role: path for role, path in paths.items() if path.is_file()}
    if not present:
        return None
    missing = [path for role, path in paths.items() if role not in present]
    if missing:
        raise NoResultsError(
            f"{missing[0]}: not found, though the folder holds other analysis tables; rerun "
            "rule analyse there"
        )
    return {role: read_analysis(role, path) for role, path in present.items()}


def _number(value) -> str:
    value = float(value)
    if math.isnan(value):
        return "n/a"
    return f"{value:.4g}"


def _median_text(estimate, mcse, n) -> str:
    if math.isnan(float(estimate)):
        return "n/a"
    n_text = "" if math.isnan(float(n)) else f" (n {int(n)})"
    return f"{_number(estimate)} ± {_number(mcse)}{n_text}"


def _outer(a: pd.DataFrame, b: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """A and B side by side on ``key`` (suffixes _a, _b), A's order first, then B's own rows.

    The column ``side`` says where a row is: ``both``, ``left_only`` (A), ``right_only`` (B).
    """
    a = a.assign(_order=np.arange(len(a)))
    b = b.assign(_order=np.arange(len(a), len(a) + len(b)))
    merged = a.merge(b, on=key, how="outer", suffixes=("_a", "_b"), indicator="side", sort=False)
    rank = merged["_order_a"].fillna(merged["_order_b"])
    merged = merged.assign(_rank=rank).sort_values("_rank", kind="stable")
    return merged.drop(columns=["_rank", "_order_a", "_order_b"]).reset_index(drop=True)


def _verdict_changes(a: pd.DataFrame, b: pd.DataFrame) -> list[tuple]:
    key = ["dataset", "metric", "pair", "reference"]
    columns = [*key, "verdict", "effect"]
    merged = _outer(a[columns], b[columns], key)
    rows = []
    for row in merged.itertuples(index=False):
        verdict_a = row.verdict_a if row.side != "right_only" else _ABSENT
        verdict_b = row.verdict_b if row.side != "left_only" else _ABSENT
        if verdict_a == verdict_b:
            continue
        detail = f"effect {_number(row.effect_a)} -> {_number(row.effect_b)}"
        rows.append(
            (
                "verdict",
                row.dataset,
                row.metric,
                row.pair,
                row.reference,
                verdict_a,
                verdict_b,
                detail,
            )
        )
    return rows


def _best_sets(table: pd.DataFrame) -> dict[tuple, list[str]]:
    sets: dict[tuple, list[str]] = {}
    for row in table.itertuples(index=False):
        members = sets.setdefault((row.dataset, row.metric), [])
        if bool(row.in_set):
            members.append(row.pair)
    return sets


def _best_set_changes(a: pd.DataFrame, b: pd.DataFrame) -> list[tuple]:
    sets_a, sets_b = _best_sets(a), _best_sets(b)
    rows = []
    for key in list(dict.fromkeys([*sets_a, *sets_b])):
        members_a, members_b = sets_a.get(key), sets_b.get(key)
        if members_a is not None and members_b is not None and set(members_a) == set(members_b):
            continue
        text_a = _ABSENT if members_a is None else (", ".join(members_a) or "(empty)")
        text_b = _ABSENT if members_b is None else (", ".join(members_b) or "(empty)")
        gained = [p for p in members_b or [] if p not in (members_a or [])]
        lost = [p for p in members_a or [] if p not in (members_b or [])]
        detail = ", ".join([*(f"+{p}" for p in gained), *(f"-{p}" for p in lost)])
        rows.append(("best set", *key, "", "", text_a, text_b, detail))
    return rows


def _median_changes(a: pd.DataFrame, b: pd.DataFrame, z: float) -> tuple[list[tuple], int]:
    key = ["dataset", "metric", "pair"]
    columns = [*key, "estimate", "mcse", "n_replicates"]
    medians_a = a.loc[a["what"] == "median", columns]
    medians_b = b.loc[b["what"] == "median", columns]
    merged = _outer(medians_a, medians_b, key)
    estimate_a = merged["estimate_a"].to_numpy(float)
    estimate_b = merged["estimate_b"].to_numpy(float)
    both = (merged["side"] == "both").to_numpy()
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(estimate_a - estimate_b)
        error = np.hypot(merged["mcse_a"].to_numpy(float), merged["mcse_b"].to_numpy(float))
        moved = both & (gap > z * error)
    valued = both & ~(np.isnan(estimate_a) & np.isnan(estimate_b))
    untested = int((valued & np.isnan(error)).sum())
    listed = moved | ~both
    rows = []
    for row, size, sigma in zip(
        merged[listed].itertuples(index=False), gap[listed], error[listed], strict=True
    ):
        text_a = (
            _ABSENT
            if row.side == "right_only"
            else _median_text(row.estimate_a, row.mcse_a, row.n_replicates_a)
        )
        text_b = (
            _ABSENT
            if row.side == "left_only"
            else _median_text(row.estimate_b, row.mcse_b, row.n_replicates_b)
        )
        if row.side != "both":
            detail = ""
        elif sigma > 0:
            detail = f"moved {_number(size)} = {size / sigma:.1f} x combined MCSE {_number(sigma)}"
        else:
            detail = f"moved {_number(size)}; combined MCSE 0"
        rows.append(("median", row.dataset, row.metric, row.pair, "", text_a, text_b, detail))
    return rows, untested


def conclusions_diff(a_tables, b_tables, z: float = DEFAULT_Z) -> pd.DataFrame:
    """The conclusions that differ between two runs' analysis tables (module docstring's rule).

    Parameters
    ----------
    a_tables, b_tables : mapping of str to pandas.DataFrame
        Each run's ``findings``, ``best_set`` and ``summary`` tables as their checked readers
        return them (:func:`load_conclusions`).
    z : float
        A median is listed when it moved by more than ``z`` combined Monte Carlo errors,
        ``|m_A - m_B| > z * sqrt(mcse_A**2 + mcse_B**2)``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONCLUSION_COLUMNS`, one row per changed conclusion: ``kind`` (``verdict``,
        ``best set``, ``median``), its key (``reference`` empty except for verdicts, ``pair``
        empty for best sets), ``a`` and ``b`` as text (``absent`` where the run lacks it), and a
        ``detail`` (the effects; the pairs gained and lost; how far the median moved). Verdicts
        first, then best sets, then medians, each in run A's order.
    """
    return _conclusions(a_tables, b_tables, z)[0]


def _conclusions(a_tables, b_tables, z) -> tuple[pd.DataFrame, int]:
    """:func:`conclusions_diff` and the count of medians not tested (no Monte Carlo error)."""
    if not z > 0:
        raise ValueError(f"z must be positive, got {z}")
    rows = _verdict_changes(a_tables["findings"], b_tables["findings"])
    rows += _best_set_changes(a_tables["best_set"], b_tables["best_set"])
    median_rows, untested = _median_changes(a_tables["summary"], b_tables["summary"], z)
    rows += median_rows
    return pd.DataFrame(rows, columns=list(CONCLUSION_COLUMNS)), untested


def compare_runs(directory_a, directory_b, *, conclusions=None, z=DEFAULT_Z) -> Comparison:
    """Compare the results of two study directories (see the module docstring).

    Parameters
    ----------
    directory_a, directory_b : path-like
        Study folders (each holding ``results/metrics.csv``).
    conclusions : bool or None
        Compare the analysis tables too: None (default) when both runs have them, True to
        require them (a run without them is then a :class:`NoResultsError`), False never.
    z : float
        The rule for medians (:func:`conclusions_diff`).
    """
    metrics_a, timings_a = load_run(directory_a)
    metrics_b, timings_b = load_run(directory_b)
    tables, note = None, ""
    if conclusions is not False:
        loaded = [load_conclusions(directory) for directory in (directory_a, directory_b)]
        lacking = [d for d, t in zip((directory_a, directory_b), loaded, strict=True) if t is None]
        if lacking and conclusions:
            raise NoResultsError(
                f"{Path(lacking[0]) / ANALYSIS_TABLES['findings']}: not found; the conclusions "
                "are compared from the analysis tables (run rule analyse there)"
            )
        if lacking:
            note = (
                f"conclusions not compared: {', '.join(map(str, lacking))} "
                f"{'has' if len(lacking) == 1 else 'have'} no analysis tables"
            )
        else:
            tables = loaded
    rows, n_cells = _cell_changes(metrics_a, metrics_b)
    changes = pd.DataFrame(rows, columns=[*KEY, "column", "a", "b", "kind"])
    diff, untested = None, 0
    if tables is not None:
        diff, untested = _conclusions(*tables, z)
    return Comparison(
        changes,
        n_cells,
        _timing_ratios(timings_a, timings_b),
        conclusions=diff,
        z=z,
        conclusions_note=note,
        n_untested_medians=untested,
    )


def normal_tail(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))
