"""How the penalty acts: norm balls, coefficient paths and support ROC curves."""

from __future__ import annotations

import numpy as np

from normbench.report.figures import coefficient_path_panels, norm_balls, support_roc_curves
from normbench.report.figures.common import format_value
from normbench.report.html import anchor, esc, html_figure, html_table
from normbench.study.explain import EXPLAIN_REPLICATE, PATH_L1_RATIO, PATH_PENALTIES, path_dataset
from normbench.vocab import pair_key


def _balls():
    return html_figure(
        norm_balls(),
        "The constraint form of the penalised problem in two dimensions: minimise a squared "
        "loss (grey elliptical contours around the least-squares solution ×) over a ball. "
        "The smallest contour that reaches the L1 ball (left) touches it at a corner, where "
        "w₁ is exactly 0; the same loss touches the round L2 ball (right) off the axes, so "
        "both coordinates stay nonzero, only shrunk. Drawn from the formulas.",
        "L1 ball and L2 ball touched by elliptical loss contours",
    )


def _paths_unavailable(ctx):
    """The dataset whose paths are drawn and its explanation, or (None, a note saying why)."""
    dataset = path_dataset(ctx.config, ctx.all_datasets)
    if dataset is None:
        return None, (
            '<p class="note">No dataset of this run is simulated (generator: simulate), so '
            "there are no true coefficients to colour the coefficient paths and the support "
            "ROC curves are not shown.</p>"
        )
    explanation = ctx.explanations.get(dataset)
    if explanation is None or explanation.path_error is not None or not explanation.paths:
        reason = (
            f"no explain file (results/explain/{dataset}.npz) was given to the report"
            if explanation is None
            else explanation.path_error or "the explain file holds no paths"
        )
        return None, (
            f'<p class="note">The coefficient paths of {esc(dataset)} could not be drawn: '
            f"{esc(reason)}</p>"
        )
    return dataset, explanation


def render(ctx):
    parts = [
        "<p>The penalty decides which coefficients survive. The lasso (l1) sets coefficients "
        "to exactly zero, more of them as lam grows; ridge (l2) shrinks every coefficient "
        "towards zero but never to it; the elastic net mixes both. The geometry below shows "
        "why; the paths show it on one replicate of a simulated scenario.</p>",
        _balls(),
    ]
    dataset, explanation = _paths_unavailable(ctx)
    if dataset is None:
        parts.append(explanation)
        return "\n".join(parts)
    true_coef, paths, curves = explanation.true_coef, explanation.paths, explanation.curves
    n_lams = explanation.n_lams
    n_true = int(np.count_nonzero(true_coef))
    titles = {
        "l1": f"{pair_key('l2', 'l1')} (lasso)",
        "l2": f"{pair_key('l2', 'l2')} (ridge)",
        "elasticnet": f"{pair_key('l2', 'elasticnet')} (l1_ratio = {PATH_L1_RATIO:g})",
    }
    path_figure = html_figure(
        coefficient_path_panels(
            {titles[penalty]: path for penalty, path in paths.items()}, true_coef
        ),
        f"Coefficient paths of squared-loss fits on replicate {EXPLAIN_REPLICATE} of {dataset} "
        f"(the study's training data; standardised features), over the {n_lams} "
        f"values of the cross-validation lam grid, largest lam on the left. The {n_true} true "
        "nonzero coefficients are coloured, the null ones grey. The lasso and the elastic "
        "net let features enter one at a time; ridge moves all of them at once.",
        f"coefficient paths for {dataset}",
    )
    roc_figure = html_figure(
        support_roc_curves(curves),
        "Support recovery along the path: for the lasso and the elastic net each lam gives "
        "one point, the FPR and TPR of the selected support {j : ŵⱼ ≠ 0}; (0, 0) and (1, 1) "
        "are added, so beyond the smallest lam the curve runs straight to (1, 1). Ridge "
        "selects every feature at every lam, so its curve ranks the features by |ŵⱼ| at the "
        "middle lam of its grid (where the CV choice typically falls) over all thresholds. "
        "AUC: trapezoid area under the curve (0.5 = chance, 1 = the true features enter "
        "first).",
        f"support-recovery ROC curves for {dataset}",
    )
    auc_rows = [(penalty, float(curves[penalty][2])) for penalty in PATH_PENALTIES]
    sentence = ", ".join(
        f'<span id="auc-{esc(penalty)}">{esc(penalty)} {esc(format_value(auc))}</span>'
        for penalty, (_, _, auc) in curves.items()
    )
    parts.append(
        f'<h3 id="{esc(anchor("penalty", dataset))}">Paths on {esc(dataset)}</h3>\n'
        f"<p>Replicate {EXPLAIN_REPLICATE} of {esc(dataset)}: {n_true} true nonzero "
        f"coefficient(s). Support-recovery AUC along the path: {sentence}.</p>\n"
        f'{path_figure}\n<div class="figure-grid">\n{roc_figure}\n<div>\n'
        + html_table(["penalty (squared loss)", "support AUC"], auc_rows)
        + "\n</div>\n</div>"
    )
    return "\n".join(parts)
