"""Coefficient paths along the lam grid (computed by the explain job)."""

from __future__ import annotations

import numpy as np
import seaborn as sns
from matplotlib.lines import Line2D

from normbench.report.figures.common import new_figure


def coefficient_path_panels(paths, true_coef):
    """Coefficient paths against log10(lam), one panel per penalty.

    Parameters
    ----------
    paths : mapping of str to (lams, coefs)
        Panel title (e.g. the penalty) to the decreasing ``lams`` (n_lams,) and the
        coefficients (n_lams, p), as returned by the explain job (:mod:`normbench.study.explain`).
    true_coef : array-like of shape (p,)
        True nonzero coefficients are drawn in colour, the null ones in light grey.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    truth = np.asarray(true_coef, dtype=float) != 0
    figure = new_figure((4.0 * max(len(paths), 1), 3.8))
    axes = np.atleast_1d(figure.subplots(1, max(len(paths), 1), squeeze=False)[0])
    colours = sns.color_palette("husl", max(int(truth.sum()), 1))
    for ax, (title, (lams, coefs)) in zip(axes, paths.items(), strict=False):
        x = np.log10(np.asarray(lams, dtype=float))
        coefs = np.asarray(coefs, dtype=float)
        null = coefs[:, ~truth]
        if null.size:
            ax.plot(x, null, color="0.78", linewidth=0.6, zorder=1)
        for colour, column in zip(colours, np.flatnonzero(truth), strict=False):
            ax.plot(x, coefs[:, column], color=colour, linewidth=1.6, zorder=2)
        ax.axhline(0, color="0.3", linewidth=0.6)
        ax.invert_xaxis()
        ax.set_title(str(title))
        ax.set_xlabel("log10 lam (decreasing →)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("coefficient (standardised X)")
    axes[0].legend(
        handles=[
            Line2D([], [], color=colours[0], linewidth=1.6, label="true nonzero"),
            Line2D([], [], color="0.78", linewidth=0.8, label="true zero"),
        ],
        fontsize=8,
        loc="upper left",
    )
    return figure
