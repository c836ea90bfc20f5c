"""The "Sweeps" section of the report: metrics against a swept generator parameter.

A dataset entry of the config may sweep one numeric parameter over a list of values (``sweep:
{param: p, values: [200, 500, 1000]}``); validation expands it into one dataset per value
(:func:`normbench.study.config.sweep_dataset_name`) and records in each which sweep and value it
belongs to. This module finds those datasets in the validated config and draws, for every sweep and
every key metric, the median over replicates of each loss x penalty pair against the swept value
with error bars of ± its Monte Carlo error (``results/summary.csv``: each swept value is a
dataset), and writes one generated sentence per sweep: which pair's median grows (or shrinks) the
most along the sweep, and the set of best pairs at either end (from ``results/best_set.csv``,
never from medians).

Only :func:`render` is used by :mod:`normbench.report.build`; :func:`sweep_table` lays out the
summary's rows of a sweep and :func:`describe_sweep` says which moved most.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from normbench import vocab
from normbench.report.figures import sweep_figure
from normbench.report.figures.common import INTERPOLANT_LOSS, format_value, pair_label
from normbench.report.figures.sweeps import SWEEP_LABELS
from normbench.report.html import esc, html_details, html_figure, html_table
from normbench.report.tables import pair_estimates, with_error
from normbench.study.config import sweeps
from normbench.vocab import LOSSES, order_names

#: Metrics drawn against the swept value, in this order; those without a finite value are left
#: out (relative risk and PVE need the signal and noise variance of a simulated dataset, risk
#: and F1 the true coefficients). ``relative_risk`` replaces ``risk`` when both are available.
SWEEP_METRICS = ("relative_risk", "risk", "pve", "test_mse", "test_mae", "f1", "n_nonzero")


_METRIC_DEFINITIONS = {
    "relative_risk": "risk / Var(x'β): 0 is perfect, 1 is the risk of predicting 0",
    "risk": "mean((f̂ − f)²) over the test points",
    "pve": "1 − (risk + σ²) / (Var(x'β) + σ²): at most the SNR / (1 + SNR)",
    "test_mse": "against the noisy test responses",
    "test_mae": "against the noisy test responses",
    "f1": "of the selected support against the true one",
    "n_nonzero": "at the CV choice",
}


def sweep_table(summary: pd.DataFrame, datasets: Mapping, metric: str) -> pd.DataFrame:
    """The median of one metric per pair and swept value, with its Monte Carlo error.

    Every number is a row of ``results/summary.csv``: a swept value is a dataset of its own.
    Where the three unpenalised fits are the one interpolant, its row stands for ``none`` in
    every loss (each loss's panel shows it).

    Parameters
    ----------
    summary : DataFrame
        ``results/summary.csv`` (read).
    datasets : mapping
        ``{swept value: dataset name}`` of one sweep (``normbench.study.config.sweeps``).
    metric : str
        A metric of the summary.

    Returns
    -------
    DataFrame
        Columns ``value``, ``loss``, ``penalty``, ``median``, ``mcse``, ``ci_low``, ``ci_high``
        and ``n`` (successful replicates with a finite value), sorted by value; pairs without
        a median are left out.
    """
    names = {name: value for value, name in datasets.items()}
    rows = pair_estimates(summary, metric, names)
    rows = rows[np.isfinite(rows["estimate"].to_numpy(dtype=float))]
    losses = [loss for loss in order_names(rows["loss"], LOSSES) if loss != INTERPOLANT_LOSS]
    interpolant = rows[rows["loss"] == INTERPOLANT_LOSS]
    rows = pd.concat(
        [rows[rows["loss"] != INTERPOLANT_LOSS]]
        + [interpolant.assign(loss=loss) for loss in losses],
        ignore_index=True,
    )
    table = rows.assign(value=rows["dataset"].map(names).astype(float)).rename(
        columns={"estimate": "median", "n_replicates": "n"}
    )
    table = table[["value", "loss", "penalty", "median", "mcse", "ci_low", "ci_high", "n"]]
    return table.sort_values(["value", "loss", "penalty"], kind="stable").reset_index(drop=True)


def describe_sweep(table: pd.DataFrame, param: str, metric: str) -> str:
    """One sentence on a sweep: the pair whose median changes the most.

    The best pairs are never named from medians: :func:`best_sentence` takes them from the
    model confidence set.

    Parameters
    ----------
    table : DataFrame
        From :func:`sweep_table`.
    param : str
        The swept parameter (for the text).
    metric : str
        The metric of ``table``; a lower-is-better metric "degrades" when it grows, a
        higher-is-better one when it falls.

    Returns
    -------
    str
        Empty when fewer than two swept values have results.
    """
    values = sorted(table["value"].unique())
    if len(values) < 2:
        return ""
    first, last = values[0], values[-1]
    name = SWEEP_LABELS.get(metric, metric)
    lower_better = vocab.metric(metric).better != "higher"
    at_ends = table[table["value"].isin([first, last])].set_index(["loss", "penalty", "value"])
    ends = at_ends["median"].unstack("value").dropna()
    errors = at_ends["mcse"].unstack("value").reindex(ends.index)
    sentences = []
    if not ends.empty:
        start, stop = ends[first].to_numpy(float), ends[last].to_numpy(float)
        # Ratios for positive error-like metrics (they span orders of magnitude), differences
        # otherwise (F1, PVE can be 0 or negative).
        use_ratio = vocab.metric(metric).log_scale and bool(np.all(start > 0) and np.all(stop > 0))
        change = stop / start if use_ratio else stop - start
        worsening = np.log(change) if use_ratio else change
        if not lower_better:
            worsening = -worsening
        index = int(np.argmax(worsening))
        label = pair_label(*ends.index[index])
        amount = f"×{change[index]:.3g}" if use_ratio else f"{change[index]:+.3g}"
        how = (
            f"{label} degrades fastest"
            if worsening[index] > 0
            else f"every pair improves; {label} improves least"
        )
        sentences.append(
            f"From {param} = {format_value(first)} to {format_value(last)}, {how}: its median "
            f"{name} goes from {with_error(start[index], errors[first].iloc[index])} to "
            f"{with_error(stop[index], errors[last].iloc[index])} ({amount})."
        )
    return " ".join(sentences)


def _metrics_to_draw(summary, names):
    """The sweep metrics with a median somewhere in the sweep (relative risk before risk)."""
    medians = summary[(summary["what"] == "median") & summary["dataset"].isin(names)]
    has = set(medians.loc[np.isfinite(medians["estimate"].to_numpy(dtype=float)), "metric"])
    present = [metric for metric in SWEEP_METRICS if metric in has]
    if "relative_risk" in present and "risk" in present:
        present.remove("risk")
    return present


def render(ctx):
    """HTML of the report's "Sweeps" section (a short note when the study has no sweep).

    Parameters
    ----------
    ctx : mapping
        The report's context: ``mc_summary`` (``results/summary.csv``), ``best_set`` and
        ``config`` (validated, so that its sweeps are expanded).

    Returns
    -------
    str
    """
    found = sweeps(ctx.config)
    if not found:
        body = (
            '<p class="note">This study has no sweep. A dataset entry with '
            "<code>sweep: {param: p, values: [200, 500, 1000]}</code> becomes one dataset per "
            "value, and this section then draws every metric against the swept value "
            "(config/README.md, “Sweeps”).</p>"
        )
        return body
    summary = ctx.mc_summary  # results/summary.csv: every median drawn or said
    parts = [
        "<p>Each sweep below is one dataset entry of the configuration whose parameter takes "
        "several values; each value is a dataset of its own (named "
        "<code>&lt;sweep&gt;__&lt;param&gt;_&lt;value&gt;</code>, seeded from that name, so the "
        "values are independent draws). Lines are medians over the successful replicates "
        "(results/summary.csv), error bars ± their Monte Carlo errors; one panel per loss, one "
        "colour per penalty.</p>"
    ]
    for name, sweep in found.items():
        param, datasets = sweep["param"], sweep["datasets"]
        present = _metrics_to_draw(summary, set(datasets.values()))
        shown = ", ".join(format_value(value) for value in datasets)
        parts.append(
            f'<p id="sweep-{esc(name)}"><b>{esc(name)}</b>: {esc(param)} ∈ {{{esc(shown)}}}.'
        )
        if not present:
            parts.append('</p>\n<p class="note">No successful fit has results for this sweep.</p>')
            continue
        first = present[0]
        sentence = describe_sweep(sweep_table(summary, datasets, first), param, first)
        ends = [(value, datasets[value]) for value in (min(datasets), max(datasets))]
        sentence = " ".join(filter(None, [sentence, best_sentence(ctx.best_set, ends, param)]))
        if sentence:
            parts.append(f" {esc(sentence)}")
        parts.append("</p>")
        figures = []
        for metric in present:
            table = sweep_table(summary, datasets, metric)
            if table.empty:
                continue
            direction = (
                "lower is better"
                if vocab.metric(metric).better == "lower"
                else "higher is better"
                if vocab.metric(metric).better == "higher"
                else None
            )
            caption = f"{SWEEP_LABELS[metric]} ({_METRIC_DEFINITIONS[metric]}) against {param}"
            caption += f"; {direction}." if direction else "."
            figures.append(
                html_figure(
                    sweep_figure(table, param, metric),
                    caption,
                    f"{SWEEP_LABELS[metric]} against {param} for sweep {name}",
                )
            )
        # the sentence is the story; the figures open on demand
        parts.append(
            html_details(
                f"{name}: every metric against {param}, and the best pair per value",
                '<div class="figure-grid">'
                + "\n".join(figures)
                + "</div>\n"
                + _best_table(ctx.best_set, datasets, param),
            )
        )
    return "\n".join(parts)


def best_pairs(best_set, dataset):
    """(metric, pairs) of the set of best pairs of ``dataset`` on its first metric, or None.

    The set comes from ``results/best_set.csv`` (the model confidence set): no best pair is
    ever named from medians alone.
    """
    if best_set is None or best_set.empty:
        return None
    rows = best_set[best_set["dataset"] == dataset]
    if rows.empty:
        return None
    metric = rows["metric"].iloc[0]
    chosen = rows[(rows["metric"] == metric) & rows["in_set"].astype(bool)]
    return metric, list(chosen["pair"]), int(rows["n_replicates"].max())


def best_sentence(best_set, ends, param):
    """'The set of best pairs by model error is {l2+l1, huber+l1} at p = 50 and ... at p = 200.'"""
    parts = []
    for value, dataset in ends:
        found = best_pairs(best_set, dataset)
        if found and found[1]:
            metric, pairs, _ = found
            parts.append(f"{{{', '.join(pairs)}}} by {metric} at {param} = {format_value(value)}")
    if not parts:
        return ""
    size = best_set["size"].iloc[0]
    level = f"{1 - size:.0%}"
    return f"The set of best pairs ({level} model confidence set) is " + " and ".join(parts) + "."


def _best_table(best_set, datasets, param):
    """The set of best pairs per swept value (results/best_set.csv), with its replicates."""
    rows = []
    for value, dataset in datasets.items():
        found = best_pairs(best_set, dataset)
        if not found:
            rows.append((value, dataset, "n/a", "not computed", 0))
            continue
        metric, pairs, replicates = found
        rows.append((value, dataset, metric, ", ".join(pairs), replicates))
    headers = [param, "dataset", "metric", "set of best pairs (model confidence set)", "replicates"]
    return html_table(headers, rows)
