"""Provenance reads the commit of the code's checkout from .git, running no hooks (issue 15, 6)."""

import json
import subprocess
from pathlib import Path

import pytest

import normbench
from normbench.study.provenance import code_provenance, git_commit, write_provenance

REPO = Path(__file__).resolve().parents[1]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"


def _fake_git(root, head, loose=None, packed=None):
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text(head + "\n")
    for name, commit in (loose or {}).items():
        (git / name).parent.mkdir(parents=True, exist_ok=True)
        (git / name).write_text(commit + "\n")
    if packed:
        lines = ["# pack-refs with: peeled fully-peeled sorted"]
        lines += [f"{commit} {name}" for name, commit in packed.items()]
        (git / "packed-refs").write_text("\n".join(lines) + "\n")
    return git


def test_a_branch_a_packed_ref_and_a_detached_head_are_resolved(tmp_path):
    loose = tmp_path / "loose"
    _fake_git(loose, "ref: refs/heads/main", loose={"refs/heads/main": COMMIT})
    assert git_commit(loose) == COMMIT
    packed = tmp_path / "packed"
    _fake_git(packed, "ref: refs/heads/main", packed={"refs/heads/main": OTHER})
    assert git_commit(packed) == OTHER
    detached = tmp_path / "detached"
    _fake_git(detached, COMMIT)
    assert git_commit(detached) == COMMIT


def test_a_worktree_reads_its_own_head_and_the_shared_refs(tmp_path):
    main = tmp_path / "main"
    git = _fake_git(main, "ref: refs/heads/main", loose={"refs/heads/feature": OTHER})
    private = git / "worktrees" / "feature"
    private.mkdir(parents=True)
    (private / "HEAD").write_text("ref: refs/heads/feature\n")
    (private / "commondir").write_text("../..\n")
    worktree = tmp_path / "feature"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {private}\n")
    assert git_commit(worktree) == OTHER


def test_no_commit_outside_a_checkout_and_no_search_upwards(tmp_path):
    _fake_git(tmp_path, COMMIT)
    inside = tmp_path / "copied_checkout"
    inside.mkdir()
    assert git_commit(inside) is None
    assert git_commit(tmp_path / "absent") is None
    unborn = tmp_path / "unborn"
    _fake_git(unborn, "ref: refs/heads/main")
    assert git_commit(unborn) is None


def test_this_checkout_matches_git_and_the_record_is_written(tmp_path):
    try:
        expected = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        pytest.skip("git is not installed")
    if not expected:
        pytest.skip("the tests do not run from a git checkout")
    record = write_provenance(REPO, tmp_path / "provenance.json")
    assert record["commit"] == expected
    assert record["version"] == normbench.__version__
    assert record["uncommitted_changes"] in (True, False)
    assert json.loads((tmp_path / "provenance.json").read_text()) == record


def test_a_repository_hook_of_the_checkout_is_not_run(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    marker = tmp_path / "hook_ran"
    try:
        subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not installed")
    (checkout / "file.txt").write_text("x\n")
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "file.txt"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    subprocess.run([*git, "config", "core.fsmonitor", f"touch {marker}; false"], check=True)
    (checkout / "file.txt").write_text("changed\n")
    record = code_provenance(checkout)
    assert len(record["commit"]) == 40 and record["uncommitted_changes"] is True
    assert not marker.exists()
