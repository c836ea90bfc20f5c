"""The metric registry: what each column of ``results/metrics.csv`` measures and how to read it.

Tables, figures, findings and captions take a metric's direction, scale and wording from here,
so that a metric added to the study is described once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DERIVED_METRICS",
    "LATER_METRIC_NAMES",
    "METRICS",
    "METRIC_NAMES",
    "Metric",
    "metric",
]


@dataclass(frozen=True)
class Metric:
    """One metric of a fit.

    Attributes
    ----------
    name : str
        Its column in ``results/metrics.csv``.
    label : str
        A short name for axes and table headers.
    measures : str
        What it measures, relative to what (one sentence, for captions).
    better : {"lower", "higher", None}
        Which direction is a better model; None where neither is (a count, a signed error).
    log_scale : bool
        Whether figures draw it on a log scale (it spans orders of magnitude across pairs).
    unit : str
        Its unit, "" for a pure number.
    """

    name: str
    label: str
    measures: str
    better: str | None = "lower"
    log_scale: bool = False
    unit: str = ""

    @property
    def direction(self) -> str | None:
        """ "lower is better", "higher is better", or None."""
        return f"{self.better} is better" if self.better else None


_SQUARED = "squared units of y"

METRICS: dict[str, Metric] = {
    each.name: each
    for each in (
        Metric(
            "risk",
            "risk",
            "noise-free prediction risk mean((f̂ − f)²) over the test points, against the true "
            "conditional mean f (intercept included)",
            log_scale=True,
            unit=_SQUARED,
        ),
        Metric(
            "test_mse",
            "test MSE",
            "mean squared error against the noisy test responses (risk plus the noise variance)",
            log_scale=True,
            unit=_SQUARED,
        ),
        Metric(
            "test_mae",
            "test MAE",
            "mean absolute error against the noisy test responses",
            log_scale=True,
            unit="units of y",
        ),
        Metric(
            "estimation_error",
            "‖ŵ − w‖₂",
            "Euclidean distance of the fitted coefficients from the true ones",
            log_scale=True,
        ),
        Metric("n_nonzero", "nonzeros", "number of non-zero fitted coefficients", better=None),
        Metric("tpr", "TPR", "share of the true support selected", better="higher"),
        Metric("fpr", "FPR", "share of the true zeros selected"),
        Metric(
            "precision",
            "precision",
            "share of the selected features that are true",
            better="higher",
        ),
        Metric(
            "f1", "F1", "F1 score of the selected support against the true support", better="higher"
        ),
        Metric(
            "group_hit",
            "group hit",
            "share of truly active groups with a selected feature",
            better="higher",
        ),
        Metric(
            "group_frac",
            "group share",
            "share of the features of truly active groups that are selected",
            better="higher",
        ),
        Metric(
            "group_whole",
            "whole groups",
            "share of truly active groups selected whole",
            better="higher",
        ),
        Metric(
            "model_error",
            "model error",
            "(ŵ − w)ᵀΣ(ŵ − w) with Σ the population covariance of the features: the slopes' "
            "prediction error, intercept excluded (Zou & Hastie 2005; Hastie et al. 2020)",
            log_scale=True,
            unit=_SQUARED,
        ),
        Metric(
            "intercept_error",
            "b̂ − b",
            "fitted minus true intercept (signed; risk ≈ model error + its square)",
            better=None,
            unit="units of y",
        ),
        Metric(
            "pve",
            "PVE",
            "proportion of variance explained, 1 − (risk + σ²) / (Var(xᵀw) + σ²), with σ² the "
            "noise distribution's true variance (missing where infinite)",
            better="higher",
        ),
        Metric(
            "pve_empirical",
            "PVE (test)",
            "1 − test MSE / Var(y_test): the share of the test responses' variance explained",
            better="higher",
        ),
    )
}


#: The metric columns of ``results/metrics.csv``, in the order a fit job computes them.
METRIC_NAMES = (
    "test_mse",
    "test_mae",
    "risk",
    *(name for name in METRICS if name not in ("test_mse", "test_mae", "risk")),
)
#: The metrics added after the first release. In the metrics CSV they follow the fit's own
#: columns (``cv_score``, ``intercept``), so that every older column keeps its position.
LATER_METRIC_NAMES = ("model_error", "intercept_error", "pve", "pve_empirical")

#: Columns the report derives from ``metrics.csv`` and the datasets' sidecars; an entry of
#: :data:`METRICS` of the same name wins over these.
DERIVED_METRICS: dict[str, Metric] = {
    each.name: each
    for each in (
        Metric(
            "risk_ratio",
            "risk / baseline",
            "risk divided by the baseline pair's risk on the same replicate",
            log_scale=True,
        ),
        Metric(
            "relative_risk",
            "relative risk",
            "risk / Var(x'β): 0 is perfect, 1 is the risk of the null model",
            log_scale=True,
        ),
        Metric(
            "pve",
            "PVE",
            "proportion of variance explained, 1 − (risk + σ²) / (Var(x'β) + σ²)",
            better="higher",
        ),
        Metric("intercept", "intercept", "fitted intercept", better=None),
    )
}


def metric(name: str) -> Metric:
    """The registry entry of ``name``; a column the registry does not know gets a neutral one."""
    return METRICS.get(name) or DERIVED_METRICS.get(name) or Metric(name, name, name, better=None)
