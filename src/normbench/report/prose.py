"""The report's generated sentences: every claim is computed from the results."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from normbench.report.context import oracle_stats
from normbench.report.figures.common import format_value, pair_label
from normbench.report.html import esc
from normbench.report.statistics import interaction_anova, paired_effect, paired_values
from normbench.study.store import is_ok

ALPHA = 0.05


# An ANOVA term explaining less than this share of the variation of log risk is called small.
_SMALL_SHARE = 0.05


# Designs whose group labels are nominal: the features are not correlated within a group.
_UNCORRELATED_DESIGNS = ("independent", "toeplitz")


def describe_params(params):
    """``{"kind": "block", "rho": 0.7}`` -> ``"kind=block, rho=0.7"``."""
    if not isinstance(params, Mapping):
        return "n/a" if params is None else str(params)
    return ", ".join(f"{key}={value}" for key, value in params.items())


def percent(fraction):
    return "n/a" if not math.isfinite(fraction) else f"{100.0 * fraction:+.1f}%"


def signed(value):
    return "n/a" if not math.isfinite(value) else f"{value:+.3g}"


def p_value_text(value):
    if value is None or not math.isfinite(value):
        return "n/a"
    return "< 1e-10" if value < 1e-10 else format_value(value)


def p_relation(value):
    """'= 0.012' or '< 1e-10', to follow a 'p' in a sentence."""
    text = p_value_text(value)
    return text if text.startswith("<") else f"= {text}"


def best_pairs(rows, column, *, lowest):
    """(loss, penalty) pairs attaining the lowest/highest finite ``column``, and that value."""
    values = pd.to_numeric(rows[column]).to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return [], math.nan
    best = values[finite].min() if lowest else values[finite].max()
    winners = rows[finite & (values == best)]
    return list(zip(winners["loss"], winners["penalty"], strict=True)), float(best)


def pair_labels(pairs):
    return " and ".join(pair_label(*pair) for pair in pairs)


def _effect_clause(ctx, dataset, pair, metric, kind):
    """', -41.0% vs l2 / l1 (1.23; paired 95% bootstrap CI ...)' or '' without a baseline."""
    baseline = ctx.baseline
    values, reference = paired_values(ctx.metrics, dataset, pair, baseline, metric)
    if values.size == 0:
        return f"; no replicate where both it and {pair_label(*baseline)} succeeded"
    effect = paired_effect(
        values, reference, kind=kind, n_boot=ctx.n_boot, seed=ctx.seed, level=0.95
    )
    show = percent if kind == "ratio" else signed
    what = "relative difference of medians" if kind == "ratio" else "difference of medians"
    return (
        f", {show(effect.estimate)} vs {pair_label(*baseline)} "
        f"({format_value(float(np.median(reference)))}; {what}, paired 95% bootstrap CI "
        f"{show(effect.low)} to {show(effect.high)} over {effect.n} replicate(s))"
    )


def _best_clause(ctx, dataset, metric, *, lowest, description, kind):
    summary = ctx.summary
    rows = summary[summary["dataset"] == dataset]
    column = f"{metric}_median"
    pairs, value = best_pairs(rows, column, lowest=lowest)
    if not pairs:
        return f"{description}: n/a (no value available)"
    text = f"{description}: {pair_labels(pairs)} ({format_value(value)})"
    baseline = ctx.baseline
    present = set(zip(rows["loss"], rows["penalty"], strict=True))
    if baseline not in present:
        return text
    if baseline not in pairs:
        return text + _effect_clause(ctx, dataset, pairs[0], metric, kind)
    others = rows[[pair != baseline for pair in zip(rows.loss, rows.penalty, strict=True)]]
    runners, runner_value = best_pairs(others, column, lowest=lowest)
    text += ", the baseline itself"
    if runners:
        text += f"; next: {pair_labels(runners)} ({format_value(runner_value)})"
        text += _effect_clause(ctx, dataset, runners[0], metric, kind)
    return text


def scenario_sentence(ctx, dataset):
    """One sentence per dataset, generated from the numbers: best pairs and effect sizes."""
    rows = ctx.summary[ctx.summary["dataset"] == dataset]
    # Without a noise-free signal (a real dataset) the test error is the best there is.
    error = "risk" if np.isfinite(rows["risk_median"].to_numpy(dtype=float)).any() else "test_mse"
    if error == "test_mse":
        prefix = "lowest median risk: n/a (no noise-free signal); lowest median test_mse"
    else:
        prefix = "lowest median risk"
    parts = [
        _best_clause(ctx, dataset, error, lowest=True, description=prefix, kind="ratio"),
        _best_clause(
            ctx, dataset, "f1", lowest=False, description="highest median F1", kind="difference"
        ),
    ]
    n_ok, n_failed = int(rows["n_ok"].sum()), int(rows["n_failed"].sum())
    tail = f" {n_failed} of {n_ok + n_failed} fits did not succeed." if n_failed else ""
    oracle = oracle_stats(ctx, dataset)
    if error == "risk" and oracle is not None and math.isfinite(oracle["risk"]):
        tail += (
            f" For reference, least squares on the true support (the oracle) has median risk "
            f"{format_value(oracle['risk'])}."
        )
    return f"{dataset}: {'; '.join(parts)}.{tail}"


def _anova_sentence(result, scope):
    interaction = "loss × penalty interaction"
    share = result.share("C(loss):C(penalty)")
    if result.interaction_p >= ALPHA:
        verdict = "not significant: no evidence that the best penalty depends on the loss"
    elif share < _SMALL_SHARE:
        verdict = "significant but small: how much a penalty helps depends a little on the loss"
    else:
        verdict = "significant: which penalty is best depends on the loss"
    return (
        f"{scope}, the penalty accounts for {100 * result.share('C(penalty)'):.0f}% of the "
        f"variation of log risk, the loss for {100 * result.share('C(loss)'):.0f}% and the "
        f"{interaction} for {100 * result.share('C(loss):C(penalty)'):.0f}% (F-test of the "
        f"interaction: p {p_relation(result.interaction_p)}, {verdict})."
    )


def _which_matters(loss_share, penalty_share):
    """'the choice of X matters more ...' from two ANOVA shares; 'neither' when both are small."""
    shares = (
        f"the loss accounts for {100 * loss_share:.0f}% and the penalty for "
        f"{100 * penalty_share:.0f}% of the variation of log risk"
    )
    if max(loss_share, penalty_share) < _SMALL_SHARE:
        return (
            f"neither choice explains much of the noise-free risk: {shares}; the scenarios and "
            "the replicates account for the rest"
        )
    bigger, smaller = ("penalty", "loss") if penalty_share >= loss_share else ("loss", "penalty")
    return f"the choice of {bigger} matters more than the choice of {smaller}: {shares}"


def headline(ctx):
    """Generated sentences answering 'loss or penalty?' from the pooled ANOVA of log risk."""
    metrics, datasets = ctx.metrics, ctx.all_datasets
    everything = interaction_anova(metrics, metric="risk", datasets=datasets)
    if everything is None:
        return (
            '<p class="lead">The run has no positive risk values for at least two losses and '
            "two penalties, so the question 'loss or penalty?' cannot be answered from it.</p>"
        )
    scope = f"Pooled over {len(datasets)} scenario(s) ({everything.n} successful fits)"
    sentences = [_anova_sentence(everything, scope)]
    decisive = everything
    penalised = interaction_anova(
        metrics[metrics["penalty"] != "none"], metric="risk", datasets=datasets
    )
    if penalised is not None and (metrics["penalty"] == "none").any():
        sentences.append(
            _anova_sentence(penalised, "Leaving out the unpenalised fits (penalty none)")
        )
        decisive = penalised
    conclusion = "In this run " + _which_matters(
        decisive.share("C(loss)"), decisive.share("C(penalty)")
    )
    sparse = [name for name in ("l1", "elasticnet") if (metrics["penalty"] == name).any()]
    within = None
    if len(sparse) == 2:
        within = interaction_anova(
            metrics[metrics["penalty"].isin(sparse)], metric="risk", datasets=datasets
        )
    if within is not None:
        conclusion += (
            "; between the two sparse penalties (l1, elasticnet) "
            + _which_matters(within.share("C(loss)"), within.share("C(penalty)"))
            + f" (interaction {100 * within.share('C(loss):C(penalty)'):.0f}%)"
        )
    sentences.append(
        conclusion + ". Per-scenario answers follow, with effect sizes against "
        f"{pair_label(*ctx.baseline)} (squared loss with the lasso penalty)."
    )
    return '<p class="lead">' + esc(" ".join(sentences)) + "</p>"


def oracle_note(ctx, dataset):
    """A sentence for the risk heatmap: the oracle's median risk, or why it is missing."""
    stats = oracle_stats(ctx, dataset)
    if stats is None:
        return ""
    if not math.isfinite(stats["risk"]):
        reason = stats["message"] or "no noise-free signal (f_test)"
        return f"The oracle (least squares on the true support) does not apply here: {reason}."
    rows = ctx.summary[ctx.summary["dataset"] == dataset]
    _, best = best_pairs(rows, "risk_median", lowest=True)
    text = (
        f"The oracle, least squares on the true support, has median risk "
        f"{format_value(stats['risk'])} over {stats['n_ok']} of {stats['n_rows']} replicate(s)"
    )
    if math.isfinite(best) and stats["risk"] > 0:
        text += f"; the best pair's median risk is {format_value(best / stats['risk'])} times that"
    return text + "."


def signal_note(ctx, dataset):
    info = ctx.info
    rows = info[info["dataset"] == dataset]
    if rows.empty:
        return ""
    signal = float(rows["signal_variance"].median())
    sigma2 = float((rows["noise_scale"] ** 2).median())
    return (
        f"For scale: the null model (intercept only) has risk ≈ Var(x'β) = "
        f"{format_value(signal)}, and the nominal noise variance is σ² = "
        f"{format_value(sigma2)} (median over replicates)."
    )


def _group_values(metrics, dataset, penalty, column):
    """Finite values of ``column`` over the successful fits of one penalty, all losses."""
    rows = metrics[
        (metrics["dataset"] == dataset) & is_ok(metrics) & (metrics["penalty"] == penalty)
    ]
    values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
    return values[np.isfinite(values)]


def group_sentence(ctx, dataset):
    """Lasso against elastic net: does the penalty keep a hit group of true features whole?"""
    metrics = ctx.metrics
    penalties = [name for name in ("l1", "elasticnet") if (metrics["penalty"] == name).any()]
    clauses = []
    medians = {}
    names = {"l1": "lasso (l1)", "elasticnet": "elastic-net"}
    for penalty in penalties:
        fractions = _group_values(metrics, dataset, penalty, "group_frac")
        whole = _group_values(metrics, dataset, penalty, "group_whole")
        hits = _group_values(metrics, dataset, penalty, "group_hit")
        if not hits.size:
            continue
        clause = (
            f"the {names[penalty]} fits hit a true group in {fractions.size} of {hits.size} "
            "fits (all losses)"
        )
        if fractions.size:
            medians[penalty] = (float(np.median(fractions)), float(np.mean(whole)))
            clause += (
                f"; there they select a median share {format_value(medians[penalty][0])} of a "
                f"hit group's true members and keep on average {100 * medians[penalty][1]:.0f}% "
                "of their hit groups whole"
            )
        clauses.append(clause)
    if not clauses:
        return (
            f"On {dataset}, the run has no successful lasso (l1) or elastic-net fit to "
            "compare; see the figure and the table for the other penalties."
        )
    text = f"On {dataset}, " + ". On the same data, ".join(clauses) + "."
    if len(medians) == 2:
        # by the median share first, then by how often a hit group is kept whole
        lasso, enet = medians["l1"], medians["elasticnet"]
        if enet > lasso:
            text += (
                " The elastic net keeps more of a correlated group together than the lasso, as "
                "its grouping effect predicts."
            )
        elif enet < lasso:
            text += " Here the lasso keeps more of a group together than the elastic net."
        else:
            text += " The two penalties keep groups together equally often."
    design = ((ctx.config.get("datasets") or {}).get(dataset) or {}).get("design") or {}
    if design.get("kind") in _UNCORRELATED_DESIGNS:
        text += (
            f" The groups of this {design['kind']} design are nominal: its features are not "
            "correlated within a group, so no grouping effect is expected."
        )
    return text


def intercept_sentence(metrics, dataset, noise_median):
    rows = metrics[
        (metrics["dataset"] == dataset) & is_ok(metrics) & (metrics["penalty"] != "none")
    ]
    values = pd.to_numeric(rows["intercept"], errors="coerce")
    squared = float(values[rows["loss"] == "l2"].median())
    absolute = float(values[rows["loss"] == "l1"].median())
    if not (math.isfinite(squared) and math.isfinite(absolute)):
        return "The intercepts of the squared- and absolute-loss fits are not available."
    text = (
        f"On {dataset}, the penalised squared-loss fits have median intercept "
        f"{format_value(squared)} and the penalised absolute-loss fits "
        f"{format_value(absolute)} (difference {signed(absolute - squared)})."
    )
    if noise_median is None:
        return text + (
            " Squared loss estimates the conditional mean and absolute loss the conditional "
            "median, which differ under skewed noise."
        )
    text += (
        f" The noise has mean 0 and median {format_value(noise_median)}: squared loss "
        "estimates the conditional mean, absolute loss the conditional median."
    )
    agrees = abs(squared) < abs(squared - noise_median) and abs(absolute - noise_median) < abs(
        absolute
    )
    if agrees:
        text += (
            " The fits agree: each intercept is closer to the location its loss estimates "
            "than to the other one."
        )
    else:
        text += (
            " Here the intercepts do not separate that clearly (shrinkage and the small n "
            "blur the difference)."
        )
    return text
