"""The dense box-QP kernel of the LAD elastic net against cvxpy/Clarabel, degenerate cases too."""

import cvxpy as cp
import numpy as np
import pytest

from normbench.models.kernels.box_qp import PROX_WEIGHT, box_qp


def _reference(H, c, bound):
    n = len(c)
    a = cp.Variable(n)
    objective = 0.5 * cp.quad_form(a, cp.psd_wrap(H)) + c @ a
    problem = cp.Problem(cp.Minimize(objective), [cp.abs(a) <= bound, cp.sum(a) == 0])
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13)
    return float(problem.value)


def _solve(H, c, bound, start=None):
    start = np.zeros(len(c)) if start is None else start
    eps = PROX_WEIGHT * max(1.0, H.diagonal().max())
    return box_qp(H, c, start, bound, eps, 20 * len(c) + 100, 1e-13)


def _feasible_start(rng, n, bound):
    """A random feasible point with some coordinates on the bounds."""
    a = rng.uniform(-bound, bound, n)
    a[: n // 3] = np.where(rng.random(n // 3) < 0.5, -bound, bound)
    # shift the interior coordinates so that the sum is zero, then clip (loop until it holds)
    for _ in range(100):
        interior = np.abs(a) < bound
        a[interior] -= a.sum() / max(interior.sum(), 1)
        a = np.clip(a, -bound, bound)
        if abs(a.sum()) < 1e-15:
            break
    return a


def _check(H, c, bound, a, status):
    assert status == 0
    assert np.max(np.abs(a)) <= bound
    assert abs(a.sum()) <= 1e-14
    value = 0.5 * a @ H @ a + c @ a
    reference = _reference(H, c, bound)
    # the kernel may be more accurate than the interior point: only "not worse" is asserted
    assert value <= reference + 1e-9 * max(abs(reference), 1e-6), (value, reference)


@pytest.mark.parametrize("seed", range(40))
def test_random_low_rank_problems(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 50))
    rank = int(rng.integers(0, n + 3))  # rank 0 is a linear programme
    A = rng.standard_normal((n, rank))
    H = A @ A.T
    c = rng.standard_normal(n) * rng.choice([1e-3, 1.0, 10.0])
    bound = 1.0 / n
    start = _feasible_start(rng, n, bound) if seed % 2 else None
    a, status, _ = _solve(H, c, bound, start)
    _check(H, c, bound, a, status)


def test_duplicated_rows_and_ties():
    # identical rows of H and identical costs: the optimum is a whole face, any point of it does
    rng = np.random.default_rng(7)
    base = rng.standard_normal((5, 3))
    A = np.repeat(base, 4, axis=0)
    H = A @ A.T
    c = np.repeat(rng.standard_normal(5), 4)
    a, status, _ = _solve(H, c, 1.0 / 20)
    _check(H, c, 1.0 / 20, a, status)


def test_already_optimal_start_takes_one_iteration():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((30, 10))
    H, c = A @ A.T, rng.standard_normal(30)
    first, status, _ = _solve(H, c, 1.0 / 30)
    assert status == 0
    again, status, iterations = _solve(H, c, 1.0 / 30, start=first)
    assert status == 0 and iterations == 1
    np.testing.assert_allclose(again, first, atol=1e-15)


def test_zero_objective_keeps_the_start():
    n = 12
    start = _feasible_start(np.random.default_rng(0), n, 1.0 / n)
    a, status, _ = _solve(np.zeros((n, n)), np.zeros(n), 1.0 / n, start=start)
    assert status == 0
    np.testing.assert_array_equal(a, start)


def test_vertex_start_with_no_free_variable():
    # n even, half at each bound: the kernel must find the multiplier and release a bound
    n = 6
    bound = 1.0 / n
    start = np.array([bound, bound, bound, -bound, -bound, -bound])
    c = np.array([1.0, -2.0, 0.5, -1.0, 3.0, 0.0])
    H = np.eye(n) * 1e-3
    a, status, _ = _solve(H, c, bound, start=start)
    _check(H, c, bound, a, status)


def test_iteration_limit_is_reported():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((40, 5))
    H, c = A @ A.T, 10 * rng.standard_normal(40)
    eps = PROX_WEIGHT * H.diagonal().max()
    _, status, iterations = box_qp(H, c, np.zeros(40), 1.0 / 40, eps, 2, 1e-13)
    assert status == 1 and iterations == 2


def test_lad_enet_path_certifies_below_the_highs_floor_without_fallback():
    from normbench.models.solvers import QP_GAP_FLOOR, SolverOptions, solve_path

    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 80))
    X -= X.mean(0)
    y = X[:, :3] @ [2.0, -1.0, 1.0] + rng.standard_t(2, 30)
    tol = 1e-3 * QP_GAP_FLOOR
    path = solve_path(
        X,
        y,
        loss="l1",
        penalty="elasticnet",
        lams=np.geomspace(1.0, 1e-3, 15),
        l1_ratio=0.5,
        options=SolverOptions(tol=tol),
    )
    assert path.converged.all(), path.messages
    # an empty message means no Newton step needed HiGHS, so the gap itself is below tol
    assert path.messages == [""] * 15
