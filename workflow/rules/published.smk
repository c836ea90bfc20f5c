# Published results checked: every number of the config's `published` tables against the same
# statistic of our replicates (pass when inside its band), and every declared ordering (pass when
# our statistics follow it); beside them, in a table of their own, the tables' sensitivity
# variants (no checks). Included always; rule all asks for its outputs only when the config has
# `published`. See normbench.study.published_check.


rule published_check:
    input:
        metrics=REPORT_TABLES["metrics"],
    output:
        check=REPORT_TABLES["published_check"],
        variants=REPORT_TABLES["published_variants"],
    log:
        job_log("published_check"),
    benchmark:
        job_benchmark("published_check")
    conda:
        "../envs/normbench.yaml"
    params:
        published=config.get("published", []),
    script:
        "../scripts/published_check.py"
