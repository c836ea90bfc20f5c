"""Job script of rule build_report: the self-contained HTML report."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.report.build import build_report
    from normbench.study.layout import REPORT_TABLES

    build_report(
        tables={
            role: snakemake.input[role] for role in REPORT_TABLES if role in snakemake.input.keys()
        },
        config=snakemake.params.config,
        output_html=snakemake.output.html,
        figures_dir=snakemake.output.figures,
        datasets_dir=snakemake.params.datasets_dir,
        benchmarks_dir=snakemake.params.benchmarks_dir,
        # exactly the declared inputs, not whatever else lies under benchmarks_dir
        benchmark_files=list(snakemake.input.benchmarks),
        explain_files=list(snakemake.input.explain),
        fits_files=list(snakemake.input.fits),
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
