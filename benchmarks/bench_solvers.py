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

For l2+l1 and l2+elasticnet it also reports the accuracy-matched comparison (skip with
``--no-matched``): ``sk KKT`` is the worst KKT violation, relative to lam_max, of scikit-learn's
fold paths at its default ``tol=1e-4`` (a duality gap relative to ``||y||^2 / n``); ``sk tol`` the
loosest tol in 1e-4, 1e-5, ... whose paths meet our certificate (KKT <= 1e-6 x lam_max, with
``max_iter`` raised to ours); ``/twin@tol`` our time over the twin's time at that tol.

Large sizes are slow to simulate (the block design draws every feature); only the pairs given
are timed.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import ElasticNetCV, LassoCV, RidgeCV, enet_path
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from normbench.data.simulate import dataset_seed, simulate
from normbench.models.estimators import PenalizedRegressorCV
from normbench.models.objective import objective_value
from normbench.models.solvers import SolverOptions, solve_path
from normbench.vocab import LOSSES, PENALTIES

FOLDS, N_LAMS = 5, 30
#: scikit-learn's tol values tried, loosest first, when matching our certificate
SKLEARN_TOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12)
#: our descent's iteration cap, given to scikit-learn too when its tol is tightened
MATCHED_MAX_ITER = 100_000


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


def _standardized(X):
    return (X - X.mean(0)) / X.std(0)


def _sklearn_cv(penalty, tol=1e-4, max_iter=1000):
    """scikit-learn's CV twin of an L1-type cell (its defaults: ``tol=1e-4``, ``max_iter=1000``)."""
    kw = {"alphas": N_LAMS, "tol": tol, "max_iter": max_iter}
    if penalty == "l1":
        return LassoCV(**kw)
    return ElasticNetCV(l1_ratio=[0.2, 0.5, 0.8], **kw)


def _sklearn_reference(penalty, X, y, cv, tol=1e-4, max_iter=1000):
    Z = _standardized(X)
    if penalty in ("l1", "elasticnet"):
        model = _sklearn_cv(penalty, tol, max_iter).set_params(cv=cv)
        return lambda: model.fit(Z, y)
    if penalty == "l2":
        n = len(y)
        alphas = n * np.geomspace(1e3, 1e-3, N_LAMS)
        return lambda: RidgeCV(alphas=alphas, cv=cv).fit(Z, y)
    return None


def sklearn_worst_kkt(penalty, X, y, cv, tol, max_iter=1000):
    """Worst KKT violation of scikit-learn's fold paths at ``tol``, relative to each fold's lam_max.

    Re-runs the paths its CV object solves (the same alphas, each fold's training data centred as
    its ``_pre_fit`` does, ``precompute=False`` as 'auto' picks for n < p) and measures every
    solution with the certificate our descent stops on: the largest distance of zero from the
    subdifferential, over all features, divided by ``max_j |x_j'(y - mean y)| / n``.
    """
    Z = _standardized(X)
    model = _sklearn_cv(penalty, tol, max_iter).set_params(cv=cv).fit(Z, y)
    ratios = np.atleast_1d(getattr(model, "l1_ratio", 1.0))
    alphas = np.atleast_2d(model.alphas_)
    worst = 0.0
    for train, _ in cv.split(Z):
        Xf = Z[train] - Z[train].mean(0)
        yf = y[train] - y[train].mean()
        n = len(yf)
        scale = np.max(np.abs(Xf.T @ yf)) / n
        for rho, grid in zip(ratios, alphas, strict=True):
            _, coefs, _ = enet_path(
                Xf, yf, l1_ratio=rho, alphas=grid, tol=tol, max_iter=max_iter, precompute=False
            )
            for k, alpha in enumerate(grid):
                w = coefs[:, k]
                grad = -Xf.T @ (yf - Xf @ w) / n + alpha * (1 - rho) * w
                kappa = alpha * rho
                violation = np.where(
                    w != 0, np.abs(grad + kappa * np.sign(w)), np.maximum(np.abs(grad) - kappa, 0)
                )
                worst = max(worst, violation.max() / scale)
    return worst


def sklearn_matched(penalty, X, y, cv, target):
    """scikit-learn's worst KKT at its default tol, and the loosest tol that meets ``target``.

    Returns ``(kkt_at_default, matched_tol, kkt_at_matched)``; ``matched_tol`` is None when no
    tol in :data:`SKLEARN_TOLS` gets there.
    """
    default = sklearn_worst_kkt(penalty, X, y, cv, SKLEARN_TOLS[0])
    if default <= target:
        return default, SKLEARN_TOLS[0], default
    for tol in SKLEARN_TOLS[1:]:
        kkt = sklearn_worst_kkt(penalty, X, y, cv, tol, MATCHED_MAX_ITER)
        if kkt <= target:
            return default, tol, kkt
    return default, None, kkt


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
    parser.add_argument(
        "--no-matched",
        action="store_true",
        help="skip the accuracy-matched scikit-learn timing of the l2+l1 / l2+elasticnet cells",
    )
    parser.add_argument("--repeat", type=int, default=1, help="timings are the best of this many")
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
            lasso_seconds = _timed(_sklearn_reference("l1", X, y, cv), args.repeat)
            print(f"\n== n={n}, p={p}: LassoCV {lasso_seconds:.3f} s (1 thread) ==")
            print(
                f"{'pair':18s} {'seconds':>8s} {'/LassoCV':>9s} {'/sklearn twin':>14s}"
                f" {'worst path gap':>15s}"
                + (f" {'LassoCV s':>10s}" if args.adjacent else "")
                + ("" if args.no_matched else f" {'sk KKT':>8s} {'sk tol':>7s} {'/twin@tol':>10s}")
            )
            for loss, penalty in pairs:
                est = PenalizedRegressorCV(
                    loss=loss, penalty=penalty, cv=FOLDS, n_lams=N_LAMS, random_state=0
                )
                seconds = _timed(lambda est=est, X=X, y=y: est.fit(X, y), args.repeat)
                if args.adjacent:
                    # the machine's load drifts: time the reference next to each pair
                    lasso_seconds = _timed(_sklearn_reference("l1", X, y, cv), args.repeat)
                twin = ""
                reference = _sklearn_reference(penalty, X, y, cv) if loss == "l2" else None
                if reference is not None:
                    twin = f"{seconds / _timed(reference, args.repeat):.2f}"
                matched = ""
                if not args.no_matched and loss == "l2" and penalty in ("l1", "elasticnet"):
                    # scikit-learn stops on a duality gap; at its default tol its solutions
                    # violate the KKT conditions far more than our certificate allows
                    kkt, tol, _ = sklearn_matched(penalty, X, y, cv, SolverOptions().tol)
                    ratio = "n/a"
                    if tol is not None:
                        slow = _sklearn_reference(penalty, X, y, cv, tol, MATCHED_MAX_ITER)
                        ratio = f"{seconds / _timed(slow, args.repeat):.2f}"
                    matched = f" {kkt:8.1e} {tol or float('nan'):7.0e} {ratio:>10s}"
                gap = (
                    ""
                    if args.no_gaps or size != args.sizes[0]
                    else f"{worst_path_gap(loss, penalty):.1e}"
                )
                print(
                    f"{loss + '+' + penalty:18s} {seconds:8.3f} {seconds / lasso_seconds:9.2f}"
                    f" {twin:>14s} {gap:>15s}"
                    + (f" {lasso_seconds:10.3f}" if args.adjacent else "")
                    + matched,
                    flush=True,
                )


if __name__ == "__main__":
    main()
