"""Statistics: the method of the findings and the per-scenario answer, as the study wrote them."""

from __future__ import annotations

import math

from normbench.analysis.answer import ALL_SCENARIOS
from normbench.report.html import esc, html_details, html_table
from normbench.report.prose import p_value_text


def _method(ctx):
    method = ctx.method
    q = method.get("q", math.nan)
    low, high = method.get("equivalence", [math.nan, math.nan])
    counts = method.get("rows_per_metric", {})
    families = ", ".join(f"{esc(name)} m = {count}" for name, count in counts.items()) or "n/a"
    identical = len(method.get("identical", []))
    return (
        "<p><b>Method</b> (<code>results/findings.json</code>). Every comparison is fixed "
        "before looking at the data: each robust loss against the squared loss with the same "
        "penalty (the loss question), each penalty against the lasso of the same loss (the "
        "penalty question), and the interpolant against l2+l1. The <b>effect</b> is exp of the "
        "mean over replicates of the paired log ratio pair / reference (reference / pair for "
        "F1, so that below 1 the pair is always better); its Monte Carlo standard error is "
        "s/√n on the log scale. The rows of one metric are one family "
        f"({families}). <b>Better</b> or <b>worse</b>: Benjamini–Hochberg at q = {q:g} over "
        "the family's two-sided t tests of no effect, shown with false-coverage-rate adjusted "
        "intervals (level 1 − R q / m, R the rows rejected), which exclude 1. "
        f"<b>Equivalent</b>: among the other rows, the two one-sided tests against the region "
        f"of practical equivalence {low:.3g} – {high:.3g}, Benjamini–Hochberg at q, shown with "
        "the TOST interval, which lies inside the region. Otherwise <b>inconclusive</b>, shown "
        f"with the marginal {1 - q:.0%} interval. On average at most {q:.0%} of the claims of "
        "each kind are false. A log ratio with no spread over fewer than 30 replicates is "
        f"inconclusive; {identical} comparisons of two fits identical in every replicate (e.g. "
        "two null models) are no comparison and are left out.</p>"
    )


def _answer_table(answer):
    if answer is None or answer.empty:
        return '<p class="note">Not enough fits for the per-scenario model.</p>'
    metric_name = answer["metric"].iloc[0] if "metric" in answer else "risk"
    rows = [
        (
            row.dataset,
            row.term,
            f"{100 * row.share:.1f}%" if math.isfinite(row.share) else "n/a",
            p_value_text(row.p_value),
            row.verdict,
        )
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
        "<b>matters</b> when Benjamini–Hochberg at q over the table's tests rejects it; "
        "<b>inconclusive</b> is not a proof of no effect; <b>no test</b> where there is no "
        "spread to test (e.g. the same null model in every fit) or the term is aliased with "
        "others, its sum of squares not determined by the data (share n/a).</p>"
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
        html_details("Method: effect, interval, verdicts and their error guarantee", _method(ctx)),
        _answer_table(ctx.answer),
    ]
    parts.append(
        f"<p>The {len(findings)} rows of the findings are in the scenarios' blocks of "
        '<a href="#by-scenario">Scenario by scenario</a>, each under its own heading.</p>'
    )
    return "\n".join(parts)
