"""How the loss acts: loss shapes and training residuals (skewed-noise intercepts: by scenario)."""

from __future__ import annotations

import numpy as np

from normbench.report.figures import (
    exact_zero_share,
    residual_distributions,
)
from normbench.report.html import anchor, esc, html_details, html_figure, html_table
from normbench.study.explain_files import EXPLAIN_REPLICATE
from normbench.vocab import parse_pair

#: Most datasets whose residuals are drawn (one panel each).
_RESIDUAL_MAX_DATASETS = 6


def _residual_penalty(ctx):
    """The penalty held fixed while the loss varies: the baseline's, else the first penalised."""
    penalties = list(ctx.metrics["penalty"].unique())
    if ctx.baseline[1] in penalties:
        return ctx.baseline[1]
    penalised = [name for name in penalties if name != "none"]
    return penalised[0] if penalised else None


def _training_residuals(ctx, penalty):
    """``{dataset: {loss: residuals}}`` of the fits with ``penalty``, from the explain files.

    At most :data:`_RESIDUAL_MAX_DATASETS` datasets, each with at least two losses.
    """
    residuals = {}
    for dataset in ctx.datasets:
        if len(residuals) == _RESIDUAL_MAX_DATASETS or penalty is None:
            break
        explanation = ctx.explanations.get(dataset)
        if explanation is None:
            continue
        found = {}
        for pair, values in explanation.residuals.items():
            loss, fitted_penalty = parse_pair(pair)
            if fitted_penalty == penalty:
                found[loss] = values
        if len(found) >= 2:
            residuals[dataset] = found
    return residuals


def _residuals_part(ctx):
    """Figure and table: how the three losses leave the training residuals, penalty fixed."""
    penalty = _residual_penalty(ctx)
    residuals = _training_residuals(ctx, penalty)
    if not residuals:
        return (
            '<p class="note">No dataset with explained fits of at least two losses with the '
            "same penalty, so the residual distributions are not drawn.</p>"
        )
    rows = []
    for dataset, by_loss in residuals.items():
        scale = max(float(np.abs(values).max()) for values in by_loss.values())
        for loss, values in by_loss.items():
            magnitude = np.abs(values)
            rows.append(
                (
                    dataset,
                    loss,
                    f"{100 * exact_zero_share(values, scale):.0f}%",
                    float(np.median(magnitude)),
                    float(magnitude.max()),
                )
            )
    figure = html_figure(
        residual_distributions(residuals, title_suffix=f" (penalty {penalty})"),
        f"Training residuals of replicate {EXPLAIN_REPLICATE}, each loss fitted with penalty "
        f"{penalty} at the lam (and delta) its cross-validation chose. Absolute loss fits a "
        "subset of the points exactly (its residuals there are 0: it is a median-type "
        "estimator); squared loss spreads every large residual over the fit; Huber is quadratic "
        "inside ±delta and absolute beyond.",
        "distributions of training residuals per loss",
    )
    return (
        f'<h3 id="residuals">Residuals of the fits (penalty {esc(penalty)} held fixed)</h3>\n'
        + html_details(
            "Training residuals per loss: figure and table",
            figure + html_table(["dataset", "loss", "exactly 0", "median |r|", "max |r|"], rows),
        )
    )


def _loss_shape_parts(ctx):
    """What each loss estimates, and the training residuals."""
    return [
        "<p>The loss decides how residuals are weighted, and hence what the fit estimates: "
        "squared loss the conditional mean, absolute loss the conditional median, Huber a "
        "compromise that behaves like squared loss for small residuals and like absolute loss "
        'for large ones. The loss shapes and their derivatives are drawn in <a href="#about">'
        "About the models</a>.</p>",
        _residuals_part(ctx),
    ]


def _skewed_parts(ctx):
    """Where the intercepts under skewed noise are: each such scenario's block."""
    skewed = [
        dataset
        for dataset in ctx.datasets
        if (ctx.dataset_entry(dataset).get("noise") or {}).get("family") == "skewed"
    ]
    if not skewed:
        return [
            '<p class="note">No scenario has skewed noise (noise.family: skewed), so the '
            "comparison of mean and median intercepts is not shown.</p>"
        ]
    links = ", ".join(
        f'<a href="#{esc(anchor("scenario", dataset))}">{esc(dataset)}</a>' for dataset in skewed
    )
    return [
        "<p>Under skewed noise the mean and the median of the noise differ, so the intercepts "
        "show which location each loss targets: the fitted intercepts and the comparison of "
        f"slopes are in the blocks of the skewed scenarios ({links}).</p>"
    ]


def render(ctx):
    return "\n".join(_loss_shape_parts(ctx) + _skewed_parts(ctx))
