"""The report's generated sentences: every number in them is a row of an analysis table."""

from __future__ import annotations

import math
from collections.abc import Mapping

from normbench.analysis.summary import loss_margin, penalty_margin
from normbench.report.context import data_median, oracle_stats
from normbench.report.figures.common import format_value
from normbench.report.tables import summary_number, with_error

#: The losses of the oracles, each the reference of the models of its own loss.
ORACLE_LOSSES = ("l2", "l1", "huber")
ORACLE_NAMES = {"l2": "least squares", "l1": "least absolute deviations", "huber": "Huber"}
#: What an oracle is and is not, for captions.
ORACLE_CAPTION = (
    "An oracle fits its loss without penalty on the true support: it knows which features "
    "matter, is fitted by the same loss as the models it is drawn with, and still estimates "
    "its coefficients from the same n noisy points. It is what knowing the support is worth to "
    "that loss, not a bound on what a model can reach: a fit that shrinks can beat it."
)


# Designs whose group labels are nominal: the features are not correlated within a group.
_UNCORRELATED_DESIGNS = ("independent", "toeplitz")


def describe_params(params):
    """``{"kind": "block", "rho": 0.7}`` -> ``"kind=block, rho=0.7"``."""
    if not isinstance(params, Mapping):
        return "n/a" if params is None else str(params)
    return ", ".join(f"{key}={value}" for key, value in params.items())


#: The noise parameters that apply to each family (the scale: snr or sigma, in every family).
_NOISE_KEYS = {
    "gaussian": (),
    "laplace": (),
    "cauchy": (),
    "student_t": ("df",),
    "skewed": ("skew",),
    "contaminated": ("contamination", "outlier_scale"),
}
#: The design parameters that apply to each kind.
_DESIGN_KEYS = {
    "independent": (),
    "toeplitz": ("rho",),
    "block": ("rho", "group_size", "feature_scale"),
    "latent_groups": ("rho", "group_size", "n_groups", "feature_scale"),
}


def _only(params, head, keys):
    if not isinstance(params, Mapping) or params.get(head) not in keys:
        return describe_params(params)
    kept = {head: params[head]}
    kept.update({key: params[key] for key in keys[params[head]] if params.get(key) is not None})
    return kept


def describe_noise(noise):
    """The noise family with only its own parameters and its scale (snr or sigma).

    >>> describe_noise({"family": "gaussian", "df": 2.0, "skew": 1.0, "snr": 3.0})
    'family=gaussian, snr=3.0'
    """
    kept = _only(noise, "family", _NOISE_KEYS)
    if isinstance(kept, str):
        return kept
    for scale in ("snr", "sigma"):
        if noise.get(scale) is not None:
            kept[scale] = noise[scale]
    return describe_params(kept)


def describe_design(design):
    """The design kind with only its own parameters.

    >>> describe_design({"kind": "block", "rho": 0.5, "group_size": 5, "n_groups": 3})
    'kind=block, rho=0.5, group_size=5'
    """
    kept = _only(design, "kind", _DESIGN_KEYS)
    return kept if isinstance(kept, str) else describe_params(kept)


def signed(value):
    return "n/a" if not math.isfinite(value) else f"{value:+.3g}"


#: How a findings verdict reads between a pair and its reference.
_RELATION = {
    "better": "better than",
    "worse": "worse than",
    "equivalent": "equivalent to",
    "inconclusive": "not decided against",
}


def p_value_text(value):
    if value is None or not math.isfinite(value):
        return "n/a"
    return "< 1e-10" if value < 1e-10 else format_value(value)


def oracle_note(ctx, dataset, metric_name="risk"):
    """A sentence for the risk heatmap: each loss's oracle's median, or why there is none."""
    clauses = []
    reason = ""
    for loss in ORACLE_LOSSES:
        stats = oracle_stats(ctx, dataset, loss)
        if stats is None:
            continue
        if math.isfinite(stats[metric_name]):
            clauses.append(
                f"{ORACLE_NAMES[loss]} {with_error(stats[metric_name], stats['mcse'][metric_name])}"
                f" ({stats['n_ok']} of {stats['n_rows']} replicates)"
            )
        else:
            reason = reason or stats["message"] or "no noise-free signal (f_test)"
    if not clauses:
        return f"The oracles do not apply here: {reason}." if reason else ""
    return (
        f"Oracles (each loss fitted without penalty on the true support), median {metric_name} "
        "± its Monte Carlo error: " + "; ".join(clauses) + "."
    )


def signal_note(ctx, dataset):
    """The null model's risk and the noise scale: the sidecars' medians in results/summary.csv."""
    signal, sigma = (
        data_median(ctx, dataset, "signal_variance"),
        data_median(ctx, dataset, "noise_scale"),
    )
    if signal is None or sigma is None:
        return ""
    return (
        f"For scale: the null model (intercept only) has risk ≈ Var(x'β) = "
        f"{with_error(signal.estimate, signal.mcse)}; the noise scale is σ = "
        f"{with_error(sigma.estimate, sigma.mcse)} (the simulator's scale; medians over "
        f"{signal.n_replicates} replicates ± their Monte Carlo errors; "
        "the noise's true variance, which the PVE uses, is larger for heavy tails and "
        "contamination)."
    )


def group_sentence(ctx, dataset):
    """Lasso against elastic net: does the penalty keep a hit group of true features whole?"""
    metrics = ctx.metrics
    penalties = [name for name in ("l1", "elasticnet") if (metrics["penalty"] == name).any()]
    clauses = []
    medians = {}
    names = {"l1": "lasso (l1)", "elasticnet": "elastic-net"}
    for penalty in penalties:
        # the penalty's fits over every loss: margin rows of results/summary.csv
        margin = penalty_margin(penalty)
        hits = summary_number(ctx.mc_summary, dataset, margin, "group_hit")
        fraction = summary_number(ctx.mc_summary, dataset, margin, "group_frac")
        whole = summary_number(ctx.mc_summary, dataset, margin, "group_whole", "mean")
        if hits is None or not hits.n_replicates:
            continue
        n_hit = fraction.n_replicates if fraction is not None else 0
        clause = (
            f"the {names[penalty]} fits hit a true group in {n_hit} of {hits.n_replicates} "
            "fits (all losses)"
        )
        if n_hit and whole is not None and math.isfinite(whole.estimate):
            medians[penalty] = (fraction.estimate, whole.estimate)
            error = f" ± {100 * whole.mcse:.0f}%" if math.isfinite(whole.mcse) else ""
            clause += (
                f"; there they select a median share {with_error(fraction.estimate, fraction.mcse)}"
                f" of a hit group's true members and keep on average {100 * whole.estimate:.0f}%"
                f"{error} of their hit groups whole"
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


def intercept_sentence(ctx, dataset, noise_median):
    """Where the penalised fits of each loss put the intercept: margin rows of summary.csv."""
    found = [
        summary_number(ctx.mc_summary, dataset, loss_margin(loss), "intercept")
        for loss in ("l2", "l1")
    ]
    if any(each is None or not math.isfinite(each.estimate) for each in found):
        return "The intercepts of the squared- and absolute-loss fits are not available."
    (squared, squared_error, _), (absolute, absolute_error, _) = found
    text = (
        f"On {dataset}, the penalised squared-loss fits have median intercept "
        f"{with_error(squared, squared_error)} and the penalised absolute-loss fits "
        f"{with_error(absolute, absolute_error)} (difference {signed(absolute - squared)})."
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


def slope_sentence(findings, dataset):
    """The losses compared by model_error on one dataset, from its findings rows.

    model_error = (b̂ − b)ᵀΣ(b̂ − b) leaves the intercept out, so it compares the slopes of
    losses that target different locations (mean, median) on an equal footing.
    """
    if findings is None or findings.empty:
        return None
    rows = findings[
        (findings["dataset"] == dataset)
        & (findings["metric"] == "model_error")
        & (findings["pair"].str.partition("+")[2] == findings["reference"].str.partition("+")[2])
    ]
    if rows.empty:
        return None
    clauses = [
        f"{row.pair} {_RELATION[row.verdict]} "
        f"{row.reference} (effect {format_value(row.effect)}, interval "
        f"{format_value(row.ci_low)} to {format_value(row.ci_high)})"
        for row in rows.itertuples(index=False)
    ]
    return (
        "Compared by model error, which leaves the intercept out and so measures the slopes "
        "alone, whatever location each loss targets: " + "; ".join(clauses) + "."
    )
