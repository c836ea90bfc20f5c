"""Constructed results tables for the tests: one row per (dataset, replicate, pair).

Many tests need a metrics table whose values they choose (a pair twice as good, a failed
replicate, a fixed ranking). The rows' identity and status are the same everywhere; only the
values differ, so each test passes a function that gives them.
"""

import math

import pandas as pd

from normbench.vocab import LOSSES, PENALTIES

ALL_PAIRS = tuple((loss, penalty) for loss in LOSSES for penalty in PENALTIES)


def results_table(values, *, datasets, replicates, pairs=ALL_PAIRS, columns=None):
    """A table of ``ok`` rows with the values ``values(dataset, replicate, loss, penalty)`` gives.

    Parameters
    ----------
    values : callable
        ``(dataset, replicate, loss, penalty) -> dict`` of the row's other columns; called in
        row order (datasets, then replicates, then pairs), so a random generator it draws from
        gives the same table every time.
    datasets, replicates : iterable
    pairs : iterable of (loss, penalty), default every pair in the vocabulary's order
    columns : sequence of str, optional
        The table's columns, in order (e.g. ``METRICS_COLUMNS``); a column no row sets is NaN.

    Returns
    -------
    pandas.DataFrame
    """
    rows = []
    for dataset in datasets:
        for replicate in replicates:
            for loss, penalty in pairs:
                row = {
                    "dataset": dataset,
                    "replicate": replicate,
                    "loss": loss,
                    "penalty": penalty,
                    "status": "ok",
                    "message": "",
                }
                row.update(values(dataset, replicate, loss, penalty))
                rows.append(row)
    frame = pd.DataFrame(rows)
    if columns is not None:
        frame = frame.reindex(columns=list(columns), fill_value=math.nan)
    return frame


def fit_row(risk):
    """The measured columns of one ok fit of a small study (n_train 20, p 30) whose risk,
    model error and test MSE follow ``risk``; the support metrics fixed."""
    return {
        **dict.fromkeys(("lam", "test_mae", "estimation_error", "cv_score"), 1.0),
        **dict.fromkeys(("tpr", "precision", "f1"), 0.5),
        "n_train": 20,
        "p": 30,
        "fpr": 0.1,
        "n_nonzero": 4,
        "intercept": 0.0,
        "risk": risk,
        "model_error": risk,
        "test_mse": risk + 1.0,
    }
