"""Failures: every fit that did not succeed, with its message."""

from __future__ import annotations

import pandas as pd

from normbench.report.html import html_table
from normbench.study.store import is_ok


def render(ctx):
    metrics = ctx.metrics
    failed = metrics[~is_ok(metrics)]
    if failed.empty:
        body = f'<p class="ok">All {len(metrics)} fits converged.</p>'
    else:
        messages = failed["message"] if "message" in failed else pd.Series("", index=failed.index)
        rows = [
            (row.dataset, row.replicate, row.loss, row.penalty, row.status, message)
            for row, message in zip(failed.itertuples(index=False), messages, strict=True)
        ]
        body = (
            f'<p class="warn">{len(failed)} of {len(metrics)} fits did not succeed. They are '
            "counted here and left out of every median and figure.</p>\n"
            + html_table(["dataset", "replicate", "loss", "penalty", "status", "message"], rows)
        )
    return body
