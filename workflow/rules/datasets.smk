# Datasets: one .npz (+ .json sidecar) per dataset and replicate, following the data contract of
# docs/design.md §2. This rule makes the datasets whose generator is "simulate"; a user's rule
# writes the same paths for its own datasets (config/README.md, "Adding a dataset").


rule simulate_dataset:
    output:
        npz=DATASET_NPZ,
        json=DATASET_JSON,
    log:
        "logs/simulate_dataset/{dataset}/rep{replicate}.log",
    benchmark:
        "logs/benchmarks/simulate_dataset/{dataset}/rep{replicate}.tsv"
    wildcard_constraints:
        dataset=datasets_with_generator("simulate"),
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        entry=dataset_entry,
        seed=config["seed"],
    script:
        "../scripts/simulate_dataset.py"
