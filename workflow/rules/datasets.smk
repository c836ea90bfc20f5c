# Datasets: one .npz (+ .json sidecar) per dataset and replicate, following the data contract of
# docs/design.md §2. This rule makes the datasets whose generator is "simulate", every replicate
# of a dataset in one job (a draw takes well under a second, starting Python seconds); a user's
# rule writes the same paths for its own datasets (config/README.md, "Adding a dataset").


rule simulate_dataset:
    output:
        npz=expand(DATASET_NPZ, replicate=replicate_numbers(), allow_missing=True),
        json=expand(DATASET_JSON, replicate=replicate_numbers(), allow_missing=True),
    log:
        "logs/simulate_dataset/{dataset}.log",
    benchmark:
        "logs/benchmarks/simulate_dataset/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_with_generator("simulate"),
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        entry=dataset_entry,
        seed=config["seed"],
        replicates=replicate_numbers(),
    script:
        "../scripts/simulate_dataset.py"
