"""Fit every loss x penalty pair on one dataset replicate: the body of one Snakemake job.

One job per (dataset, replicate) keeps Python's start-up (about 2.5 s with scikit-learn) a small
share of the work.  All pairs share the same folds, so their cross-validation errors and test
metrics are paired across the twelve models.  A pair that raises is recorded as a ``failed`` row
with its error and the other pairs go on; a pair whose final fit misses its optimality
certificate is recorded as ``not_converged`` with the solver's message, its metrics kept.

With ``cv.method: validation`` every pair is tuned on the dataset file's validation set
(``X_val``, ``y_val``) and fitted on its training set; with ``models.elasticnet_rescale`` each
loss also gets Zou & Hastie's elastic net, penalty ``elasticnet_rescaled`` in the results.
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
from normbench.models.cv import grid_edge
from normbench.models.estimators import PenalizedRegressorCV
from normbench.study.config import RESCALED_ELASTICNET, study_penalties
from normbench.study.metrics import evaluate
from normbench.study.store import METRICS_COLUMNS, TIMINGS_COLUMNS, write_table
from normbench.study.store_fits import failed_record, fit_record, write_fits

#: spawn key of the fold-split stream, apart from the simulator's streams of the same seed
CV_STREAM = 1000


def cv_seed(base_seed: int, dataset: str, replicate: int) -> np.random.SeedSequence:
    """Seed of the fold split of one dataset replicate (shared by all pairs)."""
    root = dataset_seed(base_seed, dataset, replicate)
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, CV_STREAM))


def make_cv_estimator(
    loss: str, penalty: str, cv: Mapping, seed, delta=None
) -> PenalizedRegressorCV:
    """The CV estimator of one pair from the config's ``cv`` section.

    ``penalty`` is a results name: ``elasticnet_rescaled`` is the elastic net with
    ``elasticnet_rescale=True``.
    """
    rescaled = penalty == RESCALED_ELASTICNET
    return PenalizedRegressorCV(
        delta=delta,
        loss=loss,
        penalty="elasticnet" if rescaled else penalty,
        elasticnet_rescale=rescaled,
        cv="validation" if by_validation(cv) else cv["folds"],
        n_lams=cv["n_lams"],
        eps=cv["eps"],
        l1_ratios=tuple(cv["l1_ratios"]),
        huber_multiplier=cv["huber_multiplier"],
        delta_factors=tuple(cv.get("delta_factors", (1.0,))),
        rule=cv["rule"],
        criterion=cv["criterion"],
        random_state=seed,
        standardize=cv.get("standardize", True),
    )


def by_validation(cv: Mapping) -> bool:
    """Whether the config's ``cv`` section tunes on a validation set (else K-fold)."""
    return cv.get("method", "kfold") == "validation"


def validation_set(data, cv: Mapping) -> dict:
    """``fit`` keyword arguments with the dataset's validation set, under validation tuning."""
    if not by_validation(cv):
        return {}
    return {"X_val": data.X_val, "y_val": data.y_val}


def tuning_edges(est) -> dict:
    """Where each tuned value of a fitted :class:`PenalizedRegressorCV` sits on its grid.

    Returns ``lam_at_edge``, ``l1_ratio_at_edge`` and ``delta_at_edge``, each ``"low"`` (the
    grid's smallest value), ``"high"`` (its largest), ``"interior"``, or None where the value was
    not tuned (it does not apply to the pair, or its grid has a single value). A ``lam`` at
    ``"high"`` with a sparse penalty is ``lam_max``, the null model; ridge's at ``"low"`` is the
    fit nearest the interpolant. An edge hit says the grid may have cut the CV minimum off.
    """
    ratios = list(est.l1_ratios) if est.penalty == "elasticnet" else [None]
    deltas = list(est.deltas_) if est.deltas_ is not None else [None]
    row = deltas.index(est.delta_) * len(ratios) + ratios.index(est.l1_ratio_)
    if len(deltas) > 1:
        # the delta rows of the chosen l1_ratio: identical curves (the interpolant) mean that
        # delta made no difference, so nothing was tuned
        curves = est.cv_mean_[ratios.index(est.l1_ratio_) :: len(ratios)]
        if np.array_equal(curves, np.broadcast_to(curves[0], curves.shape), equal_nan=True):
            deltas = [est.delta_]
    return {
        "lam_at_edge": grid_edge(est.lam_, est.lams_[row]),
        "l1_ratio_at_edge": grid_edge(est.l1_ratio_, ratios if ratios != [None] else []),
        "delta_at_edge": grid_edge(est.delta_, deltas if deltas != [None] else []),
    }


def fit_pair(data, *, loss, penalty, cv, seed, delta=None, fits=None) -> dict:
    """Fit one pair with CV and evaluate it; never raises for a failing fit.

    ``fits``, a list, receives the pair's :class:`~normbench.study.store_fits.FitRecord`.
    """
    row = {
        "loss": loss,
        "penalty": penalty,
        "n_train": data.X_train.shape[0],
        "p": data.X_train.shape[1],
    }
    try:
        est = make_cv_estimator(loss, penalty, cv, seed, delta).fit(
            data.X_train, data.y_train, **validation_set(data, cv)
        )
    except Exception as error:  # noqa: BLE001 - a failure is a result to record, not to hide
        message = f"{type(error).__name__}: {error}"
        if fits is not None:
            fits.append(failed_record(loss, penalty, message))
        return {**row, "status": "failed", "message": message}
    notes = []
    if not est.converged_:
        notes.append(f"final fit: {est.solver_message_}")
    if est.n_cv_not_converged_:
        notes.append(f"{est.n_cv_not_converged_} CV fits did not converge")
    status, message = ("ok" if est.converged_ else "not_converged"), "; ".join(notes)
    if fits is not None:
        fits.append(fit_record(est, status=status, message=message))
    return {
        **row,
        "status": status,
        "message": message,
        "lam": est.lam_,
        "l1_ratio": est.l1_ratio_,
        "delta": est.delta_,
        "cv_score": est.best_score_,
        "intercept": est.intercept_,
        **evaluate(data, est.coef_, est.intercept_),
        **tuning_edges(est),
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
    fits_out=None,
    progress=sys.stdout,
) -> None:
    """Fit all pairs of ``models`` on one dataset file and write its metrics and timings.

    Parameters
    ----------
    dataset_path : path
        A dataset file in the standard format (:mod:`normbench.data.contract`).
    dataset, replicate : identity of the file, used for the rows and the fold seed.
    models : mapping with ``losses`` and ``penalties`` lists (and optional ``standardize`` and
        ``elasticnet_rescale``).
    cv : mapping, the config's ``cv`` section with defaults filled.
    base_seed : int
    metrics_out, timings_out : paths of the two CSV files written.
    fits_out : path, optional
        Where to write the fits store of this replicate (:mod:`normbench.study.store_fits`).
    progress : file-like or None
        Receives one line per pair as it finishes.
    """
    by_folds = not by_validation(cv)
    try:
        data = read_dataset(dataset_path, min_train=cv["folds"] if by_folds else 2)
        if not by_folds and data.X_val is None:
            raise DatasetError(
                f"{dataset_path}: cv.method is 'validation' but the file has no validation set "
                "(arrays X_val, y_val); simulated datasets draw one (n_validation), a dataset "
                "rule must write them"
            )
    except DatasetError as error:
        # One refused dataset must not sink the study (snakemake --keep-going): its models
        # become `failed` rows with the reason, which the aggregation and report carry on.
        _write_refused_dataset(error, dataset, replicate, models, metrics_out, timings_out)
        if fits_out is not None:
            refused = [
                failed_record(loss, penalty, f"dataset refused: {error}")
                for loss in models["losses"]
                for penalty in study_penalties(models)
            ]
            write_fits(refused, fits_out, n_features=0)
        if progress is not None:
            print(f"{dataset} rep{replicate}: dataset refused: {error}", file=progress, flush=True)
        return
    settings = {**cv, "standardize": models.get("standardize", True)}
    seed = cv_seed(base_seed, dataset, replicate)
    pairs = [(loss, penalty) for loss in models["losses"] for penalty in study_penalties(models)]
    rows, timings, fits = [], [], []
    huber_delta = None
    # one BLAS thread: results must not depend on the machine's thread pools
    with threadpool_limits(limits=1):
        for index, (loss, penalty) in enumerate(pairs, start=1):
            start = time.perf_counter()
            if loss == "huber" and huber_delta is None:
                # every Huber pair would run the same pilot on the same folds: run it once
                try:
                    huber_delta = make_cv_estimator(loss, penalty, settings, seed).select_delta(
                        data.X_train, data.y_train, **validation_set(data, settings)
                    )
                except Exception:  # noqa: BLE001 - each Huber pair then reports the error itself
                    huber_delta = None
            delta = huber_delta if loss == "huber" else None
            row = fit_pair(
                data, loss=loss, penalty=penalty, cv=settings, seed=seed, delta=delta, fits=fits
            )
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
    if fits_out is not None:
        write_fits(fits, fits_out, n_features=data.X_train.shape[1])


def _write_refused_dataset(error, dataset, replicate, models, metrics_out, timings_out) -> None:
    """One ``failed`` row per model (and a zero timing) for a dataset the contract refused."""
    identity = [
        {"dataset": dataset, "replicate": replicate, "loss": loss, "penalty": penalty}
        for loss in models["losses"]
        for penalty in study_penalties(models)
    ]
    message = f"dataset refused: {error}"
    rows = [{**each, "status": "failed", "message": message} for each in identity]
    write_table(pd.DataFrame(rows, columns=list(METRICS_COLUMNS)), metrics_out)
    timings = [{**each, "fit_seconds": 0.0} for each in identity]
    write_table(pd.DataFrame(timings, columns=list(TIMINGS_COLUMNS)), timings_out)
