"""A reproduction that checks itself: the published numbers and orderings, pass or fail.

A config's ``published`` tables (``workflow/schemas/config.schema.yaml``) give a paper's numbers,
each possibly with an allowed band, and the paper's orderings of its models::

    published:
      - source: "Zou & Hastie (2005), Table 2"
        metric: model_error
        statistic: median
        band: [0.65, 1.35]                    # ours / published, for every number of the table
        bands: {zh_example3: {l2+l2: [0.5, 1.5]}}    # a number's own band, if it needs one
        values:
          zh_example4: {l2+l1: 46.6, l2+elasticnet: 34.5, l2+l2: 64.5}
        orderings:
          zh_example4: "l2+elasticnet < l2+l1 < l2+l2"   # lowest first; or a list of chains

:func:`published_check` turns them into one table, :data:`CHECK_COLUMNS`, one row per number
(``kind = "value"``) and per ordering (``kind = "ordering"``):

value
    ``pairs`` is the model, ``published`` the paper's number, ``ours`` the same statistic of our
    replicates (rows with status ``ok``), ``se`` its bootstrap standard error over replicates,
    ``low``/``high`` the band in the metric's units (``band * published``; empty without a band).
    It passes when ``low <= ours <= high``; without a band ``pass`` is empty (nothing to check).
ordering
    ``pairs`` is the chain, lowest first. ``published`` is the paper's smallest gap between
    neighbours of the chain, ``ours`` our smallest gap (the statistic of the higher model minus
    that of the lower one), ``se`` the standard error of that gap by a paired bootstrap over the
    replicates every model of the chain finished (the models share each replicate's data),
    ``low = 0``. It passes when every gap is positive, i.e. our statistics follow the chain.
    The gaps are *not* required to exceed their standard errors: the papers' own orderings rest
    on 50 or fewer replicates and several of their gaps are within that noise; ``se`` says how
    firmly ours holds (a gap below about 2 se could reverse with other replicates).

A statistic of no finished replicate is NaN and fails its checks. The bootstrap is seeded, so the
table has the same bytes on every run.

Sensitivity variants
--------------------
A table's ``variants`` name datasets of the study that repeat a published dataset with one
thing changed, to measure what a difference from the paper's protocol does::

    variants:
      zh_example3_n50: {of: zh_example3, change: "50 / 50 training / validation points"}

:func:`published_variants` puts each variant's statistic beside the paper's number of the dataset
it varies and our reproduction of it (``results/published_variants.csv``, :data:`VARIANT_COLUMNS`):
``main``/``main_se`` are the value row of the check itself, ``ours``/``se`` the variant's, and
``main_ratio``/``ratio`` each over ``published``. A variant is no check: it has no ``pass``, and
the check table is computed without it, so adding variants changes no verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from normbench.study.store import write_atomically
from normbench.study.tables import TableContract, read_checked
from normbench.vocab import STATUS_OK, parse_pair

__all__ = [
    "CHECK_COLUMNS",
    "CHECK_TABLE",
    "VARIANTS_TABLE",
    "VARIANT_COLUMNS",
    "ordering_chain",
    "published_check",
    "published_variants",
    "read_published_check",
    "read_published_variants",
    "write_published_check",
    "write_published_variants",
]

#: Columns of ``results/published_check.csv``, in order.
CHECK_COLUMNS = (
    "source",
    "kind",
    "dataset",
    "pairs",
    "published",
    "ours",
    "se",
    "low",
    "high",
    "pass",
)
#: ``results/published_check.csv`` as :func:`write_published_check` writes it: ``pass`` is
#: ``true``, ``false`` or empty (no band), ``se`` never negative, one row per check.
CHECK_TABLE = TableContract(
    name="published_check",
    columns=CHECK_COLUMNS,
    text_columns=("source", "kind", "dataset", "pairs", "pass"),
    vocabulary={"kind": ("value", "ordering"), "pass": ("true", "false", "")},
    ranges={"se": (0.0, None)},
    key=("source", "kind", "dataset", "pairs"),
)
#: Columns of ``results/published_variants.csv``, in order: per published number and variant,
#: the paper's number, our reproduction (``main``, from the check) and the variant (``ours``).
VARIANT_COLUMNS = (
    "source",
    "dataset",
    "pairs",
    "published",
    "variant",
    "change",
    "main",
    "main_se",
    "ours",
    "se",
    "main_ratio",
    "ratio",
)
_STATISTICS = {"median": np.median, "mean": np.mean}
_ORDER = " < "


def ordering_chain(text: str) -> list[str]:
    """``"l2+elasticnet < l2+l1"`` -> ``["l2+elasticnet", "l2+l1"]`` (lowest first)."""
    models = [model.strip() for model in str(text).split("<")]
    if len(models) < 2:
        raise ValueError(f"an ordering names at least two models joined by '<', got {text!r}")
    for model in models:
        parse_pair(model)
    return models


def _replicate_values(metrics: pd.DataFrame, dataset: str, pair: str, metric: str) -> pd.Series:
    """Our finite values of ``metric`` for one model on one dataset, indexed by replicate."""
    loss, penalty = parse_pair(pair)
    rows = metrics[
        (metrics["dataset"] == dataset)
        & (metrics["loss"] == loss)
        & (metrics["penalty"] == penalty)
        & (metrics["status"] == STATUS_OK)
    ]
    values = pd.Series(
        pd.to_numeric(rows[metric], errors="coerce").to_numpy(dtype=float),
        index=rows["replicate"].to_numpy(),
    )
    return values[np.isfinite(values.to_numpy())].sort_index()


def _bootstrap_draws(table: np.ndarray, statistic, n_boot: int, rng) -> np.ndarray:
    """The statistic of each column over ``n_boot`` resamples of the rows (replicates)."""
    picks = rng.integers(0, table.shape[0], size=(n_boot, table.shape[0]))
    return statistic(table[picks], axis=1)


def _value_row(values, published, band, statistic, n_boot, rng) -> dict:
    ours = float(statistic(values)) if values.size else math.nan
    se = math.nan
    if values.size >= 2:
        se = float(np.std(_bootstrap_draws(values[:, None], statistic, n_boot, rng), ddof=1))
    low = high = math.nan
    passed = None  # no band: nothing to check
    if band is not None:
        low, high = sorted(float(bound) * float(published) for bound in band)
        passed = bool(low <= ours <= high)
    return {
        "published": float(published),
        "ours": ours,
        "se": se,
        "low": low,
        "high": high,
        "pass": passed,
    }


def _ordering_row(columns, published_values, statistic, n_boot, rng) -> dict:
    """The smallest neighbour gap of a chain, ours and the paper's, with its paired SE."""
    statistics = np.array([statistic(c) if c.size else math.nan for c in columns])
    gaps = np.diff(statistics)
    smallest = int(np.argmin(np.where(np.isnan(gaps), -np.inf, gaps)))
    paired = pd.concat([pd.Series(c.to_numpy(), index=c.index) for c in columns], axis=1)
    paired = paired.dropna().to_numpy(dtype=float)
    se = math.nan
    if paired.shape[0] >= 2:
        draws = _bootstrap_draws(paired, statistic, n_boot, rng)
        se = float(np.std(draws[:, smallest + 1] - draws[:, smallest], ddof=1))
    return {
        "published": float(np.min(np.diff(published_values))),
        "ours": float(gaps[smallest]),
        "se": se,
        "low": 0.0,
        "high": math.nan,
        "pass": bool(np.all(gaps > 0)),
    }


def published_check(
    metrics: pd.DataFrame, published: Sequence[Mapping], *, n_boot: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Every published number and ordering against our replicates (module docstring).

    Parameters
    ----------
    metrics : DataFrame
        The results table (``results/metrics.csv``).
    published : sequence of mappings
        The config's ``published`` tables: ``source``, ``metric``, ``statistic``, ``values`` and
        optionally ``band``, ``bands`` and ``orderings``.
    n_boot : int, default=2000
        Bootstrap resamples of the replicates for the standard errors.
    seed : int, default=0
        Seed of the resampling.

    Returns
    -------
    DataFrame
        Columns :data:`CHECK_COLUMNS`; per table its value rows (in the config's order), then
        its ordering rows.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for table in published:
        statistic = _STATISTICS[table.get("statistic", "median")]
        metric, head = table["metric"], {"source": table["source"]}
        for dataset, models in table["values"].items():
            for pair, value in models.items():
                band = table.get("bands", {}).get(dataset, {}).get(pair, table.get("band"))
                values = _replicate_values(metrics, dataset, pair, metric).to_numpy()
                result = _value_row(values, value, band, statistic, n_boot, rng)
                rows.append({**head, "kind": "value", "dataset": dataset, "pairs": pair, **result})
        for dataset, chains in table.get("orderings", {}).items():
            for chain in [chains] if isinstance(chains, str) else chains:
                models = ordering_chain(chain)
                columns = [_replicate_values(metrics, dataset, m, metric) for m in models]
                paper = [float(table["values"][dataset][m]) for m in models]
                result = _ordering_row(columns, paper, statistic, n_boot, rng)
                where = {"kind": "ordering", "dataset": dataset, "pairs": _ORDER.join(models)}
                rows.append({**head, **where, **result})
    frame = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    frame["pass"] = frame["pass"].astype("object")
    return frame


def read_published_check(path) -> pd.DataFrame:
    """Read ``results/published_check.csv`` through its contract (:data:`CHECK_TABLE`).

    ``pass`` stays text (``true``, ``false``, or missing); the numbers are numbers (an empty
    field or ``NaN`` is missing).

    Raises
    ------
    normbench.study.tables.ResultsError
        One line naming the file, the row and the problem.
    """
    return read_checked(path, CHECK_TABLE)


def write_published_check(check: pd.DataFrame, path) -> None:
    """Write the table as CSV with deterministic bytes (``%.10g``; an empty field is NaN).

    The file is replaced atomically (:func:`normbench.study.store.write_atomically`).
    """
    path = Path(path)
    table = check[list(CHECK_COLUMNS)].copy()
    # pass as true / false / empty, not pandas' True / False / None
    table["pass"] = ["" if pd.isna(flag) else str(bool(flag)).lower() for flag in table["pass"]]
    text = table.to_csv(index=False, float_format="%.10g", na_rep="", lineterminator="\n")
    write_atomically(path, text.encode("utf-8"))


def published_variants(
    metrics: pd.DataFrame,
    published: Sequence[Mapping],
    check: pd.DataFrame,
    *,
    n_boot: int = 2000,
    seed: int = 1,
) -> pd.DataFrame:
    """Each sensitivity variant beside the published number and our reproduction of it.

    Parameters
    ----------
    metrics : DataFrame
        The results table (``results/metrics.csv``).
    published : sequence of mappings
        The config's ``published`` tables; those with ``variants`` give rows.
    check : DataFrame
        :func:`published_check` of the same tables: ``main`` and ``main_se`` are its value rows,
        so the two tables agree to the byte.
    n_boot : int, default=2000
        Bootstrap resamples of the variant's replicates for ``se``.
    seed : int, default=1
        Seed of that resampling (a stream apart from the check's).

    Returns
    -------
    DataFrame
        Columns :data:`VARIANT_COLUMNS`; per table, per variant (in the config's order), one row
        per published number of the dataset it varies.
    """
    rng = np.random.default_rng(seed)
    main = check[check["kind"] == "value"].set_index(["source", "dataset", "pairs"])
    rows = []
    for table in published:
        statistic = _STATISTICS[table.get("statistic", "median")]
        for variant, entry in table.get("variants", {}).items():
            dataset = entry["of"]
            for pair, value in table["values"][dataset].items():
                values = _replicate_values(metrics, variant, pair, table["metric"]).to_numpy()
                ours = _value_row(values, value, None, statistic, n_boot, rng)
                reproduced = main.loc[(table["source"], dataset, pair)]
                rows.append(
                    {
                        "source": table["source"],
                        "dataset": dataset,
                        "pairs": pair,
                        "published": float(value),
                        "variant": variant,
                        "change": entry["change"],
                        "main": float(reproduced["ours"]),
                        "main_se": float(reproduced["se"]),
                        "ours": ours["ours"],
                        "se": ours["se"],
                        "main_ratio": float(reproduced["ours"]) / float(value),
                        "ratio": ours["ours"] / float(value),
                    }
                )
    return pd.DataFrame(rows, columns=list(VARIANT_COLUMNS))


def write_published_variants(variants: pd.DataFrame, path) -> None:
    """Write the variants table as CSV with deterministic bytes (``%.10g``; empty is NaN)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = variants[list(VARIANT_COLUMNS)].to_csv(
        index=False, float_format="%.10g", na_rep="", lineterminator="\n"
    )
    write_atomically(path, text.encode("utf-8"))


#: ``results/published_variants.csv`` as :func:`write_published_variants` writes it (no rows
#: where no published table has variants).
VARIANTS_TABLE = TableContract(
    name="published_variants",
    columns=VARIANT_COLUMNS,
    text_columns=("source", "dataset", "pairs", "variant", "change"),
    key=("source", "dataset", "pairs", "variant"),
    ranges={"se": (0.0, None), "main_se": (0.0, None)},
    may_be_empty=True,
)


def read_published_variants(path) -> pd.DataFrame:
    """Read ``results/published_variants.csv`` through its contract (one line naming the file)."""
    table = read_checked(path, VARIANTS_TABLE)
    for column in VARIANTS_TABLE.numeric_columns:
        table[column] = table[column].astype(float)
    return table
