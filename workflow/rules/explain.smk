# Explain: what the report draws to show how the penalty and the loss act (coefficient paths,
# support ROC along the path, training residuals, the skewed noise's median), made from the
# datasets and the fits store so that the report itself reads files and fits nothing. One job
# per dataset drawn in detail (normbench.study.explain).


rule explain:
    input:
        npz=explain_dataset_file,
        fits=explain_fits_file,
        sidecars=dataset_replicate_sidecars,
    output:
        EXPLAIN_NPZ,
    log:
        job_log("explain", "{dataset}"),
    benchmark:
        job_benchmark("explain", "{dataset}")
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        entry=dataset_entry,
        cv=config["cv"],
        paths=draws_paths,
    script:
        "../scripts/explain.py"
