"""Provenance: when, from which code (results/provenance.json), packages and configuration."""

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
    versions = []
    for name in _VERSIONED_PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


def render(ctx):
    config = ctx.config
    config_yaml = yaml.safe_dump(
        plain(config), sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    details = [
        ("generated (UTC)", _generation_time().strftime("%Y-%m-%d %H:%M:%S UTC")),
        *_code_rows(ctx.provenance),
        ("python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("platform", platform.platform()),
    ]
    body = (
        html_table(["item", "value"], details)
        + "\n"
        + html_details("Package versions", html_table(["package", "version"], _package_versions()))
        + "\n"
        + html_details(
            "Configuration (validated, defaults filled in)", f"<pre>{esc(config_yaml)}</pre>"
        )
    )
    return body
