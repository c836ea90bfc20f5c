"""Summary: the answer to 'loss or penalty?' and one sentence per scenario."""

from __future__ import annotations

from normbench.report.figures.common import pair_label
from normbench.report.html import esc
from normbench.report.prose import headline, scenario_sentence
from normbench.study.explain import MAX_DETAIL_DATASETS


def _omitted_note(ctx):
    omitted = len(ctx.all_datasets) - len(ctx.datasets)
    if not omitted:
        return ""
    return (
        f'<p class="note">This study has {len(ctx.all_datasets)} datasets; the sections drawn '
        f"dataset by dataset show {len(ctx.datasets)} of them "
        f"({esc(', '.join(ctx.datasets))}): every dataset outside a sweep and the middle "
        f"member of each sweep, at most {MAX_DETAIL_DATASETS}. The pooled analyses (this "
        "summary's first sentences, the ANOVA) use all of them, the "
        '<a href="#sweeps">Sweeps</a> '
        "section draws every sweep member, and <code>results/metrics.csv</code> has every fit.</p>"
    )


def render(ctx):
    sentences = "\n".join(
        f'<li id="summary-{esc(dataset)}">{esc(scenario_sentence(ctx, dataset))}</li>'
        for dataset in ctx.datasets
    )
    baseline = pair_label(*ctx.baseline)
    body = f"""
{headline(ctx)}
{_omitted_note(ctx)}
<p><b>Per scenario</b> (medians over successful replicates; the effect is the relative
difference of the medians of risk, or the difference of the medians of F1, against the baseline
{esc(baseline)}, with a 95% percentile bootstrap interval from {esc(ctx.n_boot)} paired
resamples of the replicates):</p>
<ul class="findings">
{sentences}
</ul>
<p class="note">A headline, not a verdict: the <a href="#statistics">Statistics</a> section
tests every pair against the best one, and <a href="#error">Out-of-sample error</a> shows the
spread across replicates.</p>
"""
    return body
