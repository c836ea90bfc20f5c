"""Statistics: two-way ANOVA of log risk and every pair against the best."""

from __future__ import annotations

import math

from normbench.report.figures.common import format_value, pair_label
from normbench.report.html import anchor, esc, html_table
from normbench.report.prose import ALPHA, best_pairs, p_relation, p_value_text
from normbench.report.statistics import interaction_anova, paired_comparisons
from normbench.report.tables import anova_rows


def render(ctx):
    metrics, datasets, summary = ctx.metrics, ctx.datasets, ctx.summary
    parts = [
        "<p>Is a difference between pairs larger than the variation between replicates? "
        "Two analyses of the noise-free risk on the log scale (ratios, not differences, "
        "compare across scenarios and pairs).</p>"
    ]
    pooled = interaction_anova(metrics, metric="risk", datasets=ctx.all_datasets)
    if pooled is None:
        parts.append('<p class="note">Not enough successful fits with a risk value.</p>')
        return "\n".join(parts)
    verdict = "is" if pooled.interaction_p < ALPHA else "is not"
    parts.append(
        f"<h3>Two-way ANOVA</h3>\n<p>Ordinary least squares of <code>{esc(pooled.formula)}"
        f"</code> over {pooled.n} successful fits, type II ANOVA table "
        "(statsmodels). The loss × penalty interaction "
        f"<b>{verdict} significant</b> at the {ALPHA:g} level "
        f"(p {esc(p_relation(pooled.interaction_p))}). Share = sum of squares over the total.</p>"
        + html_table(["term", "df", "sum of squares", "share", "F", "p"], anova_rows(pooled))
    )
    per_dataset = []
    for dataset in datasets:
        result = interaction_anova(metrics, metric="risk", datasets=[dataset], block="replicate")
        if result is None:
            per_dataset.append((dataset, math.nan, *[math.nan] * 6))
            continue
        terms = ("C(loss)", "C(penalty)", "C(loss):C(penalty)")
        per_dataset.append(
            (
                dataset,
                result.n,
                *[f"{100 * result.share(term):.0f}%" for term in terms],
                *[p_value_text(result.p_value(term)) for term in terms],
            )
        )
    parts.append(
        "<p>The same model within each scenario, with one block per replicate "
        "(<code>log(risk) ~ C(loss) * C(penalty) + C(replicate)</code>), since all pairs share "
        "each replicate's data:</p>"
        + html_table(
            [
                "dataset",
                "fits",
                "share loss",
                "share penalty",
                "share interaction",
                "p loss",
                "p penalty",
                "p interaction",
            ],
            per_dataset,
        )
    )
    parts.append(
        "<h3>Every pair against the best</h3>\n<p>Within each scenario, every pair is "
        "compared with the pair of lowest median risk on the replicates where both "
        "succeeded: Wilcoxon signed-rank test and paired t-test of the per-replicate log "
        "ratios, with Holm's correction over the comparisons (on the Wilcoxon p-values) "
        f"at family-wise level {ALPHA:g}. With few replicates no test can be significant "
        "(10 replicates give a smallest two-sided Wilcoxon p of 0.002).</p>"
    )
    for dataset in datasets:
        rows = summary[summary["dataset"] == dataset]
        best, _ = best_pairs(rows, "risk_median", lowest=True)
        if not best:
            continue
        table = paired_comparisons(metrics, dataset, best[0], metric="risk", alpha=ALPHA)
        worse = table[table["significant"]]
        tied = table[~table["significant"]]
        sentence = (
            f"On {dataset}, {len(worse)} of {len(table)} pairs have a risk significantly "
            f"different from the best pair {pair_label(*best[0])}"
        )
        n_max = int(table["n"].max()) if len(table) else 0
        # exact two-sided Wilcoxon: the smallest p-value with n pairs is 2 / 2**n
        floor = min(1.0, len(table) * 2.0 / 2.0**n_max) if n_max else 1.0
        if tied.empty:
            sentence += "."
        elif floor >= ALPHA:
            sentence += (
                f". With {n_max} replicates no comparison can be significant after Holm's "
                f"correction (the smallest attainable adjusted p is {format_value(floor)}); "
                "see the paired t-test column and the paired ratios for the direction."
            )
        else:
            names = ", ".join(
                pair_label(a, b) for a, b in zip(tied.loss, tied.penalty, strict=True)
            )
            sentence += f"; not distinguishable from it: {names}."
        table_rows = [
            (
                pair_label(row.loss, row.penalty),
                row.n,
                row.median_ratio,
                p_value_text(row.p_wilcoxon),
                p_value_text(row.p_t),
                p_value_text(row.p_holm),
                "yes" if row.significant else "no",
            )
            for row in table.itertuples(index=False)
        ]
        parts.append(
            f'<h4 id="{esc(anchor("statistics", dataset))}">{esc(dataset)}</h4>\n'
            f"<p>{esc(sentence)}</p>\n<details><summary>Paired tests</summary>\n"
            + html_table(
                [
                    "loss / penalty",
                    "replicates",
                    "median ratio to best",
                    "p Wilcoxon",
                    "p paired t (log)",
                    "p Holm",
                    "significant",
                ],
                table_rows,
            )
            + "\n</details>"
        )
    return "\n".join(parts)
