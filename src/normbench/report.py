"""Build the benchmark report: one self-contained HTML file.

Figures are embedded as base64 PNG and the style sheet is inline, so the file opens offline
and can be mailed or archived on its own; it references no external URL. All text taken
from the data or the configuration is HTML-escaped.

Command line::

    python -m normbench.report --metrics results/metrics.csv --timings results/timings.csv \\
        --config config/config.yaml --output reports/report.html
"""

import argparse
import base64
import datetime
import html
import io
import math
import os
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from normbench.aggregate import (
    LOSS_ORDER,
    PENALTY_ORDER,
    order_names,
    read_table,
    sort_results,
    summarize,
)
from normbench.figures import (
    fit_time_bars,
    format_value,
    heatmap_grid,
    pair_label,
    replicate_distributions,
    tpr_fpr_scatter,
)

__all__ = ["build_report", "main"]

_FIGURE_DPI = 100
_VERSIONED_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "statsmodels",
    "snakemake",
    "normbench",
)
_LOSS_DEFINITIONS = {
    "l2": "r² / 2 (least squares)",
    "l1": "|r| (least absolute deviations, median regression)",
    "huber": "r² / 2 if |r| ≤ δ, else δ·|r| − δ² / 2",
}
_PENALTY_DEFINITIONS = {
    "none": "0 (no regularisation)",
    "l1": "‖w‖₁ (lasso)",
    "l2": "‖w‖₂² / 2 (ridge)",
    "elasticnet": "α·‖w‖₁ + (1 − α)·‖w‖₂² / 2, α = l1_ratio",
}
_CV_DEFAULTS = {
    "folds": 5,
    "n_lams": 30,
    "eps": 1e-3,
    "l1_ratios": [0.2, 0.5, 0.8],
    "rule": "min",
    "criterion": "own_loss",
    "huber_multiplier": 1.345,
}
_HEATMAP_CAPTIONS = {
    "risk": "Median noise-free risk mean((f̂ − f)²) over the test points: how far the fitted "
    "function is from the true signal. Lower is better; the best cell is outlined in red.",
    "test_mse": "Median test mean squared error against the noisy responses (risk plus noise "
    "variance, so heavy-tailed noise inflates it for every pair). Lower is better.",
    "f1": "Median F1 score of the selected support {j : ŵⱼ ≠ 0} against the true support. "
    "Higher is better; dense estimators (none, l2) select every feature.",
    "n_nonzero": "Median number of non-zero coefficients at the CV choice.",
}
_DISTRIBUTION_CAPTIONS = {
    "risk": "Risk of every replicate per pair (box: quartiles, whiskers: 1.5 IQR, points: "
    "replicates). A wide box means the ranking of pairs may change between data draws.",
    "f1": "F1 of every replicate per pair: the stability of support recovery across data draws.",
}
_STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1f2328; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.9rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.45rem; margin-top: 2.5rem; padding-bottom: 0.3rem;
  border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
.subtitle { color: #57606a; margin-top: 0; }
nav { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px;
  padding: 0.6rem 1rem; margin: 1rem 0; font-size: 0.92rem; }
nav a { margin-right: 1rem; color: #0969da; text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
.formula { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f6f8fa; padding: 0.5rem 0.8rem; border-radius: 6px; display: inline-block; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.75rem 0; }
th, td { padding: 0.3rem 0.65rem; border-bottom: 1px solid #d0d7de; text-align: left;
  vertical-align: top; }
th { background: #eaeef2; font-weight: 600; }
tbody tr:nth-child(even) { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.figure-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr));
  gap: 1rem 1.5rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #57606a; margin-top: 0.3rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.8rem;
  overflow-x: auto; font-size: 0.85rem; }
details { margin: 1rem 0; }
summary { cursor: pointer; color: #0969da; }
.ok { color: #1a7f37; }
.warn { color: #9a6700; }
"""


# --------------------------------------------------------------------------- HTML helpers


def _esc(value):
    return html.escape(str(value), quote=True)


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _cell(value):
    """A table cell: numbers right-aligned and formatted, missing values as 'n/a'."""
    if _is_number(value):
        return f'<td class="num">{_esc(format_value(value))}</td>'
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return '<td class="num">n/a</td>'
    return f"<td>{_esc(value)}</td>"


def _table(headers, rows):
    head = "".join(f"<th>{_esc(header)}</th>" for header in headers)
    body = "\n".join("<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in rows)
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _figure(figure, caption, alt):
    """Embed a figure as a base64 PNG inside <figure> with its caption."""
    buffer = io.BytesIO()
    # No "Software" chunk: keeps the PNG free of version strings and URLs.
    figure.savefig(buffer, format="png", dpi=_FIGURE_DPI, metadata={"Software": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{_esc(alt)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _section(section_id, title, body):
    return f'<section id="{_esc(section_id)}">\n<h2>{_esc(title)}</h2>\n{body}\n</section>'


def _dataset_section_id(dataset):
    return f"dataset-{dataset}"


# --------------------------------------------------------------------------- content helpers


def _plain(value):
    """Convert a config (possibly with numpy scalars or Mapping subclasses) to plain YAML types."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _describe_params(params):
    """``{"kind": "block", "rho": 0.7}`` -> ``"kind=block, rho=0.7"``."""
    if not isinstance(params, Mapping):
        return "n/a" if params is None else str(params)
    return ", ".join(f"{key}={value}" for key, value in params.items())


def _dataset_order(metrics, config):
    """Datasets with results: config order first, then any others alphabetically."""
    present = set(metrics["dataset"])
    configured = [name for name in (config.get("datasets") or {}) if name in present]
    return configured + sorted(present.difference(configured))


def _extreme_pairs(rows, column, *, lowest):
    """Pairs attaining the lowest/highest finite value of ``column``, and that value."""
    values = pd.to_numeric(rows[column]).to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return [], math.nan
    best = values[finite].min() if lowest else values[finite].max()
    winners = rows[finite & (values == best)]
    pairs = zip(winners["loss"], winners["penalty"], strict=True)
    labels = [pair_label(loss, penalty) for loss, penalty in pairs]
    return labels, float(best)


def _scenario_sentence(summary, dataset):
    """One-line statement of the best pairs of one dataset, generated from the medians."""
    rows = summary[summary["dataset"] == dataset]
    parts = []
    for column, lowest, description in (
        ("risk_median", True, "lowest median risk"),
        ("f1_median", False, "highest median F1"),
    ):
        labels, value = _extreme_pairs(rows, column, lowest=lowest)
        if labels:
            parts.append(f"{description}: {' and '.join(labels)} ({format_value(value)})")
        else:
            parts.append(f"{description}: n/a (no value available)")
    n_ok, n_failed = int(rows["n_ok"].sum()), int(rows["n_failed"].sum())
    tail = f" {n_failed} of {n_ok + n_failed} fits did not succeed." if n_failed else ""
    return f"{dataset}: {'; '.join(parts)}.{tail}"


def _git_commit():
    """``git rev-parse HEAD`` in the current directory, or None when that does not work."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
        if result.returncode != 0:
            return None
        commit = result.stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if status.returncode == 0 and status.stdout.strip():
            commit += " (with uncommitted changes)"
        return commit
    except (OSError, subprocess.SubprocessError):
        return None


def _generation_time():
    """Now in UTC, or SOURCE_DATE_EPOCH when set (reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return datetime.datetime.now(tz=datetime.timezone.utc)


def _package_versions():
    versions = []
    for name in _VERSIONED_PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


# --------------------------------------------------------------------------- sections


def _summary_section(summary, datasets, config):
    models = config.get("models") or {}
    losses = order_names(models.get("losses") or summary["loss"], LOSS_ORDER)
    penalties = order_names(models.get("penalties") or summary["penalty"], PENALTY_ORDER)
    cv = {**_CV_DEFAULTS, **(config.get("cv") or {})}
    standardize = models.get("standardize", True)

    loss_rows = [(name, _LOSS_DEFINITIONS.get(name, "user-defined")) for name in losses]
    penalty_rows = [(name, _PENALTY_DEFINITIONS.get(name, "user-defined")) for name in penalties]
    rule = (
        "the λ with the smallest mean CV error"
        if cv["rule"] == "min"
        else "the largest λ whose mean CV error is within one standard error of the smallest"
    )
    criterion = {
        "own_loss": "each model's own loss on the held-out folds",
        "mse": "mean squared error on the held-out folds",
        "mae": "mean absolute error on the held-out folds",
    }.get(cv["criterion"], str(cv["criterion"]))
    ratios = ", ".join(str(ratio) for ratio in cv["l1_ratios"])
    scaling = (
        "Features are standardised on the training data inside the estimator and coefficients "
        "are reported on the original scale."
        if standardize
        else "Features are used as given (models.standardize is false)."
    )
    sentences = "\n".join(
        f'<li id="summary-{_esc(dataset)}">{_esc(_scenario_sentence(summary, dataset))}</li>'
        for dataset in datasets
    )
    body = f"""
<p>Every model is one loss combined with one penalty, fitted by minimising over the intercept
<i>b</i> (never penalised) and the coefficients <i>w</i>:</p>
<p class="formula">(1/n) Σᵢ loss(yᵢ − b − xᵢ·w) + λ · penalty(w)</p>
<p>The study crosses {len(losses)} losses with {len(penalties)} penalties
({len(losses) * len(penalties)} pairs):</p>
<div class="figure-grid">
{_table(["loss", "loss(r), r = residual"], loss_rows)}
{_table(["penalty", "penalty(w)"], penalty_rows)}
</div>
<p><b>Tuning.</b> Hyperparameters are chosen on each training split by {_esc(cv["folds"])}-fold
cross-validation, scored by {_esc(criterion)}. λ runs over a geometric grid of
{_esc(cv["n_lams"])} values from a data-driven λ<sub>max</sub> down to
{_esc(cv["eps"])} · λ<sub>max</sub>, and the rule <code>{_esc(cv["rule"])}</code> picks
{_esc(rule)}. For the elastic net, l1_ratio is tuned jointly with λ over {{{_esc(ratios)}}}.
Huber's δ is data-driven: {_esc(cv["huber_multiplier"])} × a robust scale estimate of the
residuals; the value chosen for each fit is recorded in the <code>delta</code> column.
{_esc(scaling)}</p>
<p><b>No penalty.</b> When p ≥ n every loss can be driven to zero by interpolating the training
data, so the minimiser is not unique; the penalty <code>none</code> then denotes the
minimum-‖w‖₂ interpolant (the limit of the ridge path as λ → 0), which is the same estimator
for all three losses. When n &gt; p it is the ordinary M-estimator (OLS, least absolute
deviations, Huber regression).</p>
<p><b>Results per scenario</b> (medians over successful replicates):</p>
<ul>
{sentences}
</ul>
"""
    return _section("summary", "Summary", body)


def _scenarios_section(datasets, config):
    configured = config.get("datasets") or {}
    rows = []
    for dataset in datasets:
        params = configured.get(dataset) or {}
        rows.append(
            (
                dataset,
                params.get("generator", "simulate" if params else "n/a"),
                params.get("n_train"),
                params.get("n_test"),
                params.get("p"),
                _describe_params(params.get("design")),
                _describe_params(params.get("coef")),
                _describe_params(params.get("noise")),
            )
        )
    headers = ["dataset", "generator", "n_train", "n_test", "p", "design", "coef", "noise"]
    body = (
        "<p>Generator parameters of each dataset, from the configuration; every dataset is "
        f"drawn {_esc(config.get('replicates', 'n/a'))} times (replicates) with seeds derived "
        f"from the base seed {_esc(config.get('seed', 'n/a'))} and the dataset name.</p>\n"
        + _table(headers, rows)
    )
    return _section("scenarios", "Scenarios", body)


def _median_table(summary, metrics, dataset):
    rows = summary[summary["dataset"] == dataset]
    ok = metrics[(metrics["dataset"] == dataset) & (metrics["status"] == "ok")]
    hyper = ok.groupby(["loss", "penalty"])[["lam", "l1_ratio", "delta"]].median()
    table_rows = []
    for row in rows.itertuples(index=False):
        chosen = [
            hyper.loc[(row.loss, row.penalty), column]
            if (row.loss, row.penalty) in hyper.index
            else math.nan
            for column in ("lam", "l1_ratio", "delta")
        ]
        table_rows.append(
            (
                pair_label(row.loss, row.penalty),
                row.n_ok,
                row.n_failed,
                row.risk_median,
                f"{format_value(row.risk_q25)} – {format_value(row.risk_q75)}",
                row.test_mse_median,
                row.test_mae_median,
                row.f1_median,
                row.n_nonzero_median,
                row.tpr_median,
                row.fpr_median,
                *chosen,
            )
        )
    headers = [
        "loss / penalty",
        "n_ok",
        "n_not_ok",
        "risk",
        "risk IQR",
        "test_mse",
        "test_mae",
        "F1",
        "n_nonzero",
        "TPR",
        "FPR",
        "λ",
        "l1_ratio",
        "δ",
    ]
    return (
        "<details><summary>Table of medians (successful fits) and median chosen "
        f"hyperparameters</summary>\n{_table(headers, table_rows)}\n</details>"
    )


def _dataset_section(summary, metrics, dataset, config):
    params = (config.get("datasets") or {}).get(dataset) or {}
    rows = metrics[metrics["dataset"] == dataset]
    n_replicates = rows["replicate"].nunique()
    n_not_ok = int((rows["status"] != "ok").sum())
    true_support = (params.get("coef") or {}).get("n_nonzero")

    heatmaps = []
    for metric in ("risk", "test_mse", "f1", "n_nonzero"):
        caption = _HEATMAP_CAPTIONS[metric]
        if metric == "n_nonzero" and true_support is not None:
            caption += f" The true support has {true_support} features."
        figure = heatmap_grid(summary, dataset, metric, title=f"{dataset}: median {metric}")
        heatmaps.append(_figure(figure, caption, f"heatmap of median {metric} for {dataset}"))
    distributions = [
        _figure(
            replicate_distributions(metrics, dataset, metric),
            _DISTRIBUTION_CAPTIONS[metric],
            f"{metric} across replicates for {dataset}",
        )
        for metric in ("risk", "f1")
    ]
    scatter = _figure(
        tpr_fpr_scatter(metrics, dataset),
        "Mean true-positive rate against mean false-positive rate per pair, at the "
        "hyperparameters chosen by cross-validation. The top-left corner is perfect recovery; "
        "dense estimators sit at FPR = 1. Colour: penalty; marker: loss.",
        f"TPR against FPR for {dataset}",
    )
    status_note = (
        f" {n_not_ok} fit(s) did not succeed and are left out of the figures; see "
        '<a href="#failures">Failures</a>.'
        if n_not_ok
        else " Every fit succeeded."
    )
    body = f"""
<p>{_esc(_scenario_sentence(summary, dataset))}</p>
<p>{_esc(n_replicates)} replicate(s). Design: {_esc(_describe_params(params.get("design")))};
coefficients: {_esc(_describe_params(params.get("coef")))};
noise: {_esc(_describe_params(params.get("noise")))}.{status_note}</p>
<h3>Medians over replicates</h3>
<div class="figure-grid">
{chr(10).join(heatmaps)}
</div>
{_median_table(summary, metrics, dataset)}
<h3>Spread across replicates</h3>
<div class="figure-grid">
{chr(10).join(distributions)}
</div>
<h3>Support recovery</h3>
{scatter}
"""
    return _section(_dataset_section_id(dataset), f"Dataset: {dataset}", body)


def _failures_section(metrics):
    failed = metrics[metrics["status"] != "ok"]
    if failed.empty:
        body = f'<p class="ok">All {len(metrics)} fits converged.</p>'
    else:
        messages = failed["message"] if "message" in failed else pd.Series("", index=failed.index)
        rows = [
            (row.dataset, row.replicate, row.loss, row.penalty, row.status, message)
            for row, message in zip(failed.itertuples(index=False), messages, strict=True)
        ]
        body = (
            f'<p class="warn">{len(failed)} of {len(metrics)} fits did not succeed. They are '
            "counted here and left out of every median and figure.</p>\n"
            + _table(["dataset", "replicate", "loss", "penalty", "status", "message"], rows)
        )
    return _section("failures", "Failures", body)


def _cost_section(timings):
    seconds = pd.to_numeric(timings["fit_seconds"])
    frame = timings.assign(fit_seconds=seconds)
    stats = frame.groupby(["loss", "penalty"])["fit_seconds"].agg(
        ["count", "median", "mean", "max", "sum"]
    )
    losses = order_names(frame["loss"], LOSS_ORDER)
    penalties = order_names(frame["penalty"], PENALTY_ORDER)
    rows = [
        (pair_label(loss, pen), *stats.loc[(loss, pen)].tolist())
        for loss in losses
        for pen in penalties
        if (loss, pen) in stats.index
    ]
    figure = _figure(
        fit_time_bars(timings),
        "Median wall-clock fit time per pair over all datasets and replicates. Timings depend "
        "on the machine and on parallel load; they are kept out of the metrics table so that "
        "the results stay byte-reproducible.",
        "median fit time per pair",
    )
    body = (
        f"<p>Total recorded fit time: {_esc(format_value(float(seconds.sum())))} s over "
        f"{len(timings)} fits.</p>\n{figure}\n"
        + _table(["loss / penalty", "fits", "median s", "mean s", "max s", "total s"], rows)
    )
    return _section("cost", "Cost", body)


def _provenance_section(config):
    config_yaml = yaml.safe_dump(
        _plain(config), sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    commit = _git_commit()
    details = [
        ("generated (UTC)", _generation_time().strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("git commit", commit if commit else "not available (not run inside a git checkout)"),
        ("python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("platform", platform.platform()),
    ]
    body = (
        _table(["item", "value"], details)
        + "\n<h3>Package versions</h3>\n"
        + _table(["package", "version"], _package_versions())
        + f"\n<h3>Configuration</h3>\n<pre>{_esc(config_yaml)}</pre>"
    )
    return _section("provenance", "Provenance", body)


def _navigation(datasets):
    links = [("summary", "Summary"), ("scenarios", "Scenarios")]
    links += [(_dataset_section_id(dataset), dataset) for dataset in datasets]
    links += [("failures", "Failures"), ("cost", "Cost"), ("provenance", "Provenance")]
    anchors = " ".join(f'<a href="#{_esc(target)}">{_esc(text)}</a>' for target, text in links)
    return f"<nav>{anchors}</nav>"


# --------------------------------------------------------------------------- public API


def build_report(*, metrics_csv, timings_csv, config: Mapping, output_html):
    """Write the benchmark report as one self-contained HTML file.

    Parameters
    ----------
    metrics_csv : str or path-like
        The aggregated metrics table (``results/metrics.csv``).
    timings_csv : str or path-like
        The aggregated timings table (``results/timings.csv``).
    config : Mapping
        The study configuration, preferably validated (defaults filled in).
    output_html : str or path-like
        Where to write the report; parent directories are created.

    Raises
    ------
    ValueError
        If a table is empty or lacks required columns.
    """
    metrics = sort_results(read_table(metrics_csv))
    timings = sort_results(read_table(timings_csv))
    missing = [c for c in ("loss", "penalty", "fit_seconds") if c not in timings]
    if missing:
        raise ValueError(f"{timings_csv}: timings table lacks column(s) {missing}")
    summary = summarize(metrics)
    datasets = _dataset_order(metrics, config)

    sections = [
        _summary_section(summary, datasets, config),
        _scenarios_section(datasets, config),
        *(_dataset_section(summary, metrics, dataset, config) for dataset in datasets),
        _failures_section(metrics),
        _cost_section(timings),
        _provenance_section(config),
    ]
    document = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>normbench report</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>normbench report</h1>
<p class="subtitle">Loss × penalty benchmark for high-dimensional linear regression:
{len(datasets)} dataset(s), {len(metrics)} fits.</p>
{_navigation(datasets)}
{chr(10).join(sections)}
</main>
</body>
</html>
"""
    output_html = Path(output_html)
    output_html.parent.mkdir(parents=True, exist_ok=True)
    output_html.write_bytes(document.encode("utf-8"))


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m normbench.report",
        description=(
            "Build the normbench HTML report from the aggregated metrics and timings tables. "
            "The output is one self-contained file (figures embedded, no external URLs)."
        ),
    )
    parser.add_argument(
        "--metrics",
        required=True,
        type=Path,
        help="aggregated metrics CSV, e.g. results/metrics.csv",
    )
    parser.add_argument(
        "--timings",
        required=True,
        type=Path,
        help="aggregated timings CSV, e.g. results/timings.csv",
    )
    parser.add_argument(
        "--config",
        required=True,
        type=Path,
        help="study configuration YAML, e.g. config/config.yaml",
    )
    parser.add_argument(
        "--output", required=True, type=Path, help="HTML file to write, e.g. reports/report.html"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    args = _parse_args(argv)
    with open(args.config, encoding="utf-8") as stream:
        config = yaml.safe_load(stream) or {}
    if not isinstance(config, Mapping):
        print(f"error: {args.config}: the configuration must be a YAML mapping", file=sys.stderr)
        return 2
    try:
        build_report(
            metrics_csv=args.metrics,
            timings_csv=args.timings,
            config=config,
            output_html=args.output,
        )
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
