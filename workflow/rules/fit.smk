# Fits: every loss x penalty with cross-validation on a batch of replicates of one dataset
# (config replicates_per_job). One job fits many models, because starting Python with
# scikit-learn costs seconds, more than many of the fits themselves.


rule fit_models:
    input:
        npz=batch_dataset_files,
    output:
        metrics=JOB_TABLES["metrics"],
        timings=JOB_TABLES["timings"],
        # what every pair chose and learnt, so later metrics and figures need no refit
        fits=FITS_NPZ,
        # the loss-matched oracles (fits on the true support): references for the report, not
        # models of the study, so a table of their own; made here to spare a job start
        oracle=JOB_TABLES["oracle"],
    log:
        job_log("fit_models", "{dataset}/batch{batch}"),
    benchmark:
        job_benchmark("fit_models", "{dataset}/batch{batch}")
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        replicates=batch_replicate_numbers,
        models=config["models"],
        cv=config["cv"],
        seed=config["seed"],
    script:
        "../scripts/fit_models.py"
