"""The Snakemake command the workflow tests run (a helper module, not a test file)."""

import shutil
import sys
from pathlib import Path


def snakemake_executable():
    """The ``snakemake`` beside this Python (the project's venv), else the one on PATH, or None."""
    executable = Path(sys.executable).with_name("snakemake")
    return str(executable) if executable.exists() else shutil.which("snakemake")
