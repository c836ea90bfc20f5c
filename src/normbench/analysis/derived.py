"""Per-fit columns derived from the metrics table and the datasets' sidecars (``derived.csv``).

Two numbers per fit that the metrics table does not hold, because a fit job cannot know them:

- ``risk_ratio``: the fit's risk divided by the risk of the baseline pair (:data:`BASELINE`,
  squared loss with the lasso) on the same replicate: the paired comparison every box plot of
  ratios draws. Empty where the baseline did not succeed or its risk is not positive.
- ``relative_risk``: risk / Var(x'β) (Hastie, Tibshirani & Tibshirani 2020), with the signal
  variance the simulator recorded in the replicate's JSON sidecar: 0 is perfect, 1 the risk of
  the null model. Empty where the sidecar is absent or lacks it (a real dataset).

``signal_variance`` and ``noise_scale`` (the simulator's σ) are the sidecar's, per replicate;
``delta_over_sigma`` is a Huber fit's chosen δ over that σ (empty for the other losses).
The proportion of variance explained is not derived here: the metrics table's ``pve`` uses the
noise's *true* variance (contamination included), which the sidecar's scale alone does not give.

:func:`derived_table` has one row per row of the metrics table, in its order (columns
:data:`DERIVED_COLUMNS`); :func:`with_derived` joins it back.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from normbench.study.tables import read_sidecar
from normbench.vocab import STATUS_OK

__all__ = [
    "BASELINE",
    "DERIVED_COLUMNS",
    "DERIVED_METRICS",
    "derived_table",
    "replicate_info",
    "with_derived",
]

#: The natural reference pair of the risk ratio: squared loss with the lasso penalty.
BASELINE = ("l2", "l1")
#: The columns derived per fit, beside the keys.
DERIVED_METRICS = (
    "risk_ratio",
    "relative_risk",
    "signal_variance",
    "noise_scale",
    "delta_over_sigma",
)
_KEYS = ("dataset", "replicate", "loss", "penalty")
#: Columns of ``results/derived.csv``, in order.
DERIVED_COLUMNS = (*_KEYS, *DERIVED_METRICS)


def replicate_info(metrics, datasets_dir):
    """Signal variance Var(x'β) and noise scale σ per dataset replicate, from the JSON sidecars.

    A replicate whose sidecar is absent or lacks the two finite positive numbers (a real
    dataset) is left out. Returns columns ``dataset``, ``replicate``, ``signal_variance``,
    ``noise_scale``.
    """
    records = []
    pairs = metrics[["dataset", "replicate"]].drop_duplicates()
    for dataset, replicate in zip(pairs["dataset"], pairs["replicate"], strict=True):
        if datasets_dir is None:
            break
        info = read_sidecar(datasets_dir, dataset, replicate) or {}
        try:
            signal, scale = float(info["signal_variance"]), float(info["noise_scale"])
        except (ValueError, KeyError, TypeError):
            continue
        if math.isfinite(signal) and signal > 0 and math.isfinite(scale) and scale > 0:
            records.append((dataset, int(replicate), signal, scale))
    return pd.DataFrame(records, columns=["dataset", "replicate", "signal_variance", "noise_scale"])


def _aligned(frame, info, column):
    """``info[column]`` aligned with the rows of ``frame`` by (dataset, replicate); nan if none."""
    if info.empty:
        return np.full(len(frame), np.nan)
    keys = pd.MultiIndex.from_arrays([frame["dataset"].astype(str), frame["replicate"].astype(int)])
    values = info.set_index(["dataset", "replicate"])[column]
    values.index = pd.MultiIndex.from_arrays(
        [values.index.get_level_values(0).astype(str), values.index.get_level_values(1).astype(int)]
    )
    return values.reindex(keys).to_numpy(dtype=float)


def derived_table(metrics, info, baseline=BASELINE):
    """The derived columns of every fit of ``metrics`` (module docstring), in its row order.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table (or the oracle table: a table without ``penalty`` has no risk ratio).
    info : pandas.DataFrame
        From :func:`replicate_info`.
    baseline : tuple of (loss, penalty)
    """
    risk = pd.to_numeric(metrics["risk"], errors="coerce").to_numpy(dtype=float)
    ratio = np.full(len(metrics), np.nan)
    if "penalty" in metrics:
        ok = (metrics["status"].astype(str) == STATUS_OK).to_numpy()
        is_base = ok & (metrics["loss"] == baseline[0]).to_numpy()
        is_base &= (metrics["penalty"] == baseline[1]).to_numpy()
        base = pd.Series(
            risk[is_base],
            index=pd.MultiIndex.from_frame(metrics.loc[is_base, ["dataset", "replicate"]]),
        )
        base = base[~base.index.duplicated()]
        reference = base.reindex(pd.MultiIndex.from_frame(metrics[["dataset", "replicate"]]))
        reference = reference.to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(reference > 0, risk / reference, np.nan)
    signal = _aligned(metrics, info, "signal_variance")
    scale = _aligned(metrics, info, "noise_scale")
    delta = pd.to_numeric(metrics.get("delta", np.nan), errors="coerce")
    delta = np.broadcast_to(np.asarray(delta, dtype=float), (len(metrics),))
    keys = {key: metrics[key].to_numpy() for key in _KEYS if key in metrics}
    return pd.DataFrame(
        {
            **keys,
            "risk_ratio": ratio,
            "relative_risk": risk / signal,
            "signal_variance": signal,
            "noise_scale": scale,
            "delta_over_sigma": delta / scale,
        }
    )


def with_derived(metrics, derived):
    """``metrics`` with the derived columns of ``derived`` (same fits), matched by their keys.

    Raises
    ------
    ValueError
        If a fit of ``metrics`` has no row in ``derived`` (the two tables come from different
        runs).
    """
    keys = [key for key in _KEYS if key in metrics and key in derived]
    columns = [column for column in DERIVED_METRICS if column in derived]
    joined = metrics.drop(columns=[c for c in columns if c in metrics]).merge(
        derived[[*keys, *columns]], on=keys, how="left", indicator=True, validate="many_to_one"
    )
    if (joined["_merge"] != "both").any():
        missing = joined.loc[joined["_merge"] != "both", keys].iloc[0]
        fit = ", ".join(f"{key} {value}" for key, value in missing.items())
        raise ValueError(
            f"no row for the fit ({fit}): written from another metrics table (rerun rule analyse)"
        )
    joined.index = metrics.index
    return joined.drop(columns="_merge")
