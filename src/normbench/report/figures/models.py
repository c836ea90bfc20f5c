"""The models drawn from their formulas: norm balls, loss shapes and their Bayesian reading
(drawing, not fitting)."""

from __future__ import annotations

import numpy as np

from normbench.report.figures.common import LOSS_COLOURS, format_value, new_figure, penalty_palette
from normbench.vocab import LOSSES
from normbench.vocab.shapes import loss_derivative, loss_value


def norm_balls():
    """The L1 and L2 balls in 2-D, each touched by elliptical contours of a squared loss.

    Drawn from the formulas: for the L1 ball ``|w1| + |w2| <= 1`` the loss centre is placed so
    that the smallest contour meeting the ball touches it at the corner (0, 1), an exact zero
    of w1; for the L2 ball ``w1² + w2² <= 1`` the same loss touches the circle off the axes,
    where both coordinates are nonzero.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    # loss(w) = (w - c)' A (w - c) / 2 with an elongated, tilted A
    angle = np.deg2rad(135.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = rotation @ np.diag([1.0, 4.0]) @ rotation.T
    centre = np.array([1.0, 2.2])
    grid = np.linspace(-2.5, 3.5, 301)
    W1, W2 = np.meshgrid(grid, grid)
    D = np.stack([W1 - centre[0], W2 - centre[1]])
    values = 0.5 * np.einsum("i...,ij,j...->...", D, A, D)

    def loss(points):
        d = points - centre
        return 0.5 * np.einsum("ki,ij,kj->k", d, A, d)

    # 2000 steps: t = pi/2 (the corner (0, 1)) is a grid point
    t = np.linspace(0.0, 2.0 * np.pi, 2001)
    boundaries = {
        "L1 ball |w₁| + |w₂| ≤ 1 (lasso)": np.column_stack([np.cos(t), np.sin(t)])
        / (np.abs(np.cos(t)) + np.abs(np.sin(t)))[:, None],
        "L2 ball w₁² + w₂² ≤ 1 (ridge)": np.column_stack([np.cos(t), np.sin(t)]),
    }
    figure = new_figure((9.6, 4.6))
    axes = figure.subplots(1, 2)
    colours = {"L1": penalty_palette(["l1"])["l1"], "L2": penalty_palette(["l2"])["l2"]}
    for ax, (title, boundary) in zip(axes, boundaries.items(), strict=True):
        colour = colours[title[:2]]
        touching = boundary[np.argmin(loss(boundary))]
        level = float(loss(touching[None, :])[0])
        ax.fill(boundary[:, 0], boundary[:, 1], color=colour, alpha=0.25, zorder=1)
        ax.plot(boundary[:, 0], boundary[:, 1], color=colour, linewidth=2.0, zorder=2)
        levels = sorted({level * factor for factor in (0.1, 0.35, 1.0, 2.0)})
        contours = ax.contour(W1, W2, values, levels=levels, colors="0.35", linewidths=1.0)
        contours.set_zorder(3)
        ax.plot(*centre, marker="x", color="0.2", markersize=8, zorder=4)
        ax.annotate(
            "least-squares\nsolution", centre, textcoords="offset points", xytext=(8, 4), fontsize=8
        )
        ax.plot(*touching, marker="o", color="#d62728", markersize=8, zorder=5)
        ax.annotate(
            f"ŵ = ({touching[0]:.2f}, {touching[1]:.2f})",
            touching,
            textcoords="offset points",
            xytext=(10, -14),
            fontsize=9,
            color="#d62728",
        )
        ax.axhline(0, color="0.3", linewidth=0.6)
        ax.axvline(0, color="0.3", linewidth=0.6)
        ax.set_xlim(-2.0, 3.0)
        ax.set_ylim(-1.6, 3.0)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
    return figure


def loss_functions(delta, *, extent=4.0):
    """The three losses and their derivatives (influence functions) against the residual.

    Parameters
    ----------
    delta : float
        Huber's threshold, e.g. the median chosen ``delta`` of a study.
    extent : float
        Residuals are drawn over ``[-extent * delta, extent * delta]``.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Left: ``loss(r)``; right: ``loss'(r)``, the weight a residual has in the estimating
        equation. Huber's kinks at ``+-delta`` are marked.

    Raises
    ------
    ValueError
        If ``delta`` is not positive.
    """
    if not (np.isfinite(delta) and delta > 0):
        raise ValueError(f"delta must be positive, got {delta!r}")
    residuals = np.linspace(-extent * delta, extent * delta, 801)
    figure = new_figure((10.0, 3.8))
    value_ax, derivative_ax = figure.subplots(1, 2)
    labels = {
        "l2": "l2: r²/2",
        "l1": "l1: |r|",
        "huber": f"huber (δ = {format_value(delta)})",
    }
    for loss in LOSSES:
        style = {"color": LOSS_COLOURS[loss], "linewidth": 2.0, "label": labels[loss]}
        value_ax.plot(residuals, loss_value(loss, residuals, delta), **style)
        derivative_ax.plot(residuals, loss_derivative(loss, residuals, delta), **style)
    value_ax.set_ylim(0, 0.5 * (extent * delta) ** 2 * 0.6)
    for ax in (value_ax, derivative_ax):
        for x in (-delta, delta):
            ax.axvline(x, color="0.6", linestyle=":", linewidth=1)
        ax.axhline(0, color="0.3", linewidth=0.6)
        ax.set_xlabel("residual r = y − b − x·w")
        ax.grid(alpha=0.3)
    value_ax.set_title("loss(r)")
    value_ax.set_ylabel("loss")
    derivative_ax.set_title("loss′(r): influence of one residual")
    derivative_ax.set_ylabel("derivative")
    derivative_ax.set_ylim(-1.6 * max(delta, 1.0), 1.6 * max(delta, 1.0))
    derivative_ax.legend(fontsize=8, loc="upper left")
    return figure


def _normalised(values, grid):
    """``exp(-values)`` normalised to unit area on ``grid`` (a density drawn from its formula)."""
    density = np.exp(-(values - values.min()))
    return density / (density.sum() * (grid[1] - grid[0]))  # a uniform grid: a Riemann sum


def bayesian_densities(delta, *, l1_ratio=0.5, extent=4.0):
    """The likelihoods and priors the losses and penalties are, drawn from their formulas.

    Left: the noise density ``∝ exp(−loss(r))`` of each loss (Gaussian, Laplace, and Huber's
    Gaussian core with Laplace tails); log density axis, on which a Gaussian is a parabola and
    a Laplace tail a straight line. Right: the prior ``∝ exp(−penalty(w))`` of one coefficient
    for ridge (Gaussian), the lasso (Laplace) and the elastic net (their product).

    Parameters
    ----------
    delta : float
        Huber's threshold.
    l1_ratio : float, default=0.5
        The elastic net's mix.
    extent : float, default=4.0
        Residuals over ``[-extent * max(delta, 1), +extent * max(delta, 1)]``.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if not (np.isfinite(delta) and delta > 0):
        raise ValueError(f"delta must be positive, got {delta!r}")
    half = extent * max(delta, 1.0)
    residuals = np.linspace(-half, half, 801)
    figure = new_figure((10.0, 3.8))
    likelihood_ax, prior_ax = figure.subplots(1, 2)
    names = {
        "l2": "l2 → Gaussian",
        "l1": "l1 → Laplace",
        "huber": f"huber (δ = {format_value(delta)}) → Gaussian core, Laplace tails",
    }
    for loss in LOSSES:
        density = _normalised(loss_value(loss, residuals, delta), residuals)
        likelihood_ax.plot(
            residuals, density, color=LOSS_COLOURS[loss], linewidth=2.0, label=names[loss]
        )
    likelihood_ax.set_yscale("log")
    likelihood_ax.set_ylim(1e-4, 1.0)
    likelihood_ax.set_title("noise density ∝ exp(−loss(r))")
    likelihood_ax.set_xlabel("residual r")
    likelihood_ax.set_ylabel("density (log axis)")
    likelihood_ax.legend(fontsize=8, loc="lower center")
    weights = np.linspace(-3.0, 3.0, 801)
    palette = penalty_palette(["l1", "l2", "elasticnet"])
    penalties = {
        "l2": ("l2 → Gaussian prior", 0.5 * weights**2),
        "l1": ("l1 → Laplace prior", np.abs(weights)),
        "elasticnet": (
            f"elasticnet (l1_ratio = {l1_ratio:g}) → their product",
            l1_ratio * np.abs(weights) + 0.5 * (1.0 - l1_ratio) * weights**2,
        ),
    }
    for penalty, (label, value) in penalties.items():
        prior_ax.plot(
            weights,
            _normalised(value, weights),
            color=palette[penalty],
            linewidth=2.0,
            label=label,
        )
    prior_ax.set_title("prior of one coefficient ∝ exp(−penalty(w))")
    prior_ax.set_xlabel("coefficient w")
    prior_ax.set_ylabel("density")
    prior_ax.legend(fontsize=8, loc="upper right")
    for ax in (likelihood_ax, prior_ax):
        ax.grid(alpha=0.3)
    return figure
