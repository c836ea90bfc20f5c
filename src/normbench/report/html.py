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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from normbench.report.figures.common import format_value

__all__ = [
    "esc",
    "figure_png",
    "html_cell",
    "html_details",
    "html_figure",
    "html_section",
    "html_table",
    "is_number",
    "scenario_select",
    "scenarios_picked",
    "table_filter",
]

#: Resolution of the embedded PNG figures.
FIGURE_DPI = 100

#: Colours of an embedded figure's palette. The figures are flat colours, lines and
#: anti-aliased text: 64 colours look the same as the full RGBA image at a quarter of its
#: bytes (default study, 2026-12-04: 157 figures 7.8 MB as RGBA PNG, 1.95 MB as palette PNG).
FIGURE_COLOURS = 64

#: Up to this many scenarios every per-scenario block is on the page (closed); a larger study
#: (the Hastie preset: 240) hides them until the reader picks one, else its page is mostly a
#: list of closed blocks (:func:`scenarios_picked`).
SCENARIOS_LISTED = 12

#: zlib level of the PNG figures: 9 took 2.5 times the CPU of 8 for 2.5 % fewer bytes (default
#: study, 2026-12-04: 157 figures, 2.81 s and 1.94 MB at 9, 1.09 s and 1.99 MB at 8, 0.41 s and
#: 2.28 MB at 6).
FIGURE_COMPRESSION = 8


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


def html_table(headers, rows, *, id_=None):
    """A table (``id_``: its HTML id, e.g. for a ``table-filter`` input) in a box that scrolls
    sideways when it is wider than the page."""
    head = "".join(f"<th>{esc(header)}</th>" for header in headers)
    body = "\n".join("<tr>" + "".join(html_cell(value) for value in row) + "</tr>" for row in rows)
    table_id = f' id="{esc(id_)}"' if id_ else ""
    return (
        f'<div class="table-wrap"><table{table_id}><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def figure_png(figure):
    """The figure as a palette PNG at :data:`FIGURE_DPI` (bytes).

    The figure is drawn once: ``savefig`` with a layout engine draws it twice (a draw without
    rendering for the layout, then the real one), and the draws are most of a report's time.
    The image is reduced to :data:`FIGURE_COLOURS` colours (octree, no dithering: flat areas
    stay flat) and written with no metadata chunk, so the bytes hold no version string and
    depend on the figure only.
    """
    figure.set_dpi(FIGURE_DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba()))
    if image.getextrema()[3][0] == 255:  # opaque, as every figure of the report is
        image = image.convert("RGB")
    palette = image.quantize(
        FIGURE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", compress_level=FIGURE_COMPRESSION)
    return buffer.getvalue()


def html_figure(figure, caption, alt):
    """Embed a figure as a base64 PNG (:func:`figure_png`) inside <figure> with its caption."""
    encoded = base64.b64encode(figure_png(figure)).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def table_filter(table_id, count, shown, placeholder="text in a row", after=""):
    """The filter box of table ``table_id`` (the page's script keeps the rows holding its text)
    and its count: ``<count> of <count> <shown>``, the first number updated as the reader
    types; ``after`` follows in the same line (e.g. a download link)."""
    counter = f"{table_id.removesuffix('-table')}-shown"
    return (
        '<div class="table-tools"><label>Filter: <input type="search" class="table-filter" '
        f'data-table="{esc(table_id)}" data-counter="{esc(counter)}" '
        f'placeholder="{esc(placeholder)}"></label><span><span id="{esc(counter)}">{count}</span>'
        f" of {count} {shown}</span>{after}</div>\n"
    )


def scenarios_picked(count):
    """Whether the blocks of ``count`` scenarios are hidden until one is picked
    (more than :data:`SCENARIOS_LISTED`)."""
    return count > SCENARIOS_LISTED


def html_details(summary, body, *, open_=False, id_=None, scenario=None, until_picked=False):
    """A block the reader opens on demand: ``<details>`` (closed by default) with its summary.

    The report keeps the main story on a few screens and puts per-scenario detail (secondary
    metrics, tables of medians) in such blocks; the browser test measures the page with every
    one of them closed.

    Parameters
    ----------
    summary : str
        The always-visible line, plain text (escaped here).
    body : str
        The HTML shown when opened.
    open_ : bool, default=False
        Render it open.
    id_ : str, optional
        Its HTML id, for links to it.
    scenario : str, optional
        The dataset this block shows: the page's scenario control hides it when another
        scenario is chosen.
    until_picked : bool, default=False
        With ``scenario``: hidden until that scenario is picked in a scenario control or a link
        to the block (or to an element inside it) is followed; then shown open.
    """
    attributes = (f' id="{esc(id_)}"' if id_ else "") + (" open" if open_ else "")
    attributes += f' data-scenario="{esc(scenario)}"' if scenario else ""
    attributes += " data-until-picked hidden" if scenario and until_picked else ""
    return f"<details{attributes}><summary>{esc(summary)}</summary>\n{body}\n</details>"


def html_section(section_id, title, body):
    return f'<section id="{esc(section_id)}">\n<h2>{esc(title)}</h2>\n{body}\n</section>'


STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1f2328; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 1rem 1.25rem 4rem; }
p, ul, ol { max-width: 62rem; }
h1 { font-size: 1.7rem; margin: 0.3rem 0 0.1rem; }
h2 { font-size: 1.45rem; margin-top: 2.2rem; padding-bottom: 0.3rem;
  border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1rem; margin-top: 1.4rem; }
.subtitle { color: #57606a; margin: 0; }
nav { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px;
  padding: 0.4rem 1rem; margin: 0.6rem 0; font-size: 0.92rem; }
nav a { margin-right: 1rem; color: #0969da; text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
.formula { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f6f8fa; padding: 0.5rem 0.8rem; border-radius: 6px; display: inline-block; }
.table-wrap { overflow-x: auto; }
.table-scroll { max-height: 20rem; overflow: auto; border: 1px solid #d0d7de; }
.table-scroll table { margin: 0; }
.table-scroll thead th { position: sticky; top: 0; }
/* inside a scroll box the box scrolls both ways, so that the head sticks to its top */
.table-scroll .table-wrap { overflow: visible; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.75rem 0; }
th, td { padding: 0.3rem 0.65rem; border-bottom: 1px solid #d0d7de; text-align: left;
  vertical-align: top; }
th { background: #eaeef2; font-weight: 600; }
tbody tr:nth-child(even) { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
#results-table td { white-space: nowrap; }
.table-tools { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.table-tools input { font: inherit; padding: 0.2rem 0.5rem; min-width: 18rem; }
/* Figures are shown at the size they were drawn (never scaled down, so their smallest text
   stays at 11 px or more); side by side when they fit, scrolled sideways when one is wider. */
.figure-grid { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: flex-start; }
figure { margin: 1rem 0; max-width: 100%; overflow-x: auto; }
figure img { max-width: none; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #57606a; margin-top: 0.3rem; max-width: 62rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.8rem;
  overflow-x: auto; font-size: 0.85rem; }
details { margin: 0.6rem 0; }
/* a block hidden until picked shows when a link names it where the script does not run (where it
   runs, it shows the block, and hides it again when another scenario is picked) */
html:not(.scripted) details[data-until-picked]:target { display: block; }
ul.scenario-links { max-width: none; columns: 17rem; column-gap: 1.5rem; font-size: 0.9rem; }
summary { cursor: pointer; color: #0969da; }
.ok { color: #1a7f37; }
.warn { color: #9a6700; }
p.lead { font-size: 1.05rem; }
ul.findings li { margin-bottom: 0.45rem; }
.note { color: #57606a; font-size: 0.9rem; }
"""

#: The page's only script, inline (no network, works from a file): the scenario selects
#: (:func:`scenario_select`) show one scenario's ``[data-scenario]`` blocks, or all, or (blocks
#: ``data-until-picked``) none, and a link to such a block or into it shows and opens it; a
#: table of class ``sortable`` sorts by a column when its header is clicked (numbers
#: numerically, text alphabetically, "n/a" last either way; a second click reverses), an ``<input
#: class="table-filter" data-table="ID">`` hides the rows of table ``ID`` not containing its text,
#: and a table with ``data-rows="ID"`` gets its rows from the gzip'ed, base64-encoded text in the
#: element ``ID`` (a row per line, cells separated by tabs; ``data-numeric`` lists the columns
#: aligned as numbers), and its ``data-link`` link the file packed the same way in
#: ``data-download``, unpacked by the browser's ``DecompressionStream``; then the table gets
#: ``data-ready="yes"`` and the element ``data-status`` (the note saying what the table needs) is
#: hidden.
SCRIPT = """
(function () {
  "use strict";
  document.documentElement.classList.add("scripted");
  var choosers = Array.prototype.slice.call(document.querySelectorAll("select.scenario-select"));
  function showScenario(value) {
    var picked = null;
    choosers.forEach(function (chooser) { chooser.value = value; });
    document.querySelectorAll("[data-scenario]").forEach(function (block) {
      var untilPicked = block.hasAttribute("data-until-picked");
      block.hidden = value === "" ? untilPicked : block.dataset.scenario !== value;
      if (untilPicked && block.dataset.scenario === value) {
        block.open = true;
        picked = block;
      }
    });
    return picked;
  }
  choosers.forEach(function (chooser) {
    chooser.addEventListener("change", function () {
      var picked = showScenario(chooser.value);
      // a block hidden until picked, picked far from it (the control at the top): go to it
      if (picked && !chooser.closest("[id=by-scenario]")) { picked.scrollIntoView(); }
    });
  });
  function followLink() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (malformed) { return; }
    var target = id && document.getElementById(id);
    var block = target && target.closest("[data-scenario]");
    if (!block) { return; }
    if (block.hidden) { showScenario(block.dataset.scenario); }
    block.open = true;
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", followLink);
  if (location.hash.length > 1) { followLink(); }
  function key(row, index) {
    var text = row.cells[index] ? row.cells[index].textContent.trim() : "";
    var number = text === "" ? NaN : Number(text);
    return { text: text, number: isNaN(number) ? null : number, missing: text === "n/a" };
  }
  function compare(a, b, direction) {
    if (a.missing !== b.missing) { return a.missing ? 1 : -1; }
    if (a.number !== null && b.number !== null) { return direction * (a.number - b.number); }
    if (a.number !== null) { return -direction; }
    if (b.number !== null) { return direction; }
    return direction * a.text.localeCompare(b.text);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (header, index) {
      header.title = "click to sort";
      header.addEventListener("click", function () {
        var direction = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
          return { row: row, key: key(row, index), position: position };
        });
        rows.sort(function (a, b) {
          return compare(a.key, b.key, direction) || a.position - b.position;
        });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (item) { fragment.appendChild(item.row); });
        body.appendChild(fragment);
      });
    });
  });
  function unpack(id) {
    var binary = atob(document.getElementById(id).textContent.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  function addRows(table, buffer) {
    var numeric = {};
    (table.dataset.numeric || "").split(",").forEach(function (index) {
      numeric[index] = true;
    });
    var text = new TextDecoder().decode(buffer);
    var fragment = document.createDocumentFragment();
    (text === "" ? [] : text.split("\\n")).forEach(function (line) {
      var row = document.createElement("tr");
      line.split("\\t").forEach(function (value, index) {
        var cell = document.createElement("td");
        if (numeric[index] || value === "n/a") { cell.className = "num"; }
        cell.textContent = value;
        row.appendChild(cell);
      });
      fragment.appendChild(row);
    });
    table.tBodies[0].appendChild(fragment);
  }
  document.querySelectorAll("table[data-rows]").forEach(function (table) {
    var status = document.getElementById(table.dataset.status);
    if (typeof DecompressionStream === "undefined") { return; }
    var link = document.getElementById(table.dataset.link);
    var work = [unpack(table.dataset.rows).then(function (buffer) {
      addRows(table, buffer);
      var filter = document.querySelector('input.table-filter[data-table="' + table.id + '"]');
      if (filter && filter.value.trim() !== "") { filter.dispatchEvent(new Event("input")); }
    })];
    if (link && document.getElementById(table.dataset.download)) {
      work.push(unpack(table.dataset.download).then(function (buffer) {
        link.href = URL.createObjectURL(new Blob([buffer], { type: "text/csv" }));
        link.hidden = false;
      }));
    }
    Promise.all(work).then(function () {
      if (status) { status.hidden = true; }
      table.dataset.ready = "yes";
    }, function (error) {
      if (status) { status.textContent = "The table could not be unpacked: " + error; }
    });
  });
  document.querySelectorAll("input.table-filter").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    var counter = document.getElementById(input.getAttribute("data-counter"));
    if (!table) { return; }
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var keep = wanted === "" || row.textContent.toLowerCase().indexOf(wanted) !== -1;
        row.hidden = !keep;
        shown += keep ? 1 : 0;
      });
      if (counter) { counter.textContent = String(shown); }
    });
  });
})();
"""


def anchor(prefix, dataset):
    """The id of a dataset's part of a section, e.g. ``grid-gaussian``."""
    return f"{prefix}-{dataset}"


def scenario_select(scenarios, id_):
    """A ``<select>`` of the scenarios (``scenarios``: dataset -> words), first "all" or, where
    the blocks are hidden until picked (:func:`scenarios_picked`), "none"; every such select of
    the page shows the same choice, and the page's script hides each ``[data-scenario]`` block
    of another scenario. A plain select: keyboard-usable, offline."""
    empty = (
        f"none: pick one of {len(scenarios)}"
        if scenarios_picked(len(scenarios))
        else "all scenarios"
    )
    # the words alone where they tell the scenarios apart; else (a sweep's members share them)
    # the dataset's name first
    distinct = len(set(scenarios.values())) == len(scenarios)
    options = "".join(
        f'<option value="{esc(name)}">{esc(label if distinct else f"{name} ({label})")}</option>'
        for name, label in scenarios.items()
    )
    return (
        f'<select id="{esc(id_)}" class="scenario-select">'
        f'<option value="">{esc(empty)}</option>{options}</select>'
    )


def scenario_control(scenarios):
    """One control at the top: "all" (or "none") or a scenario; every per-scenario block
    follows it (:func:`scenario_select`)."""
    if len(scenarios) < 2:
        return ""
    return (
        '<p class="scenario-control"><label for="scenario-select">Scenario shown in the '
        f"per-scenario blocks: </label>{scenario_select(scenarios, 'scenario-select')}</p>"
    )


def page(title, subtitle, sections, *, scenarios=None):
    """The whole document: ``sections`` is a list of ``(id, nav, heading, body)`` in page order.

    The navigation links exactly the sections given, so a section is in the navigation when,
    and only when, it is on the page; ``scenarios`` (dataset -> words) gives the scenario
    control (:func:`scenario_control`).
    """
    navigation = " ".join(f'<a href="#{esc(id_)}">{esc(nav)}</a>' for id_, nav, _, _ in sections)
    navigation += scenario_control(scenarios or {})
    body = "\n".join(html_section(id_, heading, text) for id_, _, heading, text in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{esc(title)}</h1>
<p class="subtitle">{subtitle}</p>
<nav>{navigation}</nav>
{body}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""
