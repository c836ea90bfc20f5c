"""Ranking across scenarios: mean ranks with the Nemenyi critical difference."""

from __future__ import annotations

import numpy as np

from normbench.report.figures.common import new_figure, penalty_palette
from normbench.vocab import PENALTIES, order_names, parse_pair


def critical_difference_figure(ranking):
    """Mean rank of each pair over the scenarios, with an interval of one critical difference.

    Each pair is a point at its mean rank (1 = lowest error in every scenario) with a bar of
    total width CD centred on it, so two pairs whose bars do not overlap differ by more than
    the critical difference (significant under the Nemenyi test) -- Demšar's (2006) diagram,
    with intervals in place of his lines joining the groups that do not differ.

    Parameters
    ----------
    ranking : normbench.analysis.ranking.Ranking

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If no pair is ranked.
    """
    mean_ranks = ranking.mean_ranks
    if mean_ranks.empty:
        raise ValueError("no pair is ranked in every scenario")
    pairs = list(mean_ranks.index)
    penalties = order_names([parse_pair(pair)[1] for pair in pairs], PENALTIES)
    palette = penalty_palette(penalties)
    k = len(pairs)
    cd = ranking.critical_difference
    figure = new_figure((9.0, 0.34 * k + 1.9))
    ax = figure.add_subplot()
    positions = np.arange(k)
    for position, pair in zip(positions, pairs, strict=True):
        rank = float(mean_ranks[pair])
        colour = palette[parse_pair(pair)[1]]
        if np.isfinite(cd):
            ax.plot([rank - cd / 2, rank + cd / 2], [position, position], color=colour, lw=2.5)
        ax.plot(rank, position, "o", color=colour, markeredgecolor="black", markersize=8)
        ax.annotate(
            f"{rank:.2f}",
            (rank, position),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
    ax.set_yticks(positions, pairs)
    ax.invert_yaxis()  # best pair at the top
    ax.set_xlim(0.5, k + 0.5)
    ax.set_xticks(range(1, k + 1))
    ax.set_xlabel(f"mean rank over {ranking.n_scenarios} scenario(s) (1 = lowest error)")
    ax.grid(axis="x", alpha=0.3)
    if np.isfinite(cd):
        ax.set_title(
            f"Mean ranks; bars: ± CD/2 (Nemenyi CD = {cd:.2f} at α = {ranking.alpha:g}); "
            "bars that do not overlap differ significantly",
            fontsize=10,
        )
    else:
        ax.set_title("Mean ranks (too few scenarios or pairs for a critical difference)")
    return figure
