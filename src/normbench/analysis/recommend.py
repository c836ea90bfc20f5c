"""The answer a reader can act on: the loss question pooled over the SNRs of a scenario.

For each group of scenarios that differ only in their SNR or σ (:func:`snr_groups`: one noise
family, one design, one set of coefficients and sample sizes; a study whose datasets of a family
differ in those has a group for each, named by the settings that tell them apart) and each
primary contrast (:data:`normbench.analysis.precision.PRIMARY_CONTRASTS`: a robust loss against
the squared loss with the same sparse penalty), :func:`pooled_table` pools the per-scenario
mean log ratios of the findings, on each scenario's headline metric, by a random-effects
meta-analysis with their Monte Carlo errors as variances (:func:`pool_effects`). A user's dataset
is its own group. :func:`pooled_sentences` states each pooled effect
on its own, with its interval and heterogeneity: a gain and a loss are never one range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from normbench.analysis.pooling import POOLED_COLUMNS, pool_effects
from normbench.analysis.precision import PRIMARY_CONTRASTS
from normbench.analysis.scenarios import SEPARATOR, snr, snr_groups
from normbench.vocab import pair_key

__all__ = ["POOLED_TABLE_COLUMNS", "SENTENCE_PENALTY", "pooled_sentences", "pooled_table"]

_GROUP = ["family", "metric", "pair", "reference"]
#: Columns of ``results/pooled.csv``.
POOLED_TABLE_COLUMNS = (*_GROUP, "datasets", "snr_low", "snr_high", *POOLED_COLUMNS)
#: The penalty whose loss question the sentences state (the table has every sparse penalty).
SENTENCE_PENALTY = "l1"


def pooled_table(findings, config: Mapping, *, metric_of: Mapping, level=0.95):
    """The primary contrasts pooled over SNR within each group of scenarios differing only in their
    SNR (module docstring).

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv``.
    config : Mapping
        The validated study config: each dataset's scenario and SNR.
    metric_of : Mapping
        Each dataset's headline metric (the rows pooled are on it).
    level : float
        Coverage of the pooled intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POOLED_TABLE_COLUMNS`, ``family`` naming the group
        (:func:`snr_groups`); groups in config order, contrasts in
        :data:`PRIMARY_CONTRASTS` order. Rows with no spread (``se`` 0) are left out: they are
        no evidence.
    """
    entries = config.get("datasets") or {}
    order = {contrast: index for index, contrast in enumerate(PRIMARY_CONTRASTS)}
    keys = list(zip(findings["pair"], findings["reference"], strict=True))
    rows = findings[[key in order for key in keys]].copy()
    rows = rows[rows["metric"] == rows["dataset"].map(metric_of)]
    rows = rows[pd.to_numeric(rows["se"], errors="coerce") > 0]
    if rows.empty:
        # a study without a robust loss beside the squared one (one loss, as the Hastie preset)
        # asks no loss question: an empty table, not a merge of empty columns of other types
        return pd.DataFrame(columns=list(POOLED_TABLE_COLUMNS))
    groups = snr_groups(config)
    rows["family"] = [groups.get(dataset, dataset) for dataset in rows["dataset"]]
    rows["snr"] = [snr(entries.get(dataset) or {}) or math.nan for dataset in rows["dataset"]]
    datasets = list(entries) + sorted(set(rows["dataset"]) - set(entries))
    rows["_dataset"] = rows["dataset"].map({name: index for index, name in enumerate(datasets)})
    first = rows.groupby("family")["_dataset"].min()
    rows["_family"] = rows["family"].map(first)
    rows["_contrast"] = [order[key] for key in zip(rows["pair"], rows["reference"], strict=True)]
    rows = rows.sort_values(["_family", "_contrast", "_dataset"], kind="stable")
    pooled = pool_effects(rows, by=_GROUP, level=level)
    described = rows.groupby(_GROUP, sort=False).agg(
        datasets=("dataset", lambda names: " ".join(names)),
        snr_low=("snr", "min"),
        snr_high=("snr", "max"),
    )
    pooled = pooled.merge(described.reset_index(), on=_GROUP, how="left")
    return pooled[list(POOLED_TABLE_COLUMNS)].reset_index(drop=True)


def _times(value):
    return f"{value:.2g}×" if math.isfinite(value) else "n/a"


def _snr_range(low, high):
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f", SNR {low:g}" if low == high else f", SNR {low:g} to {high:g}"


def _clause(row):
    """'huber+l1 0.52× of l2+l1 (95 % interval 0.40× to 0.68×, I² 12 %)'."""
    interval = f"{row.level:.0%} interval {_times(row.ci_low)} to {_times(row.ci_high)}"
    spread = ""
    if row.k > 1 and math.isfinite(row.i2):
        spread = f", I² {row.i2:.0%}" + (": heterogeneous across SNR" if row.heterogeneous else "")
    direction = "better" if row.ci_high < 1 else "worse" if row.ci_low > 1 else "inconclusive"
    return f"{row.pair} {_times(row.effect)} of {row.reference} ({interval}{spread}; {direction})"


def pooled_sentences(pooled, *, penalty=SENTENCE_PENALTY):
    """One sentence per group pooled over SNR: its robust losses against the squared loss.

    Parameters
    ----------
    pooled : pandas.DataFrame
        ``results/pooled.csv`` (:func:`pooled_table`).
    penalty : str
        The sparse penalty whose contrasts are stated (the table holds the others).

    Returns
    -------
    list of str
        In the table's group order (``Under Gaussian noise with n 100, ρ 0.35 (...)`` where
        the group has settings beside its family's words); each effect stated on its own with
        its interval (pooled over the group's scenarios) and heterogeneity, "better"/"worse"
        only where that interval excludes 1.
    """
    if pooled is None or pooled.empty:
        return []
    rows = pooled[pooled["reference"] == pair_key("l2", penalty)]
    sentences = []
    for family, group in rows.groupby("family", sort=False):
        k = int(np.max(group["k"]))
        where = f"{k} scenarios" if k > 1 else "one scenario"
        clauses = "; ".join(_clause(row) for row in group.itertuples())
        metric = group["metric"].iloc[0]
        snrs = _snr_range(group["snr_low"].min(), group["snr_high"].max())
        words, *settings = str(family).split(SEPARATOR)
        setting = f" with {', '.join(settings)}" if settings else ""
        sentences.append(
            f"Under {words} noise{setting} ({where}{snrs}), {metric}, pooled over SNR: {clauses}."
        )
    return sentences
