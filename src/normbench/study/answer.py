"""The headline question, answered per scenario: does the loss matter, the penalty, both together?

Over the sparse penalties (lasso and elastic net; ``none`` and ridge are other questions), each
scenario's log metric is fitted by ordinary least squares on

    log metric ~ replicate + loss * penalty

where the replicate is a block (all pairs of a replicate share its data, so its level is
removed before the pairs are compared). The type-II ANOVA of that model gives, per term, its
share of the total sum of squares and an F-test p-value. The same model over all scenarios
together, ``log metric ~ scenario / replicate + loss * penalty * scenario``, gives the pooled
shares under dataset ``(all)``, with the scenario interactions that a pooled headline must not
leave out.

A term's verdict is ``matters`` when its p-value, Bonferroni-corrected across every tested row
of the table, is below ``alpha``; ``no evidence`` otherwise (which is not a proof of no effect).

:func:`answer_sentences` turns this table and the findings (:mod:`normbench.study.findings`) into
the report's sentences; it is pure, so tests change the tables and see the sentences change.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.study.findings import ALPHA, INTERPOLANT
from normbench.vocab import ordered_pairs, pair_key, parse_pair

__all__ = [
    "ALL_SCENARIOS",
    "ANSWER_COLUMNS",
    "SPARSE_PENALTIES",
    "answer_sentences",
    "answer_table",
]

#: Columns of ``results/answer.csv``.
ANSWER_COLUMNS = ("dataset", "term", "share", "p_value", "verdict")
#: The penalties of the headline model.
SPARSE_PENALTIES = ("l1", "elasticnet")
#: The dataset label of the pooled model's rows.
ALL_SCENARIOS = "(all)"
_TERMS = {
    "C(loss)": "loss",
    "C(penalty)": "penalty",
    "C(loss):C(penalty)": "loss:penalty",
    "C(dataset)": "scenario",
    "C(loss):C(dataset)": "loss:scenario",
    "C(penalty):C(dataset)": "penalty:scenario",
    "C(loss):C(penalty):C(dataset)": "loss:penalty:scenario",
}


def _model_frame(metrics, metric_name):
    rows = metrics[metrics["penalty"].isin(SPARSE_PENALTIES)]
    rows = rows[rows["status"].astype(str) != "failed"]
    value = pd.to_numeric(rows[metric_name], errors="coerce")
    keep = np.isfinite(value) & (value > 0)
    frame = rows.loc[keep, ["dataset", "replicate", "loss", "penalty"]].copy()
    frame["log_value"] = np.log(value[keep].to_numpy(float))
    frame["replicate"] = frame["replicate"].astype(str)
    return frame


def _anova_shares(frame, formula):
    """``{term: (share, p_value)}`` of a type-II ANOVA of ``formula`` on ``frame``."""
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    fit = smf.ols(formula, data=frame).fit()
    table = anova_lm(fit, typ=2)
    total = float(((frame["log_value"] - frame["log_value"].mean()) ** 2).sum())
    shares = {}
    for term, label in _TERMS.items():
        if term in table.index:
            share = float(table.loc[term, "sum_sq"]) / total if total > 0 else math.nan
            p_value = float(table.loc[term, "PR(>F)"])
            shares[label] = (share, p_value if math.isfinite(p_value) else math.nan)
    return shares


def answer_table(metrics, *, metric_name="risk", alpha=ALPHA):
    """Per scenario (and pooled): the shares and verdicts of loss, penalty and their interaction.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table.
    metric_name : str
        A positive metric where lower is better (its log is modelled).
    alpha : float
        Family-wise error rate across the table's tests.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ANSWER_COLUMNS`, one row per (dataset, term); a scenario without enough
        fits for the model (two losses, two penalties, residual degrees of freedom) is absent.
    """
    frame = _model_frame(metrics, metric_name)
    raw = []
    for dataset, rows in frame.groupby("dataset", sort=True):
        if rows["loss"].nunique() < 2 or rows["penalty"].nunique() < 2:
            continue
        blocks = " + C(replicate)" if rows["replicate"].nunique() > 1 else ""
        formula = f"log_value ~ C(loss) * C(penalty){blocks}"
        if len(rows) <= rows["loss"].nunique() * rows["penalty"].nunique() + 1:
            continue
        for term, (share, p_value) in _anova_shares(rows, formula).items():
            raw.append((dataset, term, share, p_value))
    # as per scenario: the pooled ANOVA needs two losses and two penalties (a one-loss study,
    # e.g. a least-squares preset, has no loss term to test)
    crossed = frame["loss"].nunique() > 1 and frame["penalty"].nunique() > 1
    if frame["dataset"].nunique() > 1 and crossed:
        formula = "log_value ~ C(dataset) / C(replicate) + C(loss) * C(penalty) * C(dataset)"
        for term, (share, p_value) in _anova_shares(frame, formula).items():
            raw.append((ALL_SCENARIOS, term, share, p_value))
    m = max(1, sum(1 for *_, p in raw if math.isfinite(p)))
    records = [
        {
            "dataset": dataset,
            "term": term,
            "share": share,
            "p_value": p_value,
            "verdict": "matters"
            if math.isfinite(p_value) and min(1.0, m * p_value) < alpha
            else "no evidence",
        }
        for dataset, term, share, p_value in raw
    ]
    return pd.DataFrame(records, columns=list(ANSWER_COLUMNS))


def _join(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _where(answer, term):
    """(scenarios where ``term`` matters, all scenarios with a verdict on it)."""
    rows = answer[(answer["term"] == term) & (answer["dataset"] != ALL_SCENARIOS)]
    return sorted(rows.loc[rows["verdict"] == "matters", "dataset"]), sorted(rows["dataset"])


def _scope_sentence(subject, matters, scenarios, metric_name):
    if not scenarios:
        return None
    if not matters:
        return (
            f"With a sparse penalty, {subject} makes no detectable difference to {metric_name} "
            "in any scenario."
        )
    if len(matters) == len(scenarios):
        return f"With a sparse penalty, {subject} matters in every scenario ({_join(matters)})."
    others = [s for s in scenarios if s not in matters]
    return (
        f"With a sparse penalty, {subject} matters only under {_join(matters)}; under "
        f"{_join(others)} no difference in {metric_name} is detectable."
    )


def _robust_loss_sentence(findings, dataset, metric_name):
    rows = findings[
        (findings["dataset"] == dataset)
        & (findings["metric"] == metric_name)
        & (findings["reference"] == pair_key("l2", "l1"))
        & (findings["pair"] != INTERPOLANT)
        & (findings["pair"].str.endswith("+l1"))
    ]
    verbs = {"better": "beats", "worse": "loses to", "tied": "ties with"}
    parts = [
        f"{row.pair} {verbs.get(row.verdict, row.verdict)} l2+l1 (ratio {row.effect:.2g}, "
        f"interval {row.ci_low:.2g} to {row.ci_high:.2g})"
        for row in rows.itertuples()
    ]
    return f"Under {dataset}, {metric_name}: {'; '.join(parts)}." if parts else None


def _unbeaten(findings, dataset, metric_name):
    rows = findings[(findings["dataset"] == dataset) & (findings["metric"] == metric_name)]
    pairs = set(rows["pair"]) | set(rows["reference"])
    beaten = set(rows.loc[rows["verdict"] == "worse", "pair"])
    beaten |= set(rows.loc[rows["verdict"] == "better", "reference"])
    keep = ordered_pairs(parse_pair(p) for p in pairs - beaten - {INTERPOLANT})
    ordered = [pair_key(loss, penalty) for loss, penalty in keep]
    return ordered + ([INTERPOLANT] if INTERPOLANT in pairs - beaten else [])


def answer_sentences(findings, answer, *, metric_name="risk"):
    """The report's generated sentences, from the findings and answer tables only.

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv`` (:func:`normbench.study.findings.findings_table`).
    answer : pandas.DataFrame
        ``results/answer.csv`` (:func:`answer_table`).
    metric_name : str
        The metric the sentences speak of.

    Returns
    -------
    list of str
        Where the loss matters, where the penalty matters, where they interact; per scenario in
        which the loss matters, the lasso's robust losses against ``l2+l1``; per scenario, the
        pairs that no fixed comparison shows beaten (the set tied with the best, found without
        testing against a pair picked from the data).
    """
    sentences = []
    loss_matters, _ = _where(answer, "loss")
    for subject, term in (("the loss", "loss"), ("the choice of sparse penalty", "penalty")):
        sentence = _scope_sentence(subject, *_where(answer, term), metric_name)
        if sentence:
            sentences.append(sentence)
    interact, _ = _where(answer, "loss:penalty")
    if interact:
        sentences.append(f"The loss and the penalty interact under {_join(interact)}.")
    for dataset in loss_matters:
        sentence = _robust_loss_sentence(findings, dataset, metric_name)
        if sentence:
            sentences.append(sentence)
    for dataset in sorted(findings.loc[findings["metric"] == metric_name, "dataset"].unique()):
        unbeaten = _unbeaten(findings, dataset, metric_name)
        if unbeaten:
            sentences.append(
                f"Under {dataset}, no fixed comparison shows any of these beaten on "
                f"{metric_name}: {_join(unbeaten)}."
            )
    return sentences
