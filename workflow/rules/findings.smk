# Findings: the study's conclusions as data. findings.csv holds every a-priori paired comparison
# (each robust loss against the squared loss with the same penalty, each penalty against the lasso
# of its loss) with its effect, interval and verdict; answer.csv the per-scenario headline (does
# the loss matter, the penalty, both). See normbench.analysis.findings and normbench.analysis.answer.


rule findings:
    input:
        metrics="results/metrics.csv",
    output:
        findings="results/findings.csv",
        method="results/findings.json",
        answer="results/answer.csv",
    log:
        "logs/findings.log",
    benchmark:
        "logs/benchmarks/findings.tsv"
    conda:
        "../envs/normbench.yaml"
    script:
        "../scripts/findings.py"
