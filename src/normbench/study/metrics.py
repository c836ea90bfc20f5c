"""Out-of-sample, risk, support- and group-recovery metrics for one fitted model.

Beside the risk against the noise-free test signal, four measures compare the fit with the
population behind a dataset, as far as the dataset states it, whatever its generator
(:func:`normbench.data.population.population_of`; the table of docs/extending.md):
``model_error`` = (ŵ − w)ᵀ Σ (ŵ − w) with Σ the population covariance of the rows of X (the
measure of Zou & Hastie 2005 and Hastie, Tibshirani & Tibshirani 2020), ``intercept_error`` =
b̂ − b, and ``pve`` = 1 − (risk + σ²) / (Var(xᵀw) + σ²) with σ² the noise distribution's *true*
variance (contamination included; missing where that variance is infinite). Since the rows of X
have mean zero, the expected risk is ``model_error + intercept_error²``. ``pve_empirical`` =
1 − test MSE / Var(y_test) needs no truth at all.

Every function takes plain arrays (or a :class:`~normbench.data.contract.Dataset`) and returns
Python floats/ints, so a row of the metrics table is a plain ``dict``. Metrics that need an
optional array of the data contract (``coef``, ``f_test``, ``groups``) are ``nan`` when it is
absent: a real data set has no true coefficients, and a missing value must not read as zero.
"""

import math

import numpy as np

from normbench.data.population import population_of
from normbench.vocab.metrics import LATER_METRIC_NAMES, METRIC_NAMES

__all__ = [
    "METRIC_NAMES",
    "estimation_error",
    "evaluate",
    "group_metrics",
    "LATER_METRIC_NAMES",
    "population_metrics",
    "prediction_metrics",
    "risk",
    "support_metrics",
]


def _as_vector(values, name):
    """Return ``values`` as a 1-d float array, refusing anything else by name."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {array.shape}")
    return array


def _matching_vectors(first, second, first_name, second_name):
    """Return two 1-d float arrays of equal, non-zero length."""
    first = _as_vector(first, first_name)
    second = _as_vector(second, second_name)
    if first.shape != second.shape:
        raise ValueError(
            f"{first_name} and {second_name} must have the same shape, "
            f"got {first.shape} and {second.shape}"
        )
    if first.size == 0:
        raise ValueError(f"{first_name} and {second_name} are empty")
    return first, second


def _ratio(numerator, denominator):
    """``numerator / denominator`` as a float, ``nan`` when the ratio is undefined (0/0)."""
    return numerator / denominator if denominator > 0 else math.nan


def prediction_metrics(y_true, y_pred):
    """Mean squared and mean absolute error of predictions.

    Parameters
    ----------
    y_true : array-like of shape (m,)
        Observed responses (with noise).
    y_pred : array-like of shape (m,)
        Predicted responses.

    Returns
    -------
    metrics : dict
        ``{"test_mse": mean((y_pred - y_true)^2), "test_mae": mean(|y_pred - y_true|)}``.

    Raises
    ------
    ValueError
        If the inputs are not 1-d, differ in shape, or are empty.
    """
    y_true, y_pred = _matching_vectors(y_true, y_pred, "y_true", "y_pred")
    residual = y_pred - y_true
    return {
        "test_mse": float(np.mean(residual**2)),
        "test_mae": float(np.mean(np.abs(residual))),
    }


def risk(f_true, f_pred):
    """Noise-free prediction risk ``mean((f_pred - f_true)^2)``.

    Parameters
    ----------
    f_true : array-like of shape (m,) or None
        Noise-free signal E[y | x] at the test points; ``None`` when unknown.
    f_pred : array-like of shape (m,)
        Predictions at the same points.

    Returns
    -------
    risk : float
        The mean squared distance to the true signal, ``nan`` when ``f_true`` is None.

    Raises
    ------
    ValueError
        If the inputs are not 1-d, differ in shape, or are empty.
    """
    if f_true is None:
        _as_vector(f_pred, "f_pred")
        return math.nan
    f_true, f_pred = _matching_vectors(f_true, f_pred, "f_true", "f_pred")
    return float(np.mean((f_pred - f_true) ** 2))


def estimation_error(coef_true, coef_hat):
    """Euclidean distance ``||coef_hat - coef_true||_2`` between estimated and true coefficients.

    Parameters
    ----------
    coef_true : array-like of shape (p,) or None
        True coefficients; ``None`` when unknown.
    coef_hat : array-like of shape (p,)
        Estimated coefficients.

    Returns
    -------
    error : float
        The l2 estimation error, ``nan`` when ``coef_true`` is None.

    Raises
    ------
    ValueError
        If the inputs are not 1-d, differ in shape, or are empty.
    """
    if coef_true is None:
        _as_vector(coef_hat, "coef_hat")
        return math.nan
    coef_true, coef_hat = _matching_vectors(coef_true, coef_hat, "coef_true", "coef_hat")
    return float(np.linalg.norm(coef_hat - coef_true))


def support_metrics(coef_true, coef_hat):
    """Support-recovery metrics of the selected set ``{j : coef_hat[j] != 0}``.

    The support is exact non-zeroness: the solvers return exact zeros, so no threshold is
    applied (a dense estimator such as ridge selects every feature, by design).

    Parameters
    ----------
    coef_true : array-like of shape (p,) or None
        True coefficients; ``None`` when unknown.
    coef_hat : array-like of shape (p,)
        Estimated coefficients.

    Returns
    -------
    metrics : dict
        ``n_nonzero`` (int, always set): number of selected features.
        ``tpr``: share of true non-zeros selected (``nan`` if there are none).
        ``fpr``: share of true zeros selected (``nan`` if there are none).
        ``precision``: share of selected features that are truly non-zero (``nan`` if nothing
        is selected).
        ``f1``: ``2 TP / (2 TP + FP + FN)``; this equals the harmonic mean of precision and
        recall where both exist and is 0 when nothing is selected but a true support exists
        (missing the whole support is a failure, not a missing value). It is ``nan`` only when
        there is neither a true nor a selected feature.
        All but ``n_nonzero`` are ``nan`` when ``coef_true`` is None.

    Raises
    ------
    ValueError
        If the inputs are not 1-d, differ in shape, or are empty.
    """
    if coef_true is None:
        coef_hat = _as_vector(coef_hat, "coef_hat")
        return {
            "n_nonzero": int(np.count_nonzero(coef_hat)),
            "tpr": math.nan,
            "fpr": math.nan,
            "precision": math.nan,
            "f1": math.nan,
        }
    coef_true, coef_hat = _matching_vectors(coef_true, coef_hat, "coef_true", "coef_hat")
    truth = coef_true != 0
    selected = coef_hat != 0
    true_pos = int(np.count_nonzero(truth & selected))
    false_pos = int(np.count_nonzero(~truth & selected))
    false_neg = int(np.count_nonzero(truth & ~selected))
    return {
        "n_nonzero": int(np.count_nonzero(selected)),
        "tpr": _ratio(true_pos, int(np.count_nonzero(truth))),
        "fpr": _ratio(false_pos, int(np.count_nonzero(~truth))),
        "precision": _ratio(true_pos, int(np.count_nonzero(selected))),
        "f1": _ratio(2 * true_pos, 2 * true_pos + false_pos + false_neg),
    }


def group_metrics(coef_true, coef_hat, groups):
    """Does the selected support keep a correlated group of true features together?

    Correlated true features compete for the same signal: the lasso tends to select one member
    of such a group and drop the others, while the elastic net's ridge part pulls their
    coefficients together (the *grouping effect* of Zou & Hastie, 2005). For every *truly
    active group* -- a group label ``g >= 0`` with at least two true non-zero members
    ``A_g = {j : groups[j] = g, coef_true[j] != 0}`` (a single true member cannot be split) --
    the selected support ``S = {j : coef_hat[j] != 0}`` either misses ``A_g``, picks part of
    it, or keeps it whole. Null members of a group are not counted here (they are false
    positives, measured by ``fpr``); label ``-1`` means "in no group".

    Parameters
    ----------
    coef_true : array-like of shape (p,) or None
        True coefficients; ``None`` when unknown.
    coef_hat : array-like of shape (p,)
        Estimated coefficients.
    groups : array-like of int, shape (p,), or None
        Group label of each feature (``-1``: in no group); ``None`` when unknown.

    Returns
    -------
    metrics : dict
        ``group_hit``: share of the truly active groups that are *hit*, i.e. of which at
        least one true member is selected.
        ``group_frac``: mean over the hit groups of ``|A_g ∩ S| / |A_g|``, the share of a hit
        group's true members that are selected: 1 keeps every hit group whole, ``1 / |A_g|``
        picks a single member.
        ``group_whole``: share of the hit groups whose true members are all selected.
        All three are ``nan`` when ``coef_true`` or ``groups`` is None or there is no truly
        active group; ``group_frac`` and ``group_whole`` are ``nan`` when no group is hit
        (``group_hit`` is then 0).

    Raises
    ------
    ValueError
        If the inputs are not 1-d, differ in shape, are empty, or ``groups`` holds
        non-integer labels.
    """
    missing = dict.fromkeys(("group_hit", "group_frac", "group_whole"), math.nan)
    if coef_true is None or groups is None:
        _as_vector(coef_hat, "coef_hat")
        return missing
    coef_true, coef_hat = _matching_vectors(coef_true, coef_hat, "coef_true", "coef_hat")
    labels = np.asarray(groups)
    if labels.shape != coef_true.shape:
        raise ValueError(
            f"groups must have the shape of coef_true {coef_true.shape}, got {labels.shape}"
        )
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"groups must hold integer labels, got dtype {labels.dtype}")
        labels = labels.astype(np.int64)
    true_grouped = (coef_true != 0) & (labels >= 0)
    active_labels, sizes = np.unique(labels[true_grouped], return_counts=True)
    active_labels = active_labels[sizes >= 2]
    if active_labels.size == 0:
        return missing
    selected = coef_hat != 0
    fractions = np.array(
        [np.mean(selected[true_grouped & (labels == label)]) for label in active_labels]
    )
    hit = fractions > 0
    if not hit.any():
        return {**missing, "group_hit": 0.0}
    return {
        "group_hit": float(np.mean(hit)),
        "group_frac": float(np.mean(fractions[hit])),
        "group_whole": float(np.mean(fractions[hit] == 1.0)),
    }


def population_metrics(population, coef_true, coef_hat, intercept_hat, risk_value):
    """The measures that compare a fit with the population behind a dataset.

    Parameters
    ----------
    population : normbench.data.population.Population or None
        The truth behind the data; None when unknown (every measure is then ``nan``).
    coef_true : array-like of shape (p,) or None
        True coefficients.
    coef_hat : array-like of shape (p,)
        Estimated coefficients.
    intercept_hat : float
        Estimated intercept.
    risk_value : float
        The fit's risk (:func:`risk`).

    Returns
    -------
    metrics : dict
        ``model_error`` = (ŵ − w)ᵀ Σ (ŵ − w), ``nan`` without Σ or w;
        ``intercept_error`` = b̂ − b (signed), ``nan`` without b;
        ``pve`` = 1 − (risk + σ²) / (Var(xᵀw) + σ²) with σ² the noise's true variance,
        ``nan`` where that is infinite or unknown.
    """
    values = dict.fromkeys(("model_error", "intercept_error", "pve"), math.nan)
    if population is None:
        return values
    values["intercept_error"] = float(intercept_hat) - float(population.intercept)
    if population.covariance_form is not None and coef_true is not None:
        difference = _as_vector(coef_hat, "coef_hat") - _as_vector(coef_true, "coef_true")
        values["model_error"] = float(population.covariance_form(difference))
    noise, signal = population.noise_variance, population.signal_variance
    if math.isfinite(noise) and math.isfinite(signal) and math.isfinite(risk_value):
        values["pve"] = 1.0 - (risk_value + noise) / (signal + noise)
    return values


def _empirical_pve(y_test, test_mse):
    """1 − test MSE / Var(y_test), ``nan`` when the test responses do not vary."""
    variance = float(np.var(np.asarray(y_test, dtype=float)))
    return 1.0 - test_mse / variance if variance > 0 else math.nan


def evaluate(dataset, coef_hat, intercept_hat):
    """All metrics of a linear model ``x -> x @ coef_hat + intercept_hat`` on the test split.

    Parameters
    ----------
    dataset : Dataset
        Any object with attributes ``X_test``, ``y_test``, ``f_test`` (or None) and ``coef``
        (or None), such as :class:`normbench.data.contract.Dataset`; an optional ``groups``
        attribute (or None) enables the group metrics.
    coef_hat : array-like of shape (p,)
        Estimated coefficients on the original feature scale.
    intercept_hat : float
        Estimated intercept.

    Returns
    -------
    metrics : dict
        Keys :data:`METRIC_NAMES` in that order: ``test_mse``, ``test_mae``, ``risk``,
        ``estimation_error``, ``n_nonzero``, ``tpr``, ``fpr``, ``precision``, ``f1``,
        ``group_hit``, ``group_frac``, ``group_whole`` (see :func:`group_metrics`),
        ``model_error``, ``intercept_error``, ``pve`` (see :func:`population_metrics`; the
        population is read from ``dataset.metadata`` and the optional ``dataset.sigma``,
        missing without them) and
        ``pve_empirical``.

    Raises
    ------
    ValueError
        If ``coef_hat`` does not have shape ``(p,)`` with ``p = X_test.shape[1]``, or
        ``intercept_hat`` is not a scalar.
    """
    X_test = np.asarray(dataset.X_test, dtype=float)
    coef_hat = _as_vector(coef_hat, "coef_hat")
    if X_test.ndim != 2 or coef_hat.shape != (X_test.shape[1],):
        raise ValueError(
            f"coef_hat must have shape ({X_test.shape[-1]},) to match X_test of shape "
            f"{X_test.shape}, got {coef_hat.shape}"
        )
    if np.ndim(intercept_hat) != 0:
        raise ValueError(f"intercept_hat must be a scalar, got shape {np.shape(intercept_hat)}")
    y_pred = X_test @ coef_hat + float(intercept_hat)

    metrics = prediction_metrics(dataset.y_test, y_pred)
    metrics["risk"] = risk(dataset.f_test, y_pred)
    metrics["estimation_error"] = estimation_error(dataset.coef, coef_hat)
    metrics.update(support_metrics(dataset.coef, coef_hat))
    metrics.update(group_metrics(dataset.coef, coef_hat, getattr(dataset, "groups", None)))
    population = population_of(
        getattr(dataset, "metadata", None) or {},
        sigma=getattr(dataset, "sigma", None),
        X_test=X_test,
    )
    metrics.update(
        population_metrics(population, dataset.coef, coef_hat, intercept_hat, metrics["risk"])
    )
    metrics["pve_empirical"] = _empirical_pve(dataset.y_test, metrics["test_mse"])
    return {name: metrics[name] for name in METRIC_NAMES}
