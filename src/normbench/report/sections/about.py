"""About the models: what the losses and penalties are, drawn from their formulas -- the norm
balls, the loss shapes, the coefficient paths -- and their Bayesian reading."""

from __future__ import annotations

import numpy as np

from normbench.analysis.summary import loss_margin
from normbench.report.figures import (
    bayesian_densities,
    coefficient_path_panels,
    loss_functions,
    norm_balls,
)
from normbench.report.html import esc, html_details, html_figure
from normbench.report.tables import summary_number, with_error
from normbench.study.explain_files import EXPLAIN_REPLICATE, PATH_L1_RATIO, path_dataset
from normbench.vocab import pair_key

_OBJECTIVE = (
    '<p class="formula">minimise over b, w:&nbsp; (1/n) Σᵢ loss(yᵢ − b − xᵢ·w) + lam · '
    "penalty(w)</p>"
)

_BAYES = """<h3 id="about-bayes">The Bayesian reading</h3>
<p>Minimising the objective is maximising a posterior. If the noise has density
∝ exp(−loss(r)/φ) and each coefficient a prior ∝ exp(−penalty(w)/ψ), the negative log
posterior is Σᵢ loss(rᵢ)/φ + penalty(w)/ψ; multiplied by φ/n it is our objective with
<b>lam = φ / (n ψ)</b>. So every fit is a MAP (posterior mode) estimate:</p>
<ul>
<li><b>Squared loss</b> r²/2 = a <b>Gaussian likelihood</b> (φ = σ², the noise variance):
it estimates the conditional <i>mean</i> of y.</li>
<li><b>Absolute loss</b> |r| = a <b>Laplace likelihood</b> (φ = its scale s): the conditional
<i>median</i>.</li>
<li><b>Huber</b> = a Gaussian core with Laplace tails (quadratic within ±δ, linear beyond):
a mean for the bulk of the noise, a median-like weight for the outliers.</li>
<li><b>Ridge</b> ‖w‖²/2 = a <b>Gaussian prior</b> wⱼ ~ N(0, τ²) (ψ = τ²). With the squared
loss the correspondence is exact: −log posterior = ‖y − b − Xw‖²/(2σ²) + ‖w‖²/(2τ²), and
σ²/n times it is (1/n) Σᵢ rᵢ²/2 + <b>lam = σ² / (n τ²)</b> × ‖w‖²/2. A larger n or a wider
prior asks for a smaller lam.</li>
<li><b>Lasso</b> ‖w‖₁ = a <b>Laplace prior</b> with scale β (ψ = β, lam = σ²/(n β) under the
squared loss). The posterior <i>mode</i> has exact zeros; the posterior itself does not (its
draws are never sparse), so the lasso's sparsity is a property of the estimate, not a belief
that coefficients are zero.</li>
<li><b>Elastic net</b> = the <b>product</b> of the two priors, exp(−[l1_ratio ‖w‖₁ +
(1 − l1_ratio) ‖w‖²/2]/ψ): Laplace near zero, Gaussian in the tails.</li>
<li><b>No penalty</b> = a flat (improper) prior: the maximum-likelihood estimate, which for
p &gt; n is not unique.</li>
</ul>"""


def _median_delta(ctx):
    """Huber's δ to draw with, and its story: the median δ chosen on the first scenario with
    penalised Huber fits (the ``loss:huber`` margin of ``results/summary.csv``)."""
    for dataset in ctx.all_datasets:
        found = summary_number(ctx.mc_summary, dataset, loss_margin("huber"), "delta")
        if found is None or not found.estimate > 0:
            continue
        return found.estimate, (
            f"δ = {with_error(found.estimate, found.mcse)}, the median δ chosen over the "
            f"{found.n_replicates} penalised Huber fits of {dataset}"
        )
    return 1.0, "δ = 1 (no Huber fit recorded a δ in this run)"


def _paths(ctx):
    """The coefficient paths on one simulated replicate, or a note saying why there are none."""
    dataset = path_dataset(ctx.config, ctx.all_datasets)
    explanation = ctx.explanations.get(dataset) if dataset is not None else None
    if explanation is None or explanation.path_error is not None or not explanation.paths:
        reason = (
            "no dataset of this run is simulated, so there are no true coefficients to colour"
            if dataset is None
            else f"no explain file (results/explain/{dataset}.npz) was given to the report"
            if explanation is None
            else explanation.path_error or "the explain file holds no paths"
        )
        return f'<p class="note">The coefficient paths are not drawn: {esc(reason)}.</p>'
    true_coef = explanation.true_coef
    n_true = int(np.count_nonzero(true_coef))
    titles = {
        "l1": f"{pair_key('l2', 'l1')} (lasso)",
        "l2": f"{pair_key('l2', 'l2')} (ridge)",
        "elasticnet": f"{pair_key('l2', 'elasticnet')} (l1_ratio = {PATH_L1_RATIO:g})",
    }
    figure = html_figure(
        coefficient_path_panels(
            {titles[penalty]: path for penalty, path in explanation.paths.items()}, true_coef
        ),
        f"Coefficient paths of squared-loss fits on replicate {EXPLAIN_REPLICATE} of {dataset} "
        f"(the study's training data; standardised features), over the {explanation.n_lams} "
        f"values of the cross-validation lam grid, largest lam on the left. The {n_true} true "
        "nonzero coefficients are coloured, the null ones grey. The lasso and the elastic "
        "net let features enter one at a time; ridge moves all of them at once.",
        f"coefficient paths for {dataset}",
    )
    return f'<h3 id="about-paths">Coefficient paths</h3>\n{figure}'


def render(ctx):
    delta, delta_text = _median_delta(ctx)
    balls = html_figure(
        norm_balls(),
        "The constraint form of the penalised problem in two dimensions: minimise a squared "
        "loss (grey elliptical contours around the least-squares solution ×) over a ball. "
        "The smallest contour that reaches the L1 ball (left) touches it at a corner, where "
        "w₁ is exactly 0; the same loss touches the round L2 ball (right) off the axes, so "
        "both coordinates stay nonzero, only shrunk. Drawn from the formulas.",
        "L1 ball and L2 ball touched by elliptical loss contours",
    )
    shapes = html_figure(
        loss_functions(delta),
        f"The three losses (left) and their derivatives (right), with {delta_text}. The "
        "derivative is the weight a residual carries in the estimating equation: unbounded "
        "for l2 (one outlier can move the fit arbitrarily), bounded by 1 for l1 and by δ for "
        "Huber (quadratic near zero, linear beyond ±δ, dotted lines).",
        "loss functions and their derivatives",
    )
    densities = html_figure(
        bayesian_densities(delta),
        "Left: the noise density each loss assumes, ∝ exp(−loss(r)), on a log axis where a "
        "Gaussian is a parabola and a Laplace density a tent of straight lines; Huber's is "
        "Gaussian within ±δ and Laplace beyond. Right: the prior each penalty puts on one "
        "coefficient, ∝ exp(−penalty(w)); the lasso's and the elastic net's have a kink at 0, "
        "which is why their posterior modes can be exactly 0. Drawn from the formulas, with "
        "φ = ψ = 1.",
        "noise densities and priors of the losses and penalties",
    )
    return (
        "<p>Every model of the study minimises one objective; the twelve pairs differ only in "
        "the loss and the penalty.</p>\n"
        + _OBJECTIVE
        + '\n<h3 id="about-penalties">Penalties: the geometry of sparsity</h3>\n'
        + html_details("The L1 and L2 balls against the loss contours", balls)
        + "\n"
        + html_details("Coefficient paths", _paths(ctx))
        + '\n<h3 id="about-losses">Losses: how residuals are weighted</h3>\n'
        + html_details("The three losses and their derivatives", shapes)
        + "\n"
        + html_details("The Bayesian reading: likelihoods and priors", _BAYES)
        + "\n"
        + html_details("Noise densities and priors: the Bayesian reading drawn", densities)
    )
