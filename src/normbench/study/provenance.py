"""Which normbench code produced a study, and in which environment.

The code: its version and the commit of its checkout. The environment: the installed
distributions, Python, CPU and threading, compared with the lock file
(:mod:`normbench.study.environment`).

The commit is read from the checkout that holds the Snakefile (Snakemake's
``workflow.basedir``), never from the current directory: with ``--directory other_study/``
the study folder may sit in no repository or in an unrelated one, whose commit says nothing
about the code that ran.  The commit is read from the ``.git`` files themselves, so that no
command of that repository runs; only the "uncommitted changes" flag asks ``git`` (with the
file-system monitor hook switched off, and pointed at this checkout explicitly).
"""

from __future__ import annotations

import json
import subprocess
from os import PathLike
from pathlib import Path

from normbench._version import __version__
from normbench.study.environment import environment_provenance
from normbench.study.provenance_record import is_commit, read_provenance
from normbench.study.store import write_atomically

__all__ = ["code_provenance", "git_commit", "read_provenance", "write_provenance"]


def _git_dirs(checkout: Path) -> tuple[Path, Path] | None:
    """(its own git dir, the common git dir) of a checkout, or None when it is not one.

    A plain clone has a ``.git`` folder; a worktree or submodule a ``.git`` file saying
    ``gitdir: <path>``, whose ``commondir`` file leads to the shared refs.
    """
    dot_git = checkout / ".git"
    if dot_git.is_dir():
        return dot_git, dot_git
    if not dot_git.is_file():
        return None
    text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    if not text.startswith("gitdir:"):
        return None
    git_dir = (checkout / text.removeprefix("gitdir:").strip()).resolve()
    common = git_dir
    if (git_dir / "commondir").is_file():
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    return git_dir, common


def _resolve_ref(ref: str, git_dir: Path, common: Path, depth: int = 0) -> str | None:
    if depth > 5:  # a symbolic ref pointing at itself
        return None
    for folder in (git_dir, common):
        loose = folder / ref
        if loose.is_file():
            text = loose.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("ref:"):
                return _resolve_ref(text.removeprefix("ref:").strip(), git_dir, common, depth + 1)
            return text if is_commit(text) else None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
            commit, _, name = line.partition(" ")
            if name.strip() == ref and is_commit(commit):
                return commit
    return None


def git_commit(checkout: str | PathLike) -> str | None:
    """The commit checked out in ``checkout``, read from its ``.git`` without running git.

    Parameters
    ----------
    checkout : str or path-like
        The root of a git checkout (the folder holding ``.git``). Folders above it are not
        searched: a checkout copied into another repository has no commit of its own.

    Returns
    -------
    str or None
        The full commit hash, or None when ``checkout`` is not a git checkout or its HEAD
        cannot be resolved (an unborn branch, a damaged ``.git``).
    """
    try:
        dirs = _git_dirs(Path(checkout))
        if dirs is None:
            return None
        git_dir, common = dirs
        head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
        if head.startswith("ref:"):
            return _resolve_ref(head.removeprefix("ref:").strip(), git_dir, common)
        return head if is_commit(head) else None
    except OSError:
        return None


def _has_uncommitted_changes(checkout: Path) -> bool | None:
    """Whether tracked files differ from the commit; None when git cannot tell."""
    dirs = _git_dirs(checkout)
    if dirs is None:
        return None
    command = [
        "git",
        # Never run a hook of the repository: core.fsmonitor may name any command.
        "-c",
        "core.fsmonitor=false",
        f"--git-dir={dirs[0]}",
        f"--work-tree={checkout}",
        "status",
        "--porcelain",
        "--untracked-files=no",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(result.stdout.strip()) if result.returncode == 0 else None


def code_provenance(source_dir: str | PathLike) -> dict:
    """The normbench code of a study: version, commit and whether it had local changes.

    Parameters
    ----------
    source_dir : str or path-like
        The checkout the Snakefile came from (``workflow.basedir``), not the study folder.

    Returns
    -------
    dict
        ``version`` (of the imported normbench), ``commit`` (None outside a git checkout),
        ``uncommitted_changes`` (True, False, or None when unknown) and ``imported_from``
        (the imported package's folder, relative to ``source_dir`` when inside it, so that a
        job that ran another checkout's code shows).
    """
    source_dir = Path(source_dir).resolve()
    commit = git_commit(source_dir)
    # the package folder without importing the package itself (which reaches the models)
    package = Path(__file__).resolve().parents[1]
    try:
        imported_from = str(package.relative_to(source_dir))
    except ValueError:
        imported_from = str(package)
    return {
        "version": __version__,
        "commit": commit,
        "uncommitted_changes": _has_uncommitted_changes(source_dir) if commit else None,
        "imported_from": imported_from,
    }


def write_provenance(source_dir: str | PathLike, out: str | PathLike) -> dict:
    """Write the provenance of a study as JSON to ``out`` (atomically).

    The record is :func:`code_provenance` of ``source_dir`` with
    :func:`~normbench.study.environment.environment_provenance` of this process (whose
    ``environment_matches_lock`` compares it with ``source_dir``'s lock file).

    Returns
    -------
    dict
        What was written.
    """
    record = {**code_provenance(source_dir), **environment_provenance(source_dir)}
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    write_atomically(out, text.encode("utf-8"))
    return record
