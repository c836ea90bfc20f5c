"""How one path fit's time and peak memory grow with n and with p, pair by pair.

Two runs (``--runs n``, ``p`` or ``both``), each over every pair given (default: all 12):

    n-scaling   n = 100, 300, 1000, 3000, 10000 at p = 1000
    p-scaling   p = 1000, 3000, 10000, 30000, 100000 at n = 200

What is timed is ONE path fit, not a cross-validation:
:func:`normbench.models.paths.penalized_path`, the entry that ``PenalizedRegressorCV`` calls on
every fold and for its final refit, along ``--n-lams`` (default 10) values from lam_max down to
``--eps`` (default 1e-2) times lam_max, warm-started (for ``l2`` the CV's grid centred on
lam_max; for ``none`` its one minimum-norm fit). A K-fold CV costs about K + 1 such paths (6 at
5 folds), times the number of l1_ratios for elastic net and of delta factors for Huber, plus a
pilot lasso CV for Huber's reference delta: the exponents carry over to the CV, the seconds do
not.

Data: the default study's shape (``config/config.yaml``: correlated blocks of 5 features with
rho = 0.7, 10 true features, gaussian noise at SNR 1), drawn by ``normbench.data.simulate`` with
``n_test = 1`` (the data of the largest p-point, 200 x 100,000, is 160 MB). Elastic net at
l1_ratio 0.5; Huber at the fixed delta = 1.345 x the normalised MAD of y (``PenalizedRegressor``'s
rule; the CV derives it from a pilot fit instead).

Each (pair, point) runs in a fresh Python process with one BLAS thread. The process imports,
simulates, runs the pair once on a 40 x 20 slice (loading the numba kernels and the LP solver
outside the timing), then fits and reports back as JSON. Two memory numbers come back:

    before   resident memory just before the fit: interpreter, libraries, kernels and the data
             (the baseline of a process that only imports and simulates; the table's last row)
    MB       the fit's own peak: the process's peak resident memory during the fit minus before

On Linux the peak is reset just before the fit (``5 > /proc/self/clear_refs``), so it is the
fit's alone. Where that is impossible the whole process's ``ru_maxrss`` is used instead and the
cell is marked ``~``: an approximation, as that peak may be the simulation's.

``--budget`` seconds (default 120) of fitting per point (start-up and simulation not counted): a
fit still running then is killed and recorded as ``over budget``, and the pair's larger points
are not run but printed as ``skipped``; a process that dies (e.g. out of memory) is ``failed``
and skips the rest too. A ``*`` marks a path on which some lam did not meet its optimality
certificate.

Exponents, per pair: the least-squares slope of log seconds on log n (resp. log p) over the
points measured, and the slope between the two largest (the smallest points are dominated by
fixed costs, so that one says more about large problems).

    python benchmarks/bench_scaling.py --quick            # tiny sizes, 3 pairs: under a minute
    python benchmarks/bench_scaling.py                    # both runs, all pairs: long, see README
    python benchmarks/bench_scaling.py --runs p --pairs l2:l1 huber:l1 --budget 300
    python benchmarks/bench_scaling.py --n-points 100 1000 --n-fixed-p 500 --csv scaling.csv
    python benchmarks/bench_scaling.py --runs n --pairs l1:l1 --lad-method classic   # crossover

``--lad-method`` pins the absolute-loss pairs to the classic solvers or to the interior point
method (:mod:`normbench.models.lad`), to measure the crossover of its size switch.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from normbench.data.simulate import dataset_seed, simulate
from normbench.models.cv import robust_scale
from normbench.models.paths import penalized_path
from normbench.vocab import LOSSES, PENALTIES, pair_key
from normbench.vocab.pairs import check_choice

#: run -> (points, the other dimension's fixed size), default and --quick
SIZES = {
    "n": ((100, 300, 1000, 3000, 10000), 1000),
    "p": ((1000, 3000, 10000, 30000, 100000), 200),
}
QUICK_SIZES = {"n": ((100, 200, 400), 200), "p": ((200, 400, 800), 100)}
#: --quick's pairs unless --pairs is given: one per loss and solver family (a fresh worker
#: takes 1 to 2 s to start, so all 12 pairs at 6 points would take about two minutes)
QUICK_PAIRS = (("l2", "l1"), ("l1", "l1"), ("huber", "elasticnet"))
L1_RATIO = 0.5
#: PenalizedRegressor's Huber constant (normbench.models.estimators.HUBER_EFFICIENCY_CONSTANT),
#: not imported: that module imports scikit-learn, 2 s more in every worker
HUBER_EFFICIENCY_CONSTANT = 1.345
#: the worker prints this line once it is ready to fit: the budget runs from there
READY = "ready"
#: statuses of a point besides "ok"
OVER, SKIPPED, FAILED = "over budget", "skipped", "failed"
#: one BLAS / OpenMP / numba thread in the worker from its first import on: threadpool_limits
#: alone would miss scipy's OpenBLAS, which the numba kernels load only at their first call
ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}


def problem(n, p):
    """Simulator parameters of the default study's shape at size n x p (one test row)."""
    return {
        "n_train": n,
        "n_test": 1,
        "p": p,
        "design": {"kind": "block", "rho": 0.7, "group_size": 5},
        "coef": {"n_nonzero": 10, "placement": "mixed", "amplitude": 1.0},
        "noise": {"family": "gaussian", "snr": 1.0},
    }


# ---------------------------------------------------------------------------------------------
# the worker: one (pair, point) in its own process


def _status_mb(field):
    """A memory line of /proc/self/status (VmRSS, VmHWM) in MB; None where there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _release_free_memory():
    """Give the C heap's free pages back to the system (glibc), so that a fit reusing memory the
    simulation freed shows in its resident peak instead of hiding in pages already counted."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak():
    """Reset the process's peak resident memory to the current one (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return _status_mb("VmHWM") is not None


def _maxrss_mb():
    """The process's ``ru_maxrss`` in MB (kilobytes on Linux, bytes on macOS)."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 1024.0**2 if sys.platform == "darwin" else maxrss / 1024.0


def fit_point(loss, penalty, n, p, *, n_lams, eps, seed=0):
    """Simulate, warm up, then fit one path and measure it; the worker process's whole job.

    Returns a dict with ``seconds``, ``before_mb``, ``peak_mb`` (during the fit), ``fit_mb``
    (their difference), ``peak_exact`` (whether the peak was reset before the fit) and
    ``converged`` (every lam met its certificate). Prints :data:`READY` just before the fit.
    """
    data = simulate(problem(n, p), dataset_seed(seed, "bench_scaling", 0))
    X, y = data["X_train"], data["y_train"]
    del data
    delta = None
    if loss == "huber":
        scale = robust_scale(y)
        delta = HUBER_EFFICIENCY_CONSTANT * (scale if scale > 0 else 1.0)
    ratio = L1_RATIO if penalty == "elasticnet" else None
    settings = {"loss": loss, "penalty": penalty, "l1_ratio": ratio, "delta": delta}
    # load the compiled kernels and the LP solver outside the timing
    penalized_path(X[:40, :20], y[:40], n_lams=2, **settings)
    _release_free_memory()
    before = _status_mb("VmRSS") or _maxrss_mb()
    exact = _reset_peak()
    print(READY, flush=True)
    start = time.perf_counter()
    path = penalized_path(X, y, n_lams=n_lams, eps=eps, **settings)
    seconds = time.perf_counter() - start
    peak = _status_mb("VmHWM") if exact else _maxrss_mb()
    return {
        "seconds": seconds,
        "before_mb": before,
        "peak_mb": peak,
        "fit_mb": max(peak - before, 0.0),
        "peak_exact": exact,
        "converged": bool(np.all(path.solved.converged)),
    }


def _force_lad_method(method):
    """Pin the absolute-loss pairs to one side of the size switch (``auto`` leaves it): to measure
    the crossover between the interior point method and the classic solvers in one run."""
    if method == "auto":
        return
    from normbench.models import lad

    rows = 0 if method == "interior" else float("inf")
    lad.INTERIOR_POINT_MIN_ROWS = dict.fromkeys(lad.INTERIOR_POINT_MIN_ROWS, rows)


def _worker(args):
    loss, penalty = args.worker
    warnings.simplefilter("ignore")
    _force_lad_method(args.lad_method)
    with threadpool_limits(limits=1):
        result = fit_point(
            loss, penalty, args.worker_n, args.worker_p, n_lams=args.n_lams, eps=args.eps
        )
    print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------------
# the driver: one process per point, the budget, the tables


def _wait_ready(worker):
    """Read the worker's output up to its READY line; False if it ended without one."""
    for line in iter(worker.stdout.readline, ""):
        if line.strip() == READY:
            return True
    return False


def run_point(loss, penalty, n, p, *, n_lams, eps, budget, lad_method="auto"):
    """Fit one pair at one point in a fresh process; a record with its ``status``.

    The budget counts from the worker's :data:`READY` line, so start-up and simulation are not
    charged to the fit; a worker still fitting after ``budget`` seconds is killed, and a fit
    that ended but took longer than ``budget`` seconds is over budget too.
    """
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        loss,
        penalty,
        "--worker-n",
        str(n),
        "--worker-p",
        str(p),
        "--n-lams",
        str(n_lams),
        "--eps",
        repr(eps),
        "--lad-method",
        lad_method,
    ]
    record = {"loss": loss, "penalty": penalty, "n": n, "p": p}
    # stderr to a file: a worker that writes much there before READY must not block on a pipe
    with tempfile.TemporaryFile("w+") as errors:
        worker = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, **ONE_THREAD},
        )
        ready = _wait_ready(worker)
        try:
            # wait(), not communicate(timeout=): the latter would bypass the text buffer that
            # reading up to READY may already have filled with the result line
            worker.wait(timeout=budget if ready else None)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
            worker.stdout.close()
            return {**record, "status": OVER}
        out = worker.stdout.read()
        worker.stdout.close()
        errors.seek(0)
        reason = (errors.read().strip().splitlines() or [f"exit code {worker.returncode}"])[-1]
    lines = out.strip().splitlines()
    if not ready or worker.returncode != 0 or not lines:
        return {**record, "status": FAILED, "reason": reason}
    measured = json.loads(lines[-1])
    if measured["seconds"] > budget:
        return {**record, "status": OVER, **measured}
    return {**record, "status": "ok", **measured}


def scaling_run(
    run, pairs, points, fixed, *, n_lams, eps, budget, progress=print, lad_method="auto"
):
    """Every pair at every point of one run; after an over-budget or failed point, the pair's
    larger points are recorded as skipped."""
    records = []
    for loss, penalty in pairs:
        stopped = False
        for size in points:
            n, p = (size, fixed) if run == "n" else (fixed, size)
            if stopped:
                record = {"loss": loss, "penalty": penalty, "n": n, "p": p, "status": SKIPPED}
            else:
                settings = {"n_lams": n_lams, "eps": eps, "budget": budget}
                record = run_point(loss, penalty, n, p, **settings, lad_method=lad_method)
                stopped = record["status"] != "ok"
            record["run"] = run
            records.append(record)
            progress(
                f"  {run}-run {pair_key(loss, penalty):18s} n={n:<6d} p={p:<7d} {_cell(record)}"
            )
    return records


def growth_exponents(records, run):
    """Per pair: (slope of log seconds on log size over the points measured, slope between the
    two largest, number of points); NaN slopes where fewer than two points were measured."""
    exponents = {}
    for pair in dict.fromkeys((r["loss"], r["penalty"]) for r in records):
        measured = [r for r in records if (r["loss"], r["penalty"]) == pair and r["status"] == "ok"]
        if len(measured) < 2:
            exponents[pair] = (np.nan, np.nan, len(measured))
            continue
        sizes = np.log([r[run] for r in measured])
        seconds = np.log([r["seconds"] for r in measured])
        slope = float(np.polyfit(sizes, seconds, 1)[0])
        last = float((seconds[-1] - seconds[-2]) / (sizes[-1] - sizes[-2]))
        exponents[pair] = (slope, last, len(measured))
    return exponents


def _cell(record):
    if record["status"] != "ok":
        return record["status"]
    marks = ("" if record["peak_exact"] else "~") + ("" if record["converged"] else "*")
    return f"{record['seconds']:.3g}s {record['fit_mb']:.3g}MB{marks}"


def print_run(records, run, points, fixed, exponents):
    """The run's table (rows pairs, columns points) and its exponents."""
    other = "p" if run == "n" else "n"
    print(f"\n== {run}-scaling at {other} = {fixed}: seconds and MB of one path fit ==")
    width = 20
    print(f"{'pair':18s}" + "".join(f"{f'{run}={size}':>{width}s}" for size in points))
    pairs = list(dict.fromkeys((r["loss"], r["penalty"]) for r in records))
    for loss, penalty in pairs:
        cells = {r[run]: _cell(r) for r in records if (r["loss"], r["penalty"]) == (loss, penalty)}
        row = "".join(f"{cells.get(size, ''):>{width}s}" for size in points)
        print(f"{pair_key(loss, penalty):18s}{row}")
    before = []
    for size in points:
        values = [r["before_mb"] for r in records if r[run] == size and r["status"] == "ok"]
        before.append(f"{np.median(values):.0f}MB" if values else "")
    print(f"{'before fit (med.)':18s}" + "".join(f"{cell:>{width}s}" for cell in before))
    print(f"\n== growth exponent of time in {run} (time ~ {run}^k) ==")
    print(f"{'pair':18s} {'k (all)':>8s} {'k (last 2)':>10s} {'points':>7s}")
    for (loss, penalty), (slope, last, count) in exponents.items():
        print(f"{pair_key(loss, penalty):18s} {slope:8.2f} {last:10.2f} {count:7d}")


CSV_FIELDS = (
    "run",
    "loss",
    "penalty",
    "n",
    "p",
    "status",
    "seconds",
    "fit_mb",
    "peak_mb",
    "before_mb",
    "peak_exact",
    "converged",
    "reason",
)


def write_csv(path, records):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)


def _pairs(specs):
    if not specs:
        return [(loss, penalty) for loss in LOSSES for penalty in PENALTIES]
    pairs = []
    for spec in specs:
        loss, _, penalty = spec.partition(":")
        pairs.append(
            (check_choice("loss", loss, LOSSES), check_choice("penalty", penalty, PENALTIES))
        )
    return pairs


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", help="loss:penalty (default: all 12)")
    parser.add_argument("--runs", choices=("n", "p", "both"), default="both")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and, without --pairs, three pairs"
    )
    parser.add_argument("--n-points", type=int, nargs="+", help="n of the n-run")
    parser.add_argument("--n-fixed-p", type=int, help="p of the n-run")
    parser.add_argument("--p-points", type=int, nargs="+", help="p of the p-run")
    parser.add_argument("--p-fixed-n", type=int, help="n of the p-run")
    parser.add_argument("--n-lams", type=int, default=10, help="lams on the path (default 10)")
    parser.add_argument("--eps", type=float, default=1e-2, help="lam_min / lam_max (1e-2)")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds of fit per point")
    parser.add_argument("--csv", help="write every point's record to this CSV file")
    parser.add_argument(
        "--lad-method",
        choices=("auto", "classic", "interior"),
        default="auto",
        help="absolute loss: the size switch (auto), or always the simplex / dual solvers "
        "(classic) or the interior point method (interior, where p <= n)",
    )
    # the worker's own arguments: one (pair, point) in a fresh process
    parser.add_argument("--worker", nargs=2, metavar=("LOSS", "PENALTY"), help=argparse.SUPPRESS)
    parser.add_argument("--worker-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-p", type=int, help=argparse.SUPPRESS)
    return parser


def main(argv=None):
    """Run the scaling runs; return ``{run: (records, exponents)}`` (the worker returns None)."""
    args = _parser().parse_args(argv)
    if args.worker:
        _worker(args)
        return None
    pairs = _pairs(args.pairs) if args.pairs or not args.quick else list(QUICK_PAIRS)
    sizes = QUICK_SIZES if args.quick else SIZES
    given = {
        "n": (args.n_points, args.n_fixed_p),
        "p": (args.p_points, args.p_fixed_n),
    }
    results, records = {}, []
    for run in ("n", "p") if args.runs == "both" else (args.runs,):
        points = sorted(given[run][0] or sizes[run][0])
        fixed = given[run][1] or sizes[run][1]
        print(f"\n{run}-scaling: {run} in {points}, budget {args.budget:g} s per point", flush=True)
        run_records = scaling_run(
            run,
            pairs,
            points,
            fixed,
            n_lams=args.n_lams,
            eps=args.eps,
            budget=args.budget,
            progress=lambda line: print(line, flush=True),
            lad_method=args.lad_method,
        )
        exponents = growth_exponents(run_records, run)
        print_run(run_records, run, points, fixed, exponents)
        results[run] = (run_records, exponents)
        records += run_records
    if args.csv:
        write_csv(args.csv, records)
    return results


if __name__ == "__main__":
    main()
