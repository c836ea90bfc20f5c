"""The fits store: what every fit of a batch of dataset replicates chose and learnt, on disk.

The fit job writes one file per (dataset, batch of replicates),
:data:`normbench.study.layout.FITS_NPZ`, with its metrics table, so that a metric or a figure
added later is computed from the stored fits instead of refitting. ``replicates`` lists the
replicates it holds; every entry below is prefixed by its replicate, ``rep{k}/``. For every pair
of a replicate it holds:

- ``status`` and ``message`` (as in ``metrics.csv``; a failed pair has nothing else);
- the coefficients on the original scale, sparse: the indices and values of the nonzeros, in
  compressed-row form over the pairs (``coef_indptr``, ``coef_index``, ``coef_value``);
- the intercept and the chosen hyperparameters ``lam``, ``l1_ratio``, ``delta`` (``nan`` where
  they do not apply);
- the cross-validation curve: ``cv/<pair>/lams`` (one row per (``delta``, ``l1_ratio``) tried,
  one column per ``lam``), ``cv/<pair>/l1_ratios`` and ``cv/<pair>/deltas`` (of each row), and
  ``cv/<pair>/mean`` and ``cv/<pair>/se``, the mean and standard error over the folds of the
  held-out score at every grid point.

Pairs are spelled ``loss+penalty`` (:func:`normbench.vocab.pair_key`). The file is an
uncompressed zip of ``.npy`` entries with fixed headers: equal fits give equal bytes.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from normbench.study.tables import ResultsError, read_npz
from normbench.vocab import STATUS_OK, pair_key, parse_pair

__all__ = [
    "FitRecord",
    "failed_record",
    "fit_record",
    "ok_records",
    "read_fits",
    "stored_replicates",
    "write_fits",
    "write_npz",
]

#: Fixed zip header fields, so that the bytes depend on the arrays only.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_FILE_MODE = 0o100644
_ZIP_UNIX_SYSTEM = 3
_CV_FIELDS = ("lams", "l1_ratios", "deltas", "mean", "se")


@dataclass(frozen=True)
class FitRecord:
    """One pair fitted on one dataset replicate, as the fits store keeps it.

    Attributes
    ----------
    loss, penalty : str
    status, message : str
        As in ``metrics.csv``; a ``failed`` record has no coefficients.
    coef : ndarray of shape (p,) or None
        Coefficients on the original feature scale (dense; stored sparse).
    intercept, lam, l1_ratio, delta : float
        ``nan`` where they do not apply (no penalty, no elastic net, not Huber) or the fit failed.
    cv_lams : ndarray of shape (n_rows, n_lams) or None
        The ``lam`` grid of each row of the CV search, one row per (``delta``, ``l1_ratio``)
        tried (decreasing; ``nan`` for the penalty ``none``).
    cv_l1_ratios, cv_deltas : ndarray of shape (n_rows,) or None
        The ``l1_ratio`` and Huber ``delta`` of each row; ``nan`` where they do not apply.
    cv_mean, cv_se : ndarray of shape (n_rows, n_lams) or None
        Mean held-out score across the folds at every grid point, and its standard error.
    """

    loss: str
    penalty: str
    status: str
    message: str = ""
    coef: np.ndarray | None = None
    intercept: float = math.nan
    lam: float = math.nan
    l1_ratio: float = math.nan
    delta: float = math.nan
    cv_lams: np.ndarray | None = None
    cv_l1_ratios: np.ndarray | None = None
    cv_deltas: np.ndarray | None = None
    cv_mean: np.ndarray | None = None
    cv_se: np.ndarray | None = None

    @property
    def pair(self) -> str:
        """``loss+penalty``."""
        return pair_key(self.loss, self.penalty)

    def predict(self, X) -> np.ndarray:
        """``X @ coef + intercept``; raises ValueError for a record without coefficients."""
        if self.coef is None:
            raise ValueError(f"{self.pair}: the fit {self.status}, it has no coefficients")
        return np.asarray(X, dtype=float) @ self.coef + self.intercept


def _number(value) -> float:
    return math.nan if value is None else float(value)


def fit_record(estimator, *, status: str, message: str = "") -> FitRecord:
    """The record of a fitted :class:`~normbench.models.estimators.PenalizedRegressorCV`.

    Reads its public fitted attributes only (``coef_``, ``intercept_``, ``lam_``,
    ``l1_ratio_``, ``delta_``, ``lams_``, ``cv_mean_``, ``cv_se_``, ``cv_l1_ratios_``,
    ``cv_deltas_``).
    """
    return FitRecord(
        loss=estimator.loss,
        penalty=estimator.penalty,
        status=status,
        message=message,
        coef=np.asarray(estimator.coef_, dtype=float),
        intercept=float(estimator.intercept_),
        lam=_number(estimator.lam_),
        l1_ratio=_number(estimator.l1_ratio_),
        delta=_number(estimator.delta_),
        cv_lams=np.asarray(estimator.lams_, dtype=float),
        cv_l1_ratios=np.asarray(estimator.cv_l1_ratios_, dtype=float),
        cv_deltas=np.asarray(estimator.cv_deltas_, dtype=float),
        cv_mean=np.asarray(estimator.cv_mean_, dtype=float),
        cv_se=np.asarray(estimator.cv_se_, dtype=float),
    )


def failed_record(loss: str, penalty: str, message: str) -> FitRecord:
    """The record of a pair whose fit raised: its status and error only."""
    return FitRecord(loss=loss, penalty=penalty, status="failed", message=message)


def _arrays(records: list[FitRecord], n_features: int) -> dict[str, np.ndarray]:
    """The store's arrays, by entry name (see the module docstring)."""
    indptr, indices, values = [0], [], []
    for record in records:
        if record.coef is not None:
            nonzero = np.flatnonzero(record.coef)
            indices.append(nonzero)
            values.append(record.coef[nonzero])
            indptr.append(indptr[-1] + nonzero.size)
        else:
            indptr.append(indptr[-1])
    arrays = {
        "pairs": np.array([record.pair for record in records], dtype=str),
        "status": np.array([record.status for record in records], dtype=str),
        "message": np.array([record.message for record in records], dtype=str),
        "n_features": np.array(n_features, dtype=np.int64),
        "coef_indptr": np.array(indptr, dtype=np.int64),
        "coef_index": np.concatenate(indices).astype(np.int64) if indices else np.zeros(0, int),
        "coef_value": np.concatenate(values) if values else np.zeros(0),
    }
    for field in ("intercept", "lam", "l1_ratio", "delta"):
        arrays[field] = np.array([getattr(record, field) for record in records], dtype=float)
    for record in records:
        if record.cv_lams is not None:
            for field in _CV_FIELDS:
                value = getattr(record, f"cv_{field}")
                if value is not None:
                    arrays[f"cv/{record.pair}/{field}"] = value
    return arrays


def write_npz(arrays: Mapping[str, np.ndarray], path) -> None:
    """Write named arrays as an uncompressed ``.npz`` whose bytes depend on the arrays only.

    ``np.savez`` stamps every entry with the current time; here every zip header field is
    fixed, so equal arrays give equal files. The file is written under a temporary name and
    moved into place, so a crash never leaves a truncated file; parents are created.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, value in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE_TIME)
            entry.create_system = _ZIP_UNIX_SYSTEM
            entry.external_attr = _ZIP_FILE_MODE << 16
            payload = io.BytesIO()
            # (np.ascontiguousarray would turn a 0-d array into a 1-d one)
            np.lib.format.write_array(payload, np.asarray(value, order="C"), allow_pickle=False)
            archive.writestr(entry, payload.getvalue())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, path)


def write_fits(batch: Mapping[int, Sequence[FitRecord]], path, *, n_features) -> None:
    """Write the records of a batch of replicates of one dataset to ``path`` (parents created).

    Parameters
    ----------
    batch : mapping
        ``{replicate: records}``, the records one per pair in the order of the metrics table.
    path : str or path-like
    n_features : int or mapping
        ``p`` of the dataset (or ``{replicate: p}``), the length of every coefficient vector; a
        replicate whose dataset was refused has no coefficients and may give 0.
    """
    arrays = {"replicates": np.array(sorted(batch), dtype=np.int64)}
    for replicate in sorted(batch):
        records = list(batch[replicate])
        p = n_features[replicate] if isinstance(n_features, Mapping) else n_features
        for record in records:
            if record.coef is not None and record.coef.shape != (p,):
                raise ValueError(
                    f"replicate {replicate}, {record.pair}: coef has shape {record.coef.shape}, "
                    f"expected ({p},)"
                )
        for name, value in _arrays(records, p).items():
            arrays[f"rep{replicate}/{name}"] = value
    write_npz(arrays, path)


def stored_replicates(path) -> list[int]:
    """The replicates a fits store holds, in increasing order."""
    stored = read_npz(path, "a fits store")
    if "replicates" not in stored:
        raise ResultsError(f"{path}: fits store lacks ['replicates']")
    return [int(each) for each in stored["replicates"]]


def _record(stored: Mapping[str, np.ndarray], index: int) -> FitRecord:
    key = str(stored["pairs"][index])
    loss, penalty = parse_pair(key)
    status = str(stored["status"][index])
    start, stop = stored["coef_indptr"][index], stored["coef_indptr"][index + 1]
    curve = {f"cv_{field}": stored.get(f"cv/{key}/{field}") for field in _CV_FIELDS}
    coef = None
    if curve["cv_lams"] is not None:
        coef = np.zeros(int(stored["n_features"]))
        coef[stored["coef_index"][start:stop]] = stored["coef_value"][start:stop]
    return FitRecord(
        loss=loss,
        penalty=penalty,
        status=status,
        message=str(stored["message"][index]),
        coef=coef,
        **{field: float(stored[field][index]) for field in ("intercept", "lam", "l1_ratio")},
        delta=float(stored["delta"][index]),
        **curve,
    )


def read_fits(path, replicate: int | None = None) -> dict[str, FitRecord]:
    """Read one replicate's fits from a store written by :func:`write_fits`.

    Parameters
    ----------
    path : str or path-like
    replicate : int, optional
        Which replicate of the batch; may be left out when the file holds only one.

    Returns
    -------
    fits : dict
        ``{"loss+penalty": FitRecord}`` in the order the fit job wrote them.

    Raises
    ------
    normbench.study.tables.ResultsError
        A ``ValueError``, if the file is not a fits store (cut short, overwritten) or lacks the
        replicate or an array: one line naming the file and what is missing.
    """
    archive = read_npz(path, "a fits store")
    held = [int(each) for each in archive.get("replicates", [])]
    if replicate is None and len(held) == 1:
        replicate = held[0]
    if replicate is None or int(replicate) not in held:
        wanted = "a replicate" if replicate is None else f"replicate {replicate}"
        raise ResultsError(f"{path}: name {wanted} of the fits store; it holds {held or 'none'}")
    prefix = f"rep{int(replicate)}/"
    stored = {
        name.removeprefix(prefix): value
        for name, value in archive.items()
        if name.startswith(prefix)
    }
    required = ("pairs", "status", "message", "n_features", "coef_indptr", "coef_index")
    missing = [name for name in required if name not in stored]
    if missing:
        raise ResultsError(f"{path}: fits store lacks {missing} for replicate {replicate}")
    try:
        records = [_record(stored, index) for index in range(len(stored["pairs"]))]
    except (KeyError, IndexError, ValueError, TypeError) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ResultsError(
            f"{path}: replicate {replicate} of the fits store is inconsistent ({reason})."
        ) from None
    return {record.pair: record for record in records}


def ok_records(fits: Mapping[str, FitRecord]) -> dict[str, FitRecord]:
    """The records whose status is ``ok``."""
    return {pair: record for pair, record in fits.items() if record.status == STATUS_OK}
