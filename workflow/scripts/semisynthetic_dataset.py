"""Job script of rule semisynthetic: one replicate of a semi-synthetic p >> n dataset.

Config entry (every key of ``params`` is optional; normbench.data.semisynthetic has the defaults)::

    wide_cancer:
      generator: semisynthetic
      params:
        base: breast_cancer          # or diabetes
        n_train: 100                 # the other rows are the test set
        p: 600                       # features after widening
        copy_corr: 0.8               # corr(noisy copy, real column)
        n_nonzero: 10                # real columns with a nonzero coefficient
        amplitude: 1.0
        noise: {family: student_t, df: 2, snr: 3.0}
"""

from _normbench_job import run_job


def main(snakemake):
    from normbench.data.semisynthetic import semisynthetic_to_file

    semisynthetic_to_file(
        snakemake.params.entry["params"],
        base_seed=snakemake.params.seed,
        dataset=snakemake.wildcards.dataset,
        replicate=int(snakemake.wildcards.replicate),
        path=snakemake.output.npz,
    )


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
