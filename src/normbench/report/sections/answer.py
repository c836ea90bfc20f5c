"""The answer, first: what to use where, the pooled sentences, and the forest plot behind them.

Everything comes from the analysis tables (rule analyse; the report computes no statistic):

1. the **recommendation table**, one row per scenario in words: its headline metric and
   replicate count, the set of best pairs (``results/best_set.csv``, the model confidence set),
   and the fixed contrasts of :data:`RECOMMENDATION_CONTRASTS` with their effects, intervals and
   verdicts (``results/findings.csv``);
2. one sentence per group of scenarios differing only in their SNR (a noise family, or a family
   and a design), the loss question pooled over SNR
   (``results/pooled.csv``, :func:`normbench.analysis.recommend.pooled_sentences`);
3. the forest plot of the loss question of the sparse penalties and the penalty question
   between them, per scenario, with the region of practical equivalence shaded;
4. the per-scenario ANOVA's sentences (``results/answer.csv``) and a note on why they can
   differ from the pairwise verdicts (:func:`normbench.analysis.answer.two_tests_sentence`).
"""

from __future__ import annotations

import math

from normbench.analysis.answer import (
    SPARSE_PENALTIES,
    answer_sentences,
    headline_metric,
    two_tests_sentence,
)
from normbench.analysis.recommend import pooled_sentences
from normbench.report.figures.common import format_value
from normbench.report.figures.forest import forest_plot
from normbench.report.html import (
    esc,
    html_details,
    html_figure,
    html_table,
    scenarios_picked,
    table_filter,
)
from normbench.vocab import LOSSES, pair_key

__all__ = ["RECOMMENDATION_CONTRASTS", "answer_comparisons", "recommendation_rows", "render"]


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
    """The forest plot's caption: what a row is, its interval and the error guarantee."""
    q = ctx.method.get("q", math.nan)
    low, high = ctx.method.get("equivalence", [math.nan, math.nan])
    m = int((findings["metric"] == metric_name).sum())
    n = findings.loc[findings["metric"] == metric_name, "n_replicates"]
    replicates = f"{int(n.min())}" if n.min() == n.max() else f"{int(n.min())} to {int(n.max())}"
    return (
        f"Paired effects on {metric_name}, pair / reference, per scenario: the geometric mean "
        f"over {replicates} replicates of the paired ratio; green circles better, orange squares "
        "worse, blue triangles equivalent, grey diamonds inconclusive. Over the "
        f"{m} comparisons on {metric_name}, Benjamini–Hochberg at q = {q:g} decides the claims "
        "of a difference and, among the rest, the claims of equivalence (the ratio within the "
        f"shaded band, {low:.3g} to {high:.3g}): on average at most {q:.0%} of either kind are "
        "false. Bars: false-coverage-rate adjusted intervals for better and worse, the TOST "
        f"interval for equivalent, the marginal {1 - q:.0%} interval for inconclusive (an arrow: "
        "the interval runs off the axis)."
    )


def _method_note(ctx, metric_name):
    which = (
        "the model error (ŵ − w)ᵀΣ(ŵ − w), which compares slopes only"
        if metric_name == "model_error"
        else "the noise-free risk (the model error is not available for these data)"
    )
    note = (
        f'<p class="note">Metric: {esc(which)}. The references are fixed in advance, never '
        'chosen from the data (method: <a href="#statistics">statistics</a>; every row: '
        '<a href="#by-scenario">by scenario</a>).</p>'
    )
    # the answer's "matters" beside undecided pairs in the forest plot reads as a contradiction
    why = two_tests_sentence(ctx.findings, ctx.answer, metric_name=metric_name)
    return note + (f'\n<p class="note">{esc(why)}</p>' if why else "")


#: Up to this many scenarios the forest plot is shown open; beyond, it opens on demand.
_SHOWN_OPEN = 4
#: The fixed contrasts of the recommendation table, with their column heads.
RECOMMENDATION_CONTRASTS = (
    ("huber+l1", "l2+l1", "huber loss vs squared (lasso)"),
    ("l1+l1", "l2+l1", "absolute loss vs squared (lasso)"),
    ("l2+elasticnet", "l2+l1", "elastic net vs lasso (squared loss)"),
)


def _cell(row):
    """'0.52× (0.41–0.66) better' from one findings row."""
    if row is None:
        return "n/a"
    low, high = format_value(row.ci_low), format_value(row.ci_high)
    return f"{format_value(row.effect)}× ({low}–{high}) {row.verdict}"


def recommendation_rows(ctx):
    """One row per scenario: its words, metric and n, best set, and the fixed contrasts."""
    findings, best = ctx.findings, ctx.best_set
    rows = []
    for dataset in [d for d in ctx.all_datasets if d in set(findings["dataset"])]:
        mine = findings[findings["dataset"] == dataset]
        metric_name = headline_metric(mine)
        mine = mine[mine["metric"] == metric_name]
        by_key = {(row.pair, row.reference): row for row in mine.itertuples()}
        if best is not None and len(best):
            chosen = best[
                (best["dataset"] == dataset)
                & (best["metric"] == metric_name)
                & best["in_set"].astype(bool)
            ]
            best_pairs = ", ".join(chosen["pair"]) or "n/a"
        else:
            best_pairs = "not computed"
        n = mine["n_replicates"]
        replicates = f"{int(n.max())}" if len(n) else "n/a"
        rows.append(
            (
                ctx.labels.get(dataset, dataset),
                f"{metric_name} · {replicates}",
                best_pairs,
                *(_cell(by_key.get((pair, ref))) for pair, ref, _ in RECOMMENDATION_CONTRASTS),
            )
        )
    return rows


def _recommendation(ctx):
    rows = recommendation_rows(ctx)
    if not rows:
        return ""
    size = ctx.best_set["size"].iloc[0] if ctx.best_set is not None and len(ctx.best_set) else 0.1
    headers = [
        "scenario",
        "metric · replicates",
        f"set of best pairs ({1 - size:.0%} model confidence set)",
        *(head for *_, head in RECOMMENDATION_CONTRASTS),
    ]
    table = html_table(headers, rows)
    if scenarios_picked(len(rows)):
        # hundreds of rows (the Hastie preset: 240, 12,429 px): a box of a few rows that
        # scrolls, its head kept in view, and a filter (the page's script) to find a scenario
        table = (
            table_filter(
                "recommendation-table",
                len(rows),
                "scenarios shown; the table scrolls",
                "text in a row, e.g. a scenario",
            )
            + '<div class="table-scroll" tabindex="0" role="region" '
            'aria-label="recommendation table, scrolls">'
            + html_table(headers, rows, id_="recommendation-table")
            + "</div>"
        )
    return (
        '<div id="recommendation">'
        + table
        + '<p class="note">Each contrast: pair / reference (below 1 the first is better), the '
        "interval its verdict is shown with, the verdict at a "
        f"{ctx.method.get('q', 0.05):.0%} false discovery rate. The set of best pairs holds the "
        f"scenario's best with probability ≥ {1 - size:.0%} (Hansen, Lunde &amp; Nason 2011).</p>"
        "</div>"
    )


def render(ctx):
    findings = ctx.findings
    if findings is None or findings.empty:
        return None
    metric_name = ctx.headline
    datasets = [d for d in ctx.all_datasets if d in set(findings["dataset"])]
    comparisons = answer_comparisons(findings, metric_name)
    lead = [_recommendation(ctx)]
    pooled = pooled_sentences(ctx.pooled)
    if pooled:
        items = "\n".join(f"<li>{esc(sentence)}</li>" for sentence in pooled)
        lead.append(f'<ul class="findings lead">\n{items}\n</ul>')
    parts = []
    if comparisons and datasets:
        figure = forest_plot(
            findings,
            comparisons,
            datasets,
            metric_name=metric_name,
            equivalence=float(ctx.method.get("equivalence", [1.0, 1.1])[1]),
            labels=ctx.labels,
        )
        parts.append(
            html_figure(
                figure,
                _caption(ctx, findings, metric_name),
                "forest plot of the paired effects",
            )
        )
    sentences = answer_sentences(findings, ctx.answer, metric_name=metric_name)
    if sentences:
        items = "\n".join(f"<li>{esc(sentence)}</li>" for sentence in sentences)
        parts.append(
            "<p>Within each scenario (an ANOVA of the sparse penalties' log "
            f"{esc(metric_name)}, results/answer.csv):</p>\n"
            f'<ul class="findings">\n{items}\n</ul>'
        )
    parts.append(_method_note(ctx, metric_name))
    if len(datasets) <= _SHOWN_OPEN:
        return "\n".join(lead + parts)
    # many scenarios: the table and the sentences are the answer; what stands behind them opens
    # on demand, so that the page stays a few screens long
    behind = html_details(
        f"Behind the table: the paired effects of the {len(datasets)} scenarios (forest plot), "
        "the per-scenario ANOVA and the method",
        "\n".join(parts),
    )
    return "\n".join([*lead, behind])
