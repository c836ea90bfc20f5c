"""Replicates planned from a pilot: how many each dataset needs for a target Monte Carlo error.

A study whose config says ``replicates: {pilot: n0, mcse: e, max: M}`` first runs ``n0``
replicates of every dataset. From the pilot's fits, for each *primary contrast* c of a dataset
(below) with per-replicate log ratios ``d_i = log(A_i / B_i)`` and pilot standard deviation
``s_c``, the replicates needed for the Monte Carlo standard error of the mean log ratio,
``s / sqrt(N)``, to be at most ``e`` are

    N_c = ceil((s_c / e) ** 2)

(with a target 95 % half-width ``h`` instead, ``N_c = ceil((t_{n0-1, 0.975} s_c / h) ** 2)``,
Stein's two-stage rule). The dataset runs ``N = min(M, max(n0, max_c N_c))`` replicates,
``capped`` when ``M`` binds, rounded up to the end of its last fit job (the extra replicates
run in whole batches of ``replicates_per_job``, :func:`normbench.study.batches.batch_end`), so
that every simulated replicate is fitted and every batch is the same whatever the plan decides.

**Primary contrasts**: the loss question on the sparse penalties, each robust loss against the
squared loss with the same penalty (``l1+l1`` and ``huber+l1`` against ``l2+l1``,
``l1+elasticnet`` and ``huber+elasticnet`` against ``l2+elasticnet``;
:func:`normbench.analysis.findings.comparisons`), on ``model_error``, or ``risk`` where a
dataset has no model error, or ``test_mse`` where it has neither (a real dataset). A contrast
whose log ratios have a zero standard deviation over the pilot (identical fits) needs no more
replicates; ``plan.csv`` lists such contrasts in ``zero_sd``. A contrast with fewer than two
usable pilot replicates cannot be planned and asks for ``M``.

The plan depends only on the pilot's results, which are deterministic, so a planned study is as
reproducible as a fixed one: ``results/plan.csv`` has the same bytes whatever ``--cores``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from normbench.analysis.answer import HEADLINE_METRICS
from normbench.analysis.findings import comparisons
from normbench.study.batches import batch_end
from normbench.study.config import ReplicatePlan, replicate_plan, study_penalties
from normbench.study.job_tables import METRICS, JobIdentity, collect_checked
from normbench.study.store import write_atomically
from normbench.study.tables import ResultsError
from normbench.vocab import parse_pair

__all__ = [
    "PLAN_COLUMNS",
    "PLAN_METRICS",
    "PlanError",
    "plan_pilot",
    "plan_table",
    "primary_contrasts",
    "read_plan",
    "required_replicates",
    "write_plan",
]

#: Columns of ``results/plan.csv``, in order: one row per dataset, naming the contrast that
#: drives its plan (the one needing the most replicates).
PLAN_COLUMNS = (
    "dataset",
    "contrast",
    "metric",
    "pilot_sd",
    "required",
    "run",
    "capped",
    "zero_sd",
)
#: The metric a dataset's contrasts are planned on: the first of these it has (one order, the
#: headline's).
PLAN_METRICS = HEADLINE_METRICS
#: Penalties whose loss question is primary.
_SPARSE_PENALTIES = ("l1", "elasticnet")
_SQUARED_LOSS = "l2"
#: How a contrast is spelled in ``plan.csv``: the ratio A / B.
_CONTRAST_SEPARATOR = "/"


class PlanError(ResultsError):
    """A pilot that cannot be planned from, or a damaged ``plan.csv``; the message says which."""


def primary_contrasts(losses: Sequence[str], penalties: Sequence[str]) -> list[tuple[str, str]]:
    """The (pair, reference) contrasts a plan is made for, as pair keys, in findings' order.

    Each robust loss against the squared loss with the same sparse penalty: of
    :func:`normbench.analysis.findings.comparisons`, the loss question on ``l1`` and
    ``elasticnet``.

    Examples
    --------
    >>> primary_contrasts(["l2", "l1", "huber"], ["none", "l1", "l2", "elasticnet"])[:2]
    [('l1+l1', 'l2+l1'), ('huber+l1', 'l2+l1')]
    """
    found = []
    for pair, reference in comparisons(losses, penalties, interpolant=False):
        loss, penalty = parse_pair(pair)
        if penalty in _SPARSE_PENALTIES and parse_pair(reference) == (_SQUARED_LOSS, penalty):
            found.append((pair, reference))
    return found


def required_replicates(sd: float, n: int, plan: ReplicatePlan) -> int:
    """Replicates a contrast needs: ``ceil((sd / mcse)^2)`` or Stein's for a half-width.

    Parameters
    ----------
    sd : float
        The SD of the contrast's log ratios over the pilot (NaN when unknown: then ``plan.max``).
    n : int
        The pilot replicates it rests on (Stein's t quantile has ``n - 1`` degrees of freedom).
    plan : ReplicatePlan

    Returns
    -------
    int
        At least 1; not yet capped at ``plan.max`` nor raised to the pilot.

    Examples
    --------
    >>> required_replicates(0.45, 10, ReplicatePlan(pilot=10, max=40, mcse=0.1))
    21
    """
    if not math.isfinite(sd):
        return plan.max
    if plan.half_width is not None:
        ratio = float(stats.t.ppf(0.975, n - 1)) * sd / plan.half_width
    else:
        ratio = sd / plan.mcse
    return max(1, math.ceil(ratio * ratio))


def _log_ratios(rows: pd.DataFrame, metric: str, pair: str, reference: str) -> np.ndarray:
    """``log(pair / reference)`` per replicate where both fits have the metric (not failed)."""
    usable = rows[rows["status"].astype(str) != "failed"]
    values = {}
    for key in (pair, reference):
        loss, penalty = parse_pair(key)
        chosen = usable[(usable["loss"] == loss) & (usable["penalty"] == penalty)]
        values[key] = pd.to_numeric(chosen.set_index("replicate")[metric], errors="coerce")
    a, b = values[pair].align(values[reference], join="inner")
    keep = np.isfinite(a.to_numpy(float)) & np.isfinite(b.to_numpy(float))
    a, b = a[keep], b[keep]
    bad = (a <= 0) | (b <= 0)
    if bad.any():
        replicate = a.index[np.argmax(bad.to_numpy())]
        raise PlanError(
            f"{metric} of {pair} or {reference} is not positive in replicate {replicate} of "
            f"dataset {rows['dataset'].iloc[0]}: a log ratio needs positive values (a bug?)"
        )
    return np.log(a.to_numpy(float)) - np.log(b.to_numpy(float))


def _plan_metric(rows: pd.DataFrame) -> str:
    for name in PLAN_METRICS:
        if name in rows and pd.to_numeric(rows[name], errors="coerce").notna().any():
            return name
    raise PlanError(
        f"dataset {rows['dataset'].iloc[0]} has none of {', '.join(PLAN_METRICS)} in the pilot"
    )


def plan_table(
    metrics: pd.DataFrame, plan: ReplicatePlan, *, per_job: int | None = None
) -> pd.DataFrame:
    """Each dataset's planned replicates from its pilot (module docstring).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The pilot's rows of the metrics table (replicates ``1 ... plan.pilot``; later ones are
        ignored).
    plan : ReplicatePlan
        The config's ``replicates``.
    per_job : int, optional
        ``replicates_per_job``: ``run`` is rounded up to the end of a batch of the layout
        :mod:`normbench.study.batches` gives the pilot and the extra replicates. Without it,
        ``run`` is N itself.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PLAN_COLUMNS`, one row per dataset, sorted by dataset: the driving
        contrast (``pair/reference``, the first of the largest ``required``), its metric and
        pilot SD, ``required`` (its N_c, before the cap and the pilot), ``run``, ``capped``
        (``required > plan.max``) and ``zero_sd`` (the dataset's contrasts of zero pilot SD,
        joined by ``;``).

    Raises
    ------
    PlanError
        If a dataset has no primary contrast or no metric to plan on, or a metric value of a
        contrast is not positive.
    """
    pilot = metrics[pd.to_numeric(metrics["replicate"]) <= plan.pilot]
    records = []
    for dataset, rows in pilot.groupby("dataset", sort=True):
        contrasts = primary_contrasts(rows["loss"].unique(), rows["penalty"].unique())
        if not contrasts:
            raise PlanError(
                f"dataset {dataset} has no primary contrast to plan on: a plan needs the l2 loss, "
                "another loss and the l1 or elasticnet penalty"
            )
        metric = _plan_metric(rows)
        planned = []
        for pair, reference in contrasts:
            ratios = _log_ratios(rows, metric, pair, reference)
            sd = float(np.std(ratios, ddof=1)) if ratios.size >= 2 else math.nan
            planned.append((f"{pair}{_CONTRAST_SEPARATOR}{reference}", sd, ratios.size))
        needs = [required_replicates(sd, n, plan) for _, sd, n in planned]
        driver = int(np.argmax(needs))
        contrast, sd, _ = planned[driver]
        required = needs[driver]
        run = min(plan.max, max(plan.pilot, required))
        if per_job is not None:
            run = batch_end(run, plan.max, per_job, plan.pilot)
        records.append(
            {
                "dataset": dataset,
                "contrast": contrast,
                "metric": metric,
                "pilot_sd": sd,
                "required": required,
                "run": run,
                "capped": required > plan.max,
                "zero_sd": ";".join(name for name, each, _ in planned if each == 0.0),
            }
        )
    return pd.DataFrame(records, columns=list(PLAN_COLUMNS))


def write_plan(table: pd.DataFrame, path) -> None:
    """Write ``plan.csv`` with deterministic bytes (``%.10g``, ``capped`` as true/false)."""
    table = table[list(PLAN_COLUMNS)].copy()
    table["capped"] = [str(bool(flag)).lower() for flag in table["capped"]]
    text = table.to_csv(index=False, float_format="%.10g", na_rep="", lineterminator="\n")
    write_atomically(path, text.encode("utf-8"))


def read_plan(path) -> pd.DataFrame:
    """Read ``plan.csv`` and check it; a damaged file is refused in one line naming it.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PLAN_COLUMNS`; ``required`` and ``run`` as integers, ``capped`` as bool.

    Raises
    ------
    PlanError
        If the file is missing, cut short (no final newline), lacks a column, repeats a dataset,
        or holds a ``run`` or ``required`` that is not a whole number of at least 1, or a
        ``capped`` other than true/false.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PlanError(f"{path}: cannot read the plan ({error.strerror})") from None
    if not data.endswith(b"\n"):
        raise PlanError(f"{path}: ends inside a line (cut short?); plan.csv ends with a newline")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in PLAN_COLUMNS if column not in table]
    if missing:
        raise PlanError(f"{path}: missing column(s) {', '.join(missing)} of a plan table")
    problem = _plan_problem(table)
    if problem:
        raise PlanError(f"{path}: {problem}")
    table["required"] = table["required"].astype(int)
    table["run"] = table["run"].astype(int)
    table["capped"] = table["capped"] == "true"
    table["pilot_sd"] = pd.to_numeric(table["pilot_sd"])
    return table[list(PLAN_COLUMNS)]


def _plan_problem(table: pd.DataFrame) -> str:
    repeated = table["dataset"][table["dataset"].duplicated()]
    if len(repeated):
        return f"dataset {repeated.iloc[0]} has two rows"
    for column in ("required", "run"):
        bad = ~table[column].str.fullmatch(r"[1-9]\d*")
        if bad.any():
            return (
                f"{column} of dataset {table['dataset'][bad.idxmax()]} is not a whole number >= 1"
            )
    bad = ~table["capped"].isin(("true", "false"))
    if bad.any():
        return f"capped of dataset {table['dataset'][bad.idxmax()]} is not true or false"
    return ""


def plan_pilot(
    metrics_csvs: Sequence,
    jobs: Sequence,
    replicates: Mapping | int,
    *,
    models: Mapping,
    per_job: int,
    out,
) -> pd.DataFrame:
    """The checkpoint's job: read the pilot's per-batch metrics files (checked), plan, write.

    Parameters
    ----------
    metrics_csvs : sequence of path
        The pilot's per-job metrics tables (``results/metrics/<dataset>/batch<b>.csv``).
    jobs : sequence of (str, sequence of int)
        The dataset and replicates of the job that wrote each file (its rows are checked).
    replicates : mapping
        The validated config's ``replicates``: a plan.
    models : mapping
        The config's ``models`` (each file must hold every loss x penalty).
    per_job : int
        ``replicates_per_job``.
    out : path
        ``results/plan.csv``.

    Returns
    -------
    pandas.DataFrame
        The plan written.

    Raises
    ------
    PlanError
        If ``replicates`` is a number (there is nothing to plan), or from :func:`plan_table`.
    """
    plan = replicate_plan({"replicates": replicates})
    if plan is None:
        raise PlanError(f"replicates is the fixed number {replicates}: there is nothing to plan")
    pairs = tuple(
        (loss, penalty) for loss in models["losses"] for penalty in study_penalties(models)
    )
    identities = [
        JobIdentity(dataset, tuple(int(each) for each in members), pairs)
        for dataset, members in jobs
    ]
    metrics = collect_checked(metrics_csvs, METRICS, identities)
    table = plan_table(metrics, plan, per_job=per_job)
    write_plan(table, out)
    return table
