"""Cost: fit time against error per pair, the slowest fits, and the jobs' time and peak memory."""

from __future__ import annotations

import pandas as pd

from normbench.analysis.cost import ALL_PAIRS
from normbench.report.figures import time_error_tradeoff
from normbench.report.figures.common import format_value, pair_label
from normbench.report.html import esc, html_details, html_figure, html_table
from normbench.report.tables import loss_penalty, with_error


def render(ctx):
    cost, timings = ctx.cost, ctx.timings  # results/cost.csv; timings only to name the slowest
    totals = cost[cost["what"] == "total"]
    study = totals[totals["pair"] == ALL_PAIRS]
    totals = totals[totals["pair"] != ALL_PAIRS]
    rows = []
    for pair in totals["pair"]:
        mine = cost[cost["pair"] == pair].set_index("what")
        cell = {
            what: with_error(mine.at[what, "estimate"], mine.at[what, "mcse"])
            if what in mine.index
            else "n/a"
            for what in ("median", "mean", "max", "total")
        }
        loss, penalty = loss_penalty(pair)
        fits = int(mine.at["total", "n_replicates"])
        rows.append((pair_label(loss, penalty), fits, *cell.values()))
    errors = cost.loc[cost["what"] == "relative_error", "metric"]
    metric = errors.iloc[0] if len(errors) else "error"
    figure = html_figure(
        time_error_tradeoff(cost),
        f"One point per pair: its median wall-clock fit time (cross-validation included) over "
        f"every dataset replicate, against its median over the scenarios of its {metric} "
        "relative to the scenario's best pair (1 = the best pair of every scenario), both from "
        "results/cost.csv. Timings depend on the machine and on parallel load; they are kept "
        "out of the metrics table so that the results stay byte-reproducible.",
        f"fit time against {metric} per pair",
    )
    total, fits = (study[c].iloc[0] if len(study) else 0 for c in ("estimate", "n_replicates"))
    body = (
        f"<p>Total recorded fit time: {esc(format_value(float(total)))} s over {int(fits)} "
        "fits; the median hides the slow ones, named below.</p>\n"
        + html_details("Fit time against error, per pair", figure)
        + "\n"
        + html_details("The slowest fits, by name", _slowest(timings))
        + html_details(
            "Fit time per pair: count, median and mean ± their Monte Carlo errors, max and total "
            "seconds",
            html_table(["loss / penalty", "fits", "median s", "mean s", "max s", "total s"], rows),
        )
    )
    jobs = ctx.benchmarks
    unusable = jobs[jobs["problem"] != ""]
    jobs = jobs[jobs["problem"] == ""]
    if len(unusable):
        # in the open, not folded away: the time and memory table below misses these jobs
        items = "".join(
            f"<li><code>{esc(row.file)}</code>: {esc(row.problem)}</li>"
            for row in unusable.itertuples(index=False)
        )
        body += (
            f'\n<p class="warn">{len(unusable)} Snakemake benchmark file(s) under '
            f"{esc(ctx.benchmarks_dir)} could not be used, and their jobs are missing from the "
            f"jobs' time and memory:</p>\n<ul>{items}</ul>"
        )
    if jobs.empty:
        body += (
            '\n<p class="note">Peak memory is not shown: no usable Snakemake benchmark files '
            f"(columns s, max_rss) were found under {esc(ctx.benchmarks_dir)}.</p>"
        )
    else:
        per_rule = jobs.groupby("rule", sort=True).agg(
            jobs=("s", "size"),
            median_s=("s", "median"),
            max_s=("s", "max"),
            median_rss=("max_rss", "median"),
            max_rss=("max_rss", "max"),
        )
        memory_rows = [
            (rule, *values)
            for rule, values in zip(per_rule.index, per_rule.itertuples(index=False), strict=True)
        ]
        body += "\n" + html_details(
            "Jobs and peak memory, per rule",
            "<p>From Snakemake's <code>benchmark:</code> files: wall-clock seconds and peak "
            "resident memory (max_rss, MB) of each job; a fit job fits all pairs of one dataset "
            "replicate, cross-validation included.</p>\n"
            + html_table(
                ["rule", "jobs", "median s", "max s", "median max_rss MB", "max max_rss MB"],
                memory_rows,
            ),
        )
    return body


#: How many of the slowest fits are named.
N_SLOWEST = 5


def _slowest(timings):
    """The slowest fits by name: dataset, replicate, pair and seconds (rows of timings.csv)."""
    timings = timings.assign(fit_seconds=pd.to_numeric(timings["fit_seconds"]))
    slowest = timings.sort_values(
        ["fit_seconds", "dataset", "replicate", "loss", "penalty"],
        ascending=[False, True, True, True, True],
        kind="stable",
    ).head(N_SLOWEST)
    rows = [
        (row.dataset, row.replicate, pair_label(row.loss, row.penalty), row.fit_seconds)
        for row in slowest.itertuples(index=False)
    ]
    return f"<h3>The {len(rows)} slowest fits</h3>\n" + html_table(
        ["dataset", "replicate", "loss / penalty", "fit s"], rows
    )
