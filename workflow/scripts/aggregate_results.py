"""Job script of rule aggregate_results: the metrics, timings and oracle tables."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study.store import collect, write_table

    write_table(collect(snakemake.input.metrics), snakemake.output.metrics)
    write_table(collect(snakemake.input.timings), snakemake.output.timings)
    write_table(collect(snakemake.input.oracle), snakemake.output.oracle)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
