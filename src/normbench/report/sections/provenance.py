"""Provenance: when, from which code and environment (results/provenance.json), configuration.

The environment (distributions, Python, CPU, threads) and its comparison with the lock file are
recorded when the study's tables are aggregated (:mod:`normbench.study.environment`); this
section only shows them, and warns when the study's environment was not the locked one.
"""

from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata

import yaml

from normbench.report.context import plain
from normbench.report.html import esc, html_details, html_table

_VERSIONED_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "statsmodels",
    "snakemake",
    "normbench",
)


def _code_rows(provenance):
    """The code that ran the study, as results/provenance.json recorded it.

    The report never runs git itself: the study's folder may belong to another repository
    (``--directory``), whose commit says nothing of the code and whose hooks must not run.
    """
    if provenance is None:
        return [("normbench code", "not recorded (no results/provenance.json given)")]
    commit = provenance.get("commit")
    if commit and provenance.get("uncommitted_changes"):
        commit += " (with uncommitted changes)"
    return [
        ("normbench version", provenance.get("version") or "unknown"),
        (
            "git commit",
            commit or "not available (the Snakefile's folder is not a git checkout)",
        ),
        ("normbench imported from", provenance.get("imported_from") or "unknown"),
    ]


def _generation_time():
    """Now in UTC, or SOURCE_DATE_EPOCH when set (reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return datetime.datetime.now(tz=datetime.timezone.utc)


def _package_versions():
    """The report process's own versions of the main packages (an older provenance.json)."""
    versions = []
    for name in _VERSIONED_PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


def _difference_text(difference):
    name, locked, installed = (
        difference.get(key) for key in ("distribution", "locked", "installed")
    )
    if installed is None:
        return f"{name} not installed ({locked} locked)"
    if locked is None:
        return f"{name} {installed} installed, not in the lock"
    return f"{name} {installed} installed, {locked} locked"


def _lock_note(provenance):
    """A warning when the study's environment was not the lock's, listing the differences."""
    if provenance is None or "environment_matches_lock" not in provenance:
        return ""
    lock = provenance.get("lock_file") or "the lock file"
    matches = provenance["environment_matches_lock"]
    if matches is None:
        return (
            f'<p class="warn">No lock file ({esc(lock)}) was found beside the Snakefile: '
            "the environment this study ran in was not checked against one.</p>"
        )
    if matches:
        return ""
    differences = provenance.get("lock_differences") or []
    listed = "; ".join(_difference_text(difference) for difference in differences)
    return (
        f'<p class="warn"><b>The environment differs from the lock file ({esc(lock)}) in '
        f"{len(differences)} distribution(s)</b>: {esc(listed)}. Results may differ from a run "
        "in the locked environment; <code>make setup</code> in a fresh clone installs it.</p>"
    )


def _environment_rows(provenance):
    if provenance is None or "python" not in provenance:
        return [
            (
                "python (of the report)",
                f"{platform.python_version()} ({platform.python_implementation()})",
            ),
            ("platform (of the report)", platform.platform()),
        ]
    cores = provenance.get("cpu_count")
    usable = provenance.get("cpus_usable")
    if usable is not None and usable != cores:
        cores = f"{cores} ({usable} usable by the study)"
    lock = provenance.get("lock_sha256")
    matches = provenance.get("environment_matches_lock")
    if lock:
        lock = f"sha256 {lock[:16]}… ({'matches' if matches else 'differs from'} the environment)"
    return [
        (
            "python",
            f"{provenance.get('python')} ({provenance.get('python_implementation') or 'unknown'})",
        ),
        ("platform", provenance.get("platform") or "unknown"),
        ("CPU", provenance.get("cpu_model") or "unknown"),
        ("cores", cores if cores is not None else "unknown"),
        (f"lock file ({provenance.get('lock_file') or 'none'})", lock or "not found"),
    ]


def _distributions_block(provenance):
    distributions = (provenance or {}).get("distributions")
    if not distributions:
        return html_details(
            "Package versions (of the report's own environment)",
            html_table(["package", "version"], _package_versions()),
        )
    locked = provenance.get("locked_distributions")
    if locked is None:
        rows = sorted(distributions.items())
        table = html_table(["distribution", "installed"], rows)
    else:
        # marked: the differences the study counted (pip and normbench itself are never locked)
        differing = {each["distribution"] for each in provenance.get("lock_differences") or []}
        rows = [
            (
                name,
                distributions.get(name, "not installed"),
                locked.get(name, "not in the lock"),
                "differs" if name in differing else "",
            )
            for name in sorted(set(distributions) | set(locked))
        ]
        table = html_table(["distribution", "installed", "locked", ""], rows)
    return html_details(
        f"Installed distributions ({len(distributions)})",
        f'<div class="table-scroll">{table}</div>',
    )


def _threads_block(provenance):
    threads = (provenance or {}).get("threads")
    if not threads:
        return ""
    rows = [
        (
            f"{library.get('user_api')}: {library.get('internal_api')} ({library.get('prefix')})",
            library.get("version") or "",
            library.get("num_threads"),
            library.get("threading_layer") or "",
        )
        for library in threads.get("blas") or []
    ]
    numba = threads.get("numba") or {}
    if numba.get("version"):
        layer = numba.get("threading_layer") or "not started (no parallel kernel ran)"
        rows.append(
            (
                "numba",
                numba["version"],
                numba.get("num_threads"),
                f"{layer}; requested {numba.get('threading_layer_requested')}",
            )
        )
    variables = ", ".join(
        f"{name}={value}" for name, value in (threads.get("variables") or {}).items() if value
    )
    body = html_table(["library", "version", "threads", "threading layer"], rows)
    body += f"<p>Thread variables: {esc(variables or 'none set')}.</p>"
    return html_details("Threads: BLAS (threadpoolctl) and numba", body)


def render(ctx):
    config = ctx.config
    config_yaml = yaml.safe_dump(
        plain(config), sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    provenance = ctx.provenance
    details = [
        ("generated (UTC)", _generation_time().strftime("%Y-%m-%d %H:%M:%S UTC")),
        *_code_rows(provenance),
        *_environment_rows(provenance),
    ]
    blocks = [
        _lock_note(provenance),
        html_details(
            "Code and environment of the run (time, normbench version and commit, Python, CPU, "
            "threads, lock)",
            html_table(["item", "value"], details),
        ),
        _distributions_block(provenance),
        _threads_block(provenance),
        html_details(
            "Configuration (validated, defaults filled in)", f"<pre>{esc(config_yaml)}</pre>"
        ),
    ]
    return "\n".join(block for block in blocks if block)
