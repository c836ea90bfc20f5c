"""Job script of rule findings: results/findings.csv (with its method sidecar) and answer.csv."""

from _normbench_job import run_job


def main(snakemake):
    from normbench.analysis.answer import answer_table
    from normbench.analysis.findings import findings_table, write_findings
    from normbench.study.store import read_metrics

    metrics = read_metrics(snakemake.input.metrics)  # checked: a damaged table stops here
    write_findings(findings_table(metrics), snakemake.output.findings)
    answer = answer_table(metrics)
    answer.to_csv(snakemake.output.answer, index=False, float_format="%.10g", lineterminator="\n")


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
