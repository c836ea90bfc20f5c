"""Every reader checks what it reads (issue 21): each damage refused in one line naming the file.

Each test builds a small results folder, damages one file the way the hostile pass did, and
checks the refusal: one line, naming the file (and the line or key), exit status 2 for the
command-line tools, and nothing written.
"""

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.analysis.run import analyse
from normbench.cli import main as cli_main
from normbench.report.build import build_report
from normbench.report.build import main as report_main
from normbench.study.config import ConfigError, validate_config
from normbench.study.explain_files import read_explain
from normbench.study.provenance import read_provenance
from normbench.study.published_check import CHECK_COLUMNS, read_published_check
from normbench.study.store import (
    METRICS_COLUMNS,
    read_metrics,
    read_oracle,
    read_timings,
    write_table,
)
from normbench.study.store_fits import read_fits, write_npz
from normbench.study.tables import ResultsError, TableContract, read_checked

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
PAIRS = (("l2", "none"), ("l2", "l1"), ("huber", "l1"))


# ----------------------------------------------------------------------------- builders


def _metrics(datasets=("a", "b"), replicates=(1, 2)):
    """A metrics table as the aggregation writes it: every column, values in range."""

    def values(dataset, replicate, loss, penalty):
        risk = 1.0 + replicate + 0.5 * PAIRS.index((loss, penalty))
        return {
            "lam": 0.1,
            "n_train": 20,
            "p": 30,
            "test_mse": risk + 1.0,
            "test_mae": 1.0,
            "risk": risk,
            "estimation_error": 0.5,
            "n_nonzero": 4,
            "tpr": 0.5,
            "fpr": 0.1,
            "precision": 0.5,
            "f1": 0.5,
            "cv_score": 1.0,
            "intercept": 0.0,
            "model_error": risk,
        }

    return results_table(
        values, datasets=datasets, replicates=replicates, pairs=PAIRS, columns=METRICS_COLUMNS
    )


def _study(folder, metrics=None):
    """``folder/results/{metrics,timings}.csv`` written as the workflow writes them."""
    metrics = _metrics() if metrics is None else metrics
    write_table(metrics, folder / "results" / "metrics.csv")
    timings = metrics[["dataset", "replicate", "loss", "penalty"]].assign(fit_seconds=0.5)
    write_table(timings, folder / "results" / "timings.csv")
    return folder


def _one_line(message, path):
    assert "\n" not in message.strip(), message
    assert str(path) in message, message
    return message


def _refused(call, path):
    with pytest.raises(ResultsError) as info:
        call(path)
    return _one_line(str(info.value), path)


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


# ------------------------------------------------------------- damages of metrics.csv

DAMAGES = {
    # name: (how to damage the text, words of the refusal)
    "cut mid-line": (lambda text: text[: len(text) - 7], "ends inside a line"),
    "duplicated row": (lambda text: text + text.splitlines(keepends=True)[3], "repeat one row"),
    "header only": (lambda text: text.splitlines(keepends=True)[0], "no rows"),
    "empty": (lambda text: "", "empty CSV file"),
    "no loss column": (
        lambda text: "".join(
            ",".join(field for k, field in enumerate(line.rstrip("\n").split(",")) if k != 2) + "\n"
            for line in text.splitlines(keepends=True)
        ),
        "missing column(s) loss",
    ),
    "replicate abc": (lambda text: text.replace("\na,1,", "\na,abc,", 1), "'abc' on line 2"),
    "cut at a line end": (lambda text: "".join(text.splitlines(keepends=True)[:-1]), "cut short"),
    "text in a number": (lambda text: text.replace(",0.5,", ",lots,", 1), "not a number"),
}


def _damage(path, how):
    path.write_text(DAMAGES[how][0](path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize("how", list(DAMAGES))
def test_compare_refuses_a_damaged_metrics_table_in_one_line(tmp_path, capsys, how):
    run_a, run_b = _study(tmp_path / "A"), _study(tmp_path / "B")
    _damage(run_b / "results" / "metrics.csv", how)
    out = tmp_path / "out" / "compare.html"
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no headline: "13 cells changed" on a cut table was the bug
    message = _one_line(captured.err, run_b / "results" / "metrics.csv")
    assert DAMAGES[how][1] in message
    assert not out.exists()


@pytest.mark.parametrize("how", list(DAMAGES))
def test_the_report_refuses_a_damaged_metrics_table_and_writes_nothing(tmp_path, capsys, how):
    study = _study(tmp_path)
    metrics = study / "results" / "metrics.csv"
    analyse(metrics, study / "results")  # the conclusions of the intact table
    _damage(metrics, how)
    config = "seed: 1\ndatasets: {a: {n_train: 20, n_test: 20, p: 10}}\n"
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    out = tmp_path / "reports" / "report.html"
    arguments = ["--study", str(study), "--config", str(tmp_path / "config.yaml")]
    arguments += ["--output", str(out), "--schema", str(SCHEMA)]
    assert report_main(arguments) == 2
    assert DAMAGES[how][1] in _one_line(capsys.readouterr().err, metrics)
    assert not out.exists() and not out.parent.exists()


def test_a_duplicated_row_is_never_an_extra_replicate(tmp_path):
    path = tmp_path / "metrics.csv"
    metrics = _metrics()
    write_table(pd.concat([metrics, metrics.iloc[[4]]]), path)
    message = _refused(read_metrics, path)
    assert "dataset=a, replicate=2, loss=l2, penalty=l1" in message


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("risk", 0.0, "column risk is 0, but must be above 0 on line 3 (status ok)"),
        ("model_error", -1.0, "column model_error is -1, but must be above 0 on line 3"),
        ("f1", 1.5, "column f1 is 1.5, above its greatest value 1.0 on line 3"),
        ("test_mse", math.inf, "column test_mse is not finite on line 3"),
    ],
)
def test_impossible_values_of_an_ok_fit_are_refused_naming_the_row(tmp_path, column, value, words):
    metrics = _metrics()
    metrics.loc[1, column] = value
    write_table(metrics, tmp_path / "metrics.csv")
    assert words in _refused(read_metrics, tmp_path / "metrics.csv")


def test_a_failed_fit_may_have_no_risk(tmp_path):
    metrics = _metrics()
    metrics.loc[1, ["status", "risk", "model_error"]] = ["failed", 0.0, math.nan]
    write_table(metrics, tmp_path / "metrics.csv")
    assert read_metrics(tmp_path / "metrics.csv")["status"].tolist().count("failed") == 1


def test_an_unknown_status_loss_or_edge_is_refused(tmp_path):
    for column, value in (("status", "great"), ("loss", "l3"), ("lam_at_edge", "middle")):
        metrics = _metrics()
        metrics[column] = metrics[column].astype(object)
        metrics.loc[2, column] = value
        write_table(metrics, tmp_path / "metrics.csv")
        assert f"{column} '{value}' on line 4 is not allowed" in _refused(
            read_metrics, tmp_path / "metrics.csv"
        )


def test_timings_and_oracle_have_checked_readers(tmp_path):
    study = _study(tmp_path)
    timings = study / "results" / "timings.csv"
    assert len(read_timings(timings)) == 12
    timings.write_text(timings.read_text().replace(",0.5\n", ",-0.5\n", 1))
    assert "fit_seconds is -0.5, below its least value 0.0 on line 2" in _refused(
        read_timings, timings
    )
    oracle = tmp_path / "oracle.csv"
    oracle.write_text(
        "dataset,replicate,loss,status,message,risk\na,1,l2,ok,,0.5\na,1,l2,ok,,0.5\n"
    )
    assert "lines 2 and 3 repeat one row" in _refused(read_oracle, oracle)


# -------------------------------------------------------------------- compare -o


def test_compare_never_writes_into_a_results_folder(tmp_path, capsys):
    run_a, run_b = _study(tmp_path / "A"), _study(tmp_path / "B")
    target = run_b / "results" / "metrics.csv"
    before = target.read_bytes()
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(target)]) == 2
    assert "results folder" in _one_line(capsys.readouterr().err, target)
    assert target.read_bytes() == before
    inside = run_b / "results" / "compare.html"
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(inside)]) == 2
    assert not inside.exists()
    other = _study(tmp_path / "C") / "results" / "sub" / "compare.html"  # another study's
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(other)]) == 2
    assert not other.parent.exists()
    capsys.readouterr()
    # a folder that merely is called results, holding no study, is a place like any other
    elsewhere = tmp_path / "results" / "compare.html"
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(elsewhere)]) == 0
    assert elsewhere.is_file()


def test_compare_output_is_an_html_page_in_a_folder_made_for_it(tmp_path, capsys):
    run_a, run_b = _study(tmp_path / "A"), _study(tmp_path / "B")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    page = tmp_path / "old.html"
    page.write_text("not a page")
    for target, words in (
        (tmp_path, "is a folder"),
        (notes, "ending in .html"),
        (page, "exists and is not an HTML page"),
    ):
        assert cli_main(["compare", str(run_a), str(run_b), "-o", str(target)]) == 2
        assert words in _one_line(capsys.readouterr().err, target)
    assert notes.read_text() == "mine" and page.read_text() == "not a page"
    fresh = tmp_path / "new" / "deeper" / "compare.html"
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(fresh)]) == 0
    assert capsys.readouterr().out.startswith("identical")
    # a page it wrote may be written again
    assert cli_main(["compare", str(run_a), str(run_b), "-o", str(fresh)]) == 0
    assert fresh.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_compare_refuses_a_read_only_folder_before_its_headline(tmp_path, capsys, monkeypatch):
    run_a, run_b = _study(tmp_path / "A"), _study(tmp_path / "B")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.access(locked, os.W_OK):  # root writes anywhere: let the folder say it is read-only
        monkeypatch.setattr("normbench.report.compare.os.access", lambda *_: False)
    try:
        target = locked / "compare.html"
        assert cli_main(["compare", str(run_a), str(run_b), "-o", str(target)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "not writable" in _one_line(captured.err, target)
        assert not target.exists()
        # a folder that cannot be made: its parent is a file
        blocked = tmp_path / "A" / "file.txt"
        blocked.write_text("x")
        target = blocked / "sub" / "compare.html"
        assert cli_main(["compare", str(run_a), str(run_b), "-o", str(target)]) == 2
        assert "cannot create its folder" in _one_line(capsys.readouterr().err, target)
    finally:
        locked.chmod(0o755)


# ---------------------------------------------------------------- published_check.csv


def _check_file(path, **changes):
    row = dict.fromkeys(CHECK_COLUMNS, "")
    row.update(source="Paper, Table 1", kind="value", dataset="a", pairs="l2+l1")
    row.update(published="1.0", ours="1.1", se="0.05", low="0.5", high="2.0", **{"pass": "true"})
    row.update(changes)
    path.write_text(
        ",".join(CHECK_COLUMNS) + "\n" + ",".join(f'"{row[c]}"' for c in CHECK_COLUMNS) + "\n"
    )
    return path


def test_published_check_reads_nan_as_missing(tmp_path):
    table = read_published_check(_check_file(tmp_path / "check.csv", se="NaN"))
    assert math.isnan(table["se"][0]) and table["pass"][0] == "true"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"ours": "abc"}, "column ours holds 'abc' on line 2, which is not a number"),
        ({"pass": "yes"}, "pass 'yes' on line 2 is not allowed; allowed: true, false or empty"),
        ({"kind": "number"}, "kind 'number' on line 2 is not allowed"),
    ],
)
def test_published_check_refuses_what_it_cannot_show(tmp_path, changes, words):
    path = _check_file(tmp_path / "check.csv", **changes)
    assert words in _refused(read_published_check, path)


# ------------------------------------------------------- explain, provenance, fits store


def test_a_cut_explain_file_is_one_line(tmp_path):
    path = tmp_path / "gauss.npz"
    write_npz({"residuals/l2+l1": np.arange(40.0), "noise_median": np.array(0.0)}, path)
    assert read_explain(path).residuals["l2+l1"].shape == (40,)
    path.write_bytes(path.read_bytes()[:200])
    assert "not a readable explain file" in _refused(read_explain, path)
    roc = {"roc/l1/fpr": np.ones(2), "roc/l1/tpr": np.ones(2), "roc/l1/auc": np.array(0.5)}
    write_npz({"path/l1/lams": np.ones(3), "path/l1/coefs": np.ones((4, 2)), **roc}, path)
    assert "path/l1: lams of shape (3,) and coefs of shape (4, 2) do not match" in _refused(
        read_explain, path
    )
    write_npz({"path/l1/lams": np.ones(3), "path/l1/coefs": np.ones((3, 2))}, path)
    assert "the l1 path lacks roc/l1/fpr" in _refused(read_explain, path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{\n", "not valid JSON (Expecting property name"),
        ("[1, 2]\n", "holds a JSON list, not an object"),
        ('{"commit": 12}\n', "field commit is 12, which is not str or null"),
        ('{"commit": "main"}\n', "not a commit id"),
    ],
)
def test_a_bad_provenance_record_is_one_line(tmp_path, text, words):
    path = tmp_path / "provenance.json"
    path.write_text(text)
    assert words in _refused(read_provenance, path)


def test_a_good_provenance_record_reads(tmp_path):
    record = {"version": "1.0", "commit": "a" * 40, "uncommitted_changes": False}
    (tmp_path / "p.json").write_text(json.dumps(record))
    assert read_provenance(tmp_path / "p.json") == record


def test_a_cut_fits_store_is_one_line(tmp_path):
    path = tmp_path / "batch1.npz"
    write_npz({"replicates": np.array([1]), "rep1/pairs": np.array(["l2+l1"])}, path)
    assert "lacks" in _refused(lambda p: read_fits(p, 1), path)
    path.write_bytes(path.read_bytes()[:100])
    assert "not a readable fits store" in _refused(lambda p: read_fits(p, 1), path)


def test_the_report_refuses_a_damaged_side_file_before_writing(tmp_path):
    study = _study(tmp_path)
    tables = {
        "metrics": study / "results" / "metrics.csv",
        "timings": study / "results" / "timings.csv",
        **analyse(study / "results" / "metrics.csv", study / "results"),
    }
    bad = tmp_path / "provenance.json"
    bad.write_text("{\n")
    out = tmp_path / "reports" / "report.html"
    config = {"seed": 1, "datasets": {}}
    with pytest.raises(ResultsError, match="provenance.json: not valid JSON"):
        build_report(tables={**tables, "provenance": bad}, config=config, output_html=out)
    assert not out.exists()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda text: text.replace(",better\n", ",splendid\n", 1), "'splendid' on line"),
        (lambda text: text.replace(",better\n", ",WORSE\n", 1), "'WORSE' on line"),
        (lambda text: text[:-7], "cut short"),
        (lambda text: text + text.splitlines(keepends=True)[1], "repeat one row"),
    ],
    ids=["unknown verdict", "verdict in capitals", "cut", "duplicated row"],
)
def test_the_report_refuses_damaged_findings(tmp_path, damage, words):
    metrics = _metrics()
    study = _study(tmp_path, metrics)
    tables = {
        "metrics": study / "results" / "metrics.csv",
        "timings": study / "results" / "timings.csv",
        **analyse(study / "results" / "metrics.csv", study / "results"),
    }
    findings = tables["findings"]
    text = findings.read_text(encoding="utf-8")
    if ",better\n" not in text:  # make sure the verdict damages have a row to hit
        text = text.replace(text.splitlines()[1].rsplit(",", 1)[1] + "\n", "better\n", 1)
    findings.write_text(damage(text), encoding="utf-8")
    out = tmp_path / "reports" / "report.html"
    with pytest.raises(ResultsError) as info:
        build_report(tables=tables, config={"seed": 1, "datasets": {}}, output_html=out)
    message = str(info.value)
    assert str(findings) in message and words in message and "\n" not in message
    assert not out.exists()


def test_the_report_refuses_a_derived_table_of_another_run(tmp_path):
    study = _study(tmp_path)
    tables = {
        "metrics": study / "results" / "metrics.csv",
        "timings": study / "results" / "timings.csv",
        **analyse(study / "results" / "metrics.csv", study / "results"),
    }
    derived = tables["derived"]
    lines = derived.read_text(encoding="utf-8").splitlines(keepends=True)
    derived.write_text("".join(lines[:-1]), encoding="utf-8")  # a whole fit missing
    out = tmp_path / "reports" / "report.html"
    with pytest.raises(ResultsError) as info:
        build_report(tables=tables, config={"seed": 1, "datasets": {}}, output_html=out)
    message = str(info.value)
    assert str(derived) in message and "rerun rule analyse" in message and "\n" not in message
    assert not out.exists()


# -------------------------------------------------------------- the machinery itself


def test_a_contract_declared_elsewhere_reads_through_the_same_machinery(tmp_path):
    contract = TableContract(
        name="findings",
        columns=("dataset", "pair", "effect", "verdict"),
        text_columns=("dataset", "pair", "verdict"),
        vocabulary={"verdict": ("better", "worse", "equivalent", "inconclusive")},
        key=("dataset", "pair"),
        positive=("effect",),
    )
    path = tmp_path / "findings.csv"
    path.write_text("dataset,pair,effect,verdict\na,l2+l1,1.2,better\na,l1+l1,0.8,worse\n")
    assert read_checked(path, contract)["effect"].tolist() == [1.2, 0.8]
    path.write_text("dataset,pair,effect,verdict\na,l2+l1,1.2,tied\n")
    assert "verdict 'tied' on line 2 is not allowed" in _refused(
        lambda p: read_checked(p, contract), path
    )


def test_consumers_read_through_the_checked_readers():
    """No consumer of the results tables reads them with a raw CSV, JSON or npz call."""
    consumers = [
        REPO / "src" / "normbench" / "report" / "compare.py",
        REPO / "src" / "normbench" / "cli.py",
        REPO / "workflow" / "scripts" / "analyse.py",
        REPO / "src" / "normbench" / "analysis" / "run.py",
        REPO / "workflow" / "scripts" / "published_check.py",
    ]
    for path in consumers:
        text = path.read_text(encoding="utf-8")
        for raw in ("read_table(", "pd.read_csv(", "json.loads(", "np.load("):
            assert raw not in text, f"{path.name} reads with {raw}"
    context = (REPO / "src" / "normbench" / "report" / "context.py").read_text(encoding="utf-8")
    for reader in ("read_metrics(", "read_timings(", "read_published_check(", "read_provenance("):
        assert reader in context
    # the conclusion tables too: every one through its contract
    assert "read_method(" in context
    for role in ("findings", "answer", "precision", "best_set", "summary", "pooled"):
        assert f'read_analysis("{role}"' in context


# ------------------------------------------------------------------------- the config


def _config(**cv):
    return {"cv": cv, "datasets": {"gauss": {"n_train": 20, "n_test": 100, "p": 60}}}


def test_the_validation_set_counts_in_the_dataset_memory():
    with pytest.raises(ConfigError) as info:
        validate_config(_config(method="validation", n_validation=100_000_000), SCHEMA)
    message = str(info.value)
    assert "(n_train + n_validation + n_test) x p = (20 + 100000000 + 100) x 60" in message
    assert "44.7 GiB" in message and "\n" not in message


def test_a_validation_set_too_small_for_the_scale_estimate_is_refused():
    with pytest.raises(ConfigError, match=r"'cv.n_validation': a validation set of 1 .*>= 3"):
        validate_config(_config(method="validation", n_validation=1), SCHEMA)
    validate_config(_config(method="validation", n_validation=3), SCHEMA)


def test_no_limit_raises_the_machines_ceiling(monkeypatch):
    monkeypatch.setenv("NORMBENCH_MEMORY_GIB", "4")
    config = {
        "datasets": {"wide": {"n_train": 1000, "n_test": 1000, "p": 400_000}},
        "limits": {"p": 10**12, "dataset_gib": 1e9, "jobs": 10**12},
    }
    with pytest.raises(ConfigError) as info:
        validate_config(config, SCHEMA)
    message = str(info.value)
    assert "'datasets.wide.p': one replicate's data need about 6.0 GiB, 2.0 GiB more" in message
    assert "no limit can raise this ceiling" in message and "NORMBENCH_MEMORY_GIB" in message
    # a fit job holds more than its data: copies of the rows it fits on and the paths
    config["datasets"]["wide"]["p"] = 250_000
    with pytest.raises(ConfigError, match="one fit job's data, copies and paths need about"):
        validate_config(config, SCHEMA)
    # the DAG of very many jobs
    monkeypatch.setenv("NORMBENCH_MEMORY_GIB", "0.5")
    many = {
        "replicates": 10_000,
        "replicates_per_job": 1,  # one fit job per replicate
        "datasets": {"small": {"n_train": 20, "p": 30}},
        "limits": {"replicates": 10**9, "jobs": 10**12},
    }
    with pytest.raises(ConfigError, match=r"'replicates': 10000 fit jobs .* in Snakemake's DAG"):
        validate_config(many, SCHEMA)


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (("gauss\n",), r"'datasets.gauss\\n': the dataset name 'gauss\\n' is not allowed"),
        (("Gauss", "gauss"), "'Gauss' and 'gauss' differ only in case"),
    ],
)
def test_dataset_names_are_whole_and_distinct_without_case(names, words):
    config = {"datasets": {name: {"n_train": 20, "p": 30} for name in names}}
    with pytest.raises(ConfigError) as info:
        validate_config(config, SCHEMA)
    assert words.replace("\\\\", "\\") in str(info.value) and "\n" not in str(info.value)


def test_make_run_reruns_incomplete_jobs():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    run = makefile[makefile.index("\nrun:") + 1 :].splitlines()[1]
    assert "--rerun-incomplete" in run
    assert "--rerun-incomplete" in (REPO / "README.md").read_text(encoding="utf-8")


def test_an_oracle_that_did_not_converge_is_aggregated(tmp_path):
    """oracle_row writes not_converged (metrics kept); the per-job contract used to refuse it."""
    from normbench.study.job_tables import ORACLE, JobIdentity
    from normbench.study.job_tables import read_checked as read_job_table
    from normbench.study.store import ORACLE_COLUMNS, ORACLE_LOSSES

    rows = []
    for loss in ORACLE_LOSSES:
        row = dict.fromkeys(ORACLE_COLUMNS, 1.0)
        row.update(dataset="a", replicate=1, loss=loss, status="ok", message="")
        rows.append(row)
    rows[2].update(status="not_converged", message="max_iter reached")
    write_table(pd.DataFrame(rows), tmp_path / "oracle.csv")
    job = JobIdentity("a", (1,), (("l2", "l1"),))
    table = read_job_table(tmp_path / "oracle.csv", ORACLE, job)
    assert table["status"].tolist() == ["ok", "ok", "not_converged"]


def test_a_sidecar_is_read_where_the_layout_puts_it_and_a_bad_one_is_none(tmp_path):
    import json

    from normbench.study.layout import DATASET_JSON, DATASETS_DIR, dataset_sidecar
    from normbench.study.tables import read_sidecar

    datasets_dir = tmp_path / DATASETS_DIR
    path = dataset_sidecar(datasets_dir, "gauss", 3)
    assert path == tmp_path / DATASET_JSON.format(dataset="gauss", replicate=3)
    assert read_sidecar(datasets_dir, "gauss", 3) is None  # absent
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"signal_variance": 2.0}), encoding="utf-8")
    assert read_sidecar(datasets_dir, "gauss", 3) == {"signal_variance": 2.0}
    for damaged in ('{"signal_variance": 2.', "[1, 2]"):  # cut, or not an object
        path.write_text(damaged, encoding="utf-8")
        assert read_sidecar(datasets_dir, "gauss", 3) is None
