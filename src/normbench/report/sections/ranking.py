"""Ranking across scenarios: each pair's mean rank, the Friedman test and the Nemenyi critical
difference (Demšar 2006), with their caveats; every number from ``results/ranking.csv``."""

from __future__ import annotations

import math

from normbench.report.figures import critical_difference_figure
from normbench.report.figures.common import format_value
from normbench.report.html import esc, html_details, html_figure, html_table


def _metric_text(ranking):
    used = sorted(set(ranking.metrics.values()))
    if used == ["model_error"]:
        return "model error (ŵ − w)ᵀΣ(ŵ − w)"
    if used == ["risk"]:
        return "risk (test error of the fitted function)"
    return "model error where the scenario has one, else risk, else test MSE (see the table)"


def _test_sentence(ranking):
    if not math.isfinite(ranking.friedman_p):
        return (
            "The Friedman test needs at least two scenarios and three pairs ranked in all of "
            "them; this run has too few, so only the mean ranks are shown."
        )
    verdict = (
        "the mean ranks differ more than chance would make them"
        if ranking.friedman_p < ranking.alpha
        else "the mean ranks do not differ more than chance would make them"
    )
    return (
        f"Friedman test over {ranking.n_scenarios} scenarios and {ranking.n_pairs} pairs: "
        f"χ² = {format_value(ranking.friedman_statistic)}, p = "
        f"{format_value(ranking.friedman_p)}, so at α = {ranking.alpha:g} {verdict}. Nemenyi "
        f"critical difference: CD = {ranking.critical_difference:.2f} ranks; two pairs whose "
        "mean ranks differ by more than the CD differ significantly."
    )


def render(ctx):
    datasets = ctx.all_datasets
    if len(datasets) < 2:
        return None  # one scenario ranks the pairs in the grid already
    ranking = ctx.ranking  # results/ranking.csv
    if ranking is None or ranking.mean_ranks.empty:
        return None
    figure = html_figure(
        critical_difference_figure(ranking),
        "Each pair's mean rank over the scenarios (rank 1 = lowest median error of its "
        "scenario), best at the top, with a bar one critical difference wide centred on it: "
        "two pairs whose bars do not overlap differ significantly (Nemenyi, after the "
        "Friedman test). Colour: penalty.",
        "mean ranks across scenarios with the critical difference",
    )
    excluded = (
        '<p class="note">Left out of the ranking (not ranked in every scenario): '
        + "; ".join(f"{esc(pair)}: {esc(reason)}" for pair, reason in ranking.excluded.items())
        + ".</p>"
        if ranking.excluded
        else ""
    )
    table = html_table(
        ["scenario", "ranked by", *ranking.ranks.columns],
        [
            (dataset, ranking.metrics[dataset], *ranking.ranks.loc[dataset].tolist())
            for dataset in ranking.ranks.index
        ],
    )
    return (
        f"<p>Within each scenario the pairs are ranked by their median {esc(_metric_text(ranking))}"
        " over the replicates (ties share their mean rank); the ranks are then averaged over "
        f"the scenarios (Demšar 2006). {esc(_test_sentence(ranking))}</p>\n"
        + html_details("Mean ranks with the critical difference", figure)
        + "\n"
        '<p class="note"><b>Caveats.</b> The scenarios are not a random sample of a population '
        "of regression problems: they were designed, several vary one setting of another, so "
        "they are neither independent nor representative, and the test speaks of these "
        "scenarios only. With few scenarios the critical difference is wide (it shrinks as "
        "1/√N), so overlapping bars mean “not shown to differ”, not “equal”. Ranks ignore by "
        "how much a pair wins; the paired ratios and the grid show the sizes.</p>\n"
        + excluded
        + html_details("Ranks of every pair in every scenario", table)
    )
