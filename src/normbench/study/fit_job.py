"""Fit every loss x penalty pair on one dataset replicate: the body of one Snakemake job.

One job per (dataset, replicate) keeps Python's start-up (about 2.5 s with scikit-learn) a small
share of the work.  All pairs share the same folds, so their cross-validation errors and test
metrics are paired across the twelve models.  A pair that raises is recorded as a ``failed`` row
with its error and the other pairs go on; a pair whose final fit misses its optimality
certificate is recorded as ``not_converged`` with the solver's message, its metrics kept.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from normbench.data.contract import DatasetError, read_dataset
from normbench.data.simulate import dataset_seed
from normbench.models.estimators import PenalizedRegressorCV
from normbench.study.metrics import evaluate
from normbench.study.store import METRICS_COLUMNS, TIMINGS_COLUMNS, write_table

#: spawn key of the fold-split stream, apart from the simulator's streams of the same seed
CV_STREAM = 1000


def cv_seed(base_seed: int, dataset: str, replicate: int) -> np.random.SeedSequence:
    """Seed of the fold split of one dataset replicate (shared by all pairs)."""
    root = dataset_seed(base_seed, dataset, replicate)
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, CV_STREAM))


def make_cv_estimator(
    loss: str, penalty: str, cv: Mapping, seed, delta=None
) -> PenalizedRegressorCV:
    """The CV estimator of one pair from the config's ``cv`` section."""
    return PenalizedRegressorCV(
        delta=delta,
        loss=loss,
        penalty=penalty,
        cv=cv["folds"],
        n_lams=cv["n_lams"],
        eps=cv["eps"],
        l1_ratios=tuple(cv["l1_ratios"]),
        huber_multiplier=cv["huber_multiplier"],
        rule=cv["rule"],
        criterion=cv["criterion"],
        random_state=seed,
        standardize=cv.get("standardize", True),
    )


def fit_pair(data, *, loss, penalty, cv, seed, delta=None) -> dict:
    """Fit one pair with CV and evaluate it; never raises for a failing fit."""
    row = {
        "loss": loss,
        "penalty": penalty,
        "n_train": data.X_train.shape[0],
        "p": data.X_train.shape[1],
    }
    try:
        est = make_cv_estimator(loss, penalty, cv, seed, delta).fit(data.X_train, data.y_train)
    except Exception as error:  # noqa: BLE001 - a failure is a result to record, not to hide
        return {**row, "status": "failed", "message": f"{type(error).__name__}: {error}"}
    notes = []
    if not est.converged_:
        notes.append(f"final fit: {est.solver_message_}")
    if est.n_cv_not_converged_:
        notes.append(f"{est.n_cv_not_converged_} CV fits did not converge")
    return {
        **row,
        "status": "ok" if est.converged_ else "not_converged",
        "message": "; ".join(notes),
        "lam": est.lam_,
        "l1_ratio": est.l1_ratio_,
        "delta": est.delta_,
        "cv_score": est.best_score_,
        "intercept": est.intercept_,
        **evaluate(data, est.coef_, est.intercept_),
    }


def fit_dataset(
    dataset_path,
    *,
    dataset: str,
    replicate: int,
    models: Mapping,
    cv: Mapping,
    base_seed: int,
    metrics_out,
    timings_out,
    progress=sys.stdout,
) -> None:
    """Fit all pairs of ``models`` on one dataset file and write its metrics and timings.

    Parameters
    ----------
    dataset_path : path
        A dataset file in the standard format (:mod:`normbench.data.contract`).
    dataset, replicate : identity of the file, used for the rows and the fold seed.
    models : mapping with ``losses`` and ``penalties`` lists (and optional ``standardize``).
    cv : mapping, the config's ``cv`` section with defaults filled.
    base_seed : int
    metrics_out, timings_out : paths of the two CSV files written.
    progress : file-like or None
        Receives one line per pair as it finishes.
    """
    try:
        data = read_dataset(dataset_path, min_train=cv["folds"])
    except DatasetError as error:
        # One refused dataset must not sink the study (snakemake --keep-going): its models
        # become `failed` rows with the reason, which the aggregation and report carry on.
        _write_refused_dataset(error, dataset, replicate, models, metrics_out, timings_out)
        if progress is not None:
            print(f"{dataset} rep{replicate}: dataset refused: {error}", file=progress, flush=True)
        return
    settings = {**cv, "standardize": models.get("standardize", True)}
    seed = cv_seed(base_seed, dataset, replicate)
    pairs = [(loss, penalty) for loss in models["losses"] for penalty in models["penalties"]]
    rows, timings = [], []
    huber_delta = None
    # one BLAS thread: results must not depend on the machine's thread pools
    with threadpool_limits(limits=1):
        for index, (loss, penalty) in enumerate(pairs, start=1):
            start = time.perf_counter()
            if loss == "huber" and huber_delta is None:
                # every Huber pair would run the same pilot on the same folds: run it once
                try:
                    huber_delta = make_cv_estimator(loss, penalty, settings, seed).select_delta(
                        data.X_train, data.y_train
                    )
                except Exception:  # noqa: BLE001 - each Huber pair then reports the error itself
                    huber_delta = None
            delta = huber_delta if loss == "huber" else None
            row = fit_pair(data, loss=loss, penalty=penalty, cv=settings, seed=seed, delta=delta)
            seconds = time.perf_counter() - start
            rows.append({"dataset": dataset, "replicate": replicate, **row})
            timings.append(
                {
                    "dataset": dataset,
                    "replicate": replicate,
                    "loss": loss,
                    "penalty": penalty,
                    "fit_seconds": seconds,
                }
            )
            if progress is not None:
                print(
                    f"[{index}/{len(pairs)}] {dataset} rep{replicate} {loss}+{penalty}: "
                    f"{row['status']} in {seconds:.1f} s",
                    file=progress,
                    flush=True,
                )
    write_table(pd.DataFrame(rows, columns=list(METRICS_COLUMNS)), metrics_out)
    write_table(pd.DataFrame(timings, columns=list(TIMINGS_COLUMNS)), timings_out)


def _write_refused_dataset(error, dataset, replicate, models, metrics_out, timings_out) -> None:
    """One ``failed`` row per model (and a zero timing) for a dataset the contract refused."""
    identity = [
        {"dataset": dataset, "replicate": replicate, "loss": loss, "penalty": penalty}
        for loss in models["losses"]
        for penalty in models["penalties"]
    ]
    message = f"dataset refused: {error}"
    rows = [{**each, "status": "failed", "message": message} for each in identity]
    write_table(pd.DataFrame(rows, columns=list(METRICS_COLUMNS)), metrics_out)
    timings = [{**each, "fit_seconds": 0.0} for each in identity]
    write_table(pd.DataFrame(timings, columns=list(TIMINGS_COLUMNS)), timings_out)
