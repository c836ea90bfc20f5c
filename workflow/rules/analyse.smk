# Analyse: the study's conclusions as tables, from the results store. findings.csv holds every
# a-priori paired comparison (each robust loss against the squared loss with the same penalty,
# each penalty against the lasso of its loss) with its effect, interval and verdict; answer.csv
# the per-scenario headline (does the loss matter, the penalty, both); summary.csv every median
# and mean with its Monte Carlo error (the oracles' too: oracle.csv; the relative risk needs the
# datasets' sidecars). The report renders these and computes no statistic of its own. See
# normbench.analysis.


rule analyse:
    input:
        metrics=REPORT_TABLES["metrics"],
        oracle=REPORT_TABLES["oracle"],
        timings=REPORT_TABLES["timings"],
        sidecars=dataset_sidecars,
    output:
        **ANALYSIS_TABLES,
    log:
        job_log("analyse"),
    benchmark:
        job_benchmark("analyse")
    conda:
        "../envs/normbench.yaml"
    params:
        config=config,
        datasets_dir=DATASETS_DIR,
    script:
        "../scripts/analyse.py"
