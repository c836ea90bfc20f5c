"""Summary: per scenario, what the fixed comparisons say (from results/findings.csv only)."""

from __future__ import annotations

from normbench.analysis.answer import scenario_sentences
from normbench.report.html import esc, html_details
from normbench.study.explain_files import MAX_DETAIL_DATASETS


def _omitted_note(ctx):
    omitted = len(ctx.all_datasets) - len(ctx.datasets)
    if not omitted:
        return ""
    return (
        f'<p class="note">This study has {len(ctx.all_datasets)} datasets; the sections drawn '
        f"dataset by dataset show {len(ctx.datasets)} of them "
        f"({esc(', '.join(ctx.datasets))}): every dataset outside a sweep and the middle "
        f"member of each sweep, at most {MAX_DETAIL_DATASETS}. The answer, this summary and "
        'the findings use all of them, the <a href="#sweeps">Sweeps</a> section draws every '
        "sweep member, and <code>results/metrics.csv</code> has every fit.</p>"
    )


def _failures_note(ctx):
    metrics = ctx.metrics
    failed = metrics["status"].astype(str) != "ok"
    if not failed.any():
        return ""
    return (
        f'<p class="note">{int(failed.sum())} of {len(metrics)} fits did not succeed; a '
        "comparison uses the replicates where both of its fits did (see "
        '<a href="#failures">Failures</a>).</p>'
    )


def render(ctx):
    if ctx.findings is None or ctx.findings.empty:
        return None
    sentences = scenario_sentences(ctx.findings, metric_name=ctx.headline)
    order = [d for d in ctx.all_datasets if d in sentences]
    items = "\n".join(
        f'<li id="summary-{esc(dataset)}">{esc(sentences[dataset])}</li>' for dataset in order
    )
    body = f'<ul class="findings">\n{items}\n</ul>'
    return f"""
<p><b>Per scenario</b>, the lasso's robust losses against the squared loss with the lasso
(paired ratio, geometric mean over replicates, with the interval its verdict is shown with)
and, where the study computed it, the set of best pairs.</p>
{body if len(order) <= 4 else html_details(f"The {len(order)} scenarios, one by one", body)}
{_omitted_note(ctx)}
{_failures_note(ctx)}
<p class="note">Every sentence here is a row of <code>results/findings.csv</code>; the
<a href="#by-scenario">Scenario by scenario</a> section lists them all.</p>
"""
