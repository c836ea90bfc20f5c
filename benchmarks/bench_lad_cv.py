"""The absolute loss's whole cross-validation at large n: time and peak memory of
``PenalizedRegressorCV(loss="l1")`` (5 folds x 30 lams and the refit) as n grows at p = 1000.

Where ``bench_scaling.py`` times one path, this times what a study runs per fit: the 5 fold
paths on 0.8 n points each and the refit on all n, with the CV's own grid (30 lams down to 1e-3
x lam_max; ``none`` is one unpenalised fit per fold).  Elastic net runs one l1_ratio (0.5), so
that every pair is 5 folds x 30 lams; the default three ratios cost three times as much.

Data: a Toeplitz design (``rho^|i - j|``, rho = 0.5), 10 true features, Laplace noise at SNR 1
(``normbench.data.simulate``, seeded).  Each (pair, n) runs in a fresh process with one BLAS
thread; reported are wall seconds, the process's CPU seconds during the fit
(``time.process_time``: the number to read on a shared machine, where wall time waits for the
core), the fit's peak resident memory over the process's resident memory just before it
(``VmHWM`` reset by ``/proc/self/clear_refs``, Linux), and how many (fold, lam) fits missed
their certificate (``n_cv_not_converged_``, 0 expected).

    python benchmarks/bench_lad_cv.py --n-points 1000 2000 4000 10000
    python benchmarks/bench_lad_cv.py --pairs l2 --n-points 4000 --lad-method classic

``--lad-method`` pins the absolute loss to the classic solvers or to the interior point method
on every fit (as in ``bench_scaling.py``), to measure the crossover of the size switch.
Exponents: the least-squares slope of log CPU seconds on log n, per pair.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np

# the worker's memory readings are bench_scaling's (this folder is the script's sys.path[0])
from bench_scaling import _reset_peak, _status_mb

PENALTIES = ("none", "l1", "l2", "elasticnet")
P = 1000


def problem(n, p):
    """Simulator parameters: Toeplitz design, 10 true features, Laplace noise (one test row)."""
    return {
        "n_train": n,
        "n_test": 1,
        "p": p,
        "design": {"kind": "toeplitz", "rho": 0.5},
        "coef": {"n_nonzero": 10, "placement": "mixed", "amplitude": 1.0},
        "noise": {"family": "laplace", "snr": 1.0},
    }


def fit_cv(penalty, n, lad_method):
    """One CV in this process: simulate, warm the kernels up, fit, measure."""
    from threadpoolctl import threadpool_limits

    from normbench.data.simulate import dataset_seed, simulate
    from normbench.models import lad
    from normbench.models.estimators import PenalizedRegressorCV

    if lad_method != "auto":
        rows = 0 if lad_method == "interior" else float("inf")
        lad.INTERIOR_POINT_MIN_ROWS = dict.fromkeys(lad.INTERIOR_POINT_MIN_ROWS, rows)
    data = simulate(problem(n, P), dataset_seed(0, "bench_lad_cv", 0))
    X, y = data["X_train"], data["y_train"]
    del data
    settings = {"loss": "l1", "penalty": penalty, "cv": 5, "n_lams": 30, "l1_ratios": (0.5,)}
    with threadpool_limits(limits=1):
        # numba kernels and the LP solver loaded outside the timing
        PenalizedRegressorCV(**{**settings, "n_lams": 2}).fit(X[:60, :20], y[:60])
        before = _status_mb("VmRSS")
        exact = _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        model = PenalizedRegressorCV(**settings).fit(X, y)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = _status_mb("VmHWM") if exact else None
    return {
        "penalty": penalty,
        "n": n,
        "method": lad_method,
        "wall": wall,
        "cpu": cpu,
        "fit_mb": None if peak is None or before is None else max(peak - before, 0.0),
        "not_converged": int(model.n_cv_not_converged_),
        "final_converged": bool(model.converged_) if hasattr(model, "converged_") else None,
    }


def exponent(ns, seconds):
    """Least-squares slope of log seconds on log n."""
    return float(np.polyfit(np.log(ns), np.log(seconds), 1)[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", default=list(PENALTIES), choices=PENALTIES)
    parser.add_argument("--n-points", nargs="+", type=int, default=[1000, 2000, 4000, 10000])
    parser.add_argument("--lad-method", default="auto", choices=("auto", "classic", "interior"))
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        warnings.simplefilter("ignore")
        print(json.dumps(fit_cv(args.worker[0], int(args.worker[1]), args.lad_method)))
        return
    records = []
    for penalty in args.pairs:
        for n in args.n_points:
            command = [sys.executable, __file__, "--worker", penalty, str(n)]
            command += ["--lad-method", args.lad_method]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"l1+{penalty} n={n}: failed\n{done.stderr[-2000:]}", flush=True)
                continue
            record = json.loads(done.stdout.strip().splitlines()[-1])
            records.append(record)
            print(
                f"l1+{penalty:<11} n={n:>6} {args.lad_method:<8} wall {record['wall']:8.1f} s"
                f"  cpu {record['cpu']:8.1f} s  fit {record['fit_mb'] or float('nan'):7.0f} MB"
                f"  not certified {record['not_converged']}",
                flush=True,
            )
    for penalty in args.pairs:
        rows = [r for r in records if r["penalty"] == penalty]
        if len(rows) > 1:
            ns = [r["n"] for r in rows]
            print(
                f"l1+{penalty:<11} k (cpu) {exponent(ns, [r['cpu'] for r in rows]):.2f}"
                f"  k (wall) {exponent(ns, [r['wall'] for r in rows]):.2f}  n = {ns}"
            )


if __name__ == "__main__":
    main()
