"""Compile the solvers' numba kernels before anything is timed.

The kernels (:mod:`normbench.models.kernels`) are compiled with ``cache=True``: numba writes
the machine code to its on-disk cache (``__pycache__`` beside the kernels, or
``NUMBA_CACHE_DIR``) the first time a kernel runs with a given signature, and later processes
load it from there in a fraction of a second.  On a fresh clone that first time used to be
inside a study's first timed fit (about 27 s for the descent kernel).  Two things prevent it:

- ``make setup`` runs ``python -m normbench.models.warm``, which fits every pair once on two
  tiny problems (p > n and n > p) through the estimators the study uses, so every kernel is
  compiled with exactly the signatures the study calls it with, and cached;
- the fit job calls :func:`warm_pair` before the first timed fit of each pair and measures any
  compilation with :class:`CompileClock`, so that ``fit_seconds`` never includes it.

A warm-up only ever loads or compiles; its fits are thrown away.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager

import numpy as np
from numba.core import event

from normbench.vocab import pair_key

__all__ = ["CompileClock", "compile_clock", "tiny_problems", "warm_all", "warm_pair"]

#: numba's event around one compilation (fired on a cache miss only, never on a cache load)
_COMPILE_EVENT = "numba:compile"

# pairs (and estimator settings) already warmed in this process: a second warm-up is free
_warmed: set = set()


class CompileClock(event.Listener):
    """Seconds numba spends compiling while the clock is installed.

    A kernel that calls another compiles both, one inside the other; only the outermost
    compilation is counted, so nothing is counted twice.
    """

    def __init__(self):
        self.seconds = 0.0
        self._depth = 0
        self._start = 0.0

    def on_start(self, event):
        if self._depth == 0:
            self._start = time.perf_counter()
        self._depth += 1

    def on_end(self, event):
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._start


@contextmanager
def compile_clock():
    """Install a :class:`CompileClock` for the duration of the block and yield it."""
    clock = CompileClock()
    with event.install_listener(_COMPILE_EVENT, clock):
        yield clock


def tiny_problems(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Two small regression problems, ``(X, y)``: one with p > n, one with n > p.

    Both shapes, because some pairs take another road when n > p (the unpenalised fits are
    then M-estimators, Huber's ridge descends instead of taking Newton steps in the row span).
    The arrays are float64 and C-ordered, as the study's datasets are.
    """
    rng = np.random.default_rng(seed)
    problems = []
    for n, p in ((24, 60), (48, 6)):
        X = rng.standard_normal((n, p))
        coef = np.zeros(p)
        coef[:3] = (2.0, -1.5, 1.0)
        # heavy tails, so that the Huber fits have residuals on both sides of delta
        y = X @ coef + rng.standard_t(2, size=n)
        problems.append((X, y))
    return problems


def warm_pair(
    loss: str, penalty: str, make_estimator: Callable, *, key=None, problems=None
) -> float:
    """Fit one pair on the tiny problems so that its kernels are compiled or loaded.

    Parameters
    ----------
    loss, penalty : str
    make_estimator : callable
        ``make_estimator(loss, penalty)`` returns an unfitted
        :class:`~normbench.models.estimators.PenalizedRegressorCV` set up as the study's (its
        grids may be shorter: the kernels' signatures do not depend on them).
    key : hashable, optional
        What, besides the pair, the estimator depends on (e.g. the study's settings); a pair
        already warmed under the same key in this process is not warmed again.
    problems : list of (X, y), optional
        Default :func:`tiny_problems`.

    Returns
    -------
    float
        Seconds numba spent compiling (0 where every kernel came from the cache or was already
        loaded).  A warm-up never raises: a pair that fails here fails again in its real fit,
        which records the error.
    """
    if (loss, penalty, key) in _warmed:
        return 0.0
    with compile_clock() as clock:
        for X, y in problems if problems is not None else tiny_problems():
            try:
                make_estimator(loss, penalty).fit(X, y)
            except Exception:  # noqa: BLE001 - the real fit reports its own errors
                continue
    _warmed.add((loss, penalty, key))
    return clock.seconds


def warm_all(pairs: Iterable[tuple[str, str]] | None = None, progress=sys.stdout) -> float:
    """Warm every pair (default: every pair of the solvers' table); return the compile seconds."""
    from normbench.models.estimators import PenalizedRegressorCV
    from normbench.models.solvers import PATH_SOLVERS

    def make(loss, penalty):
        return PenalizedRegressorCV(
            loss=loss, penalty=penalty, cv=2, n_lams=3, l1_ratios=(0.5,), random_state=0
        )

    total = 0.0
    for loss, penalty in pairs if pairs is not None else PATH_SOLVERS:
        start = time.perf_counter()
        seconds = warm_pair(loss, penalty, make)
        total += seconds
        if progress is not None:
            print(
                f"{pair_key(loss, penalty)}: compiled {seconds:.1f} s "
                f"(warm-up {time.perf_counter() - start:.1f} s)",
                file=progress,
                flush=True,
            )
    return total


def main() -> None:
    """``python -m normbench.models.warm``: fill numba's cache with every kernel."""
    start = time.perf_counter()
    total = warm_all()
    print(
        f"normbench: solver kernels ready ({total:.1f} s compiling, "
        f"{time.perf_counter() - start:.1f} s in all)",
        flush=True,
    )


if __name__ == "__main__":
    main()
