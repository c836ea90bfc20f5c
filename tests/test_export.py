"""`normbench export`: a study's conclusions as LaTeX and Markdown tables, PDF and SVG figures.

One constructed study (metrics built here, conclusions by the real analysis, no workflow run) is
exported once per module; the tests read what was written.
"""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from metrics_tables import fit_row, results_table

from normbench.analysis.run import analyse
from normbench.cli import main
from normbench.report.export import MANIFEST, latex_escape
from normbench.study.store import METRICS_COLUMNS, write_table

COMMIT = "0123456789abcdef" * 2 + "01234567"
DATASETS = ("heavy_tails", "gaussian")
REPLICATES = range(1, 7)
TABLES = ("findings", "best_sets", "medians")


def _study(folder, *, provenance=True):
    """A study folder: metrics, timings and the analysis tables, and (optionally) provenance."""
    rng = np.random.default_rng(5)
    penalty_scale = {"none": 4.0, "l1": 1.0, "l2": 2.0, "elasticnet": 1.2}
    loss_scale = {"l2": 1.0, "l1": 1.5, "huber": 0.7}

    def values(dataset, replicate, loss, penalty):
        # a replicate effect all pairs share, and a little noise of their own
        noise = 0.3 * np.sin(1.7 * replicate) + 0.05 * rng.normal()
        risk = penalty_scale[penalty] * loss_scale[loss] * float(np.exp(noise))
        return fit_row(risk)

    metrics = results_table(
        values, datasets=DATASETS, replicates=REPLICATES, columns=METRICS_COLUMNS
    )
    results = folder / "results"
    write_table(metrics, results / "metrics.csv")
    timings = metrics[["dataset", "replicate", "loss", "penalty"]].assign(fit_seconds=0.5)
    write_table(timings, results / "timings.csv")
    analyse(results / "metrics.csv", results)
    if provenance:
        record = {"version": "0.1", "commit": COMMIT, "uncommitted_changes": False}
        (results / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return _study(tmp_path_factory.mktemp("export") / "study")


@pytest.fixture(scope="module")
def exported(study, tmp_path_factory):
    out = tmp_path_factory.mktemp("exported") / "paper"
    assert main(["export", str(study), "-o", str(out)]) == 0
    return out


def _figures():
    return ["forest", *(f"distribution_{dataset}" for dataset in DATASETS)]


def test_every_file_is_written(exported):
    names = {path.name for path in exported.iterdir()}
    expected = {f"{table}.{kind}" for table in TABLES for kind in ("tex", "md")}
    for figure in _figures():
        expected |= {f"{figure}.pdf", f"{figure}.svg", f"{figure}.caption.txt"}
    assert names == expected | {MANIFEST}
    # the manifest lists each file with its sha256
    listed = (exported / MANIFEST).read_text(encoding="utf-8")
    assert all(f"  {name}\n" in listed for name in expected)


def _tabular(text):
    """The column spec and the rows (cells per row) of the one tabular in ``text``."""
    body = [line for line in text.splitlines() if not line.startswith("%")]
    spec = re.fullmatch(r"\\begin\{tabular\}\{([lrc]+)\}", body[0]).group(1)
    rows = [line[: -len(r" \\")] for line in body if line.endswith(r" \\")]
    return spec, [re.split(r"(?<!\\)&", row) for row in rows]


@pytest.mark.parametrize("table", TABLES)
def test_latex_tables_are_booktabs_with_balanced_braces_and_whole_rows(exported, table):
    text = (exported / f"{table}.tex").read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if line and not line.startswith("%")]
    assert body[0].startswith(r"\begin{tabular}") and body[-1] == r"\end{tabular}"
    assert body[1] == r"\toprule" and body[3] == r"\midrule" and body[-2] == r"\bottomrule"
    assert text.count(r"\toprule") == 1 and text.count(r"\bottomrule") == 1
    unescaped = re.sub(r"\\[{}]", "", text)
    depth = 0
    for char in unescaped:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    spec, rows = _tabular(text)
    assert len(rows) > 1 and all(len(cells) == len(spec) for cells in rows)
    # no bare special character: every _ & % is escaped
    cells = "".join("".join(row) for row in rows)
    assert not re.search(r"(?<!\\)[_%]", cells)
    assert "heavy\\_tails" in text


@pytest.mark.parametrize("table", TABLES)
def test_markdown_tables_have_a_rule_and_whole_rows(exported, table):
    lines = (exported / f"{table}.md").read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("| ")]
    widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
    assert len(rows) > 2 and len(widths) == 1
    assert set(rows[1].replace("|", "").split()) <= {":---", "---:", ":---:"}


def test_the_tables_carry_what_the_analysis_concluded(study, exported):
    findings = (exported / "findings.md").read_text(encoding="utf-8")
    # huber is 0.7x the squared loss in every scenario: a decided verdict on the headline metric
    row = next(line for line in findings.splitlines() if "| huber+l1 | l2+l1 |" in line)
    assert "model\\_error" in row and row.rstrip(" |").endswith("better")
    medians = (exported / "medians.md").read_text(encoding="utf-8")
    assert re.search(r"\| [0-9.]+ ± [0-9.]+ \| 6 \|", medians)
    best = (exported / "best_sets.tex").read_text(encoding="utf-8")
    assert "gaussian" in best and "huber+l1" in best


def test_latex_escapes_the_special_characters():
    assert latex_escape("a_b & 5% #1 {x} ~ ^") == (
        r"a\_b \& 5\% \#1 \{x\} \textasciitilde{} \textasciicircum{}"
    )
    assert latex_escape("1.2 ± 0.3, 1–2, l2+l1") == r"1.2 $\pm$ 0.3, 1--2, l2+l1"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_tables_compile(exported, tmp_path):
    inputs = "\n".join(
        rf"\input{{{(exported / f'{table}.tex').as_posix()}}}\par" for table in TABLES
    )
    document = tmp_path / "doc.tex"
    document.write_text(
        "\\documentclass{article}\\usepackage{booktabs}\\begin{document}\n"
        f"{inputs}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", document.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize("figure", _figures())
def test_figures_are_svg_and_pdf_with_a_caption(exported, figure):
    root = ET.parse(exported / f"{figure}.svg").getroot()
    assert root.tag.endswith("svg")
    assert (exported / f"{figure}.pdf").read_bytes().startswith(b"%PDF-")
    caption = (exported / f"{figure}.caption.txt").read_text(encoding="utf-8")
    assert COMMIT in caption and "model_error" in caption
    assert "Replicates" in caption and "6" in caption
    scenarios = DATASETS if figure == "forest" else (figure.removeprefix("distribution_"),)
    assert all(name in caption for name in scenarios)


def test_the_same_study_gives_the_same_bytes(study, exported, tmp_path):
    again = tmp_path / "again"
    assert main(["export", str(study), "-o", str(again)]) == 0
    for path in exported.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_without_provenance_the_commit_is_not_recorded(study, tmp_path, capsys):
    bare = tmp_path / "bare"
    shutil.copytree(study, bare)
    (bare / "results" / "provenance.json").unlink()
    out = tmp_path / "out"
    assert main(["export", str(bare), "-o", str(out)]) == 0
    assert "commit: not recorded" in (out / "forest.caption.txt").read_text(encoding="utf-8")
    # an earlier export may be exported into again
    assert main(["export", str(bare), "-o", str(out)]) == 0
    count = 2 * len(TABLES) + 3 * len(_figures()) + 1
    assert capsys.readouterr().out.splitlines()[-(count + 1)] == f"exported {count} files to {out}"


def _refused(capsys, *words):
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert all(word in captured.err for word in words), captured.err


def test_a_damaged_table_is_named_and_nothing_is_written(study, tmp_path, capsys):
    damaged = tmp_path / "damaged"
    shutil.copytree(study, damaged)
    findings = damaged / "results" / "findings.csv"
    text = findings.read_text(encoding="utf-8")
    findings.write_text(text.replace(",better\n", ",tied\n", 1), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(damaged), "-o", str(out)]) == 2
    _refused(capsys, str(findings))
    assert not out.exists()
    # a missing table likewise
    (damaged / "results" / "summary.csv").unlink()
    findings.write_text(text, encoding="utf-8")
    assert main(["export", str(damaged), "-o", str(out)]) == 2
    _refused(capsys, "summary.csv not found")
    assert not out.exists()


def test_the_output_folder_is_refused_where_it_could_harm(study, tmp_path, capsys):
    results = study / "results"
    before = sorted(path.name for path in results.iterdir())
    for inside in (results, results / "paper"):
        assert main(["export", str(study), "-o", str(inside)]) == 2
        _refused(capsys, "inside a study's results folder")
    assert sorted(path.name for path in results.iterdir()) == before
    # a folder holding other files, and a file
    other = tmp_path / "notes"
    other.mkdir()
    (other / "draft.tex").write_text("mine", encoding="utf-8")
    assert main(["export", str(study), "-o", str(other)]) == 2
    _refused(capsys, "not empty", MANIFEST)
    assert [path.name for path in other.iterdir()] == ["draft.tex"]
    assert main(["export", str(study), "-o", str(other / "draft.tex")]) == 2
    _refused(capsys, "not a folder")


def test_help_shows_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = capsys.readouterr().out
    assert "example:" in text and "normbench export . -o paper/normbench" in text


def _median_pairs(folder):
    """The pair column of an exported medians.md (header and rule left out)."""
    lines = (folder / "medians.md").read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("|")][2:]
    return {[cell.strip() for cell in row.strip("|").split("|")][2] for row in rows}


def test_medians_are_the_model_pairs_unless_all_medians_is_asked(study, exported, tmp_path):
    from normbench.analysis.summary import (
        DATA_PAIR,
        LOSS_MARGIN_PREFIX,
        ORACLE_PREFIX,
        PENALTY_MARGIN_PREFIX,
    )

    summary = pd.read_csv(study / "results" / "summary.csv", keep_default_na=False)
    in_summary = set(summary.loc[summary["what"] == "median", "pair"])
    prefixes = (LOSS_MARGIN_PREFIX, PENALTY_MARGIN_PREFIX, ORACLE_PREFIX)
    pseudo = {pair for pair in in_summary if pair == DATA_PAIR or pair.startswith(prefixes)}
    # the study has margins to leave out, else this test would show nothing
    assert any(pair.startswith((LOSS_MARGIN_PREFIX, PENALTY_MARGIN_PREFIX)) for pair in pseudo)
    by_default = _median_pairs(exported)
    assert by_default == in_summary - pseudo
    assert any("+" in pair for pair in by_default)
    everything = tmp_path / "all"
    assert main(["export", str(study), "-o", str(everything), "--all-medians"]) == 0
    assert _median_pairs(everything) == in_summary
    caption = (everything / "medians.md").read_text(encoding="utf-8").splitlines()[0]
    assert "loss:<loss>" in caption and "oracle:<loss>" in caption


def test_help_says_which_medians_are_exported(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--all-medians" in text and "without it, the model pairs only" in text
