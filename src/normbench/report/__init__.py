"""The HTML report, built only from what the study wrote under ``results/``."""

from normbench.report.build import BASELINE, build_report, main, write_figures

__all__ = ["BASELINE", "build_report", "main", "write_figures"]
