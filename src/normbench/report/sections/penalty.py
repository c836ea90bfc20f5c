"""How the penalty acts: support recovery along the regularisation path (ROC curves).

The explanatory figures (norm balls, coefficient paths) are in the "About the models" section
(:mod:`normbench.report.sections.about`)."""

from __future__ import annotations

import numpy as np

from normbench.report.figures import support_roc_curves
from normbench.report.figures.common import format_value
from normbench.report.html import anchor, esc, html_details, html_figure, html_table
from normbench.study.explain_files import EXPLAIN_REPLICATE, PATH_PENALTIES, path_dataset


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
        "towards zero but never to it; the elastic net mixes both (the geometry and the "
        'paths are in <a href="#about">About the models</a>). Below: how well the order in '
        "which features enter along the path finds the true ones.</p>",
    ]
    dataset, explanation = _paths_unavailable(ctx)
    if dataset is None:
        parts.append(explanation)
        return "\n".join(parts)
    true_coef, curves = explanation.true_coef, explanation.curves
    n_true = int(np.count_nonzero(true_coef))
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
        f'<h3 id="{esc(anchor("penalty", dataset))}">Support recovery along the path on '
        f"{esc(dataset)}</h3>\n"
        f"<p>Replicate {EXPLAIN_REPLICATE} of {esc(dataset)}: {n_true} true nonzero "
        f"coefficient(s). Support-recovery AUC along the path: {sentence}.</p>\n"
        + html_details(
            "ROC curves along the path and their AUC",
            f'<div class="figure-grid">\n{roc_figure}\n<div>\n'
            + html_table(["penalty (squared loss)", "support AUC"], auc_rows)
            + "\n</div>\n</div>",
        )
    )
    return "\n".join(parts)
