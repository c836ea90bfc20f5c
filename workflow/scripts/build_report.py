"""Job script of rule build_report: the self-contained HTML report."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.report.build import build_report

    build_report(
        metrics_csv=snakemake.input.metrics,
        timings_csv=snakemake.input.timings,
        oracle_csv=snakemake.input.oracle,
        config=snakemake.params.config,
        output_html=snakemake.output.html,
        figures_dir=snakemake.output.figures,
        datasets_dir=snakemake.params.datasets_dir,
        benchmarks_dir=snakemake.params.benchmarks_dir,
        # exactly the declared inputs, not whatever else lies under benchmarks_dir
        benchmark_files=list(snakemake.input.benchmarks),
        explain_files=list(snakemake.input.explain),
        findings_csv=snakemake.input.findings,
        answer_csv=snakemake.input.answer,
        fits_files=list(snakemake.input.fits),
        provenance_json=snakemake.input.provenance,
        published_check_csv=next(iter(snakemake.input.published_check), None),
        published_variants_csv=next(iter(snakemake.input.published_variants), None),
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
