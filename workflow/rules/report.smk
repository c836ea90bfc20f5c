# Report: one self-contained HTML file with the figures and tables of the study.


rule build_report:
    input:
        metrics="results/metrics.csv",
        timings="results/timings.csv",
    output:
        html=report(
            "reports/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
    log:
        "logs/build_report.log",
    benchmark:
        "logs/benchmarks/build_report.tsv"
    conda:
        "../envs/normbench.yaml"
    params:
        config=config,
    script:
        "../scripts/build_report.py"
