"""Provenance: when, from which commit, with which packages and configuration."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
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


def render(ctx):
    config = ctx.config
    config_yaml = yaml.safe_dump(
        plain(config), sort_keys=False, default_flow_style=False, allow_unicode=True
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
        + "\n"
        + html_details("Package versions", html_table(["package", "version"], _package_versions()))
        + "\n"
        + html_details(
            "Configuration (validated, defaults filled in)", f"<pre>{esc(config_yaml)}</pre>"
        )
    )
    return body
