"""Cross-validation pieces: the ``lam`` grid, seeded folds or a validation set, held-out
criteria, selection rules.

The grid follows glmnet: ``n_lams`` values spaced evenly on the log scale, from ``lam_max``
(the smallest ``lam`` at which every coefficient is zero, for penalties with an L1 part) down to
``eps * lam_max``.  A pure L2 penalty never zeroes coefficients, so its grid is centred on the
lasso's ``lam_max``: from ``lam_max / eps`` down to ``eps * lam_max`` (six decades with the
default ``eps=1e-3``), which reaches both the null model and the minimum-norm interpolant.

Two tuning methods share the rest of the machinery (:data:`METHODS`): ``kfold`` splits the
training data into seeded folds; ``validation`` scores the path fitted on the whole training set
on an independent validation set (Zou & Hastie 2005; Hastie, Tibshirani & Tibshirani 2020).  Both
are expressed as (train, held-out) index pairs, the validation set stacked below the training data
(:func:`validation_split`), so that one loop scores either.
"""

from __future__ import annotations

import numpy as np

from normbench.models.objective import make_loss, null_gradient_score

CRITERIA = ("own_loss", "mse", "mae")
RULES = ("min", "1se")
#: How Huber's delta grid is searched: every factor (``grid``), or a walk out from the reference
#: factor while the CV score improves (``bracket``, :func:`next_bracket`).
DELTA_SEARCHES = ("grid", "bracket")
#: Tuning methods: K-fold CV on the training data, or an independent validation set.
METHODS = ("kfold", "validation")
MAD_TO_SD = 1.482602218505602  # 1 / Phi^{-1}(3/4): the MAD of a gaussian times this is its sd


def lam_max(X, y, *, loss, l1_ratio=1.0, delta=None) -> float:
    """Smallest ``lam`` at which the all-zero coefficient vector is optimal.

    For ``X`` with centred columns, the zero vector is optimal when
    ``||X' psi0||_inf / n <= lam * l1_ratio`` with ``psi0`` the loss (sub)gradient at the null
    model's residuals (``loss.null_scores``: for the L1 loss, the subgradient that satisfies the
    intercept's condition, so the value is exact at any ``n``).
    """
    score = null_gradient_score(X, y, make_loss(loss, delta))
    return float(score / max(l1_ratio, 1e-300))


def lam_grid(
    X, y, *, loss, penalty, l1_ratio=None, delta=None, n_lams=30, eps=1e-3, ridge_eps=None
):
    """Decreasing log-spaced ``lam`` grid for one pair (see the module docstring).

    The sparse penalties run from ``lam_max`` down to ``eps * lam_max``; ridge, which has no
    ``lam_max``, from ``lam_max / ridge_eps`` down to ``lam_max * ridge_eps`` around the lasso's
    (``ridge_eps`` defaults to ``eps``), so that it reaches toward the interpolant below and the
    null model above.
    """
    if penalty == "none":
        return np.array([np.nan])
    if penalty == "l2":
        span = eps if ridge_eps is None else ridge_eps
        top = lam_max(X, y, loss=loss, l1_ratio=1.0, delta=delta)
        top = top if top > 0 else 1.0
        return np.geomspace(top / span, top * span, n_lams)
    ratio = 1.0 if penalty == "l1" else l1_ratio
    top = lam_max(X, y, loss=loss, l1_ratio=ratio, delta=delta)
    top = top if top > 0 else 1.0
    return np.geomspace(top, top * eps, n_lams)


def kfold_indices(n, folds, seed):
    """Shuffled K-fold split as a list of (train, test) index arrays, from ``seed`` only."""
    if not 2 <= folds <= n:
        raise ValueError(f"cv folds must be between 2 and n_samples={n}, got {folds}")
    order = np.random.default_rng(seed).permutation(n)
    return [
        (np.sort(np.setdiff1d(order, test)), np.sort(test)) for test in np.array_split(order, folds)
    ]


def validation_split(n_train, n_validation):
    """The one (train, held-out) index pair of validation-set tuning.

    The indices refer to the training data with the validation set stacked below it
    (``np.vstack([X, X_val])``): the model is fitted on the first ``n_train`` rows and scored on
    the ``n_validation`` rows after them.
    """
    if n_train < 1 or n_validation < 1:
        raise ValueError(
            f"validation tuning needs training and validation observations, got n_train={n_train}"
            f" and n_validation={n_validation}"
        )
    return [(np.arange(n_train), np.arange(n_train, n_train + n_validation))]


def pointwise_error(y_true, y_pred, *, criterion, loss, delta=None):
    """Held-out error of each observation (rows) for each prediction column.

    ``y_pred`` may be 2-D (one column per ``lam``); see :func:`heldout_error` for the criteria.
    """
    residuals = np.asarray(y_true)[:, None] - np.atleast_2d(np.asarray(y_pred).T).T
    if criterion == "mse":
        values = residuals**2
    elif criterion == "mae":
        values = np.abs(residuals)
    elif criterion == "own_loss":
        values = make_loss(loss, delta).value(residuals)
    else:
        raise ValueError(f"unknown criterion {criterion!r}; allowed: {', '.join(CRITERIA)}")
    return values


def heldout_error(y_true, y_pred, *, criterion, loss, delta=None):
    """Mean held-out error; ``own_loss`` scores each model with its own loss function.

    ``y_pred`` may be 2-D (one column per ``lam``); the mean runs over observations.
    """
    return pointwise_error(y_true, y_pred, criterion=criterion, loss=loss, delta=delta).mean(axis=0)


def select_index(mean, se, *, rule):
    """Index chosen on a decreasing grid: the minimum, or the largest ``lam`` within one SE."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; allowed: {', '.join(RULES)}")
    finite = np.where(np.isfinite(mean), mean, np.inf)
    best = int(np.argmin(finite))
    if rule == "min":
        return best
    threshold = finite[best] + (se[best] if np.isfinite(se[best]) else 0.0)
    return int(np.flatnonzero(finite <= threshold)[0])


def robust_scale(residuals) -> float:
    """Normalised median absolute deviation about the median (a gaussian's sd)."""
    residuals = np.asarray(residuals, dtype=float)
    return float(MAD_TO_SD * np.median(np.abs(residuals - np.median(residuals))))


def delta_grid(reference, factors) -> np.ndarray:
    """Huber thresholds tried by CV: ``reference`` times each factor, increasing and distinct.

    ``reference`` is ``huber_multiplier`` times a robust noise scale (1.345 x the normalised MAD
    of a pilot fit's out-of-fold residuals); the factors (e.g. 0.5, 1, 2) widen it into a grid.
    """
    factors = np.unique(np.asarray(factors, dtype=float))
    if factors.size == 0 or not np.all(np.isfinite(factors) & (factors > 0)):
        raise ValueError(f"delta factors must be positive numbers, got {list(factors)}")
    return float(reference) * factors


def next_bracket(minima, start, n_deltas) -> list[int]:
    """The delta index a bracket search scores next (empty: the search is over).

    ``minima`` maps each delta index scored so far to its best CV mean (over ``lam`` and
    ``l1_ratio``; ``inf`` when none of its fits could be chosen); indices run in increasing
    delta. The search scores the reference ``start`` first, then walks down (toward the l1
    loss, where the study's choices mostly lie) while each smaller delta improves the best
    mean; where the walk down stops at once, it walks up from the reference likewise. It ends
    when the best delta's both neighbours are scored (or it sits at an end of the grid), after
    two to all of the deltas; it finds the grid's best delta whenever the CV profile over delta
    (its best mean at each delta) falls and then rises, and may stop at a nearer dip of a profile
    with two. On a tie the reference wins, as in :func:`select_combination`, then the smaller
    delta (the walk does not go on past a tie).
    """
    if not minima:
        return [start]
    lowest, highest = min(minima), max(minima)
    best = min(minima, key=lambda i: (minima[i], i != start, i))
    if best == lowest and lowest > 0:
        return [lowest - 1]
    if best == highest and highest < n_deltas - 1:
        return [highest + 1]
    return []


def select_combination(means, ses, *, rule, preferred=0):
    """Joint choice over the rows of a CV table (one row per (delta, l1_ratio), one column per
    ``lam``): the row with the lowest mean error, then the ``lam`` of :func:`select_index`.

    All rows must be scored by one criterion (for Huber, one reference delta), else their errors
    are not comparable. Entries that are not finite (NaN: a fit skipped because it provably could
    not be chosen) never win. On an exact tie the ``preferred`` row wins (the reference delta:
    e.g. the minimum-norm interpolant does not depend on delta, so no delta is chosen over
    another).
    """
    best = np.array([np.min(np.where(np.isfinite(m), m, np.inf), initial=np.inf) for m in means])
    row = int(np.argmin(best))
    if best[preferred] == best[row]:
        row = preferred
    return row, select_index(means[row], ses[row], rule=rule)


#: Values of the ``*_at_edge`` columns: the tuned value is the grid's smallest, its largest,
#: or strictly inside it. Missing (empty) where the value was not tuned (one candidate only).
EDGE_LOW, EDGE_HIGH, EDGE_INTERIOR = "low", "high", "interior"


def grid_edge(value, grid) -> str | None:
    """Where a tuned value sits on its grid: ``"low"``, ``"high"``, ``"interior"``, or None.

    Parameters
    ----------
    value : float or None
        The chosen value (None: the parameter does not apply).
    grid : array-like of float
        The candidates, in any order.

    Returns
    -------
    str or None
        ``"low"`` at the smallest candidate (for ``lam``, the least regularised fit; ridge's
        reaches toward the interpolant), ``"high"`` at the largest (for a lasso ``lam``,
        ``lam_max``: the null model), ``"interior"`` otherwise; None when ``value`` is None or the
        grid has fewer than two distinct candidates (nothing was tuned).
    """
    if value is None:
        return None
    candidates = np.unique(np.asarray(grid, dtype=float))
    candidates = candidates[np.isfinite(candidates)]
    if candidates.size < 2 or not np.isfinite(value):
        return None
    if np.isclose(value, candidates[0], rtol=1e-12, atol=0.0):
        return EDGE_LOW
    if np.isclose(value, candidates[-1], rtol=1e-12, atol=0.0):
        return EDGE_HIGH
    return EDGE_INTERIOR
