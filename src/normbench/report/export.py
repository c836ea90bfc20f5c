"""Export a study's conclusions for a paper: tables as LaTeX and Markdown, figures as PDF and SVG.

Command line (``normbench export --help``)::

    normbench export STUDY_DIR -o paper/normbench

``STUDY_DIR`` is a study folder as :func:`normbench.study.layout.report_tables` takes it (the
folder holding ``results/``). Everything is read from the analysis tables and the metrics table
through their checked readers; nothing is computed beyond choosing rows and formatting them:

- ``findings.tex`` / ``.md``: each scenario's rows of ``findings.csv`` on its headline metric
  (:func:`normbench.analysis.answer.headline_metric`, as the report's recommendation table):
  pair, reference, effect, the interval its verdict is shown with and its level, n, verdict;
- ``best_sets.tex`` / ``.md``: per scenario, the pairs in the set of best pairs
  (``best_set.csv``) on the headline metric, with its confidence and n;
- ``medians.tex`` / ``.md``: every median of a model pair in ``summary.csv`` as "m ± mcse" with
  its n; with ``all_medians`` also the rows that are not one pair's
  (:func:`normbench.analysis.summary.is_model_pair`): the loss and penalty margins, the oracles
  and the data's own numbers;
- ``forest.{pdf,svg}``: the forest plot of the report's answer (study-wide headline metric);
  ``distribution_<scenario>.{pdf,svg}``: per scenario, the headline metric across replicates;
  each figure with ``<name>.caption.txt`` naming the scenario(s), metric, replicate count and the
  run's commit (``results/provenance.json``; "not recorded" without it);
- ``normbench-export.txt``: what was exported, from where, and each file's sha256.

The LaTeX tables are bare ``tabular`` environments with booktabs rules (``\\usepackage{booktabs}``),
to ``\\input`` inside a ``table``. The figures are saved without dates (and SVG ids from a fixed
salt), so the same study gives the same bytes with the same matplotlib.

Everything is read and drawn in memory first: a damaged or missing input stops the export in one
line naming the file and nothing is written (:class:`normbench.study.tables.ResultsError`,
:class:`FileNotFoundError`). The output folder is checked first (:func:`check_export_folder`):
never inside a results folder, and an existing folder only when it is empty or an earlier export.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pandas as pd

from normbench.analysis.answer import headline_metric
from normbench.analysis.findings import interpolant_datasets
from normbench.analysis.summary import is_model_pair
from normbench.analysis.tables import read_analysis, read_method
from normbench.report.compare import inside_results
from normbench.report.context import collapse_interpolant
from normbench.report.figures.common import format_value
from normbench.report.figures.distributions import replicate_distributions
from normbench.report.figures.forest import forest_plot
from normbench.report.sections.answer import answer_comparisons
from normbench.study.layout import report_tables
from normbench.study.provenance_record import read_provenance
from normbench.study.store import is_ok, read_metrics, write_atomically

__all__ = [
    "MANIFEST",
    "ExportError",
    "Study",
    "check_export_folder",
    "export_files",
    "export_study",
    "latex_escape",
    "latex_table",
    "load_study",
    "markdown_table",
    "write_export",
]

#: The file every export writes last; a folder holding it may be exported into again.
MANIFEST = "normbench-export.txt"
NOT_RECORDED = "not recorded"
_FIGURE_FORMATS = ("pdf", "svg")
# no dates in the files, fixed SVG ids: the same figure gives the same bytes
_SAVE_METADATA = {"pdf": {"CreationDate": None, "ModDate": None}, "svg": {"Date": None}}
_RC = {"svg.hashsalt": "normbench", "pdf.compression": 6}


class ExportError(ValueError):
    """The output folder cannot be used without harm; the message says which and why."""


@dataclass(frozen=True)
class Study:
    """What an export reads from a study folder, each table through its checked reader."""

    folder: Path
    metrics: pd.DataFrame
    findings: pd.DataFrame
    method: dict
    best_set: pd.DataFrame
    summary: pd.DataFrame
    provenance: dict | None

    @property
    def commit(self) -> str:
        """The run's commit (and whether its checkout had uncommitted changes), or not recorded."""
        record = self.provenance or {}
        commit = record.get("commit")
        if not commit:
            return NOT_RECORDED
        return commit + (" (with uncommitted changes)" if record.get("uncommitted_changes") else "")

    @property
    def datasets(self) -> list[str]:
        """Scenarios in the order of the findings, then any others in the metrics' order."""
        names = [*self.findings["dataset"], *self.metrics["dataset"]]
        return [str(name) for name in dict.fromkeys(names)]

    def headline(self, dataset: str) -> str:
        """The scenario's headline metric: of its findings, else of its metrics."""
        mine = self.findings[self.findings["dataset"] == dataset]
        if len(mine):
            return headline_metric(mine)
        return headline_metric(self.metrics[self.metrics["dataset"] == dataset])


def load_study(folder) -> Study:
    """Read what an export needs from ``folder`` (raises naming the missing or damaged file)."""
    tables = report_tables(folder)
    provenance = tables.get("provenance")
    return Study(
        folder=Path(folder),
        metrics=read_metrics(tables["metrics"]),
        findings=read_analysis("findings", tables["findings"]),
        method=read_method(tables["method"]),
        best_set=read_analysis("best_set", tables["best_set"]),
        summary=read_analysis("summary", tables["summary"]),
        provenance=None if provenance is None else read_provenance(provenance),
    )


# ----------------------------------------------------------------------------- output folder


def check_export_folder(out_dir, study=None) -> Path:
    """The output folder, once it is known to harm nothing (it is not created here).

    Refused, each in one line: a folder inside (or being) a study's results folder, a file, an
    existing folder that is neither empty nor an earlier export (it holds no :data:`MANIFEST`),
    a parent that is a file or not writable.

    Raises
    ------
    ExportError
    """
    out_dir = Path(out_dir)
    resolved = out_dir.resolve()
    runs = () if study is None else (study,)
    if inside_results(resolved, runs, itself=True):
        raise ExportError(
            f"{out_dir}: inside a study's results folder; the export is written elsewhere, "
            "never among the results it reads"
        )
    if resolved.exists():
        if not resolved.is_dir():
            raise ExportError(f"{out_dir}: exists and is not a folder; it is left as it is")
        if any(resolved.iterdir()) and not (resolved / MANIFEST).is_file():
            raise ExportError(
                f"{out_dir}: is not empty and holds no earlier export ({MANIFEST}); give a new "
                "or empty folder"
            )
        if not os.access(resolved, os.W_OK | os.X_OK):
            raise ExportError(f"{out_dir}: the folder is not writable")
        return out_dir
    parent = next(p for p in resolved.parents if p.exists())
    if not parent.is_dir():
        raise ExportError(f"{out_dir}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{out_dir}: cannot create it, {parent} is not writable")
    return out_dir


# ----------------------------------------------------------------------------- tables

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "–": "--",
    "∞": r"$\infty$",
    "×": r"$\times$",
}
_LATEX_PATTERN = re.compile("|".join(re.escape(char) for char in _LATEX_SPECIALS))


def latex_escape(text) -> str:
    """``text`` as LaTeX text: its special characters escaped, ± – ∞ × as LaTeX."""
    return _LATEX_PATTERN.sub(lambda match: _LATEX_SPECIALS[match.group()], str(text))


def latex_table(headers, rows, *, align, comment, groups=None) -> str:
    r"""A booktabs ``tabular``: ``\toprule``, the header, ``\midrule``, the rows, ``\bottomrule``.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequence of str
        The cells, as plain text (escaped here).
    align : str
        One letter per column (``l``, ``r``, ``c``).
    comment : str
        A ``%`` line above the table saying what it is.
    groups : sequence, optional
        One label per row; a ``\midrule`` separates rows whose labels differ.
    """
    if len(align) != len(headers):
        raise ValueError("one alignment letter per column")
    lines = [f"% {line}" for line in comment.splitlines()]
    lines += [f"\\begin{{tabular}}{{{align}}}", r"\toprule"]
    lines.append(" & ".join(latex_escape(head) for head in headers) + r" \\")
    lines.append(r"\midrule")
    previous = None
    for index, row in enumerate(rows):
        if len(row) != len(headers):
            raise ValueError(f"row {index} has {len(row)} cells, not {len(headers)}")
        if groups is not None:
            if index and groups[index] != previous:
                lines.append(r"\midrule")
            previous = groups[index]
        lines.append(" & ".join(latex_escape(cell) for cell in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(lines)


def _markdown_cell(text) -> str:
    text = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return re.sub(r"([*_`])", r"\\\1", text)


def markdown_table(headers, rows, *, align, comment) -> str:
    """A pipe table (GitHub Markdown), after a line saying what it is."""
    rule = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = [comment, ""]
    lines.append("| " + " | ".join(_markdown_cell(head) for head in headers) + " |")
    lines.append("| " + " | ".join(rule[letter] for letter in align) + " |")
    for index, row in enumerate(rows):
        if len(row) != len(headers):
            raise ValueError(f"row {index} has {len(row)} cells, not {len(headers)}")
        lines.append("| " + " | ".join(_markdown_cell(cell) for cell in row) + " |")
    return "\n".join(lines) + "\n"


def _n(value) -> str:
    return "n/a" if value is None or math.isnan(float(value)) else str(int(value))


def _findings_rows(study: Study):
    rows, groups = [], []
    for dataset in study.datasets:
        metric = study.headline(dataset)
        mine = study.findings[
            (study.findings["dataset"] == dataset) & (study.findings["metric"] == metric)
        ]
        for row in mine.itertuples(index=False):
            interval = f"{format_value(row.ci_low)}–{format_value(row.ci_high)}"
            rows.append(
                (
                    dataset,
                    metric,
                    row.pair,
                    row.reference,
                    format_value(row.effect),
                    interval,
                    f"{100 * float(row.ci_level):.3g}%",
                    _n(row.n_replicates),
                    row.verdict,
                )
            )
            groups.append(dataset)
    headers = (
        "scenario",
        "metric",
        "pair",
        "reference",
        "effect",
        "interval",
        "level",
        "n",
        "verdict",
    )
    return headers, "llllrrrrl", rows, groups


def _best_set_rows(study: Study):
    rows = []
    for dataset in study.datasets:
        metric = study.headline(dataset)
        mine = study.best_set[
            (study.best_set["dataset"] == dataset) & (study.best_set["metric"] == metric)
        ]
        if not len(mine):
            continue
        pairs = ", ".join(mine.loc[mine["in_set"].astype(bool), "pair"]) or "(none)"
        size = float(mine["size"].iloc[0])
        rows.append((dataset, metric, f"{1.0 - size:.0%}", _n(mine["n_replicates"].max()), pairs))
    return ("scenario", "metric", "confidence", "n", "pairs in the set"), "lllrl", rows


def _median_rows(study: Study, all_medians: bool):
    medians = study.summary[study.summary["what"] == "median"]
    if not all_medians:
        medians = medians[medians["pair"].map(is_model_pair)]
    order = {name: index for index, name in enumerate(study.datasets)}
    metric_order = {name: index for index, name in enumerate(dict.fromkeys(medians["metric"]))}
    medians = medians.assign(
        _order=medians["dataset"].map(order).fillna(len(order)),
        _metric=medians["metric"].map(metric_order),
    )
    medians = medians.sort_values(["_order", "_metric"], kind="stable")
    rows, groups = [], []
    for row in medians.itertuples(index=False):
        estimate = format_value(row.estimate)
        text = estimate if math.isnan(float(row.mcse)) else f"{estimate} ± {format_value(row.mcse)}"
        rows.append((row.dataset, row.metric, row.pair, text, _n(row.n_replicates)))
        groups.append(row.dataset)
    headers = ("scenario", "metric", "pair", "median ± MCSE", "n")
    return headers, "lllrr", rows, groups


def _tables(study: Study, all_medians: bool) -> dict[str, bytes]:
    source = f"a normbench study, commit {study.commit}"
    q = study.method.get("q", math.nan)
    low, high = (study.method.get("equivalence") or [math.nan, math.nan])[:2]
    what = {
        "findings": (
            "Paired comparisons on each scenario's headline metric (results/findings.csv): "
            "effect = geometric mean of the paired ratios pair / reference (below 1 the pair is "
            f"better); the interval its verdict is shown with, at its level; verdicts under a "
            f"false discovery rate q = {q:g}, equivalence within {format_value(low)} to "
            f"{format_value(high)}.",
            _findings_rows(study),
        ),
        "best_sets": (
            "Set of best pairs per scenario on its headline metric (results/best_set.csv): the "
            "model confidence set, which contains the best pair with the stated confidence.",
            _best_set_rows(study),
        ),
        "medians": (
            "Per-scenario medians over the successful replicates with their Monte Carlo "
            "standard error (bootstrap) and the replicate count (results/summary.csv), "
            + (
                "of the model pairs and of the rows beside them: loss:<loss> and "
                "penalty:<penalty> pool a loss's or a penalty's fits, oracle:<loss> is an "
                "oracle, data the data's own numbers."
                if all_medians
                else "of the model pairs."
            ),
            _median_rows(study, all_medians),
        ),
    }
    files = {}
    for name, (caption, spec) in what.items():
        headers, align, rows, *grouping = spec
        groups = grouping[0] if grouping else None
        comment = f"{caption}\nFrom {source}."
        files[f"{name}.tex"] = latex_table(
            headers,
            rows,
            align=align,
            comment=comment + "\nNeeds \\usepackage{booktabs}.",
            groups=groups,
        )
        files[f"{name}.md"] = markdown_table(
            headers, rows, align=align, comment=f"<!-- {comment} -->"
        )
    return {name: text.encode("utf-8") for name, text in files.items()}


# ----------------------------------------------------------------------------- figures


def _save(figure) -> dict[str, bytes]:
    out = {}
    with matplotlib.rc_context(_RC):
        for kind in _FIGURE_FORMATS:
            buffer = io.BytesIO()
            figure.savefig(buffer, format=kind, metadata=_SAVE_METADATA[kind])
            out[kind] = buffer.getvalue()
    return out


def _replicates(values) -> str:
    values = [int(v) for v in values if not math.isnan(float(v))]
    if not values:
        return "n/a"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low} to {high}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _figures(study: Study) -> dict[str, bytes]:
    files = {}
    findings = study.findings
    commit = f"Run commit: {study.commit}."
    if len(findings):
        metric = headline_metric(findings)
        datasets = list(dict.fromkeys(findings["dataset"]))
        comparisons = answer_comparisons(findings, metric)
        if comparisons:
            equivalence = float((study.method.get("equivalence") or [1.0, 1.1])[1])
            figure = forest_plot(
                findings, comparisons, datasets, metric_name=metric, equivalence=equivalence
            )
            drawn = findings[(findings["metric"] == metric) & findings["dataset"].isin(datasets)]
            caption = (
                f"Forest plot: paired effects on {metric}, pair / reference (geometric mean of "
                f"the paired ratios, log axis), one panel per scenario: {', '.join(datasets)}. "
                f"Replicates per scenario: {_replicates(drawn['n_replicates'])}. Verdicts and "
                f"intervals from results/findings.csv (q = {study.method.get('q', math.nan):g}; "
                f"shaded: equivalence within 1/{equivalence:g} to {equivalence:g}). {commit}\n"
            )
            files.update(_figure_files("forest", figure, caption))
    metrics = study.metrics
    display = collapse_interpolant(metrics, interpolant_datasets(metrics))
    for dataset in study.datasets:
        rows = metrics[metrics["dataset"] == dataset]
        if not len(rows):
            continue
        metric = study.headline(dataset)
        figure = replicate_distributions(display, dataset, metric)
        ok = is_ok(rows)
        caption = (
            f"Scenario {dataset}: {metric} across replicates, one box per pair (quartiles; "
            "points: replicates; successful fits only). Replicates: "
            f"{rows['replicate'].nunique()} ({int(ok.sum())} successful fits of {len(rows)}). "
            f"{commit}\n"
        )
        files.update(_figure_files(f"distribution_{_safe(dataset)}", figure, caption))
    return files


def _figure_files(name, figure, caption) -> dict[str, bytes]:
    saved = _save(figure)
    files = {f"{name}.{kind}": data for kind, data in saved.items()}
    files[f"{name}.caption.txt"] = caption.encode("utf-8")
    return files


# ----------------------------------------------------------------------------- the export


def export_files(study: Study, *, all_medians: bool = False) -> dict[str, bytes]:
    """Every exported file, by name, drawn in memory (the manifest excepted); ``all_medians``
    as :func:`export_study`."""
    return {**_tables(study, all_medians), **_figures(study)}


def write_export(files: dict[str, bytes], out_dir, study: Study) -> list[Path]:
    """Write ``files`` into ``out_dir`` (created), then the manifest; drop a previous export's
    files that this one no longer writes. Returns the written paths, manifest last.

    Raises
    ------
    ExportError
        When a file cannot be written (one line naming it).
    """
    out_dir = Path(out_dir)
    try:
        return _write(files, out_dir, study)
    except OSError as error:
        where = error.filename or out_dir
        raise ExportError(f"{where}: cannot be written ({error.strerror or error})") from None


def _write(files, out_dir: Path, study: Study) -> list[Path]:
    previous = _manifest_names(out_dir / MANIFEST)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = out_dir / name
        write_atomically(path, data)
        written.append(path)
    for name in previous - set(files):
        (out_dir / name).unlink(missing_ok=True)
    lines = [
        f"normbench export of {study.folder.resolve()}",
        f"commit: {study.commit}",
        "",
        *(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in sorted(files.items())),
        "",
    ]
    write_atomically(out_dir / MANIFEST, "\n".join(lines).encode("utf-8"))
    written.append(out_dir / MANIFEST)
    return written


def _manifest_names(path: Path) -> set[str]:
    """The file names an earlier export's manifest lists (plain names only)."""
    if not path.is_file():
        return set()
    names = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name and "/" not in name and name not in (".", ".."):
            names.add(name)
    return names


def export_study(folder, out_dir, *, all_medians: bool = False) -> list[Path]:
    """Export the study in ``folder`` to ``out_dir`` (module docstring); returns the files.

    ``all_medians`` adds to ``medians.tex`` / ``.md`` the medians of ``summary.csv`` that are
    not one model pair's (:func:`normbench.analysis.summary.is_model_pair`).

    Raises
    ------
    ExportError
        The output folder is refused (before anything is read).
    FileNotFoundError, normbench.study.tables.ResultsError
        A table is missing or damaged (nothing is written).
    """
    check_export_folder(out_dir, folder)
    study = load_study(folder)
    files = export_files(study, all_medians=all_medians)
    return write_export(files, out_dir, study)
