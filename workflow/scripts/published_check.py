"""Job script of rule published_check: results/published_check.csv."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study.published_check import published_check, write_published_check
    from normbench.study.store import read_metrics

    check = published_check(read_metrics(snakemake.input.metrics), snakemake.params.published)
    write_published_check(check, snakemake.output.check)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
