"""The explain files as the report reads them: their layout, the datasets drawn, and a reader.

The explain job (:mod:`normbench.study.explain`) writes ``results/explain/{dataset}.npz``; this
module holds what both sides share and imports no model code, so that the report can read the
files without loading the solvers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from normbench.study.config import sweeps
from normbench.study.tables import ResultsError, read_npz

__all__ = [
    "EXPLAIN_REPLICATE",
    "MAX_DETAIL_DATASETS",
    "PATH_L1_RATIO",
    "PATH_PENALTIES",
    "Explanation",
    "detail_datasets",
    "path_dataset",
    "read_explain",
]

#: The replicate whose data and fits are explained.
EXPLAIN_REPLICATE = 1
#: Penalties whose paths are drawn (squared loss), and the elastic net's mixing there.
PATH_PENALTIES = ("l1", "l2", "elasticnet")
PATH_L1_RATIO = 0.5
#: Most datasets drawn one by one in the report (see detail_datasets).
MAX_DETAIL_DATASETS = 12


def detail_datasets(datasets: Sequence[str], config: Mapping) -> list[str]:
    """The datasets that get sections of their own in the report (and an explain job).

    All of them in a study of at most :data:`MAX_DETAIL_DATASETS`. A larger study (e.g. a preset
    whose sweeps make hundreds of datasets) shows every dataset outside a sweep and one member
    per sweep (its middle value), up to that limit: a sweep's members are drawn together in the
    Sweeps section, and every dataset is in the results table.
    """
    if len(datasets) <= MAX_DETAIL_DATASETS:
        return list(datasets)
    representative, swept = set(), set()
    for record in sweeps(config).values():
        members = list(record["datasets"].values())
        swept.update(members)
        representative.add(members[len(members) // 2])
    chosen = [name for name in datasets if name not in swept or name in representative]
    return chosen[:MAX_DETAIL_DATASETS]


def _is_simulated(entry) -> bool:
    return isinstance(entry, Mapping) and entry.get("generator", "simulate") == "simulate"


def path_dataset(config: Mapping, datasets: Sequence[str] | None = None) -> str | None:
    """The dataset whose coefficient paths are drawn: the first simulated one drawn in detail.

    ``datasets`` defaults to the configured ones, in config order.
    """
    configured = config.get("datasets") or {}
    names = list(configured) if datasets is None else list(datasets)
    for name in detail_datasets(names, config):
        if _is_simulated(configured.get(name)):
            return name
    return None


@dataclass(frozen=True)
class Explanation:
    """The contents of one explain file.

    Attributes
    ----------
    residuals : dict
        ``{"loss+penalty": training residuals}`` of the pairs whose fit is ok.
    noise_median : float or None
        None unless the dataset has skewed noise.
    true_coef : ndarray or None
    paths : dict
        ``{penalty: (lams, coefs)}``, empty where no paths were computed.
    curves : dict
        ``{penalty: (fpr, tpr, auc)}``.
    path_error : str or None
        Why the paths could not be computed.
    """

    residuals: dict = field(default_factory=dict)
    noise_median: float | None = None
    true_coef: np.ndarray | None = None
    paths: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)
    path_error: str | None = None

    @property
    def n_lams(self) -> int:
        """Length of the paths' ``lam`` grid (0 without paths)."""
        return len(next(iter(self.paths.values()))[0]) if self.paths else 0


def _explain_problem(stored: Mapping) -> str | None:
    """What is wrong with the arrays of an explain file, or None."""
    for name, values in stored.items():
        if name.startswith("residuals/") and values.ndim != 1:
            return f"{name} has shape {values.shape}, expected one value per training row"
    for penalty in PATH_PENALTIES:
        names = [f"path/{penalty}/{part}" for part in ("lams", "coefs")]
        names += [f"roc/{penalty}/{part}" for part in ("fpr", "tpr", "auc")]
        present = [name in stored for name in names]
        if not any(present):
            continue
        if not all(present):
            missing = [name for name, held in zip(names, present, strict=True) if not held]
            return f"the {penalty} path lacks {', '.join(missing)}"
        lams, coefs = stored[names[0]], stored[names[1]]
        if lams.ndim != 1 or coefs.ndim != 2 or coefs.shape[0] != lams.shape[0]:
            return (
                f"path/{penalty}: lams of shape {lams.shape} and coefs of shape {coefs.shape} "
                "do not match (one row of coefficients per lam)"
            )
        fpr, tpr, auc = (stored[name] for name in names[2:])
        if fpr.shape != tpr.shape or auc.ndim != 0 or float(auc) < 0 or float(auc) > 1:
            return f"roc/{penalty}: fpr, tpr and auc do not form a ROC curve"
    return None


def read_explain(path) -> Explanation:
    """Read an explain file written by :func:`explain_dataset`.

    Raises
    ------
    ResultsError
        One line naming the file and the problem (not a zip of arrays, e.g. cut short; a path
        without its curve; arrays whose shapes do not match).
    """
    path = Path(path)
    stored = read_npz(path, "an explain file", advice="; rerun rule explain")
    problem = _explain_problem(stored)
    if problem is not None:
        raise ResultsError(f"{path}: {problem}; rerun rule explain.")
    residuals = {
        name.removeprefix("residuals/"): values
        for name, values in stored.items()
        if name.startswith("residuals/")
    }
    penalties = [p for p in PATH_PENALTIES if f"path/{p}/lams" in stored]
    median = float(stored.get("noise_median", np.nan))
    return Explanation(
        residuals=residuals,
        noise_median=median if math.isfinite(median) else None,
        true_coef=stored.get("true_coef"),
        paths={p: (stored[f"path/{p}/lams"], stored[f"path/{p}/coefs"]) for p in penalties},
        curves={
            p: (stored[f"roc/{p}/fpr"], stored[f"roc/{p}/tpr"], float(stored[f"roc/{p}/auc"]))
            for p in penalties
        },
        path_error=str(stored["path_error"]) if "path_error" in stored else None,
    )
