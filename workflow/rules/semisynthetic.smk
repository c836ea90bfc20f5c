# Semi-synthetic p >> n datasets: a real design matrix shipped with scikit-learn, widened into
# groups of correlated features, with simulated sparse coefficients and heavy-tailed noise
# (normbench.data.semisynthetic; docs/extending.md, "A semi-synthetic dataset"). A config selects it
# with `generator: semisynthetic` and its settings under `params`.

from normbench.data.semisynthetic import resolve_params as semisynthetic_params

# `params` is free-form for the schema: check it here, so a bad key stops the run before any job.
for _name in dataset_names(config, "semisynthetic"):
    try:
        semisynthetic_params(
            config["datasets"][_name]["params"], where=f"datasets.{_name}.params"
        )
    except ValueError as err:
        sys.exit(f"normbench: {err}.")


rule semisynthetic:
    output:
        npz=DATASET_NPZ,
        json=DATASET_JSON,
    log:
        job_log("semisynthetic", "{dataset}/rep{replicate}"),
    benchmark:
        job_benchmark("semisynthetic", "{dataset}/rep{replicate}")
    wildcard_constraints:
        dataset=datasets_with_generator("semisynthetic"),
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        entry=dataset_entry,
        seed=config["seed"],
    script:
        "../scripts/semisynthetic_dataset.py"
