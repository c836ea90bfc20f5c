"""Cross-validation: grid, folds, selection rules, and the CV estimator end to end."""

import numpy as np
import pytest

from normbench.models.cv import (
    delta_grid,
    grid_edge,
    heldout_error,
    kfold_indices,
    lam_grid,
    lam_max,
    next_bracket,
    select_combination,
    select_index,
)
from normbench.models.estimators import PenalizedRegressor, PenalizedRegressorCV
from normbench.study.fit_job import make_cv_estimator, tuning_edges


def _data(n=60, p=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:3] = [3.0, -2.0, 1.5]
    return X, X @ coef + 0.5 * rng.standard_normal(n)


@pytest.mark.parametrize("loss", ["l2", "l1", "huber"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_lam_max_is_the_smallest_lam_with_all_zero_coefficients(loss, l1_ratio):
    X, y = _data(n=61)  # odd n: the L1 loss's lam_max is then exact
    Xc = X - X.mean(axis=0)
    top = lam_max(Xc, y, loss=loss, l1_ratio=l1_ratio, delta=1.0)
    penalty = "l1" if l1_ratio == 1.0 else "elasticnet"
    kw = {
        "loss": loss,
        "penalty": penalty,
        "l1_ratio": l1_ratio,
        "delta": 1.0,
        "standardize": False,
        "tol": 1e-10,
    }
    assert not PenalizedRegressor(lam=top * 1.001, **kw).fit(Xc, y).coef_.any()
    assert PenalizedRegressor(lam=top * 0.98, **kw).fit(Xc, y).coef_.any()


def test_lam_grid_shapes():
    X, y = _data()
    grid = lam_grid(X - X.mean(0), y, loss="l2", penalty="l1", n_lams=7, eps=1e-2)
    assert len(grid) == 7 and np.all(np.diff(grid) < 0)
    assert grid[-1] == pytest.approx(grid[0] * 1e-2)
    ridge = lam_grid(X - X.mean(0), y, loss="l2", penalty="l2", n_lams=5, eps=1e-3)
    assert ridge[0] / ridge[-1] == pytest.approx(1e6)
    assert np.isnan(lam_grid(X, y, loss="l2", penalty="none")).all()


def test_ridge_spans_its_own_range_around_the_lasso_lam_max():
    X, y = _data()
    Xc = X - X.mean(0)
    top = lam_max(Xc, y, loss="l2")
    ridge = lam_grid(Xc, y, loss="l2", penalty="l2", n_lams=9, eps=1e-2, ridge_eps=1e-4)
    np.testing.assert_allclose([ridge[0], ridge[4], ridge[-1]], [top * 1e4, top, top * 1e-4])
    # the sparse penalties keep eps
    lasso = lam_grid(Xc, y, loss="l2", penalty="l1", n_lams=9, eps=1e-2, ridge_eps=1e-4)
    assert lasso[-1] == pytest.approx(top * 1e-2)
    # and the estimator tunes ridge over that grid
    est = PenalizedRegressorCV(penalty="l2", n_lams=9, eps=1e-2, ridge_eps=1e-4, standardize=False)
    est.fit(Xc, y)
    np.testing.assert_allclose(est.lams_[0], ridge)


def test_folds_partition_and_are_seeded():
    folds = kfold_indices(23, 4, seed=5)
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests) == list(range(23))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == 23
    again = kfold_indices(23, 4, seed=5)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = kfold_indices(23, 4, seed=6)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other, strict=True))
    with pytest.raises(ValueError, match="folds"):
        kfold_indices(5, 6, seed=0)


def test_heldout_error_criteria():
    y = np.array([0.0, 1.0, 3.0])
    pred = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(heldout_error(y, pred, criterion="mse", loss="l2"), [10 / 3, 5 / 3])
    np.testing.assert_allclose(heldout_error(y, pred, criterion="mae", loss="l2"), [4 / 3, 1.0])
    np.testing.assert_allclose(
        heldout_error(y, pred, criterion="own_loss", loss="l2"), [5 / 3, 5 / 6]
    )
    # huber with delta 1: residuals 0, 1, 3 -> 0, 0.5, 2.5
    np.testing.assert_allclose(
        heldout_error(y, pred[:, :1], criterion="own_loss", loss="huber", delta=1.0), [1.0]
    )


def test_selection_rules():
    mean = np.array([5.0, 3.0, 2.2, 2.0, 2.5])
    se = np.array([0.1, 0.1, 0.3, 0.3, 0.3])
    assert select_index(mean, se, rule="min") == 3
    # within one SE of the minimum (2.3), the largest lam (first on a decreasing grid) is index 2
    assert select_index(mean, se, rule="1se") == 2


@pytest.mark.parametrize(
    ("loss", "penalty"), [("l2", "l1"), ("l1", "elasticnet"), ("huber", "l2"), ("huber", "none")]
)
def test_cv_estimator_chooses_from_its_grid_and_is_reproducible(loss, penalty):
    X, y = _data()
    kw = {
        "loss": loss,
        "penalty": penalty,
        "cv": 3,
        "n_lams": 8,
        "l1_ratios": (0.3, 0.7),
        "random_state": 4,
    }
    first = PenalizedRegressorCV(**kw).fit(X, y)
    second = PenalizedRegressorCV(**kw).fit(X, y)
    np.testing.assert_array_equal(first.coef_, second.coef_)
    assert first.converged_
    if penalty == "none":
        assert first.lam_ is None
        return
    assert first.lam_ in first.lams_.ravel()
    chosen = np.unravel_index(np.nanargmin(first.cv_mean_), first.cv_mean_.shape)
    assert first.best_score_ == pytest.approx(first.cv_mean_[chosen])
    # the refit equals a plain fit at the chosen hyperparameters
    plain = first.to_regressor().set_params(tol=1e-10).fit(X, y)
    np.testing.assert_allclose(first.predict(X), plain.predict(X), atol=1e-4)
    if loss == "huber":
        assert first.delta_ > 0


def test_cv_recovers_the_support_of_an_easy_problem():
    X, y = _data(n=80, p=40, seed=1)
    est = PenalizedRegressorCV(loss="l2", penalty="l1", cv=5, n_lams=30, random_state=0)
    est.fit(X, y)
    assert set(np.flatnonzero(est.coef_)) >= {0, 1, 2}
    onese = PenalizedRegressorCV(
        loss="l2", penalty="l1", cv=5, n_lams=30, rule="1se", random_state=0
    ).fit(X, y)
    assert onese.lam_ >= est.lam_


def test_select_delta_is_what_fit_uses():
    X, y = _data()
    kw = {"loss": "huber", "penalty": "l1", "cv": 3, "n_lams": 6, "random_state": 2}
    est = PenalizedRegressorCV(**kw)
    delta = est.select_delta(X, y)
    assert est.fit(X, y).delta_ == pytest.approx(delta, rel=1e-12)
    explicit = PenalizedRegressorCV(**kw, delta=delta).fit(X, y)
    np.testing.assert_array_equal(explicit.coef_, est.coef_)


def test_grid_edge_positions():
    grid = [1.0, 0.1, 0.01]  # decreasing, as the lam grids
    assert grid_edge(1.0, grid) == "high"
    assert grid_edge(0.01, grid) == "low"
    assert grid_edge(0.1, grid) == "interior"
    assert grid_edge(None, grid) is None  # the parameter does not apply
    assert grid_edge(0.5, [0.5]) is None  # a single candidate: nothing was tuned


def test_pure_noise_puts_the_lasso_at_lam_max_high_edge():
    # no signal at all: CV's best lasso is the null model, lam_max, the top of the grid
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((60, 20)), rng.standard_normal(60)
    est = PenalizedRegressorCV(loss="l2", penalty="l1", n_lams=10, random_state=0).fit(X, y)
    assert est.lam_ == est.lams_[0, 0]
    assert tuning_edges(est) == {
        "lam_at_edge": "high",
        "l1_ratio_at_edge": None,
        "delta_at_edge": None,
    }


def test_noiseless_ridge_sits_at_the_low_edge():
    # y = X coef exactly with n > p: less shrinkage is always better, so the smallest lam wins
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0, 1.0])
    est = PenalizedRegressorCV(loss="l2", penalty="l2", n_lams=8, random_state=0).fit(X, y)
    assert tuning_edges(est)["lam_at_edge"] == "low"


def test_elasticnet_and_huber_edges_follow_their_grids():
    X, y = _data()
    est = PenalizedRegressorCV(
        loss="huber",
        penalty="elasticnet",
        n_lams=6,
        l1_ratios=(0.2, 0.9),
        delta_factors=(0.5, 1.0, 2.0),
        random_state=0,
    ).fit(X, y)
    edges = tuning_edges(est)
    assert edges["l1_ratio_at_edge"] == ("low" if est.l1_ratio_ == 0.2 else "high")
    assert edges["delta_at_edge"] == grid_edge(est.delta_, est.deltas_)
    assert edges["delta_at_edge"] in ("low", "high", "interior")


def test_delta_grid_multiplies_the_reference_and_scores_all_at_it():
    X, y = _data(seed=5)
    y = y.copy()
    y[:6] += 25.0  # gross outliers
    single = PenalizedRegressorCV(loss="huber", penalty="l1", n_lams=6, random_state=0).fit(X, y)
    tuned = PenalizedRegressorCV(
        loss="huber", penalty="l1", n_lams=6, delta_factors=(2.0, 0.5, 1.0), random_state=0
    ).fit(X, y)
    reference = single.delta_
    np.testing.assert_allclose(tuned.deltas_, reference * np.array([0.5, 1.0, 2.0]))
    assert tuned.delta_ in tuned.deltas_
    # the row of the reference delta is the untuned CV curve: one criterion for every row
    np.testing.assert_allclose(tuned.cv_mean_[1], single.cv_mean_[0])
    assert tuned.best_score_ <= single.best_score_
    with pytest.raises(ValueError, match="positive"):
        delta_grid(1.0, [0.0, 1.0])


def test_delta_is_not_tuned_where_it_changes_nothing():
    # p >= n without penalty: the minimum-norm interpolant, the same for every delta
    X, y = _data(n=20, p=30)
    est = PenalizedRegressorCV(
        loss="huber", penalty="none", delta=1.0, delta_factors=(0.5, 1.0, 2.0), random_state=0
    ).fit(X, y)
    assert est.delta_ == 1.0  # the reference wins the tie
    assert tuning_edges(est)["delta_at_edge"] is None


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("rule", ["min", "1se"])
def test_delta_tuning_skips_only_fits_that_cannot_be_chosen(penalty, rule):
    # p > n with heavy-tailed noise, so that small lams overfit and their fits get skipped
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 80))
    y = X[:, :3] @ np.array([2.0, -1.5, 1.0]) + rng.standard_t(2, 40)
    common = {
        "loss": "huber",
        "penalty": penalty,
        "n_lams": 15,
        "eps": 1e-3,
        "l1_ratios": (0.3, 0.9),
        "criterion": "mse",  # a score that does not depend on the reference delta
        "rule": rule,
        "random_state": 0,
    }
    tuned = PenalizedRegressorCV(delta=1.0, delta_factors=(0.25, 1.0, 4.0), **common).fit(X, y)
    skipped = np.isnan(tuned.cv_mean_)
    assert skipped.any()
    # every row in full, without skipping: the entries computed are the same bits
    ratios = 2 if penalty == "elasticnet" else 1
    folds = kfold_indices(len(y), 5, 0)
    rows = [
        tuned._cross_validate(
            X, y, folds, loss="huber", penalty=penalty, lams=lams, l1_ratio=ratio, delta=delta
        )[0]
        for lams, ratio, delta in zip(
            tuned.lams_, tuned.cv_l1_ratios_, tuned.cv_deltas_, strict=True
        )
    ]
    full = np.array([errors.mean(axis=0) for errors in rows])
    full_se = np.array([errors.std(axis=0, ddof=1) / np.sqrt(5) for errors in rows])
    assert full.shape == tuned.cv_mean_.shape == (3 * ratios, 15)
    np.testing.assert_array_equal(tuned.cv_mean_[~skipped], full[~skipped])
    np.testing.assert_array_equal(tuned.cv_se_[~skipped], full_se[~skipped])
    # every entry skipped is above the best mean, and the choice is the full table's
    assert np.all(full[skipped] > np.min(full))
    row, index = select_combination(full, full_se, rule=rule, preferred=ratios)
    assert tuned.delta_ == tuned.deltas_[row // ratios]
    assert tuned.lam_ == tuned.lams_[row, index]
    assert tuned.best_score_ == full[row, index]
    if penalty == "elasticnet":
        assert tuned.l1_ratio_ == common["l1_ratios"][row % ratios]


def _walk(profile, start):
    """The delta indices :func:`next_bracket` scores on a CV profile, in order."""
    minima = {}
    while step := next_bracket(minima, start, len(profile)):
        for i in step:
            minima[i] = profile[i]
    return list(minima)


def test_bracket_walks_down_first_and_finds_the_dip_of_a_profile_with_one():
    assert _walk([5.0, 4.0, 3.0, 2.0, 1.0], 2) == [2, 1, 3, 4]  # up after one step down fails
    assert _walk([1.0, 2.0, 3.0, 4.0, 5.0], 2) == [2, 1, 0]  # down to the grid's end
    assert _walk([3.0, 2.0, 1.0, 2.0, 3.0], 2) == [2, 1, 3]  # the reference is the dip
    assert _walk([2.0, 1.0, 2.0], 0) == [0, 1, 2]
    assert _walk([7.0], 0) == [0]
    assert _walk([1.0, 1.0, 1.0], 1) == [1, 0, 2]  # ties: the reference wins, the walk stops
    rng = np.random.default_rng(0)
    for _ in range(200):  # every profile that falls then rises: the walk ends at its minimum
        n = int(rng.integers(1, 8))
        dip, start = int(rng.integers(n)), int(rng.integers(n))
        profile = np.abs(np.arange(n) - dip) + rng.uniform(0, 0.5, n) * (np.arange(n) != dip)
        visited = _walk(profile, start)
        assert min(visited, key=lambda i: profile[i]) == dip
        assert len(visited) == len(set(visited)) >= min(n, 2)
    # two dips: the walk may end at the nearer one, not the grid's best
    assert _walk([0.5, 2.0, 1.0, 2.0, 3.0], 2) == [2, 1, 3]


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("cv", [5, "validation"])
def test_bracket_scores_the_deltas_of_its_walk_with_the_grids_bits(penalty, cv):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 80))
    y = X[:, :3] @ np.array([2.0, -1.5, 1.0]) + rng.standard_t(2, 40)
    X_val = rng.standard_normal((30, 80))
    y_val = X_val[:, :3] @ np.array([2.0, -1.5, 1.0]) + rng.standard_t(2, 30)
    validation = {"X_val": X_val, "y_val": y_val} if cv == "validation" else {}
    common = {
        "loss": "huber",
        "penalty": penalty,
        "cv": cv,
        "n_lams": 12,
        "l1_ratios": (0.3, 0.9),
        "delta": 1.0,
        "delta_factors": (0.25, 0.5, 1.0, 2.0, 4.0),
        "random_state": 0,
    }
    grid = PenalizedRegressorCV(**common).fit(X, y, **validation)
    walk = PenalizedRegressorCV(delta_search="bracket", **common).fit(X, y, **validation)
    ratios = 2 if penalty == "elasticnet" else 1
    by_delta = lambda means: [  # noqa: E731 - the best mean of each delta's rows
        np.min(np.where(np.isfinite(m), m, np.inf)) for m in means.reshape(5, -1)
    ]
    profile = by_delta(grid.cv_mean_)
    visited = _walk(by_delta(walk.cv_mean_), 2)
    # the walk the bracket took is the one the grid's profile dictates, and only its rows are
    # scored; a row of a delta it visited is pruned (NaN) only where it cannot be chosen
    assert visited == _walk(profile, 2)
    scored = np.isfinite(walk.cv_mean_).any(axis=1).reshape(5, ratios).any(axis=1)
    assert set(np.flatnonzero(scored)) <= set(visited)
    both = np.isfinite(walk.cv_mean_) & np.isfinite(grid.cv_mean_)
    np.testing.assert_array_equal(walk.cv_mean_[both], grid.cv_mean_[both])
    best = min(visited, key=lambda i: (profile[i], i != 2))
    assert walk.delta_ == grid.deltas_[best]
    if best == int(np.argmin(profile)):
        assert (walk.delta_, walk.lam_, walk.l1_ratio_) == (grid.delta_, grid.lam_, grid.l1_ratio_)
        assert walk.best_score_ == grid.best_score_
    with pytest.raises(ValueError, match="delta_search"):
        PenalizedRegressorCV(delta_search="walk", **common).fit(X, y, **validation)


def test_the_cv_key_delta_search_reaches_the_estimator_and_defaults_to_the_grid():
    cv = {
        "folds": 3,
        "n_lams": 5,
        "eps": 0.01,
        "l1_ratios": [0.5],
        "huber_multiplier": 1.345,
        "delta_factors": [0.5, 1.0, 2.0],
        "rule": "min",
        "criterion": "own_loss",
    }
    assert make_cv_estimator("huber", "l1", cv, 0).delta_search == "grid"
    est = make_cv_estimator("huber", "l1", {**cv, "delta_search": "bracket"}, 0)
    assert est.delta_search == "bracket"
