"""Job script of rule fit_models: fit every loss x penalty on one dataset replicate."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study import fit_dataset

    fit_dataset(
        snakemake.input.npz,
        dataset=snakemake.wildcards.dataset,
        replicate=int(snakemake.wildcards.replicate),
        models=snakemake.params.models,
        cv=snakemake.params.cv,
        base_seed=snakemake.params.seed,
        metrics_out=snakemake.output.metrics,
        timings_out=snakemake.output.timings,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
