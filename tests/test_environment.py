"""The locked environment (issue 23): the lock, the installed distributions, their provenance."""

import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement

from normbench.report.sections import provenance as provenance_section
from normbench.study.environment import (
    LOCK_FILE,
    canonical_name,
    installed_distributions,
    lock_differences,
    read_lock,
)
from normbench.study.provenance import write_provenance

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / LOCK_FILE
#: `make setup` writes the sha256 of the lock it installed here (sha256sum's format).
STAMP = Path(sys.prefix) / ".installed"


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_installed_environment_is_the_lock():
    words = STAMP.read_text(encoding="utf-8").split() if STAMP.is_file() else []
    if not words:
        pytest.skip(
            f"this environment ({sys.prefix}) was not installed from the lock by `make setup` "
            f"(no lock sha256 in {STAMP})"
        )
    assert words[0] == _sha256(LOCK), f"{sys.prefix} holds another lock: run `make setup`"
    differences = lock_differences(read_lock(LOCK), installed_distributions())
    assert differences == [], "installed distributions differ from the lock"


def test_the_lock_pins_what_pyproject_asks_for():
    """Every dependency, test extra and build requirement is locked at a version it allows.

    Fails when pyproject.toml changes without `make lock`.
    """
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11's")
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [
        *pyproject["project"]["dependencies"],
        *pyproject["project"]["optional-dependencies"]["test"],
        *pyproject["build-system"]["requires"],
    ]
    locked = read_lock(LOCK)
    assert "arch" in locked
    for text in wanted:
        requirement = Requirement(text)
        name = canonical_name(requirement.name)
        assert name in locked, f"{text} is not in {LOCK_FILE}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{LOCK_FILE} pins {name}=={locked[name]}, outside {text}: run `make lock`"
        )
    header = LOCK.read_text(encoding="utf-8").splitlines()[0]
    assert "CPython 3.11" in header and "x86_64" in header


def test_a_lock_is_read_and_compared_by_canonical_name(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "# a header\n"
        "PyYAML==6.0.4 \\\n"
        "    --hash=sha256:00\n"
        "    # via normbench (pyproject.toml)\n"
        "snakemake[reports]==9.27.1 ; python_version >= '3.10' \\\n"
        "    --hash=sha256:11\n"
        "typing_extensions==4.16.0\n"
        "numpy==2.4.6\n"
    )
    locked = read_lock(lock)
    assert locked == {
        "numpy": "2.4.6",
        "pyyaml": "6.0.4",
        "snakemake": "9.27.1",
        "typing-extensions": "4.16.0",
    }
    installed = {
        "numpy": "2.4.5",
        "pyyaml": "6.0.4",
        "typing-extensions": "4.16.0",
        "extra-package": "1.0",
        "pip": "23.2.1",
        "normbench": "0.1.0",
    }
    assert lock_differences(locked, installed) == [
        {"distribution": "extra-package", "locked": None, "installed": "1.0"},
        {"distribution": "numpy", "locked": "2.4.6", "installed": "2.4.5"},
        {"distribution": "snakemake", "locked": "9.27.1", "installed": None},
    ]
    assert lock_differences(locked, {**installed, **locked, "extra-package": None}) == []


def test_provenance_records_the_environment_and_its_lock(tmp_path):
    record = write_provenance(REPO, tmp_path / "provenance.json")
    assert json.loads((tmp_path / "provenance.json").read_text()) == record
    assert record["lock_file"] == LOCK_FILE.as_posix()
    assert record["lock_sha256"] == _sha256(LOCK)
    assert record["locked_distributions"] == read_lock(LOCK)
    assert record["distributions"]["numpy"] == metadata.version("numpy")
    assert record["python"] == platform.python_version()
    assert record["cpu_count"] >= 1 and record["cpus_usable"] >= 1
    assert isinstance(record["cpu_model"], str)
    blas = record["threads"]["blas"]
    assert any(library["user_api"] == "blas" and library["num_threads"] >= 1 for library in blas)
    assert record["threads"]["numba"]["version"] == metadata.version("numba")
    assert record["threads"]["numba"]["num_threads"] >= 1
    assert set(record["threads"]["variables"]) >= {"OMP_NUM_THREADS", "NUMBA_NUM_THREADS"}
    differences = lock_differences(read_lock(LOCK), installed_distributions())
    assert record["lock_differences"] == differences
    assert record["environment_matches_lock"] is (not differences)


def test_provenance_compares_with_the_checkouts_own_lock(tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "requirements").mkdir(parents=True)
    lock = checkout / LOCK_FILE
    threadpoolctl = metadata.version("threadpoolctl")
    lock.write_text(f"numpy==0.0.1 \\\n    --hash=sha256:00\nthreadpoolctl=={threadpoolctl}\n")
    record = write_provenance(checkout, tmp_path / "provenance.json")
    assert record["lock_sha256"] == _sha256(lock)
    assert record["environment_matches_lock"] is False
    numpy = {"distribution": "numpy", "locked": "0.0.1", "installed": metadata.version("numpy")}
    assert numpy in record["lock_differences"]
    assert not any(each["distribution"] == "threadpoolctl" for each in record["lock_differences"])
    unlocked = write_provenance(tmp_path, tmp_path / "none.json")
    assert unlocked["lock_sha256"] is None and unlocked["environment_matches_lock"] is None


def _record(**changes):
    record = {
        "version": "0.1.0",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "uncommitted_changes": False,
        "imported_from": "src/normbench",
        "python": "3.11.7",
        "python_implementation": "CPython",
        "platform": "Linux-6.1-x86_64-with-glibc2.36",
        "cpu_model": "Some CPU 3000",
        "cpu_count": 2,
        "cpus_usable": 2,
        "distributions": {"numpy": "2.4.6", "pip": "23.2.1", "scipy": "1.17.1"},
        "threads": {
            "blas": [
                {
                    "user_api": "blas",
                    "internal_api": "openblas",
                    "prefix": "libscipy_openblas",
                    "version": "0.3.30",
                    "num_threads": 1,
                    "threading_layer": "pthreads",
                    "filepath": "/somewhere/libscipy_openblas.so",
                }
            ],
            "numba": {
                "version": "0.68.1",
                "threading_layer": None,
                "threading_layer_requested": "default",
                "num_threads": 2,
            },
            "variables": {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": None},
        },
        "lock_file": "requirements/lock.txt",
        "lock_sha256": "ab" * 32,
        "locked_distributions": {"numpy": "2.4.6", "scipy": "1.17.1"},
        "environment_matches_lock": True,
        "lock_differences": [],
    }
    return {**record, **changes}


def _render(record):
    return provenance_section.render(SimpleNamespace(config={"seed": 1}, provenance=record))


def test_the_report_warns_when_the_environment_differs_from_the_lock():
    differences = [
        {"distribution": "arch", "locked": "8.0.0", "installed": None},
        {"distribution": "numpy", "locked": "2.4.6", "installed": "2.3.0"},
        {"distribution": "torch", "locked": None, "installed": "2.13.0"},
    ]
    html = _render(
        _record(
            distributions={"numpy": "2.3.0", "pip": "23.2.1", "torch": "2.13.0"},
            locked_distributions={"arch": "8.0.0", "numpy": "2.4.6"},
            environment_matches_lock=False,
            lock_differences=differences,
        )
    )
    warning = html[html.index('<p class="warn">') :].split("</p>")[0]
    assert "differs from the lock file (requirements/lock.txt) in 3 distribution(s)" in warning
    assert "arch not installed (8.0.0 locked)" in warning
    assert "numpy 2.3.0 installed, 2.4.6 locked" in warning
    assert "torch 2.13.0 installed, not in the lock" in warning
    assert "pip" not in warning
    # the environment itself, collapsed
    assert "<td>Some CPU 3000</td>" in html and "3.11.7 (CPython)" in html
    assert "Installed distributions (3)" in html and "libscipy_openblas" in html
    assert html.count("<td>differs</td>") == 3


def test_the_report_is_quiet_when_the_environment_is_the_lock():
    html = _render(_record())
    assert 'class="warn"' not in html
    assert "matches the environment" in html
    assert "<td>differs</td>" not in html


def test_the_report_says_when_no_lock_was_found_and_reads_an_older_record():
    html = _render(
        _record(lock_sha256=None, locked_distributions=None, environment_matches_lock=None)
    )
    assert 'class="warn"' in html and "No lock file" in html
    older = {key: _record()[key] for key in ("version", "commit", "uncommitted_changes")}
    html = _render(older)
    assert 'class="warn"' not in html and "<td>numpy</td>" in html
