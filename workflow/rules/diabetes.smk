# Example of a user's dataset rule: scikit-learn's diabetes data (442 patients, 10 features),
# split at random into training and test parts, a fresh split per replicate. A config selects it
# with `generator: load_diabetes`; config/README.md ("Adding a dataset") explains the contract.


rule load_diabetes:
    output:
        npz=DATASET_NPZ,
        json=DATASET_JSON,
    log:
        job_log("load_diabetes", "{dataset}/rep{replicate}"),
    benchmark:
        job_benchmark("load_diabetes", "{dataset}/rep{replicate}")
    wildcard_constraints:
        dataset=datasets_with_generator("load_diabetes"),
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        entry=dataset_entry,
        seed=config["seed"],
    script:
        "../scripts/load_diabetes.py"
