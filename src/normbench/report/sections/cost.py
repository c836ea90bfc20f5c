"""Cost: fit times per pair and the jobs' time and peak memory."""

from __future__ import annotations

import pandas as pd

from normbench.report.figures import fit_time_bars
from normbench.report.figures.common import format_value, pair_label
from normbench.report.html import esc, html_figure, html_table
from normbench.vocab import LOSSES, PENALTIES, order_names


def render(ctx):
    timings = ctx.timings
    seconds = pd.to_numeric(timings["fit_seconds"])
    frame = timings.assign(fit_seconds=seconds)
    stats = frame.groupby(["loss", "penalty"])["fit_seconds"].agg(
        ["count", "median", "mean", "max", "sum"]
    )
    losses = order_names(frame["loss"], LOSSES)
    penalties = order_names(frame["penalty"], PENALTIES)
    rows = [
        (pair_label(loss, pen), *stats.loc[(loss, pen)].tolist())
        for loss in losses
        for pen in penalties
        if (loss, pen) in stats.index
    ]
    figure = html_figure(
        fit_time_bars(timings),
        "Median wall-clock fit time per pair over all datasets and replicates. Timings depend "
        "on the machine and on parallel load; they are kept out of the metrics table so that "
        "the results stay byte-reproducible.",
        "median fit time per pair",
    )
    body = (
        f"<p>Total recorded fit time: {esc(format_value(float(seconds.sum())))} s over "
        f"{len(timings)} fits.</p>\n{figure}\n"
        + html_table(["loss / penalty", "fits", "median s", "mean s", "max s", "total s"], rows)
    )
    jobs = ctx.benchmarks
    if jobs.empty:
        body += (
            '\n<p class="note">Peak memory is not shown: no Snakemake benchmark files '
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
        body += (
            "\n<h3>Jobs and peak memory</h3>\n<p>From Snakemake's <code>benchmark:</code> "
            "files: wall-clock seconds and peak resident memory (max_rss, MB) of each job; a "
            "fit job fits all pairs of one dataset replicate, cross-validation included.</p>\n"
            + html_table(
                ["rule", "jobs", "median s", "max s", "median max_rss MB", "max max_rss MB"],
                memory_rows,
            )
        )
    return body
