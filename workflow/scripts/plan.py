"""Job script of checkpoint plan: results/plan.csv from the pilot's per-batch metrics files."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.analysis.plan import plan_pilot

    plan_pilot(
        list(snakemake.input.metrics),
        snakemake.params.jobs,
        snakemake.params.replicates,
        models=snakemake.params.models,
        per_job=snakemake.params.per_job,
        out=snakemake.output.plan,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
