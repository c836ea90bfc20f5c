# Analyse: the study's conclusions as tables, from the results store. findings.csv holds every
# a-priori paired comparison (each robust loss against the squared loss with the same penalty,
# each penalty against the lasso of its loss) with its effect, interval and verdict; answer.csv
# the per-scenario headline (does the loss matter, the penalty, both). The report renders these
# and computes no statistic of its own. See normbench.analysis.


rule analyse:
    input:
        metrics=REPORT_TABLES["metrics"],
    output:
        **ANALYSIS_TABLES,
    log:
        "logs/analyse.log",
    benchmark:
        "logs/benchmarks/analyse.tsv"
    conda:
        "../envs/normbench.yaml"
    params:
        config=config,
    script:
        "../scripts/analyse.py"
