"""The explain job: what the report draws to explain how penalties and losses act.

The report only reads files; whatever it shows that needs the data or a fit is made here, by
rule ``explain`` of the workflow, one job per dataset drawn in detail, into
``results/explain/{dataset}.npz``:

- ``residuals/<loss+penalty>``: the training residuals of replicate :data:`EXPLAIN_REPLICATE`
  of every pair whose fit is ``ok``, from the fits store (no refit);
- ``noise_median``: the median of the noise of a skewed-noise dataset (``nan`` otherwise);
- for one dataset of the study (:func:`path_dataset`), the squared-loss coefficient paths of
  :data:`PATH_PENALTIES` along the cross-validation grid and the support-recovery ROC curves
  they trace: ``true_coef``, ``path/<penalty>/lams``, ``path/<penalty>/coefs``,
  ``roc/<penalty>/fpr``, ``roc/<penalty>/tpr``, ``roc/<penalty>/auc``; or ``path_error`` when
  they cannot be drawn.

:func:`normbench.study.explain_files.read_explain` gives them back as an
:class:`~normbench.study.explain_files.Explanation`; that module, which the report reads, holds
no model code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from normbench.data.contract import read_dataset
from normbench.models.paths import coefficient_paths, support_roc
from normbench.study.explain_files import (
    EXPLAIN_REPLICATE,
    MAX_DETAIL_DATASETS,
    PATH_L1_RATIO,
    PATH_PENALTIES,
    Explanation,
    detail_datasets,
    path_dataset,
    read_explain,
)
from normbench.study.store_fits import ok_records, read_fits, write_npz

__all__ = [
    "EXPLAIN_REPLICATE",
    "MAX_DETAIL_DATASETS",
    "PATH_L1_RATIO",
    "PATH_PENALTIES",
    "Explanation",
    "detail_datasets",
    "explain_dataset",
    "path_dataset",
    "read_explain",
]

#: At most this many lam values on a path, and no paths above n_train * p cells (a few seconds).
PATH_MAX_N_LAMS = 30
PATH_MAX_CELLS = 2_000_000


def skewed_noise_median(noise: Mapping, noise_scale: float) -> float:
    """Median of the simulator's centred log-normal noise: σ·expm1(−s²/2) / sqrt(expm1(s²)).

    The noise is σ·(exp(s·Z) − exp(s²/2)) / sqrt(exp(s²)·expm1(s²)) with ``s = noise.skew``
    (mean 0, standard deviation σ); its median is the value at Z = 0.
    """
    skew = float(noise.get("skew", 1.0))
    return noise_scale * math.expm1(-(skew**2) / 2.0) / math.sqrt(math.expm1(skew**2))


def _noise_median(entry: Mapping, sidecars: Sequence) -> float:
    """The skewed noise's median at the median noise scale of the replicates, else ``nan``."""
    noise = (entry or {}).get("noise") or {}
    if noise.get("family") != "skewed":
        return math.nan
    scales = []
    for path in sidecars:
        try:
            scales.append(float(json.loads(Path(path).read_text(encoding="utf-8"))["noise_scale"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    if not scales:
        return math.nan
    return skewed_noise_median(noise, float(np.median(scales)))


def _paths(data, cv: Mapping) -> dict[str, np.ndarray]:
    """Squared-loss paths of :data:`PATH_PENALTIES` and their ROC curves, as store entries."""
    X, y = data.X_train, data.y_train
    if data.coef is None:
        return {"path_error": np.array("the dataset has no true coefficients")}
    if X.size > PATH_MAX_CELLS:
        return {
            "path_error": np.array(
                f"n_train × p = {X.size} is above {PATH_MAX_CELLS}: the paths are not drawn"
            )
        }
    n_lams = min(int(cv["n_lams"]), PATH_MAX_N_LAMS)
    arrays = {"true_coef": np.asarray(data.coef, dtype=float)}
    try:
        for penalty in PATH_PENALTIES:
            lams, coefs = coefficient_paths(
                X,
                y,
                loss="l2",
                penalty=penalty,
                l1_ratio=PATH_L1_RATIO,
                n_lams=n_lams,
                eps=float(cv["eps"]),
                ridge_eps=cv.get("ridge_eps"),
            )
            fpr, tpr, auc = support_roc(coefs, data.coef)
            arrays |= {
                f"path/{penalty}/lams": lams,
                f"path/{penalty}/coefs": coefs,
                f"roc/{penalty}/fpr": fpr,
                f"roc/{penalty}/tpr": tpr,
                f"roc/{penalty}/auc": np.array(auc),
            }
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
        return {"path_error": np.array(str(error))}
    return arrays


def explain_dataset(
    dataset_path,
    fits_path,
    sidecars: Sequence,
    *,
    entry: Mapping,
    cv: Mapping,
    paths: bool,
    out,
) -> None:
    """Write the explain file of one dataset (see the module docstring).

    Parameters
    ----------
    dataset_path : path
        Replicate :data:`EXPLAIN_REPLICATE` of the dataset (:mod:`normbench.data.contract`).
    fits_path : path
        The fits store holding that replicate (:mod:`normbench.study.store_fits`).
    sidecars : sequence of path
        The JSON sidecars of every replicate of the dataset (their noise scales).
    entry : mapping
        The dataset's validated config entry.
    cv : mapping
        The config's ``cv`` section, defaults filled (``n_lams``, ``eps``).
    paths : bool
        Whether to compute the coefficient paths (for :func:`path_dataset` only: they cost).
    out : path
    """
    data = read_dataset(dataset_path)
    arrays = {"noise_median": np.array(_noise_median(entry, sidecars))}
    for pair, record in ok_records(read_fits(fits_path, EXPLAIN_REPLICATE)).items():
        arrays[f"residuals/{pair}"] = data.y_train - record.predict(data.X_train)
    if paths:
        arrays |= _paths(data, cv)
    write_npz(arrays, out)
