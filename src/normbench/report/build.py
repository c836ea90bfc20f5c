"""Build the benchmark report: one self-contained HTML file.

Figures are embedded as base64 PNG, the style sheet and the script are inline and the
every-fit table is packed inside the page (:mod:`normbench.report.sections.results`), so the
file opens offline and can be mailed or archived on its own; it references no external URL.
All text taken from the data or the configuration is HTML-escaped.

The report answers one question -- for p >> n regression, which matters more, the loss or
the penalty? -- from files the workflow wrote, and fits nothing and computes no statistic: the
study-wide tables of :data:`normbench.study.layout.REPORT_TABLES` (metrics, timings, the
analysis tables with every verdict and Monte Carlo error, and the optional oracle, provenance
and published check), the configuration, the datasets' JSON sidecars, the explain files
``results/explain/{dataset}.npz`` and Snakemake's benchmark files. They are read once into a
:class:`~normbench.report.context.ReportContext`; the sections
(:data:`normbench.report.sections.SECTIONS`, in page order) render from it.
``docs/report.md`` explains every figure.

Command line::

    python -m normbench.report --study . --config config/config.yaml --output reports/report.html
"""

import argparse
import base64
import html
import multiprocessing
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from normbench.report.context import BASELINE, build_context
from normbench.report.html import page
from normbench.report.sections import SECTIONS
from normbench.study.config import SCHEMA_PATH, ConfigError, load_study_config
from normbench.study.explain_files import detail_datasets
from normbench.study.layout import (
    BENCHMARKS_DIR,
    DATASETS_DIR,
    EXPLAIN_NPZ,
    FITS_NPZ,
    report_tables,
)
from normbench.study.store import write_atomically
from normbench.study.tables import ResultsError

__all__ = ["BASELINE", "build_report", "figure_file_name", "main", "write_figures"]


def build_report(
    *,
    tables: Mapping,
    config: Mapping,
    output_html,
    datasets_dir=DATASETS_DIR,
    benchmarks_dir=BENCHMARKS_DIR,
    benchmark_files=None,
    explain_files=None,
    fits_files=None,
    figures_dir=None,
):
    """Write the benchmark report as one self-contained HTML file.

    Parameters
    ----------
    tables : Mapping
        The study-wide tables, by role (:data:`normbench.study.layout.REPORT_TABLES`):
        ``metrics``, ``timings`` and the analysis tables ``findings``, ``method``, ``answer``,
        ``precision`` (rule analyse) are required; ``oracle`` (least squares on the true support,
        a reference), ``provenance`` (the code and environment that ran the study) and
        ``published_check`` are optional, and the report says what it cannot show without them.
        Every verdict, sentence and Monte Carlo error comes from the analysis tables: the
        report computes no statistic.
    config : Mapping
        The study configuration, validated (defaults filled in).
    output_html : str or path-like
        Where to write the report; parent directories are created.
    datasets_dir : str or path-like or None, default="results/datasets"
        Where the datasets' JSON sidecars (``<dataset>/rep<k>.json``) are looked for; their
        ``signal_variance`` and ``noise_scale`` give the relative risk and the proportion of
        variance explained; datasets without a sidecar get a note instead of these figures.
    benchmarks_dir : str or path-like or None, default="logs/benchmarks"
        Where Snakemake's ``benchmark:`` TSV files are looked for (peak memory per job); the
        memory table is left out, with a note, when there are none.
    benchmark_files : sequence of path-like, optional
        Read exactly these benchmark files instead of every ``*.tsv`` under
        ``benchmarks_dir`` (which then only names their rules); the workflow passes the report
        rule's declared inputs. A missing file is an error.
    explain_files : sequence of path-like, optional
        The explain files ``results/explain/{dataset}.npz`` (:mod:`normbench.study.explain`):
        coefficient paths, support ROC curves, training residuals and the skewed noise's
        median. Without them those figures are replaced by notes.
    fits_files : sequence of path-like, optional
        Fits store files ``results/fits/{dataset}/batch{b}.npz`` (one per dataset; the first
        replicate it holds is drawn): the CV curves of the tuning section. Without them that
        figure is left out.
    figures_dir : str or path-like, optional
        Also write every figure as a PNG file there (:func:`write_figures`), for Snakemake's own
        report.

    Raises
    ------
    ValueError
        If a required table is not given.
    normbench.study.tables.ResultsError
        A ``ValueError``, if a results file breaks its contract (every input is read through
        its checked reader before anything is written).
    """
    ctx = build_context(
        tables=tables,
        config=config,
        datasets_dir=datasets_dir,
        explain_files=explain_files,
        benchmarks_dir=benchmarks_dir,
        benchmark_files=benchmark_files,
        fits_files=fits_files,
    )
    rendered = [
        (section.id, section.nav, section.title, body)
        for section, body in zip(SECTIONS, render_sections(ctx), strict=True)
        if body is not None
    ]
    subtitle = (
        "Loss × penalty benchmark for high-dimensional linear regression:\n"
        f"{len(ctx.all_datasets)} dataset(s), {len(ctx.metrics)} fits."
    )
    document = page("normbench report", subtitle, rendered, scenarios=ctx.labels)
    # atomically: a report stopped mid-write never leaves a cut page behind
    write_atomically(Path(output_html), document.encode("utf-8"))
    if figures_dir is not None:
        write_figures(document, figures_dir)


#: Processes that draw the sections (at most the CPUs this process may use).
REPORT_WORKERS = 2

#: The sections that take longest, longest first (default study, 2026-12-04: the scenarios'
#: blocks about 60 %, sweeps about 25 %, about, loss, tuning and answer a few % each, the others
#: under 1 %). They start first, in this order, so that the workers finish together.
_SLOW_SECTIONS = ("by-scenario", "sweeps", "about", "loss", "tuning", "answer")

# the context the forked workers render from (set just before the pool forks)
_WORKER_CONTEXT = None


def _render_task(task):
    index, part = task
    section = SECTIONS[index]
    if part is None:
        return section.render(_WORKER_CONTEXT)
    return section.parts(_WORKER_CONTEXT)[part](_WORKER_CONTEXT)


def _tasks(ctx):
    """``(section index, part index or None)`` of every drawing, the slow sections' first.

    A section with ``parts`` (one block per scenario) is one task per block, so that its blocks
    spread over the workers instead of one worker drawing them all.
    """
    ids = [section.id for section in SECTIONS]
    order = sorted(
        range(len(SECTIONS)),
        key=lambda i: _SLOW_SECTIONS.index(ids[i]) if ids[i] in _SLOW_SECTIONS else len(ids),
    )
    tasks = []
    for index in order:
        split = SECTIONS[index].parts
        count = len(split(ctx)) if split is not None else None
        tasks += [(index, None)] if count is None else [(index, part) for part in range(count)]
    return tasks


def render_sections(ctx, workers=None):
    """The body of every section of :data:`SECTIONS` (None where a section has nothing), in
    page order.

    Sections are independent renderings of ``ctx``, so they are drawn by ``workers``
    processes (default :data:`REPORT_WORKERS`, at most the CPUs available) forked from this one:
    each inherits ``ctx`` and sends back HTML only; a section made of blocks (``parts``) is
    drawn block by block and joined here as its ``render`` joins them. The page is the same
    bytes whatever the number of workers. Where ``fork`` is not available (Windows, macOS'
    default), or with one worker, the sections render here, one after another.
    """
    global _WORKER_CONTEXT
    if workers is None:
        available = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        workers = min(REPORT_WORKERS, len(available) if available else os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [section.render(ctx) for section in SECTIONS]
    tasks = _tasks(ctx)
    _WORKER_CONTEXT = ctx
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            drawn = pool.map(_render_task, tasks, chunksize=1)
    finally:
        _WORKER_CONTEXT = None
    pieces = {}
    for (index, part), body in zip(tasks, drawn, strict=True):
        pieces.setdefault(index, []).append((-1 if part is None else part, body))
    bodies = []
    for index, section in enumerate(SECTIONS):
        found = sorted(pieces.get(index, []), key=lambda item: item[0])
        if section.parts is None:
            bodies.append(found[0][1])
        else:
            bodies.append("\n".join(body for _, body in found) if found else None)
    return bodies


_EMBEDDED_FIGURE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"')
_SECTION_START = re.compile(r'<section id="([^"]*)">')
# a figure's alt text ends in "for <scenario>" when it draws one scenario
_FOR_SCENARIO = re.compile(r"^(?P<what>.*?) for (?P<scenario>[^ ]+)$")


def _slug(text, allowed="a-z0-9"):
    return re.sub(rf"[^{allowed}]+", "-", text).strip("-")


def figure_file_name(index, section, alt):
    """``<section>.<scenario>.<NN>-<what>.png`` for a figure of the report.

    ``scenario`` is the dataset the figure draws (from an alt text ending in ``for <dataset>``)
    or ``all``; the three dot-separated parts are the wildcards of the report() patterns of
    ``workflow/rules/report.smk`` (category, subcategory, label), so none of them holds a dot.

    Examples
    --------
    >>> figure_file_name(3, "grid", "heatmap of median risk for snr_sweep__snr_1p0")
    'grid.snr_sweep__snr_1p0.03-heatmap-of-median-risk.png'
    >>> figure_file_name(12, "about", "loss functions and their derivatives")
    'about.all.12-loss-functions-and-their-derivatives.png'
    """
    alt = html.unescape(alt)
    match = _FOR_SCENARIO.match(alt)
    what, scenario = (match["what"], match["scenario"]) if match else (alt, "all")
    scenario = _slug(scenario, "A-Za-z0-9_-") or "all"
    what = _slug(what.lower())[:60] or "figure"
    return f"{_slug(section.lower()) or 'report'}.{scenario}.{index:02d}-{what}.png"


def write_figures(document, directory):
    """Write every figure embedded in a report as a PNG file of its own.

    The files are named by :func:`figure_file_name` (section, scenario, then the figure's
    number in report order and its alt text as a slug), so that Snakemake's own report
    (``snakemake --report``) can sort them into categories and subcategories; the directory is
    emptied of earlier PNG files first, so a figure that is gone from the report is gone from
    it too.

    Parameters
    ----------
    document : str
        The report's HTML.
    directory : str or path-like
        Created if needed.

    Returns
    -------
    list of Path
        The files written, in report order.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.png"):
        stale.unlink()
    sections = [(match.start(), match[1]) for match in _SECTION_START.finditer(document)]
    written = []
    for index, match in enumerate(_EMBEDDED_FIGURE.finditer(document), start=1):
        encoded, alt = match.groups()
        section = next(
            (name for start, name in reversed(sections) if start < match.start()), "report"
        )
        path = directory / figure_file_name(index, section, alt)
        path.write_bytes(base64.b64decode(encoded))
        written.append(path)
    return written


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m normbench.report",
        description=(
            "Build the normbench HTML report from a study's results (the tables the workflow "
            "wrote under results/: metrics, timings, the analysis tables, and the optional "
            "oracle, provenance and published check). The output is one self-contained file "
            "(figures embedded, no external URLs)."
        ),
        epilog="example: python -m normbench.report --study . --config config/config.yaml "
        "--output reports/report.html",
    )
    parser.add_argument(
        "--study",
        type=Path,
        default=Path("."),
        help="the folder the study ran in, holding results/ and logs/ (default: .)",
    )
    parser.add_argument(
        "--config",
        required=True,
        type=Path,
        help="study configuration YAML, e.g. config/config.yaml",
    )
    parser.add_argument(
        "--output", required=True, type=Path, help="HTML file to write, e.g. reports/report.html"
    )
    parser.add_argument(
        "--schema",
        type=Path,
        default=SCHEMA_PATH,
        help="config schema the config is validated against (defaults filled, sweeps expanded; "
        "default: the one shipped with normbench)",
    )
    parser.add_argument(
        "--figures-dir",
        type=Path,
        default=None,
        help="also write every figure as a PNG file into this directory",
    )
    return parser.parse_args(argv)


def _study_files(study, config):
    """The report's inputs in a study folder laid out as :mod:`normbench.study.layout` says."""
    study = Path(study)
    datasets = list(config.get("datasets") or {})
    explained = detail_datasets(datasets, config)
    explain = [study / EXPLAIN_NPZ.format(dataset=name) for name in explained]
    # replicate 1 is in every dataset's first batch, as the workflow's report_fits_files says
    fits = [study / FITS_NPZ.format(dataset=name, batch=1) for name in datasets]
    return {
        "tables": report_tables(study),
        "datasets_dir": study / DATASETS_DIR,
        "benchmarks_dir": study / BENCHMARKS_DIR,
        "explain_files": [path for path in explain if path.is_file()],
        "fits_files": [path for path in fits if path.is_file()],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    args = _parse_args(argv)
    try:
        # our reader: duplicate keys are refused, a syntax error names line and column
        config = load_study_config(args.config, schema_path=args.schema).as_dict()
        inputs = _study_files(args.study, config)
        build_report(config=config, output_html=args.output, figures_dir=args.figures_dir, **inputs)
    except ConfigError as error:
        print(f"error: {args.config}: {error}", file=sys.stderr)
        return 2
    except ResultsError as error:
        # a damaged results file: one line naming it, nothing written
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
