"""Statistics: the findings table and the per-scenario answer, as the study wrote them."""

from __future__ import annotations

import math

from normbench.analysis.answer import ALL_SCENARIOS
from normbench.report.html import anchor, esc, html_details, html_table
from normbench.report.prose import p_value_text

_FINDINGS_HEADERS = [
    "metric",
    "pair",
    "reference",
    "effect",
    "interval",
    "p",
    "adjusted p",
    "replicates",
    "verdict",
]


def _interval(low, high):
    if not (math.isfinite(low) or math.isinf(high)):
        return "n/a"
    return f"{low:.3g} – {high:.3g}"


def _method(ctx):
    method = ctx.method
    alpha, m = method.get("alpha", 0.05), method.get("m", "n/a")
    return (
        "<p><b>Method</b> (<code>results/findings.json</code>). Every comparison is fixed "
        "before looking at the data: each robust loss against the squared loss with the same "
        "penalty (the loss question), each penalty against the lasso of the same loss (the "
        "penalty question), and the interpolant against l2+l1. The <b>effect</b> is the "
        "geometric mean over replicates of the paired ratio pair / reference (reference / pair "
        "for F1, so that below 1 the pair is always better). The <b>interval</b> is a Student t "
        "interval on the mean log ratio, back-transformed, at level 1 − α/m; the <b>p-value</b> "
        "is the two-sided one-sample t test of a mean log ratio of 0, and the <b>adjusted p</b> "
        f"is min(1, m p): Bonferroni across all m = {esc(m)} rows of the table (α = "
        f"{esc(alpha)}). A pair is <b>better</b> or <b>worse</b> only when its adjusted p is "
        "below α (its interval excludes 1), otherwise <b>tied</b>. With 10 replicates the t "
        "interval assumes roughly normal log ratios; it is exact for log-normal ratios.</p>"
    )


def _findings_table(findings, dataset):
    rows = findings[findings["dataset"] == dataset]
    return html_table(
        _FINDINGS_HEADERS,
        [
            (
                row.metric,
                row.pair,
                row.reference,
                row.effect,
                _interval(row.ci_low, row.ci_high),
                p_value_text(row.p_value),
                p_value_text(row.p_adjusted),
                row.n_replicates,
                row.verdict,
            )
            for row in rows.itertuples()
        ],
    )


def _answer_table(answer):
    if answer is None or answer.empty:
        return '<p class="note">Not enough fits for the per-scenario model.</p>'
    metric_name = answer["metric"].iloc[0] if "metric" in answer else "risk"
    rows = [
        (row.dataset, row.term, f"{100 * row.share:.1f}%", p_value_text(row.p_value), row.verdict)
        for row in answer.itertuples()
    ]
    return (
        f"<p><b>Does the loss matter, the penalty, both?</b> (<code>results/answer.csv</code>) "
        f"Within each scenario, ordinary least squares of <code>log {esc(metric_name)} ~ "
        "replicate + loss * penalty</code> over the sparse penalties (l1, elasticnet; the "
        "replicate is a block, since all pairs share its data), and a type-II ANOVA: each "
        "term's share of the total sum of squares and its F-test p-value. The rows "
        f"<code>{esc(ALL_SCENARIOS)}</code> pool the scenarios with their interactions "
        "(<code>scenario / replicate + loss * penalty * scenario</code>). A term "
        "<b>matters</b> when its p-value, Bonferroni-corrected across the table, is below α; "
        "“no evidence” is not a proof of no effect.</p>"
        + html_details(
            "The ANOVA terms per scenario (results/answer.csv)",
            html_table(["dataset", "term", "share", "p", "verdict"], rows),
        )
    )


def render(ctx):
    findings = ctx.findings
    if findings is None or findings.empty:
        return None
    parts = [
        "<p>Every verdict of the report is a row of <code>results/findings.csv</code>: a fixed "
        "comparison, its paired effect and its corrected interval.</p>",
        html_details("Method: effect, interval, test and multiplicity correction", _method(ctx)),
        _answer_table(ctx.answer),
    ]
    per_scenario = []
    for dataset in [d for d in ctx.all_datasets if d in set(findings["dataset"])]:
        rows = findings[findings["dataset"] == dataset]
        counts = rows["verdict"].value_counts()
        summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("better", "worse", "tied"))
        per_scenario.append(
            f'<h4 id="{esc(anchor("statistics", dataset))}">{esc(dataset)}: {len(rows)} '
            f"comparisons ({esc(summary)})</h4>\n" + _findings_table(findings, dataset)
        )
    parts.append(
        html_details(
            f"The findings, scenario by scenario ({len(findings)} rows)",
            "\n".join(per_scenario),
        )
    )
    return "\n".join(parts)
