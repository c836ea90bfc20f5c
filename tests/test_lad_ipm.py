"""The absolute loss at large n: the interior point paths reach the documented optimum, finish on
exact vertices / zeros, and the size switch sends each problem to the method it should."""

import cvxpy as cp
import numpy as np
import pytest
from cvxpy_reference import cvxpy_optimum

import normbench.models.lad as lad
from normbench.models.cv import lam_grid
from normbench.models.kernels.lad_ipm import lad_ipm
from normbench.models.objective import objective_value
from normbench.models.result import SolverOptions
from normbench.models.solvers import solve_path
from normbench.vocab import PENALTIES


def _problem(n=60, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p)
    X -= X.mean(axis=0)
    coef = np.zeros(p)
    coef[:3] = [2.0, -1.5, 1.0]
    return X, 0.7 + X @ coef + rng.standard_t(2, n)


@pytest.fixture
def interior_point_everywhere(monkeypatch):
    monkeypatch.setattr(lad, "INTERIOR_POINT_MIN_ROWS", dict.fromkeys(PENALTIES, 1))


def _assert_optimal(X, y, path, lams, penalty, points=None):
    """Each point of ``path`` (all, or the indices ``points``) at most cvxpy's optimum of the
    absolute loss with ``penalty`` at its lam (elastic net's l1_ratio 0.5), to 1e-6 relative."""
    for k in range(len(lams)) if points is None else points:
        kw = {"loss": "l1", "penalty": penalty, "lam": lams[k], "l1_ratio": 0.5}
        ours = objective_value(X, y, path.coefs[k], path.intercepts[k], **kw)
        reference = cvxpy_optimum(X, y, **kw)
        assert ours <= reference + 1e-6 * abs(reference), (lams[k], ours, reference)


@pytest.mark.parametrize("penalty", PENALTIES)
def test_interior_point_path_reaches_the_cvxpy_optimum(penalty, interior_point_everywhere):
    X, y = _problem(seed=PENALTIES.index(penalty))
    lams = lam_grid(X, y, loss="l1", penalty=penalty, l1_ratio=0.5, n_lams=6, eps=1e-2)
    lams = lams[[0, 2, 5]] if penalty != "none" else lams
    path = solve_path(X, y, loss="l1", penalty=penalty, lams=lams, l1_ratio=0.5)
    assert path.converged.all(), path.messages
    _assert_optimal(X, y, path, [0.0] if penalty == "none" else lams, penalty)


@pytest.mark.parametrize("penalty", ["none", "l1"])
def test_interior_point_finishes_on_the_exact_vertex(penalty, interior_point_everywhere):
    # a vertex of the LP: as many points fitted exactly as coefficients plus the intercept
    X, y = _problem(n=200, p=20, seed=5)
    lams = lam_grid(X, y, loss="l1", penalty=penalty, n_lams=8, eps=1e-2)
    path = solve_path(X, y, loss="l1", penalty=penalty, lams=lams)
    assert path.converged.all(), path.messages
    for coef, intercept in zip(path.coefs, path.intercepts, strict=True):
        exact = np.sum(np.abs(y - X @ coef - intercept) <= 1e-9 * np.abs(y).max())
        assert exact >= np.count_nonzero(coef) + 1


def test_interior_point_lasso_agrees_with_the_simplex_path(monkeypatch):
    X, y = _problem(n=300, p=30, seed=2)
    lams = lam_grid(X, y, loss="l1", penalty="l1", n_lams=12, eps=1e-3)
    simplex = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    monkeypatch.setattr(lad, "INTERIOR_POINT_MIN_ROWS", dict.fromkeys(PENALTIES, 1))
    interior = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    assert interior.converged.all() and simplex.converged.all()
    values = [
        [
            objective_value(X, y, c, b, loss="l1", penalty="l1", lam=lam)
            for c, b, lam in zip(path.coefs, path.intercepts, lams, strict=True)
        ]
        for path in (simplex, interior)
    ]
    np.testing.assert_allclose(values[1], values[0], rtol=1e-8)
    # the same supports: both are vertices (a tie between optimal vertices would be rare here)
    np.testing.assert_array_equal(interior.coefs != 0, simplex.coefs != 0)


def test_interior_point_elastic_net_has_exact_zeros(interior_point_everywhere):
    X, y = _problem(n=200, p=40, seed=4)
    lams = lam_grid(X, y, loss="l1", penalty="elasticnet", l1_ratio=0.5, n_lams=6, eps=1e-2)
    path = solve_path(X, y, loss="l1", penalty="elasticnet", lams=lams, l1_ratio=0.5)
    assert path.converged.all(), path.messages
    assert (path.coefs[1] == 0).any() and (path.coefs[0] == 0).all()


@pytest.mark.parametrize(("l1", "l2"), [(0.05, 0.0), (0.0, 0.1), (0.03, 0.05)])
def test_ipm_kernel_certificate_reaches_its_target(l1, l2):
    X, y = _problem(n=150, p=10, seed=7)

    def gap_of(b, w, alpha):
        return lad._elastic_gap(X, y, w, b, alpha, l1, l2)

    b, w, alpha, iterations, gap = lad_ipm(X, y, l1, l2, gap_of, 1e-9)
    assert gap <= 1e-9 and iterations < 100
    assert gap_of(b, w, alpha) == gap


def test_size_switch_chooses_each_method_where_expected():
    for penalty, rows in lad.INTERIOR_POINT_MIN_ROWS.items():
        assert not lad.uses_interior_point(penalty, rows - 1, 10)
        assert lad.uses_interior_point(penalty, rows, 10)
        assert not lad.uses_interior_point(penalty, rows, rows + 1)  # p > n: the dual methods
    # the study's datasets (n of 100 to 300) keep the simplex and dual methods
    assert not any(lad.uses_interior_point(pen, 300, 1000) for pen in PENALTIES)


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_size_switch_routes_the_path(penalty, monkeypatch):
    X, y = _problem(n=80, p=5, seed=1)
    lams = lam_grid(X, y, loss="l1", penalty=penalty, n_lams=3, eps=1e-2)
    called = []
    for name in ("_lad_lasso_ipm_path", "_lad_ridge_kept_path"):
        original = getattr(lad, name)
        monkeypatch.setattr(lad, name, lambda *a, _f=original, _n=name: called.append(_n) or _f(*a))
    solve_path(X, y, loss="l1", penalty=penalty, lams=lams, options=SolverOptions())
    assert called == []
    monkeypatch.setattr(lad, "INTERIOR_POINT_MIN_ROWS", dict.fromkeys(PENALTIES, 80))
    solve_path(X, y, loss="l1", penalty=penalty, lams=lams, options=SolverOptions())
    assert called == ["_lad_lasso_ipm_path" if penalty == "l1" else "_lad_ridge_kept_path"]


@pytest.mark.parametrize("penalty", PENALTIES)
def test_interior_point_on_a_rank_deficient_design(penalty, interior_point_everywhere, monkeypatch):
    # duplicated columns: the LP's optimum is not unique and the nearest basis can be singular;
    # the path must still certify every point (the classic solvers take over where needed)
    monkeypatch.setattr(lad, "GLOB_MIN_ROWS", 50)
    X, y = _problem(n=120, p=10, seed=2)
    X[:, 5:] = X[:, :5]
    lams = lam_grid(X, y, loss="l1", penalty=penalty, l1_ratio=0.5, n_lams=4, eps=1e-2)
    path = solve_path(X, y, loss="l1", penalty=penalty, lams=lams, l1_ratio=0.5)
    assert path.converged.all(), path.messages
    lam = 0.0 if penalty == "none" else lams[-1]
    kw = {"loss": "l1", "penalty": penalty, "lam": lam, "l1_ratio": 0.5}
    ours = objective_value(X, y, path.coefs[-1], path.intercepts[-1], **kw)
    reference = cvxpy_optimum(X, y, **kw)
    assert ours <= reference + 1e-6 * abs(reference)


@pytest.mark.parametrize("n", [7, 60, 2500])
def test_dual_projection_is_the_nearest_feasible_point(n):
    # one method at every n (it once switched to an n x n table below 2000 points)
    rng = np.random.default_rng(n)
    bound = 1.0 / n
    alpha = np.clip(rng.normal(0.3 * bound, bound, n), -bound, bound)
    projected = lad._project_dual(alpha, n)
    assert np.all(np.abs(projected) <= bound) and abs(projected.sum()) <= 1e-12 * n * bound
    z = cp.Variable(n)
    cp.Problem(cp.Minimize(cp.sum_squares(z - alpha)), [cp.abs(z) <= bound, cp.sum(z) == 0]).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-14, tol_gap_rel=1e-14, tol_feas=1e-14
    )
    assert np.sum((projected - alpha) ** 2) <= np.sum((z.value - alpha) ** 2) + 1e-12 * bound**2
    assert np.allclose(projected, z.value, rtol=0, atol=1e-7 * bound)


@pytest.mark.parametrize("budget", [1, 40, 10_000])
def test_ridge_at_large_n_reaches_the_cvxpy_optimum(budget, interior_point_everywhere, monkeypatch):
    # the kept points' dual QP along the first lams, the interior point method once a lam would
    # cost the kernel more than its budget (1: from the first lam; 10,000: never); few kept
    # points at the start, so that points outside must join them on the way
    monkeypatch.setattr(lad, "RIDGE_KEPT_MAX_ITERATIONS", budget)
    monkeypatch.setattr(lad, "RIDGE_KEEP_PER_FEATURE", 1)
    X, y = _problem(n=150, p=6, seed=11)
    lams = lam_grid(X, y, loss="l1", penalty="l2", n_lams=8, eps=1e-3)
    grown = []
    original = lad._ridge_kept_point
    monkeypatch.setattr(
        lad, "_ridge_kept_point", lambda *a: grown.append(a[-2].size) or original(*a)
    )
    path = solve_path(X, y, loss="l1", penalty="l2", lams=lams)
    assert path.converged.all(), path.messages
    _assert_optimal(X, y, path, lams, "l2")
    if budget == 10_000:
        assert len(grown) == len(lams) and grown[-1] > grown[0] == 7  # the kept set grew


@pytest.mark.parametrize("max_steps", [1, 30])
def test_ridge_active_set_reaches_the_cvxpy_optimum(
    max_steps, interior_point_everywhere, monkeypatch
):
    # no kept points' QP at all: the primal-dual active set method from the first lam, until it
    # stalls (30 steps: after some lams; 1 step: at once), then the interior point method; every
    # lam must be the documented optimum either way
    monkeypatch.setattr(lad, "RIDGE_KEPT_MAX_ITERATIONS", 0)
    monkeypatch.setattr(lad, "RIDGE_ACTIVE_SET_MAX_STEPS", max_steps)
    X, y = _problem(n=300, p=20, seed=13)
    lams = lam_grid(X, y, loss="l1", penalty="l2", n_lams=20, eps=1e-3)
    certified = []
    original = lad._ridge_active_set_point

    def recorded(*args):
        answer = original(*args)
        certified.append(answer[1] is not None)
        return answer

    monkeypatch.setattr(lad, "_ridge_active_set_point", recorded)
    path = solve_path(X, y, loss="l1", penalty="l2", lams=lams)
    assert path.converged.all(), path.messages
    _assert_optimal(X, y, path, lams, "l2")
    # it certifies lams until its first stall, and is not asked again after it
    assert certified == [True] * (len(certified) - 1) + [False]
    if max_steps == 30:
        assert len(certified) > 3


def test_row_gram_is_the_rows_inner_products():
    # rows asked in overlapping sets, growing past the pool's limit of 4 (p + 1) rows
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3))
    gram = lad._RowGram(X)
    for rows in ([5, 1, 9], [9, 2, 5, 7], list(range(20)), [30, 1], list(range(25, 40))):
        rows = np.array(rows)
        np.testing.assert_allclose(gram.of(rows), X[rows] @ X[rows].T, rtol=1e-13, atol=1e-13)


def test_ridge_interior_point_on_adapted_points_reaches_the_cvxpy_optimum(
    interior_point_everywhere, monkeypatch
):
    # the interior point method from the first lam, the points globbed from 50 on; each solve
    # keeps as many points as the last lam changed signs far from the fit (2 to 5 (p + 1))
    monkeypatch.setattr(lad, "GLOB_MIN_ROWS", 50)
    monkeypatch.setattr(lad, "RIDGE_KEPT_MAX_ITERATIONS", 0)
    monkeypatch.setattr(lad, "RIDGE_ACTIVE_SET_MAX_STEPS", 0)
    X, y = _problem(n=400, p=20, seed=17)
    lams = lam_grid(X, y, loss="l1", penalty="l2", n_lams=12, eps=1e-3)
    kept = []
    original = lad._ipm_elastic_point
    monkeypatch.setattr(lad, "_ipm_elastic_point", lambda *a: kept.append(a[-1]) or original(*a))
    path = solve_path(X, y, loss="l1", penalty="l2", lams=lams)
    assert path.converged.all(), path.messages
    _assert_optimal(X, y, path, lams, "l2")
    assert kept[0] is None  # the first solve: the default
    assert all(lad.RIDGE_KEEP_MIN <= k <= lad.RIDGE_KEEP_MAX for k in kept[1:])
    assert lad.RIDGE_KEEP_MIN in kept  # the fit moved little at the path's end


@pytest.mark.parametrize("penalty", ["l1", "l2", "elasticnet"])
def test_interior_point_on_counts_tied_at_the_median(
    penalty, interior_point_everywhere, monkeypatch
):
    # Poisson counts: a third of the points tied at the median, so the points kept nearest the
    # fit are all tied and fitted exactly by the interior point method's start, whose residual
    # parts then sit at the rounding floor; every lam must still be certified and optimal, by
    # the interior point path itself (the lasso's would fall back to the simplex path)
    monkeypatch.setattr(lad, "GLOB_MIN_ROWS", 50)
    interior = []
    original = lad._lad_lasso_ipm_path
    monkeypatch.setattr(
        lad, "_lad_lasso_ipm_path", lambda *a: interior.append(original(*a)) or interior[-1]
    )
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 10))
    X -= X.mean(axis=0)
    y = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    assert np.sum(y == np.median(y)) > len(y) // 4
    lams = lam_grid(X, y, loss="l1", penalty=penalty, l1_ratio=0.5, n_lams=30, eps=1e-3)
    path = solve_path(X, y, loss="l1", penalty=penalty, lams=lams, l1_ratio=0.5)
    assert path.converged.all(), path.messages
    assert all(result.converged.all() for result in interior), interior[0].messages
    assert len(interior) == (penalty == "l1")
    _assert_optimal(X, y, path, lams, penalty, points=range(0, len(lams), 3))
