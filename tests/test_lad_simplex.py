"""The LAD-lasso simplex kernel against the HiGHS LP it replaced, on awkward data too."""

import subprocess
import sys

import numpy as np
import pytest

import normbench.models.lad as lad
from normbench.models.cv import lam_grid
from normbench.models.solvers import solve_path


def _objectives(X, y, path, lams):
    return np.array(
        [
            np.abs(y - X @ c - b).mean() + lam * np.abs(c).sum()
            for c, b, lam in zip(path.coefs, path.intercepts, lams, strict=True)
        ]
    )


def _design(seed):
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(3, 40)), int(rng.integers(1, 50))
    kind = seed % 4
    if kind == 0:
        X = rng.standard_normal((n, p))
    elif kind == 1:  # discrete: ties everywhere
        X = rng.integers(-2, 3, (n, p)).astype(float)
    elif kind == 2:  # duplicated columns
        X = rng.standard_normal((n, p))
        X[:, p // 2 :] = X[:, : p - p // 2]
    else:  # duplicated rows
        X = np.repeat(rng.standard_normal((n // 3 + 1, p)), 3, axis=0)[:n]
    X = X - X.mean(0)
    y = 2.0 * X[:, 0] + rng.standard_t(2, X.shape[0])
    if kind == 1:
        y = np.round(y)
    return X, y


@pytest.mark.parametrize("seed", range(24))
def test_simplex_path_matches_the_highs_path(seed, monkeypatch):
    X, y = _design(seed)
    if np.ptp(y) == 0 or not np.abs(X).max() > 0:
        pytest.skip("trivial problem, answered before any solver")
    lams = lam_grid(X, y, loss="l1", penalty="l1", n_lams=12)
    ours = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    assert ours.converged.all(), ours.messages
    monkeypatch.setattr(lad, "_LadSimplex", lambda X, y: None)
    highs = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    ours_value, highs_value = _objectives(X, y, ours, lams), _objectives(X, y, highs, lams)
    np.testing.assert_allclose(ours_value, highs_value, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("factor", [1e-8, 1e8])
def test_lad_lasso_is_scale_equivariant_in_y(factor):
    # the objective is positively homogeneous in (y, coef, intercept) at fixed lam: absolute
    # tolerances inside a solver must not make a tiny or huge y come out less exact
    X, y = _design(0)
    lams = lam_grid(X, y, loss="l1", penalty="l1", n_lams=10)
    base = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    scaled = solve_path(X, factor * y, loss="l1", penalty="l1", lams=lams)
    assert base.converged.all() and scaled.converged.all()
    np.testing.assert_allclose(
        _objectives(X, factor * y, scaled, lams),
        factor * _objectives(X, y, base, lams),
        rtol=1e-8,
    )


def test_a_failing_kernel_hands_the_path_to_highs(monkeypatch):
    X, y = _design(4)
    lams = lam_grid(X, y, loss="l1", penalty="l1", n_lams=8)
    reference = solve_path(X, y, loss="l1", penalty="l1", lams=lams)

    def out_of_iterations(X, Xt, y, lam, zlist, slist, sign_s, k, sign_r, B, theta, r, max_iter):
        return 1, k, max_iter, np.zeros(X.shape[0])

    monkeypatch.setattr(lad, "lad_lasso_simplex", out_of_iterations)
    path = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    assert path.converged.all()
    assert any("simplex kernel failed" in message for message in path.messages)
    np.testing.assert_allclose(
        _objectives(X, y, path, lams), _objectives(X, y, reference, lams), rtol=1e-7
    )


def test_same_inputs_same_bytes():
    X, y = _design(8)
    lams = lam_grid(X, y, loss="l1", penalty="l1", n_lams=10)
    first = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    second = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    assert first.coefs.tobytes() == second.coefs.tobytes()
    assert first.intercepts.tobytes() == second.intercepts.tobytes()


def test_kernel_gives_up_on_counts_tied_at_the_median(monkeypatch):
    # Poisson counts: a third of the points tied at the median, fitted exactly by the null
    # model's vertex, which stays optimal over many lams; the kernel crawls over that vertex by
    # degenerate pivots, and must hand it to HiGHS after a run of n + p of them, not after its
    # whole budget; every lam still at the optimum of the HiGHS path
    rng = np.random.default_rng(1)
    X = rng.standard_normal((800, 40))
    X -= X.mean(axis=0)
    y = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    lams = lam_grid(X, y, loss="l1", penalty="l1", n_lams=30)
    calls = []
    kernel = lad.lad_lasso_simplex

    def recorded(*args):
        answer = kernel(*args)
        calls.append((answer[0], answer[2], args[-1]))
        return answer

    monkeypatch.setattr(lad, "lad_lasso_simplex", recorded)
    path = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    assert path.converged.all(), path.messages
    gave_up = [(iterations, budget) for status, iterations, budget in calls if status == 1]
    assert gave_up and all(iterations < budget for iterations, budget in gave_up)
    monkeypatch.setattr(lad, "SIMPLEX_MAX_FEATURES_PER_ROW", 0)  # the HiGHS path throughout
    reference = solve_path(X, y, loss="l1", penalty="l1", lams=lams)
    np.testing.assert_allclose(
        _objectives(X, y, path, lams), _objectives(X, y, reference, lams), rtol=1e-9
    )


@pytest.mark.parametrize("quiet", [True, False])
def test_highs_prints_no_banner_on_standard_output(quiet):
    # HiGHS prints its banner once per process, from C++: only a fresh process shows it
    build = (
        "from normbench.models.lad import _quiet_highs; _quiet_highs()"
        if quiet
        else "import highspy; highspy.Highs()"  # the control: the banner the test looks for
    )
    printed = subprocess.run(
        [sys.executable, "-c", build + "; print('done')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.endswith("done\n")
    assert ("HiGHS" in printed) is not quiet
