# workflow/rules/poly_cancer.smk
# Example of a user's dataset rule with a known truth: scikit-learn's breast-cancer design
# (569 x 30) expanded to all degree-2 terms, the first p kept, a sparse true coefficient vector
# and Student t noise. It writes `coef`, `f_test` and the population covariance `sigma`, so the
# study computes every measure for it (docs/extending.md, "A real design with a known truth").
# A config selects it with `generator: poly_cancer`.


rule poly_cancer:
    output:
        npz=DATASET_NPZ,
        json=DATASET_JSON,
    log:
        job_log("poly_cancer", "{dataset}/rep{replicate}"),
    benchmark:
        job_benchmark("poly_cancer", "{dataset}/rep{replicate}")
    wildcard_constraints:
        dataset=datasets_with_generator("poly_cancer"),
    conda:
        "../envs/normbench.yaml"
    threads: 1
    params:
        entry=dataset_entry,
        seed=config["seed"],
    script:
        "../scripts/poly_cancer.py"
