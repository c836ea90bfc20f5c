# Aggregation: the per-job tables concatenated into one tidy table each. metrics.csv has the same
# bytes whatever --cores was; wall-clock figures live apart in timings.csv; the oracle reference
# (least squares on the true support) in oracle.csv. With planned replicates it waits for the
# plan (checkpoint plan) and takes every replicate each dataset runs.


rule aggregate_results:
    input:
        metrics=fit_csvs,
        timings=timing_csvs,
        oracle=oracle_csvs,
        # a plan only: job_identities reads it
        plan=plan_files,
    output:
        metrics=report(
            "results/metrics.csv",
            caption="../report/metrics.rst",
            category="Results",
        ),
        timings="results/timings.csv",
        # the normbench version and commit that ran (never those of the study folder)
        provenance="results/provenance.json",
        oracle=report(
            "results/oracle.csv",
            caption="../report/oracle.rst",
            category="Results",
        ),
    log:
        "logs/aggregate_results.log",
    benchmark:
        "logs/benchmarks/aggregate_results.tsv"
    conda:
        "../envs/normbench.yaml"
    params:
        # what each per-job file must hold (its dataset, replicate and models), checked
        jobs=job_identities,
        models=config["models"],
        source_dir=workflow.basedir,
    script:
        "../scripts/aggregate_results.py"
