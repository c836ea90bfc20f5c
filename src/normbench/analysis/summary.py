"""Every per-scenario number the report prints, with its Monte Carlo error and replicate count.

One row per statistic (``what``) of one dataset, pair and metric (``results/summary.csv``,
columns :data:`SUMMARY_COLUMNS`). The Monte Carlo error follows Morris, White & Crowther (2019):

- ``median``: the median of the metric over the pair's ``ok`` fits; ``mcse`` is the standard
  deviation of the medians of ``n_boot`` bootstrap resamples of the replicates, ``ci_low`` and
  ``ci_high`` their percentile interval at ``level``. Each (dataset, pair, metric) draws its
  resamples from its own stream, a :class:`numpy.random.SeedSequence` of ``seed`` and the three
  names, never from global state: the table's bytes depend on nothing else. **With n <= 10
  replicates such intervals take few distinct values** (a bootstrap median of n values is one of
  the n values, or the mean of two), so they are coarse; the mean's interval is not.
- ``mean``: the mean over the ``ok`` fits, ``mcse = s / sqrt(n)`` (``s`` the sample standard
  deviation), and the Student t interval ``mean ± t(n − 1) s / sqrt(n)`` at ``level``.
- proportions, ``mcse = sqrt(p (1 − p) / n)`` and the Wilson score interval at ``level``
  (``statsmodels.stats.proportion.proportion_confint``; unlike ``p ± z mcse`` it is not empty at
  p = 0 or 1):

  - ``share_ok`` (metric ``status``): share of the pair's fits whose status is ``ok``, over all
    its fits in the table;
  - ``share_at_edge``, ``share_at_low_edge``, ``share_at_high_edge`` (metric: the flag column,
    ``lam_at_edge``, ``l1_ratio_at_edge`` or ``delta_at_edge``): share of the fits whose tuned
    value landed on either edge, the low or the high edge of its grid, over the fits where that
    value was tuned (the flag is not empty), whatever their status.

``n_replicates`` is the n each row rests on. With one value, ``mcse`` and the interval are empty;
with none, the estimate is empty too. A metric a dataset does not have (every value missing) gives
no rows there. Where the three unpenalised fits are the one minimum-norm interpolant
(:func:`normbench.analysis.findings.interpolant_datasets`) they are one pair,
:data:`~normbench.analysis.findings.INTERPOLANT`, in the place of ``l2+none``.

Beside the model pairs, ``results/summary.csv`` holds pseudo-pairs (written after them by
:func:`normbench.analysis.run.analyse`): the margins (:func:`margin_summary`: ``loss:<loss>``,
a loss's penalised fits over every penalty, and ``penalty:<penalty>``, a penalty's fits over
every loss, of :data:`MARGIN_METRICS`), the oracles (:func:`reference_summary`:
``oracle:<loss>``, with the share of replicates where it applies as ``share_ok``) and ``data``
(the sidecars' signal variance and noise scale over the replicates). Their ``pair`` holds no
``+``: a reader of the model pairs tells them apart so.

Rows come in a fixed order (datasets as in the table, pairs in vocabulary order, then
``share_ok``, each metric's ``median`` and ``mean``, each flag's shares), and
:func:`write_summary` writes ``%.10g`` floats with ``\\n`` line ends: the same table gives the
same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from normbench.analysis.findings import INTERPOLANT, interpolant_datasets
from normbench.vocab import LOSSES, PENALTIES, STATUS_OK, order_names, ordered_pairs, pair_key

__all__ = [
    "DATA_PAIR",
    "ORACLE_PREFIX",
    "ORACLE_SUMMARY_METRICS",
    "EDGE_FLAGS",
    "EXTRA_SUMMARY_METRICS",
    "LOSS_MARGIN_PREFIX",
    "MARGIN_METRICS",
    "PENALTY_MARGIN_PREFIX",
    "SUMMARY_COLUMNS",
    "SUMMARY_METRICS",
    "bootstrap_medians",
    "is_model_pair",
    "loss_margin",
    "margin_summary",
    "oracle_pair",
    "penalty_margin",
    "reference_summary",
    "summary_table",
    "write_summary",
]

#: Columns of ``results/summary.csv``, in order.
SUMMARY_COLUMNS = (
    "what",
    "dataset",
    "pair",
    "metric",
    "estimate",
    "mcse",
    "ci_low",
    "ci_high",
    "n_replicates",
)
#: Metrics summarised by default (those the table has).
SUMMARY_METRICS = ("risk", "model_error", "f1", "test_mse", "n_nonzero", "tpr", "fpr", "pve")
#: The derived per-fit columns and the chosen hyperparameters, summarised beside the metrics.
EXTRA_SUMMARY_METRICS = ("risk_ratio", "relative_risk", "lam", "l1_ratio", "delta")
#: The pseudo-pairs of the references: ``oracle:<loss>`` per oracle loss, and the data's own
#: numbers (signal variance, noise scale) under ``data``.
ORACLE_PREFIX = "oracle:"
DATA_PAIR = "data"
#: What the oracles' rows summarise (``n_support``: the size of the true support).
ORACLE_SUMMARY_METRICS = (
    "risk",
    "test_mse",
    "test_mae",
    "model_error",
    "pve",
    "relative_risk",
    "n_support",
)
#: What the margins (:func:`margin_summary`) summarise.
MARGIN_METRICS = (
    "intercept",
    "group_hit",
    "group_frac",
    "group_whole",
    "delta",
    "delta_over_sigma",
)
LOSS_MARGIN_PREFIX = "loss:"
PENALTY_MARGIN_PREFIX = "penalty:"
#: The columns flagging a tuned value on the edge of its grid (``low``, ``high``, ``interior``).
EDGE_FLAGS = ("lam_at_edge", "l1_ratio_at_edge", "delta_at_edge")
_EDGE_SHARES = (
    ("share_at_edge", ("low", "high")),
    ("share_at_low_edge", ("low",)),
    ("share_at_high_edge", ("high",)),
)
_NO_PENALTY = "none"


def _pairs_of(metrics, interpolants):
    """The table with a ``pair`` column, the interpolant merged, and the pairs in order."""
    if interpolants is None:
        interpolants = interpolant_datasets(metrics)
    interpolant_none = pair_key(LOSSES[0], _NO_PENALTY)
    merged = metrics["dataset"].isin(interpolants) & (metrics["penalty"] == _NO_PENALTY)
    table = metrics[~merged | (metrics["loss"] == LOSSES[0])]
    identity = list(zip(table["loss"], table["penalty"], strict=True))
    order = [pair_key(*each) for each in ordered_pairs(identity)]
    pair = pd.Series([pair_key(*each) for each in identity], index=table.index)
    pair = pair.where(~merged.loc[table.index], INTERPOLANT)
    order = [INTERPOLANT if key == interpolant_none else key for key in order]
    if INTERPOLANT in order and interpolant_none in set(pair):  # both kinds of dataset
        order.insert(order.index(INTERPOLANT) + 1, interpolant_none)
    return table.assign(pair=pair), order


def _rng(seed, *names):
    key = "\x00".join(map(str, names)).encode()
    return np.random.default_rng(np.random.SeedSequence([int(seed), *key]))


def bootstrap_medians(values, keys, *, n_boot, level, seed):
    """Median, bootstrap SE and percentile interval per group of ``values``.

    Group ``i`` resamples from its own stream, seeded by ``seed`` and the names ``keys[i]``.

    Returns
    -------
    numpy.ndarray of shape (len(values), 5)
        estimate, mcse, ci_low, ci_high, n per group.
    """
    out = np.full((len(values), 5), np.nan)
    medians = np.full((len(values), n_boot), np.nan)
    for row, (key, group) in enumerate(zip(keys, values, strict=True)):
        n = len(group)
        out[row, 4] = n
        if n:
            out[row, 0] = np.median(group)
        if n > 1:
            # resample positions in the sorted values: sorting the positions (small integers,
            # fast) orders each resample, whose median is then two lookups
            ordered = np.sort(group)
            index = _rng(seed, *key).integers(0, n, size=(n_boot, n)).astype(np.int32)
            index.sort(axis=1)
            medians[row] = 0.5 * (ordered[index[:, (n - 1) // 2]] + ordered[index[:, n // 2]])
    booted = out[:, 4] > 1
    if booted.any():
        tail = (1.0 - level) / 2.0
        out[booted, 1] = np.std(medians[booted], axis=1, ddof=1)
        out[booted, 2:4] = np.quantile(medians[booted], [tail, 1.0 - tail], axis=1).T
    return out


def _share_rows(successes, totals, level):
    """Proportion, sqrt(p (1 - p) / n) and the Wilson interval, elementwise (NaN where n = 0)."""
    successes = np.asarray(successes, dtype=float)
    totals = np.asarray(totals, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = successes / totals
        mcse = np.sqrt(share * (1.0 - share) / totals)
        low, high = proportion_confint(successes, totals, alpha=1.0 - level, method="wilson")
    return share, mcse, np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def summary_table(
    metrics,
    *,
    metrics_names=SUMMARY_METRICS,
    level=0.95,
    n_boot=2000,
    seed=0,
    interpolants=None,
):
    """The summary of every dataset, pair and metric (module docstring).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table (``results/metrics.csv``).
    metrics_names : sequence of str
        Metrics whose median and mean are given; one the table or a dataset does not have (all
        missing) is skipped there.
    level : float
        Coverage of every interval.
    n_boot : int
        Bootstrap resamples per median.
    seed : int
        Base seed of the bootstrap streams.
    interpolants : collection of str, optional
        The datasets whose unpenalised fits are the one interpolant, if the caller has them
        already; by default :func:`~normbench.analysis.findings.interpolant_datasets`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, rows in the module docstring's order.
    """
    table, order = _pairs_of(metrics, interpolants)
    return _summarise(
        table, order, metrics_names, EDGE_FLAGS, level=level, n_boot=n_boot, seed=seed
    )


def reference_summary(oracle, info, *, level=0.95, n_boot=2000, seed=0):
    """The summary rows of the references: the oracles and the signal (module docstring).

    Parameters
    ----------
    oracle : pandas.DataFrame or None
        ``results/oracle.csv`` with its ``relative_risk`` (:mod:`normbench.analysis.derived`);
        one row per oracle loss per replicate. Each loss is the pseudo-pair
        :func:`oracle_pair`; its ``share_ok`` is the share of replicates where it applies.
    info : pandas.DataFrame
        Signal variance and noise scale per replicate
        (:func:`normbench.analysis.derived.replicate_info`): the pseudo-pair :data:`DATA_PAIR`,
        with the median and mean of each over the replicates.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`: per dataset, the oracles (losses in vocabulary order),
        then the data.
    """
    blocks = []
    if oracle is not None and len(oracle):
        oracle = oracle.assign(
            loss=oracle["loss"] if "loss" in oracle else LOSSES[0],
            n_support=pd.to_numeric(oracle.get("n_support", np.nan), errors="coerce"),
        )
        losses = [loss for loss in LOSSES if loss in set(oracle["loss"])]
        losses += sorted(set(oracle["loss"]).difference(losses))
        table = oracle.assign(pair=[oracle_pair(loss) for loss in oracle["loss"]])
        order = [oracle_pair(loss) for loss in losses]
        blocks.append(
            _summarise(
                table, order, ORACLE_SUMMARY_METRICS, (), level=level, n_boot=n_boot, seed=seed
            )
        )
    if info is not None and len(info):
        table = info.assign(pair=DATA_PAIR, status=STATUS_OK)
        blocks.append(
            _summarise(
                table,
                [DATA_PAIR],
                ("signal_variance", "noise_scale"),
                (),
                level=level,
                n_boot=n_boot,
                seed=seed,
                shares=False,
            )
        )
    if not blocks:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    result = pd.concat(blocks, ignore_index=True)
    datasets = {name: i for i, name in enumerate(pd.unique(result["dataset"]))}
    result = result.sort_values(
        "dataset", key=lambda column: column.map(datasets), kind="stable"
    ).reset_index(drop=True)
    return result


def margin_summary(metrics, *, level=0.95, n_boot=2000, seed=0):
    """The summary rows of the margins: one loss over its penalised fits, one penalty over all.

    Pseudo-pairs ``loss:<loss>`` (:func:`loss_margin`: the loss's fits with a penalty, every
    penalty pooled) and ``penalty:<penalty>`` (:func:`penalty_margin`: the penalty's fits, every
    loss pooled), with the median and mean of :data:`MARGIN_METRICS` over their ``ok`` fits:
    what the report says of a loss or a penalty as a whole (the intercepts a loss estimates,
    how often a penalty keeps a group of true features whole, Huber's chosen δ).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table with the derived columns (:func:`normbench.analysis.derived.
        with_derived`).
    """
    penalised = metrics[metrics["penalty"] != _NO_PENALTY]
    by_loss = penalised.assign(pair=[loss_margin(loss) for loss in penalised["loss"]])
    by_penalty = metrics.assign(pair=[penalty_margin(name) for name in metrics["penalty"]])
    losses = order_names(by_loss["loss"], LOSSES)
    penalties = order_names(metrics["penalty"], PENALTIES)
    order = [loss_margin(loss) for loss in losses] + [penalty_margin(p) for p in penalties]
    return _summarise(
        pd.concat([by_loss, by_penalty], ignore_index=True),
        order,
        MARGIN_METRICS,
        (),
        level=level,
        n_boot=n_boot,
        seed=seed,
        shares=False,
    )


def loss_margin(loss):
    """The summary's pseudo-pair of one loss's penalised fits: ``loss:huber``."""
    return f"{LOSS_MARGIN_PREFIX}{loss}"


def penalty_margin(penalty):
    """The summary's pseudo-pair of one penalty's fits over every loss: ``penalty:l1``."""
    return f"{PENALTY_MARGIN_PREFIX}{penalty}"


def oracle_pair(loss):
    """The summary's pseudo-pair of the oracle of ``loss``: ``oracle:l2``."""
    return f"{ORACLE_PREFIX}{loss}"


def is_model_pair(pair: str) -> bool:
    """Whether a ``pair`` of the summary is one model pair (``l2+l1``, or the interpolant
    standing for the unpenalised pairs), not one of the pseudo-pairs beside them: a loss's or a
    penalty's margin (:func:`loss_margin`, :func:`penalty_margin`), an oracle
    (:func:`oracle_pair`) or the data's own numbers (:data:`DATA_PAIR`)."""
    pseudo = (LOSS_MARGIN_PREFIX, PENALTY_MARGIN_PREFIX, ORACLE_PREFIX)
    return not (pair == DATA_PAIR or pair.startswith(pseudo))


def _summarise(table, order, metrics_names, edge_flags, *, level, n_boot, seed, shares=True):
    """The summary rows of a table with ``dataset``, ``pair``, ``status`` and the metrics."""
    datasets = list(pd.unique(table["dataset"]))
    names = [name for name in metrics_names if name in table]
    flags = [flag for flag in edge_flags if flag in table]
    ok = table["status"].astype(str) == STATUS_OK
    blocks = []

    # share of ok fits
    if shares:
        by_pair = table.assign(ok=ok).groupby(["dataset", "pair"], sort=False)
        counts = by_pair["ok"].agg(["sum", "size"])
        share, mcse, low, high = _share_rows(counts["sum"], counts["size"], level)
        blocks.append(
            pd.DataFrame(
                {
                    "what": "share_ok",
                    "dataset": counts.index.get_level_values(0),
                    "pair": counts.index.get_level_values(1),
                    "metric": "status",
                    "estimate": share,
                    "mcse": mcse,
                    "ci_low": low,
                    "ci_high": high,
                    "n_replicates": counts["size"].to_numpy(),
                    "_order": 0,
                }
            )
        )

    # medians and means of the metrics over the ok fits
    if names:
        values = table.loc[ok, ["dataset", "pair", *names]]
        values[names] = values[names].apply(pd.to_numeric, errors="coerce")
        present = values.groupby("dataset", sort=False)[names].count() > 0
        present.columns.name = "metric"
        long = values.melt(id_vars=["dataset", "pair"], var_name="metric", value_name="value")
        has = present.stack()
        has = has[has].index  # (dataset, metric) pairs with at least one value
        long = long[pd.MultiIndex.from_frame(long[["dataset", "metric"]]).isin(has)]
        # every (dataset, pair, metric) with the metric gets a row, even with no ok value
        cells = table[["dataset", "pair"]].drop_duplicates()
        cells = cells.merge(has.to_frame(index=False), on="dataset")
        grouped = long.dropna(subset=["value"]).groupby(["dataset", "pair", "metric"], sort=False)
        moments = grouped["value"].agg(["mean", "std", "count"])
        moments = cells.merge(moments.reset_index(), on=["dataset", "pair", "metric"], how="left")
        n = moments["count"].fillna(0).to_numpy(dtype=int)
        mean = moments["mean"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = moments["std"].to_numpy(dtype=float) / np.sqrt(n)
            half = stats.t.ppf(0.5 + level / 2.0, np.maximum(n - 1, 1)) * se
        half = np.where(n > 1, half, np.nan)
        ident = {key: moments[key].to_numpy() for key in ("dataset", "pair", "metric")}
        blocks.append(
            pd.DataFrame(
                {
                    "what": "mean",
                    **ident,
                    "estimate": mean,
                    "mcse": np.where(n > 1, se, np.nan),
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "n_replicates": n,
                    "_order": 2,
                }
            )
        )
        groups = {key: group.to_numpy(dtype=float) for key, group in grouped["value"]}
        keys = list(zip(ident["dataset"], ident["pair"], ident["metric"], strict=True))
        medians = bootstrap_medians(
            [groups.get(key, np.empty(0)) for key in keys],
            keys,
            n_boot=n_boot,
            level=level,
            seed=seed,
        )
        columns = ["estimate", "mcse", "ci_low", "ci_high", "n_replicates"]
        median = pd.DataFrame(medians, columns=columns).astype({"n_replicates": int})
        blocks.append(pd.DataFrame({"what": "median", **ident}).join(median).assign(_order=1))

    # shares of tuned values on an edge of their grid
    for flag in flags:
        text = table[flag].where(table[flag].notna(), "").astype(str).str.strip()
        tuned = table.assign(_flag=text)[text != ""]
        if tuned.empty:
            continue
        for offset, (what, edges) in enumerate(_EDGE_SHARES):
            hit = tuned.assign(hit=tuned["_flag"].isin(edges))
            counts = hit.groupby(["dataset", "pair"], sort=False)["hit"].agg(["sum", "size"])
            share, mcse, low, high = _share_rows(counts["sum"], counts["size"], level)
            blocks.append(
                pd.DataFrame(
                    {
                        "what": what,
                        "dataset": counts.index.get_level_values(0),
                        "pair": counts.index.get_level_values(1),
                        "metric": flag,
                        "estimate": share,
                        "mcse": mcse,
                        "ci_low": low,
                        "ci_high": high,
                        "n_replicates": counts["size"].to_numpy(),
                        "_order": 3 + len(_EDGE_SHARES) * flags.index(flag) + offset,
                    }
                )
            )

    result = pd.concat(blocks, ignore_index=True)
    metric_rank = {name: index for index, name in enumerate(names)}
    result = result.assign(
        _dataset=result["dataset"].map({name: i for i, name in enumerate(datasets)}),
        _pair=result["pair"].map({name: i for i, name in enumerate(order)}),
        _metric=result["metric"].map(metric_rank).fillna(-1),
    )
    # share_ok first, then per metric its median and mean, then the edge shares
    result["_block"] = np.where(result["_order"].isin([1, 2]), 1, result["_order"])
    result = result.sort_values(
        ["_dataset", "_pair", "_block", "_metric", "_order"], kind="stable"
    ).reset_index(drop=True)
    result["n_replicates"] = result["n_replicates"].astype(int)
    return result[list(SUMMARY_COLUMNS)]


def write_summary(table, path):
    """Write the summary as ``results/summary.csv`` (byte-deterministic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
