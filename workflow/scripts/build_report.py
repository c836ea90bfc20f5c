"""Job script of rule build_report: the self-contained HTML report."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.report import build_report

    build_report(
        metrics_csv=snakemake.input.metrics,
        timings_csv=snakemake.input.timings,
        config=snakemake.params.config,
        output_html=snakemake.output.html,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
