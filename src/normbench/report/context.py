"""The report's context: everything it reads, read once, typed."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.analysis.answer import headline_metric
from normbench.analysis.derived import BASELINE, with_derived
from normbench.analysis.findings import interpolant_datasets
from normbench.analysis.plan import read_plan
from normbench.analysis.ranking import ranking_from_table
from normbench.analysis.run import dataset_order
from normbench.analysis.scenarios import scenario_labels
from normbench.analysis.summary import DATA_PAIR, ORACLE_SUMMARY_METRICS, oracle_pair
from normbench.analysis.tables import read_analysis, read_method
from normbench.report.figures.common import INTERPOLANT_LOSS
from normbench.report.tables import summary_number
from normbench.study.explain_files import detail_datasets, read_explain
from normbench.study.layout import OPTIONAL_REPORT_TABLES, REPORT_TABLES
from normbench.study.provenance_record import read_provenance
from normbench.study.published_check import read_published_check, read_published_variants
from normbench.study.store import (
    is_ok,
    ok_fits,
    read_metrics,
    read_timings,
    sort_results,
)
from normbench.study.store import (
    read_oracle as read_oracle_csv,
)
from normbench.study.store_fits import read_fits, stored_replicates
from normbench.study.tables import ResultsError, read_sidecar

GROUP_METRICS = ("group_hit", "group_frac", "group_whole")


def plain(value):
    """Convert a config (possibly with numpy scalars or Mapping subclasses) to plain YAML types."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def dataset_sidecars(metrics, datasets_dir):
    """``{dataset: sidecar}``: the JSON sidecar of each dataset's first replicate with results.

    What the report says about a dataset that its configuration entry does not (a user's rule:
    the sizes the writer recorded under ``contract``, the noise family it states). A dataset
    whose sidecar is absent or unreadable is left out.
    """
    sidecars = {}
    if datasets_dir is None:
        return sidecars
    first = metrics[["dataset", "replicate"]].drop_duplicates().sort_values("replicate")
    for dataset, replicate in zip(first["dataset"], first["replicate"], strict=True):
        if dataset in sidecars:
            continue
        content = read_sidecar(datasets_dir, dataset, replicate)
        if content is not None:
            sidecars[dataset] = content
    return sidecars


def collapse_interpolant(metrics, datasets):
    """The metrics with the three identical unpenalised fits of ``datasets`` as one row each.

    Where the three losses without penalty give the same minimum-norm interpolant
    (:func:`normbench.analysis.findings.interpolant_datasets`), the squared loss's row stands for
    it with loss :data:`INTERPOLANT_LOSS`, and the other two are dropped: tables and figures then
    show it once, as :data:`INTERPOLANT_LABEL`.
    """
    unpenalised = (metrics["penalty"] == "none") & metrics["dataset"].isin(list(datasets))
    frame = metrics[~unpenalised | (metrics["loss"] == "l2")].copy()
    frame.loc[unpenalised & (metrics["loss"] == "l2"), "loss"] = INTERPOLANT_LOSS
    return frame


def read_oracle(oracle_csv):
    """The oracle table (see normbench.study.oracle), or None without one.

    One row per loss per replicate; a table written before the loss-matched oracles (no
    ``loss`` column) holds least squares only, whose loss is ``l2``. The report draws no
    number from it: its medians are rows of ``results/summary.csv`` (:func:`oracle_stats`);
    only why an oracle does not apply (``message``) is read here.
    """
    if oracle_csv is None:
        return None
    oracle = sort_results(read_oracle_csv(oracle_csv))
    if "loss" not in oracle:
        oracle["loss"] = "l2"
    return oracle


def oracle_stats(ctx, dataset, loss="l2"):
    """The oracle of one loss on one dataset, from ``results/summary.csv``; None without it.

    The oracle of a loss fits that loss, unpenalised, on the true support: the reference of the
    models of the same loss (least squares for ``l2``, least absolute deviations for ``l1``,
    Huber for ``huber``). Returns a dict with ``n_ok`` (replicates where it applies),
    ``n_rows``, ``message`` (why it does not apply, from the first such row of the oracle
    table), and for each of :data:`~normbench.analysis.summary.ORACLE_SUMMARY_METRICS` its
    median (nan when none) and, under ``mcse``, that median's Monte Carlo error.
    """
    summary = ctx.mc_summary
    if summary is None:
        return None
    rows = summary[(summary["dataset"] == dataset) & (summary["pair"] == oracle_pair(loss))]
    share = rows[rows["what"] == "share_ok"]
    if share.empty:
        return None
    n_rows = int(share["n_replicates"].iloc[0])
    stats = {
        "n_ok": round(float(share["estimate"].iloc[0]) * n_rows),
        "n_rows": n_rows,
        "message": "",
        "mcse": {},
    }
    oracle = ctx.oracle
    if oracle is not None and "message" in oracle:
        mine = oracle[(oracle["dataset"] == dataset) & (oracle["loss"] == loss) & ~is_ok(oracle)]
        stats["message"] = next((str(m) for m in mine["message"] if isinstance(m, str) and m), "")
    medians = rows[rows["what"] == "median"].set_index("metric")
    for column in ORACLE_SUMMARY_METRICS:
        found = column in medians.index
        stats[column] = float(medians.at[column, "estimate"]) if found else math.nan
        stats["mcse"][column] = float(medians.at[column, "mcse"]) if found else math.nan
    return stats


def data_median(ctx, dataset, metric):
    """The :class:`~normbench.report.tables.SummaryNumber` (median, mcse, n) of the data's
    ``signal_variance`` or ``noise_scale``, or None.

    From the rows of pseudo-pair :data:`~normbench.analysis.summary.DATA_PAIR` of
    ``results/summary.csv``: the sidecars' numbers over the replicates.
    """
    if ctx.mc_summary is None:
        return None
    return summary_number(ctx.mc_summary, dataset, DATA_PAIR, metric)


def read_benchmarks(benchmarks_dir, files=None):
    """Snakemake ``benchmark:`` TSV files: one row per job, and one per file that cannot be used.

    ``files`` lists the files to read (the workflow passes the report rule's inputs); without
    it every ``*.tsv`` under ``benchmarks_dir`` is read. The rule is the first directory below
    ``benchmarks_dir`` (``logs/benchmarks/<rule>/...``) or the file name for files directly in
    it (or outside it). Returns columns ``rule``, ``s``, ``max_rss`` (MB), ``file`` (the path
    below ``benchmarks_dir``, or as given) and ``problem``: empty on a job's row; on the one row
    of a file that cannot be parsed, has a row of more or fewer cells than its head, lacks the
    ``s`` or ``max_rss`` column, holds no job or a value that is not a number, what is wrong
    with it (``s`` and ``max_rss`` empty there), so that the report names it instead of
    leaving it out unsaid. Snakemake's ``NA`` (a job too short to be measured) is an empty
    value, not a problem.
    """
    columns = ["rule", "s", "max_rss", "file", "problem"]
    root = Path(benchmarks_dir) if benchmarks_dir is not None else None
    if files is not None:
        paths = [Path(path) for path in files]
        absent = [str(path) for path in paths if not path.is_file()]
        if absent:
            raise ValueError(f"benchmark file(s) not found: {absent[:5]}")
    elif root is not None and root.is_dir():
        paths = sorted(root.rglob("*.tsv"))
    else:
        return pd.DataFrame(columns=columns)
    frames = []
    for path in paths:
        inside = root is not None and path.is_relative_to(root)
        relative = path.relative_to(root) if inside else Path(path.name)
        rule = relative.parts[0] if len(relative.parts) > 1 else path.stem
        named = {"rule": rule, "file": str(relative if inside else path)}
        table, problem = _benchmark_table(path)
        if problem:
            frames.append(
                pd.DataFrame([{**named, "s": np.nan, "max_rss": np.nan, "problem": problem}])
            )
            continue
        frames.append(
            pd.DataFrame(
                {
                    **named,
                    "s": pd.to_numeric(table["s"]),
                    "max_rss": pd.to_numeric(table["max_rss"]),
                    "problem": "",
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _benchmark_table(path):
    """``(table, "")`` of one benchmark file, or ``(None, what is wrong with it)``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        # a row of more or fewer cells than the head: pandas would take the first cell as an
        # index or fill the row with missing values, both without a word
        widths = [line.count("\t") + 1 for line in text.splitlines()]
        ragged = next((n for n, width in enumerate(widths[1:], 2) if width != widths[0]), None)
        if ragged is not None:
            return None, (
                f"line {ragged} has {widths[ragged - 1]} tab-separated cells, its head {widths[0]}"
            )
        table = pd.read_csv(io.StringIO(text), sep="\t", na_values=["NA", "-"])
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as error:
        said = str(error).strip()
        said = said.splitlines()[0] if said else type(error).__name__
        return None, f"cannot be read as a tab-separated table ({said})"
    missing = [column for column in ("s", "max_rss") if column not in table.columns]
    if missing:
        found = ", ".join(map(str, table.columns[:6])) or "none"
        return None, f"has no column {' or '.join(missing)} (its columns: {found})"
    if table.empty:
        return None, "holds no job (a header only)"
    for column in ("s", "max_rss"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        text = numbers.isna() & table[column].notna()
        if text.any():
            line = int(text.to_numpy().argmax()) + 2  # the header is line 1
            value = table[column][text].iloc[0]
            return None, f"{column} on line {line} is not a number: {value!r}"
    return table, ""


@dataclass(frozen=True)
class ReportContext:
    """Everything the report reads, read once: built by :func:`build_context`.

    Attributes
    ----------
    metrics : pandas.DataFrame
        ``results/metrics.csv`` with the per-fit columns of ``results/derived.csv``
        (:mod:`normbench.analysis.derived`): ``risk_ratio`` (to the baseline on the same
        replicate), ``relative_risk``, ``signal_variance`` and ``noise_scale``; the figures draw
        them per replicate, no number is computed from them.
    timings : pandas.DataFrame
        ``results/timings.csv``.
    all_datasets : list of str
        Every dataset with results, config order first: the pooled analyses use them all.
    datasets : list of str
        The datasets drawn one by one (:func:`normbench.study.explain.detail_datasets`).
    config : Mapping
        The validated configuration (defaults filled, sweeps expanded).
    oracle : pandas.DataFrame or None
        ``results/oracle.csv`` (its messages; its numbers are summary rows); None without one.
    explanations : dict
        ``{dataset: Explanation}`` from ``results/explain/{dataset}.npz``.
    benchmarks : pandas.DataFrame
        Snakemake's benchmark files: ``rule``, ``s``, ``max_rss``, ``file`` and ``problem``
        (a file that cannot be used: :func:`read_benchmarks`).
    benchmarks_dir : path or None
        Where they were looked for (named in a note when there are none).
    metrics_csv : path or None
        The metrics file read, offered for download as it is by the results section.
    baseline : tuple of (loss, penalty)
    findings : pandas.DataFrame
        ``results/findings.csv`` (:mod:`normbench.analysis.findings`): every sentence and verdict
        of the report comes from it and from ``answer``.
    method : dict
        ``results/findings.json``: how the effects, intervals and verdicts were computed.
    answer : pandas.DataFrame
        ``results/answer.csv`` (:mod:`normbench.analysis.answer`).
    interpolants : set of str
        Datasets whose three unpenalised fits are the one interpolant.
    display : pandas.DataFrame
        ``metrics`` with each such interpolant as one row (:func:`collapse_interpolant`): what
        the tables and figures of pairs show.
    fits : dict
        ``{dataset: {pair: FitRecord}}`` of the fits store files read (one replicate each).
    sidecars : dict
        ``{dataset: sidecar}`` of each dataset's first replicate (:func:`dataset_sidecars`).
    """

    metrics: pd.DataFrame
    timings: pd.DataFrame
    all_datasets: list
    datasets: list
    config: Mapping
    oracle: pd.DataFrame | None = None
    explanations: dict = field(default_factory=dict)
    benchmarks: pd.DataFrame = field(default_factory=lambda: read_benchmarks(None))
    benchmarks_dir: object = None
    metrics_csv: object = None
    baseline: tuple = BASELINE
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: dict = field(default_factory=dict)
    answer: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: results/precision.csv: the Monte Carlo error each primary contrast reached
    precision: pd.DataFrame | None = None
    #: results/plan.csv: the replicates each dataset ran and why (None for a fixed design)
    plan: pd.DataFrame | None = None
    #: results/best_set.csv: the model confidence set per scenario and metric
    best_set: pd.DataFrame | None = None
    #: results/summary.csv: every per-scenario median and mean with its Monte Carlo error
    mc_summary: pd.DataFrame | None = None
    #: results/pooled.csv: the loss question pooled over SNR within each group of scenarios that
    #: differ only in their SNR (normbench.analysis.scenarios.snr_groups)
    pooled: pd.DataFrame | None = None
    #: results/ranking.csv: the pairs' ranks over the scenarios and the tests (a Ranking)
    ranking: object = None
    #: results/cost.csv: each pair's fit time and relative error
    cost: pd.DataFrame | None = None
    #: each dataset's scenario in words ("Student t, 2 df · SNR 1"), its name otherwise
    labels: dict = field(default_factory=dict)
    #: results/provenance.json: the code that ran the study (None when not given)
    provenance: dict | None = None
    #: results/published_check.csv: each published number and ordering, pass or fail
    published_check: pd.DataFrame | None = None
    #: results/published_variants.csv: sensitivity variants beside the published numbers
    published_variants: pd.DataFrame | None = None
    interpolants: frozenset = frozenset()
    display: pd.DataFrame | None = None
    fits: dict = field(default_factory=dict)
    sidecars: dict = field(default_factory=dict)

    @property
    def headline(self) -> str:
        """The metric of the answer: model_error where the findings have it, else risk."""
        return headline_metric(self.findings) if len(self.findings) else "risk"

    def rows(self, dataset, *, ok=False):
        """The metrics rows of ``dataset``; only the fits that are ok with ``ok=True``."""
        rows = self.metrics[self.metrics["dataset"] == dataset]
        return ok_fits(rows) if ok else rows

    def dataset_entry(self, dataset) -> Mapping:
        """The configuration entry of ``dataset`` (empty for one the config does not name)."""
        return (self.config.get("datasets") or {}).get(dataset) or {}


def _read_explanations(files) -> dict:
    """``{dataset: Explanation}`` from explain files named ``<dataset>.npz``."""
    return {Path(path).stem: read_explain(path) for path in files or ()}


def _read_fits(files) -> dict:
    """``{dataset: {pair: FitRecord}}`` from fits store files ``<dataset>/batch<b>.npz``.

    The first replicate of the first file of a dataset is drawn (the workflow declares the
    batch holding replicate 1).
    """
    fits = {}
    for path in files or ():
        dataset = Path(path).parent.name
        if dataset not in fits:
            fits[dataset] = read_fits(path, stored_replicates(path)[0])
    return fits


def build_context(
    *,
    tables: Mapping,
    config: Mapping,
    datasets_dir=None,
    explain_files=None,
    benchmarks_dir=None,
    benchmark_files=None,
    fits_files=None,
) -> ReportContext:
    """Read every input of the report once (see :func:`normbench.report.build.build_report`).

    ``tables`` maps the roles of :data:`normbench.study.layout.REPORT_TABLES` to files; the
    analysis tables are required: the report renders them and computes no statistic (the
    per-fit ratios come from ``derived.csv``; ``datasets_dir`` only gives the sidecars that
    describe each dataset). Every
    table is read through its checked reader: a damaged one stops the report in one line.
    """
    missing = [role for role in REPORT_TABLES if role not in OPTIONAL_REPORT_TABLES]
    missing = [role for role in missing if tables.get(role) is None]
    if missing:
        raise ValueError(
            f"the report needs the tables {', '.join(missing)} (results of rules "
            "aggregate_results and analyse; normbench.analysis.run.analyse writes the analysis "
            "tables)"
        )
    metrics_csv = tables["metrics"]
    metrics = sort_results(read_metrics(metrics_csv))
    timings = sort_results(read_timings(tables["timings"]))
    published_check_csv, provenance_json = tables.get("published_check"), tables.get("provenance")
    published = None if published_check_csv is None else read_published_check(published_check_csv)
    provenance = None if provenance_json is None else read_provenance(provenance_json)
    explanations = _read_explanations(explain_files)
    fits = _read_fits(fits_files)
    # tables written before a column existed still make a report, with that column missing
    for column in ("intercept", *GROUP_METRICS):
        if column not in metrics:
            metrics[column] = np.nan
    datasets = dataset_order(metrics, config)
    findings, answer = (
        read_analysis("findings", tables["findings"]),
        read_analysis("answer", tables["answer"]),
    )
    labels = scenario_labels(config)
    interpolants = frozenset(interpolant_datasets(metrics))
    try:
        derived = with_derived(metrics, read_analysis("derived", tables["derived"]))
    except ResultsError:
        raise
    except ValueError as error:  # a derived.csv of another run: name it
        raise ResultsError(f"{tables['derived']}: {error}.") from None
    display = collapse_interpolant(derived, interpolants)
    return ReportContext(
        metrics=derived,
        timings=timings,
        # the pooled analyses use every dataset; the sections drawn per dataset, a readable few
        all_datasets=datasets,
        datasets=detail_datasets(datasets, config),
        config=config,
        oracle=read_oracle(tables.get("oracle")),
        explanations=explanations,
        benchmarks=read_benchmarks(benchmarks_dir, benchmark_files),
        benchmarks_dir=benchmarks_dir,
        metrics_csv=metrics_csv,
        baseline=BASELINE,
        findings=findings,
        method=read_method(tables["method"]),
        answer=answer,
        precision=read_analysis("precision", tables["precision"]),
        best_set=read_analysis("best_set", tables["best_set"]),
        mc_summary=read_analysis("summary", tables["summary"]),
        pooled=read_analysis("pooled", tables["pooled"]),
        ranking=ranking_from_table(read_analysis("ranking", tables["ranking"])),
        cost=read_analysis("cost", tables["cost"]),
        labels={name: labels.get(name, name) for name in datasets},
        plan=read_plan(tables["plan"]) if "plan" in tables else None,
        published_check=published,
        published_variants=(
            read_published_variants(tables["published_variants"])
            if "published_variants" in tables
            else None
        ),
        provenance=provenance,
        interpolants=interpolants,
        display=display,
        fits=fits,
        sidecars=dataset_sidecars(metrics, datasets_dir),
    )
