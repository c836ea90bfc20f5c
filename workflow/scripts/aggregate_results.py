"""Job script of rule aggregate_results: the metrics, timings and oracle tables, checked.

Every per-job file is checked against the results contract first (normbench.study.job_tables);
a damaged one fails the aggregation with its name and the problem. The code's provenance is
recorded beside the tables.
"""

from _normbench_job import run_job


def main(snakemake):
    from pathlib import Path

    from normbench.study.config import study_penalties
    from normbench.study.job_tables import CONTRACTS, JobIdentity, collect_checked
    from normbench.study.provenance import write_provenance
    from normbench.study.store import write_table

    models = tuple(
        (loss, penalty)
        for loss in snakemake.params.models["losses"]
        for penalty in study_penalties(snakemake.params.models)
    )
    jobs = [
        JobIdentity(dataset, tuple(int(each) for each in replicates), models)
        for dataset, replicates in snakemake.params.jobs
    ]
    for role, contract in CONTRACTS.items():
        table = collect_checked(snakemake.input[role], contract, jobs)
        write_table(table, snakemake.output[role])
    write_provenance(Path(snakemake.params.source_dir), snakemake.output.provenance)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
