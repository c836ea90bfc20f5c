"""Coefficient paths along the ``lam`` grid, and the support-recovery ROC they trace.

:func:`penalized_path` is the library's one way to solve a pair along a path (the estimators
and the cross-validation call it).  The report's "How the penalty acts" section uses
:func:`coefficient_paths`: a path shows how each penalty moves the
coefficients as ``lam`` decreases (the lasso sets them to exactly zero one after another, ridge
shrinks all of them smoothly), and the ROC curve measures how well the order in which features
enter separates the true support from the null features.
"""

from dataclasses import dataclass

import numpy as np

from normbench.models.cv import lam_grid
from normbench.models.result import PathResult, SolverOptions
from normbench.models.solvers import solve_path

__all__ = ["FittedPath", "Standardizer", "coefficient_paths", "penalized_path", "support_roc"]


class Standardizer:
    """Centring (always) and unit-variance scaling (optional) of the training features.

    A constant column centres to exactly zero (its computed mean can differ from its value by
    rounding, which scaling would blow up into a spurious feature).  A column whose variance
    overflows or underflows in floating point (values near 1e300 or 1e-300) is measured in units
    of its largest deviation first, so it is scaled like any other.
    """

    def __init__(self, X, scale):
        self.mean = X.mean(axis=0)
        deviation = np.max(np.abs(X - X[:1]), axis=0) if X.shape[0] else np.zeros(X.shape[1])
        constant = deviation == 0
        self.mean[constant] = X[0, constant]
        unstable_mean = ~np.isfinite(self.mean)
        if unstable_mean.any():
            self.mean[unstable_mean] = _in_own_units(X[:, unstable_mean], np.mean)
        with np.errstate(over="ignore", under="ignore"):  # such columns are measured again below
            std = X.std(axis=0) if scale else np.ones(X.shape[1])
        unstable = scale & ~constant & ~(np.isfinite(std) & (std > 0))
        if unstable.any():
            std[unstable] = _in_own_units(X[:, unstable] - self.mean[unstable], np.std)
        self.scale = np.where(std > 0, std, 1.0)

    def transform(self, X):
        return (X - self.mean) / self.scale


def _in_own_units(columns, statistic):
    """``statistic`` per column, computed on the columns divided by their largest magnitude."""
    unit = np.max(np.abs(columns), axis=0)
    unit = np.where((unit > 0) & np.isfinite(unit), unit, 1.0)
    return unit * statistic(columns / unit, axis=0)


@dataclass
class FittedPath:
    """A pair solved along a ``lam`` grid, on the original scale of ``X`` and as solved.

    Attributes
    ----------
    lams : ndarray of shape (n_lams,)
    coefs : ndarray of shape (n_lams, p)
        Coefficients on the original scale of ``X``.
    intercepts : ndarray of shape (n_lams,)
    solved : PathResult
        The solver's output on the standardised design (its coefficients, certificates, messages
        and iteration counts).
    standardizer : Standardizer
    """

    lams: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    solved: PathResult
    standardizer: Standardizer


def penalized_path(
    X,
    y,
    *,
    loss="l2",
    penalty="l1",
    lams=None,
    n_lams=30,
    eps=1e-3,
    ridge_eps=None,
    l1_ratio=None,
    delta=None,
    standardize=True,
    options=None,
    solve_first=None,
    stop=None,
    standardizer=None,
) -> FittedPath:
    """Solve one (loss, penalty) pair along a decreasing ``lam`` grid: the one path entry.

    As scikit-learn's ``enet_path``, for the twelve pairs: ``X`` is centred (and, with
    ``standardize``, scaled to unit variance), the objective of :mod:`normbench.models.objective` is
    minimised at every ``lam`` with warm starts, and the coefficients come back on the original
    scale of ``X``.

    Parameters
    ----------
    X : array-like of shape (n, p)
    y : array-like of shape (n,)
    loss : {"l2", "l1", "huber"}, default="l2"
    penalty : {"none", "l1", "l2", "elasticnet"}, default="l1"
    lams : array-like or None
        Decreasing penalty levels; ``None`` uses :func:`normbench.models.cv.lam_grid` on the
        standardised design (``n_lams`` values down to ``eps`` times the top).
    n_lams : int, default=30
    eps, ridge_eps : float, default=1e-3 and None
        The grid's span (:func:`normbench.models.cv.lam_grid`).
    l1_ratio : float, optional
        Elastic-net mixing (``penalty="elasticnet"`` only).
    delta : float, optional
        Huber threshold (``loss="huber"`` only).
    standardize : bool, default=True
    options : SolverOptions, optional
    solve_first : int, optional
        Solve only the first ``solve_first`` lams of the grid (the path stops there); the rows
        of the others are NaN and ``solved`` holds the points solved.  The points solved have the
        bits of the whole path's: the back-transform runs at the whole grid's shape (a matrix
        product's rounding can depend on its shape).
    stop : callable, optional
        ``stop(k, coef, intercept)`` on the standardised scale, asked after each point; True
        ends the path there (:func:`normbench.models.solvers.solve_path`), and the rows after
        it are NaN as for ``solve_first``.
    standardizer : Standardizer, optional
        ``Standardizer(X, standardize)``, when the caller already has it (the cross-validation
        solves many paths on one fold's rows); computed here otherwise.

    Returns
    -------
    FittedPath
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if standardizer is None:
        standardizer = Standardizer(X, standardize)
    Xs = standardizer.transform(X)
    if lams is None:
        grid = {"n_lams": n_lams, "eps": eps, "ridge_eps": ridge_eps}
        lams = lam_grid(Xs, y, loss=loss, penalty=penalty, l1_ratio=l1_ratio, delta=delta, **grid)
    lams = np.asarray(lams, dtype=float)
    m = len(lams) if solve_first is None else int(solve_first)
    solved = solve_path(
        Xs,
        y,
        loss=loss,
        penalty=penalty,
        lams=lams[:m],
        l1_ratio=l1_ratio,
        delta=delta,
        options=options or SolverOptions(),
        stop=stop,
    )
    if penalty != "none":
        m = len(solved.intercepts)
    raw_coefs, raw_intercepts = solved.coefs, solved.intercepts
    partial = m < len(lams) and penalty != "none"
    if partial:
        raw_coefs = np.zeros((len(lams), Xs.shape[1]))
        raw_coefs[:m] = solved.coefs
        raw_intercepts = np.zeros(len(lams))
        raw_intercepts[:m] = solved.intercepts
    coefs = raw_coefs / standardizer.scale
    intercepts = raw_intercepts - coefs @ standardizer.mean
    if partial:
        coefs[m:], intercepts[m:] = np.nan, np.nan
    return FittedPath(lams, coefs, intercepts, solved, standardizer)


def _rank_index(n_lams):
    """Index of the ``lam`` whose ``|coef|`` ranks the features of a dense path: the middle."""
    return n_lams // 2


def coefficient_paths(
    X, y, *, loss="l2", penalty, l1_ratio=0.5, n_lams=30, eps=1e-3, ridge_eps=None, delta=None
):
    """Solve one (loss, penalty) pair along the cross-validation ``lam`` grid.

    ``X`` is standardised first (columns centred and scaled to unit variance, as the
    estimators do), so the coefficients of different features are comparable; the grid is
    :func:`normbench.models.cv.lam_grid` on the standardised design.

    Parameters
    ----------
    X : array-like of shape (n, p)
    y : array-like of shape (n,)
    loss : {"l2", "l1", "huber"}, default="l2"
    penalty : {"l1", "l2", "elasticnet"}
    l1_ratio : float, default=0.5
        Elastic-net mixing (``penalty="elasticnet"`` only).
    n_lams : int, default=30
    eps : float, default=1e-3
        Ratio of the smallest to the largest ``lam``.
    ridge_eps : float, optional
        Ridge's span (:func:`normbench.models.cv.lam_grid`); ``None`` uses ``eps``.
    delta : float, optional
        Huber threshold (``loss="huber"`` only).

    Returns
    -------
    lams : ndarray of shape (n_lams,)
        Decreasing penalty levels.
    coefs : ndarray of shape (n_lams, p)
        Coefficients on the standardised scale, one row per ``lam``.

    Raises
    ------
    ValueError
        If ``penalty`` is "none" (an unpenalised fit has no path).
    """
    if penalty == "none":
        raise ValueError("penalty 'none' has no path")
    ratio = l1_ratio if penalty == "elasticnet" else None
    path = penalized_path(
        X,
        y,
        loss=loss,
        penalty=penalty,
        l1_ratio=ratio,
        delta=delta,
        n_lams=n_lams,
        eps=eps,
        ridge_eps=ridge_eps,
    )
    return path.lams, np.asarray(path.solved.coefs, dtype=float)


def _auc(fpr, tpr):
    """Trapezoid area under (fpr, tpr) points sorted by fpr, then tpr."""
    widths = np.diff(fpr)
    return float(np.sum(widths * (tpr[1:] + tpr[:-1]) / 2.0))


def support_roc(coefs, true_coef):
    """ROC curve of support recovery along a coefficient path.

    Sparse path (some coefficient is exactly 0 somewhere, as for l1 and elasticnet): each
    ``lam`` gives one point, the (FPR, TPR) of its selected support ``{j : coef_j != 0}``.
    Dense path (no exact zeros, as for ridge): a support is never selected, so the features
    are ranked by ``|coef|`` at the middle ``lam`` of the grid (index ``n_lams // 2``, where
    the CV choice typically falls on the log-spaced grid) and the curve runs over all
    thresholds of ``|coef|`` (tied values enter together).

    In both cases (0, 0) and (1, 1) are added, the points are sorted by FPR then TPR, and the
    AUC is the trapezoid area under them.

    Parameters
    ----------
    coefs : array-like of shape (n_lams, p) or (p,)
    true_coef : array-like of shape (p,)
        The true coefficients; the true support is ``{j : true_coef_j != 0}``.

    Returns
    -------
    fpr, tpr : ndarray
        The curve, from (0, 0) to (1, 1).
    auc : float

    Raises
    ------
    ValueError
        If the shapes disagree, or the true support is empty or the whole feature set.
    """
    coefs = np.atleast_2d(np.asarray(coefs, dtype=float))
    truth = np.asarray(true_coef, dtype=float) != 0
    if coefs.shape[1] != truth.size:
        raise ValueError(f"coefs have {coefs.shape[1]} features, true_coef has {truth.size}")
    n_true, n_null = int(truth.sum()), int((~truth).sum())
    if n_true == 0 or n_null == 0:
        raise ValueError("the true support must be neither empty nor every feature")
    if (coefs == 0).any():
        selected = coefs != 0
        tpr = (selected & truth).sum(axis=1) / n_true
        fpr = (selected & ~truth).sum(axis=1) / n_null
    else:
        scores = np.abs(coefs[_rank_index(coefs.shape[0])])
        thresholds = np.unique(scores)[::-1]
        selected = scores[None, :] >= thresholds[:, None]
        tpr = (selected & truth).sum(axis=1) / n_true
        fpr = (selected & ~truth).sum(axis=1) / n_null
    fpr = np.concatenate([[0.0], fpr, [1.0]])
    tpr = np.concatenate([[0.0], tpr, [1.0]])
    order = np.lexsort((tpr, fpr))
    fpr, tpr = fpr[order], tpr[order]
    return fpr, tpr, _auc(fpr, tpr)
