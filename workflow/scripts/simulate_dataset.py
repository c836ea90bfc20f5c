"""Job script of rule simulate_dataset: draw every replicate of one simulated dataset."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.data.simulate import simulate_to_file

    for replicate, path in zip(snakemake.params.replicates, snakemake.output.npz, strict=True):
        simulate_to_file(
            snakemake.params.entry,
            base_seed=snakemake.params.seed,
            dataset=snakemake.wildcards.dataset,
            replicate=int(replicate),
            path=path,
        )
        print(f"{snakemake.wildcards.dataset} rep{replicate}: {path}", flush=True)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
