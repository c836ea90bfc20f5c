"""Speed and accuracy of the twelve CV fits against scikit-learn, measured in one run.

For each pair it prints the cross-validated fit time (5 folds, 30 lams) as a ratio to
scikit-learn's ``LassoCV`` on the same data and folds, the squared-loss cells also against their
own scikit-learn counterparts (``LassoCV``, ``ElasticNetCV``, ``RidgeCV``), and each solver's worst
relative objective gap against cvxpy along a path on a small problem.

    python benchmarks/bench_solvers.py                    # n=100, p=1000
    python benchmarks/bench_solvers.py --sizes 100x1000 200x10000
    python benchmarks/bench_solvers.py --pairs huber:l1 l1:elasticnet
    python benchmarks/bench_solvers.py --sizes 200x100000 --pairs huber:l1 --no-gaps
    python benchmarks/bench_solvers.py --adjacent         # LassoCV re-timed next to each pair

Large sizes are slow to simulate (the block design draws every feature); only the pairs given
are timed.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import ElasticNetCV, LassoCV, RidgeCV
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from normbench.estimators import PenalizedRegressorCV
from normbench.objective import LOSSES, PENALTIES, objective_value
from normbench.simulate import dataset_seed, simulate
from normbench.solvers import SolverOptions, solve_path

FOLDS, N_LAMS = 5, 30


def _data(n, p, seed=0):
    params = {
        "n_train": n,
        "n_test": 10,
        "p": p,
        "design": {"kind": "block", "rho": 0.7, "group_size": 10, "n_groups": 3},
        "coef": {"n_nonzero": 10, "placement": "grouped", "amplitude": 1.0, "signs": "positive"},
        "noise": {
            "family": "student_t",
            "df": 2.0,
            "snr": 3.0,
            "skew": 1.0,
            "contamination": 0.1,
            "outlier_scale": 10.0,
        },
    }
    data = simulate(params, dataset_seed(seed, "bench", 0))
    return data["X_train"], data["y_train"]


def _timed(fn, repeat=1):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _sklearn_reference(penalty, X, y, cv):
    Z = (X - X.mean(0)) / X.std(0)
    if penalty == "l1":
        return lambda: LassoCV(cv=cv, alphas=N_LAMS).fit(Z, y)
    if penalty == "elasticnet":
        return lambda: ElasticNetCV(cv=cv, alphas=N_LAMS, l1_ratio=[0.2, 0.5, 0.8]).fit(Z, y)
    if penalty == "l2":
        n = len(y)
        alphas = n * np.geomspace(1e3, 1e-3, N_LAMS)
        return lambda: RidgeCV(alphas=alphas, cv=cv).fit(Z, y)
    return None


def worst_path_gap(loss, penalty, seed=1):
    """Largest relative gap to cvxpy along a 6-point path on a 30 x 60 problem."""
    import cvxpy as cp

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 60))
    X -= X.mean(0)
    y = X[:, :3] @ [2.0, -1.0, 1.0] + rng.standard_t(2, 30)
    lams = [np.nan] if penalty == "none" else np.geomspace(0.8, 0.03, 6)
    path = solve_path(
        X,
        y,
        loss=loss,
        penalty=penalty,
        lams=lams,
        l1_ratio=0.5,
        delta=1.0,
        options=SolverOptions(tol=1e-9),
    )
    worst = 0.0
    for k, lam in enumerate(lams):
        w, b = cp.Variable(60), cp.Variable()
        r = y - X @ w - b
        data = {
            "l2": cp.sum_squares(r) / 60,
            "l1": cp.norm1(r) / 30,
            "huber": cp.sum(cp.huber(r, 1.0)) / 60,
        }[loss]
        pen = {
            "none": 0,
            "l1": cp.norm1(w),
            "l2": cp.sum_squares(w) / 2,
            "elasticnet": 0.5 * cp.norm1(w) + 0.25 * cp.sum_squares(w),
        }[penalty]
        lam_value = 0.0 if penalty == "none" else lam
        cp.Problem(cp.Minimize(data + lam_value * pen)).solve(solver=cp.CLARABEL)
        kw = {"loss": loss, "penalty": penalty, "lam": lam_value, "l1_ratio": 0.5, "delta": 1.0}
        reference = objective_value(X, y, w.value, b.value, **kw)
        ours = objective_value(X, y, path.coefs[k], path.intercepts[k], **kw)
        # both optima are ~0 when the data are interpolated: an absolute floor keeps that honest
        worst = max(worst, (ours - reference) / max(abs(reference), 1e-8))
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100x1000"], help="n x p, e.g. 200x10000")
    parser.add_argument("--pairs", nargs="+", default=None, help="loss:penalty, default all 12")
    parser.add_argument("--no-gaps", action="store_true", help="skip the cvxpy accuracy check")
    parser.add_argument(
        "--adjacent",
        action="store_true",
        help="re-time LassoCV right after each pair (ratios robust to a shared machine's load)",
    )
    args = parser.parse_args(argv)
    pairs = (
        [tuple(s.split(":")) for s in args.pairs]
        if args.pairs
        else [(loss, penalty) for loss in LOSSES for penalty in PENALTIES]
    )
    warnings.simplefilter("ignore")
    with threadpool_limits(limits=1):
        # compile the numba kernels outside the timings
        PenalizedRegressorCV(loss="huber", penalty="l1", cv=2, n_lams=2).fit(*_data(20, 10))
        for size in args.sizes:
            n, p = map(int, size.split("x"))
            X, y = _data(n, p)
            cv = KFold(FOLDS, shuffle=True, random_state=0)
            lasso_seconds = _timed(_sklearn_reference("l1", X, y, cv))
            print(f"\n== n={n}, p={p}: LassoCV {lasso_seconds:.3f} s (1 thread) ==")
            print(
                f"{'pair':18s} {'seconds':>8s} {'/LassoCV':>9s} {'/sklearn twin':>14s}"
                f" {'worst path gap':>15s}" + (f" {'LassoCV s':>10s}" if args.adjacent else "")
            )
            for loss, penalty in pairs:
                est = PenalizedRegressorCV(
                    loss=loss, penalty=penalty, cv=FOLDS, n_lams=N_LAMS, random_state=0
                )
                seconds = _timed(lambda est=est, X=X, y=y: est.fit(X, y))
                if args.adjacent:
                    # the machine's load drifts: time the reference next to each pair
                    lasso_seconds = _timed(_sklearn_reference("l1", X, y, cv))
                twin = ""
                reference = _sklearn_reference(penalty, X, y, cv) if loss == "l2" else None
                if reference is not None:
                    twin = f"{seconds / _timed(reference):.2f}"
                gap = (
                    ""
                    if args.no_gaps or size != args.sizes[0]
                    else f"{worst_path_gap(loss, penalty):.1e}"
                )
                print(
                    f"{loss + '+' + penalty:18s} {seconds:8.3f} {seconds / lasso_seconds:9.2f}"
                    f" {twin:>14s} {gap:>15s}"
                    + (f" {lasso_seconds:10.3f}" if args.adjacent else ""),
                    flush=True,
                )


if __name__ == "__main__":
    main()
