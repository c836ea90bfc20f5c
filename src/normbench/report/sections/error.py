"""Out-of-sample error: paired risk ratios, relative risk and PVE."""

from __future__ import annotations

import math

import numpy as np

from normbench.report.context import oracle_stats
from normbench.report.figures import replicate_distributions
from normbench.report.figures.common import pair_label
from normbench.report.html import anchor, esc, html_details, html_figure
from normbench.report.prose import ORACLE_CAPTION, ORACLE_LOSSES, ORACLE_NAMES
from normbench.report.tables import medians_table, with_error


def render(ctx):
    datasets, baseline = ctx.datasets, ctx.baseline
    base_label = pair_label(*baseline)
    known = ctx.metrics["signal_variance"].notna().any()
    sources = ["the datasets' JSON sidecars (results/derived.csv)"] if known else []
    parts = [
        "<p>Per scenario, the paired risk ratios against the baseline, the relative risk and "
        "the proportion of variance explained, with a table of medians.</p>",
        html_details(
            "What these measures are, and relative to what",
            f"""<p><b>Paired ratios.</b> All pairs are fitted to the same replicates, so each
replicate's risk is divided by the risk of the baseline {esc(base_label)} on the same replicate:
a ratio below 1 beats the baseline on that draw of the data. Ratios remove the
replicate-to-replicate variation that the raw risks share, so they show differences that the raw
boxes hide.</p>
<p><b>Model error, relative risk and proportion of variance explained</b> (Zou &amp; Hastie
2005; Hastie, Tibshirani &amp; Tibshirani, 2020). The model error (ŵ − w)ᵀΣ(ŵ − w), with Σ the
population covariance, compares the slopes only: the risk adds the intercept's error squared,
so under skewed noise it also measures which location a loss targets. RR = risk / Var(x'β),
where 0 is perfect and 1 is the null model that predicts the mean. PVE = 1 − (risk + σ²) /
(Var(x'β) + σ²) with σ² the noise distribution's <i>true</i> variance (contamination
included; empty where it is infinite, Student t with df ≤ 2), whose best possible value is
Var(x'β) / (Var(x'β) + σ²); the empirical PVE beside it is 1 − test MSE / Var(y_test), which
needs no truth. Both are columns of <code>results/metrics.csv</code>. Signal variances:
{esc(", ".join(sources) if sources else "not available")}.</p>""",
        ),
    ]
    parts += [_dataset_part(ctx, dataset) for dataset in datasets]
    return "\n".join(parts)


def _dataset_part(ctx, dataset):
    """Figures and table of medians of one dataset."""
    metrics, base_label = ctx.display, pair_label(*ctx.baseline)
    heading_id = anchor("error", dataset)
    figures = [
        html_figure(
            replicate_distributions(
                metrics,
                dataset,
                "risk_ratio",
                reference_lines={f"{base_label} (baseline)": 1.0},
                log_scale=True,
                xlabel=f"risk / risk of {base_label} on the same replicate (log axis)",
                title=f"{dataset}: risk relative to {base_label}, per replicate",
            ),
            f"Each point is one replicate's risk divided by that replicate's {base_label} "
            "risk; boxes show quartiles. Left of the dashed line: better than the baseline.",
            f"paired risk ratios for {dataset}",
        )
    ]
    has_info = np.isfinite(
        metrics.loc[metrics["dataset"] == dataset, "relative_risk"].to_numpy(dtype=float)
    ).any()
    if has_info:
        rr_lines = {"null model (RR = 1)": 1.0}
        for loss in ORACLE_LOSSES:
            oracle = oracle_stats(ctx, dataset, loss)
            if oracle is not None and math.isfinite(oracle["relative_risk"]):
                level = with_error(oracle["relative_risk"], oracle["mcse"]["relative_risk"])
                label = f"{ORACLE_NAMES[loss]} oracle ({level})"
                rr_lines[label] = oracle["relative_risk"]
        figures.append(
            html_figure(
                replicate_distributions(
                    metrics,
                    dataset,
                    "relative_risk",
                    reference_lines=rr_lines,
                    log_scale=True,
                    xlabel="relative risk = risk / Var(x'β) (log axis, lower is better)",
                    title=f"{dataset}: relative risk per replicate",
                ),
                "Relative risk of every replicate: 1 is the null model, 0 a perfect fit."
                + (
                    " The other lines are the oracles' median relative risks. " + ORACLE_CAPTION
                    if len(rr_lines) > 1
                    else ""
                ),
                f"relative risk for {dataset}",
            )
        )
        table = medians_table(
            ctx,
            dataset,
            ("risk", "model_error", "risk_ratio", "relative_risk", "pve", "pve_empirical"),
            ["risk", "model error", f"risk / {base_label}", "RR", "PVE", "PVE (empirical)"],
        )
        note = ""
    else:
        table = medians_table(
            ctx,
            dataset,
            ("risk", "risk_ratio", "pve_empirical"),
            ["risk", f"risk / {base_label}", "PVE (empirical)"],
        )
        note = (
            '<p class="note">RR and PVE are not shown: the signal and noise variances of '
            "this dataset are unknown (no JSON sidecar with signal_variance and "
            "noise_scale, and not a simulated dataset of the configuration).</p>"
        )
    body = (
        f'<div class="figure-grid">\n{chr(10).join(figures)}\n</div>\n{note}\n'
        f"<h4>Medians per pair</h4>\n{table}"
    )
    return html_details(
        f"{dataset}: paired risk ratios, relative risk, PVE and medians per pair",
        body,
        id_=heading_id,
        scenario=dataset,
    )
