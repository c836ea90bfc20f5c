# Datasets: one .npz (+ .json sidecar) per dataset and replicate, following the data contract of
# docs/design.md §2. This rule makes the datasets whose generator is "simulate", every replicate
# of a dataset in one job (a draw takes well under a second, starting Python seconds), or with
# planned replicates the pilot's; a user's rule writes the same paths for its own datasets
# (config/README.md, "Adding a dataset").


rule simulate_dataset:
    output:
        npz=expand(DATASET_NPZ, replicate=replicate_numbers(), allow_missing=True),
        json=expand(DATASET_JSON, replicate=replicate_numbers(), allow_missing=True),
    log:
        job_log("simulate_dataset", "{dataset}"),
    benchmark:
        job_benchmark("simulate_dataset", "{dataset}")
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


# Planned replicates: the extra replicates after the pilot, drawn from the same seed streams
# (keyed by dataset and replicate), one job per dataset and batch of replicates_per_job. A rule
# per batch, because a rule's outputs cannot depend on the value of a wildcard; the batches are
# fixed by the config (pilot, max, replicates_per_job), the plan only decides which ones run.
for _batch in extra_batches():

    rule:
        name:
            f"simulate_dataset_batch{_batch}"
        output:
            npz=expand(
                DATASET_NPZ, replicate=replicates_of_batch(_batch), allow_missing=True
            ),
            json=expand(
                DATASET_JSON, replicate=replicates_of_batch(_batch), allow_missing=True
            ),
        log:
            job_log("simulate_dataset", f"{{dataset}}/batch{_batch}"),
        benchmark:
            job_benchmark("simulate_dataset", f"{{dataset}}/batch{_batch}")
        wildcard_constraints:
            dataset=datasets_with_generator("simulate"),
        conda:
            "../envs/normbench.yaml"
        threads: 1
        params:
            entry=dataset_entry,
            seed=config["seed"],
            replicates=replicates_of_batch(_batch),
        script:
            "../scripts/simulate_dataset.py"
