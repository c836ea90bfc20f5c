"""The ``normbench`` command: tools around a study's results.

    normbench compare DIR_A DIR_B -o compare.html   # what changed between two runs
    normbench export STUDY_DIR -o DIR               # tables and figures for a paper
    normbench report ...                            # the HTML report (python -m normbench.report)

Running a study is Snakemake's job (``snakemake --cores N``); these commands only read what a
study wrote.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _compare(args) -> int:
    from normbench.analysis.compare import NoResultsError, compare_runs
    from normbench.report.compare import OutputError, check_output, write_comparison
    from normbench.study.tables import ResultsError

    # every refusal is one line and exit 2, before the headline and with nothing written
    try:
        if args.output:
            check_output(args.output, (args.dir_a, args.dir_b))
        comparison = compare_runs(args.dir_a, args.dir_b, conclusions=args.conclusions, z=args.z)
        if args.output:
            runs = (args.dir_a, args.dir_b)
            write_comparison(comparison, args.output, str(args.dir_a), str(args.dir_b), runs)
    except (NoResultsError, ResultsError, OutputError) as err:
        print(f"normbench compare: {err}", file=sys.stderr)
        return 2
    print(comparison.headline())
    if comparison.conclusions is not None:
        print(comparison.conclusions_line())
    for dataset, count in comparison.by_dataset().items():
        print(f"  {dataset}: {count} cell{'s' if count != 1 else ''} changed")
    for line in comparison.conclusion_lines():
        print(line)
    if args.output:
        print(f"details: {args.output}")
    return 0


def _export(args) -> int:
    from normbench.report.export import ExportError, export_study
    from normbench.study.tables import ResultsError

    # every refusal is one line and exit 2, with nothing written
    try:
        written = export_study(args.study_dir, args.output, all_medians=args.all_medians)
    except (ExportError, ResultsError, FileNotFoundError) as err:
        print(f"normbench export: {err}", file=sys.stderr)
        return 2
    print(f"exported {len(written)} files to {args.output}")
    for path in written:
        print(f"  {path.name}")
    return 0


_EXPORT_EXAMPLE = """\
example:
  normbench export . -o paper/normbench

  reads ./results/ (metrics.csv, findings.csv + .json, best_set.csv, summary.csv,
  provenance.json if present) and writes into paper/normbench/:
    findings.tex  findings.md     each scenario's verdicts on its headline metric
    best_sets.tex best_sets.md    each scenario's set of best pairs
    medians.tex   medians.md      every median of a model pair (e.g. l2+l1, interpolant)
                                  as "m ± mcse" with its n; --all-medians adds the
                                  other rows of summary.csv
    forest.pdf    forest.svg    forest.caption.txt
    distribution_<scenario>.pdf .svg .caption.txt   (one per scenario)
    normbench-export.txt          source, commit, sha256 of every file

  In LaTeX: \\usepackage{booktabs} and \\input{paper/normbench/findings.tex} in a table.
"""


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="normbench", description="Tools around the results of a normbench study."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compare = commands.add_parser(
        "compare",
        help="compare two runs cell by cell (dataset, replicate, loss, penalty)",
        description="Compare two study directories (each holding results/metrics.csv). The "
        "first line of output is 'identical' or 'N cells changed', the second 'K conclusions "
        "changed' when both runs hold the analysis tables (changed verdicts, best sets, and "
        "medians moved by more than Z combined Monte Carlo errors, listed below); the exit "
        "code is 0 in these cases and 2 when a directory holds no results, a results table is "
        "damaged or the output would overwrite something that is not an HTML page (one line, "
        "nothing written).",
    )
    compare.add_argument("dir_a", metavar="DIR_A", help="working directory of the first run")
    compare.add_argument("dir_b", metavar="DIR_B", help="working directory of the second run")
    compare.add_argument(
        "-o",
        "--output",
        metavar="OUT.html",
        help="write the details as an HTML page (never inside a results folder, never over a "
        "file that is not an HTML page; its folder is created)",
    )
    compare.add_argument(
        "--conclusions",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also compare the conclusions (verdicts, best sets, medians of the analysis "
        "tables); by default when both runs have them, --conclusions requires them, "
        "--no-conclusions skips them",
    )
    compare.add_argument(
        "--z",
        type=_positive,
        default=3.0,
        metavar="Z",
        help="list a median when it moved by more than Z times its combined Monte Carlo error "
        "sqrt(mcse_A^2 + mcse_B^2) (default: 3; noise alone then lists about 0.27%% of them)",
    )
    compare.set_defaults(run=_compare)
    export = commands.add_parser(
        "export",
        help="write a study's conclusions as LaTeX and Markdown tables, PDF and SVG figures",
        description="Export the conclusions of a study (the folder holding results/, as the "
        "report reads it): the findings, best sets and medians with their Monte Carlo errors as "
        "LaTeX (booktabs) and Markdown tables, the forest plot and each scenario's replicate "
        "distribution as PDF and SVG, one caption file per figure. Exit code 2, with one line "
        "and nothing written, when a table is missing or damaged or the output folder is "
        "refused (inside a results folder, or not empty and not an earlier export).",
        epilog=_EXPORT_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument(
        "study_dir", metavar="STUDY_DIR", help="the study's folder (holds results/)"
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="the folder to write (created; never inside a results folder)",
    )
    export.add_argument(
        "--all-medians",
        action="store_true",
        help="medians.tex/.md: also the rows of summary.csv that are not one model pair's: "
        "the margins loss:<loss> and penalty:<penalty> (a loss's or a penalty's fits pooled), "
        "the oracles oracle:<loss> and the data's own numbers (data); without it, the model "
        "pairs only",
    )
    export.set_defaults(run=_export)
    report = commands.add_parser(
        "report",
        help="build the HTML report (the options of python -m normbench.report)",
        add_help=False,
    )
    report.set_defaults(run=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["report"]:
        from normbench.report import main as report_main

        return report_main(argv[1:])
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
