"""The study's conclusions as data: paired effects against fixed references, with decided verdicts.

Every comparison is fixed before looking at the data (never against a pair chosen from them):

- **the loss question** (``question = "loss"``), per penalty: each robust loss against the
  squared loss with the same penalty (``l1+l1`` and ``huber+l1`` against ``l2+l1``, and so on);
- **the penalty question** (``"penalty"``), per loss: each penalty against the lasso of that
  loss (``l1+l2`` and ``l1+elasticnet`` against ``l1+l1``).

Where the three losses without a penalty give the same minimum-norm interpolant (``p >= n``:
identical metrics in every replicate) the ``none`` rows are one pair, ``interpolant``
("interpolant (any loss)"), kept out of the loss question and compared once, with ``l2+l1``
(``question = "interpolant"``).

**Effect.** For a metric where lower is better (risk, model error) the per-replicate paired log
ratio is ``d = log(pair / reference)``; where higher is better (F1) it is
``log(reference / pair)``, so that in every row **an effect below 1 means the pair is better**.
Values of a metric bounded in [0, 1] (F1) are floored at :data:`BOUNDED_FLOOR` first, so that a
null model's F1 of 0 counts as a large loss rather than an undefined ratio. A non-positive value
of any other metric cannot be logged and signals a bug: it is refused, naming the row. ``estimate``
is the mean ``d̄`` over the replicates where both fits have the metric, ``se`` its Monte Carlo
standard error ``s / √n``, and ``effect = exp(d̄)`` (the geometric mean of the paired ratios).

**Verdicts.** The rows of one metric are one family, decided by
:func:`normbench.analysis.verdicts.decide`: ``better``/``worse`` where Benjamini–Hochberg at
``q`` rejects no effect (false discovery rate ≤ q; intervals false-coverage-rate adjusted),
``equivalent`` where the TOST against the region of practical equivalence
``[1/equivalence, equivalence]`` rejects, under the same control, and ``inconclusive``
otherwise. ``ci_low``/``ci_high`` are the interval each verdict is shown with, at level
``ci_level``, back-transformed to ratios. Pairs whose metric is identical in every replicate
(the same fit, e.g. two null models) are no comparison: they are left out of the table and
counted in its method sidecar.

:func:`write_findings` also writes a JSON sidecar (``findings.json``) stating the procedure,
``q``, the margin and the number of rows per metric.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.analysis.verdicts import DEFAULT_EQUIVALENCE, DEFAULT_Q, VERDICTS, decide
from normbench.vocab import LOSSES, PENALTIES, order_names, pair_key, parse_pair
from normbench.vocab.metrics import metric

__all__ = [
    "BOUNDED_FLOOR",
    "FINDINGS_COLUMNS",
    "FINDINGS_METRICS",
    "INTERPOLANT",
    "QUESTIONS",
    "comparisons",
    "findings_table",
    "interpolant_datasets",
    "paired_effect",
    "question_of",
    "write_findings",
]

#: Columns of ``results/findings.csv``, in order.
FINDINGS_COLUMNS = (
    "dataset",
    "metric",
    "question",
    "pair",
    "reference",
    "effect",
    "ci_low",
    "ci_high",
    "ci_level",
    "estimate",
    "se",
    "p_value",
    "p_equivalence",
    "n_replicates",
    "verdict",
)
#: Metrics compared (those a dataset lacks, e.g. model_error on real data, are skipped).
FINDINGS_METRICS = ("risk", "model_error", "f1")
#: Compared where a dataset has neither risk nor model error (real data without a known truth):
#: the error on its held-out test set, the measure every dataset supports.
FALLBACK_METRIC = "test_mse"
#: The questions a comparison answers, in table order.
QUESTIONS = ("loss", "penalty", "interpolant")
#: Floor of a [0, 1]-bounded metric before its ratio is taken (an F1 of 0 counts as this).
BOUNDED_FLOOR = 1e-3
#: The pair name of the minimum-norm interpolant shared by the three losses.
INTERPOLANT = "interpolant"
_BOUNDED = frozenset({"f1", "tpr", "precision", "group_hit", "group_frac", "group_whole"})
_SQUARED_LOSS, _LASSO, _NO_PENALTY = "l2", "l1", "none"
# Metrics that must agree for the three unpenalised fits to count as one interpolant.
_IDENTITY_METRICS = ("test_mse", "test_mae", "risk", "n_nonzero", "intercept")


def paired_effect(pair_values, reference_values, *, metric_name):
    """Mean paired log ratio of ``pair`` to ``reference`` and its Monte Carlo standard error.

    Parameters
    ----------
    pair_values, reference_values : array-like of shape (n,)
        The metric of the two fits in the same n replicates (NaN where missing, e.g. a failed
        fit: that replicate is dropped).
    metric_name : str
        Its registry name: sets the direction (the ratio is inverted where higher is better) and
        the floor of bounded metrics.

    Returns
    -------
    dict
        ``estimate`` (mean log ratio, below 0: the pair is better), ``se`` (``s / √n``, NaN with
        fewer than two replicates), ``effect`` (``exp(estimate)``), ``n_replicates`` and
        ``identical`` (the two fits have the same value in every replicate: no comparison).

    Raises
    ------
    ValueError
        If a value of an unbounded metric is zero or negative: it cannot be logged, and a risk
        or an error of zero or below means a bug upstream.
    """
    pair = np.asarray(pair_values, dtype=float)
    reference = np.asarray(reference_values, dtype=float)
    keep = np.isfinite(pair) & np.isfinite(reference)
    pair, reference = pair[keep], reference[keep]
    if metric_name in _BOUNDED:
        pair, reference = np.maximum(pair, BOUNDED_FLOOR), np.maximum(reference, BOUNDED_FLOOR)
    elif np.any(pair <= 0) or np.any(reference <= 0):
        raise ValueError(
            f"{metric_name} has a value of zero or below, which cannot be compared as a ratio "
            f"(values {float(min(pair.min(), reference.min())):g}); a {metric_name} of zero or "
            "below is a bug upstream"
        )
    n = int(pair.size)
    log_ratio = np.log(pair) - np.log(reference)
    if metric(metric_name).better == "higher":
        log_ratio = -log_ratio
    result = {
        "estimate": math.nan,
        "se": math.nan,
        "effect": math.nan,
        "n_replicates": n,
        "identical": bool(n and np.array_equal(pair, reference)),
    }
    if n == 0:
        return result
    mean = float(np.mean(log_ratio))
    result.update(estimate=mean, effect=math.exp(mean))
    if n >= 2:
        result["se"] = float(np.std(log_ratio, ddof=1)) / math.sqrt(n)
    return result


def _exp(values):
    """``exp`` of an array, ``inf`` beyond the float range instead of a warning."""
    with np.errstate(over="ignore"):
        return np.exp(np.asarray(values, dtype=float))


def question_of(pair, reference):
    """The question a comparison answers: ``loss``, ``penalty`` or ``interpolant``."""
    if pair == INTERPOLANT:
        return "interpolant"
    return "loss" if parse_pair(pair)[1] == parse_pair(reference)[1] else "penalty"


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


def findings_table(
    metrics,
    *,
    metrics_names=FINDINGS_METRICS,
    q=DEFAULT_Q,
    equivalence=DEFAULT_EQUIVALENCE,
    interpolants=None,
):
    """Every a-priori comparison of every dataset and metric, with its verdict (module docstring).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table (``results/metrics.csv``).
    metrics_names : sequence of str
        Metrics compared; one a dataset does not have (all missing) is skipped there.
    q : float
        The false discovery rate of the claims of each metric's family of rows.
    equivalence : float
        Ratios within ``[1/equivalence, equivalence]`` are practically equal.
    interpolants : collection of str, optional
        The datasets whose unpenalised fits are the one interpolant, if the caller has them
        (:func:`interpolant_datasets`, computed here otherwise).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDINGS_COLUMNS`; ``DataFrame.attrs["identical"]`` lists the
        comparisons left out because both fits were the same in every replicate.
    """
    if interpolants is None:
        interpolants = interpolant_datasets(metrics)
    records, identical = [], []
    for dataset, rows in metrics.groupby("dataset", sort=True):
        interpolant = dataset in interpolants
        plan = comparisons(rows["loss"].unique(), rows["penalty"].unique(), interpolant=interpolant)
        present = [
            name
            for name in (*metrics_names, FALLBACK_METRIC)
            if name in rows and pd.to_numeric(rows[name], errors="coerce").notna().any()
        ]
        if FALLBACK_METRIC not in metrics_names and {"risk", "model_error"} & set(present):
            present.remove(FALLBACK_METRIC)
        for name in present:
            values = _values_by_pair(rows, name, interpolant)
            for pair, reference in plan:
                if values.get(pair) is None or values.get(reference) is None:
                    continue
                pair_values, reference_values = values[pair].align(values[reference], "inner")
                try:
                    effect = paired_effect(pair_values, reference_values, metric_name=name)
                except ValueError as err:
                    raise ValueError(
                        f"dataset {dataset}, {pair} against {reference}: {err}"
                    ) from None
                if effect.pop("identical"):
                    identical.append([dataset, name, pair, reference])
                    continue
                records.append(
                    {
                        "dataset": dataset,
                        "metric": name,
                        "question": question_of(pair, reference),
                        "pair": pair,
                        "reference": reference,
                        **effect,
                    }
                )
    table = pd.DataFrame(records, columns=[*FINDINGS_COLUMNS])
    parts = [_decided(rows, q, equivalence) for _, rows in table.groupby("metric", sort=False)]
    table = pd.concat(parts) if parts else table
    table = table.sort_index()[list(FINDINGS_COLUMNS)].reset_index(drop=True)
    table["n_replicates"] = table["n_replicates"].astype(int)
    table.attrs["identical"] = identical
    return table


def _decided(rows, q, equivalence):
    """One metric's rows with their verdicts and intervals (ratios)."""
    decided = decide(
        rows["estimate"].to_numpy(float),
        rows["se"].to_numpy(float),
        rows["n_replicates"].to_numpy(float),
        q=q,
        equivalence=equivalence,
    )
    rows = rows.copy()
    rows["verdict"] = decided["verdict"]
    rows["p_value"] = decided["p_value"]
    rows["p_equivalence"] = decided["p_equivalence"]
    rows["ci_level"] = decided["ci_level"]
    rows["ci_low"] = _exp(decided["ci_low"])
    rows["ci_high"] = _exp(decided["ci_high"])
    return rows


def write_findings(findings, path, *, q=DEFAULT_Q, equivalence=DEFAULT_EQUIVALENCE):
    """Write the findings CSV (``%.10g`` floats, fixed row order) and its JSON method sidecar."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    findings.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
    rows_per_metric = {
        str(name): int(count) for name, count in findings["metric"].value_counts(sort=False).items()
    }
    method = {
        "procedure": "per metric, Benjamini-Hochberg at q over the rows' two-sided t tests of "
        "no effect (better/worse, false-coverage-rate adjusted intervals at 1 - R q / m), then "
        "Benjamini-Hochberg at q over the remaining rows' TOST p-values against the region of "
        "practical equivalence (equivalent, 1 - 2 R q / m intervals), else inconclusive "
        "(marginal 1 - q interval)",
        "effect": "exp of the mean over replicates of the paired log ratio pair/reference "
        "(reference/pair where higher is better): below 1 the pair is better",
        "se": "Monte Carlo standard error of the mean log ratio, s / sqrt(n)",
        "guarantee": "in each metric's family, on average at most a fraction q of the claims of "
        "a difference, and at most a fraction q of the claims of equivalence, are false",
        "verdicts": list(VERDICTS),
        "q": q,
        "equivalence": [1.0 / equivalence, equivalence],
        "zero_spread": "a log ratio with zero spread over fewer than 30 replicates is "
        "inconclusive; pairs identical in every replicate are no comparison",
        "bounded_floor": BOUNDED_FLOOR,
        "interpolant": "one pair where the three unpenalised losses give the same fit",
        "rows_per_metric": rows_per_metric,
        "identical": findings.attrs.get("identical", []),
    }
    path.with_suffix(".json").write_text(json.dumps(method, indent=2, sort_keys=True) + "\n")
