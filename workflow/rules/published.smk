# Published results checked: every number of the config's `published` tables against the same
# statistic of our replicates (pass when inside its band), and every declared ordering (pass when
# our statistics follow it). Included always; rule all asks for its output only when the config
# has `published`. See normbench.study.published_check.


rule published_check:
    input:
        metrics="results/metrics.csv",
    output:
        check="results/published_check.csv",
    log:
        "logs/published_check.log",
    benchmark:
        "logs/benchmarks/published_check.tsv"
    conda:
        "../envs/normbench.yaml"
    params:
        published=config.get("published", []),
    script:
        "../scripts/published_check.py"
