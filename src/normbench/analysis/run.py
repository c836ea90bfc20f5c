"""One entry point from the results store to every conclusion table: what rule ``analyse`` runs.

:func:`analyse` reads ``results/metrics.csv`` and writes, beside it, the tables the report
renders (and nothing else computes):

- ``findings.csv`` (+ ``findings.json``, the method): the paired comparisons and their verdicts
  (:mod:`normbench.analysis.findings`);
- ``answer.csv``: per scenario, does the loss, the penalty, their interaction matter
  (:mod:`normbench.analysis.answer`);
- ``precision.csv``: the Monte Carlo error each primary contrast reached and, where it is
  undecided, the replicates it would need (:mod:`normbench.analysis.precision`);
- ``best_set.csv``: per scenario and metric, the model confidence set of the best pairs
  (:mod:`normbench.analysis.best_set`);
- ``summary.csv``: every per-scenario median, mean and share with its Monte Carlo error and
  replicate count (:mod:`normbench.analysis.summary`);
- ``pooled.csv``: the loss question pooled over SNR within each group of scenarios that differ
  only in their SNR (:mod:`normbench.analysis.recommend`);
- ``derived.csv``: per fit, the risk ratio to the baseline pair and the relative risk, from the
  datasets' sidecars (:mod:`normbench.analysis.derived`), which ``summary.csv`` summarises too,
  beside the chosen hyperparameters and the references (the oracles, the signal variance);
- ``ranking.csv``: the pairs' ranks within each scenario, their mean ranks, the Friedman test
  and the Nemenyi critical difference (:mod:`normbench.analysis.ranking`);
- ``cost.csv``: per pair, its fit time (median and mean with their Monte Carlo errors, max,
  total) from ``timings.csv``, and its error relative to each scenario's best pair
  (:mod:`normbench.analysis.cost`).

The file names are :data:`normbench.study.layout.ANALYSIS_TABLES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from normbench.analysis.answer import answer_table, dataset_headline_metrics
from normbench.analysis.best_set import best_set_table
from normbench.analysis.cost import COST_COLUMNS, cost_table
from normbench.analysis.derived import derived_table, replicate_info, with_derived
from normbench.analysis.findings import findings_table, interpolant_datasets, write_findings
from normbench.analysis.precision import precision_table
from normbench.analysis.ranking import rank_pairs, ranking_table
from normbench.analysis.recommend import pooled_table
from normbench.analysis.summary import (
    EXTRA_SUMMARY_METRICS,
    margin_summary,
    reference_summary,
    summary_table,
)
from normbench.analysis.verdicts import DEFAULT_EQUIVALENCE, DEFAULT_Q
from normbench.study.layout import ANALYSIS_TABLES
from normbench.study.store import read_metrics, read_oracle, read_timings, sort_results
from normbench.vocab.metrics import METRIC_NAMES

__all__ = ["ANALYSIS_FILES", "analyse", "dataset_order"]

#: The files :func:`analyse` writes, by role, relative to the results folder.
ANALYSIS_FILES = {role: Path(path).name for role, path in ANALYSIS_TABLES.items()}


def dataset_order(metrics, config):
    """Datasets with results: config order first, then any others alphabetically."""
    present = set(metrics["dataset"])
    configured = [name for name in (config.get("datasets") or {}) if name in present]
    return configured + sorted(present.difference(configured))


def analyse(
    metrics_csv,
    out_dir,
    *,
    config: Mapping | None = None,
    datasets_dir=None,
    oracle_csv=None,
    timings_csv=None,
):
    """Write every conclusion table of a study from its metrics table.

    Parameters
    ----------
    metrics_csv : path-like
        ``results/metrics.csv``.
    out_dir : path-like
        Where the tables go (the workflow's ``results/``).
    config : Mapping, optional
        The validated study config; its ``answer`` entry sets ``q`` and the equivalence ratio.
    datasets_dir : path-like, optional
        ``results/datasets``: each replicate's JSON sidecar gives its signal variance and noise
        scale. Without it (or for a replicate without them) the relative risk is empty.
    oracle_csv : path-like, optional
        ``results/oracle.csv``: the oracles' rows of ``summary.csv``; none without it.
    timings_csv : path-like, optional
        ``results/timings.csv``: ``cost.csv``'s fit times; without it that table has no rows.

    Returns
    -------
    dict of str to pathlib.Path
        The written files, keyed as :data:`ANALYSIS_FILES`.
    """
    config = config or {}
    settings = config.get("answer") or {}
    q = float(settings.get("q", DEFAULT_Q))
    equivalence = float(settings.get("equivalence", DEFAULT_EQUIVALENCE))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {role: out_dir / name for role, name in ANALYSIS_FILES.items()}
    metrics = read_metrics(metrics_csv)  # checked: a damaged table stops here
    headline = dataset_headline_metrics(metrics)
    interpolants = interpolant_datasets(metrics)
    findings = findings_table(metrics, q=q, equivalence=equivalence, interpolants=interpolants)
    write_findings(findings, paths["findings"], q=q, equivalence=equivalence)
    _write_csv(answer_table(metrics, q=q), paths["answer"])
    precision = precision_table(findings, q=q, equivalence=equivalence, metric_of=headline)
    _write_csv(precision, paths["precision"])
    # the bootstrap streams derive from the study's seed (and the names of what they resample)
    seed = int(config.get("seed", 0))
    best = best_set_table(metrics, interpolants=interpolants, seed=seed)
    _write_csv(best, paths["best_set"])
    info = replicate_info(metrics, datasets_dir)
    derived = derived_table(metrics, info)
    _write_csv(derived, paths["derived"])
    oracle = None
    if oracle_csv is not None:
        oracle = sort_results(read_oracle(oracle_csv))
        oracle = oracle.assign(relative_risk=derived_table(oracle, info)["relative_risk"])
    measured = with_derived(metrics, derived)
    summary = summary_table(
        measured,
        metrics_names=(*METRIC_NAMES, *EXTRA_SUMMARY_METRICS),
        interpolants=interpolants,
        seed=seed,
    )
    references = (
        margin_summary(measured, seed=seed),
        reference_summary(oracle, info, seed=seed),
    )
    summary = pd.concat([summary, *references], ignore_index=True)
    _write_csv(summary, paths["summary"])
    _write_csv(pooled_table(findings, config, metric_of=headline), paths["pooled"])
    ranking = rank_pairs(metrics, dataset_order(metrics, config))
    _write_csv(ranking_table(ranking), paths["ranking"])
    if timings_csv is not None:
        cost = cost_table(read_timings(timings_csv), metrics, seed=seed)
    else:
        cost = pd.DataFrame(columns=list(COST_COLUMNS))
    _write_csv(cost, paths["cost"])
    return paths


def _write_csv(table, path):
    """Every conclusion table in one byte-stable format."""
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
