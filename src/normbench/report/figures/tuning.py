"""Tuning diagnostics: the cross-validation curves that chose each pair's hyperparameters."""

from __future__ import annotations

import math

import numpy as np

from normbench.report.figures.common import LOSS_COLOURS, new_figure
from normbench.vocab import parse_pair

__all__ = ["chosen_curve", "cv_curves", "one_se_lam"]

_WIDTH_IN = 10.8  # 1080 px at the report's 100 dpi: shown at its drawn size


def _same(values, target):
    """Rows whose value is ``target`` (both missing counts as the same)."""
    values = np.asarray(values, dtype=float)
    if target is None or not math.isfinite(target):
        return ~np.isfinite(values)
    return np.isclose(values, target, rtol=1e-12, atol=0.0)


def chosen_curve(record):
    """(lams, mean, se) of the CV row of the chosen (delta, l1_ratio), or None without a curve.

    Parameters
    ----------
    record : normbench.study.store_fits.FitRecord
    """
    if record.cv_lams is None or record.cv_mean is None or not math.isfinite(record.lam):
        return None
    rows = np.ones(record.cv_lams.shape[0], dtype=bool)
    if record.cv_l1_ratios is not None:
        rows &= _same(record.cv_l1_ratios, record.l1_ratio)
    if record.cv_deltas is not None:
        rows &= _same(record.cv_deltas, record.delta)
    index = int(np.flatnonzero(rows)[0]) if rows.any() else 0
    lams = np.asarray(record.cv_lams[index], dtype=float)
    if not np.isfinite(lams).any():
        return None
    mean = np.asarray(record.cv_mean[index], float)
    se = np.zeros_like(mean) if record.cv_se is None else np.asarray(record.cv_se[index], float)
    return lams, mean, se


def one_se_lam(lams, mean, se):
    """The largest lam whose mean CV error is within one standard error of the smallest."""
    finite = np.isfinite(mean)
    if not finite.any():
        return math.nan
    best = int(np.nanargmin(np.where(finite, mean, np.nan)))
    threshold = mean[best] + (se[best] if np.isfinite(se[best]) else 0.0)
    return float(np.max(lams[finite & (mean <= threshold)]))


def cv_curves(fits, pairs, *, title, n_columns=3):
    """Mean ± SE of the held-out score against lam, one panel per pair, lam on a log axis.

    Parameters
    ----------
    fits : mapping of str to FitRecord
        One dataset replicate's fits store (:func:`normbench.study.store_fits.read_fits`).
    pairs : sequence of str
        The pairs to draw (``loss+penalty``); those without a CV curve are skipped.
    title : str
    n_columns : int

    Returns
    -------
    matplotlib.figure.Figure or None
        None when no pair has a curve. The chosen lam is a solid vertical line, the 1-SE lam a
        dotted one; for the elastic net and Huber the curve is that of the chosen l1_ratio and
        delta.
    """
    curves = [(pair, curve) for pair in pairs if (curve := chosen_curve(fits[pair])) is not None]
    if not curves:
        return None
    n_rows = math.ceil(len(curves) / n_columns)
    figure = new_figure((_WIDTH_IN, 2.3 * n_rows + 0.6))
    axes = figure.subplots(n_rows, n_columns, squeeze=False)
    for ax in axes.flat[len(curves) :]:
        ax.set_visible(False)
    for ax, (pair, (lams, mean, se)) in zip(axes.flat, curves, strict=False):
        colour = LOSS_COLOURS.get(parse_pair(pair)[0], "black")
        ax.fill_between(lams, mean - se, mean + se, color=colour, alpha=0.2, linewidth=0)
        ax.plot(lams, mean, color=colour, linewidth=1.6)
        ax.axvline(fits[pair].lam, color="black", linewidth=1.2, label="chosen λ")
        ax.axvline(one_se_lam(lams, mean, se), color="black", linestyle=":", label="1-SE λ")
        ax.set_xscale("log")
        ax.set_title(pair, fontsize=11)
        ax.tick_params(labelsize=10)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper right", ncols=2, fontsize=10, frameon=False)
    figure.supxlabel("λ (log axis)", fontsize=11)
    figure.supylabel("mean held-out score ± SE", fontsize=11)
    figure.suptitle(title, fontsize=12)
    return figure
