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

from normbench.report.figures import published_figure
from normbench.report.figures.common import pair_label
from normbench.report.html import esc, html_figure, html_table
from normbench.study.store import ok_fits

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
    ok = ok_fits(metrics)
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


def _pass_text(value) -> str:
    if isinstance(value, str):
        value = value.strip().lower() in ("true", "1")
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        return "no band"
    return "pass" if bool(value) else "FAIL"


def _checks(check):
    """The reproduction's own verdicts, from results/published_check.csv."""
    if check is None or check.empty:
        return []
    verdicts = [_pass_text(value) for value in check["pass"]]
    checked = [v for v in verdicts if v != "no band"]
    headers = ["source", "kind", "dataset", "pairs", "published", "ours", "SE", "low", "high"]
    rows = [
        [*(getattr(row, column) for column in headers[:4]), row.published, row.ours, row.se]
        + [row.low, row.high, verdict]
        for row, verdict in zip(check.itertuples(index=False), verdicts, strict=True)
    ]
    return [
        "<h3>Does the reproduction hold?</h3>",
        f"<p><b>{checked.count('pass')} of {len(checked)} checks pass</b> "
        "(<code>results/published_check.csv</code>): a number passes when ours lies in its "
        "allowed band [low, high]; an ordering passes when our statistics follow the paper's "
        "chain (published and ours are then the smallest gap between neighbours, SE a paired "
        "bootstrap standard error of ours).</p>",
        html_table([*headers, "pass"], rows),
    ]


def render(ctx):
    """Ours beside a paper's numbers (config key ``published``); absent when there are none."""
    published = ctx.config.get("published") or []
    if not published:
        return None
    comparison = compare_published(ctx.metrics, published, n_boot=ctx.n_boot, seed=ctx.seed)
    parts = [
        "<p>Numbers from the literature next to this run's. <em>Ours</em> is the same statistic "
        "(median or mean over the finished replicates) of the same column of the results table; "
        "<em>SE</em> is its bootstrap standard error, <em>ratio</em> ours / published. The "
        "study's config states how its design follows the paper and where it departs.</p>"
    ]
    parts += _checks(ctx.published_check)
    for source, table in comparison.groupby("source", sort=False):
        parts.append(f"<h3>{esc(source)}</h3>")
        within_two = table["ratio"].between(0.5, 2.0)
        parts.append(
            f"<p>{int(within_two.sum())} of {len(table)} numbers are within a factor of two of "
            f"the paper's (ratio between 0.5 and 2).</p>"
        )
        parts.append(
            html_table(
                ["dataset", "model", "metric", "published", "ours", "SE", "replicates", "ratio"],
                [
                    [
                        row.dataset,
                        pair_label(row.loss, row.penalty),
                        f"{row.statistic} {row.metric}",
                        row.published,
                        row.ours,
                        row.se,
                        row.n,
                        row.ratio,
                    ]
                    for row in table.itertuples()
                ],
            )
        )
        orders = ordering_rows(table)
        if orders:
            parts.append(
                "<p>Ranking of the models within each dataset, lowest first: "
                f"{sum(bool(row['same']) for row in orders)} of {len(orders)} datasets rank them "
                "as the paper does.</p>"
            )
            parts.append(
                html_table(
                    ["dataset", "published ranking", "our ranking", "same"],
                    [
                        [
                            row["dataset"],
                            row["published_order"],
                            row["our_order"],
                            "n/a" if row["same"] is None else ("yes" if row["same"] else "no"),
                        ]
                        for row in orders
                    ],
                )
            )
    figure = published_figure(comparison)
    parts.append(
        html_figure(
            figure,
            "Ours against the published numbers (log axes). On the diagonal we reproduce the "
            "paper; the grey band is within a factor of two. Bars: plus or minus one bootstrap "
            "standard error of our statistic. Colour: penalty; marker: dataset.",
            "Scatter plot of our results against the published ones",
        )
    )
    return "\n".join(parts)
