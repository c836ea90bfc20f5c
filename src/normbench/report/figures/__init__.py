"""Figures of the benchmark report, by topic.

Every function returns a :class:`matplotlib.figure.Figure` drawn on its own Agg canvas
(:func:`~normbench.report.figures.common.new_figure`), not registered with pyplot: nothing is
shown, no global figure state is touched, and the figure is freed as soon as the caller drops it.
Losses and penalties come in their natural order (:mod:`normbench.vocab`), pairs are spelled
``loss+penalty``, and a penalty has the same colour in every figure.
"""

from normbench.report.figures.common import format_value, pair_label
from normbench.report.figures.cost import time_error_tradeoff
from normbench.report.figures.distributions import (
    exact_zero_share,
    replicate_distributions,
    residual_distributions,
)
from normbench.report.figures.heatmaps import heatmap_grid, interaction_plot
from normbench.report.figures.models import bayesian_densities, loss_functions, norm_balls
from normbench.report.figures.paths import coefficient_path_panels
from normbench.report.figures.published import published_figure
from normbench.report.figures.ranking import critical_difference_figure
from normbench.report.figures.support import support_roc_curves, tpr_fpr_scatter
from normbench.report.figures.sweeps import sweep_figure

__all__ = [
    "bayesian_densities",
    "coefficient_path_panels",
    "critical_difference_figure",
    "exact_zero_share",
    "format_value",
    "heatmap_grid",
    "interaction_plot",
    "loss_functions",
    "norm_balls",
    "pair_label",
    "published_figure",
    "replicate_distributions",
    "residual_distributions",
    "support_roc_curves",
    "sweep_figure",
    "time_error_tradeoff",
    "tpr_fpr_scatter",
]
