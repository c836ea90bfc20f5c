"""The study's conclusions as data: paired effects against fixed references, with honest intervals.

Every comparison is fixed before looking at the data (never against a pair chosen from them):

- **the loss question**, per penalty: each robust loss against the squared loss with the same
  penalty (``l1+l1`` and ``huber+l1`` against ``l2+l1``, and so on for every penalty);
- **the penalty question**, per loss: each penalty against the lasso of that loss (``l1+l2`` and
  ``l1+elasticnet`` against ``l1+l1``).

Where the three losses without a penalty give the same minimum-norm interpolant (``p >= n``:
identical metrics in every replicate) the ``none`` rows are one pair, ``interpolant``
("interpolant (any loss)"), kept out of the loss question and compared once, with ``l2+l1``.

**Effect.** For a metric where lower is better (risk, model error) the per-replicate paired
ratio is ``pair / reference``; where higher is better (F1) it is ``reference / pair``, so that in
every row **an effect below 1 means the pair is better**. Values of a metric bounded in [0, 1]
(F1) are floored at :data:`BOUNDED_FLOOR` first, so that a null model's F1 of 0 counts as a large
loss rather than an undefined ratio. The effect is the geometric mean of the paired ratios,
``exp(mean(log ratio))``.

**Interval and test.** A Student t interval on the mean log ratio (n − 1 degrees of freedom,
n = ``n_replicates`` replicates where both fits have the metric), back-transformed; ``p_value``
is the two-sided one-sample t test of mean log ratio 0. Across *every* row of the table the
multiplicity is corrected by Bonferroni: ``p_adjusted = min(1, m p)`` with m the number of rows
tested, and the interval is at level ``1 − alpha / m``, so that the interval excludes 1 exactly
when ``p_adjusted < alpha``. Only then is the verdict ``better`` (effect < 1) or ``worse``;
otherwise ``tied``. With 10 replicates the t interval assumes roughly normal log ratios; it is
exact for log-normal ratios and, unlike percentile-bootstrap intervals of a median of 10
values, is not limited to a handful of distinct values. A row with a single replicate has no
interval and is ``tied``.

:func:`write_findings` also writes a JSON sidecar (``findings.json``) stating this method,
``alpha`` and ``m``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from normbench.vocab import LOSSES, PENALTIES, order_names, pair_key
from normbench.vocab.metrics import metric

__all__ = [
    "ALPHA",
    "BOUNDED_FLOOR",
    "FINDINGS_COLUMNS",
    "FINDINGS_METRICS",
    "INTERPOLANT",
    "comparisons",
    "findings_table",
    "interpolant_datasets",
    "paired_effect",
    "write_findings",
]

#: Columns of ``results/findings.csv``, in order.
FINDINGS_COLUMNS = (
    "dataset",
    "metric",
    "pair",
    "reference",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "n_replicates",
    "verdict",
)
#: Metrics compared (those a dataset lacks, e.g. model_error on real data, are skipped).
FINDINGS_METRICS = ("risk", "model_error", "f1")
#: Family-wise error rate of the whole table.
ALPHA = 0.05
#: Floor of a [0, 1]-bounded metric before its ratio is taken (an F1 of 0 counts as this).
BOUNDED_FLOOR = 1e-3
#: The pair name of the minimum-norm interpolant shared by the three losses.
INTERPOLANT = "interpolant"
_BOUNDED = frozenset({"f1", "tpr", "precision", "group_hit", "group_frac", "group_whole"})
_SQUARED_LOSS, _LASSO, _NO_PENALTY = "l2", "l1", "none"
# Metrics that must agree for the three unpenalised fits to count as one interpolant.
_IDENTITY_METRICS = ("test_mse", "test_mae", "risk", "n_nonzero", "intercept")


def paired_effect(pair_values, reference_values, *, metric_name, level=1 - ALPHA):
    """Geometric-mean paired ratio of ``pair`` to ``reference`` with a t interval on the log scale.

    Parameters
    ----------
    pair_values, reference_values : array-like of shape (n,)
        The metric of the two fits in the same n replicates (NaN where missing: that replicate
        is dropped).
    metric_name : str
        Its registry name: sets the direction (the ratio is inverted where higher is better) and
        the floor of bounded metrics.
    level : float
        Coverage of the interval (already corrected for multiplicity by the caller).

    Returns
    -------
    dict
        ``effect``, ``ci_low``, ``ci_high``, ``p_value`` (two-sided t test of no effect) and
        ``n_replicates``. With identical values in every replicate the effect is exactly 1 and
        ``p_value`` 1; with a constant non-zero log ratio the interval is that point and
        ``p_value`` 0. With fewer than two replicates the interval and p-value are NaN.
    """
    pair = np.asarray(pair_values, dtype=float)
    reference = np.asarray(reference_values, dtype=float)
    keep = np.isfinite(pair) & np.isfinite(reference)
    pair, reference = pair[keep], reference[keep]
    if metric_name in _BOUNDED:
        pair, reference = np.maximum(pair, BOUNDED_FLOOR), np.maximum(reference, BOUNDED_FLOOR)
    positive = (pair > 0) & (reference > 0)
    pair, reference = pair[positive], reference[positive]
    n = int(pair.size)
    log_ratio = np.log(pair) - np.log(reference)
    if metric(metric_name).better == "higher":
        log_ratio = -log_ratio
    result = dict.fromkeys(("effect", "ci_low", "ci_high", "p_value"), math.nan)
    result["n_replicates"] = n
    if n == 0:
        return result
    mean = float(np.mean(log_ratio))
    result["effect"] = math.exp(mean)
    if n < 2:
        return result
    se = float(np.std(log_ratio, ddof=1)) / math.sqrt(n)
    if se == 0.0:
        result.update(ci_low=math.exp(mean), ci_high=math.exp(mean))
        result["p_value"] = 1.0 if mean == 0.0 else 0.0
        return result
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * se
    # with few replicates and many rows the bound can pass exp's range: it is then 0 or inf
    result.update(ci_low=_exp(mean - half), ci_high=_exp(mean + half))
    result["p_value"] = float(2.0 * stats.t.sf(abs(mean) / se, n - 1))
    return result


def _exp(value):
    """``exp(value)``, ``inf`` beyond the float range instead of an OverflowError."""
    return math.exp(value) if value < 709.0 else math.inf


def interpolant_datasets(metrics, *, rtol=1e-9):
    """Datasets where the three losses without penalty gave the same fit in every replicate.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table.
    rtol : float
        Relative tolerance of "the same" (the minimum-norm interpolant is computed once per loss).

    Returns
    -------
    set of str
    """
    found = set()
    none = metrics[metrics["penalty"] == _NO_PENALTY]
    for dataset, rows in none.groupby("dataset", sort=True):
        if set(rows["loss"]) != set(LOSSES):
            continue
        columns = [c for c in _IDENTITY_METRICS if c in rows]
        same = True
        for _, replicate in rows.groupby("replicate"):
            values = replicate[columns].apply(pd.to_numeric, errors="coerce").to_numpy(float)
            if len(values) != len(LOSSES) or not np.allclose(
                values, values[0], rtol=rtol, atol=0.0, equal_nan=True
            ):
                same = False
                break
        if same:
            found.add(dataset)
    return found


def comparisons(losses, penalties, *, interpolant):
    """The a-priori (pair, reference) comparisons of one dataset, as pair keys.

    Parameters
    ----------
    losses, penalties : sequence of str
        Those of the study.
    interpolant : bool
        Whether the unpenalised fits are the one interpolant (:func:`interpolant_datasets`).

    Returns
    -------
    list of (str, str)
        The loss question first (per penalty, each robust loss against ``l2``), then the penalty
        question (per loss, each penalty against that loss's lasso), then the interpolant against
        ``l2+l1``.
    """
    losses = order_names(losses, LOSSES)
    penalties = order_names(penalties, PENALTIES)
    rows = []
    for penalty in penalties:
        if interpolant and penalty == _NO_PENALTY:
            continue
        if _SQUARED_LOSS in losses:
            reference = pair_key(_SQUARED_LOSS, penalty)
            rows += [(pair_key(loss, penalty), reference) for loss in losses if loss != "l2"]
    if _LASSO in penalties:
        for loss in losses:
            reference = pair_key(loss, _LASSO)
            for penalty in penalties:
                if penalty == _LASSO or (interpolant and penalty == _NO_PENALTY):
                    continue
                rows.append((pair_key(loss, penalty), reference))
        if interpolant and _SQUARED_LOSS in losses:
            rows.append((INTERPOLANT, pair_key(_SQUARED_LOSS, _LASSO)))
    return rows


def _values_by_pair(rows, metric_name, interpolant):
    """Series of the metric per replicate for every pair key of one dataset."""
    table = rows.assign(value=pd.to_numeric(rows[metric_name], errors="coerce"))
    table = table[table["status"].astype(str) != "failed"]
    values = {}
    for (loss, penalty), group in table.groupby(["loss", "penalty"], sort=False):
        values[pair_key(loss, penalty)] = group.set_index("replicate")["value"]
    if interpolant:
        values[INTERPOLANT] = values.get(pair_key(_SQUARED_LOSS, _NO_PENALTY))
    return values


def findings_table(metrics, *, metrics_names=FINDINGS_METRICS, alpha=ALPHA):
    """Every a-priori comparison of every dataset and metric, with its verdict (module docstring).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table (``results/metrics.csv``).
    metrics_names : sequence of str
        Metrics compared; one a dataset does not have (all missing) is skipped there.
    alpha : float
        Family-wise error rate across all rows.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDINGS_COLUMNS`.
    """
    interpolants = interpolant_datasets(metrics)
    raw = []
    for dataset, rows in metrics.groupby("dataset", sort=True):
        interpolant = dataset in interpolants
        plan = comparisons(rows["loss"].unique(), rows["penalty"].unique(), interpolant=interpolant)
        for name in metrics_names:
            if name not in rows or pd.to_numeric(rows[name], errors="coerce").isna().all():
                continue
            values = _values_by_pair(rows, name, interpolant)
            for pair, reference in plan:
                if values.get(pair) is None or values.get(reference) is None:
                    continue
                pair_values, reference_values = values[pair].align(values[reference], "inner")
                raw.append((dataset, name, pair, reference, pair_values, reference_values))
    return _corrected(raw, alpha)


def _corrected(raw, alpha):
    """Rows with Bonferroni-corrected p-values, intervals and verdicts across all of ``raw``."""
    tested = [paired_effect(p, r, metric_name=name)["p_value"] for (_, name, _, _, p, r) in raw]
    m = max(1, sum(1 for p in tested if math.isfinite(p)))
    records = []
    for dataset, name, pair, reference, pair_values, reference_values in raw:
        effect = paired_effect(
            pair_values, reference_values, metric_name=name, level=1.0 - alpha / m
        )
        p_value = effect["p_value"]
        adjusted = min(1.0, m * p_value) if math.isfinite(p_value) else math.nan
        verdict = "tied"
        if math.isfinite(adjusted) and adjusted < alpha:
            verdict = "better" if effect["effect"] < 1.0 else "worse"
        records.append(
            {
                "dataset": dataset,
                "metric": name,
                "pair": pair,
                "reference": reference,
                **{key: effect[key] for key in ("effect", "ci_low", "ci_high", "p_value")},
                "p_adjusted": adjusted,
                "n_replicates": effect["n_replicates"],
                "verdict": verdict,
            }
        )
    return pd.DataFrame(records, columns=list(FINDINGS_COLUMNS))


def write_findings(findings, path, *, alpha=ALPHA):
    """Write the findings CSV (``%.10g`` floats, fixed row order) and its JSON method sidecar."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    findings.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
    tested = int(findings["p_value"].notna().sum()) if len(findings) else 0
    method = {
        "effect": "geometric mean over replicates of the paired ratio pair/reference "
        "(reference/pair where higher is better): below 1 the pair is better",
        "interval": "Student t interval on the mean log ratio, back-transformed, at level "
        "1 - alpha/m (Bonferroni across every row)",
        "p_adjusted": "min(1, m * p_value), p_value from the two-sided one-sample t test",
        "verdict": "better/worse when p_adjusted < alpha (the interval excludes 1), else tied",
        "bounded_floor": BOUNDED_FLOOR,
        "interpolant": "one pair where the three unpenalised losses give the same fit",
        "alpha": alpha,
        "m": max(1, tested),
    }
    path.with_suffix(".json").write_text(json.dumps(method, indent=2, sort_keys=True) + "\n")
