"""Job script of rule fit_oracle: least squares on the true support of one dataset replicate."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.oracle import fit_oracle

    fit_oracle(
        snakemake.input.npz,
        dataset=snakemake.wildcards.dataset,
        replicate=int(snakemake.wildcards.replicate),
        out=snakemake.output.oracle,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
