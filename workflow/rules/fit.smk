# Fits: every loss x penalty with cross-validation on one dataset replicate. One job per
# (dataset, replicate) rather than per model, because starting Python with scikit-learn costs
# seconds, more than many of the fits themselves.


rule fit_models:
    input:
        npz=DATASET_NPZ,
    output:
        metrics=FIT_CSV,
        timings=TIMING_CSV,
        # what every pair chose and learnt, so later metrics and figures need no refit
        fits=FITS_NPZ,
        # the oracle (least squares on the true support): a reference for the report, not a
        # model of the study, so a table of its own; made here to spare a job start per replicate
        oracle=ORACLE_CSV,
    log:
        "logs/fit_models/{dataset}/rep{replicate}.log",
    benchmark:
        "logs/benchmarks/fit_models/{dataset}/rep{replicate}.tsv"
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        models=config["models"],
        cv=config["cv"],
        seed=config["seed"],
    script:
        "../scripts/fit_models.py"
