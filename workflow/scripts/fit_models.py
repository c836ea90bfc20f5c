"""Job script of rule fit_models: every loss x penalty on one dataset replicate, and its oracle."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study.fit_job import fit_dataset
    from normbench.study.oracle import fit_oracle

    fit_dataset(
        snakemake.input.npz,
        dataset=snakemake.wildcards.dataset,
        replicate=int(snakemake.wildcards.replicate),
        models=snakemake.params.models,
        cv=snakemake.params.cv,
        base_seed=snakemake.params.seed,
        metrics_out=snakemake.output.metrics,
        timings_out=snakemake.output.timings,
        fits_out=snakemake.output.fits,
    )
    fit_oracle(
        snakemake.input.npz,
        dataset=snakemake.wildcards.dataset,
        replicate=int(snakemake.wildcards.replicate),
        out=snakemake.output.oracle,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
