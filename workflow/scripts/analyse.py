"""Job script of rule analyse: every conclusion table from the results store."""

from pathlib import Path

from _normbench_job import run_job


def main(snakemake):
    from normbench.analysis.run import analyse

    analyse(
        snakemake.input.metrics,
        Path(snakemake.output.findings).parent,
        config=snakemake.params.config,
        datasets_dir=snakemake.params.datasets_dir,
        oracle_csv=snakemake.input.oracle,
        timings_csv=snakemake.input.timings,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
