"""Job script of rule explain: paths, residuals and noise median of one dataset, for the report."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.study.explain import explain_dataset

    explain_dataset(
        snakemake.input.npz,
        snakemake.input.fits,
        list(snakemake.input.sidecars),
        entry=snakemake.params.entry,
        cv=snakemake.params.cv,
        paths=snakemake.params.paths,
        out=snakemake.output[0],
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
