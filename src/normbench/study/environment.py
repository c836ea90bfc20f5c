"""The software and machine a study ran on, and how its distributions compare with the lock.

``make setup`` installs exactly the distributions of ``requirements/lock.txt`` (their
versions and hashes); the same config in that environment gives the same bytes. This module
records what the process that writes ``results/provenance.json`` actually has: every installed
distribution, the Python, the CPU and how many cores, the BLAS libraries and their thread
pools (threadpoolctl), and numba's threading. It compares the distributions with the lock
once, here, so that the report only reads the verdict and the differences.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
from importlib import metadata
from os import PathLike
from pathlib import Path

__all__ = [
    "LOCK_FILE",
    "NOT_LOCKED",
    "canonical_name",
    "environment_provenance",
    "installed_distributions",
    "lock_differences",
    "read_lock",
]

#: The lock file, relative to the checkout that holds the Snakefile.
LOCK_FILE = Path("requirements") / "lock.txt"

#: Installed beside the lock but never in it: the installer the venv came with, and normbench
#: itself (installed from the checkout without dependencies; its commit is recorded instead).
NOT_LOCKED = frozenset({"pip", "normbench"})

#: The variables that set the BLAS, OpenMP and numba thread counts.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)

_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)")


def canonical_name(name: str) -> str:
    """A distribution's name as PEP 503 compares it: ``PyYAML`` and ``pyyaml`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: str | PathLike) -> dict[str, str]:
    """The pins of a lock file: ``{canonical name: version}``.

    Reads the lines that start with ``name==version`` (as ``uv pip compile`` and
    ``pip-compile`` write them); their continuation lines (``--hash=…``), comments and
    options are skipped.
    """
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[canonical_name(match.group(1))] = match.group(2)
    return dict(sorted(pins.items()))


def installed_distributions() -> dict[str, str]:
    """Every distribution this interpreter can import from: ``{canonical name: version}``.

    When a name is found twice on ``sys.path``, the first wins, as it does for
    :func:`importlib.metadata.version`.
    """
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical_name(name), dist.version)
    return dict(sorted(found.items()))


def lock_differences(
    locked: dict[str, str], installed: dict[str, str], ignore=NOT_LOCKED
) -> list[dict]:
    """The distributions whose installed version is not the locked one.

    Returns
    -------
    list of dict
        One ``{"distribution", "locked", "installed"}`` per difference, by name; ``locked``
        is None for a distribution the lock does not name, ``installed`` None for a locked
        one that is not installed. Names in ``ignore`` are left out.
    """
    differences = []
    for name in sorted(set(locked) | set(installed)):
        if name in ignore or locked.get(name) == installed.get(name):
            continue
        differences.append(
            {"distribution": name, "locked": locked.get(name), "installed": installed.get(name)}
        )
    return differences


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or None


def _blas_threads() -> list[dict]:
    """threadpoolctl's view of the BLAS and OpenMP libraries numpy and scipy load."""
    import numpy  # noqa: F401 (loaded so that its BLAS shows)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer")
    keys = (*keys, "filepath")  # which package ships the library (numpy's, scipy's)
    info = [{key: library.get(key) for key in keys} for library in threadpool_info()]
    return sorted(info, key=lambda library: tuple(str(library[key]) for key in keys))


def _numba_threads() -> dict:
    try:
        import numba
    except ImportError:
        return {"installed": False}
    try:
        active = numba.threading_layer()
    except ValueError:  # no parallel kernel has run in this process yet
        active = None
    return {
        "version": numba.__version__,
        "threading_layer": active,
        "threading_layer_requested": numba.config.THREADING_LAYER,
        "num_threads": numba.config.NUMBA_NUM_THREADS,
    }


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def environment_provenance(source_dir: str | PathLike) -> dict:
    """The environment of this process and its comparison with the checkout's lock file.

    Parameters
    ----------
    source_dir : str or path-like
        The checkout the Snakefile came from; its ``requirements/lock.txt`` is the lock.

    Returns
    -------
    dict
        ``python``, ``python_implementation``, ``platform``, ``cpu_model``, ``cpu_count``
        (the machine's), ``cpus_usable`` (this process's affinity), ``distributions``
        (``{name: version}``), ``threads`` (``blas``: threadpoolctl's libraries; ``numba``;
        ``variables``: the thread-count variables as set), ``lock_file``, ``lock_sha256``,
        ``locked_distributions`` (the lock's pins), ``environment_matches_lock`` (None when
        there is no lock file) and ``lock_differences`` (:func:`lock_differences`, leaving
        out :data:`NOT_LOCKED`).
    """
    lock = Path(source_dir) / LOCK_FILE
    installed = installed_distributions()
    if lock.is_file():
        locked = read_lock(lock)
        differences = lock_differences(locked, installed)
        lock_sha256, matches = _file_sha256(lock), not differences
    else:
        locked, differences, lock_sha256, matches = None, [], None, None
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(usable) if usable is not None else None,
        "distributions": installed,
        "threads": {
            "blas": _blas_threads(),
            "numba": _numba_threads(),
            "variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
        },
        "lock_file": LOCK_FILE.as_posix(),
        "lock_sha256": lock_sha256,
        "locked_distributions": locked,
        "environment_matches_lock": matches,
        "lock_differences": differences,
    }
