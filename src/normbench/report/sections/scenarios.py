"""Models and scenarios: the objective, the losses and penalties, tuning, the datasets."""

from __future__ import annotations

import pandas as pd

from normbench.report.html import esc, html_details, html_table
from normbench.report.prose import describe_design, describe_noise, describe_params
from normbench.vocab import LOSSES, PAIR_SEPARATOR, PENALTIES, order_names

_LOSS_DEFINITIONS = {
    "l2": "r² / 2 (least squares)",
    "l1": "|r| (least absolute deviations, median regression)",
    "huber": "r² / 2 if |r| ≤ δ, else δ·|r| − δ² / 2",
}


_PENALTY_DEFINITIONS = {
    "none": "0 (no regularisation)",
    "l1": "‖w‖₁ (lasso)",
    "l2": "‖w‖₂² / 2 (ridge)",
    "elasticnet": "α·‖w‖₁ + (1 − α)·‖w‖₂² / 2, α = l1_ratio",
}


def render(ctx):
    config, datasets = ctx.config, ctx.datasets
    models = config.get("models") or {}
    losses = order_names(models.get("losses") or ctx.metrics["loss"], LOSSES)
    penalties = order_names(models.get("penalties") or ctx.metrics["penalty"], PENALTIES)
    cv = config["cv"]  # the validated config: the schema fills the defaults
    standardize = models.get("standardize", True)
    loss_rows = [(name, _LOSS_DEFINITIONS.get(name, "user-defined")) for name in losses]
    penalty_rows = [(name, _PENALTY_DEFINITIONS.get(name, "user-defined")) for name in penalties]
    rule = (
        "the λ with the smallest mean CV error"
        if cv["rule"] == "min"
        else "the largest λ whose mean CV error is within one standard error of the smallest"
    )
    criterion = {
        "own_loss": "each model's own loss on the held-out folds",
        "mse": "mean squared error on the held-out folds",
        "mae": "mean absolute error on the held-out folds",
    }.get(cv["criterion"], str(cv["criterion"]))
    ratios = ", ".join(str(ratio) for ratio in cv["l1_ratios"])
    factors = ", ".join(str(factor) for factor in cv["delta_factors"])
    search = (
        " (a bracket search: only the multiples that a walk out from the reference reaches while"
        " the CV score improves are scored)"
        if cv.get("delta_search", "grid") == "bracket"
        else ""
    )
    over_factors = "over the multiples {" + factors + "}" + search
    scaling = (
        "Features are standardised on the training data inside the estimator and coefficients "
        "are reported on the original scale."
        if standardize
        else "Features are used as given (models.standardize is false)."
    )
    rows = [_scenario_row(ctx, dataset) for dataset in datasets]
    headers = ["dataset", "generator", "n_train", "n_test", "p", "design", "coef", "noise"]
    body = f"""
<p>Every model is one loss combined with one penalty, fitted by minimising over the intercept
<i>b</i> (never penalised) and the coefficients <i>w</i>:</p>
<p class="formula">(1/n) Σᵢ loss(yᵢ − b − xᵢ·w) + λ · penalty(w)</p>
<p>The study crosses {len(losses)} losses with {len(penalties)} penalties
({len(losses) * len(penalties)} pairs):</p>
<div class="figure-grid">
{html_table(["loss", "loss(r), r = residual"], loss_rows)}
{html_table(["penalty", "penalty(w)"], penalty_rows)}
</div>
<details><summary>How each pair is tuned, and what 'none' means when p ≥ n</summary>
<p><b>Tuning.</b> Hyperparameters are chosen on each training split by {esc(cv["folds"])}-fold
cross-validation, scored by {esc(criterion)}. λ runs over a geometric grid of
{esc(cv["n_lams"])} values from a data-driven λ<sub>max</sub> down to
{esc(cv["eps"])} · λ<sub>max</sub>, and the rule <code>{esc(cv["rule"])}</code> picks
{esc(rule)}. For the elastic net, l1_ratio is tuned jointly with λ over {{{esc(ratios)}}}.
Huber's δ is tuned by CV jointly with λ {esc(over_factors)} of a reference
δ = {esc(cv["huber_multiplier"])} × the normalised MAD of a pilot lasso's out-of-fold residuals;
the value chosen for each fit is recorded in the <code>delta</code> column (see
<a href="#tuning">Tuning</a> for δ against the noise scale).
{esc(scaling)}</p>
<p><b>No penalty.</b> When p ≥ n every loss can be driven to zero by interpolating the training
data, so the minimiser is not unique; the penalty <code>none</code> then denotes the
minimum-‖w‖₂ interpolant (the limit of the ridge path as λ → 0), which is the same estimator
for all three losses. When n &gt; p it is the ordinary M-estimator (OLS, least absolute
deviations, Huber regression).</p>
</details>
<h3>Scenarios</h3>
<p>Generator parameters of each dataset, from the configuration; for a dataset of a user's
rule, the sizes its files have and what its sidecar states. {esc(_replicates_sentence(ctx))}
Each replicate is a fresh draw, with seeds derived from the base seed
{esc(config.get("seed", "n/a"))}, the dataset name and the replicate.</p>
{html_details(f"Generator parameters of the {len(rows)} dataset(s)", html_table(headers, rows))}
"""
    return body


def _replicates_sentence(ctx):
    """How many replicates the datasets ran (a plan varies them): the summary's fits per pair."""
    summary = ctx.mc_summary
    counts = summary.loc[summary["what"] == "share_ok", "n_replicates"]
    counts = counts[summary["pair"].str.contains(PAIR_SEPARATOR, regex=False)]  # not references
    if counts.empty:
        return "No replicate has results."
    low, high = int(counts.min()), int(counts.max())
    runs = f"{low}" if low == high else f"{low} to {high}"
    planned = isinstance(ctx.config.get("replicates"), dict)
    how = " (planned from a pilot: the Precision section has the plan)" if planned else ""
    return f"Every dataset ran {runs} replicates{how}."


def _sizes(ctx, dataset, column, shape, axis):
    """A size of ``dataset``: from the metrics' ``column``, else the sidecar's ``shape``.

    One value, or ``low–high`` where the replicates differ; ``n/a`` only where neither the
    metrics nor the sidecar know it.
    """
    rows = ctx.rows(dataset)
    if column in rows:
        values = pd.to_numeric(rows[column], errors="coerce").dropna()
    else:
        values = pd.Series([], dtype=float)
    if values.empty:
        arrays = (ctx.sidecars.get(dataset) or {}).get("contract", {}).get("arrays", {})
        size = (arrays.get(shape) or [None, None])[axis]
        return "n/a" if size is None else int(size)
    low, high = int(values.min()), int(values.max())
    return low if low == high else f"{low}–{high}"


def _scenario_row(ctx, dataset):
    """One row of the scenarios table: the config entry, else what the data say."""
    entry = ctx.dataset_entry(dataset)
    generator = entry.get("generator", "simulate" if entry else "n/a")
    if generator == "simulate":
        return (
            dataset,
            generator,
            entry.get("n_train"),
            entry.get("n_test"),
            entry.get("p"),
            describe_design(entry.get("design")),
            describe_params(entry.get("coef")),
            describe_noise(entry.get("noise")),
        )
    sidecar = ctx.sidecars.get(dataset) or {}
    arrays = (sidecar.get("contract") or {}).get("arrays", {})
    params = entry.get("params") or sidecar.get("params")
    noise = sidecar.get("noise") or (params or {}).get("noise")
    coef = "true coefficients given" if "coef" in arrays else "unknown (real data)"
    return (
        dataset,
        generator,
        _sizes(ctx, dataset, "n_train", "X_train", 0),
        _sizes(ctx, dataset, "n_test", "X_test", 0),
        _sizes(ctx, dataset, "p", "X_train", 1),
        f"the rule's data; params: {describe_params(params)}" if params else "the rule's data",
        coef,
        describe_noise(noise) if noise else "not stated",
    )
