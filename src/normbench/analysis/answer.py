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

The metric is the model error (ŵ − w)ᵀΣ(ŵ − w) where the study has it (:func:`headline_metric`),
else the risk: the model error compares slopes only, so a loss is not credited or blamed for the
location it targets (the conditional mean for ``l2``, the median for ``l1``) under skewed noise.

A term's verdict is ``matters`` when Benjamini–Hochberg at ``q`` over every tested row of the
table rejects it; ``inconclusive`` otherwise (which is not a proof of no effect); ``no test``
when there is nothing to test: a share of the sum of squares below :data:`SHARE_TOLERANCE` or no
residual variance (e.g. the same null model in every fit), where an F test would test rounding,
or a share above 1 (a term aliased with others in a rank-deficient design, whose sum of squares
the data do not determine).

:func:`answer_sentences` turns this table and the findings (:mod:`normbench.analysis.findings`) into
the report's sentences; it is pure, so tests change the tables and see the sentences change.
:func:`two_tests_sentence` says why the two tables can seem to disagree (a term that matters
here while the pairs of the findings are inconclusive): they test different hypotheses, each
controlled over its own table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.analysis.findings import INTERPOLANT
from normbench.analysis.verdicts import DEFAULT_Q, INCONCLUSIVE, VERDICTS
from normbench.vocab import pair_key, parse_pair

__all__ = [
    "ALL_SCENARIOS",
    "ANSWER_COLUMNS",
    "SPARSE_PENALTIES",
    "answer_sentences",
    "answer_table",
    "dataset_headline_metrics",
    "headline_metric",
    "scenario_sentences",
    "count_tested",
    "two_tests_sentence",
]

#: Columns of ``results/answer.csv``.
ANSWER_COLUMNS = ("dataset", "metric", "term", "share", "p_value", "verdict")
#: The metrics of the headline, in order of preference (:func:`headline_metric`): the model
#: error where the population covariance is known, else the noise-free risk where the
#: noise-free signal is, else the test error every dataset has.
HEADLINE_METRICS = ("model_error", "risk", "test_mse")
#: A term whose share of the sum of squares is below this has no test (rounding, not evidence).
SHARE_TOLERANCE = 1e-9
#: The verdict of a term that differs at the table's false discovery rate.
MATTERS = "matters"
#: The verdict of a term that cannot be tested (no spread, or only rounding noise).
NO_TEST = "no test"
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


def headline_metric(metrics):
    """The metric the headline speaks of: the first of :data:`HEADLINE_METRICS` with a value.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table, or the findings table (its ``metric`` column names the metrics).

    Returns
    -------
    str
        ``model_error`` when some fit has a finite positive one (a simulated dataset), else
        ``risk`` (a real dataset has neither; the sentences then say so through their rows).
    """
    for name in HEADLINE_METRICS:
        if "metric" in metrics and "effect" in metrics:
            if (metrics["metric"] == name).any():
                return name
        elif name in metrics:
            values = pd.to_numeric(metrics[name], errors="coerce").to_numpy(float)
            if (np.isfinite(values) & (values > 0)).any():
                return name
    return HEADLINE_METRICS[-1]


def dataset_headline_metrics(metrics):
    """Each dataset's headline metric: the first of :data:`HEADLINE_METRICS` it supports.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table.

    Returns
    -------
    dict of str to str
        ``{dataset: metric}``, datasets in sorted order. A user's dataset with ``coef`` and a
        population covariance gets ``model_error`` like a simulated one; with ``f_test`` only,
        ``risk``; with neither, ``test_mse``.
    """
    return {
        str(dataset): headline_metric(rows)
        for dataset, rows in metrics.groupby("dataset", sort=True)
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
    if fit.df_resid < 1:
        # one replicate per scenario: the pooled model has nothing left to test against
        return {}
    table = anova_lm(fit, typ=2)
    total = float(((frame["log_value"] - frame["log_value"].mean()) ** 2).sum())
    shares = {}
    residual = float(table.loc["Residual", "sum_sq"]) if "Residual" in table.index else 0.0
    for term, label in _TERMS.items():
        if term in table.index:
            share = float(table.loc[term, "sum_sq"]) / total if total > 0 else math.nan
            p_value = float(table.loc[term, "PR(>F)"])
            # an F test on rounding noise is no evidence: no spread, or none left to test against;
            # a share above 1 is no share: the term is aliased with others (a rank-deficient
            # design, e.g. the pooled model's scenario term beside its replicate blocks), its
            # sum of squares not determined by the data
            degenerate = (
                not (share >= SHARE_TOLERANCE)
                or share > 1.0 + SHARE_TOLERANCE
                or not (residual > SHARE_TOLERANCE * total)
            )
            shares[label] = (
                share if share <= 1.0 + SHARE_TOLERANCE else math.nan,
                math.nan if degenerate or not math.isfinite(p_value) else p_value,
            )
    return shares


def answer_table(metrics, *, metric_name=None, q=DEFAULT_Q):
    """Per scenario (and pooled): the shares and verdicts of loss, penalty and their interaction.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table.
    metric_name : str, optional
        A positive metric where lower is better (its log is modelled); by default each
        dataset's own headline metric (:func:`dataset_headline_metrics`), and for the pooled
        model the study's (:func:`headline_metric`) over the datasets that have it.
    q : float
        False discovery rate of the table's claims that a term matters (Benjamini–Hochberg).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ANSWER_COLUMNS`, one row per (dataset, term); a scenario without enough
        fits for the model (two losses, two penalties, residual degrees of freedom) is absent.
        ``verdict`` is ``matters``, ``inconclusive`` (no difference detected, which is not a
        proof of none) or ``no test`` (no spread to test: e.g. the same null model everywhere).
    """
    from statsmodels.stats.multitest import multipletests

    chosen = (
        dict.fromkeys(metrics["dataset"].astype(str).unique(), metric_name)
        if metric_name
        else dataset_headline_metrics(metrics)
    )
    raw = []
    for dataset in sorted(chosen):
        name = chosen[dataset]
        rows = _model_frame(metrics[metrics["dataset"] == dataset], name)
        if rows["loss"].nunique() < 2 or rows["penalty"].nunique() < 2:
            continue
        blocks = " + C(replicate)" if rows["replicate"].nunique() > 1 else ""
        formula = f"log_value ~ C(loss) * C(penalty){blocks}"
        if len(rows) <= rows["loss"].nunique() * rows["penalty"].nunique() + 1:
            continue
        for term, (share, p_value) in _anova_shares(rows, formula).items():
            raw.append((dataset, name, term, share, p_value))
    # as per scenario: the pooled ANOVA needs two losses and two penalties (a one-loss study,
    # e.g. a least-squares preset, has no loss term to test)
    pooled_metric = metric_name or headline_metric(metrics)
    pooled = [dataset for dataset, name in chosen.items() if name == pooled_metric]
    frame = _model_frame(metrics[metrics["dataset"].isin(pooled)], pooled_metric)
    crossed = frame["loss"].nunique() > 1 and frame["penalty"].nunique() > 1
    if frame["dataset"].nunique() > 1 and crossed:
        formula = "log_value ~ C(dataset) / C(replicate) + C(loss) * C(penalty) * C(dataset)"
        for term, (share, p_value) in _anova_shares(frame, formula).items():
            raw.append((ALL_SCENARIOS, pooled_metric, term, share, p_value))
    p_values = np.array([p for *_, p in raw], dtype=float)
    tested = np.isfinite(p_values)
    matters = np.zeros(len(raw), dtype=bool)
    if tested.any():
        matters[tested] = multipletests(p_values[tested], alpha=q, method="fdr_bh")[0]
    records = [
        {
            "dataset": dataset,
            "metric": name,
            "term": term,
            "share": share,
            "p_value": p_value,
            "verdict": MATTERS if hit else (INCONCLUSIVE if math.isfinite(p_value) else NO_TEST),
        }
        for (dataset, name, term, share, p_value), hit in zip(raw, matters, strict=True)
    ]
    return pd.DataFrame(records, columns=list(ANSWER_COLUMNS))


def _join(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _times(value):
    """An effect as a factor: ``0.31×`` (an unbounded interval end is ``∞``)."""
    if math.isinf(value) and value > 0:
        return "∞"
    return f"{value:.2g}×" if math.isfinite(value) else "n/a"


def _where(answer, term):
    """(scenarios where ``term`` matters, all scenarios with a verdict on it)."""
    rows = answer[(answer["term"] == term) & (answer["dataset"] != ALL_SCENARIOS)]
    return sorted(rows.loc[rows["verdict"] == "matters", "dataset"]), sorted(rows["dataset"])


def _loss_rows(findings, metric_name, datasets=None):
    """Rows of the loss question (robust loss against l2, same sparse penalty)."""
    rows = findings[(findings["metric"] == metric_name) & (findings["pair"] != INTERPOLANT)]
    rows = rows[rows["reference"].isin([pair_key("l2", p) for p in SPARSE_PENALTIES])]
    rows = rows[
        rows["pair"].map(lambda pair: parse_pair(pair)[1])
        == rows["reference"].map(lambda pair: parse_pair(pair)[1])
    ]
    return rows if datasets is None else rows[rows["dataset"].isin(datasets)]


def _effect_range(rows):
    """'0.3× to 0.5×' (or one value) over the effects of ``rows``, empty without any."""
    effects = rows["effect"].to_numpy(float)
    effects = effects[np.isfinite(effects)]
    if not effects.size:
        return ""
    low, high = float(effects.min()), float(effects.max())
    return _times(low) if _times(low) == _times(high) else f"{_times(low)} to {_times(high)}"


def _decided_ranges(rows):
    """'better in 5 (0.35× to 0.7×), worse in 1 (1.4×) of its 8 comparisons': never mixed."""
    parts = []
    for verdict in ("better", "worse", "equivalent"):
        chosen = rows[rows["verdict"] == verdict]
        if len(chosen):
            parts.append(f"{verdict} in {len(chosen)} ({_effect_range(chosen)})")
    if not parts:
        return ""
    return f"{', '.join(parts)} of its {len(rows)} comparisons"


def _scope_sentence(subject, matters, scenarios, metric_name, detail=""):
    if not scenarios:
        return None
    if not matters:
        return (
            f"With a sparse penalty, {subject} makes no detectable difference to {metric_name} "
            "in any scenario."
        )
    if len(matters) == len(scenarios):
        return (
            # all of them: naming each would only repeat the study's list of scenarios
            f"With a sparse penalty, {subject} matters in every scenario (all {len(scenarios)})"
            f"{detail}."
        )
    others = [s for s in scenarios if s not in matters]
    if len(matters) > len(others):
        # name the exceptions, not the rule: "in 11 of 12 scenarios ...; only under X ..."
        return (
            f"With a sparse penalty, {subject} matters in {len(matters)} of {len(scenarios)} "
            f"scenarios{detail}; only under {_join(others)} is no difference in {metric_name} "
            "detectable."
        )
    return (
        f"With a sparse penalty, {subject} matters only under {_join(matters)}{detail}; under "
        f"{_join(others)} no difference in {metric_name} is detectable."
    )


def _loss_detail(findings, datasets, metric_name):
    """', where against the squared loss a robust loss is better in 5 (0.3× to 0.5×) of ...'."""
    span = _decided_ranges(_loss_rows(findings, metric_name, datasets))
    if not span:
        return ""
    return (
        f", where against the squared loss with the same penalty a robust loss (l1 or huber) is "
        f"{span} on {metric_name}"
    )


def _verdict_clause(row):
    """'l1+l1 is better than l2+l1 (0.5×, interval 0.47× to 0.53×)'."""
    relation = {
        "better": "is better than",
        "worse": "is worse than",
        "equivalent": "is equivalent to",
        "inconclusive": "is not decided against",
    }[row.verdict]
    interval = (
        f", interval {_times(row.ci_low)} to {_times(row.ci_high)}"
        if math.isfinite(row.ci_low)
        else ", no interval"
    )
    return f"{row.pair} {relation} {row.reference} ({_times(row.effect)}{interval})"


def scenario_sentences(findings, *, best_set=None, metric_name=None):
    """Per scenario, the lasso's robust losses against ``l2+l1`` and the set of best pairs.

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv``.
    best_set : pandas.DataFrame, optional
        ``results/best_set.csv``: the only source of a sentence naming the best pairs.
    metric_name : str, optional
        By default the :func:`headline_metric` of the findings.

    Returns
    -------
    dict of str to str
        ``{dataset: sentence}`` in dataset order.
    """
    metric_name = metric_name or headline_metric(findings)
    sentences = {}
    for dataset in sorted(findings.loc[findings["metric"] == metric_name, "dataset"].unique()):
        rows = _loss_rows(findings, metric_name, [dataset])
        rows = rows[rows["reference"] == pair_key("l2", "l1")]
        parts = [_verdict_clause(row) for row in rows.itertuples()]
        text = f"{dataset} ({metric_name}): " + ("; ".join(parts) + ". " if parts else "")
        if best_set is not None and len(best_set):
            chosen = best_set[
                (best_set["dataset"] == dataset)
                & (best_set["metric"] == metric_name)
                & best_set["in_set"].astype(bool)
            ]
            if len(chosen):
                size = float(chosen["size"].iloc[0]) if "size" in chosen else math.nan
                level = f"{1 - size:.0%} " if math.isfinite(size) else ""
                text += f"Set of best pairs ({level}model confidence set): {_join(chosen['pair'])}."
        sentences[dataset] = text.strip()
    return sentences


def answer_sentences(findings, answer, *, metric_name=None):
    """The report's headline sentences (two to four), from the findings and answer tables only.

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv`` (:func:`normbench.analysis.findings.findings_table`).
    answer : pandas.DataFrame
        ``results/answer.csv`` (:func:`answer_table`).
    metric_name : str, optional
        The metric the sentences speak of; by default the answer table's (else the findings').

    Returns
    -------
    list of str
        Where the loss matters (with the range of the robust losses' effects there), where the
        choice of sparse penalty matters, and where the two interact. The per-scenario details
        are :func:`scenario_sentences`.
    """
    if metric_name is None:
        named = answer["metric"].dropna().unique() if "metric" in answer else []
        metric_name = str(named[0]) if len(named) else headline_metric(findings)
    sentences = []
    loss_matters, loss_scenarios = _where(answer, "loss")
    detail = _loss_detail(findings, loss_matters, metric_name) if loss_matters else ""
    sentence = _scope_sentence("the loss", loss_matters, loss_scenarios, metric_name, detail)
    if sentence:
        sentences.append(sentence)
    sentence = _scope_sentence(
        "the choice of sparse penalty (l1 or elasticnet)", *_where(answer, "penalty"), metric_name
    )
    if sentence:
        sentences.append(sentence)
    interact, _ = _where(answer, "loss:penalty")
    if interact:
        sentences.append(
            f"The loss and the penalty interact under {_join(interact)}: there the best penalty "
            "depends on the loss."
        )
    return sentences


def count_tested(table):
    """The number of tests a table corrects together: its rows with a finite p-value.

    Parameters
    ----------
    table : pandas.DataFrame
        ``results/answer.csv`` or ``results/findings.csv`` (any table with ``p_value``).

    Returns
    -------
    int
        The m of that table (0 for an empty one): the tests each table's false discovery rate
        is controlled over.
    """
    if table is None or "p_value" not in table or not len(table):
        return 0
    values = pd.to_numeric(table["p_value"], errors="coerce").to_numpy(float)
    return int(np.isfinite(values).sum())


def _plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _collision(findings, answer, metric_name):
    """' (here the loss matters in 3 of 4 scenarios, yet 5 of its 12 pairs there are undecided)'.

    Empty unless the loss matters somewhere and some loss comparison there is inconclusive: the
    case a reader sees as a contradiction.
    """
    matters, scenarios = _where(answer, "loss")
    rows = _loss_rows(findings, metric_name, matters) if matters else findings.iloc[:0]
    undecided = int((rows["verdict"] == INCONCLUSIVE).sum())
    if not undecided:
        return ""
    return (
        f" (here the loss matters in {len(matters)} of {len(scenarios)} scenarios, yet "
        f"{undecided} of the {len(rows)} loss comparisons on {metric_name} there are "
        "inconclusive)"
    )


def two_tests_sentence(findings, answer, *, metric_name=None):
    """Why a term can matter in the answer table while the findings leave its pairs undecided.

    Parameters
    ----------
    findings : pandas.DataFrame
        ``results/findings.csv``: its m and its counts of each verdict.
    answer : pandas.DataFrame
        ``results/answer.csv``: its m, and where the loss matters.
    metric_name : str, optional
        The metric of the forest plot; by default the answer table's (else the findings').

    Returns
    -------
    str or None
        A short paragraph whose every number is counted from the two tables; ``None`` when
        either table has no tested row (there is then nothing to reconcile).
    """
    m_answer, m_findings = count_tested(answer), count_tested(findings)
    if not (m_answer and m_findings):
        return None
    if metric_name is None:
        named = answer["metric"].dropna().unique() if "metric" in answer else []
        metric_name = str(named[0]) if len(named) else headline_metric(findings)
    counts = findings["verdict"].value_counts()
    verdicts = ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)
    pooled = (
        " and per term of the pooled model" if (answer["dataset"] == ALL_SCENARIOS).any() else ""
    )
    return (
        "The two tests ask different questions. The ANOVA asks whether the losses (or the "
        f"sparse penalties) differ at all within a scenario: one F-test per term and scenario"
        f"{pooled}, m = {_plural(m_answer, 'test')} under one false discovery rate. Each finding "
        "asks whether one named pair beats its fixed reference (or is equivalent to it), over "
        f"m = {_plural(m_findings, 'comparison')} of the findings table ({verdicts}). An F-test "
        "pools the evidence of every pair, so an effect can be clear as a whole and still "
        "leave each pair inconclusive"
        f"{_collision(findings, answer, metric_name)}."
    )
