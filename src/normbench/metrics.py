"""Out-of-sample, risk and support-recovery metrics for one fitted model.

Every function takes plain arrays (or a :class:`~normbench.datasets.Dataset`) and returns
Python floats/ints, so a row of the metrics table is a plain ``dict``. Metrics that need an
optional array of the data contract (``coef``, ``f_test``) are ``nan`` when it is absent:
a real data set has no true coefficients, and a missing value must not read as zero.
"""

import math

import numpy as np

__all__ = [
    "METRIC_NAMES",
    "estimation_error",
    "evaluate",
    "prediction_metrics",
    "risk",
    "support_metrics",
]

#: Keys of the dict returned by :func:`evaluate`, in the order of the metrics CSV.
METRIC_NAMES = (
    "test_mse",
    "test_mae",
    "risk",
    "estimation_error",
    "n_nonzero",
    "tpr",
    "fpr",
    "precision",
    "f1",
)


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


def evaluate(dataset, coef_hat, intercept_hat):
    """All metrics of a linear model ``x -> x @ coef_hat + intercept_hat`` on the test split.

    Parameters
    ----------
    dataset : Dataset
        Any object with attributes ``X_test``, ``y_test``, ``f_test`` (or None) and ``coef``
        (or None), such as :class:`normbench.datasets.Dataset`.
    coef_hat : array-like of shape (p,)
        Estimated coefficients on the original feature scale.
    intercept_hat : float
        Estimated intercept.

    Returns
    -------
    metrics : dict
        Keys :data:`METRIC_NAMES` in that order: ``test_mse``, ``test_mae``, ``risk``,
        ``estimation_error``, ``n_nonzero``, ``tpr``, ``fpr``, ``precision``, ``f1``.

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
    return {name: metrics[name] for name in METRIC_NAMES}
