"""Statistics of the report: paired effect sizes, paired tests and a two-way ANOVA.

The replicates of one dataset are *paired*: all twelve pairs are fitted to the same training
data, tuned on the same folds and scored on the same test set. Every comparison here therefore
works on per-replicate ratios (or on log values, whose differences are log ratios), never on
two independent samples.

- :func:`paired_effect` -- the effect of one pair against a baseline as a ratio (or difference)
  of medians with a paired bootstrap confidence interval.
- :func:`paired_comparisons` -- every pair against a reference pair within one dataset:
  Wilcoxon signed-rank and paired t-test on log values, Holm-adjusted over the pairs.
- :func:`interaction_anova` -- ``log(metric) ~ C(loss) * C(penalty) + C(dataset)`` by ordinary
  least squares, with a type II ANOVA table: does the best penalty depend on the loss?
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from normbench.study.store import LOSSES, PENALTIES, ok_fits, order_names

__all__ = [
    "AnovaResult",
    "PairedEffect",
    "interaction_anova",
    "paired_comparisons",
    "paired_effect",
    "paired_values",
]

_KEYS = ["dataset", "replicate", "loss", "penalty"]


def _ok(metrics):
    return ok_fits(metrics)


def paired_values(metrics, dataset, pair, baseline, metric):
    """Values of ``metric`` for ``pair`` and ``baseline`` on the replicates where both exist.

    Parameters
    ----------
    metrics : pandas.DataFrame
        A metrics table; only ``status == "ok"`` rows with a finite value are used.
    dataset : str
    pair, baseline : tuple of (loss, penalty)
    metric : str

    Returns
    -------
    values, reference : ndarray
        Aligned on the replicate (sorted by replicate).
    """
    rows = _ok(metrics[metrics["dataset"] == dataset])
    rows = rows.assign(_value=pd.to_numeric(rows[metric], errors="coerce"))
    rows = rows[np.isfinite(rows["_value"].to_numpy(dtype=float))]

    def by_replicate(loss, penalty):
        chosen = rows[(rows["loss"] == loss) & (rows["penalty"] == penalty)]
        return chosen.groupby("replicate")["_value"].first()

    joined = pd.concat([by_replicate(*pair), by_replicate(*baseline)], axis=1, join="inner")
    joined = joined.sort_index()
    return joined.iloc[:, 0].to_numpy(dtype=float), joined.iloc[:, 1].to_numpy(dtype=float)


@dataclass(frozen=True)
class PairedEffect:
    """Effect of a pair against a baseline on the replicates where both succeeded.

    ``kind == "ratio"``: ``estimate`` is ``median(pair) / median(baseline) - 1`` (a relative
    difference of medians, e.g. -0.3 for 30 % lower) and ``low``/``high`` the percentile
    bootstrap interval of the same statistic when replicates are resampled in pairs.
    ``kind == "difference"``: ``median(pair) - median(baseline)`` and its interval.
    """

    kind: str
    estimate: float
    low: float
    high: float
    n: int


def paired_effect(values, reference, *, kind="ratio", n_boot=2000, level=0.95, seed=0):
    """Difference of medians between two paired samples, with a paired bootstrap interval.

    Parameters
    ----------
    values, reference : array-like of shape (n,)
        Paired observations (same replicate at the same position).
    kind : {"ratio", "difference"}
        ``"ratio"``: relative difference of medians ``median(values) / median(reference) - 1``
        (needs positive values); ``"difference"``: ``median(values) - median(reference)``.
    n_boot : int
        Bootstrap resamples of the replicate indices (the same indices for both samples).
    level : float
        Confidence level of the percentile interval.
    seed : int
        Seed of the :class:`numpy.random.Generator` that draws the resamples.

    Returns
    -------
    PairedEffect
        ``nan`` everywhere when there is no pair (or, for a ratio, a non-positive median).

    Examples
    --------
    >>> effect = paired_effect([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    >>> round(effect.estimate, 3), round(effect.low, 3), round(effect.high, 3)
    (-0.5, -0.5, -0.5)
    """
    if kind not in ("ratio", "difference"):
        raise ValueError(f"kind must be 'ratio' or 'difference', got {kind!r}")
    values = np.asarray(values, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if values.shape != reference.shape:
        raise ValueError("values and reference must have the same shape (paired samples)")
    n = values.size
    if n == 0:
        return PairedEffect(kind, math.nan, math.nan, math.nan, 0)

    def statistic(a, b):
        med_a, med_b = np.median(a, axis=-1), np.median(b, axis=-1)
        if kind == "difference":
            return med_a - med_b
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(med_b > 0, med_a / med_b - 1.0, np.nan)

    estimate = float(statistic(values, reference))
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, size=(n_boot, n))
    draws = statistic(values[index], reference[index])
    draws = draws[np.isfinite(draws)]
    if draws.size == 0 or not math.isfinite(estimate):
        return PairedEffect(kind, estimate, math.nan, math.nan, n)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    return PairedEffect(kind, estimate, float(low), float(high), n)


def paired_comparisons(metrics, dataset, reference, *, metric="risk", alpha=0.05):
    """Every pair of one dataset against a reference pair, Holm-adjusted.

    For each other pair, on the replicates where both pairs succeeded, the per-replicate log
    ratio ``log(metric / metric_reference)`` is tested against zero by the Wilcoxon signed-rank
    test (:func:`scipy.stats.wilcoxon`, two-sided) and by the paired t-test on log values
    (:func:`scipy.stats.ttest_1samp` of the log ratios). The Wilcoxon p-values are adjusted for
    the number of comparisons with Holm's method
    (:func:`statsmodels.stats.multitest.multipletests`).

    Parameters
    ----------
    metrics : pandas.DataFrame
    dataset : str
    reference : tuple of (loss, penalty)
        Usually the pair with the lowest median risk.
    metric : str
        A positive, lower-is-better metric such as ``risk``.
    alpha : float
        Family-wise error rate for the ``significant`` column.

    Returns
    -------
    pandas.DataFrame
        One row per other pair (loss-major order): ``loss``, ``penalty``, ``n``,
        ``median_ratio`` (median of the per-replicate ratios), ``p_wilcoxon``, ``p_t``,
        ``p_holm`` (Holm-adjusted Wilcoxon) and ``significant`` (``p_holm < alpha``).
        p-values are ``nan`` when fewer than two paired replicates exist or all ratios are 1.
    """
    from scipy import stats as scipy_stats
    from statsmodels.stats.multitest import multipletests

    rows = metrics[metrics["dataset"] == dataset]
    losses = order_names(rows["loss"], LOSSES)
    penalties = order_names(rows["penalty"], PENALTIES)
    present = set(zip(rows["loss"], rows["penalty"], strict=True))
    records = []
    for loss in losses:
        for penalty in penalties:
            if (loss, penalty) == tuple(reference) or (loss, penalty) not in present:
                continue
            values, base = paired_values(metrics, dataset, (loss, penalty), reference, metric)
            keep = (values > 0) & (base > 0)
            log_ratio = np.log(values[keep]) - np.log(base[keep])
            n = int(log_ratio.size)
            p_wilcoxon = p_t = math.nan
            if n >= 2 and np.any(log_ratio != 0):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # small-sample notes of scipy
                    p_wilcoxon = float(scipy_stats.wilcoxon(log_ratio).pvalue)
                    if np.std(log_ratio) > 0:
                        p_t = float(scipy_stats.ttest_1samp(log_ratio, 0.0).pvalue)
            records.append(
                {
                    "loss": loss,
                    "penalty": penalty,
                    "n": n,
                    "median_ratio": float(np.exp(np.median(log_ratio))) if n else math.nan,
                    "p_wilcoxon": p_wilcoxon,
                    "p_t": p_t,
                }
            )
    table = pd.DataFrame(
        records, columns=["loss", "penalty", "n", "median_ratio", "p_wilcoxon", "p_t"]
    )
    table["p_holm"] = math.nan
    finite = np.isfinite(table["p_wilcoxon"].to_numpy(dtype=float))
    if finite.any():
        adjusted = multipletests(table.loc[finite, "p_wilcoxon"], alpha=alpha, method="holm")[1]
        table.loc[finite, "p_holm"] = adjusted
    table["significant"] = table["p_holm"].to_numpy(dtype=float) < alpha
    return table


@dataclass(frozen=True)
class AnovaResult:
    """Type II ANOVA of ``log(metric)`` on loss, penalty, their interaction and the blocks.

    ``table`` is :func:`statsmodels.stats.anova.anova_lm`'s output (index: ``C(loss)``,
    ``C(penalty)``, ``C(loss):C(penalty)``, the block term and ``Residual``) with an added
    column ``share``: each term's sum of squares over the total of the listed sums of squares.
    """

    table: pd.DataFrame
    formula: str
    n: int

    def p_value(self, term):
        return float(self.table.loc[term, "PR(>F)"])

    def share(self, term):
        return float(self.table.loc[term, "share"])

    @property
    def interaction_p(self):
        return self.p_value("C(loss):C(penalty)")


def interaction_anova(metrics, *, metric="risk", datasets=None, block="dataset"):
    """OLS of ``log(metric) ~ C(loss) * C(penalty) + C(block)`` and its type II ANOVA table.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Only ``status == "ok"`` rows with a positive, finite ``metric`` are used.
    metric : str
    datasets : sequence of str, optional
        Restrict to these datasets.
    block : {"dataset", "replicate", None}
        Nuisance term: ``"dataset"`` (pooled over datasets, as ``C(dataset)``), ``"replicate"``
        (one level per dataset replicate, the pairing of the design) or ``None``.

    Returns
    -------
    AnovaResult or None
        ``None`` when the model cannot be fitted: fewer than two losses or two penalties, or
        no residual degrees of freedom.
    """
    from statsmodels.formula.api import ols
    from statsmodels.stats.anova import anova_lm

    rows = _ok(metrics)
    if datasets is not None:
        rows = rows[rows["dataset"].isin(list(datasets))]
    values = pd.to_numeric(rows[metric], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(values) & (values > 0)
    frame = pd.DataFrame(
        {
            "y": np.log(values[keep]),
            "loss": rows["loss"].to_numpy()[keep],
            "penalty": rows["penalty"].to_numpy()[keep],
            "dataset": rows["dataset"].to_numpy()[keep],
            "replicate": [
                f"{d}/{r}"
                for d, r in zip(rows["dataset"][keep], rows["replicate"][keep], strict=True)
            ],
        }
    )
    if frame["loss"].nunique() < 2 or frame["penalty"].nunique() < 2:
        return None
    formula = "y ~ C(loss) * C(penalty)"
    if block == "dataset" and frame["dataset"].nunique() > 1:
        formula += " + C(dataset)"
    elif block == "replicate" and frame["replicate"].nunique() > 1:
        formula += " + C(replicate)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ols(formula, data=frame).fit()
        if model.df_resid < 1:
            return None
        table = anova_lm(model, typ=2)
    table["share"] = table["sum_sq"] / table["sum_sq"].sum()
    return AnovaResult(
        table=table, formula=formula.replace("y ~", f"log({metric}) ~"), n=len(frame)
    )
