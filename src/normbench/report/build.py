"""Build the benchmark report: one self-contained HTML file.

Figures are embedded as base64 PNG and the style sheet is inline, so the file opens offline
and can be mailed or archived on its own; it references no external URL. All text taken
from the data or the configuration is HTML-escaped.

The report answers one question -- for p >> n regression, which matters more, the loss or
the penalty? -- from files the workflow wrote, and fits nothing: ``results/metrics.csv`` and
``results/timings.csv``, the configuration, and (optional) the oracle reference
``results/oracle.csv``, the datasets' JSON sidecars, the explain files
``results/explain/{dataset}.npz`` (:mod:`normbench.study.explain`) and Snakemake's benchmark
files. They are read once into a :class:`~normbench.report.context.ReportContext`; the sections
(:data:`normbench.report.sections.SECTIONS`, in page order) render from it.
``docs/report.md`` explains every figure.

Command line::

    python -m normbench.report --metrics results/metrics.csv --timings results/timings.csv \\
        --oracle results/oracle.csv --config config/config.yaml --output reports/report.html
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

import yaml

from normbench.report.context import BASELINE, build_context
from normbench.report.html import page
from normbench.report.sections import SECTIONS
from normbench.study.config import ConfigError, validate_config

__all__ = ["BASELINE", "build_report", "figure_file_name", "main", "write_figures"]


def build_report(
    *,
    metrics_csv,
    timings_csv,
    config: Mapping,
    output_html,
    oracle_csv=None,
    datasets_dir="results/datasets",
    benchmarks_dir="logs/benchmarks",
    benchmark_files=None,
    explain_files=None,
    findings_csv=None,
    answer_csv=None,
    fits_files=None,
    provenance_json=None,
    published_check_csv=None,
    figures_dir=None,
    baseline=BASELINE,
):
    """Write the benchmark report as one self-contained HTML file.

    Parameters
    ----------
    metrics_csv : str or path-like
        The aggregated metrics table (``results/metrics.csv``).
    timings_csv : str or path-like
        The aggregated timings table (``results/timings.csv``).
    config : Mapping
        The study configuration, preferably validated (defaults filled in).
    output_html : str or path-like
        Where to write the report; parent directories are created.
    oracle_csv : str or path-like or None, default=None
        The oracle table (``results/oracle.csv``, see :mod:`normbench.study.oracle`): least squares
        on the true support, drawn as a reference in the grid (interaction plot, risk caption,
        table of medians), the relative risk figure and the summary. Without it the report
        says nothing about the oracle.
    datasets_dir : str or path-like or None, default="results/datasets"
        Where the datasets' JSON sidecars (``<dataset>/rep<k>.json``) are looked for; their
        ``signal_variance`` and ``noise_scale`` give the relative risk and the proportion of
        variance explained; datasets without a sidecar get a note instead of these figures.
    benchmarks_dir : str or path-like or None, default="logs/benchmarks"
        Where Snakemake's ``benchmark:`` TSV files are looked for (peak memory per job); the
        memory table is left out, with a note, when there are none.
    figures_dir : str or path-like, optional
        Also write every figure as a PNG file there (:func:`write_figures`), for Snakemake's own
        report.
    benchmark_files : sequence of path-like, optional
        Read exactly these benchmark files instead of every ``*.tsv`` under
        ``benchmarks_dir`` (which then only names their rules); the workflow passes the report
        rule's declared inputs. A missing file is an error.
    explain_files : sequence of path-like, optional
        The explain files ``results/explain/{dataset}.npz`` (:mod:`normbench.study.explain`):
        coefficient paths, support ROC curves, training residuals and the skewed noise's
        median. Without them those figures are replaced by notes.
    findings_csv, answer_csv : str or path-like, optional
        ``results/findings.csv`` (with its ``findings.json`` beside it) and
        ``results/answer.csv`` (rule findings): every verdict and generated sentence of the
        report comes from them. Without them they are computed from the metrics by the same
        functions (:mod:`normbench.study.findings`, :mod:`normbench.study.answer`).
    fits_files : sequence of path-like, optional
        Fits store files ``results/fits/{dataset}/batch{b}.npz`` (one per dataset; the first
        replicate it holds is drawn): the CV curves of the tuning section. Without them that
        figure is left out.
    provenance_json : str or path-like, optional
        ``results/provenance.json`` (rule aggregate_results): the normbench version and the
        commit of the checkout whose code ran the study. Without it the report says that the
        code's provenance was not recorded; it never asks git in the study's folder.
    published_check_csv : str or path-like, optional
        ``results/published_check.csv`` (rule published_check): pass or fail of every published
        number and ordering, shown in the Published results section.
    baseline : tuple of (loss, penalty), default=("l2", "l1")
        The reference pair of the effect sizes and of the paired ratios.

    Raises
    ------
    ValueError
        If a table is empty or lacks required columns.
    """
    ctx = build_context(
        metrics_csv=metrics_csv,
        timings_csv=timings_csv,
        config=config,
        oracle_csv=oracle_csv,
        datasets_dir=datasets_dir,
        explain_files=explain_files,
        benchmarks_dir=benchmarks_dir,
        benchmark_files=benchmark_files,
        findings_csv=findings_csv,
        answer_csv=answer_csv,
        fits_files=fits_files,
        provenance_json=provenance_json,
        published_check_csv=published_check_csv,
        baseline=baseline,
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
    document = page("normbench report", subtitle, rendered)
    output_html = Path(output_html)
    output_html.parent.mkdir(parents=True, exist_ok=True)
    output_html.write_bytes(document.encode("utf-8"))
    if figures_dir is not None:
        write_figures(document, figures_dir)


#: Processes that draw the sections (at most the CPUs this process may use).
REPORT_WORKERS = 2

#: Sections that draw one figure or more per scenario: most of the report's time (default
#: study, 2026-12-04: grid 31 %, sweeps 26 %, sparsity 15 %, error 15 %). They start first,
#: longest first, so that the workers finish together.
_SLOW_SECTIONS = ("grid", "sweeps", "sparsity", "error")

# the context the forked workers render from (set just before the pool forks)
_WORKER_CONTEXT = None


def _render_one(index):
    return SECTIONS[index].render(_WORKER_CONTEXT)


def render_sections(ctx, workers=None):
    """The body of every section of :data:`SECTIONS` (None where a section has nothing), in
    page order.

    Sections are independent renderings of ``ctx``, so they are drawn by ``workers``
    processes (default :data:`REPORT_WORKERS`, at most the CPUs available) forked from this one:
    each inherits ``ctx`` and sends back HTML only. The page is the same bytes whatever the
    number of workers. Where ``fork`` is not available (Windows, macOS' default), or with one
    worker, the sections render here, one after another.
    """
    global _WORKER_CONTEXT
    if workers is None:
        available = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        workers = min(REPORT_WORKERS, len(available) if available else os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [section.render(ctx) for section in SECTIONS]
    ids = [section.id for section in SECTIONS]
    order = sorted(
        range(len(SECTIONS)),
        key=lambda i: _SLOW_SECTIONS.index(ids[i]) if ids[i] in _SLOW_SECTIONS else len(ids),
    )
    _WORKER_CONTEXT = ctx
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            bodies = pool.map(_render_one, order, chunksize=1)
    finally:
        _WORKER_CONTEXT = None
    by_index = dict(zip(order, bodies, strict=True))
    return [by_index[index] for index in range(len(SECTIONS))]


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
            "Build the normbench HTML report from the aggregated metrics and timings tables. "
            "The output is one self-contained file (figures embedded, no external URLs)."
        ),
    )
    parser.add_argument(
        "--metrics",
        required=True,
        type=Path,
        help="aggregated metrics CSV, e.g. results/metrics.csv",
    )
    parser.add_argument(
        "--timings",
        required=True,
        type=Path,
        help="aggregated timings CSV, e.g. results/timings.csv",
    )
    parser.add_argument(
        "--oracle",
        type=Path,
        default=None,
        help="oracle table, e.g. results/oracle.csv (optional: least squares on the true "
        "support, drawn as a reference)",
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
        default=Path("workflow/schemas/config.schema.yaml"),
        help="config schema: the config is validated (defaults filled, sweeps expanded) when "
        "this file exists (default: workflow/schemas/config.schema.yaml)",
    )
    parser.add_argument(
        "--figures-dir",
        type=Path,
        default=None,
        help="also write every figure as a PNG file into this directory",
    )
    parser.add_argument(
        "--datasets-dir",
        type=Path,
        default=Path("results/datasets"),
        help="where the datasets' JSON sidecars are (default: results/datasets)",
    )
    parser.add_argument(
        "--explain",
        type=Path,
        nargs="*",
        default=None,
        help="explain files, e.g. results/explain/*.npz (paths, residuals, noise median)",
    )
    parser.add_argument(
        "--benchmarks-dir",
        type=Path,
        default=Path("logs/benchmarks"),
        help="where Snakemake's benchmark TSV files are (default: logs/benchmarks)",
    )
    parser.add_argument(
        "--provenance",
        type=Path,
        default=None,
        help="results/provenance.json: the normbench version and commit that ran the study",
    )
    parser.add_argument(
        "--findings",
        type=Path,
        default=None,
        help="results/findings.csv (with findings.json beside it): the verdicts every sentence "
        "comes from (default: computed from the metrics by the same functions)",
    )
    parser.add_argument(
        "--answer",
        type=Path,
        default=None,
        help="results/answer.csv: the per-scenario ANOVA of the headline (default: computed "
        "from the metrics)",
    )
    parser.add_argument(
        "--fits",
        type=Path,
        nargs="*",
        default=None,
        help="fits store files, e.g. results/fits/*/batch1.npz: the CV curves of the tuning "
        "section (the first replicate of each dataset's first file is drawn)",
    )
    parser.add_argument(
        "--published-check",
        type=Path,
        default=None,
        help="results/published_check.csv: pass or fail of every published number and ordering",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    args = _parse_args(argv)
    with open(args.config, encoding="utf-8") as stream:
        config = yaml.safe_load(stream) or {}
    if not isinstance(config, Mapping):
        print(f"error: {args.config}: the configuration must be a YAML mapping", file=sys.stderr)
        return 2
    if args.schema.is_file():
        try:
            config = validate_config(config, args.schema)
        except ConfigError as error:
            print(f"error: {args.config}: {error}", file=sys.stderr)
            return 2
    try:
        build_report(
            metrics_csv=args.metrics,
            timings_csv=args.timings,
            config=config,
            output_html=args.output,
            oracle_csv=args.oracle,
            datasets_dir=args.datasets_dir,
            benchmarks_dir=args.benchmarks_dir,
            explain_files=args.explain,
            provenance_json=args.provenance,
            findings_csv=args.findings,
            answer_csv=args.answer,
            fits_files=args.fits,
            published_check_csv=args.published_check,
            figures_dir=args.figures_dir,
        )
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
