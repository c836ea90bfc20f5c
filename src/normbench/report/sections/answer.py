"""The answer, first: a forest plot of the fixed comparisons and the sentences they support.

Both come from ``results/findings.csv`` and ``results/answer.csv`` only (the context reads them,
or computes them with the same functions when a report is built without them): the forest plot
draws the loss question of the sparse penalties (each robust loss against the squared loss with
the same penalty) and the penalty question between them, per scenario; the sentences are
:func:`normbench.analysis.answer.answer_sentences`. The caption states the interval and its
correction; a note under the plot (:func:`normbench.analysis.answer.two_tests_sentence`) says
why a term can "matter" in the sentences while the plot calls its pairs tied.
"""

from __future__ import annotations

from normbench.analysis.answer import (
    SPARSE_PENALTIES,
    answer_sentences,
    count_tested,
    two_tests_sentence,
)
from normbench.analysis.findings import ALPHA
from normbench.report.figures.forest import forest_plot
from normbench.report.html import esc, html_figure
from normbench.vocab import LOSSES, pair_key

__all__ = ["answer_comparisons", "render"]


def answer_comparisons(findings, metric_name):
    """The (pair, reference) rows of the forest plot present in ``findings``, top to bottom.

    The loss question for each sparse penalty (``l1+l1`` and ``huber+l1`` over ``l2+l1``, then
    the same with the elastic net), then the penalty question between the two sparse penalties
    (each loss's elastic net over its lasso).
    """
    wanted = [
        (pair_key(loss, penalty), pair_key("l2", penalty))
        for penalty in SPARSE_PENALTIES
        for loss in LOSSES
        if loss != "l2"
    ]
    wanted += [(pair_key(loss, "elasticnet"), pair_key(loss, "l1")) for loss in LOSSES]
    rows = findings[findings["metric"] == metric_name]
    present = set(zip(rows["pair"], rows["reference"], strict=True))
    return [key for key in wanted if key in present]


def _caption(ctx, findings, metric_name):
    """The forest plot's caption: what a row is, its interval and its correction."""
    alpha, m = ctx.method.get("alpha", ALPHA), count_tested(findings)
    return (
        f"Paired effects on {metric_name}, pair / reference, per scenario: the geometric mean "
        "over replicates of the paired ratio; green circles better, orange squares worse, grey "
        f"diamonds tied. Bars are Student t intervals on the mean log ratio at level 1 − "
        f"{alpha}/{m}, i.e. Bonferroni across all {m} comparisons of the findings table; a pair "
        "is better or worse only when its interval excludes 1 (an arrow: the interval runs off "
        "the axis)."
    )


def _method_note(ctx, metric_name):
    which = (
        "the model error (ŵ − w)ᵀΣ(ŵ − w), which compares slopes only"
        if metric_name == "model_error"
        else "the noise-free risk (the model error is not available for these data)"
    )
    note = (
        f'<p class="note">Metric: {esc(which)}. The references are fixed in advance, never '
        'chosen from the data (method and every row: <a href="#statistics">statistics</a>).</p>'
    )
    # the answer's "matters" and the forest plot's "tied" side by side read as a contradiction
    why = two_tests_sentence(ctx.findings, ctx.answer, metric_name=metric_name)
    return note + (f'\n<p class="note">{esc(why)}</p>' if why else "")


def render(ctx):
    findings = ctx.findings
    if findings is None or findings.empty:
        return None
    metric_name = ctx.headline
    datasets = [d for d in ctx.all_datasets if d in set(findings["dataset"])]
    comparisons = answer_comparisons(findings, metric_name)
    sentences = answer_sentences(findings, ctx.answer, metric_name=metric_name)
    parts = []
    if sentences:
        items = "\n".join(f"<li>{esc(sentence)}</li>" for sentence in sentences)
        parts.append(f'<ul class="findings lead">\n{items}\n</ul>')
    if comparisons and datasets:
        figure = forest_plot(findings, comparisons, datasets, metric_name=metric_name)
        parts.append(
            html_figure(
                figure,
                _caption(ctx, findings, metric_name),
                "forest plot of the paired effects",
            )
        )
    parts.append(_method_note(ctx, metric_name))
    return "\n".join(parts)
