"""Published results next to ours: a study reproduced from a paper, number by number.

A config may carry a ``published`` list (see ``workflow/schemas/config.schema.yaml``); each entry
is one table of a paper::

    published:
      - source: "Zou & Hastie (2005), Table 2: median model error over 50 data sets"
        metric: risk                 # the column of results/metrics.csv it is compared with
        statistic: median            # how the paper summarised its replicates (median or mean)
        values:
          zh_example1: {l2+l1: 3.06, l2+elasticnet: 2.51, l2+l2: 4.49}

:func:`compare_published` puts each published number next to the same statistic of our
replicates, with a bootstrap standard error; :func:`ordering_rows` says whether the paper's
ranking of the models within a dataset is ours too; :func:`published_figure` draws ours against
theirs. The report's "Published results" section is made of these three.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from normbench.report.figures import _new_figure, _penalty_palette, pair_label

__all__ = [
    "COMPARISON_COLUMNS",
    "compare_published",
    "ordering_rows",
    "parse_pair",
    "published_figure",
]

#: Columns of the table returned by :func:`compare_published`.
COMPARISON_COLUMNS = (
    "source",
    "dataset",
    "loss",
    "penalty",
    "metric",
    "statistic",
    "published",
    "ours",
    "se",
    "n",
    "ratio",
)

_STATISTICS = {"median": np.median, "mean": np.mean}


def parse_pair(text: str) -> tuple[str, str]:
    """``"l2+elasticnet"`` -> ``("l2", "elasticnet")``: the config's name of one model."""
    loss, sep, penalty = str(text).partition("+")
    if not sep or not loss or not penalty:
        raise ValueError(f"a model is named 'loss+penalty' (e.g. 'l2+l1'), got {text!r}")
    return loss, penalty


def _bootstrap_se(values: np.ndarray, statistic, n_boot: int, rng: np.random.Generator) -> float:
    """Standard deviation of the statistic over bootstrap resamples of the replicates."""
    if values.size < 2:
        return math.nan
    draws = statistic(values[rng.integers(0, values.size, size=(n_boot, values.size))], axis=1)
    return float(np.std(draws, ddof=1))


def compare_published(
    metrics: pd.DataFrame,
    published: Sequence[Mapping],
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each published number beside the same statistic of our replicates.

    Parameters
    ----------
    metrics : DataFrame
        The results table (``results/metrics.csv``); only rows with ``status == "ok"`` count.
    published : sequence of mappings
        The config's ``published`` list: ``source``, ``metric``, ``statistic`` (``median`` or
        ``mean``) and ``values`` (dataset -> {"loss+penalty": number}).
    n_boot : int, default=2000
        Bootstrap resamples of the replicates for the standard error of our statistic.
    seed : int, default=0
        Seed of the resampling (the table is deterministic).

    Returns
    -------
    DataFrame
        One row per published number, columns :data:`COMPARISON_COLUMNS`. ``ours``, ``se`` and
        ``ratio`` (ours / published) are NaN where we have no finished replicate of that model;
        ``n`` counts the replicates used.
    """
    ok = metrics[metrics["status"] == "ok"]
    rng = np.random.default_rng(seed)
    rows = []
    for table in published:
        metric = table["metric"]
        name = table.get("statistic", "median")
        statistic = _STATISTICS[name]
        for dataset, models in table["values"].items():
            for pair, value in models.items():
                loss, penalty = parse_pair(pair)
                same_model = (ok["loss"] == loss) & (ok["penalty"] == penalty)
                ours_values = ok.loc[same_model & (ok["dataset"] == dataset), metric]
                ours_values = ours_values.to_numpy(dtype=float)
                ours_values = ours_values[np.isfinite(ours_values)]
                ours = float(statistic(ours_values)) if ours_values.size else math.nan
                rows.append(
                    {
                        "source": table["source"],
                        "dataset": dataset,
                        "loss": loss,
                        "penalty": penalty,
                        "metric": metric,
                        "statistic": name,
                        "published": float(value),
                        "ours": ours,
                        "se": _bootstrap_se(ours_values, statistic, n_boot, rng),
                        "n": int(ours_values.size),
                        "ratio": ours / float(value) if value else math.nan,
                    }
                )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _ranking(frame: pd.DataFrame, column: str, labels: Mapping) -> str:
    ordered = frame.sort_values(column, kind="stable")
    return " < ".join(labels[(row.loss, row.penalty)] for row in ordered.itertuples())


def ordering_rows(comparison: pd.DataFrame, labels: Mapping | None = None) -> list[dict]:
    """Per (source, dataset): the paper's ranking of the models, ours, and whether they agree.

    Parameters
    ----------
    comparison : DataFrame
        The output of :func:`compare_published`.
    labels : mapping (loss, penalty) -> str, optional
        Names of the models in the rankings; :func:`normbench.report.figures.pair_label` by default.

    Returns
    -------
    list of dict
        Keys ``source``, ``dataset``, ``published_order``, ``our_order`` (lowest first) and
        ``same`` (True, False, or None when a model has no result of ours). Datasets with a
        single published model have no ranking and are left out.
    """
    rows = []
    for (source, dataset), frame in comparison.groupby(["source", "dataset"], sort=False):
        if len(frame) < 2:
            continue
        names = labels or {
            (row.loss, row.penalty): pair_label(row.loss, row.penalty) for row in frame.itertuples()
        }
        complete = bool(frame["ours"].notna().all())
        published_order = _ranking(frame, "published", names)
        our_order = _ranking(frame, "ours", names) if complete else "n/a"
        rows.append(
            {
                "source": source,
                "dataset": dataset,
                "published_order": published_order,
                "our_order": our_order,
                "same": (published_order == our_order) if complete else None,
            }
        )
    return rows


def published_figure(comparison: pd.DataFrame, labels: Mapping | None = None):
    """Ours against the paper's, one point per number, log axes, with the factor-2 band.

    Points on the diagonal reproduce the paper; the shaded band is "within a factor of two".
    Error bars are plus or minus one bootstrap standard error of our statistic.
    """
    done = comparison.dropna(subset=["ours"])
    done = done[(done["ours"] > 0) & (done["published"] > 0)]
    figure = _new_figure((6.4, 5.4))
    axis = figure.add_subplot()
    if done.empty:
        axis.text(0.5, 0.5, "no finished results to compare", ha="center", va="center")
        axis.set_axis_off()
        return figure
    low = float(min(done["ours"].min(), done["published"].min())) / 1.6
    high = float(max(done["ours"].max(), done["published"].max())) * 1.6
    line = np.geomspace(low, high, 50)
    axis.fill_between(line, line / 2, line * 2, color="0.92", label="within a factor of 2")
    axis.plot(line, line, color="0.45", linewidth=1, label="ours = published")
    markers = "osD^vP*X"
    models = list(dict.fromkeys(zip(done["loss"], done["penalty"], strict=True)))
    palette = _penalty_palette(list(dict.fromkeys(done["penalty"])))
    datasets = list(dict.fromkeys(done["dataset"]))
    for row in done.itertuples():
        axis.errorbar(
            row.published,
            row.ours,
            yerr=0.0 if math.isnan(row.se) else row.se,
            fmt=markers[datasets.index(row.dataset) % len(markers)],
            color=palette[row.penalty],
            markersize=7,
            capsize=2,
        )
    for model in models:
        name = (labels or {}).get(model) or pair_label(*model)
        axis.plot([], [], "s", color=palette[model[1]], label=name)
    for index, dataset in enumerate(datasets):
        axis.plot([], [], markers[index % len(markers)], color="0.3", label=dataset)
    axis.set(
        xscale="log",
        yscale="log",
        xlim=(low, high),
        ylim=(low, high),
        xlabel=f"published ({done['statistic'].iloc[0]} {done['metric'].iloc[0]})",
        ylabel=f"ours ({done['statistic'].iloc[0]} ± bootstrap SE)",
        title="Published results reproduced",
    )
    axis.legend(fontsize=8, loc="upper left", frameon=False)
    return figure
