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
- ``pooled.csv``: the loss question pooled over SNR within each noise family
  (:mod:`normbench.analysis.recommend`).

The file names are :data:`normbench.study.layout.ANALYSIS_TABLES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from normbench.analysis.answer import answer_table, dataset_headline_metrics
from normbench.analysis.best_set import best_set_table
from normbench.analysis.findings import findings_table, interpolant_datasets, write_findings
from normbench.analysis.precision import precision_table
from normbench.analysis.recommend import pooled_table
from normbench.analysis.summary import summary_table
from normbench.analysis.verdicts import DEFAULT_EQUIVALENCE, DEFAULT_Q
from normbench.study.layout import ANALYSIS_TABLES
from normbench.study.store import read_metrics
from normbench.vocab.metrics import METRIC_NAMES

__all__ = ["ANALYSIS_FILES", "analyse"]

#: The files :func:`analyse` writes, by role, relative to the results folder.
ANALYSIS_FILES = {role: Path(path).name for role, path in ANALYSIS_TABLES.items()}


def analyse(metrics_csv, out_dir, *, config: Mapping | None = None):
    """Write every conclusion table of a study from its metrics table.

    Parameters
    ----------
    metrics_csv : path-like
        ``results/metrics.csv``.
    out_dir : path-like
        Where the tables go (the workflow's ``results/``).
    config : Mapping, optional
        The validated study config; its ``answer`` entry sets ``q`` and the equivalence ratio.

    Returns
    -------
    dict of str to pathlib.Path
        The written files, keyed as :data:`ANALYSIS_FILES`.
    """
    settings = (config or {}).get("answer") or {}
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
    seed = int((config or {}).get("seed", 0))
    best = best_set_table(metrics, interpolants=interpolants, seed=seed)
    _write_csv(best, paths["best_set"])
    summary = summary_table(
        metrics, metrics_names=METRIC_NAMES, interpolants=interpolants, seed=seed
    )
    _write_csv(summary, paths["summary"])
    _write_csv(pooled_table(findings, config or {}, metric_of=headline), paths["pooled"])
    return paths


def _write_csv(table, path):
    """Every conclusion table in one byte-stable format."""
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
