import copy
import json
import math
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from metrics_tables import results_table

from normbench.analysis.tables import read_analysis
from normbench.report import build
from normbench.report.build import build_report, main
from normbench.report.figures import (
    format_value,
    heatmap_grid,
    interaction_plot,
    loss_functions,
    replicate_distributions,
    tpr_fpr_scatter,
)
from normbench.report.sections import SECTIONS
from normbench.study.config import validate_config
from normbench.study.layout import report_tables
from normbench.study.published_check import published_check, write_published_check
from normbench.study.store import METRICS_COLUMNS, write_table
from normbench.vocab import LOSSES, PENALTIES, pair_key

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
PAIRS = tuple((loss, penalty) for loss in LOSSES for penalty in PENALTIES)
DATASETS = ("alpha", "beta")
N_REPLICATES = 3
FAILURE_MESSAGE = "LinAlgError: SVD did not converge <rank 0>"
# Within-group selected share (group_frac) per penalty, before a per-replicate offset; l1 picks
# a fifth of a hit group, the elastic net most of it, dense penalties all of it.
GROUP_FRAC = {"none": 1.0, "l1": 0.2, "l2": 1.0, "elasticnet": 0.7}
# The oracle (least squares on the true support): alpha applies, beta does not.
ORACLE_RISKS = (0.05, 0.06, 0.04)
# Each loss's oracle has its own risks: ORACLE_RISKS times these factors.
ORACLE_FACTORS = {"l2": 1.0, "l1": 2.0, "huber": 1.5}
ORACLE_REASON = "n_train = 100 is not larger than the true support (150 features)"
NOT_CONVERGED_MESSAGE = "coordinate descent stopped at max_iter=1000"

CONFIG_ENTRY = {
    "seed": 1,
    "replicates": N_REPLICATES,
    "models": {"losses": list(LOSSES), "penalties": list(PENALTIES)},
    "cv": {
        "folds": 5,
        "n_lams": 30,
        "eps": 1e-3,
        "l1_ratios": [0.2, 0.5, 0.8],
        "rule": "min",
        "criterion": "own_loss",
        "huber_multiplier": 1.345,
    },
    "datasets": {
        name: {
            "generator": "simulate",
            "n_train": 100,
            "n_test": 2000,
            "p": 1000,
            "design": {"kind": "block", "group_size": 10, "rho": 0.7},
            "coef": {"n_nonzero": 10, "placement": "grouped", "amplitude": 1.0},
            "noise": {"family": "student_t", "df": 2, "snr": 3.0},
        }
        for name in DATASETS
    },
}
# as validation leaves it, every default filled (the report reads the validated config)
CONFIG = validate_config(CONFIG_ENTRY)


def _synthetic_tables(
    *, risk_winner=("huber", "elasticnet"), f1_winner=("l1", "l1"), failures=True, seed=0
):
    """Metrics and timings of 2 datasets x 3 replicates x 12 pairs.

    Risks of ordinary pairs lie in [1, 12.6); the ``risk_winner`` pair's in [0.1, 0.105), so it
    has the lowest median risk. F1 of ordinary pairs lies in [0, 0.5); ``f1_winner``'s in
    [0.9, 0.95).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    timing_rows = []

    def values(dataset, replicate, loss, penalty):
        i, j = LOSSES.index(loss), PENALTIES.index(penalty)
        pair = (loss, penalty)
        jitter = 1.0 + 0.05 * rng.random()
        risk = (0.1 if pair == risk_winner else 1.0 + 3 * i + j) * jitter
        f1 = 0.9 + 0.05 * rng.random() if pair == f1_winner else 0.5 * rng.random()
        # l1: 0.2, 0.3, 0.4 over the replicates; elasticnet: 0.7, 0.8, 0.9
        group_frac = min(1.0, GROUP_FRAC[penalty] + 0.1 * replicate)
        # the row's timing shares its jitter (results_table calls this in row order)
        timing_rows.append(
            {
                "dataset": dataset,
                "replicate": replicate,
                "loss": loss,
                "penalty": penalty,
                "fit_seconds": 0.05 * (1 + i) * (1 + j) * jitter,
            }
        )
        return {
            "n_train": 100,
            "p": 1000,
            "lam": 0.01 * (j + 1) if penalty != "none" else math.nan,
            "test_mse": risk + 1.0,
            "test_mae": math.sqrt(risk + 1.0),
            "risk": risk,
            "estimation_error": math.sqrt(risk),
            "n_nonzero": float(10 + 20 * j),
            "tpr": 1.0 - 0.1 * i,
            "fpr": 0.01 * j,
            "precision": f1,
            "f1": f1,
            "group_hit": 1.0,
            "group_frac": group_frac,
            "group_whole": float(group_frac == 1.0),
        }

    metrics = results_table(
        values,
        datasets=DATASETS,
        replicates=range(N_REPLICATES),
        pairs=PAIRS,
        columns=METRICS_COLUMNS,
    )
    if failures:
        failed = (metrics.dataset == "alpha") & (metrics.replicate == 1) & (metrics.loss == "l2")
        failed &= metrics.penalty == "none"
        metrics.loc[failed, ["status", "message"]] = ["failed", FAILURE_MESSAGE]
        metrics.loc[failed, ["test_mse", "test_mae", "risk", "n_nonzero", "f1"]] = math.nan
        slow = (metrics.dataset == "beta") & (metrics.replicate == 2) & (metrics.loss == "huber")
        slow &= metrics.penalty == "l1"
        metrics.loc[slow, ["status", "message"]] = ["not_converged", NOT_CONVERGED_MESSAGE]
    return metrics, pd.DataFrame(timing_rows)


def _oracle_table(datasets):
    """Oracle rows, one per loss: alpha with risks ORACLE_RISKS x ORACLE_FACTORS, beta not
    applicable."""
    rows = []
    for dataset in datasets:
        for replicate in range(N_REPLICATES):
            for loss, factor in ORACLE_FACTORS.items():
                applies = dataset == "alpha"
                risk = factor * ORACLE_RISKS[replicate] if applies else math.nan
                rows.append(
                    {
                        "dataset": dataset,
                        "replicate": replicate,
                        "loss": loss,
                        "status": "ok" if applies else "not_applicable",
                        "message": "" if applies else ORACLE_REASON,
                        "n_train": 100,
                        "p": 1000,
                        "test_mse": risk + 1.0,
                        "test_mae": math.sqrt(risk + 1.0),
                        "risk": risk,
                        "estimation_error": math.sqrt(risk),
                        "intercept": 0.0 if applies else math.nan,
                        "n_support": 10 if applies else 150,
                    }
                )
    return pd.DataFrame(rows)


def _study_files(tmp_path, config, metrics):
    """What the workflow writes for the report, for the simulated datasets of ``config``.

    Every replicate's dataset file and JSON sidecar, a fits store of replicate 1 holding the
    lasso-penalty fits of ``metrics`` (refitted at their lam and delta) and the explain files.
    Returns ``(datasets_dir, explain_files)``.
    """
    from normbench.data.simulate import simulate_to_file
    from normbench.estimators import PenalizedRegressor
    from normbench.study.explain import explain_dataset, path_dataset
    from normbench.study.store_fits import FitRecord, write_fits

    folder, simulated = tmp_path / "datasets", tmp_path / "simulated"
    explain_files = []
    for name, entry in config["datasets"].items():
        rows = metrics[(metrics.dataset == name) & (metrics.replicate == 1)]
        if entry.get("generator", "simulate") != "simulate" or rows.empty:
            continue
        for replicate in sorted(set(metrics.loc[metrics.dataset == name, "replicate"])):
            path = simulated / name / f"rep{replicate}.npz"
            simulate_to_file(
                entry, base_seed=config["seed"], dataset=name, replicate=replicate, path=path
            )
            sidecar = folder / name / path.with_suffix(".json").name
            if not sidecar.exists():  # a test's own sidecar wins
                sidecar.parent.mkdir(parents=True, exist_ok=True)
                sidecar.write_bytes(path.with_suffix(".json").read_bytes())
        data = np.load(simulated / name / "rep1.npz")
        records = []
        for row in rows[(rows.penalty == "l1") & (rows.status == "ok")].itertuples():
            delta = float(row.delta) if np.isfinite(row.delta) and row.delta > 0 else None
            model = PenalizedRegressor(loss=row.loss, penalty="l1", lam=row.lam, delta=delta)
            model.fit(data["X_train"], data["y_train"])
            records.append(
                FitRecord(
                    loss=row.loss,
                    penalty="l1",
                    status="ok",
                    coef=model.coef_,
                    intercept=model.intercept_,
                    cv_lams=np.array([[row.lam]]),
                    cv_l1_ratios=np.array([np.nan]),
                    cv_mean=np.array([[np.nan]]),
                    cv_se=np.array([[np.nan]]),
                )
            )
        write_fits(
            {1: records}, tmp_path / "fits" / f"{name}.npz", n_features=data["X_train"].shape[1]
        )
        out = tmp_path / "explain" / f"{name}.npz"
        explain_dataset(
            simulated / name / "rep1.npz",
            tmp_path / "fits" / f"{name}.npz",
            sorted((folder / name).glob("*.json")),
            entry=entry,
            cv=config["cv"],
            paths=name == path_dataset(config),
            out=out,
        )
        explain_files.append(out)
    return folder, explain_files


def _analysis_files(metrics_csv, out_dir, config, *, datasets_dir=None, oracle_csv=None):
    """The conclusion tables rule analyse writes, by role (as build_report's tables); the
    timings beside the metrics, as the workflow writes them."""
    from normbench.analysis.run import analyse

    timings = Path(metrics_csv).with_name(Path(metrics_csv).name.replace("metrics", "timings"))
    return analyse(
        metrics_csv,
        out_dir,
        config=config,
        datasets_dir=datasets_dir,
        oracle_csv=oracle_csv,
        timings_csv=timings if timings.is_file() else None,
    )


def _study_folder(folder, metrics, timings, config, *, provenance=None):
    """A study folder as the workflow leaves it: results/ with the tables the report reads."""
    results = folder / "results"
    write_table(metrics, results / "metrics.csv")
    write_table(timings, results / "timings.csv")
    _analysis_files(results / "metrics.csv", results, config)
    if provenance is not None:
        (results / "provenance.json").write_text(json.dumps(provenance))
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def _build(
    tmp_path,
    name="report.html",
    datasets=DATASETS,
    config=CONFIG,
    transform=None,
    report_kwargs=None,
    oracle=True,
    **kwargs,
):
    metrics, timings = _synthetic_tables(**kwargs)
    metrics = metrics[metrics.dataset.isin(datasets)].copy()
    if transform is not None:
        metrics = transform(metrics)
    write_table(metrics, tmp_path / f"{name}.metrics.csv")
    write_table(timings, tmp_path / f"{name}.timings.csv")
    output = tmp_path / "out" / name
    # hermetic: the study's files made here, no benchmark files from the working directory
    datasets_dir, explain_files = _study_files(tmp_path, config, metrics)
    options = {
        "datasets_dir": datasets_dir,
        "explain_files": explain_files,
        "benchmarks_dir": tmp_path / "no-benchmarks",
        **(report_kwargs or {}),
    }
    oracle_csv = None
    if oracle:
        oracle_csv = tmp_path / f"{name}.oracle.csv"
        write_table(_oracle_table(datasets), oracle_csv)
    analysis = _analysis_files(
        tmp_path / f"{name}.metrics.csv",
        tmp_path / name,
        config,
        datasets_dir=options["datasets_dir"],
        oracle_csv=oracle_csv,
    )
    tables = {
        "metrics": tmp_path / f"{name}.metrics.csv",
        "timings": tmp_path / f"{name}.timings.csv",
        **analysis,
        **options.pop("tables", {}),
    }
    if oracle:
        tables["oracle"] = oracle_csv
    build_report(tables=tables, config=config, output_html=output, **options)
    return Built(output.read_text(encoding="utf-8"), analysis)


class Built(str):
    """A report's HTML, with the analysis tables it was built from (``.tables``, by role)."""

    def __new__(cls, text, tables):
        built = super().__new__(cls, text)
        built.tables = tables
        return built


def _summary_of(built):
    """The summary.csv a built report rendered, read through its checked reader."""
    return read_analysis("summary", built.tables["summary"])


def _cell(summary, dataset, pair, metric, what="median"):
    """The text a report shows for one summary row: ``m ± mcse``."""
    from normbench.report.tables import with_error

    row = summary[
        (summary["what"] == what)
        & (summary["dataset"] == dataset)
        & (summary["pair"] == pair)
        & (summary["metric"] == metric)
    ].iloc[0]
    return with_error(float(row["estimate"]), float(row["mcse"]))


def _estimates(metrics, metric="risk"):
    """The medians of a metrics table as the figures take them (through the summary)."""
    from normbench.analysis.summary import summary_table
    from normbench.report.tables import pair_estimates

    return pair_estimates(summary_table(metrics, n_boot=200), metric)


def _tpr_fpr(metrics, dataset):
    """The summary's TPR and FPR medians of every pair of ``dataset`` (empty where none)."""
    pairs = metrics.loc[metrics["dataset"] == dataset, ["dataset", "loss", "penalty"]]
    table = pairs.drop_duplicates()
    for metric in ("tpr", "fpr"):
        found = _estimates(metrics, metric)[["dataset", "loss", "penalty", "estimate"]]
        table = table.merge(found.rename(columns={"estimate": metric}), how="left")
    return table


def _labelled(ax):
    """The labels of an axes' lines, without matplotlib's own (error bar caps)."""
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


@pytest.fixture(scope="module")
def rendered_report(tmp_path_factory):
    """The report of the synthetic study, and what each section of SECTIONS rendered (None: no
    section), recorded as the report is built."""
    bodies = []
    render_sections = build.render_sections

    def recording(*args, **kwargs):
        bodies[:] = render_sections(*args, **kwargs)
        return bodies

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "render_sections", recording)
        html_text = _build(tmp_path_factory.mktemp("report"))
    return html_text, list(zip(SECTIONS, bodies, strict=True))


@pytest.fixture(scope="module")
def report_html(rendered_report):
    return rendered_report[0]


class _ScenarioImages(HTMLParser):
    """Counts the images of a page by the scenario (``data-scenario``) of the element holding
    them; None for images outside any scenario's part."""

    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self, html_text):
        super().__init__()
        self.open, self.counts = [], Counter()
        self.feed(html_text)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.counts[next((each for _, each in reversed(self.open) if each), None)] += 1
        elif tag not in self._VOID:
            self.open.append((tag, dict(attrs).get("data-scenario")))

    def handle_endtag(self, tag):
        if any(each == tag for each, _ in self.open):
            while self.open.pop()[0] != tag:
                pass


def scenario_images(html_text):
    return _ScenarioImages(html_text).counts


def _summary_item(html_text, dataset):
    match = re.search(rf'<li id="summary-{dataset}">(.*?)</li>', html_text)
    assert match, f"no summary sentence for {dataset}"
    return match.group(1)


def test_report_has_every_section_that_renders_in_the_registry_order(rendered_report):
    report_html, rendered = rendered_report
    shown = [section.id for section, body in rendered if body is not None]
    # the page and its navigation: exactly the sections with a body, in SECTIONS' order
    assert re.findall(r'<section id="([^"]+)">', report_html) == shown
    navigation = re.search(r"<nav>(.*?)</nav>", report_html, re.S).group(1)
    assert re.findall(r'href="#([^"]+)"', navigation) == shown
    # only what this study lacks is left out: it has no published numbers and no sweep
    left_out = {section.id for section, body in rendered if body is None}
    assert "published" in left_out and left_out <= {"published", "sweeps"}
    # a section drawn per scenario has a part for every scenario, in the config's order
    per_scenario = 0
    for section in shown:
        scenarios = re.findall(r'data-scenario="([^"]+)"', _section_text(report_html, section))
        if scenarios:
            per_scenario += 1
            assert list(dict.fromkeys(scenarios)) == list(DATASETS), section
    assert per_scenario > 0
    # every navigation link and in-page link points at an existing id
    ids = set(re.findall(r'id="([^"]+)"', report_html))
    targets = set(re.findall(r'href="#([^"]+)"', report_html))
    assert targets and targets <= ids, targets - ids


def test_report_embeds_every_figure(report_html):
    n_images = report_html.count('<img src="data:image/png;base64,')
    assert n_images == report_html.count("<img ")
    # the synthetic scenarios differ only in their numbers: each gets the same figures
    per_scenario = scenario_images(report_html)
    assert per_scenario["alpha"] == per_scenario["beta"] > 0
    assert per_scenario[None] > 0  # and the figures of the whole study
    # with every input given, no figure is replaced by a note
    assert "could not be drawn" not in report_html
    # no figure is drawn twice
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', report_html)
    assert len(alts) == n_images and len(set(alts)) == len(alts)


def test_each_scenario_has_one_place(report_html):
    """Every per-scenario block is the scenario's block of By scenario, with its figures."""
    by_scenario = _section_text(report_html, "by-scenario")
    for dataset in DATASETS:
        assert report_html.count(f'data-scenario="{dataset}"') == 1
        assert by_scenario.count(f'data-scenario="{dataset}"') == 1
        block = _scenario_block(report_html, dataset)
        assert f"<p>{N_REPLICATES} replicate(s); noise: " in block
        # one table of medians, with the metrics the topic sections showed per scenario
        medians = _medians(block)
        labels = {label for label, _ in medians}
        assert {"fits ok", "risk", "test_mse", "F1", "TPR", "group frac", "λ"} <= labels
        assert block.count("<h4>Medians per pair</h4>") == 1
    # the synthetic scenarios differ only in their numbers: each block has the same figures
    figures = {
        dataset: len(
            re.findall(rf'alt="[^"]* for {dataset}"', _scenario_block(report_html, dataset))
        )
        for dataset in DATASETS
    }
    assert len(set(figures.values())) == 1 and figures[DATASETS[0]] > 0
    for section in ("grid", "tuning", "statistics"):
        assert "data-scenario" not in _section_text(report_html, section)


def test_report_has_no_external_references(report_html):
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', report_html)
    assert references, "expected internal links and images"
    assert not [ref for ref in references if ref.startswith(("http://", "https://", "//"))]
    # one inline script of our own (the results table's sort and filter), nothing loaded; the
    # other script elements are data (the packed results table), which the browser never runs
    scripts = re.findall(r"<script([^>]*)>", report_html)
    assert scripts.count("") == 1
    assert all(
        attributes.startswith(' type="application/gzip"') for attributes in scripts if attributes
    )
    assert "<link" not in report_html


def test_report_lists_failures_with_messages(report_html):
    failures = report_html[report_html.index('<section id="failures">') :]
    failures = failures[: failures.index("</section>")]
    assert "2 of 72 fits did not succeed" in failures
    assert "LinAlgError: SVD did not converge &lt;rank 0&gt;" in failures  # escaped
    assert NOT_CONVERGED_MESSAGE in failures
    assert "not_converged" in failures and "failed" in failures


def _median_of(metrics, dataset, pair, column="risk"):
    rows = metrics[(metrics.dataset == dataset) & (metrics.status == "ok")]
    rows = rows[(rows.loss == pair[0]) & (rows.penalty == pair[1])]
    return float(rows[column].median())


def test_report_summary_comes_from_the_findings(report_html):
    sentence = _summary_item(report_html, "alpha")
    # the synthetic tables have no model error: the summary speaks of risk
    assert sentence.startswith("alpha (risk): ")
    # huber+l1 has ~4 times l2+l1's risk in every replicate: worse, with its interval
    match = re.search(r"huber\+l1 is worse than l2\+l1 \(([\d.]+)×, interval ([\d.]+)×", sentence)
    assert match, sentence
    metrics = _synthetic_tables()[0]
    alpha = metrics[metrics.dataset == "alpha"].set_index(["loss", "penalty", "replicate"])
    alpha = alpha.sort_index()
    ratios = alpha.loc[("huber", "l1"), "risk"] / alpha.loc[("l2", "l1"), "risk"]
    # printed with two significant digits
    assert float(match[1]) == pytest.approx(float(np.exp(np.log(ratios).mean())), abs=0.05)
    assert float(match[2]) > 1.0  # the interval excludes 1
    assert "tied" not in sentence.lower()
    assert "Wilcoxon" not in report_html and "bootstrap" not in _section_text(
        report_html, "summary"
    )
    assert "Penalty explains" not in report_html


def test_report_scenarios_and_provenance(report_html):
    scenarios = _section_text(report_html, "scenarios")
    # only the parameters of the design kind and the noise family
    assert "kind=block, rho=0.7, group_size=10<" in scenarios
    assert "n_groups" not in scenarios
    assert "family=student_t, df=2, snr=3.0" in scenarios
    provenance = report_html[report_html.index('<section id="provenance">') :]
    for package in (
        "numpy",
        "scipy",
        "scikit-learn",
        "pandas",
        "statsmodels",
        "snakemake",
        "normbench",
    ):
        assert f"<td>{package}</td>" in provenance
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", provenance)
    pre = re.search(r"<pre>(.*?)</pre>", provenance, re.S).group(1)
    assert yaml.safe_load(pre.replace("&quot;", '"').replace("&#x27;", "'")) == CONFIG


SIDECAR_SIGNAL, SIDECAR_NOISE_SCALE = 2.0, 5.0


#: Benchmark files the report cannot use (a run cut short, a hand-edited file), and the words
#: of the problem it names each with.
DAMAGED_BENCHMARKS = {
    "fit_models/beta/rep1.tsv": b"",
    "simulate_dataset/beta.tsv": b"s\th:m:s\n1.5\t0:00:01\n",
    "explain/beta.tsv": b"s\th:m:s\tmax_rss\n",
    "analyse.tsv": b"s\th:m:s\tmax_rss\n3.0\t0:00:03\tlots\n",
    "fit_models/beta/rep2.tsv": b"s\th:m:s\tmax_rss\n3.0\t0:00:03\t5.0\t7.0\n",
    "aggregate_results.tsv": b"\xff\xfe\x00 not text",
}
DAMAGED_PROBLEMS = {
    "fit_models/beta/rep1.tsv": "cannot be read",
    "simulate_dataset/beta.tsv": "has no column max_rss",
    "explain/beta.tsv": "holds no job",
    "analyse.tsv": "max_rss on line 2 is not a number: &#x27;lots&#x27;",
    "fit_models/beta/rep2.tsv": "line 2 has 4 tab-separated cells, its head 3",
    "aggregate_results.tsv": "cannot be read",
}


@pytest.fixture(scope="module")
def variant_html(tmp_path_factory):
    """alpha: a user dataset without sidecars; beta: skewed noise, sidecars and benchmarks."""
    tmp_path = tmp_path_factory.mktemp("variant")
    config = copy.deepcopy(CONFIG)
    config["datasets"]["alpha"] = {"generator": "custom_rule"}
    config["datasets"]["beta"]["noise"] = {"family": "skewed", "skew": 1.0, "snr": 3.0}
    for replicate in range(N_REPLICATES):
        sidecar = tmp_path / "datasets" / "beta" / f"rep{replicate}.json"
        sidecar.parent.mkdir(parents=True, exist_ok=True)
        sidecar.write_text(
            json.dumps({"signal_variance": SIDECAR_SIGNAL, "noise_scale": SIDECAR_NOISE_SCALE})
        )
    bench = tmp_path / "benchmarks" / "fit_models" / "beta" / "rep0.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text("s\th:m:s\tmax_rss\tmax_vms\n82.5\t0:01:22\t286.4\t604.2\n")
    for name, text in DAMAGED_BENCHMARKS.items():
        (tmp_path / "benchmarks" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "benchmarks" / name).write_bytes(text)

    def intercepts(metrics):
        # a user dataset has no noise-free signal and no true coefficients
        real = metrics.dataset == "alpha"
        # the metrics table's own PVE (from the noise's true variance), read as it is
        metrics["pve"] = 0.5 - 0.01 * metrics["replicate"]
        unknown = ["risk", "estimation_error", "tpr", "fpr", "precision", "f1"]
        metrics.loc[real, [*unknown, "group_hit", "group_frac", "group_whole"]] = math.nan
        location = {"l2": 0.02, "l1": -1.45, "huber": -0.7}
        metrics["intercept"] = [
            0.1 if penalty == "none" else location[loss] + 0.01 * replicate
            for loss, penalty, replicate in zip(
                metrics.loss, metrics.penalty, metrics.replicate, strict=True
            )
        ]
        return metrics

    return _build(
        tmp_path,
        config=config,
        transform=intercepts,
        report_kwargs={
            "datasets_dir": tmp_path / "datasets",
            "benchmarks_dir": tmp_path / "benchmarks",
        },
    )


def _section_text(html_text, section):
    text = html_text[html_text.index(f'<section id="{section}">') :]
    return text[: text.index("</section>")]


def _scenario_block(html_text, dataset):
    """The one block of a scenario (its ``<details>``) in the By scenario section."""
    text = html_text[html_text.index(f'<details id="scenario-{dataset}"') :]
    return text[: text.index("\n</details>")]


def _medians(block):
    """``{(row label, column header): cell}`` of a scenario block's table of medians."""
    table = block[max(block.find("<h4>Medians per pair</h4>"), 0) :]
    table = table[: table.index("</table>")]
    headers = re.findall(r"<th>(.*?)</th>", table)
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :]):
        values = re.findall(r"<td[^>]*>(.*?)</td>", row.replace("\xa0", " "))
        cells.update({(values[0], h): v for h, v in zip(headers[1:], values[1:], strict=True)})
    return cells


def _row_cells(html_text, label):
    match = re.search(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", html_text)
    assert match, label
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1))


def test_report_relative_risk_from_sidecars(variant_html):
    assert "sidecar" in _section_text(variant_html, "by-scenario")
    beta = _medians(_scenario_block(variant_html, "beta"))
    metrics, _ = _synthetic_tables()
    risk = metrics[(metrics.dataset == "beta") & (metrics.loss == "huber")]
    risk = risk[risk.penalty == "elasticnet"]["risk"]
    # the cells are summary.csv's rows
    summary = _summary_of(variant_html)
    rr = beta["RR", "huber+elasticnet"]
    assert rr == _cell(summary, "beta", "huber+elasticnet", "relative_risk")
    # which are the medians of risk / the sidecar's signal variance
    assert rr.startswith(format_value(float((risk / SIDECAR_SIGNAL).median())))
    # metrics.csv's pve, not one from the sidecar's σ, with its Monte Carlo error
    assert beta["PVE", "huber+elasticnet"].startswith(format_value(0.49) + " ± ")
    # no model error in these tables: a row with no value is left out
    assert not any(label == "model error" for label, _ in beta)
    assert beta["fits ok", "huber+elasticnet"] == "3"  # the replicates the medians rest on
    # the baseline's ratio to itself is 1
    ratio = beta["risk / l2+l1", "l2+l1"]
    assert ratio == _cell(summary, "beta", "l2+l1", "risk_ratio")
    assert ratio.split(" ± ")[0] == "1"


def test_report_relative_risk_needs_variances(variant_html, report_html):
    alpha = _scenario_block(variant_html, "alpha")
    assert "RR and PVE are not shown" in alpha
    assert 'alt="paired risk ratios for alpha"' in alpha
    assert 'alt="relative risk for alpha"' not in alpha
    # without risk, model error or F1 there is no finding, so no summary sentence
    assert 'id="summary-alpha"' not in variant_html
    assert _summary_item(variant_html, "beta").startswith("beta (risk)")
    # simulated datasets: variances from their sidecars
    by_scenario = _section_text(report_html, "by-scenario")
    assert (
        "Signal variances: the datasets&#x27; JSON sidecars (results/derived.csv)." in by_scenario
    )
    assert "RR and PVE are not shown" not in by_scenario
    # against the full study: alpha loses its RR and group-share figures, beta's skewed noise
    # adds the intercepts
    variant, full = scenario_images(variant_html), scenario_images(report_html)
    assert variant["alpha"] == full["alpha"] - 2
    assert variant["beta"] + variant[None] == full["beta"] + full[None] + 1


def test_report_intercepts_under_skewed_noise(variant_html, report_html):
    match = re.search(r'<p id="intercepts-beta">(.*?)</p>', variant_html)
    assert match
    sentence = match.group(1)
    expected_median = SIDECAR_NOISE_SCALE * math.expm1(-0.5) / math.sqrt(math.expm1(1.0))
    assert f"median {format_value(expected_median)}" in sentence
    assert "median intercept 0.03" in sentence and "fits -1.44" in sentence
    assert "The fits agree" in sentence
    assert 'id="intercepts-alpha"' not in variant_html
    # in beta's one block; the loss section links to it
    assert 'id="intercepts-beta"' in _scenario_block(variant_html, "beta")
    assert 'alt="intercepts for beta"' in _scenario_block(variant_html, "beta")
    loss = _section_text(variant_html, "loss")
    assert "data-scenario" not in loss and 'href="#scenario-beta"' in loss
    assert "No scenario has skewed noise" in _section_text(report_html, "loss")


def test_report_statistics(report_html):
    statistics = _section_text(report_html, "statistics")
    # the method, as findings.json states it, and one effect measure: no Holm, no bootstrap
    assert "mean over replicates of the paired log ratio pair / reference" in statistics
    assert "Benjamini–Hochberg at q = 0.05" in statistics
    assert "Wilcoxon" not in statistics and "Holm" not in statistics
    assert "no test can be significant" not in report_html
    # the per-scenario answer (answer.csv) and the findings rows with their verdicts
    assert "log risk ~ replicate + loss * penalty" in statistics
    assert _row_cells(statistics, "alpha")[0] == "loss"
    by_scenario = _section_text(report_html, "by-scenario")
    alpha = by_scenario[by_scenario.index('<h4 id="statistics-alpha">') :]
    cells = _row_cells(alpha, "risk")
    assert cells[:3] == ["loss", "l1+none", "l2+none"]
    assert cells[-1] in {"better", "worse", "equivalent", "inconclusive"}


def test_report_peak_memory(variant_html, report_html):
    cost = _section_text(variant_html, "cost")
    assert "Jobs and peak memory" in cost
    # the one usable file's job; the damaged files add no job
    assert _row_cells(cost, "fit_models")[:5] == ["1", "82.5", "82.5", "286", "286"]
    assert "<tr><td>analyse</td>" not in cost
    assert "Peak memory is not shown" in _section_text(report_html, "cost")


def test_report_names_every_benchmark_file_it_cannot_use(variant_html, report_html):
    cost = _section_text(variant_html, "cost")
    # said in the open, before any folded block of the section could hold it
    said = cost[cost.index(f"{len(DAMAGED_BENCHMARKS)} Snakemake benchmark file(s)") :]
    listed = said[: said.index("</ul>")]
    assert "<details" not in listed
    for name, problem in DAMAGED_PROBLEMS.items():
        assert f"<li><code>{name}</code>: {problem}" in listed, name
    assert "could not be used" not in _section_text(report_html, "cost")


def test_report_without_git(tmp_path, monkeypatch, report_html):
    monkeypatch.chdir(tmp_path)  # not a git checkout: the report must still be built
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    metrics, timings = _synthetic_tables()
    subset = metrics[metrics.dataset == "beta"]
    config_path = tmp_path / "config.yaml"
    _study_folder(tmp_path, subset, timings, CONFIG)
    status = main(["--config", str(config_path), "--output", "r.html", "--schema", str(SCHEMA)])
    assert status == 0
    html_text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "not recorded (no results/provenance.json given)" in html_text
    assert "1970-01-01 00:00:00 UTC" in html_text
    assert 'id="grid-alpha"' not in html_text
    # against the full study: alpha's figures are gone, and so are beta's relative risk (no
    # sidecars), the paths, ROC and residuals (no explain files on this command) and the ranking
    # (one scenario has no ranking across scenarios)
    full = scenario_images(report_html)
    assert html_text.count("<img ") == full["beta"] + full[None] - (1 + 3 + 1)
    assert "could not be drawn: no explain file" in html_text
    assert "least squares on the true support" not in html_text  # no --oracle: no oracle


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "--study" in capsys.readouterr().out


def test_build_report_rejects_empty_metrics_and_missing_analysis(tmp_path):
    metrics, timings = _synthetic_tables()
    _study_folder(tmp_path, metrics, timings, CONFIG)
    tables = report_tables(tmp_path)
    (tmp_path / "m.csv").write_text("")
    with pytest.raises(ValueError, match="empty"):
        build_report(
            tables={**tables, "metrics": tmp_path / "m.csv"},
            config=CONFIG,
            output_html=tmp_path / "r.html",
        )
    # the report renders the analysis and computes none of it: without it, no report
    del tables["findings"]
    with pytest.raises(ValueError, match="findings"):
        build_report(tables=tables, config=CONFIG, output_html=tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


# ----------------------------------------------------------------------------- figures


def _grid_summary(values, mcse=math.nan):
    """Medians of every metric drawn, with the given values (loss-major) for dataset 'd'."""
    rows = []
    for index, (loss, penalty) in enumerate((a, b) for a in LOSSES for b in PENALTIES):
        rows.append({"dataset": "d", "loss": loss, "penalty": penalty, "estimate": values[index]})
    rows = rows[:-1] if math.isnan(values[-1]) else rows
    return pd.DataFrame(rows).assign(mcse=mcse, n_replicates=3)


RISK_MEDIANS = [0.5, 1.25, 2.0, 12.5, 0.12345, 123.4, 2.5e-5, 3.0, 0.75, math.nan, 7.0, math.nan]
# Hand-formatted: integers without decimals, 3 significant digits, scientific below 1e-3, and
# "n/a" for a NaN median and for the (huber, elasticnet) pair absent from the summary.
EXPECTED_TEXTS = [
    "0.5",
    "1.25",
    "2",
    "12.5",
    "0.123",
    "123",
    "2.50e-05",
    "3",
    "0.75",
    "n/a",
    "7",
    "n/a",
]


@pytest.mark.parametrize(
    ("metric", "best_cell"),
    [("risk", (1, 2)), ("f1", (1, 1))],  # (row, column) of the minimum / maximum
)
def test_heatmap_grid_annotations_and_best_cell(metric, best_cell):
    figure = heatmap_grid(_grid_summary(RISK_MEDIANS), "d", metric, title="t")
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert [text.get_text() for text in ax.texts] == EXPECTED_TEXTS
    # texts sit at the cell centres, loss-major
    assert [tuple(text.get_position()) for text in ax.texts[:2]] == [(0.5, 0.5), (1.5, 0.5)]
    assert [label.get_text() for label in ax.get_yticklabels()] == list(LOSSES)
    assert [label.get_text() for label in ax.get_xticklabels()] == list(PENALTIES)
    outlines = [patch for patch in ax.patches if isinstance(patch, Rectangle)]
    assert [(patch.get_y(), patch.get_x()) for patch in outlines] == [best_cell]
    assert ax.get_title() == "t"


def test_heatmap_grid_cells_carry_their_monte_carlo_error():
    figure = heatmap_grid(_grid_summary(RISK_MEDIANS, mcse=0.01), "d", "risk")
    texts = [text.get_text() for text in figure.axes[0].texts]
    expected = [t if t == "n/a" else f"{t}\n± 0.01" for t in EXPECTED_TEXTS]
    assert texts == expected


def test_heatmap_grid_neutral_metric_has_no_outline():
    figure = heatmap_grid(_grid_summary(RISK_MEDIANS), "d", "n_nonzero")
    ax = figure.axes[0]
    assert len(ax.texts) == 12
    assert not [patch for patch in ax.patches if isinstance(patch, Rectangle)]


def test_heatmap_grid_all_missing():
    figure = heatmap_grid(_grid_summary([math.nan] * 12), "d", "risk")
    assert [text.get_text() for text in figure.axes[0].texts] == ["n/a"] * 12


def test_heatmap_grid_unknown_dataset():
    with pytest.raises(ValueError, match="no rows"):
        heatmap_grid(_grid_summary(RISK_MEDIANS), "nope", "risk")


def test_format_value_examples():
    assert [
        format_value(v) for v in (math.nan, None, 12.0, 0.12345, 123.4, 2.5e-5, 2e5, math.inf)
    ] == [
        "n/a",
        "n/a",
        "12",
        "0.123",
        "123",
        "2.50e-05",
        "2.00e+05",
        "inf",
    ]


def test_replicate_distributions_orders_pairs_loss_major():
    metrics, _ = _synthetic_tables()
    figure = replicate_distributions(metrics, "alpha", "risk")
    ax = figure.axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == [pair_key(loss, penalty) for loss in LOSSES for penalty in PENALTIES]
    assert ax.get_xscale() == "log"  # every risk is positive


def test_replicate_distributions_without_values():
    metrics, _ = _synthetic_tables()
    metrics["f1"] = math.nan  # e.g. a real dataset without true coefficients
    figure = replicate_distributions(metrics, "beta", "f1")
    assert "no f1 values" in [text.get_text() for text in figure.axes[0].texts]


def test_figures_of_a_dataset_without_successful_fits():
    metrics, _ = _synthetic_tables(failures=False)
    metrics.loc[metrics.dataset == "beta", "status"] = "failed"
    scatter = tpr_fpr_scatter(_tpr_fpr(metrics, "beta"), "beta").axes[0]
    assert not scatter.collections
    assert "no TPR/FPR values" in " ".join(text.get_text() for text in scatter.texts)
    boxes = replicate_distributions(metrics, "beta", "risk").axes[0]
    assert len(boxes.get_yticklabels()) == 12  # every pair keeps its row
    assert "no risk values" in [text.get_text() for text in boxes.texts]


def test_tpr_fpr_scatter_draws_one_point_per_pair():
    metrics, _ = _synthetic_tables()
    ax = tpr_fpr_scatter(_tpr_fpr(metrics, "alpha"), "alpha").axes[0]
    points = np.vstack([collection.get_offsets() for collection in ax.collections])
    assert len(points) == 12
    # synthetic TPR = 1 - 0.1 * loss index, FPR = 0.01 * penalty index
    assert sorted(points[:, 1].round(6).tolist()) == sorted([1.0, 0.9, 0.8] * 4)
    assert sorted(points[:, 0].round(6).tolist()) == sorted([0.0, 0.01, 0.02, 0.03] * 3)


def test_replicate_distributions_reference_lines_and_scale():
    metrics, _ = _synthetic_tables()
    figure = replicate_distributions(
        metrics, "alpha", "intercept", reference_lines={"zero": 0.0, "one": 1.0}, log_scale=False
    )
    ax = figure.axes[0]
    assert ax.get_xscale() == "linear"
    assert "no intercept values" in [text.get_text() for text in ax.texts]  # all NaN here
    labels = [line.get_label() for line in ax.get_lines() if line.get_label() in ("zero", "one")]
    assert labels == ["zero", "one"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "one"]


def test_interaction_plot_one_line_per_loss():
    metrics, _ = _synthetic_tables()
    estimates = _estimates(metrics)
    figure = interaction_plot(estimates, ["alpha", "beta"])
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["alpha", "beta"]
    ax = visible[0]
    assert _labelled(ax) == list(LOSSES)
    assert ax.get_yscale() == "log"
    # the l1 line draws the summary's medians of l1 with each penalty
    l1 = estimates[(estimates["dataset"] == "alpha") & (estimates["loss"] == "l1")]
    l1_line = next(line for line in ax.get_lines() if line.get_label() == "l1").get_ydata()
    np.testing.assert_allclose(l1_line, l1["estimate"].to_numpy(dtype=float))
    with pytest.raises(ValueError, match="at least one dataset"):
        interaction_plot(estimates, [])


def test_loss_functions_match_the_objective():
    figure = loss_functions(2.0)
    value_ax, derivative_ax = figure.axes
    lines = {line.get_label().split(":")[0].split(" ")[0]: line for line in value_ax.get_lines()}
    r = lines["huber"].get_xdata()
    assert r.min() == pytest.approx(-8.0) and r.max() == pytest.approx(8.0)
    np.testing.assert_allclose(lines["l2"].get_ydata(), r**2 / 2)
    np.testing.assert_allclose(lines["l1"].get_ydata(), np.abs(r))
    huber = np.where(np.abs(r) <= 2.0, r**2 / 2, 2.0 * np.abs(r) - 2.0)
    np.testing.assert_allclose(lines["huber"].get_ydata(), huber)
    derivatives = [line for line in derivative_ax.get_lines() if "huber" in line.get_label()]
    np.testing.assert_allclose(derivatives[0].get_ydata(), np.clip(r, -2.0, 2.0))
    with pytest.raises(ValueError, match="positive"):
        loss_functions(0.0)


def test_report_penalty_section(report_html):
    from normbench.data.simulate import dataset_seed, simulate
    from normbench.models.paths import coefficient_paths, support_roc
    from normbench.report.sections.penalty import render as penalty_section

    penalty = _section_text(report_html, "penalty")
    # the ROC curves (the balls and the paths are in About the models)
    assert penalty.count('<img src="data:image/png;base64,') == 1
    assert penalty.count("<img ") == 1
    assert '<h3 id="penalty-alpha">' in penalty
    assert 'href="#penalty"' in report_html
    # the AUCs shown are support_roc's on replicate 1 of alpha, drawn again here
    params = {**CONFIG["datasets"]["alpha"], "n_test": 1}
    data = simulate(params, dataset_seed(CONFIG["seed"], "alpha", 1))
    for name in ("l1", "l2", "elasticnet"):
        _, coefs = coefficient_paths(
            data["X_train"], data["y_train"], penalty=name, l1_ratio=0.5, n_lams=30
        )
        auc = support_roc(coefs, data["coef"])[2]
        shown = re.search(rf'<span id="auc-{name}">{name} ([^<]+)</span>', penalty)
        assert shown and shown.group(1) == format_value(auc), name
        assert _row_cells(penalty, name)[0] == format_value(auc)
    # no simulated dataset: a note instead of the paths
    config = {"datasets": {"alpha": {"generator": "custom_rule"}}}
    section = penalty_section(SimpleNamespace(config=config, all_datasets=["alpha"]))
    assert "No dataset of this run is simulated" in section
    assert section.count("<img ") == 0


def test_report_published_section(tmp_path, report_html):
    published = [
        {
            "source": "A paper (1999), Table 3",
            "metric": "risk",
            "statistic": "median",
            "band": [0.5, 2.0],
            # ordinary pairs have risk 1 + 3 i + j (x jitter): l2+l1 ~ 2 and l2+l2 ~ 3 pass
            # alpha's l2+l1 and beta's l2+l1, not alpha's l2+l2 (band 6 to 24)
            "values": {"alpha": {"l2+l1": 2.0, "l2+l2": 12.0}, "beta": {"l2+l1": 1.5}},
            "orderings": {"alpha": "l2+l1 < l2+l2"},
        }
    ]
    config = {**CONFIG, "published": published}
    # the check table as rule published_check writes it from the same metrics
    metrics, _ = _synthetic_tables()
    check_csv = tmp_path / "published_check.csv"
    write_published_check(
        published_check(metrics[metrics.dataset.isin(DATASETS)], published), check_csv
    )
    html_text = _build(
        tmp_path, config=config, report_kwargs={"tables": {"published_check": check_csv}}
    )
    section = _section_text(html_text, "published")
    assert "A paper (1999), Table 3" in section
    assert "<b>3 of 4 checks pass</b>" in section
    assert section.count("<td>pass</td>") == 3 and section.count("<td>FAIL</td>") == 1
    assert "1 of 1 orderings of the paper's models hold in ours" in section
    assert section.count('<img src="data:image/png;base64,') == 1
    assert '<a href="#published">' in html_text
    assert html_text.find('<section id="summary">') < html_text.find('<section id="published">')
    # without the check table the section says so and compares nothing itself
    alone = _section_text(_build(tmp_path, name="alone.html", config=config), "published")
    assert "no comparison is shown" in alone and "<table" not in alone
    # without published numbers there is neither the section nor its link
    assert '<section id="published">' not in report_html and "#published" not in report_html


# ----------------------------------------------------------------------------- groups and oracle


def test_report_group_recovery(report_html):
    alpha = _scenario_block(report_html, "alpha")
    sentence = re.search(r'<p id="groups-alpha">(.*?)</p>', alpha).group(1)
    # alpha: l1 fits have group_frac 0.2, 0.3, 0.4 (replicates) for each loss, elastic net
    # 0.7, 0.8, 0.9; none of them keeps its group whole
    summary = _summary_of(report_html)
    share = _cell(summary, "alpha", "penalty:l1", "group_frac")
    whole = summary[
        (summary["what"] == "mean")
        & (summary["dataset"] == "alpha")
        & (summary["pair"] == "penalty:l1")
        & (summary["metric"] == "group_whole")
    ].iloc[0]
    assert whole["estimate"] == 0.0 and whole["mcse"] == 0.0  # never whole, on every replicate
    assert share.startswith("0.3")
    assert (
        "the lasso (l1) fits hit a true group in 9 of 9 fits (all losses); there they select a "
        f"median share {share} of a hit group&#x27;s true members and keep on average 0% ± 0% "
        "of their hit groups whole" in sentence
    )
    assert "the elastic-net fits hit a true group in 9 of 9 fits" in sentence
    assert "median share 0.8" in sentence
    assert "as its grouping effect predicts" in sentence
    # beta: huber+l1 did not converge on one replicate, so 8 lasso fits count
    beta = re.search(r'<p id="groups-beta">(.*?)</p>', report_html).group(1)
    assert "the lasso (l1) fits hit a true group in 8 of 8 fits" in beta
    for what in ("TPR against FPR", "f1 across replicates", "within-group selected share"):
        assert f'alt="{what} for alpha"' in alpha
    # the table of medians: group hit, group frac, group whole
    medians = _medians(alpha)
    groups = ("group hit", "group frac", "group whole")
    assert [medians[g, "l2+l1"].split(" ± ")[0] for g in groups] == ["1", "0.3", "0"]
    assert medians["fits ok", "l2+l1"] == "3"
    assert [medians[g, "l2+l2"].split(" ± ")[0] for g in groups] == ["1", "1", "1"]


def test_report_group_sentence_cases():
    from normbench.report.prose import group_sentence

    rows = []
    for penalty, hit, frac, whole in (("l1", 0.0, math.nan, math.nan), ("elasticnet", 1, 1, 1)):
        for replicate in range(2):
            rows.append(
                {
                    "dataset": "d",
                    "replicate": replicate,
                    "loss": "l2",
                    "penalty": penalty,
                    "status": "ok",
                    "group_hit": hit,
                    "group_frac": frac,
                    "group_whole": whole,
                }
            )
    from normbench.analysis.summary import margin_summary

    config = {"datasets": {"d": {"design": {"kind": "independent"}}}}
    metrics = pd.DataFrame(rows)
    ctx = SimpleNamespace(metrics=metrics, mc_summary=margin_summary(metrics), config=config)
    sentence = group_sentence(ctx, "d")
    assert sentence.startswith("On d, the lasso (l1) fits hit a true group in 0 of 2 fits")
    assert "elastic-net fits hit a true group in 2 of 2 fits" in sentence
    assert "keep on average 100% ± 0% of their hit groups whole" in sentence  # 1 and 1
    assert "groups of this independent design are nominal" in sentence


def test_report_group_recovery_needs_groups(variant_html):
    assert "Group recovery is not shown for alpha" in _scenario_block(variant_html, "alpha")
    assert 'alt="within-group selected share for beta"' in _scenario_block(variant_html, "beta")


def test_report_oracle_reference(report_html):
    alpha = _scenario_block(report_html, "alpha")
    beta = _scenario_block(report_html, "beta")
    # each loss has its own oracle, with its Monte Carlo error: never their average
    summary = _summary_of(report_html)
    oracles = [
        f"{name} {_cell(summary, 'alpha', f'oracle:{loss}', 'risk')} (3 of 3 replicates)"
        for loss, name in (
            ("l2", "least squares"),
            ("l1", "least absolute deviations"),
            ("huber", "Huber"),
        )
    ]
    assert "median risk ± its Monte Carlo error: " + "; ".join(oracles) + "." in alpha
    assert f"The oracles do not apply here: {ORACLE_REASON}." in beta
    # what an oracle is and is not
    assert "not a bound on what a model can reach" in alpha
    # a model's medians carry their Monte Carlo errors (results/summary.csv)
    medians = _medians(alpha)
    assert " ± " in medians["risk", "l2+l1"] and " ± " in medians["test_mse", "l2+l1"]
    # the last columns of the table of medians: the replicates where the oracle applies and
    # where not, its risk, test_mse, test_mae, n_nonzero (the true support); no F1, no λ
    least_squares = {
        label: cell for (label, pair), cell in medians.items() if pair == "oracle: least squares"
    }
    assert (least_squares["fits ok"], least_squares["fits not ok"]) == ("3", "0")
    for name in ("risk", "test_mse", "test_mae"):
        assert least_squares[name] == _cell(summary, "alpha", "oracle:l2", name)
    assert least_squares["n_nonzero"] == _cell(summary, "alpha", "oracle:l2", "n_support")
    assert least_squares["F1"] == least_squares["λ"] == "n/a"
    assert least_squares["risk"].startswith("0.05")
    assert medians["risk", "oracle: least absolute deviations"].startswith("0.1")
    huber = _medians(beta)
    assert [huber[label, "oracle: Huber"] for label in ("fits ok", "fits not ok", "risk")] == [
        "0",
        "3",
        "n/a",
    ]
    # the relative risk figure draws each loss's oracle
    assert "The other lines are the oracles&#x27; median relative risks." in alpha


def test_oracle_table_without_loss_is_least_squares(tmp_path):
    from normbench.report.context import read_oracle

    pd.DataFrame({"dataset": ["a"], "replicate": [1], "status": ["ok"], "risk": [0.5]}).to_csv(
        tmp_path / "o.csv", index=False
    )
    assert read_oracle(tmp_path / "o.csv")["loss"].tolist() == ["l2"]


def test_oracle_table_needs_its_columns(tmp_path):
    from normbench.report.context import read_oracle

    pd.DataFrame({"dataset": ["a"], "replicate": [1], "loss": ["l2"]}).to_csv(
        tmp_path / "o.csv", index=False
    )
    missing = r"o.csv: missing column\(s\) status, risk of the oracle table"
    with pytest.raises(ValueError, match=missing):
        read_oracle(tmp_path / "o.csv")


def test_read_benchmarks_reads_exactly_the_given_files(tmp_path):
    from normbench.report.context import read_benchmarks

    line = "s\th:m:s\tmax_rss\tmax_vms\n{}\t0:00:01\t{}\t1.0\n"
    for rule, seconds, rss in (("fit_models", 2.0, 100.0), ("stale_rule", 9.0, 900.0)):
        path = tmp_path / "bench" / rule / "d" / "rep1.tsv"
        path.parent.mkdir(parents=True)
        path.write_text(line.format(seconds, rss))
    outside = tmp_path / "aggregate_results.tsv"
    outside.write_text(line.format(1.0, 50.0))
    given = [tmp_path / "bench" / "fit_models" / "d" / "rep1.tsv", outside]
    jobs = read_benchmarks(tmp_path / "bench", given)
    assert jobs.to_dict("list") == {
        "rule": ["fit_models", "aggregate_results"],
        "s": [2.0, 1.0],
        "max_rss": [100.0, 50.0],
        "file": ["fit_models/d/rep1.tsv", str(outside)],
        "problem": ["", ""],
    }
    # without a list, every file under the directory
    assert sorted(read_benchmarks(tmp_path / "bench")["rule"]) == ["fit_models", "stale_rule"]
    with pytest.raises(ValueError, match="benchmark file"):
        read_benchmarks(tmp_path / "bench", [tmp_path / "missing.tsv"])


def test_interaction_plot_reference_lines():
    metrics, _ = _synthetic_tables()
    figure = interaction_plot(
        _estimates(metrics),
        ["alpha", "beta"],
        references={"alpha": 0.05},
        reference_label="oracle",
    )
    alpha, beta = (ax for ax in figure.axes if ax.get_visible())
    lines = [line for line in alpha.get_lines() if line.get_label() == "oracle"]
    assert len(lines) == 1 and list(lines[0].get_ydata()) == [0.05, 0.05]
    assert alpha.get_ylim()[0] < 0.05  # the line is inside the axis
    assert _labelled(beta) == list(LOSSES)
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend == [*LOSSES, "oracle"]


def test_large_studies_draw_a_readable_few_datasets_one_by_one():
    from normbench.report.sections.summary import _omitted_note
    from normbench.study.config import validate_config
    from normbench.study.explain import MAX_DETAIL_DATASETS, detail_datasets

    schema = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
    values = [0.1 * k for k in range(1, 16)]
    config = validate_config(
        {
            "datasets": {
                "plain": {"n_train": 20, "p": 30},
                "snr": {"n_train": 20, "p": 30, "sweep": {"param": "noise.snr", "values": values}},
                "other": {"n_train": 20, "p": 30},
            }
        },
        schema,
    )
    names = list(config["datasets"])
    assert len(names) == 17 > MAX_DETAIL_DATASETS
    middle = names[1 + len(values) // 2]
    assert detail_datasets(names, config) == ["plain", middle, "other"]
    note = _omitted_note(SimpleNamespace(all_datasets=names, datasets=["plain", middle, "other"]))
    assert "This study has 17 datasets" in note and "show 3 of them" in note
    # a small study is drawn in full, sweep members included
    assert detail_datasets(names[:5], config) == names[:5]
    assert _omitted_note(SimpleNamespace(all_datasets=names[:5], datasets=names[:5])) == ""


def test_report_residuals_of_the_losses(report_html):
    section = _section_text(report_html, "loss")
    assert '<h3 id="residuals">Residuals of the fits (penalty l1 held fixed)</h3>' in section
    rows = re.findall(r"<tr><td>(alpha|beta)</td><td>(l2|l1|huber)</td><td>(\d+)%</td>", section)
    assert {(dataset, loss) for dataset, loss, _ in rows} == {
        (d, loss) for d in DATASETS for loss in LOSSES
    }
    zeros = {(dataset, loss): int(share) for dataset, loss, share in rows}
    # absolute loss interpolates a subset of the training points; squared loss none of them
    for dataset in DATASETS:
        assert zeros[(dataset, "l1")] > 0 and zeros[(dataset, "l2")] == 0


def test_residual_distributions_panels_and_zero_shares():
    from normbench.report.figures import residual_distributions

    r = np.linspace(-1, 1, 50)
    figure = residual_distributions(
        {"a": {"l2": r, "l1": np.where(np.abs(r) < 0.5, 0.0, r)}, "b": {"l2": r, "huber": r}}
    )
    first, second = figure.axes
    labels = [text.get_text() for text in first.get_legend().get_texts()]
    assert labels == ["l2: 0% exactly 0", "l1: 48% exactly 0"]
    assert len(second.patches) == 2  # one step histogram per loss
    with pytest.raises(ValueError, match="no residuals"):
        residual_distributions({})


def test_write_figures_exports_every_embedded_figure(tmp_path, report_html):
    from normbench.report.build import write_figures

    directory = tmp_path / "figures"
    directory.mkdir()
    (directory / "99-stale.png").write_bytes(b"old")
    written = write_figures(report_html, directory)
    assert sorted(directory.glob("*.png")) == sorted(written)
    assert len(written) == report_html.count('<img src="data:image/png;base64,')
    # <section>.<scenario>.<NN>-<what>.png: the wildcards of Snakemake's report() patterns
    assert all(
        re.fullmatch(r"[a-z0-9-]+\.[A-Za-z0-9_-]+\.\d\d-[a-z0-9-]+\.png", p.name) for p in written
    )
    assert ".01-" in written[0].name
    assert all(path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for path in written)
    assert any(
        path.name.startswith("by-scenario.alpha.")
        and path.name.endswith("-heatmap-of-median-risk.png")
        for path in written
    )


def test_cli_validates_the_config_and_writes_report_and_figures(tmp_path, capsys):
    metrics, timings = _synthetic_tables()
    _study_folder(tmp_path, metrics, timings, CONFIG)
    schema = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
    common = ["--study", str(tmp_path), "--schema", str(schema)]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({**CONFIG, "replicate": 3}))
    assert main([*common, "--config", str(tmp_path / "bad.yaml"), "--output", "x.html"]) == 2
    assert "unknown key 'replicate'" in capsys.readouterr().err
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(CONFIG))
    output, figures = tmp_path / "out" / "report.html", tmp_path / "out" / "figures"
    arguments = ["--config", str(tmp_path / "good.yaml"), "--output", str(output)]
    assert main([*common, *arguments, "--figures-dir", str(figures)]) == 0
    assert len(list(figures.glob("*.png"))) == output.read_text().count("data:image/png;base64,")
    # the tables of the DAG are read, never recomputed: a missing one is named
    (tmp_path / "results" / "findings.csv").unlink()
    assert main([*common, *arguments]) == 1
    assert "findings.csv not found" in capsys.readouterr().err


def test_interaction_plot_one_oracle_per_loss():
    metrics, _ = _synthetic_tables()
    references = {"alpha": {"l2": 0.05, "l1": 0.1, "huber": math.nan}}
    figure = interaction_plot(
        _estimates(metrics), ["alpha"], references=references, reference_label="oracle"
    )
    assert _labelled(figure.axes[0]) == [*LOSSES, "oracle: l2", "oracle: l1"]


def _context(tmp_path, metrics):
    """The report's context of a constructed metrics table (no sidecars, explain or oracle)."""
    from normbench.report.context import build_context

    write_table(metrics, tmp_path / "metrics.csv")
    timings = metrics[["dataset", "replicate", "loss", "penalty"]].assign(fit_seconds=0.1)
    write_table(timings, tmp_path / "timings.csv")
    config = {"seed": 1, "datasets": {}, "cv": CONFIG["cv"]}
    tables = {
        "metrics": tmp_path / "metrics.csv",
        "timings": tmp_path / "timings.csv",
        **_analysis_files(tmp_path / "metrics.csv", tmp_path / "analysis", config),
    }
    return build_context(tables=tables, config=config)


def _ten_replicates(factor, *, seed=0):
    """Risk and model error of 10 replicates x 12 pairs on one dataset; l1+l1 scaled by
    ``factor``; the three unpenalised fits identical (the interpolant); every other pair off
    by a jitter of at most 1 %."""
    rng = np.random.default_rng(seed)
    jitter = np.random.default_rng(seed + 1)
    rows = []
    for replicate in range(1, 11):
        base = rng.uniform(1.0, 3.0)
        for loss in LOSSES:
            for penalty in PENALTIES:
                risk = base * (factor if (loss, penalty) == ("l1", "l1") else 1.0)
                if penalty != "none":
                    risk *= jitter.uniform(0.99, 1.01)
                row = dict.fromkeys(METRICS_COLUMNS, math.nan)
                row.update(
                    dataset="gauss",
                    replicate=replicate,
                    loss=loss,
                    penalty=penalty,
                    status="ok",
                    message="",
                    risk=risk,
                    model_error=0.9 * risk,
                    test_mse=risk + 1.0,
                    test_mae=1.0,
                    n_nonzero=5.0,
                    intercept=0.0,
                    f1=0.5,
                    lam=0.1,
                    lam_at_edge="low" if penalty == "l2" else "interior",
                )
                rows.append(row)
    return pd.DataFrame(rows, columns=list(METRICS_COLUMNS))


def test_answer_and_summary_follow_the_metrics(tmp_path):
    from normbench.report.sections import answer, summary
    from normbench.report.sections.by_scenario import findings_part

    same = _context(tmp_path / "same", _ten_replicates(1.0))
    assert same.headline == "model_error"
    text = summary.render(same)
    assert "l1+l1 is equivalent to l2+l1 (1×" in text
    assert "better than" not in text and "worse" not in text
    first = answer.render(same)
    assert "the loss makes no detectable difference to model_error in any scenario" in first
    assert first.count("<img ") == 1 and "Metric: the model error" in first

    better = _context(tmp_path / "better", _ten_replicates(0.5))
    text = summary.render(better)
    assert "l1+l1 is better than l2+l1 (0.5×" in text
    # the scenario's findings count the verdicts and list them
    assert re.search(r"\([1-9]\d* better, ", findings_part(better.findings, "gauss"))
    assert "<td>better</td>" in findings_part(better.findings, "gauss")


def test_a_dataset_not_drawn_one_by_one_keeps_its_findings_block(tmp_path):
    """A large study draws a few datasets; the others' blocks hold their findings only."""
    import dataclasses

    from normbench.report.sections import by_scenario

    ctx = _context(tmp_path, _ten_replicates(0.5))
    text = by_scenario.render(dataclasses.replace(ctx, datasets=[]))
    block = _scenario_block(text, "gauss")
    assert 'data-scenario="gauss"' in block and "Not drawn one by one" in block
    assert "<img " not in block and "<h4>Medians per pair</h4>" not in block
    assert '<h4 id="statistics-gauss">' in block and "<td>better</td>" in block


def test_none_is_one_interpolant_row(tmp_path):
    ctx = _context(tmp_path, _ten_replicates(1.0))
    assert ctx.interpolants == {"gauss"}
    none = ctx.display[ctx.display["penalty"] == "none"]
    assert set(none["loss"]) == {"any"} and len(none) == 10
    assert len(ctx.metrics[ctx.metrics["penalty"] == "none"]) == 30  # the failures count all
    from normbench.report.sections.by_scenario import medians_table

    table = medians_table(ctx, "gauss")
    assert table.count("interpolant (any loss)") == 1 and "l2+none" not in table


def test_tuning_counts_edges_and_warns(tmp_path):
    from normbench.report.sections import tuning

    ctx = _context(tmp_path, _ten_replicates(1.0))
    counts = tuning.edge_counts(ctx.mc_summary).set_index(["loss", "penalty"])
    assert counts.loc[("l2", "l2"), "lam_at_edge_low"] == 10
    assert counts.loc[("l2", "l1"), "lam_at_edge_low"] == 0
    text = tuning.render(ctx)
    assert "gauss, l2+l2: λ at the low edge of its grid in 10 of 10 fits" in text
    # per pair, the edge hits are rows of the scenario's table of medians
    from normbench.report.sections.by_scenario import medians_table

    medians = _medians(medians_table(ctx, "gauss"))
    assert medians["λ at low / high edge", "l2+l2"] == "10 / 0"
    assert medians["λ at low / high edge", "l2+l1"] == "0 / 0"
    # a value no fit records an edge for has no row
    assert not any(label.startswith("δ at") for label, _ in medians)
    assert "the interpolant wins" in text
    assert "No fits store was given" in text


@pytest.mark.parametrize(
    ("column", "edge", "penalty", "limit"),
    [
        ("lam_at_edge", "high", "l1", "null model"),
        ("lam_at_edge", "high", "l2", "null model"),
        ("lam_at_edge", "low", "l2", "interpolant"),
        ("l1_ratio_at_edge", "high", "elasticnet", "lasso"),
        ("l1_ratio_at_edge", "low", "elasticnet", "ridge"),
        ("delta_at_edge", "low", "l1", "l1 loss"),
        ("delta_at_edge", "high", "elasticnet", "l2 loss"),
    ],
)
def test_a_grid_edge_that_is_a_limit_the_study_covers_names_that_limit(
    column, edge, penalty, limit
):
    from normbench.report.sections.tuning import edge_meaning

    assert limit in edge_meaning(column, edge, penalty)


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_a_sparse_penalty_at_its_smallest_lam_has_no_meaning_the_grid_may_be_short(penalty):
    from normbench.report.sections.tuning import edge_meaning

    assert edge_meaning("lam_at_edge", "low", penalty) is None


def test_scenario_descriptions_show_only_what_applies():
    from normbench.report.prose import describe_design, describe_noise

    noise = {"family": "gaussian", "df": 2.0, "skew": 1.0, "contamination": 0.1, "snr": 3.0}
    assert describe_noise(noise) == "family=gaussian, snr=3.0"
    noise.update(family="contaminated", outlier_scale=10.0)
    assert (
        describe_noise(noise)
        == "family=contaminated, contamination=0.1, outlier_scale=10.0, snr=3.0"
    )
    design = {"kind": "block", "rho": 0.5, "group_size": 5, "n_groups": 3}
    assert describe_design(design) == "kind=block, rho=0.5, group_size=5"
    assert describe_design({**design, "kind": "independent"}) == "kind=independent"


def test_forest_plot_rows_and_verdict_colours():
    from matplotlib.colors import to_hex

    from normbench.report.figures.forest import VERDICT_COLOURS, forest_plot

    findings = pd.DataFrame(
        {
            "dataset": ["a", "a", "b"],
            "metric": "risk",
            "pair": ["l1+l1", "huber+l1", "l1+l1"],
            "reference": "l2+l1",
            "effect": [0.5, 1.0, 2.0],
            "ci_low": [0.4, 0.8, 1.5],
            "ci_high": [0.6, math.inf, 2.5],
            "verdict": ["better", "inconclusive", "worse"],
        }
    )
    rows = [("l1+l1", "l2+l1"), ("huber+l1", "l2+l1")]
    figure = forest_plot(findings, rows, ["a", "b"], metric_name="risk")
    first, second = figure.axes[:2]
    assert [t.get_text() for t in first.get_yticklabels()] == ["l1+l1 / l2+l1", "huber+l1 / l2+l1"]
    markers = [line for line in first.get_lines() if line.get_marker() == "o"]
    assert to_hex(markers[0].get_color()) == VERDICT_COLOURS["better"]
    assert any(line.get_xdata()[0] == 1.0 for line in first.get_lines())  # the line at 1
    assert figure.get_size_inches()[0] * 100 == 1080  # drawn at the page's content width


UNDECIDED = "inconclusive"


def test_slope_sentence_compares_losses_by_model_error_from_the_findings():
    from normbench.report.prose import slope_sentence

    findings = pd.DataFrame(
        [
            ("skew", "model_error", "l1+l1", "l2+l1", 0.5, 0.3, 0.8, 0.001, 0.01, 10, "better"),
            ("skew", "model_error", "huber+l1", "l2+l1", 1.0, 0.8, 1.3, 0.9, 1.0, 10, UNDECIDED),
            # another metric, another dataset and a penalty comparison are not about the loss
            ("skew", "risk", "l1+l1", "l2+l1", 0.4, 0.2, 0.7, 0.001, 0.01, 10, "better"),
            ("other", "model_error", "l1+l1", "l2+l1", 2.0, 1.5, 3.0, 0.001, 0.01, 10, "worse"),
            ("skew", "model_error", "l1+l2", "l1+l1", 2.0, 1.5, 3.0, 0.001, 0.01, 10, "worse"),
        ],
        columns=[
            "dataset", "metric", "pair", "reference", "effect", "ci_low", "ci_high",
            "p_value", "p_equivalence", "n_replicates", "verdict",
        ],
    )  # fmt: skip
    sentence = slope_sentence(findings, "skew")
    assert "l1+l1 better than l2+l1 (effect 0.5" in sentence
    assert "huber+l1 not decided against l2+l1" in sentence
    assert "l1+l2" not in sentence and "worse" not in sentence
    assert slope_sentence(findings, "absent") is None


def test_provenance_comes_from_the_study_record_not_from_git_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a folder of no repository: the report must not ask git here
    metrics, timings = _synthetic_tables()
    record = {
        "version": "9.9.9",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "uncommitted_changes": True,
        "imported_from": "/somewhere/src/normbench",
    }
    beta = metrics[metrics.dataset == "beta"]
    _study_folder(tmp_path, beta, timings, CONFIG, provenance=record)
    assert main(["--config", "config.yaml", "--output", "r.html", "--schema", str(SCHEMA)]) == 0
    provenance = _section_text((tmp_path / "r.html").read_text(encoding="utf-8"), "provenance")
    assert "0123456789abcdef0123456789abcdef01234567 (with uncommitted changes)" in provenance
    assert "9.9.9" in provenance and "/somewhere/src/normbench" in provenance


def test_report_cost_and_grid_numbers_come_from_the_analysis_tables(report_html):
    from normbench.report.tables import with_error

    cost = read_analysis("cost", report_html.tables["cost"]).set_index(["what", "pair"])
    cells = _row_cells(_section_text(report_html, "cost"), "l2+l1")
    assert cells == [
        str(cost.loc[("total", "l2+l1"), "n_replicates"]),
        *(
            with_error(cost.loc[(what, "l2+l1"), "estimate"], cost.loc[(what, "l2+l1"), "mcse"])
            for what in ("median", "mean", "max", "total")
        ),
    ]
    # a scenario's table of medians: each cell the summary's median ± its Monte Carlo error
    summary = _summary_of(report_html)
    alpha = _medians(_scenario_block(report_html, "alpha"))
    rows = {"risk": "risk", "test_mse": "test_mse", "test_mae": "test_mae", "F1": "f1"}
    rows |= {"n_nonzero": "n_nonzero", "λ": "lam"}
    for label, name in rows.items():
        assert alpha[(label, "l1+l2")] == _cell(summary, "alpha", "l1+l2", name), label
    assert all(" ± " in alpha[(label, "l1+l2")] for label in ("risk", "test_mse", "test_mae"))


def test_read_benchmarks_keeps_a_row_naming_each_file_it_cannot_use(tmp_path):
    from normbench.report.context import read_benchmarks

    for name, text in DAMAGED_BENCHMARKS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text)
    # Snakemake writes NA where a job was too short to measure: a value missing, not a problem
    (tmp_path / "plan.tsv").write_text("s\th:m:s\tmax_rss\n0.2\t0:00:00\tNA\n")
    jobs = read_benchmarks(tmp_path).set_index("file")
    assert jobs.loc["plan.tsv", "problem"] == "" and math.isnan(jobs.loc["plan.tsv", "max_rss"])
    for name, problem in DAMAGED_PROBLEMS.items():
        assert problem.replace("&#x27;", "'") in jobs.loc[name, "problem"], name
        assert math.isnan(jobs.loc[name, "s"])
