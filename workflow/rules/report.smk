# Report: one self-contained HTML file with the figures and tables of the study. Every file the
# report reads is an input here (tables, dataset sidecars, benchmark files), so a change to any
# of them rebuilds it and `snakemake --report` records them.


rule build_report:
    input:
        unpack(report_table_files),
        fits=report_fits_files,
        sidecars=dataset_sidecars,
        explain=explain_files,
        benchmarks=report_benchmarks,
    output:
        html=report(
            REPORT_HTML,
            caption="../report/report.rst",
            category="Report",
        ),
        # the same figures as PNG files, so that `snakemake --report` shows them too, filed
        # by report section (category) and scenario (subcategory, "all" for figures of every
        # scenario): build.figure_file_name writes <section>.<scenario>.<NN>-<what>.png
        figures=report(
            directory(REPORT_FIGURES_DIR),
            patterns=["{section,[^.]+}.{scenario,[^.]+}.{figure,[^.]+}.png"],
            caption="../report/figures.rst",
            category="{section}",
            subcategory="{scenario}",
            labels={
                "section": "{section}",
                "scenario": "{scenario}",
                "figure": "{figure}",
            },
        ),
    log:
        job_log("build_report"),
    benchmark:
        job_benchmark("build_report")
    conda:
        "../envs/normbench.yaml"
    # the sections are drawn by two forked processes (normbench.report.build.REPORT_WORKERS)
    threads: 2
    params:
        config=config,
        datasets_dir=DATASETS_DIR,
        benchmarks_dir=BENCHMARKS_DIR,
    script:
        "../scripts/build_report.py"
