"""Set-up shared by the workflow's job scripts.

Snakemake puts this folder on ``sys.path`` when it runs a script, so each script
imports :func:`run_job` from here and hands it its ``main``. Nothing in this
module imports numpy: the thread limits below only work if they are set first.
"""

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

# Each job uses one core (Snakemake runs several jobs side by side), and results must not
# depend on how a BLAS or OpenMP pool splits a sum.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# workflow/scripts/ -> the repository's src/, so jobs use the library of this checkout.
_SOURCE_DIR = Path(__file__).resolve().parents[2] / "src"


def run_job(main: Callable, snakemake) -> None:
    """Run ``main(snakemake)`` single-threaded, with all its output in the job's log.

    Parameters
    ----------
    main : callable
        Takes the ``snakemake`` object; imports numpy (or anything importing it)
        only inside, so that the thread limits apply.
    snakemake : snakemake.script.Snakemake
        The object Snakemake defines for a script; ``snakemake.log[0]`` is the log file.
    """
    for name in _THREAD_VARIABLES:
        os.environ[name] = "1"
    if _SOURCE_DIR.is_dir():
        # First, always: Snakemake hands the job its parent's sys.path, where an installed
        # normbench (another checkout's editable install, say) would otherwise win.
        while str(_SOURCE_DIR) in sys.path:
            sys.path.remove(str(_SOURCE_DIR))
        sys.path.insert(0, str(_SOURCE_DIR))
    log_path = Path(snakemake.log[0])
    with (
        log_path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        logging.basicConfig(
            stream=log, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True
        )
        logging.captureWarnings(True)
        # compiled libraries (HiGHS prints a banner) write to the file descriptors, not sys.stdout
        log.flush()
        saved = [os.dup(1), os.dup(2)]
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        failure = None
        try:
            main(snakemake)
        except Exception as error:
            # The traceback goes to the log only; the console gets one line (below).
            traceback.print_exc(file=log)
            failure = error
        except BaseException:
            # Ctrl-C and the like: keep the traceback in the log, and let it through.
            traceback.print_exc(file=log)
            raise
        finally:
            log.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
    if failure is not None:
        sys.exit(failure_line(snakemake, failure))


def failure_line(snakemake, error: BaseException) -> str:
    """One line for the console: the job, its log file and the reason it failed."""
    wildcards = ", ".join(f"{name}={value}" for name, value in snakemake.wildcards.items())
    job = f"{snakemake.rule} ({wildcards})" if wildcards else snakemake.rule
    reason = " ".join(f"{type(error).__name__}: {error}".split())
    if len(reason) > 2000:
        reason = reason[:2000] + " ..."
    return f"normbench: job {job} failed: {reason} [traceback in {snakemake.log[0]}]"
