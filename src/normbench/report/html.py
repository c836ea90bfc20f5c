"""HTML building blocks of the report: escaping, tables, embedded figures and sections.

Shared by :mod:`normbench.report.build` and the modules that contribute sections to it
(:mod:`normbench.report.sweeps`), so that every part of the report renders numbers, missing values
and figures the same way. Everything taken from the data or the configuration is escaped here.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np
import pandas as pd

from normbench.report.figures import format_value

__all__ = ["esc", "html_cell", "html_figure", "html_section", "html_table", "is_number"]

#: Resolution of the embedded PNG figures.
FIGURE_DPI = 100


def esc(value):
    return html.escape(str(value), quote=True)


def is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def html_cell(value):
    """A table cell: numbers right-aligned and formatted, missing values as 'n/a'."""
    if is_number(value):
        return f'<td class="num">{esc(format_value(value))}</td>'
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return '<td class="num">n/a</td>'
    return f"<td>{esc(value)}</td>"


def html_table(headers, rows):
    head = "".join(f"<th>{esc(header)}</th>" for header in headers)
    body = "\n".join("<tr>" + "".join(html_cell(value) for value in row) + "</tr>" for row in rows)
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def html_figure(figure, caption, alt):
    """Embed a figure as a base64 PNG inside <figure> with its caption."""
    buffer = io.BytesIO()
    # No "Software" chunk: keeps the PNG free of version strings and URLs.
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def html_section(section_id, title, body):
    return f'<section id="{esc(section_id)}">\n<h2>{esc(title)}</h2>\n{body}\n</section>'
