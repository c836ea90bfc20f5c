# Planned replicates (config replicates: {pilot, mcse, max}): after the pilot's fits, this
# checkpoint writes results/plan.csv, the replicates each dataset runs so that the Monte Carlo
# error of its primary contrasts meets the target (normbench.analysis.plan). The input functions
# of common.smk read it (checkpoints.plan.get()) for the rules that need every replicate. With a
# fixed number of replicates no rule asks for it.


checkpoint plan:
    input:
        metrics=pilot_metrics_csvs,
    output:
        plan=PLAN,
    log:
        job_log("plan"),
    benchmark:
        job_benchmark("plan")
    conda:
        "../envs/normbench.yaml"
    params:
        # what each pilot file must hold (its dataset, replicates and models), checked
        jobs=pilot_job_identities(),
        models=config["models"],
        replicates=config["replicates"],
        per_job=config["replicates_per_job"],
    script:
        "../scripts/plan.py"
