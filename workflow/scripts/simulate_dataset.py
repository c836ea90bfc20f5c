"""Job script of rule simulate_dataset: draw one replicate of a simulated dataset."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.data.simulate import simulate_to_file

    simulate_to_file(
        snakemake.params.entry,
        base_seed=snakemake.params.seed,
        dataset=snakemake.wildcards.dataset,
        replicate=int(snakemake.wildcards.replicate),
        path=snakemake.output.npz,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
