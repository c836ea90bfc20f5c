"""The oracle references: each loss fitted, unpenalised, on the true support.

An estimator that knew which features matter would fit its loss on them alone: least squares
for the squared loss (``l2``), least absolute deviations for the absolute loss (``l1``) and the
Huber loss (``huber``, its threshold 1.345 times the normalised MAD of the least-squares
oracle's residuals). Each is the reference of the models of its own loss: a robust loss can beat
the least-squares oracle under outliers without beating what its own loss could do knowing the
support. An oracle is a floor of what knowing the support buys, not of what is achievable: it
still estimates its coefficients from the same n noisy points (``risk ≈ σ² (s + 1) / n`` for
least squares with gaussian noise) and a fit that shrinks can beat it. It is not a model of the
study, so it is not a row of the metrics table (docs/design.md §3): the fit job of each dataset
replicate writes ``results/oracle/<dataset>/rep<k>.csv``, one row per loss, and the aggregation
concatenates them into ``results/oracle.csv``, which the report reads.

It applies where the dataset has true coefficients (``coef``) and the training set has more
points than the true support has features (``n_train > s``, so that the intercept and the
``s`` coefficients are determined); elsewhere its row has status ``not_applicable`` and a
message saying why, and empty metrics. Without a noise-free signal (``f_test``) the risk is
missing, as for the models.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.data.contract import DatasetError, read_dataset
from normbench.models.cv import robust_scale
from normbench.models.estimators import HUBER_EFFICIENCY_CONSTANT, PenalizedRegressor
from normbench.study.metrics import evaluate
from normbench.study.store import ORACLE_COLUMNS, ORACLE_LOSSES, ORACLE_METRICS, write_table

__all__ = [
    "ORACLE_COLUMNS",
    "ORACLE_LOSSES",
    "ORACLE_METRICS",
    "fit_oracle",
    "oracle_fit",
    "oracle_least_squares",
    "oracle_row",
    "oracle_rows",
]


def oracle_least_squares(X_train, y_train, coef_true):
    """Least squares with intercept on the features where ``coef_true`` is non-zero.

    Parameters
    ----------
    X_train : array-like of shape (n, p)
    y_train : array-like of shape (n,)
    coef_true : array-like of shape (p,)
        The true coefficients; only their support ``{j : coef_true[j] != 0}`` is used.

    Returns
    -------
    coef : ndarray of shape (p,)
        The least-squares coefficients on the support, exact zeros elsewhere.
    intercept : float

    Raises
    ------
    ValueError
        If the shapes disagree, if ``n <= s`` (the support has ``s`` features, so ``s + 1``
        parameters need more than ``s`` points), or if the centred support columns are
        rank-deficient (the least-squares solution is then not unique).
    """
    X_train = np.asarray(X_train, dtype=float)
    y_train = np.asarray(y_train, dtype=float)
    coef_true = np.asarray(coef_true, dtype=float)
    if X_train.ndim != 2 or y_train.shape != (X_train.shape[0],):
        raise ValueError(
            f"X_train of shape {X_train.shape} and y_train of shape {y_train.shape} do not match"
        )
    if coef_true.shape != (X_train.shape[1],):
        raise ValueError(f"coef_true must have shape ({X_train.shape[1]},), got {coef_true.shape}")
    support = np.flatnonzero(coef_true)
    n, s = X_train.shape[0], support.size
    if n <= s:
        raise ValueError(
            f"n_train = {n} is not larger than the true support ({s} features): least squares "
            "with an intercept is not determined"
        )
    x_mean = X_train[:, support].mean(axis=0)
    y_mean = float(y_train.mean())
    coef = np.zeros(X_train.shape[1])
    if s:
        # centring removes the intercept from the problem: b = mean(y) - mean(x_S) . w_S
        centred = X_train[:, support] - x_mean
        solution, _, rank, _ = np.linalg.lstsq(centred, y_train - y_mean, rcond=None)
        if rank < s:
            raise ValueError(
                f"the centred true-support columns have rank {rank} < {s}: the least-squares "
                "fit is not unique"
            )
        coef[support] = solution
    intercept = y_mean - float(x_mean @ coef[support]) if s else y_mean
    return coef, intercept


def oracle_fit(X_train, y_train, coef_true, *, loss):
    """The oracle of one loss: that loss, unpenalised, on the true support (module docstring).

    Parameters
    ----------
    X_train, y_train, coef_true
        As in :func:`oracle_least_squares`.
    loss : {"l2", "l1", "huber"}

    Returns
    -------
    coef : ndarray of shape (p,)
    intercept : float
    message : str
        '' or why the solver's certificate was not met.

    Raises
    ------
    ValueError
        As :func:`oracle_least_squares` (the least-squares fit is the first step of every loss).
    """
    coef, intercept = oracle_least_squares(X_train, y_train, coef_true)
    if loss == "l2":
        return coef, intercept, ""
    X_train = np.asarray(X_train, dtype=float)
    y_train = np.asarray(y_train, dtype=float)
    support = np.flatnonzero(coef_true)
    if support.size == 0:
        raise ValueError(f"the true support is empty: no {loss} oracle beyond a location")
    delta = None
    if loss == "huber":
        scale = robust_scale(y_train - X_train[:, support] @ coef[support] - intercept)
        delta = HUBER_EFFICIENCY_CONSTANT * (scale if scale > 0 else 1.0)
    model = PenalizedRegressor(loss=loss, penalty="none", delta=delta, standardize=False)
    model.fit(X_train[:, support], y_train)
    robust = np.zeros_like(coef)
    robust[support] = model.coef_
    return robust, float(model.intercept_), "" if model.converged_ else model.solver_message_


def oracle_rows(data, *, dataset, replicate, losses=ORACLE_LOSSES):
    """The rows of the oracle table for one dataset replicate, one per loss.

    Parameters
    ----------
    data : Dataset
        As returned by :func:`normbench.data.contract.read_dataset`.
    dataset : str
    replicate : int
    losses : sequence of str

    Returns
    -------
    rows : list of dict
        Keys :data:`ORACLE_COLUMNS`. ``status`` is ``ok``, ``not_converged`` (the solver's
        message in ``message``, metrics kept) or ``not_applicable`` (no ``coef``,
        ``n_train <= s`` or a rank-deficient support), with the reason in ``message`` and
        missing metrics.
    """
    return [oracle_row(data, dataset=dataset, replicate=replicate, loss=loss) for loss in losses]


def oracle_row(data, *, dataset, replicate, loss="l2"):
    """One row of the oracle table: the oracle of ``loss`` on one dataset replicate."""
    n_train, p = data.X_train.shape
    row = dict.fromkeys(ORACLE_COLUMNS, math.nan)
    row.update(
        dataset=dataset, replicate=int(replicate), loss=loss, n_train=n_train, p=p, message=""
    )
    if data.coef is None:
        return {**row, "status": "not_applicable", "message": "no true coefficients (coef)"}
    row["n_support"] = int(np.count_nonzero(data.coef))
    try:
        coef, intercept, message = oracle_fit(data.X_train, data.y_train, data.coef, loss=loss)
    except ValueError as error:
        return {**row, "status": "not_applicable", "message": str(error)}
    metrics = evaluate(data, coef, intercept)
    row.update({name: metrics[name] for name in ORACLE_METRICS})
    status = "not_converged" if message else "ok"
    return {**row, "status": status, "message": message, "intercept": intercept}


def oracle_file_rows(dataset_path, *, dataset, replicate) -> list[dict]:
    """The oracle rows of one dataset file, one per loss (:func:`oracle_rows`).

    A file the dataset contract refuses gives ``not_applicable`` rows with the reason: the fit
    job records the refused dataset as failed rows, the oracles have nothing to fit.
    """
    try:
        data = read_dataset(dataset_path)
    except DatasetError as error:
        return [
            {
                **dict.fromkeys(ORACLE_COLUMNS, math.nan),
                "dataset": dataset,
                "replicate": int(replicate),
                "loss": loss,
                "status": "not_applicable",
                "message": f"{error}",
            }
            for loss in ORACLE_LOSSES
        ]
    return oracle_rows(data, dataset=dataset, replicate=replicate)


def fit_oracle(dataset_path, *, dataset, replicate, out):
    """Fit the oracles on one dataset file and write their table (one row per loss) to ``out``.

    Parameters
    ----------
    dataset_path : path
        A dataset file in the standard format (:mod:`normbench.data.contract`).
    dataset : str
    replicate : int
    out : path
        CSV file written with :func:`normbench.study.store.write_table`.
    """
    rows = oracle_file_rows(dataset_path, dataset=dataset, replicate=replicate)
    write_table(pd.DataFrame(rows, columns=list(ORACLE_COLUMNS)), out)
