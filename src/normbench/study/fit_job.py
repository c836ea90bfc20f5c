"""Fit every loss x penalty pair on a batch of dataset replicates: the body of one Snakemake job.

One job fits ``replicates_per_job`` replicates of one dataset, so that Python's start-up (about
2.5 s with scikit-learn) is a small share of its work.  Within a replicate all pairs share the
same folds, so their cross-validation errors and test
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from normbench.data.contract import DatasetError, read_dataset
from normbench.data.simulate import dataset_seed
from normbench.models.cv import grid_edge
from normbench.models.estimators import PenalizedRegressorCV
from normbench.models.warm import compile_clock, warm_pair
from normbench.study.config import RESCALED_ELASTICNET, study_penalties
from normbench.study.metrics import evaluate
from normbench.study.oracle import ORACLE_COLUMNS, oracle_file_rows, oracle_rows
from normbench.study.store import METRICS_COLUMNS, TIMINGS_COLUMNS, write_table
from normbench.study.store_fits import failed_record, fit_record, write_fits
from normbench.vocab import pair_key

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
        ridge_eps=cv.get("ridge_eps"),
        l1_ratios=tuple(cv["l1_ratios"]),
        huber_multiplier=cv["huber_multiplier"],
        delta_factors=tuple(cv["delta_factors"]),
        delta_search=cv.get("delta_search", "grid"),
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


def _warm_up_estimator(settings: Mapping, seed):
    """``make_estimator(loss, penalty)`` for :func:`~normbench.models.warm.warm_pair`.

    The study's estimator with 2 folds and 3 values of lam: the kernels' signatures do not
    depend on the length of the path, and a warm-up on the tiny problems takes milliseconds.
    (Every ``l1_ratio`` is kept: at 1.0 the elastic net takes the lasso's road.)
    """
    small = {**settings, "method": "kfold", "folds": 2, "n_lams": 3}
    return lambda loss, penalty: make_cv_estimator(loss, penalty, small, seed)


@dataclass
class ReplicateFits:
    """What the fit job learnt on one dataset replicate, before it is written."""

    rows: list[dict]
    timings: list[dict]
    records: list
    n_features: int
    #: the dataset as read, for the oracles (None where the contract refused the file)
    data: object = None


def fit_replicate(
    dataset_path,
    *,
    dataset: str,
    replicate: int,
    models: Mapping,
    cv: Mapping,
    base_seed: int,
    progress=sys.stdout,
) -> ReplicateFits:
    """Fit all pairs of ``models`` on one dataset file; never raises for a failing fit.

    A file the dataset contract refuses gives one ``failed`` row per pair with the reason (one
    refused file must not sink the study). Parameters as :func:`fit_dataset`.
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
        if progress is not None:
            print(f"{dataset} rep{replicate}: dataset refused: {error}", file=progress, flush=True)
        return _refused_dataset(error, dataset, replicate, models)
    settings = {**cv, "standardize": models.get("standardize", True)}
    seed = cv_seed(base_seed, dataset, replicate)
    pairs = [(loss, penalty) for loss in models["losses"] for penalty in study_penalties(models)]
    fitted = ReplicateFits([], [], [], n_features=data.X_train.shape[1], data=data)
    huber_delta = None
    # one BLAS thread: results must not depend on the machine's thread pools
    with threadpool_limits(limits=1), compile_clock() as clock:
        for index, (loss, penalty) in enumerate(pairs, start=1):
            # the pair's kernels compiled (empty numba cache) or loaded before its timer starts
            compiled = warm_pair(loss, penalty, _warm_up_estimator(settings, seed))
            start, compiled_before = time.perf_counter(), clock.seconds
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
                data,
                loss=loss,
                penalty=penalty,
                cv=settings,
                seed=seed,
                delta=delta,
                fits=fitted.records,
            )
            # a signature the warm-up missed compiles inside the fit: kept out of its time too
            compiled += clock.seconds - compiled_before
            seconds = time.perf_counter() - start - (clock.seconds - compiled_before)
            identity = {"dataset": dataset, "replicate": replicate}
            fitted.rows.append({**identity, **row})
            fitted.timings.append(
                {
                    **identity,
                    "loss": loss,
                    "penalty": penalty,
                    "fit_seconds": seconds,
                    "compile_seconds": compiled,
                }
            )
            if progress is not None:
                print(
                    f"[{index}/{len(pairs)}] {dataset} rep{replicate} {pair_key(loss, penalty)}: "
                    f"{row['status']} in {seconds:.1f} s"
                    + (f" (and {compiled:.1f} s compiling its kernels)" if compiled else ""),
                    file=progress,
                    flush=True,
                )
    return fitted


def fit_batch(
    dataset_paths: Sequence,
    *,
    dataset: str,
    replicates: Sequence[int],
    models: Mapping,
    cv: Mapping,
    base_seed: int,
    metrics_out,
    timings_out,
    fits_out=None,
    oracle_out=None,
    progress=sys.stdout,
) -> None:
    """Fit all pairs on a batch of replicates of one dataset: the body of one fit job.

    One job fits several replicates so that starting Python (about 2.5 s with scikit-learn and
    the compiled solvers) is a small share of its time (config ``replicates_per_job``). Every
    replicate is fitted exactly as alone: its folds come from its own seed, so the numbers do
    not depend on the batching.

    Parameters
    ----------
    dataset_paths : sequence of path
        Dataset files in the standard format (:mod:`normbench.data.contract`), one per replicate.
    dataset : str
    replicates : sequence of int
        The replicate of each file (same order).
    models : mapping with ``losses`` and ``penalties`` lists (and optional ``standardize`` and
        ``elasticnet_rescale``).
    cv : mapping, the config's ``cv`` section with defaults filled.
    base_seed : int
    metrics_out, timings_out : paths of the two CSV files written, rows of every replicate.
    fits_out : path, optional
        Where to write the fits store of the batch (:mod:`normbench.study.store_fits`).
    oracle_out : path, optional
        Where to write the oracles' table of the batch (:mod:`normbench.study.oracle`).
    progress : file-like or None
        Receives one line per pair as it finishes.
    """
    if len(dataset_paths) != len(replicates):
        raise ValueError(f"{len(dataset_paths)} dataset files for {len(replicates)} replicates")
    batch = {}
    oracles = []
    for path, replicate in zip(dataset_paths, replicates, strict=True):
        done = fit_replicate(
            path,
            dataset=dataset,
            replicate=int(replicate),
            models=models,
            cv=cv,
            base_seed=base_seed,
            progress=progress,
        )
        if oracle_out is not None:
            # the data as the fits read it; a refused file is read again under the oracles'
            # own rules (they need no folds), which name the reason in their rows
            oracles += (
                oracle_rows(done.data, dataset=dataset, replicate=int(replicate))
                if done.data is not None
                else oracle_file_rows(path, dataset=dataset, replicate=int(replicate))
            )
        done.data = None  # a batch keeps its rows, not its replicates' data
        batch[int(replicate)] = done
    fitted = batch.values()
    rows = [row for each in fitted for row in each.rows]
    timings = [row for each in fitted for row in each.timings]
    write_table(pd.DataFrame(rows, columns=list(METRICS_COLUMNS)), metrics_out)
    write_table(pd.DataFrame(timings, columns=list(TIMINGS_COLUMNS)), timings_out)
    if fits_out is not None:
        write_fits(
            {replicate: each.records for replicate, each in batch.items()},
            fits_out,
            n_features={replicate: each.n_features for replicate, each in batch.items()},
        )
    if oracle_out is not None:
        write_table(pd.DataFrame(oracles, columns=list(ORACLE_COLUMNS)), oracle_out)


def fit_dataset(dataset_path, *, replicate: int, **options) -> None:
    """Fit all pairs of ``models`` on one dataset file and write its metrics and timings.

    A batch of one replicate (:func:`fit_batch`, whose keywords it takes besides these).

    Parameters
    ----------
    dataset_path : path
        A dataset file in the standard format (:mod:`normbench.data.contract`).
    replicate : int
        Identity of the file, used for the rows and the fold seed.
    """
    fit_batch([dataset_path], replicates=[replicate], **options)


def _refused_dataset(error, dataset, replicate, models) -> ReplicateFits:
    """One ``failed`` row per model (and a zero timing) for a dataset the contract refused."""
    identity = [
        {"dataset": dataset, "replicate": replicate, "loss": loss, "penalty": penalty}
        for loss in models["losses"]
        for penalty in study_penalties(models)
    ]
    message = f"dataset refused: {error}"
    return ReplicateFits(
        rows=[{**each, "status": "failed", "message": message} for each in identity],
        timings=[{**each, "fit_seconds": 0.0, "compile_seconds": 0.0} for each in identity],
        records=[failed_record(each["loss"], each["penalty"], message) for each in identity],
        n_features=0,
    )
