"""Sparsity recovery: support and group recovery at the CV choice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from normbench.report.context import GROUP_METRICS
from normbench.report.figures import replicate_distributions, tpr_fpr_scatter
from normbench.report.html import anchor, esc, html_details, html_figure
from normbench.report.prose import group_sentence
from normbench.report.tables import medians_table, pair_medians
from normbench.study.store import is_ok


def render(ctx):
    metrics, datasets = ctx.metrics, ctx.datasets
    parts = [
        "<p>Support recovery at the hyperparameters chosen by cross-validation: the selected "
        "support {j : ŵⱼ ≠ 0} against the true one. TPR = share of true features selected, "
        "FPR = share of null features selected, precision = share of selected features that "
        "are true, F1 = their harmonic mean. Cross-validation tunes for prediction, not for "
        "selection, so a lasso at the CV choice typically selects too many features.</p>",
        "<details><summary>Group recovery: what the group metrics measure</summary>"
        "<p><b>Groups.</b> Correlated true features compete for the same signal: the lasso "
        "tends to pick one member of such a group and drop the rest, the elastic net's ridge "
        "part to keep them together (the grouping effect of Zou &amp; Hastie, 2005). For each "
        "group with at least two true features, a fit <i>hits</i> it when it selects one of "
        "them. <i>group hit</i> = share of these groups hit; <i>group frac</i> = share of a hit "
        "group's true members selected, averaged over the hit groups; <i>whole</i> = share of "
        "the hit groups with every true member selected. Null members of a group count as "
        "false positives (FPR), not here.</p></details>",
    ]
    for dataset in datasets:
        scatter = html_figure(
            tpr_fpr_scatter(pair_medians(ctx, dataset, ("tpr", "fpr")), dataset),
            "Median true-positive rate against median false-positive rate per pair over the "
            "replicates (the medians of the table). The top-left corner is perfect recovery; "
            "dense estimators sit at FPR = 1, where pairs that coincide are listed in a box "
            "instead of being drawn on top of each other. Colour: penalty; marker: loss.",
            f"TPR against FPR for {dataset}",
        )
        f1 = html_figure(
            replicate_distributions(metrics, dataset, "f1"),
            "F1 of every replicate per pair: the stability of support recovery across data draws.",
            f"f1 across replicates for {dataset}",
        )
        table = medians_table(
            ctx,
            dataset,
            ("n_nonzero", "tpr", "fpr", "precision", "f1", *GROUP_METRICS),
            ["n_nonzero", "TPR", "FPR", "precision", "F1", "group hit", "group frac", "whole"],
        )
        parts.append(
            html_details(
                f"{dataset}: TPR against FPR, F1 per replicate, group recovery, medians",
                f'<div class="figure-grid">\n{scatter}\n{f1}\n</div>\n'
                + _group_part(ctx, dataset)
                + f"\n<h4>Medians per pair</h4>\n{table}",
                id_=anchor("sparsity", dataset),
                scenario=dataset,
            )
        )
    return "\n".join(parts)


def _group_part(ctx, dataset):
    """Group recovery of one dataset: a figure and a sentence, or a note why there is none."""
    metrics = ctx.metrics
    rows = metrics[(metrics["dataset"] == dataset) & is_ok(metrics)]
    hits = pd.to_numeric(rows["group_hit"], errors="coerce") if "group_hit" in rows else None
    if hits is None or not np.isfinite(hits.to_numpy(dtype=float)).any():
        return (
            f'<p class="note" id="groups-{esc(dataset)}">Group recovery is not shown for '
            f"{esc(dataset)}: its data have no group labels or no true coefficients, or no "
            "group holds two true features.</p>"
        )
    figure = html_figure(
        replicate_distributions(
            metrics,
            dataset,
            "group_frac",
            reference_lines={"group kept whole": 1.0},
            log_scale=False,
            xlabel="share of a hit group's true members selected (1 = kept whole)",
            title=f"{dataset}: within-group selected share per replicate",
            limits=(-0.02, 1.05),
        ),
        "For every group of correlated features with at least two true members that the fit "
        "hits (selects at least one of them), the share of its true members selected, "
        "averaged over the hit groups of the fit; one point per replicate. 1: every hit group "
        "kept whole; 1 / (true members of a group): a single member picked. Dense penalties "
        "(none, l2) select every feature and sit at 1 by construction.",
        f"within-group selected share for {dataset}",
    )
    return f'<p id="groups-{esc(dataset)}">{esc(group_sentence(ctx, dataset))}</p>\n{figure}'
