"""Ranking the pairs across scenarios: mean ranks, the Friedman test and the Nemenyi critical
difference (Demšar, 2006, "Statistical comparisons of classifiers over multiple data sets",
JMLR 7:1-30).

Each scenario (dataset) is one block: the pairs are ranked within it by their median error over
the replicates (rank 1 = lowest error; ties share the mean of their ranks), and the ranks are
averaged over the scenarios. The Friedman test asks whether the mean ranks differ more than
chance would make them; the Nemenyi critical difference is the smallest difference of two mean
ranks that is significant when every pair is compared with every other one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from normbench.analysis.answer import HEADLINE_METRICS
from normbench.study.store import ok_fits
from normbench.vocab import ordered_pairs, pair_key

__all__ = [
    "RANKING_COLUMNS",
    "RANKING_ROWS",
    "Ranking",
    "nemenyi_critical_difference",
    "nemenyi_q",
    "rank_pairs",
    "ranking_from_table",
    "ranking_metric",
    "ranking_table",
]

#: Columns of ``results/ranking.csv``, in order.
RANKING_COLUMNS = ("what", "dataset", "pair", "metric", "value", "reason")
#: What a row of ``results/ranking.csv`` holds (column ``what``), in the table's order:
#: the error each scenario is ranked by (``metric``), each pair's rank in each scenario, the
#: mean ranks (best first), the pairs left out (``reason``), then the tests' numbers.
RANKING_ROWS = (
    "ranked_by",
    "rank",
    "mean_rank",
    "excluded",
    "friedman_statistic",
    "friedman_p",
    "critical_difference",
    "alpha",
)


def nemenyi_q(n_treatments, alpha=0.05):
    """The Nemenyi test's critical value q_α for ``n_treatments`` compared treatments.

    ``q_α = studentized range quantile(1 − α; k, ∞) / √2`` (Demšar 2006, table 5(a): 2.343 for
    k = 3, 3.164 for k = 10 at α = 0.05).
    """
    if n_treatments < 2:
        raise ValueError(f"the Nemenyi test compares at least 2 treatments, got {n_treatments}")
    return float(stats.studentized_range.ppf(1.0 - alpha, n_treatments, np.inf) / math.sqrt(2.0))


def nemenyi_critical_difference(n_treatments, n_blocks, alpha=0.05):
    """``CD = q_α √(k (k + 1) / (6 N))`` for k treatments ranked over N blocks."""
    if n_blocks < 1:
        raise ValueError(f"the critical difference needs at least one block, got {n_blocks}")
    k = n_treatments
    return nemenyi_q(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n_blocks))


@dataclass(frozen=True)
class Ranking:
    """Mean ranks of the pairs over the scenarios, with the tests.

    Attributes
    ----------
    metrics : dict
        ``{scenario: the error its pairs are ranked by}`` (``model_error`` or ``risk``).
    ranks : pandas.DataFrame
        Rank of each pair (columns, ``loss+penalty``) in each scenario (rows).
    mean_ranks : pandas.Series
        Mean rank per pair, best (lowest) first.
    excluded : dict
        ``{pair: reason}`` for the pairs left out (no median error in some scenario).
    friedman_statistic, friedman_p : float
        The Friedman chi-square and its p-value; nan with fewer than 2 scenarios or 3 pairs.
    critical_difference : float
        The Nemenyi critical difference at ``alpha``; nan when it cannot be computed.
    alpha : float
    """

    metrics: dict
    ranks: pd.DataFrame
    mean_ranks: pd.Series
    excluded: dict
    friedman_statistic: float
    friedman_p: float
    critical_difference: float
    alpha: float

    @property
    def n_scenarios(self):
        return len(self.ranks.index)

    @property
    def n_pairs(self):
        return len(self.ranks.columns)


def ranking_metric(rows):
    """The first headline metric (one order: :data:`~normbench.analysis.answer.HEADLINE_METRICS`)
    that every successful fit of ``rows`` has: a rank needs every pair's value."""
    ok = ok_fits(rows)
    for name in HEADLINE_METRICS:
        if name in ok and len(ok) and np.isfinite(pd.to_numeric(ok[name], errors="coerce")).all():
            return name
    return "risk"


def rank_pairs(metrics, datasets=None, *, alpha=0.05):
    """Rank the pairs within each scenario and test the mean ranks (Friedman, then Nemenyi).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table: ``dataset``, ``replicate``, ``loss``, ``penalty``, ``status`` and the
        error columns; only successful fits count.
    datasets : sequence of str, optional
        The scenarios, in order; by default every dataset in ``metrics``.
    alpha : float, default=0.05
        Level of the Nemenyi critical difference.

    Returns
    -------
    Ranking
        A pair without a median error in some scenario is left out (and named in
        ``excluded``), since the Friedman test needs every pair ranked in every block.
    """
    datasets = list(datasets) if datasets is not None else list(dict.fromkeys(metrics["dataset"]))
    chosen = {
        dataset: ranking_metric(metrics[metrics["dataset"] == dataset]) for dataset in datasets
    }
    ok = ok_fits(metrics[metrics["dataset"].isin(datasets)])
    errors = np.full(len(ok), np.nan)
    for dataset, name in chosen.items():
        inside = (ok["dataset"] == dataset).to_numpy()
        errors[inside] = pd.to_numeric(ok.loc[inside, name], errors="coerce").to_numpy(float)
    ok = ok.assign(
        error=errors,
        pair=[
            pair_key(loss, penalty) for loss, penalty in zip(ok["loss"], ok["penalty"], strict=True)
        ],
    )
    pairs = [
        pair_key(*pair)
        for pair in ordered_pairs(zip(metrics["loss"], metrics["penalty"], strict=True))
    ]
    medians = (
        ok[np.isfinite(ok["error"])]
        .groupby(["dataset", "pair"])["error"]
        .median()
        .unstack("pair")
        .reindex(index=datasets, columns=pairs)
    )
    excluded = {
        pair: "no successful fit with a finite error in "
        + ", ".join(str(d) for d in medians.index[medians[pair].isna()])
        for pair in pairs
        if medians[pair].isna().any()
    }
    complete = medians.drop(columns=list(excluded))
    ranks = complete.rank(axis=1, method="average")
    mean_ranks = ranks.mean(axis=0).sort_values(kind="stable")
    n_blocks, k = ranks.shape
    statistic = p_value = critical = math.nan
    if n_blocks >= 2 and k >= 3:
        result = stats.friedmanchisquare(*(complete[pair].to_numpy() for pair in complete))
        statistic, p_value = float(result.statistic), float(result.pvalue)
    if n_blocks >= 1 and k >= 2:
        critical = nemenyi_critical_difference(k, n_blocks, alpha)
    return Ranking(
        metrics=chosen,
        ranks=ranks,
        mean_ranks=mean_ranks,
        excluded=excluded,
        friedman_statistic=statistic,
        friedman_p=p_value,
        critical_difference=critical,
        alpha=alpha,
    )


def ranking_table(ranking):
    """A :class:`Ranking` as the tidy table ``results/ranking.csv`` (:data:`RANKING_COLUMNS`).

    Empty cells where a row kind has no such field; :func:`ranking_from_table` reads it back.
    """
    rows = [
        ("ranked_by", dataset, "", metric, math.nan, "")
        for dataset, metric in ranking.metrics.items()
    ]
    for dataset in ranking.ranks.index:
        for pair in ranking.ranks.columns:
            value = float(ranking.ranks.loc[dataset, pair])
            rows.append(("rank", dataset, pair, ranking.metrics[dataset], value, ""))
    rows += [("mean_rank", "", pair, "", float(v), "") for pair, v in ranking.mean_ranks.items()]
    rows += [
        ("excluded", "", pair, "", math.nan, reason) for pair, reason in ranking.excluded.items()
    ]
    numbers = {
        "friedman_statistic": ranking.friedman_statistic,
        "friedman_p": ranking.friedman_p,
        "critical_difference": ranking.critical_difference,
        "alpha": ranking.alpha,
    }
    rows += [(what, "", "", "", float(value), "") for what, value in numbers.items()]
    return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))


def ranking_from_table(table):
    """The :class:`Ranking` that :func:`ranking_table` wrote (``results/ranking.csv``, read)."""
    text = table.assign(
        **{
            column: table[column].fillna("").astype(str)
            for column in ("dataset", "pair", "metric", "reason")
        }
    )
    of = {what: text[text["what"] == what] for what in RANKING_ROWS}
    metrics = dict(zip(of["ranked_by"]["dataset"], of["ranked_by"]["metric"], strict=True))
    ranks = of["rank"].pivot(index="dataset", columns="pair", values="value")
    pairs = list(dict.fromkeys(of["rank"]["pair"]))
    ranks = ranks.reindex(index=list(metrics), columns=pairs)
    ranks.index.name = ranks.columns.name = None
    mean_ranks = pd.Series(
        of["mean_rank"]["value"].to_numpy(dtype=float), index=of["mean_rank"]["pair"].tolist()
    )
    number = {
        what: float(of[what]["value"].iloc[0]) if len(of[what]) else math.nan
        for what in ("friedman_statistic", "friedman_p", "critical_difference", "alpha")
    }
    return Ranking(
        metrics=metrics,
        ranks=ranks,
        mean_ranks=mean_ranks,
        excluded=dict(zip(of["excluded"]["pair"], of["excluded"]["reason"], strict=True)),
        friedman_statistic=number["friedman_statistic"],
        friedman_p=number["friedman_p"],
        critical_difference=number["critical_difference"],
        alpha=number["alpha"],
    )
