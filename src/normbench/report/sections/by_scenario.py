"""Scenario by scenario: each scenario's medians, figures and findings in one block.

One closed block per scenario (``data-scenario``: the page's scenario control shows one or all;
in a study of more than :data:`~normbench.report.html.SCENARIOS_LISTED` scenarios the blocks are
hidden until one is picked, in the section's own control or through a link to it):
one table of every median the study summarised per pair, with its Monte Carlo error and the
fits it rests on (rows of ``results/summary.csv``; the oracles as reference columns), then the
scenario's figures, then its rows of ``results/findings.csv``. The topic sections show the
views across scenarios only.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from normbench.analysis.verdicts import VERDICTS
from normbench.report.context import oracle_stats
from normbench.report.figures import heatmap_grid, replicate_distributions, tpr_fpr_scatter
from normbench.report.figures.common import format_value, pair_label
from normbench.report.html import (
    anchor,
    esc,
    html_details,
    html_figure,
    html_table,
    scenario_select,
    scenarios_picked,
)
from normbench.report.prose import (
    ORACLE_CAPTION,
    ORACLE_LOSSES,
    ORACLE_NAMES,
    describe_noise,
    group_sentence,
    intercept_sentence,
    oracle_note,
    p_value_text,
    signal_note,
    slope_sentence,
)
from normbench.report.sections.tuning import EDGE_COLUMNS, edge_counts
from normbench.report.tables import (
    grid_estimates,
    loss_penalty,
    pair_medians,
    summary_row,
    with_error,
)
from normbench.study.store import is_ok
from normbench.vocab import ordered_pairs

#: The heatmaps of each scenario, the first shown first.
HEATMAP_METRICS = ("risk", "test_mse", "test_mae", "f1", "n_nonzero")

_HEATMAP_CAPTIONS = {
    "risk": "Median noise-free risk mean((f̂ − f)²) over the test points: how far the fitted "
    "function is from the true signal. Lower is better; the best cell is outlined in red.",
    "test_mse": "Median test mean squared error against the noisy responses (risk plus noise "
    "variance, so heavy-tailed noise inflates it for every pair). Lower is better.",
    "test_mae": "Median test mean absolute error against the noisy responses: less sensitive "
    "than test_mse to a few huge test residuals. Lower is better.",
    "f1": "Median F1 score of the selected support {j : ŵⱼ ≠ 0} against the true support. "
    "Higher is better; dense estimators (none, l2) select every feature.",
    "n_nonzero": "Median number of non-zero coefficients at the CV choice.",
}

_FINDINGS_HEADERS = [
    "metric",
    "question",
    "pair",
    "reference",
    "effect",
    "interval (level)",
    "MCSE of log ratio",
    "p (difference)",
    "p (equivalence)",
    "replicates",
    "verdict",
]

ORACLE_LABEL = "oracle"


def _cell(estimate, mcse):
    """``m ± mcse`` that does not break across lines (a column per pair is narrow)."""
    return with_error(estimate, mcse).replace(" ± ", "\u00a0±\u00a0")


def _median_rows(base_label):
    """(summary metric, row label) of the table of medians, in order."""
    return (
        ("risk", "risk"),
        ("test_mse", "test_mse"),
        ("test_mae", "test_mae"),
        ("model_error", "model error"),
        ("risk_ratio", f"risk / {base_label}"),
        ("relative_risk", "RR"),
        ("pve", "PVE"),
        ("pve_empirical", "PVE (empirical)"),
        ("n_nonzero", "n_nonzero"),
        ("tpr", "TPR"),
        ("fpr", "FPR"),
        ("precision", "precision"),
        ("f1", "F1"),
        ("group_hit", "group hit"),
        ("group_frac", "group frac"),
        ("group_whole", "group whole"),
        ("lam", "λ"),
        ("l1_ratio", "l1_ratio"),
        ("delta", "δ"),
    )


#: The oracles' own numbers in the table: n_nonzero is the size of the true support.
_ORACLE_ROWS = {
    "risk": "risk",
    "test_mse": "test_mse",
    "test_mae": "test_mae",
    "model_error": "model_error",
    "relative_risk": "relative_risk",
    "pve": "pve",
    "n_nonzero": "n_support",
}


def _oracles(ctx, dataset):
    """``{loss: oracle_stats}`` of the oracles of one dataset (each loss's own)."""
    found = {loss: oracle_stats(ctx, dataset, loss) for loss in ORACLE_LOSSES}
    return {loss: stats for loss, stats in found.items() if stats is not None}


def medians_table(ctx, dataset):
    """The scenario's table of medians: one column per pair (then per oracle), one row per metric.

    Every number is a row of ``results/summary.csv``: the median ± its Monte Carlo error over
    the successful fits (``fits ok``), with ``(n = k)`` where it rests on fewer (a metric
    missing on some replicates), and the fits whose tuned value fell on each end of its grid.
    A metric with no value for any pair or oracle of this scenario is left out.
    """
    displayed = ctx.display[ctx.display["dataset"] == dataset]
    pairs = ordered_pairs(zip(displayed["loss"], displayed["penalty"], strict=True))
    oracles = _oracles(ctx, dataset)
    n_ok = {}
    ok_row, not_ok_row = ["fits ok"], ["fits not ok"]
    for loss, penalty in pairs:
        share = summary_row(ctx, dataset, loss, penalty, "status", "share_ok")
        n_rows = int(share.n_replicates) if share is not None else 0
        n_ok[loss, penalty] = round(float(share.estimate) * n_rows) if share is not None else 0
        ok_row.append(str(n_ok[loss, penalty]))
        not_ok_row.append(str(n_rows - n_ok[loss, penalty]))
    for oracle in oracles.values():
        # the replicates where the oracle applies, and where it does not
        ok_row.append(str(oracle["n_ok"]))
        not_ok_row.append(str(oracle["n_rows"] - oracle["n_ok"]))
    rows = [ok_row, not_ok_row]
    summary = ctx.mc_summary
    mine = summary[(summary["what"] == "median") & (summary["dataset"] == dataset)]
    medians = {(loss_penalty(row.pair), row.metric): row for row in mine.itertuples()}
    for metric, label in _median_rows(pair_label(*ctx.baseline)):
        cells = [label]
        for pair in pairs:
            found = medians.get((pair, metric))
            if found is None or not math.isfinite(found.estimate):
                cells.append("n/a")
                continue
            fewer = int(found.n_replicates) < n_ok[pair]
            cells.append(
                _cell(float(found.estimate), float(found.mcse))
                + (f" (n = {int(found.n_replicates)})" if fewer else "")
            )
        for oracle in oracles.values():
            name = _ORACLE_ROWS.get(metric)
            cells.append(_cell(oracle[name], oracle["mcse"][name]) if name else "n/a")
        if any(cell != "n/a" for cell in cells[1:]):
            rows.append(cells)
    rows += _edge_rows(ctx, dataset, pairs, len(oracles))
    headers = [
        "",
        *(pair_label(*pair) for pair in pairs),
        *(f"{ORACLE_LABEL}: {ORACLE_NAMES[loss]}" for loss in oracles),
    ]
    note = (
        '<p class="note">Each cell: the median over the successful fits ± its Monte Carlo '
        "error (<code>results/summary.csv</code>); the edge rows count the fits whose tuned "
        "value is the lowest / highest of its grid. "
        + (
            "Last columns: the oracles, references, not models of the study; fits ok counts "
            "the replicates where one applies and n_nonzero is the size of the true support. "
            + esc(ORACLE_CAPTION)
            if oracles
            else ""
        )
        + "</p>"
    )
    return html_table(headers, rows) + "\n" + note


def _edge_rows(ctx, dataset, pairs, n_oracles):
    """'low / high' fits on the ends of each tuned value's grid, per pair; none untuned."""
    counts = edge_counts(ctx.mc_summary)
    mine = counts[counts["dataset"] == dataset]
    by_pair = {(row.loss, row.penalty): row for row in mine.itertuples(index=False)}
    rows = []
    for column, name in EDGE_COLUMNS.items():
        if f"{column}_n" not in mine:
            continue
        cells = []
        for pair in pairs:
            row = by_pair.get(pair)
            tuned = getattr(row, f"{column}_n", 0) if row is not None else 0
            cells.append(
                f"{getattr(row, column + '_low')} / {getattr(row, column + '_high')}"
                if tuned
                else "n/a"
            )
        if any(cell != "n/a" for cell in cells):
            rows.append([f"{name} at low / high edge", *cells, *(["n/a"] * n_oracles)])
    return rows


def _heatmaps(ctx, dataset):
    params = ctx.dataset_entry(dataset)
    true_support = (params.get("coef") or {}).get("n_nonzero")
    figures = []
    for metric in HEATMAP_METRICS:
        caption = _HEATMAP_CAPTIONS[metric]
        if metric == "n_nonzero" and true_support is not None:
            caption += f" The true support has {true_support} features."
        if metric == "risk":
            caption += " " + signal_note(ctx, dataset) + " " + oracle_note(ctx, dataset)
        figure = heatmap_grid(
            grid_estimates(ctx, dataset, metric),
            dataset,
            metric,
            title=f"{dataset}: median {metric}",
        )
        figures.append(html_figure(figure, caption, f"heatmap of median {metric} for {dataset}"))
    return figures


def _error_figures(ctx, dataset):
    """The paired risk ratios and, where the signal variance is known, the relative risks."""
    metrics, base_label = ctx.display, pair_label(*ctx.baseline)
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
    known = np.isfinite(
        metrics.loc[metrics["dataset"] == dataset, "relative_risk"].to_numpy(dtype=float)
    ).any()
    if not known:
        note = (
            '<p class="note">RR and PVE are not shown: the signal and noise variances of '
            "this dataset are unknown (no JSON sidecar with signal_variance and "
            "noise_scale, and not a simulated dataset of the configuration).</p>"
        )
        return figures, note
    rr_lines = {"null model (RR = 1)": 1.0}
    for loss in ORACLE_LOSSES:
        oracle = oracle_stats(ctx, dataset, loss)
        if oracle is not None and math.isfinite(oracle["relative_risk"]):
            level = with_error(oracle["relative_risk"], oracle["mcse"]["relative_risk"])
            rr_lines[f"{ORACLE_NAMES[loss]} oracle ({level})"] = oracle["relative_risk"]
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
    return figures, ""


def _sparsity_figures(ctx, dataset):
    """TPR against FPR, F1 per replicate, and the within-group share (with its sentence)."""
    metrics = ctx.metrics
    figures = [
        html_figure(
            tpr_fpr_scatter(pair_medians(ctx, dataset, ("tpr", "fpr")), dataset),
            "Median true-positive rate against median false-positive rate per pair over the "
            "replicates (the medians of the table). The top-left corner is perfect recovery; "
            "dense estimators sit at FPR = 1, where pairs that coincide are listed in a box "
            "instead of being drawn on top of each other. Colour: penalty; marker: loss.",
            f"TPR against FPR for {dataset}",
        ),
        html_figure(
            replicate_distributions(metrics, dataset, "f1"),
            "F1 of every replicate per pair: the stability of support recovery across data draws.",
            f"f1 across replicates for {dataset}",
        ),
    ]
    rows = metrics[(metrics["dataset"] == dataset) & is_ok(metrics)]
    hits = pd.to_numeric(rows["group_hit"], errors="coerce") if "group_hit" in rows else None
    if hits is None or not np.isfinite(hits.to_numpy(dtype=float)).any():
        return figures, (
            f'<p class="note" id="groups-{esc(dataset)}">Group recovery is not shown for '
            f"{esc(dataset)}: its data have no group labels or no true coefficients, or no "
            "group holds two true features.</p>"
        )
    figures.append(
        html_figure(
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
            "averaged over the hit groups of the fit; one point per replicate. 1: every hit "
            "group kept whole; 1 / (true members of a group): a single member picked. Dense "
            "penalties (none, l2) select every feature and sit at 1 by construction.",
            f"within-group selected share for {dataset}",
        )
    )
    return figures, f'<p id="groups-{esc(dataset)}">{esc(group_sentence(ctx, dataset))}</p>'


def _skewed_figures(ctx, dataset):
    """Under skewed noise: the intercepts against the noise's mean and median, and the slopes."""
    if (ctx.dataset_entry(dataset).get("noise") or {}).get("family") != "skewed":
        return [], ""
    explanation = ctx.explanations.get(dataset)
    noise_median = explanation.noise_median if explanation is not None else None
    references = {"noise mean (0)": 0.0}
    if noise_median is not None:
        references[f"noise median ({format_value(noise_median)})"] = noise_median
    figure = html_figure(
        replicate_distributions(
            ctx.metrics,
            dataset,
            "intercept",
            reference_lines=references,
            log_scale=False,
            xlabel="fitted intercept b̂",
            title=f"{dataset}: fitted intercepts (skewed noise)",
        ),
        "Fitted intercept of every replicate per pair. The true regression function has "
        "intercept 0 and the noise is a centred log-normal: mean 0, median below 0. With "
        "penalty none (p ≥ n) all losses give the same interpolant.",
        f"intercepts for {dataset}",
    )
    sentence = intercept_sentence(ctx, dataset, noise_median)
    slopes = slope_sentence(ctx.findings, dataset)
    return [figure], (
        f'<p id="intercepts-{esc(dataset)}"><b>Skewed noise: which location each loss '
        f"targets.</b> {esc(sentence)}</p>\n"
        + (f'<p id="slopes-{esc(dataset)}">{esc(slopes)}</p>\n' if slopes else "")
    )


def _interval(low, high, level):
    if not (math.isfinite(low) or math.isinf(high)):
        return "n/a"
    return f"{low:.3g} – {high:.3g} ({level:.3g})"


def findings_part(findings, dataset):
    """The scenario's rows of ``results/findings.csv`` under a heading counting the verdicts."""
    rows = findings[findings["dataset"] == dataset] if findings is not None else None
    if rows is None or rows.empty:
        return '<p class="note">No comparison of this scenario (results/findings.csv).</p>'
    counts = rows["verdict"].value_counts()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)
    table = html_table(
        _FINDINGS_HEADERS,
        [
            (
                row.metric,
                row.question,
                row.pair,
                row.reference,
                row.effect,
                _interval(row.ci_low, row.ci_high, row.ci_level),
                row.se,
                p_value_text(row.p_value),
                p_value_text(row.p_equivalence),
                row.n_replicates,
                row.verdict,
            )
            for row in rows.itertuples()
        ],
    )
    return (
        f'<h4 id="{esc(anchor("statistics", dataset))}">Findings: {len(rows)} comparisons '
        f'({esc(summary)}; method in <a href="#statistics">Statistics</a>)</h4>\n{table}'
    )


def _scenario_block(ctx, dataset, until_picked=False):
    """The one block of a scenario: what it is, its medians, its figures, its findings
    (hidden until picked with ``until_picked``: :func:`normbench.report.html.html_details`)."""
    if dataset in ctx.datasets:
        contents, body = _drawn_scenario(ctx, dataset)
    else:
        # a large study draws a few datasets one by one (the sweeps show the rest)
        contents = "findings"
        body = (
            '<p class="note">Not drawn one by one (see <a href="#sweeps">Sweeps</a>).</p>\n'
            + findings_part(ctx.findings, dataset)
        )
    return html_details(
        f"{dataset} ({ctx.labels.get(dataset, dataset)}): {contents}",
        body,
        id_=anchor("scenario", dataset),
        scenario=dataset,
        until_picked=until_picked,
    )


def _drawn_scenario(ctx, dataset):
    """A drawn scenario's block: what its summary line lists, and its body."""
    params = ctx.dataset_entry(dataset)
    n_not_ok = int((~is_ok(ctx.rows(dataset))).sum())
    status = (
        f" {n_not_ok} fit(s) did not succeed and are left out of the medians; see "
        '<a href="#failures">Failures</a>.'
        if n_not_ok
        else " Every fit succeeded."
    )
    summary = ctx.mc_summary
    shares = summary[(summary["what"] == "share_ok") & (summary["dataset"] == dataset)]
    n_replicates = int(shares["n_replicates"].max()) if len(shares) else 0
    error_figures, error_note = _error_figures(ctx, dataset)
    sparsity_figures, group_part = _sparsity_figures(ctx, dataset)
    skewed_figures, skewed_part = _skewed_figures(ctx, dataset)
    figures = _heatmaps(ctx, dataset) + error_figures + sparsity_figures + skewed_figures
    body = (
        f"<p>{esc(n_replicates)} replicate(s); noise: "
        f"{esc(describe_noise(params.get('noise')))}.{status}</p>\n"
        f"<h4>Medians per pair</h4>\n{medians_table(ctx, dataset)}\n{error_note}\n"
        f'<h4>Figures</h4>\n<div class="figure-grid">\n{chr(10).join(figures)}\n</div>\n'
        f"{group_part}\n{skewed_part}{findings_part(ctx.findings, dataset)}"
    )
    return f"medians, {len(figures)} figures, findings", body


_MEASURES = """<p><b>Paired ratios.</b> All pairs are fitted to the same replicates, so each
replicate's risk is divided by the risk of the baseline {base} on the same replicate: a ratio
below 1 beats the baseline on that draw of the data. Ratios remove the replicate-to-replicate
variation that the raw risks share, so they show differences that the raw boxes hide.</p>
<p><b>Model error, relative risk and proportion of variance explained</b> (Zou &amp; Hastie
2005; Hastie, Tibshirani &amp; Tibshirani, 2020). The model error (ŵ − w)ᵀΣ(ŵ − w), with Σ the
population covariance, compares the slopes only: the risk adds the intercept's error squared,
so under skewed noise it also measures which location a loss targets. RR = risk / Var(x'β),
where 0 is perfect and 1 is the null model that predicts the mean. PVE = 1 − (risk + σ²) /
(Var(x'β) + σ²) with σ² the noise distribution's <i>true</i> variance (contamination
included; empty where it is infinite, Student t with df ≤ 2), whose best possible value is
Var(x'β) / (Var(x'β) + σ²); the empirical PVE beside it is 1 − test MSE / Var(y_test), which
needs no truth. Signal variances: {sources}.</p>
<p><b>Support recovery</b> at the hyperparameters chosen by cross-validation: the selected
support {{j : ŵⱼ ≠ 0}} against the true one. TPR = share of true features selected, FPR = share
of null features selected, precision = share of selected features that are true, F1 = their
harmonic mean. Cross-validation tunes for prediction, not for selection, so a lasso at the CV
choice typically selects too many features.</p>
<p><b>Groups.</b> Correlated true features compete for the same signal: the lasso tends to pick
one member of such a group and drop the rest, the elastic net's ridge part to keep them together
(the grouping effect of Zou &amp; Hastie, 2005). For each group with at least two true features,
a fit <i>hits</i> it when it selects one of them. <i>group hit</i> = share of these groups hit;
<i>group frac</i> = share of a hit group's true members selected, averaged over the hit groups;
<i>group whole</i> = share of the hit groups with every true member selected. Null members of a
group count as false positives (FPR), not here.</p>
<p><b>Edges.</b> The fits whose tuned λ, l1_ratio or δ is the lowest / highest value of its grid
(<a href="#tuning">Tuning</a> says which ends are limits fitted elsewhere).</p>"""


def _introduction(ctx, until_picked=False):
    datasets = list(ctx.all_datasets)
    known = ctx.metrics["signal_variance"].notna().any()
    sources = "the datasets' JSON sidecars (results/derived.csv)" if known else "not available"
    links = [
        f'<a href="#{esc(anchor("scenario", dataset))}">{esc(dataset)}</a>' for dataset in datasets
    ]
    if until_picked:
        # a few lines however many scenarios: a control, and the links folded away
        choices = {dataset: ctx.labels.get(dataset, dataset) for dataset in datasets}
        items = "".join(f"<li>{link}</li>" for link in links)
        opening = (
            f"<p>One block per scenario: its medians per pair with their Monte Carlo errors, its "
            f"figures and its findings. Of {len(datasets)} scenarios, the block of the one picked "
            "here (or in the scenario control at the top, or through a link) is shown below.</p>"
            '\n<p class="scenario-control"><label for="scenario-pick">Scenario: </label>'
            f"{scenario_select(choices, 'scenario-pick')}</p>\n"
            + html_details(
                f"All {len(datasets)} scenarios, as links",
                f'<ul class="scenario-links">{items}</ul>',
            )
        )
    else:
        opening = (
            "<p>One block per scenario: its medians per pair with their Monte Carlo errors, its "
            "figures and its findings. The scenario control at the top shows one or all. "
            f"Scenarios: {' · '.join(links)}</p>"
        )
    return "\n".join(
        [
            opening,
            html_details(
                "What the measures are, and relative to what",
                _MEASURES.format(base=esc(pair_label(*ctx.baseline)), sources=esc(sources)),
            ),
        ]
    )


def parts(ctx):
    """The section's blocks in page order: the introduction, then one per scenario.

    Each is a callable of ``ctx`` drawn on its own (by the report's workers, in parallel);
    :func:`render` joins them.
    """
    datasets = list(ctx.all_datasets)
    if not datasets:
        return []
    picked = scenarios_picked(len(datasets))
    return [
        partial(_introduction, until_picked=picked),
        *(partial(_scenario_block, dataset=dataset, until_picked=picked) for dataset in datasets),
    ]


def render(ctx):
    blocks = parts(ctx)
    return "\n".join(block(ctx) for block in blocks) if blocks else None
