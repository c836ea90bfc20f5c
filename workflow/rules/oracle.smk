# Oracle: least squares on the true support of one dataset replicate, a reference for the
# report (not a model of the study, so not a row of results/metrics.csv). Cheap: one small
# least-squares solve per replicate; rows of datasets without true coefficients say so.


rule fit_oracle:
    input:
        npz=DATASET_NPZ,
    output:
        oracle=ORACLE_CSV,
    log:
        "logs/fit_oracle/{dataset}/rep{replicate}.log",
    benchmark:
        "logs/benchmarks/fit_oracle/{dataset}/rep{replicate}.tsv"
    conda:
        "../envs/normbench.yaml"
    threads: 1
    script:
        "../scripts/fit_oracle.py"
