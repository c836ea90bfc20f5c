"""Job script of rule published_check: results/published_check.csv and published_variants.csv."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study import published_check as published
    from normbench.study.store import read_metrics

    metrics, tables = read_metrics(snakemake.input.metrics), snakemake.params.published
    check = published.published_check(metrics, tables)
    published.write_published_check(check, snakemake.output.check)
    variants = published.published_variants(metrics, tables, check)
    published.write_published_variants(variants, snakemake.output.variants)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
