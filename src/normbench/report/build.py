"""Build the benchmark report: one self-contained HTML file.

Figures are embedded as base64 PNG and the style sheet is inline, so the file opens offline
and can be mailed or archived on its own; it references no external URL. All text taken
from the data or the configuration is HTML-escaped.

The report answers one question -- for p >> n regression, which matters more, the loss or
the penalty? -- from the run's own ``results/metrics.csv`` and ``results/timings.csv``, the
configuration, and (optional) the oracle reference ``results/oracle.csv``, the datasets' JSON
sidecars and Snakemake's benchmark files.
Its sections, in order: summary (generated sentences with effect sizes), models and scenarios,
the loss x penalty grid (with the oracle reference), out-of-sample error, sparsity and group
recovery, how the penalty acts, how the loss acts, statistics, failures, cost and provenance.
``docs/report.md`` explains every figure.

Command line::

    python -m normbench.report --metrics results/metrics.csv --timings results/timings.csv \\
        --oracle results/oracle.csv --config config/config.yaml --output reports/report.html
"""

import argparse
import base64
import datetime
import html
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from normbench.report.figures import (
    coefficient_path_panels,
    exact_zero_share,
    fit_time_bars,
    format_value,
    heatmap_grid,
    interaction_plot,
    loss_functions,
    norm_balls,
    pair_label,
    replicate_distributions,
    residual_distributions,
    support_roc_curves,
    tpr_fpr_scatter,
)
from normbench.report.html import esc, html_figure, html_section, html_table
from normbench.report.published import compare_published, ordering_rows, published_figure
from normbench.report.statistics import (
    interaction_anova,
    paired_comparisons,
    paired_effect,
    paired_values,
)
from normbench.report.sweeps import sweeps_section
from normbench.study.config import ConfigError, sweeps, validate_config
from normbench.study.store import (
    LOSS_ORDER,
    PENALTY_ORDER,
    order_names,
    read_table,
    sort_results,
    summarize,
)

__all__ = ["BASELINE", "build_report", "main"]

#: Most datasets drawn one by one (see _detail_datasets).
_MAX_DETAIL_DATASETS = 12

#: The natural reference pair: squared loss with the lasso penalty.
BASELINE = ("l2", "l1")
_N_BOOT = 2000
_BOOT_SEED = 0
_ALPHA = 0.05
# An ANOVA term explaining less than this share of the variation of log risk is called small.
_SMALL_SHARE = 0.05
_DEFAULT_HUBER_MULTIPLIER = 1.345
# The "How the penalty acts" paths: replicate re-simulated, penalties drawn, and a cap on
# n_train * p above which the paths are skipped (keeps the section to a few seconds).
_PATH_REPLICATE = 1
_PATH_PENALTIES = ("l1", "l2", "elasticnet")
_PATH_L1_RATIO = 0.5
_PATH_MAX_N_LAMS = 30
_PATH_MAX_CELLS = 2_000_000
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
    "huber_multiplier": _DEFAULT_HUBER_MULTIPLIER,
}
_GRID_METRICS = ("risk", "test_mse", "test_mae", "f1", "n_nonzero")
_ORACLE_LABEL = "oracle (least squares on the true support)"
_ORACLE_NUMBERS = ("risk", "test_mse", "test_mae")
_GROUP_METRICS = ("group_hit", "group_frac", "group_whole")
# Designs whose group labels are nominal: the features are not correlated within a group.
_UNCORRELATED_DESIGNS = ("independent", "toeplitz")
_HEATMAP_CAPTIONS = {
    "risk": "Median noise-free risk mean((f̂ − f)²) over the test points: how far the fitted "
    "function is from the true signal. Lower is better; the best cell is outlined in red.",
    "test_mse": "Median test mean squared error against the noisy responses (risk plus noise "
    "variance, so heavy-tailed noise inflates it for every pair). Lower is better.",
    "test_mae": "Median test mean absolute error against the noisy responses: less sensitive "
    "than test_mse to a few huge test residuals. Lower is better.",
    "f1": "Median F1 score of the selected support {j : ŵⱼ ≠ 0} against the true support. "
    "Higher is better; dense estimators (none, l2) select every feature.",
    "n_nonzero": "Median number of non-zero coefficients at the CV choice.",
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
p.lead { font-size: 1.05rem; }
ul.findings li { margin-bottom: 0.45rem; }
.note { color: #57606a; font-size: 0.9rem; }
"""


# --------------------------------------------------------------------------- HTML helpers


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


def _anchor(prefix, dataset):
    return f"{prefix}-{dataset}"


def _percent(fraction):
    return "n/a" if not math.isfinite(fraction) else f"{100.0 * fraction:+.1f}%"


def _signed(value):
    return "n/a" if not math.isfinite(value) else f"{value:+.3g}"


def _p_value(value):
    if value is None or not math.isfinite(value):
        return "n/a"
    return "< 1e-10" if value < 1e-10 else format_value(value)


def _p_relation(value):
    """'= 0.012' or '< 1e-10', to follow a 'p' in a sentence."""
    text = _p_value(value)
    return text if text.startswith("<") else f"= {text}"


def _best_pairs(rows, column, *, lowest):
    """(loss, penalty) pairs attaining the lowest/highest finite ``column``, and that value."""
    values = pd.to_numeric(rows[column]).to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return [], math.nan
    best = values[finite].min() if lowest else values[finite].max()
    winners = rows[finite & (values == best)]
    return list(zip(winners["loss"], winners["penalty"], strict=True)), float(best)


def _labels(pairs):
    return " and ".join(pair_label(*pair) for pair in pairs)


def _effect_clause(ctx, dataset, pair, metric, kind):
    """', -41.0% vs l2 / l1 (1.23; paired 95% bootstrap CI ...)' or '' without a baseline."""
    baseline = ctx["baseline"]
    values, reference = paired_values(ctx["metrics"], dataset, pair, baseline, metric)
    if values.size == 0:
        return f"; no replicate where both it and {pair_label(*baseline)} succeeded"
    effect = paired_effect(
        values, reference, kind=kind, n_boot=ctx["n_boot"], seed=ctx["seed"], level=0.95
    )
    show = _percent if kind == "ratio" else _signed
    what = "relative difference of medians" if kind == "ratio" else "difference of medians"
    return (
        f", {show(effect.estimate)} vs {pair_label(*baseline)} "
        f"({format_value(float(np.median(reference)))}; {what}, paired 95% bootstrap CI "
        f"{show(effect.low)} to {show(effect.high)} over {effect.n} replicate(s))"
    )


def _best_clause(ctx, dataset, metric, *, lowest, description, kind):
    summary = ctx["summary"]
    rows = summary[summary["dataset"] == dataset]
    column = f"{metric}_median"
    pairs, value = _best_pairs(rows, column, lowest=lowest)
    if not pairs:
        return f"{description}: n/a (no value available)"
    text = f"{description}: {_labels(pairs)} ({format_value(value)})"
    baseline = ctx["baseline"]
    present = set(zip(rows["loss"], rows["penalty"], strict=True))
    if baseline not in present:
        return text
    if baseline not in pairs:
        return text + _effect_clause(ctx, dataset, pairs[0], metric, kind)
    others = rows[[pair != baseline for pair in zip(rows.loss, rows.penalty, strict=True)]]
    runners, runner_value = _best_pairs(others, column, lowest=lowest)
    text += ", the baseline itself"
    if runners:
        text += f"; next: {_labels(runners)} ({format_value(runner_value)})"
        text += _effect_clause(ctx, dataset, runners[0], metric, kind)
    return text


def _scenario_sentence(ctx, dataset):
    """One sentence per dataset, generated from the numbers: best pairs and effect sizes."""
    rows = ctx["summary"][ctx["summary"]["dataset"] == dataset]
    # Without a noise-free signal (a real dataset) the test error is the best there is.
    error = "risk" if np.isfinite(rows["risk_median"].to_numpy(dtype=float)).any() else "test_mse"
    if error == "test_mse":
        prefix = "lowest median risk: n/a (no noise-free signal); lowest median test_mse"
    else:
        prefix = "lowest median risk"
    parts = [
        _best_clause(ctx, dataset, error, lowest=True, description=prefix, kind="ratio"),
        _best_clause(
            ctx, dataset, "f1", lowest=False, description="highest median F1", kind="difference"
        ),
    ]
    n_ok, n_failed = int(rows["n_ok"].sum()), int(rows["n_failed"].sum())
    tail = f" {n_failed} of {n_ok + n_failed} fits did not succeed." if n_failed else ""
    oracle = _oracle_stats(ctx, dataset)
    if error == "risk" and oracle is not None and math.isfinite(oracle["risk"]):
        tail += (
            f" For reference, least squares on the true support (the oracle) has median risk "
            f"{format_value(oracle['risk'])}."
        )
    return f"{dataset}: {'; '.join(parts)}.{tail}"


def _anova_sentence(result, scope):
    interaction = "loss × penalty interaction"
    share = result.share("C(loss):C(penalty)")
    if result.interaction_p >= _ALPHA:
        verdict = "not significant: no evidence that the best penalty depends on the loss"
    elif share < _SMALL_SHARE:
        verdict = "significant but small: how much a penalty helps depends a little on the loss"
    else:
        verdict = "significant: which penalty is best depends on the loss"
    return (
        f"{scope}, the penalty accounts for {100 * result.share('C(penalty)'):.0f}% of the "
        f"variation of log risk, the loss for {100 * result.share('C(loss)'):.0f}% and the "
        f"{interaction} for {100 * result.share('C(loss):C(penalty)'):.0f}% (F-test of the "
        f"interaction: p {_p_relation(result.interaction_p)}, {verdict})."
    )


def _which_matters(loss_share, penalty_share):
    """'the choice of X matters more ...' from two ANOVA shares; 'neither' when both are small."""
    shares = (
        f"the loss accounts for {100 * loss_share:.0f}% and the penalty for "
        f"{100 * penalty_share:.0f}% of the variation of log risk"
    )
    if max(loss_share, penalty_share) < _SMALL_SHARE:
        return (
            f"neither choice explains much of the noise-free risk: {shares}; the scenarios and "
            "the replicates account for the rest"
        )
    bigger, smaller = ("penalty", "loss") if penalty_share >= loss_share else ("loss", "penalty")
    return f"the choice of {bigger} matters more than the choice of {smaller}: {shares}"


def _headline(ctx):
    """Generated sentences answering 'loss or penalty?' from the pooled ANOVA of log risk."""
    metrics, datasets = ctx["metrics"], ctx["all_datasets"]
    everything = interaction_anova(metrics, metric="risk", datasets=datasets)
    if everything is None:
        return (
            '<p class="lead">The run has no positive risk values for at least two losses and '
            "two penalties, so the question 'loss or penalty?' cannot be answered from it.</p>"
        )
    scope = f"Pooled over {len(datasets)} scenario(s) ({everything.n} successful fits)"
    sentences = [_anova_sentence(everything, scope)]
    decisive = everything
    penalised = interaction_anova(
        metrics[metrics["penalty"] != "none"], metric="risk", datasets=datasets
    )
    if penalised is not None and (metrics["penalty"] == "none").any():
        sentences.append(
            _anova_sentence(penalised, "Leaving out the unpenalised fits (penalty none)")
        )
        decisive = penalised
    conclusion = "In this run " + _which_matters(
        decisive.share("C(loss)"), decisive.share("C(penalty)")
    )
    sparse = [name for name in ("l1", "elasticnet") if (metrics["penalty"] == name).any()]
    within = None
    if len(sparse) == 2:
        within = interaction_anova(
            metrics[metrics["penalty"].isin(sparse)], metric="risk", datasets=datasets
        )
    if within is not None:
        conclusion += (
            "; between the two sparse penalties (l1, elasticnet) "
            + _which_matters(within.share("C(loss)"), within.share("C(penalty)"))
            + f" (interaction {100 * within.share('C(loss):C(penalty)'):.0f}%)"
        )
    sentences.append(
        conclusion + ". Per-scenario answers follow, with effect sizes against "
        f"{pair_label(*ctx['baseline'])} (squared loss with the lasso penalty)."
    )
    return '<p class="lead">' + esc(" ".join(sentences)) + "</p>"


def _replicate_info(config, metrics, datasets_dir):
    """Signal variance Var(x'β) and noise scale σ per dataset replicate.

    Read from the dataset's JSON sidecar when present; for simulated datasets whose files are
    gone (the workflow deletes them after fitting) the same two numbers are re-derived from
    the configuration by simulating the replicate with tiny n (they depend only on the seed,
    the coefficients and the design). Returns a DataFrame with columns ``dataset``,
    ``replicate``, ``signal_variance``, ``noise_scale`` and ``source``.
    """
    from normbench.data.simulate import simulate_to_file

    configured = config.get("datasets") or {}
    records = []
    pairs = metrics[["dataset", "replicate"]].drop_duplicates()
    with tempfile.TemporaryDirectory(prefix="normbench-report-") as scratch:
        for dataset, replicate in zip(pairs["dataset"], pairs["replicate"], strict=True):
            try:
                replicate = int(replicate)
            except (TypeError, ValueError):
                continue
            sidecar = Path(datasets_dir) / dataset / f"rep{replicate}.json"
            info, source = None, None
            if datasets_dir is not None and sidecar.is_file():
                try:
                    info, source = json.loads(sidecar.read_text(encoding="utf-8")), "sidecar"
                except (OSError, ValueError):
                    info = None
            params = configured.get(dataset)
            if (not isinstance(info, Mapping) or "signal_variance" not in info) and isinstance(
                params, Mapping
            ):
                if params.get("generator", "simulate") == "simulate":
                    tiny = {**_plain(params), "n_train": 2, "n_test": 1}
                    path = Path(scratch) / f"{len(records)}.npz"
                    try:
                        simulate_to_file(
                            tiny,
                            base_seed=int(config.get("seed", 0)),
                            dataset=dataset,
                            replicate=replicate,
                            path=path,
                        )
                        info = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
                        source = "re-simulated from the configuration"
                    except (OSError, ValueError, TypeError):
                        info = None
            if not isinstance(info, Mapping):
                continue
            try:
                signal, scale = float(info["signal_variance"]), float(info["noise_scale"])
            except (KeyError, TypeError, ValueError):
                continue
            if math.isfinite(signal) and signal > 0 and math.isfinite(scale) and scale > 0:
                records.append((dataset, replicate, signal, scale, source))
    columns = ["dataset", "replicate", "signal_variance", "noise_scale", "source"]
    return pd.DataFrame(records, columns=columns)


def _derived_columns(metrics, info, baseline):
    """Add ``risk_ratio`` (to the baseline of the same replicate), ``relative_risk`` and
    ``pve`` (Hastie, Tibshirani & Tibshirani 2020) to the metrics table."""
    frame = metrics.copy()
    risk = pd.to_numeric(frame["risk"], errors="coerce")
    frame["risk"] = risk
    ok = frame["status"] == "ok"
    is_base = ok & (frame["loss"] == baseline[0]) & (frame["penalty"] == baseline[1])
    base = frame[is_base].set_index(["dataset", "replicate"])["risk"]
    base = base[~base.index.duplicated()]
    keys = pd.MultiIndex.from_frame(frame[["dataset", "replicate"]])
    reference = base.reindex(keys).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["risk_ratio"] = np.where(reference > 0, risk.to_numpy(float) / reference, np.nan)
    signal, noise = _variances(frame, info)
    values = risk.to_numpy(dtype=float)
    frame["relative_risk"] = values / signal
    frame["pve"] = 1.0 - (values + noise) / (signal + noise)
    return frame


def _variances(frame, info):
    """Var(x'β) and σ² aligned with the rows of ``frame`` (``nan`` where unknown)."""
    if info.empty:
        missing = np.full(len(frame), np.nan)
        return missing, missing.copy()
    joined = frame[["dataset", "replicate"]].merge(
        info.assign(replicate=info["replicate"].astype(frame["replicate"].dtype)),
        on=["dataset", "replicate"],
        how="left",
    )
    signal = joined["signal_variance"].to_numpy(dtype=float)
    return signal, joined["noise_scale"].to_numpy(dtype=float) ** 2


def _read_oracle(oracle_csv, info):
    """The oracle table with ``relative_risk``, or None without one (see normbench.study.oracle)."""
    if oracle_csv is None:
        return None
    oracle = sort_results(read_table(oracle_csv))
    missing = [c for c in ("dataset", "replicate", "status", *_ORACLE_NUMBERS) if c not in oracle]
    if missing:
        raise ValueError(f"{oracle_csv}: oracle table lacks column(s) {missing}")
    for column in (*_ORACLE_NUMBERS, "n_support"):
        if column in oracle:
            oracle[column] = pd.to_numeric(oracle[column], errors="coerce")
    signal, _ = _variances(oracle, info)
    oracle["relative_risk"] = oracle["risk"].to_numpy(dtype=float) / signal
    return oracle


def _oracle_stats(ctx, dataset):
    """Medians of the oracle's metrics on one dataset, or None without an oracle table.

    Returns a dict with ``n_ok``, ``n_rows``, ``message`` (why it does not apply, from the
    first such row), the medians of risk, test_mse, test_mae, relative_risk and n_support, and
    the risk quartiles; medians are over the replicates where the oracle applies.
    """
    oracle = ctx["oracle"]
    if oracle is None:
        return None
    rows = oracle[oracle["dataset"] == dataset]
    if rows.empty:
        return None
    ok = rows[rows["status"] == "ok"]
    reasons = rows.loc[rows["status"] != "ok", "message"] if "message" in rows else []
    stats = {
        "n_ok": len(ok),
        "n_rows": len(rows),
        "message": next((str(m) for m in reasons if isinstance(m, str) and m), ""),
    }
    for column in (*_ORACLE_NUMBERS, "relative_risk", "n_support"):
        values = ok[column].to_numpy(dtype=float) if column in ok else np.array([])
        values = values[np.isfinite(values)]
        stats[column] = float(np.median(values)) if values.size else math.nan
        if column == "risk":
            stats["risk_q25"], stats["risk_q75"] = (
                (float(np.quantile(values, 0.25)), float(np.quantile(values, 0.75)))
                if values.size
                else (math.nan, math.nan)
            )
    return stats


def _oracle_note(ctx, dataset):
    """A sentence for the risk heatmap: the oracle's median risk, or why it is missing."""
    stats = _oracle_stats(ctx, dataset)
    if stats is None:
        return ""
    if not math.isfinite(stats["risk"]):
        reason = stats["message"] or "no noise-free signal (f_test)"
        return f"The oracle (least squares on the true support) does not apply here: {reason}."
    rows = ctx["summary"][ctx["summary"]["dataset"] == dataset]
    _, best = _best_pairs(rows, "risk_median", lowest=True)
    text = (
        f"The oracle, least squares on the true support, has median risk "
        f"{format_value(stats['risk'])} over {stats['n_ok']} of {stats['n_rows']} replicate(s)"
    )
    if math.isfinite(best) and stats["risk"] > 0:
        text += f"; the best pair's median risk is {format_value(best / stats['risk'])} times that"
    return text + "."


def _pair_medians(metrics, dataset, columns):
    rows = metrics[(metrics["dataset"] == dataset) & (metrics["status"] == "ok")]
    numeric = rows.assign(**{c: pd.to_numeric(rows[c], errors="coerce") for c in columns})
    return numeric.groupby(["loss", "penalty"])[list(columns)].median()


def _ordered_pairs(metrics, dataset):
    rows = metrics[metrics["dataset"] == dataset]
    present = set(zip(rows["loss"], rows["penalty"], strict=True))
    losses = order_names(rows["loss"], LOSS_ORDER)
    penalties = order_names(rows["penalty"], PENALTY_ORDER)
    return [(lo, pe) for lo in losses for pe in penalties if (lo, pe) in present]


def _medians_table(metrics, dataset, columns, headers):
    medians = _pair_medians(metrics, dataset, columns)
    rows = []
    for pair in _ordered_pairs(metrics, dataset):
        values = medians.loc[pair].tolist() if pair in medians.index else [math.nan] * len(columns)
        rows.append((pair_label(*pair), *values))
    return html_table(["loss / penalty", *headers], rows)


def _detail_datasets(datasets, config):
    """The datasets that get sections of their own (grid, error, sparsity, statistics ...).

    All of them in a study of at most :data:`_MAX_DETAIL_DATASETS`. A larger study (e.g. a preset
    whose sweeps make hundreds of datasets) shows every dataset outside a sweep and one member
    per sweep (its middle value), up to that limit: a sweep's members are drawn together in the
    Sweeps section, and every dataset is in the results table.
    """
    if len(datasets) <= _MAX_DETAIL_DATASETS:
        return list(datasets)
    representative, swept = set(), set()
    for record in sweeps(config).values():
        members = list(record["datasets"].values())
        swept.update(members)
        representative.add(members[len(members) // 2])
    chosen = [name for name in datasets if name not in swept or name in representative]
    return chosen[:_MAX_DETAIL_DATASETS]


def _omitted_note(ctx):
    omitted = len(ctx["all_datasets"]) - len(ctx["datasets"])
    if not omitted:
        return ""
    return (
        f'<p class="note">This study has {len(ctx["all_datasets"])} datasets; the sections drawn '
        f"dataset by dataset show {len(ctx['datasets'])} of them "
        f"({esc(', '.join(ctx['datasets']))}): every dataset outside a sweep and the middle "
        f"member of each sweep, at most {_MAX_DETAIL_DATASETS}. The pooled analyses (this "
        "summary's first sentences, the ANOVA) use all of them, the "
        '<a href="#sweeps">Sweeps</a> '
        "section draws every sweep member, and <code>results/metrics.csv</code> has every fit.</p>"
    )


# --------------------------------------------------------------------------- sections


def _summary_section(ctx):
    sentences = "\n".join(
        f'<li id="summary-{esc(dataset)}">{esc(_scenario_sentence(ctx, dataset))}</li>'
        for dataset in ctx["datasets"]
    )
    baseline = pair_label(*ctx["baseline"])
    body = f"""
{_headline(ctx)}
{_omitted_note(ctx)}
<p><b>Per scenario</b> (medians over successful replicates; the effect is the relative
difference of the medians of risk, or the difference of the medians of F1, against the baseline
{esc(baseline)}, with a 95% percentile bootstrap interval from {esc(ctx["n_boot"])} paired
resamples of the replicates):</p>
<ul class="findings">
{sentences}
</ul>
<p class="note">A headline, not a verdict: the <a href="#statistics">Statistics</a> section
tests every pair against the best one, and <a href="#error">Out-of-sample error</a> shows the
spread across replicates.</p>
"""
    return html_section("summary", "Summary", body)


def _scenarios_section(ctx):
    config, datasets = ctx["config"], ctx["datasets"]
    models = config.get("models") or {}
    summary = ctx["summary"]
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
    body = f"""
<p>Every model is one loss combined with one penalty, fitted by minimising over the intercept
<i>b</i> (never penalised) and the coefficients <i>w</i>:</p>
<p class="formula">(1/n) Σᵢ loss(yᵢ − b − xᵢ·w) + λ · penalty(w)</p>
<p>The study crosses {len(losses)} losses with {len(penalties)} penalties
({len(losses) * len(penalties)} pairs):</p>
<div class="figure-grid">
{html_table(["loss", "loss(r), r = residual"], loss_rows)}
{html_table(["penalty", "penalty(w)"], penalty_rows)}
</div>
<p><b>Tuning.</b> Hyperparameters are chosen on each training split by {esc(cv["folds"])}-fold
cross-validation, scored by {esc(criterion)}. λ runs over a geometric grid of
{esc(cv["n_lams"])} values from a data-driven λ<sub>max</sub> down to
{esc(cv["eps"])} · λ<sub>max</sub>, and the rule <code>{esc(cv["rule"])}</code> picks
{esc(rule)}. For the elastic net, l1_ratio is tuned jointly with λ over {{{esc(ratios)}}}.
Huber's δ is data-driven: {esc(cv["huber_multiplier"])} × a robust scale estimate of the
residuals; the value chosen for each fit is recorded in the <code>delta</code> column.
{esc(scaling)}</p>
<p><b>No penalty.</b> When p ≥ n every loss can be driven to zero by interpolating the training
data, so the minimiser is not unique; the penalty <code>none</code> then denotes the
minimum-‖w‖₂ interpolant (the limit of the ridge path as λ → 0), which is the same estimator
for all three losses. When n &gt; p it is the ordinary M-estimator (OLS, least absolute
deviations, Huber regression).</p>
<h3>Scenarios</h3>
<p>Generator parameters of each dataset, from the configuration; every dataset is
drawn {esc(config.get("replicates", "n/a"))} times (replicates) with seeds derived
from the base seed {esc(config.get("seed", "n/a"))} and the dataset name.</p>
{html_table(headers, rows)}
"""
    return html_section("scenarios", "Models and scenarios", body)


def _signal_note(ctx, dataset):
    info = ctx["info"]
    rows = info[info["dataset"] == dataset]
    if rows.empty:
        return ""
    signal = float(rows["signal_variance"].median())
    sigma2 = float((rows["noise_scale"] ** 2).median())
    return (
        f"For scale: the null model (intercept only) has risk ≈ Var(x'β) = "
        f"{format_value(signal)}, and the nominal noise variance is σ² = "
        f"{format_value(sigma2)} (median over replicates)."
    )


def _grid_section(ctx):
    metrics, summary, datasets = ctx["metrics"], ctx["summary"], ctx["datasets"]
    config = ctx["config"]
    oracle_levels = {
        dataset: stats["risk"]
        for dataset in datasets
        if (stats := _oracle_stats(ctx, dataset)) is not None
    }
    oracle_caption = (
        " The dashed black line is the median risk of the oracle, least squares on the true "
        "support: what knowing the support is worth to least squares. It is a floor under "
        "light-tailed noise; under heavy-tailed or contaminated noise a robust loss can go "
        "below it, since least squares itself is hurt by the outliers."
        if any(math.isfinite(level) for level in oracle_levels.values())
        else ""
    )
    interaction = html_figure(
        interaction_plot(
            metrics,
            datasets,
            "risk",
            references=oracle_levels,
            reference_label=_ORACLE_LABEL,
        ),
        "Median risk per penalty (x axis), one line per loss, one panel per scenario. "
        "Parallel lines mean the loss and the penalty act independently (no interaction); the "
        "vertical spread between lines is the effect of the loss, the slope along a line the "
        "effect of the penalty." + oracle_caption,
        "interaction plot of median risk",
    )
    links = " · ".join(
        f'<a href="#{esc(_anchor("grid", dataset))}">{esc(dataset)}</a>' for dataset in datasets
    )
    parts = [
        "<p>Medians over replicates of every metric on the 3 × 4 grid of losses (rows) and "
        "penalties (columns). Scenarios: " + links + "</p>",
        interaction,
    ]
    for dataset in datasets:
        params = (config.get("datasets") or {}).get(dataset) or {}
        true_support = (params.get("coef") or {}).get("n_nonzero")
        n_not_ok = int((metrics[metrics["dataset"] == dataset]["status"] != "ok").sum())
        heatmaps = []
        for metric in _GRID_METRICS:
            caption = _HEATMAP_CAPTIONS[metric]
            if metric == "n_nonzero" and true_support is not None:
                caption += f" The true support has {true_support} features."
            if metric == "risk":
                caption += " " + _signal_note(ctx, dataset)
                caption += " " + _oracle_note(ctx, dataset)
            figure = heatmap_grid(summary, dataset, metric, title=f"{dataset}: median {metric}")
            heatmaps.append(
                html_figure(figure, caption, f"heatmap of median {metric} for {dataset}")
            )
        status_note = (
            f" {n_not_ok} fit(s) did not succeed and are left out of the medians; see "
            '<a href="#failures">Failures</a>.'
            if n_not_ok
            else " Every fit succeeded."
        )
        n_replicates = metrics[metrics["dataset"] == dataset]["replicate"].nunique()
        parts.append(
            f'<h3 id="{esc(_anchor("grid", dataset))}">{esc(dataset)}</h3>\n'
            f"<p>{esc(n_replicates)} replicate(s); noise: "
            f"{esc(_describe_params(params.get('noise')))}.{status_note}</p>\n"
            f'<div class="figure-grid">\n{chr(10).join(heatmaps)}\n</div>\n'
            + _median_table(summary, metrics, dataset, _oracle_stats(ctx, dataset))
        )
    body = "\n".join(parts)
    return html_section("grid", "The loss × penalty grid", body)


def _median_table(summary, metrics, dataset, oracle=None):
    rows = summary[summary["dataset"] == dataset]
    hyper = _pair_medians(metrics, dataset, ("lam", "l1_ratio", "delta"))
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
                *chosen,
            )
        )
    if oracle is not None:
        # n_not_ok counts the replicates where the oracle does not apply; n_nonzero is s
        table_rows.append(
            (
                _ORACLE_LABEL,
                oracle["n_ok"],
                oracle["n_rows"] - oracle["n_ok"],
                oracle["risk"],
                f"{format_value(oracle['risk_q25'])} – {format_value(oracle['risk_q75'])}",
                oracle["test_mse"],
                oracle["test_mae"],
                math.nan,
                oracle["n_support"],
                math.nan,
                math.nan,
                math.nan,
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
        "λ",
        "l1_ratio",
        "δ",
    ]
    note = (
        f'<p class="note">Last row: the {esc(_ORACLE_LABEL)}, a reference, not a model of the '
        "study; n_ok counts the replicates where it applies and n_nonzero is the size of the "
        "true support.</p>\n"
        if oracle is not None
        else ""
    )
    return (
        "<details><summary>Table of medians (successful fits) and median chosen "
        f"hyperparameters</summary>\n{html_table(headers, table_rows)}\n{note}</details>"
    )


def _error_section(ctx):
    metrics, datasets, baseline = ctx["metrics"], ctx["datasets"], ctx["baseline"]
    base_label = pair_label(*baseline)
    info = ctx["info"]
    sources = sorted(set(info["source"])) if not info.empty else []
    parts = [
        f"""<p><b>Paired ratios.</b> All pairs are fitted to the same replicates, so each
replicate's risk is divided by the risk of the baseline {esc(base_label)} on the same replicate:
a ratio below 1 beats the baseline on that draw of the data. Ratios remove the
replicate-to-replicate variation that the raw risks share, so they show differences that the raw
boxes hide.</p>
<p><b>Relative risk and proportion of variance explained</b> (Hastie, Tibshirani &amp;
Tibshirani, 2020): RR = risk / Var(x'β), where 0 is perfect and 1 is the null model that
predicts the mean; PVE = 1 − (risk + σ²) / (Var(x'β) + σ²), the share of the variance of a new
response explained, whose best possible value is the signal-to-noise ratio over one plus it.
σ² is the simulator's nominal noise variance (Var(x'β) / snr); for heavy-tailed noise it is
the variance of the Gaussian with the same interquartile range. Values:
{esc(", ".join(sources) if sources else "not available")}.</p>"""
    ]
    for dataset in datasets:
        anchor = _anchor("error", dataset)
        figures = [
            html_figure(
                replicate_distributions(
                    metrics,
                    dataset,
                    "risk_ratio",
                    reference_lines={f"{base_label} (baseline)": 1.0},
                    log_scale=True,
                    xlabel=f"risk / risk of {base_label} on the same replicate (log axis)",
                    title=f"{dataset}: risk relative to {base_label}, per replicate",
                ),
                f"Each point is one replicate's risk divided by that replicate's {base_label} "
                "risk; boxes show quartiles. Left of the dashed line: better than the baseline.",
                f"paired risk ratios for {dataset}",
            )
        ]
        has_info = np.isfinite(
            metrics.loc[metrics["dataset"] == dataset, "relative_risk"].to_numpy(dtype=float)
        ).any()
        if has_info:
            rr_lines = {"null model (RR = 1)": 1.0}
            oracle = _oracle_stats(ctx, dataset)
            if oracle is not None and math.isfinite(oracle["relative_risk"]):
                rr_lines[f"oracle, median ({format_value(oracle['relative_risk'])})"] = oracle[
                    "relative_risk"
                ]
            figures.append(
                html_figure(
                    replicate_distributions(
                        metrics,
                        dataset,
                        "relative_risk",
                        reference_lines=rr_lines,
                        log_scale=True,
                        xlabel="relative risk = risk / Var(x'β) (log axis, lower is better)",
                        title=f"{dataset}: relative risk per replicate",
                    ),
                    "Relative risk of every replicate: 1 is the null model, 0 a perfect fit."
                    + (
                        " The dotted line is the median relative risk of the oracle (least "
                        "squares on the true support)."
                        if len(rr_lines) > 1
                        else ""
                    ),
                    f"relative risk for {dataset}",
                )
            )
            table = _medians_table(
                metrics,
                dataset,
                ("risk", "risk_ratio", "relative_risk", "pve"),
                ["risk", f"risk / {base_label}", "RR", "PVE"],
            )
            note = ""
        else:
            table = _medians_table(
                metrics, dataset, ("risk", "risk_ratio"), ["risk", f"risk / {base_label}"]
            )
            note = (
                '<p class="note">RR and PVE are not shown: the signal and noise variances of '
                "this dataset are unknown (no JSON sidecar with signal_variance and "
                "noise_scale, and not a simulated dataset of the configuration).</p>"
            )
        parts.append(
            f'<h3 id="{esc(anchor)}">{esc(dataset)}</h3>\n'
            f'<div class="figure-grid">\n{chr(10).join(figures)}\n</div>\n{note}\n'
            f"<details open><summary>Medians per pair</summary>\n{table}\n</details>"
        )
    return html_section("error", "Out-of-sample error", "\n".join(parts))


def _sparsity_section(ctx):
    metrics, datasets = ctx["metrics"], ctx["datasets"]
    parts = [
        "<p>Support recovery at the hyperparameters chosen by cross-validation: the selected "
        "support {j : ŵⱼ ≠ 0} against the true one. TPR = share of true features selected, "
        "FPR = share of null features selected, precision = share of selected features that "
        "are true, F1 = their harmonic mean. Cross-validation tunes for prediction, not for "
        "selection, so a lasso at the CV choice typically selects too many features.</p>",
        "<p><b>Groups.</b> Correlated true features compete for the same signal: the lasso "
        "tends to pick one member of such a group and drop the rest, the elastic net's ridge "
        "part to keep them together (the grouping effect of Zou &amp; Hastie, 2005). For each "
        "group with at least two true features, a fit <i>hits</i> it when it selects one of "
        "them. <i>group hit</i> = share of these groups hit; <i>group frac</i> = share of a hit "
        "group's true members selected, averaged over the hit groups; <i>whole</i> = share of "
        "the hit groups with every true member selected. Null members of a group count as "
        "false positives (FPR), not here.</p>",
    ]
    for dataset in datasets:
        scatter = html_figure(
            tpr_fpr_scatter(metrics, dataset),
            "Mean true-positive rate against mean false-positive rate per pair. The top-left "
            "corner is perfect recovery; dense estimators sit at FPR = 1. Colour: penalty; "
            "marker: loss.",
            f"TPR against FPR for {dataset}",
        )
        f1 = html_figure(
            replicate_distributions(metrics, dataset, "f1"),
            "F1 of every replicate per pair: the stability of support recovery across data draws.",
            f"f1 across replicates for {dataset}",
        )
        table = _medians_table(
            metrics,
            dataset,
            ("n_nonzero", "tpr", "fpr", "precision", "f1", *_GROUP_METRICS),
            ["n_nonzero", "TPR", "FPR", "precision", "F1", "group hit", "group frac", "whole"],
        )
        parts.append(
            f'<h3 id="{esc(_anchor("sparsity", dataset))}">{esc(dataset)}</h3>\n'
            f'<div class="figure-grid">\n{scatter}\n{f1}\n</div>\n'
            + _group_part(ctx, dataset)
            + f"\n<details open><summary>Medians per pair</summary>\n{table}\n</details>"
        )
    return html_section("sparsity", "Sparsity recovery", "\n".join(parts))


def _group_values(metrics, dataset, penalty, column):
    """Finite values of ``column`` over the successful fits of one penalty, all losses."""
    rows = metrics[
        (metrics["dataset"] == dataset)
        & (metrics["status"] == "ok")
        & (metrics["penalty"] == penalty)
    ]
    values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
    return values[np.isfinite(values)]


def _group_sentence(ctx, dataset):
    """Lasso against elastic net: does the penalty keep a hit group of true features whole?"""
    metrics = ctx["metrics"]
    penalties = [name for name in ("l1", "elasticnet") if (metrics["penalty"] == name).any()]
    clauses = []
    medians = {}
    names = {"l1": "lasso (l1)", "elasticnet": "elastic-net"}
    for penalty in penalties:
        fractions = _group_values(metrics, dataset, penalty, "group_frac")
        whole = _group_values(metrics, dataset, penalty, "group_whole")
        hits = _group_values(metrics, dataset, penalty, "group_hit")
        if not hits.size:
            continue
        clause = (
            f"the {names[penalty]} fits hit a true group in {fractions.size} of {hits.size} "
            "fits (all losses)"
        )
        if fractions.size:
            medians[penalty] = (float(np.median(fractions)), float(np.mean(whole)))
            clause += (
                f"; there they select a median share {format_value(medians[penalty][0])} of a "
                f"hit group's true members and keep on average {100 * medians[penalty][1]:.0f}% "
                "of their hit groups whole"
            )
        clauses.append(clause)
    if not clauses:
        return (
            f"On {dataset}, the run has no successful lasso (l1) or elastic-net fit to "
            "compare; see the figure and the table for the other penalties."
        )
    text = f"On {dataset}, " + ". On the same data, ".join(clauses) + "."
    if len(medians) == 2:
        # by the median share first, then by how often a hit group is kept whole
        lasso, enet = medians["l1"], medians["elasticnet"]
        if enet > lasso:
            text += (
                " The elastic net keeps more of a correlated group together than the lasso, as "
                "its grouping effect predicts."
            )
        elif enet < lasso:
            text += " Here the lasso keeps more of a group together than the elastic net."
        else:
            text += " The two penalties keep groups together equally often."
    design = ((ctx["config"].get("datasets") or {}).get(dataset) or {}).get("design") or {}
    if design.get("kind") in _UNCORRELATED_DESIGNS:
        text += (
            f" The groups of this {design['kind']} design are nominal: its features are not "
            "correlated within a group, so no grouping effect is expected."
        )
    return text


def _group_part(ctx, dataset):
    """Group recovery of one dataset: a figure and a sentence, or a note why there is none."""
    metrics = ctx["metrics"]
    rows = metrics[(metrics["dataset"] == dataset) & (metrics["status"] == "ok")]
    hits = pd.to_numeric(rows["group_hit"], errors="coerce") if "group_hit" in rows else None
    if hits is None or not np.isfinite(hits.to_numpy(dtype=float)).any():
        return (
            f'<p class="note" id="groups-{esc(dataset)}">Group recovery is not shown for '
            f"{esc(dataset)}: its data have no group labels or no true coefficients, or no "
            "group holds two true features.</p>"
        )
    figure = html_figure(
        replicate_distributions(
            metrics,
            dataset,
            "group_frac",
            reference_lines={"group kept whole": 1.0},
            log_scale=False,
            xlabel="share of a hit group's true members selected (1 = kept whole)",
            title=f"{dataset}: within-group selected share per replicate",
            limits=(-0.02, 1.05),
        ),
        "For every group of correlated features with at least two true members that the fit "
        "hits (selects at least one of them), the share of its true members selected, "
        "averaged over the hit groups of the fit; one point per replicate. 1: every hit group "
        "kept whole; 1 / (true members of a group): a single member picked. Dense penalties "
        "(none, l2) select every feature and sit at 1 by construction.",
        f"within-group selected share for {dataset}",
    )
    return f'<p id="groups-{esc(dataset)}">{esc(_group_sentence(ctx, dataset))}</p>\n{figure}'


def _path_dataset(ctx):
    """The first dataset (report order) that the configuration simulates, and its params."""
    configured = ctx["config"].get("datasets") or {}
    for dataset in ctx["datasets"]:
        params = configured.get(dataset)
        if isinstance(params, Mapping) and params.get("generator", "simulate") == "simulate":
            return dataset, params
    return None, None


def _replicate_training_data(ctx, dataset, params):
    """Replicate ``_PATH_REPLICATE`` of a simulated dataset, drawn again from the config.

    The figures that refit models (paths, residuals) use it: the dataset files need not be
    kept, and the same seed gives the same training data as the study's fits.
    """
    from normbench.data.simulate import dataset_seed, simulate

    seed = dataset_seed(int(ctx["config"].get("seed", 0)), dataset, _PATH_REPLICATE)
    return simulate({**_plain(params), "n_test": 1}, seed)


def _penalty_paths(ctx, dataset, params):
    """Re-simulate replicate 1 of ``dataset``; its l2-loss paths and support ROC curves.

    Returns ``(true_coef, paths, curves, n_lams)`` with ``paths[penalty] = (lams, coefs)`` and
    ``curves[penalty] = (fpr, tpr, auc)`` from :func:`normbench.models.paths.support_roc`.
    """
    from normbench.models.paths import coefficient_paths, support_roc

    cv = {**_CV_DEFAULTS, **(ctx["config"].get("cv") or {})}
    n_lams = min(int(cv["n_lams"]), _PATH_MAX_N_LAMS)
    data = _replicate_training_data(ctx, dataset, params)
    X, y, true_coef = data["X_train"], data["y_train"], data["coef"]
    if X.size > _PATH_MAX_CELLS:
        raise ValueError(
            f"n_train × p = {X.size} is above {_PATH_MAX_CELLS}: the paths are not drawn"
        )
    paths, curves = {}, {}
    for penalty in _PATH_PENALTIES:
        paths[penalty] = coefficient_paths(
            X,
            y,
            loss="l2",
            penalty=penalty,
            l1_ratio=_PATH_L1_RATIO,
            n_lams=n_lams,
            eps=float(cv["eps"]),
        )
        curves[penalty] = support_roc(paths[penalty][1], true_coef)
    return true_coef, paths, curves, n_lams


def _penalty_section(ctx):
    balls = html_figure(
        norm_balls(),
        "The constraint form of the penalised problem in two dimensions: minimise a squared "
        "loss (grey elliptical contours around the least-squares solution ×) over a ball. "
        "The smallest contour that reaches the L1 ball (left) touches it at a corner, where "
        "w₁ is exactly 0; the same loss touches the round L2 ball (right) off the axes, so "
        "both coordinates stay nonzero, only shrunk. Drawn from the formulas.",
        "L1 ball and L2 ball touched by elliptical loss contours",
    )
    parts = [
        "<p>The penalty decides which coefficients survive. The lasso (l1) sets coefficients "
        "to exactly zero, more of them as lam grows; ridge (l2) shrinks every coefficient "
        "towards zero but never to it; the elastic net mixes both. The geometry below shows "
        "why; the paths show it on one replicate of a simulated scenario.</p>",
        balls,
    ]
    dataset, params = _path_dataset(ctx)
    if dataset is None:
        parts.append(
            '<p class="note">No dataset of this run is simulated (generator: simulate), so '
            "there are no true coefficients to colour the coefficient paths and the support "
            "ROC curves are not shown.</p>"
        )
        return html_section("penalty", "How the penalty acts", "\n".join(parts))
    try:
        true_coef, paths, curves, n_lams = _penalty_paths(ctx, dataset, params)
    except (ValueError, TypeError, KeyError, ArithmeticError, np.linalg.LinAlgError) as error:
        parts.append(
            f'<p class="note">The coefficient paths of {esc(dataset)} could not be drawn: '
            f"{esc(error)}</p>"
        )
        return html_section("penalty", "How the penalty acts", "\n".join(parts))
    n_true = int(np.count_nonzero(true_coef))
    titles = {
        "l1": "l2 / l1 (lasso)",
        "l2": "l2 / l2 (ridge)",
        "elasticnet": f"l2 / elasticnet (l1_ratio = {_PATH_L1_RATIO:g})",
    }
    path_figure = html_figure(
        coefficient_path_panels(
            {titles[penalty]: path for penalty, path in paths.items()}, true_coef
        ),
        f"Coefficient paths of squared-loss fits on replicate {_PATH_REPLICATE} of {dataset} "
        f"(re-simulated from the configuration; standardised features), over the {n_lams} "
        f"values of the cross-validation lam grid, largest lam on the left. The {n_true} true "
        "nonzero coefficients are coloured, the null ones grey. The lasso and the elastic "
        "net let features enter one at a time; ridge moves all of them at once.",
        f"coefficient paths for {dataset}",
    )
    roc_figure = html_figure(
        support_roc_curves(curves),
        "Support recovery along the path: for the lasso and the elastic net each lam gives "
        "one point, the FPR and TPR of the selected support {j : ŵⱼ ≠ 0}; (0, 0) and (1, 1) "
        "are added, so beyond the smallest lam the curve runs straight to (1, 1). Ridge "
        "selects every feature at every lam, so its curve ranks the features by |ŵⱼ| at the "
        "middle lam of its grid (where the CV choice typically falls) over all thresholds. "
        "AUC: trapezoid area under the curve (0.5 = chance, 1 = the true features enter "
        "first).",
        f"support-recovery ROC curves for {dataset}",
    )
    auc_rows = [(penalty, float(curves[penalty][2])) for penalty in _PATH_PENALTIES]
    sentence = ", ".join(
        f'<span id="auc-{esc(penalty)}">{esc(penalty)} {esc(format_value(auc))}</span>'
        for penalty, (_, _, auc) in curves.items()
    )
    parts.append(
        f'<h3 id="{esc(_anchor("penalty", dataset))}">Paths on {esc(dataset)}</h3>\n'
        f"<p>Replicate {_PATH_REPLICATE} of {esc(dataset)}: {n_true} true nonzero "
        f"coefficient(s). Support-recovery AUC along the path: {sentence}.</p>\n"
        f'{path_figure}\n<div class="figure-grid">\n{roc_figure}\n<div>\n'
        + html_table(["penalty (squared loss)", "support AUC"], auc_rows)
        + "\n</div>\n</div>"
    )
    return html_section("penalty", "How the penalty acts", "\n".join(parts))


def _skewed_noise_median(ctx, dataset, params):
    """Median of the simulator's centred log-normal noise, σ·expm1(−s²/2)/sqrt(expm1(s²))."""
    info = ctx["info"]
    rows = info[info["dataset"] == dataset]
    if rows.empty:
        return None
    sigma = float(rows["noise_scale"].median())
    skew = float((params.get("noise") or {}).get("skew", 1.0))
    return sigma * math.expm1(-(skew**2) / 2.0) / math.sqrt(math.expm1(skew**2))


def _intercept_sentence(metrics, dataset, noise_median):
    rows = metrics[
        (metrics["dataset"] == dataset)
        & (metrics["status"] == "ok")
        & (metrics["penalty"] != "none")
    ]
    values = pd.to_numeric(rows["intercept"], errors="coerce")
    squared = float(values[rows["loss"] == "l2"].median())
    absolute = float(values[rows["loss"] == "l1"].median())
    if not (math.isfinite(squared) and math.isfinite(absolute)):
        return "The intercepts of the squared- and absolute-loss fits are not available."
    text = (
        f"On {dataset}, the penalised squared-loss fits have median intercept "
        f"{format_value(squared)} and the penalised absolute-loss fits "
        f"{format_value(absolute)} (difference {_signed(absolute - squared)})."
    )
    if noise_median is None:
        return text + (
            " Squared loss estimates the conditional mean and absolute loss the conditional "
            "median, which differ under skewed noise."
        )
    text += (
        f" The noise has mean 0 and median {format_value(noise_median)}: squared loss "
        "estimates the conditional mean, absolute loss the conditional median."
    )
    agrees = abs(squared) < abs(squared - noise_median) and abs(absolute - noise_median) < abs(
        absolute
    )
    if agrees:
        text += (
            " The fits agree: each intercept is closer to the location its loss estimates "
            "than to the other one."
        )
    else:
        text += (
            " Here the intercepts do not separate that clearly (shrinkage and the small n "
            "blur the difference)."
        )
    return text


#: Most datasets whose residuals are drawn (one panel each).
_RESIDUAL_MAX_DATASETS = 6


def _residual_penalty(ctx):
    """The penalty held fixed while the loss varies: the baseline's, else the first penalised."""
    penalties = list(ctx["metrics"]["penalty"].unique())
    if ctx["baseline"][1] in penalties:
        return ctx["baseline"][1]
    penalised = [name for name in penalties if name != "none"]
    return penalised[0] if penalised else None


def _training_residuals(ctx, dataset, params, penalty):
    """Re-simulate replicate 1 of ``dataset`` and refit each loss at its CV-chosen values.

    Returns ``{loss: residuals}`` for the losses whose replicate-1 fit with ``penalty`` is ok.
    """
    from normbench.models.estimators import PenalizedRegressor

    metrics = ctx["metrics"]
    rows = metrics[
        (metrics["dataset"] == dataset)
        & (metrics["replicate"] == _PATH_REPLICATE)
        & (metrics["penalty"] == penalty)
        & (metrics["status"] == "ok")
    ]
    if rows.empty:
        return {}
    data = _replicate_training_data(ctx, dataset, params)
    X, y = data["X_train"], data["y_train"]
    if X.size > _PATH_MAX_CELLS:
        return {}
    standardize = bool((ctx["config"].get("models") or {}).get("standardize", True))
    residuals = {}
    for row in rows.itertuples():
        estimator = PenalizedRegressor(
            loss=row.loss,
            penalty=penalty,
            lam=float(row.lam) if _is_finite(row.lam) else 1.0,
            l1_ratio=float(row.l1_ratio) if _is_finite(row.l1_ratio) else 0.5,
            delta=float(row.delta) if _is_finite(row.delta) else None,
            standardize=standardize,
        )
        residuals[row.loss] = y - estimator.fit(X, y).predict(X)
    return residuals


def _is_finite(value):
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _residuals_part(ctx):
    """Figure and table: how the three losses leave the training residuals, penalty fixed."""
    penalty = _residual_penalty(ctx)
    configured = ctx["config"].get("datasets") or {}
    residuals = {}
    for dataset in ctx["datasets"]:
        params = configured.get(dataset)
        if not isinstance(params, Mapping) or params.get("generator", "simulate") != "simulate":
            continue
        if len(residuals) == _RESIDUAL_MAX_DATASETS or penalty is None:
            break
        found = _training_residuals(ctx, dataset, params, penalty)
        if len(found) >= 2:
            residuals[dataset] = found
    if not residuals:
        return (
            '<p class="note">No simulated dataset with at least two losses fitted with the same '
            "penalty, so the residual distributions are not drawn.</p>"
        )
    rows = []
    for dataset, by_loss in residuals.items():
        scale = max(float(np.abs(values).max()) for values in by_loss.values())
        for loss, values in by_loss.items():
            magnitude = np.abs(values)
            rows.append(
                (
                    dataset,
                    loss,
                    f"{100 * exact_zero_share(values, scale):.0f}%",
                    float(np.median(magnitude)),
                    float(magnitude.max()),
                )
            )
    figure = html_figure(
        residual_distributions(residuals, title_suffix=f" (penalty {penalty})"),
        f"Training residuals of replicate {_PATH_REPLICATE}, each loss refitted with penalty "
        f"{penalty} at the lam (and delta) its cross-validation chose. Absolute loss fits a "
        "subset of the points exactly (its residuals there are 0: it is a median-type "
        "estimator); squared loss spreads every large residual over the fit; Huber is quadratic "
        "inside ±delta and absolute beyond.",
        "distributions of training residuals per loss",
    )
    return (
        f'<h3 id="residuals">Residuals of the fits (penalty {esc(penalty)} held fixed)</h3>\n'
        + figure
        + html_table(["dataset", "loss", "exactly 0", "median |r|", "max |r|"], rows)
    )


def _loss_section(ctx):
    metrics, datasets, config = ctx["metrics"], ctx["datasets"], ctx["config"]
    huber = metrics[(metrics["loss"] == "huber") & (metrics["status"] == "ok")]
    deltas = pd.to_numeric(huber["delta"], errors="coerce").to_numpy(dtype=float)
    deltas = deltas[np.isfinite(deltas) & (deltas > 0)]
    if deltas.size:
        delta = float(np.median(deltas))
        delta_text = (
            f"δ = {format_value(delta)}, the median δ chosen over {deltas.size} Huber fits "
            f"(range {format_value(float(deltas.min()))} – {format_value(float(deltas.max()))})"
        )
    else:
        delta = 1.0
        delta_text = "δ = 1 (no Huber fit recorded a δ in this run)"
    figure = html_figure(
        loss_functions(delta),
        f"The three losses (left) and their derivatives (right), with {delta_text}. The "
        "derivative is the weight a residual carries in the estimating equation: unbounded "
        "for l2 (one outlier can move the fit arbitrarily), bounded by 1 for l1 and by δ for "
        "Huber (quadratic near zero, linear beyond ±δ, dotted lines).",
        "loss functions and their derivatives",
    )
    parts = [
        "<p>The loss decides how residuals are weighted, and hence what the fit estimates: "
        "squared loss the conditional mean, absolute loss the conditional median, Huber a "
        "compromise that behaves like squared loss for small residuals and like absolute loss "
        "for large ones.</p>",
        figure,
        _residuals_part(ctx),
    ]
    configured = config.get("datasets") or {}
    skewed = [
        dataset
        for dataset in datasets
        if ((configured.get(dataset) or {}).get("noise") or {}).get("family") == "skewed"
    ]
    if not skewed:
        parts.append(
            '<p class="note">No scenario has skewed noise (noise.family: skewed), so the '
            "comparison of mean and median intercepts is not shown.</p>"
        )
    for dataset in skewed:
        params = configured.get(dataset) or {}
        noise_median = _skewed_noise_median(ctx, dataset, params)
        references = {"noise mean (0)": 0.0}
        if noise_median is not None:
            references[f"noise median ({format_value(noise_median)})"] = noise_median
        sentence = _intercept_sentence(metrics, dataset, noise_median)
        figure = html_figure(
            replicate_distributions(
                metrics,
                dataset,
                "intercept",
                reference_lines=references,
                log_scale=False,
                xlabel="fitted intercept b̂",
                title=f"{dataset}: fitted intercepts (skewed noise)",
            ),
            "Fitted intercept of every replicate per pair. The true regression function has "
            "intercept 0 and the noise is a centred log-normal: mean 0, median below 0. With "
            "penalty none (p ≥ n) all losses give the same interpolant.",
            f"intercepts for {dataset}",
        )
        parts.append(
            f'<h3 id="{esc(_anchor("loss", dataset))}">Skewed noise: {esc(dataset)}</h3>\n'
            f'<p id="intercepts-{esc(dataset)}">{esc(sentence)}</p>\n{figure}'
        )
    return html_section("loss", "How the loss acts", "\n".join(parts))


def _anova_rows(result):
    rows = []
    for term in result.table.index:
        row = result.table.loc[term]
        rows.append(
            (
                term,
                row["df"],
                row["sum_sq"],
                f"{100 * row['share']:.1f}%",
                row["F"] if math.isfinite(row["F"]) else math.nan,
                _p_value(row["PR(>F)"]) if math.isfinite(row["PR(>F)"]) else "",
            )
        )
    return rows


def _statistics_section(ctx):
    metrics, datasets, summary = ctx["metrics"], ctx["datasets"], ctx["summary"]
    parts = [
        "<p>Is a difference between pairs larger than the variation between replicates? "
        "Two analyses of the noise-free risk on the log scale (ratios, not differences, "
        "compare across scenarios and pairs).</p>"
    ]
    pooled = interaction_anova(metrics, metric="risk", datasets=ctx["all_datasets"])
    if pooled is None:
        parts.append('<p class="note">Not enough successful fits with a risk value.</p>')
        return html_section("statistics", "Statistics", "\n".join(parts))
    verdict = "is" if pooled.interaction_p < _ALPHA else "is not"
    parts.append(
        f"<h3>Two-way ANOVA</h3>\n<p>Ordinary least squares of <code>{esc(pooled.formula)}"
        f"</code> over {pooled.n} successful fits, type II ANOVA table "
        "(statsmodels). The loss × penalty interaction "
        f"<b>{verdict} significant</b> at the {_ALPHA:g} level "
        f"(p {esc(_p_relation(pooled.interaction_p))}). Share = sum of squares over the total.</p>"
        + html_table(["term", "df", "sum of squares", "share", "F", "p"], _anova_rows(pooled))
    )
    per_dataset = []
    for dataset in datasets:
        result = interaction_anova(metrics, metric="risk", datasets=[dataset], block="replicate")
        if result is None:
            per_dataset.append((dataset, math.nan, *[math.nan] * 6))
            continue
        terms = ("C(loss)", "C(penalty)", "C(loss):C(penalty)")
        per_dataset.append(
            (
                dataset,
                result.n,
                *[f"{100 * result.share(term):.0f}%" for term in terms],
                *[_p_value(result.p_value(term)) for term in terms],
            )
        )
    parts.append(
        "<p>The same model within each scenario, with one block per replicate "
        "(<code>log(risk) ~ C(loss) * C(penalty) + C(replicate)</code>), since all pairs share "
        "each replicate's data:</p>"
        + html_table(
            [
                "dataset",
                "fits",
                "share loss",
                "share penalty",
                "share interaction",
                "p loss",
                "p penalty",
                "p interaction",
            ],
            per_dataset,
        )
    )
    parts.append(
        "<h3>Every pair against the best</h3>\n<p>Within each scenario, every pair is "
        "compared with the pair of lowest median risk on the replicates where both "
        "succeeded: Wilcoxon signed-rank test and paired t-test of the per-replicate log "
        "ratios, with Holm's correction over the comparisons (on the Wilcoxon p-values) "
        f"at family-wise level {_ALPHA:g}. With few replicates no test can be significant "
        "(10 replicates give a smallest two-sided Wilcoxon p of 0.002).</p>"
    )
    for dataset in datasets:
        rows = summary[summary["dataset"] == dataset]
        best, _ = _best_pairs(rows, "risk_median", lowest=True)
        if not best:
            continue
        table = paired_comparisons(metrics, dataset, best[0], metric="risk", alpha=_ALPHA)
        worse = table[table["significant"]]
        tied = table[~table["significant"]]
        sentence = (
            f"On {dataset}, {len(worse)} of {len(table)} pairs have a risk significantly "
            f"different from the best pair {pair_label(*best[0])}"
        )
        n_max = int(table["n"].max()) if len(table) else 0
        # exact two-sided Wilcoxon: the smallest p-value with n pairs is 2 / 2**n
        floor = min(1.0, len(table) * 2.0 / 2.0**n_max) if n_max else 1.0
        if tied.empty:
            sentence += "."
        elif floor >= _ALPHA:
            sentence += (
                f". With {n_max} replicates no comparison can be significant after Holm's "
                f"correction (the smallest attainable adjusted p is {format_value(floor)}); "
                "see the paired t-test column and the paired ratios for the direction."
            )
        else:
            names = ", ".join(
                pair_label(a, b) for a, b in zip(tied.loss, tied.penalty, strict=True)
            )
            sentence += f"; not distinguishable from it: {names}."
        table_rows = [
            (
                pair_label(row.loss, row.penalty),
                row.n,
                row.median_ratio,
                _p_value(row.p_wilcoxon),
                _p_value(row.p_t),
                _p_value(row.p_holm),
                "yes" if row.significant else "no",
            )
            for row in table.itertuples(index=False)
        ]
        parts.append(
            f'<h4 id="{esc(_anchor("statistics", dataset))}">{esc(dataset)}</h4>\n'
            f"<p>{esc(sentence)}</p>\n<details><summary>Paired tests</summary>\n"
            + html_table(
                [
                    "loss / penalty",
                    "replicates",
                    "median ratio to best",
                    "p Wilcoxon",
                    "p paired t (log)",
                    "p Holm",
                    "significant",
                ],
                table_rows,
            )
            + "\n</details>"
        )
    return html_section("statistics", "Statistics", "\n".join(parts))


def _published_section(ctx):
    """Ours beside a paper's numbers (config key ``published``); absent when there are none."""
    published = ctx["config"].get("published") or []
    if not published:
        return None
    comparison = compare_published(
        ctx["metrics"], published, n_boot=ctx["n_boot"], seed=ctx["seed"]
    )
    parts = [
        "<p>Numbers from the literature next to this run's. <em>Ours</em> is the same statistic "
        "(median or mean over the finished replicates) of the same column of the results table; "
        "<em>SE</em> is its bootstrap standard error, <em>ratio</em> ours / published. The "
        "study's config states how its design follows the paper and where it departs.</p>"
    ]
    for source, table in comparison.groupby("source", sort=False):
        parts.append(f"<h3>{esc(source)}</h3>")
        within_two = table["ratio"].between(0.5, 2.0)
        parts.append(
            f"<p>{int(within_two.sum())} of {len(table)} numbers are within a factor of two of "
            f"the paper's (ratio between 0.5 and 2).</p>"
        )
        parts.append(
            html_table(
                ["dataset", "model", "metric", "published", "ours", "SE", "replicates", "ratio"],
                [
                    [
                        row.dataset,
                        pair_label(row.loss, row.penalty),
                        f"{row.statistic} {row.metric}",
                        row.published,
                        row.ours,
                        row.se,
                        row.n,
                        row.ratio,
                    ]
                    for row in table.itertuples()
                ],
            )
        )
        orders = ordering_rows(table)
        if orders:
            parts.append(
                "<p>Ranking of the models within each dataset, lowest first: "
                f"{sum(bool(row['same']) for row in orders)} of {len(orders)} datasets rank them "
                "as the paper does.</p>"
            )
            parts.append(
                html_table(
                    ["dataset", "published ranking", "our ranking", "same"],
                    [
                        [
                            row["dataset"],
                            row["published_order"],
                            row["our_order"],
                            "n/a" if row["same"] is None else ("yes" if row["same"] else "no"),
                        ]
                        for row in orders
                    ],
                )
            )
    figure = published_figure(comparison)
    parts.append(
        html_figure(
            figure,
            "Ours against the published numbers (log axes). On the diagonal we reproduce the "
            "paper; the grey band is within a factor of two. Bars: plus or minus one bootstrap "
            "standard error of our statistic. Colour: penalty; marker: dataset.",
            "Scatter plot of our results against the published ones",
        )
    )
    return html_section("published", "Published results", "\n".join(parts))


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
            + html_table(["dataset", "replicate", "loss", "penalty", "status", "message"], rows)
        )
    return html_section("failures", "Failures", body)


def _read_benchmarks(benchmarks_dir, files=None):
    """Snakemake ``benchmark:`` TSV files: one row per job.

    ``files`` lists the files to read (the workflow passes the report rule's inputs); without
    it every ``*.tsv`` under ``benchmarks_dir`` is read. The rule is the first directory below
    ``benchmarks_dir`` (``logs/benchmarks/<rule>/...``) or the file name for files directly in
    it (or outside it). Returns columns ``rule``, ``s`` and ``max_rss`` (MB); an empty frame
    when nothing usable is found.
    """
    columns = ["rule", "s", "max_rss"]
    root = Path(benchmarks_dir) if benchmarks_dir is not None else None
    if files is not None:
        paths = [Path(path) for path in files]
        absent = [str(path) for path in paths if not path.is_file()]
        if absent:
            raise ValueError(f"benchmark file(s) not found: {absent[:5]}")
    elif root is not None and root.is_dir():
        paths = sorted(root.rglob("*.tsv"))
    else:
        return pd.DataFrame(columns=columns)
    frames = []
    for path in paths:
        try:
            table = pd.read_csv(path, sep="\t")
        except (OSError, ValueError, pd.errors.ParserError):
            continue
        if not {"s", "max_rss"}.issubset(table.columns):
            continue
        inside = root is not None and path.is_relative_to(root)
        relative = path.relative_to(root) if inside else Path(path.name)
        rule = relative.parts[0] if len(relative.parts) > 1 else path.stem
        frames.append(
            pd.DataFrame(
                {
                    "rule": rule,
                    "s": pd.to_numeric(table["s"], errors="coerce"),
                    "max_rss": pd.to_numeric(table["max_rss"], errors="coerce"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def _cost_section(timings, benchmarks_dir, benchmark_files=None):
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
    figure = html_figure(
        fit_time_bars(timings),
        "Median wall-clock fit time per pair over all datasets and replicates. Timings depend "
        "on the machine and on parallel load; they are kept out of the metrics table so that "
        "the results stay byte-reproducible.",
        "median fit time per pair",
    )
    body = (
        f"<p>Total recorded fit time: {esc(format_value(float(seconds.sum())))} s over "
        f"{len(timings)} fits.</p>\n{figure}\n"
        + html_table(["loss / penalty", "fits", "median s", "mean s", "max s", "total s"], rows)
    )
    jobs = _read_benchmarks(benchmarks_dir, benchmark_files)
    if jobs.empty:
        body += (
            '\n<p class="note">Peak memory is not shown: no Snakemake benchmark files '
            f"(columns s, max_rss) were found under {esc(benchmarks_dir)}.</p>"
        )
    else:
        per_rule = jobs.groupby("rule", sort=True).agg(
            jobs=("s", "size"),
            median_s=("s", "median"),
            max_s=("s", "max"),
            median_rss=("max_rss", "median"),
            max_rss=("max_rss", "max"),
        )
        memory_rows = [
            (rule, *values)
            for rule, values in zip(per_rule.index, per_rule.itertuples(index=False), strict=True)
        ]
        body += (
            "\n<h3>Jobs and peak memory</h3>\n<p>From Snakemake's <code>benchmark:</code> "
            "files: wall-clock seconds and peak resident memory (max_rss, MB) of each job; a "
            "fit job fits all pairs of one dataset replicate, cross-validation included.</p>\n"
            + html_table(
                ["rule", "jobs", "median s", "max s", "median max_rss MB", "max max_rss MB"],
                memory_rows,
            )
        )
    return html_section("cost", "Cost", body)


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
        html_table(["item", "value"], details)
        + "\n<h3>Package versions</h3>\n"
        + html_table(["package", "version"], _package_versions())
        + f"\n<h3>Configuration</h3>\n<pre>{esc(config_yaml)}</pre>"
    )
    return html_section("provenance", "Provenance", body)


_SECTIONS = (
    ("summary", "Summary"),
    ("published", "Published results"),
    ("scenarios", "Models and scenarios"),
    ("grid", "Grid"),
    ("error", "Out-of-sample error"),
    ("sparsity", "Sparsity"),
    ("penalty", "How the penalty acts"),
    ("loss", "How the loss acts"),
    ("sweeps", "Sweeps"),
    ("statistics", "Statistics"),
    ("failures", "Failures"),
    ("cost", "Cost"),
    ("provenance", "Provenance"),
)


def _navigation(present):
    """Links to the sections in ``present`` (ids), in report order."""
    anchors = " ".join(
        f'<a href="#{esc(target)}">{esc(text)}</a>'
        for target, text in _SECTIONS
        if target in present
    )
    return f"<nav>{anchors}</nav>"


# --------------------------------------------------------------------------- public API


def build_report(
    *,
    metrics_csv,
    timings_csv,
    config: Mapping,
    output_html,
    oracle_csv=None,
    datasets_dir="results/datasets",
    benchmarks_dir="logs/benchmarks",
    benchmark_files=None,
    figures_dir=None,
    baseline=BASELINE,
    n_boot=_N_BOOT,
    seed=_BOOT_SEED,
):
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
    oracle_csv : str or path-like or None, default=None
        The oracle table (``results/oracle.csv``, see :mod:`normbench.study.oracle`): least squares
        on the true support, drawn as a reference in the grid (interaction plot, risk caption,
        table of medians), the relative risk figure and the summary. Without it the report
        says nothing about the oracle.
    datasets_dir : str or path-like or None, default="results/datasets"
        Where the datasets' JSON sidecars (``<dataset>/rep<k>.json``) are looked for; their
        ``signal_variance`` and ``noise_scale`` give the relative risk and the proportion of
        variance explained. Simulated datasets whose sidecar is absent are re-derived from the
        configuration (cheap: only the coefficients and the design enter); other datasets
        without a sidecar get a note instead of these figures.
    benchmarks_dir : str or path-like or None, default="logs/benchmarks"
        Where Snakemake's ``benchmark:`` TSV files are looked for (peak memory per job); the
        memory table is left out, with a note, when there are none.
    figures_dir : str or path-like, optional
        Also write every figure as a PNG file there (:func:`write_figures`), for Snakemake's own
        report.
    benchmark_files : sequence of path-like, optional
        Read exactly these benchmark files instead of every ``*.tsv`` under
        ``benchmarks_dir`` (which then only names their rules); the workflow passes the report
        rule's declared inputs. A missing file is an error.
    baseline : tuple of (loss, penalty), default=("l2", "l1")
        The reference pair of the effect sizes and of the paired ratios.
    n_boot : int, default=2000
        Bootstrap resamples of the effect-size intervals.
    seed : int, default=0
        Seed of the bootstrap's random generator (the report is deterministic).

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
    # tables written before a column existed still make a report, with that column missing
    for column in ("intercept", *_GROUP_METRICS):
        if column not in metrics:
            metrics[column] = np.nan
    summary = summarize(metrics)
    datasets = _dataset_order(metrics, config)
    baseline = tuple(baseline)
    info = _replicate_info(config, metrics, datasets_dir)
    ctx = {
        "metrics": _derived_columns(metrics, info, baseline),
        "summary": summary,
        # the pooled analyses use every dataset; the sections drawn per dataset, a readable few
        "all_datasets": datasets,
        "datasets": _detail_datasets(datasets, config),
        "config": config,
        "info": info,
        "oracle": _read_oracle(oracle_csv, info),
        "baseline": baseline,
        "n_boot": int(n_boot),
        "seed": int(seed),
    }

    sections = [
        _summary_section(ctx),
        _published_section(ctx),
        _scenarios_section(ctx),
        _grid_section(ctx),
        _error_section(ctx),
        _sparsity_section(ctx),
        _penalty_section(ctx),
        _loss_section(ctx),
        sweeps_section(ctx),
        _statistics_section(ctx),
        _failures_section(metrics),
        _cost_section(timings, benchmarks_dir, benchmark_files),
        _provenance_section(config),
    ]
    sections = [section for section in sections if section is not None]
    present = {
        target
        for target, _ in _SECTIONS
        if any(section.startswith(f'<section id="{target}">') for section in sections)
    }
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
{_navigation(present)}
{chr(10).join(sections)}
</main>
</body>
</html>
"""
    output_html = Path(output_html)
    output_html.parent.mkdir(parents=True, exist_ok=True)
    output_html.write_bytes(document.encode("utf-8"))
    if figures_dir is not None:
        write_figures(document, figures_dir)


_EMBEDDED_FIGURE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"')


def write_figures(document, directory):
    """Write every figure embedded in a report as a PNG file of its own.

    The files are named ``NN-<alt text as a slug>.png`` in the order of the report, so that
    Snakemake's own report (``snakemake --report``) can list them; the directory is emptied of
    earlier PNG files first, so a figure that is gone from the report is gone from it too.

    Parameters
    ----------
    document : str
        The report's HTML.
    directory : str or path-like
        Created if needed.

    Returns
    -------
    list of Path
        The files written, in report order.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.png"):
        stale.unlink()
    written = []
    for index, (encoded, alt) in enumerate(_EMBEDDED_FIGURE.findall(document), start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", html.unescape(alt).lower()).strip("-")[:60] or "figure"
        path = directory / f"{index:02d}-{slug}.png"
        path.write_bytes(base64.b64decode(encoded))
        written.append(path)
    return written


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
        "--oracle",
        type=Path,
        default=None,
        help="oracle table, e.g. results/oracle.csv (optional: least squares on the true "
        "support, drawn as a reference)",
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
    parser.add_argument(
        "--schema",
        type=Path,
        default=Path("workflow/schemas/config.schema.yaml"),
        help="config schema: the config is validated (defaults filled, sweeps expanded) when "
        "this file exists (default: workflow/schemas/config.schema.yaml)",
    )
    parser.add_argument(
        "--figures-dir",
        type=Path,
        default=None,
        help="also write every figure as a PNG file into this directory",
    )
    parser.add_argument(
        "--datasets-dir",
        type=Path,
        default=Path("results/datasets"),
        help="where the datasets' JSON sidecars are (default: results/datasets)",
    )
    parser.add_argument(
        "--benchmarks-dir",
        type=Path,
        default=Path("logs/benchmarks"),
        help="where Snakemake's benchmark TSV files are (default: logs/benchmarks)",
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
    if args.schema.is_file():
        try:
            config = validate_config(config, args.schema)
        except ConfigError as error:
            print(f"error: {args.config}: {error}", file=sys.stderr)
            return 2
    try:
        build_report(
            metrics_csv=args.metrics,
            timings_csv=args.timings,
            config=config,
            output_html=args.output,
            oracle_csv=args.oracle,
            datasets_dir=args.datasets_dir,
            benchmarks_dir=args.benchmarks_dir,
            figures_dir=args.figures_dir,
        )
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
