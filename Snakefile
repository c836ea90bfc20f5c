# normbench: loss (l2, l1, huber) x penalty (none, l1, l2, elasticnet) on simulated and real data.
#
#   snakemake --cores 2                                   # the default study, config/config.yaml
#   snakemake --cores 2 --configfile config/quick.yaml    # another study, same DAG
#
# Outputs: results/metrics.csv (one row per dataset, replicate, loss, penalty), results/timings.csv,
# results/oracle.csv (least squares on the true support, a reference) and reports/report.html.
# See README.md and config/README.md.

import sys
from pathlib import Path

# Use the library of this checkout, whichever Python runs Snakemake (e.g. one without normbench
# installed); the job scripts do the same.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from normbench.study.config import (
    ConfigError,
    check_dataset_rules,
    load_yaml,
    study_config,
    validate_config,
)
from normbench.study.layout import check_no_old_job_tables

DEFAULT_CONFIG = "config/config.yaml"

# A config file given on the command line replaces the default study instead of being merged
# into it (Snakemake's default), so that `--configfile config/test.yaml` runs exactly that study.
if not workflow.config_settings.configfiles:
    # Read it with our reader first: a syntax error then names the file, line and column,
    # where Snakemake's reader only says "not valid JSON or YAML". (A --configfile is read by
    # Snakemake before this file runs; `python -m normbench.study.check_config FILE` checks it.)
    if Path(DEFAULT_CONFIG).exists():
        try:
            load_yaml(DEFAULT_CONFIG)
        except ConfigError as err:
            sys.exit(f"normbench: {err}")

    configfile: DEFAULT_CONFIG


try:
    for config_path in workflow.configfiles:
        # Snakemake's own reader keeps the last of two equal keys; refuse them instead.
        load_yaml(config_path)
    # Snakemake's config (the files, then any --config overrides), validated once against
    # the package's schema: every default filled there, and the typed study read from it
    STUDY = study_config(validate_config(config))
    config.update(STUDY.as_dict())
except ConfigError as err:
    # A plain message, no traceback, before any job runs.
    sys.exit(f"normbench: {err}")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/datasets.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/plan.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/explain.smk"
include: "workflow/rules/published.smk"
include: "workflow/rules/report.smk"
# Dataset rules besides the simulator (see config/README.md, "Adding a dataset"); add yours here.
include: "workflow/rules/diabetes.smk"
include: "workflow/rules/semisynthetic.smk"
include: "workflow/rules/poly_cancer.smk"


try:
    check_dataset_rules(config, dataset_rule_outputs(), DATASET_OUTPUTS)
    # a study an older normbench ran: its per-job metrics tables are to be moved, not refitted
    check_no_old_job_tables()
except (ConfigError, FileExistsError) as err:
    sys.exit(f"normbench: {err}")


localrules:
    all,
    aggregate_results,
    plan,
    published_check,
    build_report,


rule all:
    default_target: True
    input:
        REPORT_TABLES["metrics"],
        REPORT_TABLES["timings"],
        REPORT_TABLES["oracle"],
        REPORT_TABLES["findings"],
        REPORT_HTML,
        # the reproduction's own check, for a config with published results
        [REPORT_TABLES["published_check"]] if config.get("published") else [],
