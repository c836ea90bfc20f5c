"""Job script of rule fit_models: every loss x penalty and the oracles on a batch of replicates."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study.fit_job import fit_batch

    fit_batch(
        list(snakemake.input.npz),
        dataset=snakemake.wildcards.dataset,
        replicates=[int(each) for each in snakemake.params.replicates],
        models=snakemake.params.models,
        cv=snakemake.params.cv,
        base_seed=snakemake.params.seed,
        metrics_out=snakemake.output.metrics,
        timings_out=snakemake.output.timings,
        fits_out=snakemake.output.fits,
        oracle_out=snakemake.output.oracle,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
