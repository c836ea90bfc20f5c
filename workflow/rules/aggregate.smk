# Aggregation: the per-job tables concatenated into one tidy table each. metrics.csv has the same
# bytes whatever --cores was; wall-clock figures live apart in timings.csv; the oracle reference
# (least squares on the true support) in oracle.csv. With planned replicates it waits for the
# plan (checkpoint plan) and takes every replicate each dataset runs.


rule aggregate_results:
    input:
        # every fit job's metrics, timings and oracle tables, by role
        unpack(job_tables),
        # a plan only: job_identities reads it
        plan=plan_files,
    output:
        metrics=report(
            REPORT_TABLES["metrics"],
            caption="../report/metrics.rst",
            category="Results",
        ),
        timings=REPORT_TABLES["timings"],
        # the normbench version and commit that ran (never those of the study folder)
        provenance=REPORT_TABLES["provenance"],
        oracle=report(
            REPORT_TABLES["oracle"],
            caption="../report/oracle.rst",
            category="Results",
        ),
    log:
        job_log("aggregate_results"),
    benchmark:
        job_benchmark("aggregate_results")
    conda:
        "../envs/normbench.yaml"
    params:
        # what each per-job file must hold (its dataset, replicate and models), checked
        jobs=job_identities,
        models=config["models"],
        source_dir=workflow.basedir,
    script:
        "../scripts/aggregate_results.py"
