"""scikit-learn estimators for the twelve loss x penalty pairs.

Both estimators minimise the one objective of :mod:`normbench.models.objective`::

    (1/n) * sum_i loss(y_i - b - x_i.w)  +  lam * penalty(w)

With ``standardize=True`` (the default, as in glmnet) the features are centred and scaled to unit
variance on the training data, the objective is minimised in that scale, and ``coef_`` /
``intercept_`` are reported on the original scale.  With ``penalty="none"`` and data that can be
interpolated (``p >= n`` in general position) every loss is minimised by infinitely many
interpolants; the estimator then returns the one of minimum ``||w||_2``, the limit of the ridge
path as ``lam -> 0``.

Huber's ``delta`` is data-driven, never a bare constant:

* :class:`PenalizedRegressor` with ``delta=None`` uses ``1.345 * s`` with ``s`` the normalised
  MAD of ``y`` about its median;
* :class:`PenalizedRegressorCV` with ``delta=None`` takes as reference ``huber_multiplier * s``
  with ``s`` the normalised MAD of the out-of-fold residuals of a pilot lasso (squared loss)
  tuned by the same cross-validation, an honest estimate of the noise scale (a given ``delta`` is
  the reference itself); CV then tunes ``delta`` over ``delta_factors`` times that reference,
  jointly with ``lam``, every candidate scored by the Huber loss at the reference so that their
  held-out errors are comparable. The default ``delta_factors=(1.0,)`` keeps the reference;
  ``delta_search="bracket"`` scores only the deltas a walk out from the reference reaches.

The chosen value is stored in ``delta_``.

Zou & Hastie's elastic net (``elasticnet_rescale=True``, ``penalty="elasticnet"`` only) is the
naive solution above multiplied by ``1 + lam2`` (:func:`rescale_elastic_net`); the default is the
naive elastic net.  :class:`PenalizedRegressorCV` then tunes the rescaled estimator itself.

Tuning is K-fold CV on the training data (``cv=5``) or, as in Zou & Hastie (2005) and Hastie,
Tibshirani & Tibshirani (2020), an independent validation set (``cv="validation"`` with
``fit(X, y, X_val=..., y_val=...)``): every candidate is fitted on the training data and scored
on the validation set, and the chosen one is the fit on the training data.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_random_state,
    validate_data,
)

from normbench.models.cv import (
    CRITERIA,
    DELTA_SEARCHES,
    RULES,
    delta_grid,
    heldout_error,
    kfold_indices,
    lam_grid,
    next_bracket,
    pointwise_error,
    robust_scale,
    select_combination,
    validation_split,
)
from normbench.models.objective import LOSSES, PENALTIES, make_penalty, objective_value
from normbench.models.paths import Standardizer, penalized_path
from normbench.models.rescale import rescale_elastic_net
from normbench.models.result import SolverOptions
from normbench.vocab.pairs import check_choice

HUBER_EFFICIENCY_CONSTANT = 1.345  # 95% gaussian efficiency (Huber, 1964)


def _store(estimator, params):
    """Keep ``__init__``'s arguments as attributes, unchanged (scikit-learn's contract)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


#: Relative margin by which a row's lower bound must exceed the best complete mean before its
#: remaining fits are skipped (:meth:`PenalizedRegressorCV._pruned_errors`).
PRUNE_MARGIN = 1e-9


def _heaviest_first(table, folds):
    """``folds`` in decreasing order of their mean held-out error in ``table`` (folds x lams),
    over the ``lam`` that every fold scored; ties keep the given order."""
    scored = np.all(np.isfinite(table), axis=0)
    if not scored.any():
        return list(folds)
    weight = table[:, scored].mean(axis=1)
    return sorted(folds, key=lambda k: -weight[k])


def _every_row(n_rows):
    """The ``next_rows(tables)`` of the full grid: every row in one stage, then none."""
    handed_out = []

    def next_rows(tables):
        if handed_out:
            return []
        handed_out.extend(range(n_rows))
        return list(handed_out)

    return next_rows


def _bracket_rows(start, n_deltas, n_ratios):
    """The ``next_rows(tables)`` of a bracket search over Huber's delta (:func:`next_bracket`).

    Rows run deltas outermost, ``n_ratios`` rows per delta; ``tables`` holds every row's held-out
    errors (NaN where not scored). Each call reads the best mean of the deltas it handed out last
    and returns the rows of the deltas to score next (empty: the search is over).
    """
    minima, pending = {}, []

    def next_rows(tables):
        for i in pending:
            means = [table.mean(axis=0) for table in tables[i * n_ratios : (i + 1) * n_ratios]]
            minima[i] = min(np.min(np.where(np.isfinite(m), m, np.inf)) for m in means)
        pending[:] = next_bracket(minima, start, n_deltas)
        return [i * n_ratios + j for i in pending for j in range(n_ratios)]

    return next_rows


#: The ``cv`` value of validation-set tuning (any integer is a number of folds).
VALIDATION = "validation"


def _fit_path(
    X,
    y,
    *,
    loss,
    penalty,
    lams,
    l1_ratio,
    delta,
    standardize,
    options,
    rescale=False,
    solve_first=None,
    stop=None,
    standardizer=None,
):
    """Solve one pair along ``lams`` on raw ``X``; coefficients come back on the original scale.

    With ``rescale`` (elastic net only) they are Zou & Hastie's (:func:`rescale_elastic_net`).
    ``solve_first`` and ``stop`` end the path early, ``standardizer`` is ``X``'s if known
    (:func:`normbench.models.paths.penalized_path`).
    """
    path = penalized_path(
        X,
        y,
        loss=loss,
        penalty=penalty,
        lams=lams,
        l1_ratio=l1_ratio,
        delta=delta,
        standardize=standardize,
        options=options,
        solve_first=solve_first,
        stop=stop,
        standardizer=standardizer,
    )
    coefs, intercepts = path.coefs, path.intercepts
    if rescale and penalty == "elasticnet":
        coefs, intercepts = rescale_elastic_net(
            coefs,
            intercepts,
            lams=lams,
            l1_ratio=l1_ratio,
            feature_mean=path.standardizer.mean,
        )
    return coefs, intercepts, path.solved, path.standardizer


class _LinearModel(RegressorMixin, BaseEstimator):
    """What the two estimators share: their parameters' checks, the solver options, the last
    point of a path kept as the fit, and prediction.

    ``_choices`` names the parameters that take one of a few strings; the numeric parameters
    they share are checked in :meth:`_check_params`, which each estimator extends.
    """

    _choices = {"loss": LOSSES, "penalty": PENALTIES}

    def _check_params(self):
        for name, allowed in self._choices.items():
            check_choice(name, getattr(self, name), allowed)
        if self.delta is not None and not self.delta > 0:
            raise ValueError(f"delta must be positive or None, got {self.delta!r}")
        if not (np.isfinite(self.tol) and self.tol > 0):
            raise ValueError(f"tol must be a positive number, got {self.tol!r}")
        if not (isinstance(self.max_iter, int | np.integer) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if self.elasticnet_rescale not in (True, False):
            raise ValueError(f"elasticnet_rescale must be a bool, got {self.elasticnet_rescale!r}")
        if self.elasticnet_rescale and self.penalty != "elasticnet":
            raise ValueError(
                f"elasticnet_rescale applies to penalty='elasticnet' only, got {self.penalty!r}"
            )

    def _options(self):
        return SolverOptions(tol=self.tol, max_iter=self.max_iter)

    def _keep_last(self, coefs, intercepts, path):
        self.coef_, self.intercept_ = coefs[-1], float(intercepts[-1])
        self.converged_ = bool(path.converged[-1])
        self.solver_message_ = path.messages[-1]
        self.n_iter_ = int(path.n_iter[-1])
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_


class PenalizedRegressor(_LinearModel):
    """Linear regression with a chosen loss and penalty at a fixed ``lam``.

    Parameters
    ----------
    loss : {"l2", "l1", "huber"}, default="l2"
    penalty : {"none", "l1", "l2", "elasticnet"}, default="l1"
    lam : float, default=1.0
        Penalty level (ignored when ``penalty="none"``).
    l1_ratio : float, default=0.5
        Elastic-net mixing in ``(0, 1]`` (``penalty="elasticnet"`` only).
    delta : float or None, default=None
        Huber threshold; ``None`` selects it from the data (module docstring).
    standardize : bool, default=True
        Scale features to unit variance on the training data before fitting.
    tol : float, default=1e-6
        Relative tolerance of the solver's optimality certificate.
    max_iter : int, default=100_000
        Iteration limit; a fit that reaches it is marked ``converged_ = False``.
    elasticnet_rescale : bool, default=False
        Return Zou & Hastie's elastic net, the naive solution times ``1 + lam * (1 - l1_ratio)``
        (:func:`rescale_elastic_net`); ``penalty="elasticnet"`` only.  :meth:`objective` is still
        the naive problem's objective, which the rescaled coefficients do not minimise.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    delta_ : float or None
        Huber threshold used (``None`` for the other losses).
    converged_ : bool
        Whether the solver's certificate (duality gap, KKT or LP/QP optimality) was met.
    solver_message_ : str
        Why the fit did not converge, or which fallback served it ('' otherwise).
    n_iter_ : int
        Iterations of the solver (sweeps, Newton steps or simplex / QP iterations; 1 for a
        closed form).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from normbench.models.estimators import PenalizedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 20)); y = X[:, 0] + 0.1 * rng.standard_normal(50)
    >>> est = PenalizedRegressor(loss="huber", penalty="l1", lam=0.05).fit(X, y)
    >>> int(np.argmax(np.abs(est.coef_)))
    0
    """

    def __init__(
        self,
        *,
        loss="l2",
        penalty="l1",
        lam=1.0,
        l1_ratio=0.5,
        delta=None,
        standardize=True,
        tol=1e-6,
        max_iter=100_000,
        elasticnet_rescale=False,
    ):
        _store(self, locals())

    def _check_params(self):
        super()._check_params()
        if self.penalty != "none" and not (np.isfinite(self.lam) and self.lam > 0):
            raise ValueError(f"lam must be a positive number, got {self.lam!r}")
        if self.penalty == "elasticnet" and not 0 < self.l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in (0, 1], got {self.l1_ratio!r}")

    def _resolve_delta(self, y):
        if self.loss != "huber":
            return None
        if self.delta is not None:
            return float(self.delta)
        scale = robust_scale(y)
        return HUBER_EFFICIENCY_CONSTANT * (scale if scale > 0 else 1.0)

    def fit(self, X, y):
        self._check_params()
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        self.delta_ = self._resolve_delta(y)
        coefs, intercepts, path, self._standardizer = _fit_path(
            X,
            y,
            loss=self.loss,
            penalty=self.penalty,
            lams=[self.lam],
            l1_ratio=self.l1_ratio,
            delta=self.delta_,
            standardize=self.standardize,
            options=self._options(),
            rescale=self.elasticnet_rescale,
        )
        return self._keep_last(coefs, intercepts, path)

    def objective(self, X, y):
        """Value of the objective at the fitted coefficients on data ``(X, y)``.

        With ``standardize=False`` this is exactly the documented formula on the raw ``X``.  With
        ``standardize=True`` the penalty is evaluated on the standardised coefficients
        ``coef_ * scale`` (the training features' standard deviations), which is the problem the
        estimator solves.
        """
        check_is_fitted(self)
        data_term = objective_value(
            np.asarray(X, dtype=float),
            np.asarray(y, dtype=float),
            self.coef_,
            self.intercept_,
            loss=self.loss,
            penalty="none",
            lam=0.0,
            delta=self.delta_,
        )
        if self.penalty == "none":
            return data_term
        # the scale is all ones when standardize=False
        solved_coef = self.coef_ * self._standardizer.scale
        return data_term + self.lam * make_penalty(self.penalty, self.l1_ratio).value(solved_coef)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        # At the default lam = 1 an L1 part zeroes every coefficient of standardised data (lam_max
        # is at most 1 there for the squared loss): scikit-learn's check_regressors_train lowers the
        # `alpha` of its own linear models before demanding R^2 > 0.5, but does not know `lam`.
        tags.regressor_tags.poor_score = self.penalty in ("l1", "elasticnet")  # an L1 part
        return tags


class PenalizedRegressorCV(_LinearModel):
    """:class:`PenalizedRegressor` with ``lam`` (and ``l1_ratio``, ``delta``) tuned by K-fold CV
    or on a validation set.

    ``lam`` runs over a decreasing log grid (:func:`normbench.models.cv.lam_grid`) solved as a
    warm-started path on every fold; elastic net also runs over ``l1_ratios``.  Each model is
    scored on the held-out folds by its own loss (``criterion="own_loss"``), or by ``mse`` /
    ``mae``; ``rule="min"`` takes the minimum mean error, ``rule="1se"`` the largest ``lam``
    within one standard error of it.  The final model is refitted on all the data.

    With ``cv="validation"``, :meth:`fit` takes an independent validation set ``X_val, y_val``:
    each path is fitted once on the training data and scored on the validation set (the mean
    error over its observations, with the standard error of that mean for ``rule="1se"``); the
    chosen fit is the training-data fit at the chosen point.  Huber's reference ``delta`` then
    comes from the pilot lasso's validation residuals.

    Parameters
    ----------
    loss, penalty, standardize, tol, max_iter, elasticnet_rescale
        As in :class:`PenalizedRegressor`; with ``elasticnet_rescale`` the rescaled estimator is
        the one tuned.
    cv : int or "validation", default=5
        Number of folds, or ``"validation"`` to tune on the validation set given to :meth:`fit`.
    n_lams : int, default=30
    eps : float, default=1e-3
        ``lam_min / lam_max`` of the sparse penalties' grids.
    ridge_eps : float or None, default=None
        Ridge's grid runs from ``lam_max / ridge_eps`` to ``lam_max * ridge_eps``; ``None`` uses
        ``eps``.
    lams : array-like or None
        Explicit decreasing grid (overrides ``n_lams`` / ``eps``).
    l1_ratios : sequence of float, default=(0.2, 0.5, 0.8)
        Elastic-net grid (``penalty="elasticnet"`` only).
    delta : float or None, default=None
        Reference Huber threshold; ``None`` derives it from a pilot lasso's out-of-fold residuals.
    huber_multiplier : float, default=1.345
    delta_factors : sequence of float, default=(1.0,)
        Multiples of the reference threshold tried by CV (Huber loss only), e.g. (0.5, 1, 2).
    delta_search : {"grid", "bracket"}, default="grid"
        ``grid`` scores every delta of ``delta_factors`` (the choice is the grid's best);
        ``bracket`` scores the reference delta, then walks down one delta at a time while each
        lowers the best CV mean, else up likewise, until the best delta's neighbours are both
        scored (:func:`normbench.models.cv.next_bracket`): two to all of the deltas, the grid's
        best whenever the CV profile over delta has one dip, not guaranteed otherwise. The
        deltas it never reaches have NaN rows in ``cv_mean_``.
    rule : {"min", "1se"}, default="min"
    criterion : {"own_loss", "mse", "mae"}, default="own_loss"
    random_state : int, SeedSequence or None
        Seed of the fold split.  ``None`` means 0: results never depend on global state.

    Attributes
    ----------
    lam_, l1_ratio_, delta_ : float or None
        Chosen hyperparameters (``None`` where they do not apply).
    deltas_ : ndarray or None
        The Huber thresholds tried (``None`` for the other losses).
    coef_, intercept_ : fitted model on all the data.
    lams_ : ndarray of shape (n_deltas * n_l1_ratios, n_lams)
        One grid per (delta, l1_ratio) combination, deltas outermost.
    cv_mean_, cv_se_ : ndarray of shape (n_deltas * n_l1_ratios, n_lams)
        Mean held-out error across folds (validation: across validation observations) and its
        standard error, in the rows of ``lams_``.  With several Huber deltas under K-fold CV,
        fits that provably cannot be chosen are skipped and their entries are NaN: the folds
        already scored bound a row's mean from below, and where that bound exceeds the best mean
        of a finished row, the fold's path stops before those ``lam`` (``_pruned_errors``).
        With ``delta_search="bracket"`` the rows of the deltas not reached are NaN too.
    best_score_ : float
        Mean held-out error at the chosen point.
    converged_ : bool
        Whether the final fit met its optimality certificate.
    n_cv_not_converged_ : int
        Number of (fold, ``lam``) fits that did not meet it (of those fitted).
    solver_message_ : str
    """

    def __init__(
        self,
        *,
        loss="l2",
        penalty="l1",
        cv=5,
        n_lams=30,
        eps=1e-3,
        ridge_eps=None,
        lams=None,
        l1_ratios=(0.2, 0.5, 0.8),
        delta=None,
        huber_multiplier=1.345,
        delta_factors=(1.0,),
        delta_search="grid",
        rule="min",
        criterion="own_loss",
        standardize=True,
        random_state=None,
        tol=1e-6,
        max_iter=100_000,
        elasticnet_rescale=False,
    ):
        _store(self, locals())

    _choices = {
        **_LinearModel._choices,
        "rule": RULES,
        "criterion": CRITERIA,
        "delta_search": DELTA_SEARCHES,
    }

    def _check_params(self):
        super()._check_params()
        by_folds = isinstance(self.cv, int | np.integer) and not isinstance(self.cv, bool)
        if not (self.cv == VALIDATION or (by_folds and self.cv >= 2)):
            raise ValueError(
                f"cv must be a number of folds >= 2 or {VALIDATION!r}, got {self.cv!r}"
            )

    def _heldout_design(self, X, y, X_val, y_val):
        """Data and (train, held-out) index pairs of the tuning method.

        Returns ``(X_all, y_all, splits, pointwise)``: for K-fold, the training data and its
        folds, scored fold by fold; for validation, the training data with the validation set
        stacked below it and the one split of :func:`normbench.models.cv.validation_split`,
        scored observation by observation (``pointwise``) so that the mean is the validation
        error and the spread gives its standard error.
        """
        if self.cv != VALIDATION:
            if X_val is not None or y_val is not None:
                raise ValueError("X_val and y_val are used only with cv='validation'")
            return X, y, kfold_indices(len(y), self.cv, self._seed()), False
        if X_val is None or y_val is None:
            raise ValueError("cv='validation' needs a validation set: fit(X, y, X_val=, y_val=)")
        X_val = check_array(X_val, dtype=np.float64, input_name="X_val")
        y_val = check_array(y_val, ensure_2d=False, dtype=np.float64, input_name="y_val")
        if X_val.shape[1] != X.shape[1]:
            raise ValueError(f"X_val has {X_val.shape[1]} features but X has {X.shape[1]}")
        if y_val.ndim != 1 or len(y_val) != len(X_val):
            raise ValueError(
                f"y_val must be 1-D with one value per row of X_val ({len(X_val)}), "
                f"got shape {y_val.shape}"
            )
        splits = validation_split(len(y), len(y_val))
        return np.vstack([X, X_val]), np.concatenate([y, y_val]), splits, True

    def _seed(self):
        if self.random_state is None:
            return 0
        if isinstance(self.random_state, np.random.RandomState):
            # accepted for scikit-learn compatibility; drawn once, deterministically from its state
            return check_random_state(self.random_state).randint(2**31 - 1)
        return self.random_state

    def _grid(self, X, y, loss, penalty, l1_ratio, delta, standardized=None):
        """The ``lam`` grid of one (delta, l1_ratio) row; ``standardized`` is ``X`` standardised,
        if known (the rows of one fit share it)."""
        if self.lams is not None:
            return np.sort(np.asarray(self.lams, dtype=float))[::-1]
        if standardized is None:
            standardized = Standardizer(X, self.standardize).transform(X)
        return lam_grid(
            standardized,
            y,
            loss=loss,
            penalty=penalty,
            l1_ratio=l1_ratio,
            delta=delta,
            n_lams=self.n_lams,
            eps=self.eps,
            ridge_eps=self.ridge_eps,
        )

    def _cross_validate(
        self,
        X,
        y,
        folds,
        *,
        loss,
        penalty,
        lams,
        l1_ratio,
        delta,
        score_delta=None,
        pointwise=False,
    ):
        """Held-out errors (folds x lams) and held-out predictions (n x lams).

        ``score_delta`` is the Huber threshold of the ``own_loss`` criterion (default ``delta``).
        With ``pointwise`` (validation-set tuning, one split) the error rows are the held-out
        observations' own errors.  Rows of ``predictions`` never held out stay NaN.
        """
        score_delta = delta if score_delta is None else score_delta
        rows = [] if pointwise else np.empty((len(folds), len(lams)))
        predictions = np.full((len(y), len(lams)), np.nan)
        not_converged = 0
        for k, (train, test) in enumerate(folds):
            coefs, intercepts, path, _ = _fit_path(
                X[train],
                y[train],
                loss=loss,
                penalty=penalty,
                lams=lams,
                l1_ratio=l1_ratio,
                delta=delta,
                standardize=self.standardize,
                options=self._options(),
                rescale=self.elasticnet_rescale,
            )
            fold_predictions = X[test] @ coefs.T + intercepts
            predictions[test] = fold_predictions
            scoring = {"criterion": self.criterion, "loss": loss, "delta": score_delta}
            if pointwise:
                rows.append(pointwise_error(y[test], fold_predictions, **scoring))
            else:
                rows[k] = heldout_error(y[test], fold_predictions, **scoring)
            not_converged += int((~path.converged).sum())
        errors = np.vstack(rows) if pointwise else rows
        return errors, predictions, not_converged

    def _pruned_errors(
        self, X, y, folds, combinations, grids, preferred, next_rows=None, **scoring
    ):
        """Held-out errors (folds x lams) and predictions (n x lams) of every (delta, l1_ratio)
        row under K-fold CV, skipping only fits that provably cannot be chosen (NaN entries).

        Every held-out error is >= 0, so the folds scored so far bound a row's mean from below at
        each ``lam``: ``sum(errors of the folds done) / K``.  Where that bound exceeds the best
        mean known (of a finished row, or of this row's last fold so far) by ``PRUNE_MARGIN``,
        the ``lam`` cannot be chosen, neither by ``rule="min"`` nor by ``"1se"`` (which picks in
        the chosen row at or before its minimum), and a fold's path stops once every smaller
        ``lam`` is out: before a fold when the bound of the folds done rules them out, during the
        last fold as its own errors complete the means (``stop`` of
        :func:`normbench.models.paths.penalized_path`).  A first pass scores the first fold of
        every row; the rows are then completed best first (the ``preferred`` row, the reference
        delta, before all), so that the bound bites early.  The ``preferred`` row runs its folds
        in order; every later row runs its remaining folds in decreasing order of the preferred
        row's held-out errors (mean over the ``lam`` that all its folds scored): the folds that
        weigh most in every row's mean come first, so that the bound of the folds done reaches
        the best mean with more folds left to skip.  The entries computed are the bits of a full
        computation: each path is the same warm-started solve over a prefix of its grid,
        back-transformed and multiplied out at the full grid's shape, and each fold's rows are
        standardised once for all the rows.

        ``next_rows(tables)`` hands out the rows in stages (a bracket search over delta,
        :func:`_bracket_rows`): each stage is scored as above (first folds, then completed best
        first) with the best mean and the fold order carried over, and the rows never handed out
        stay NaN. By default every row is one stage (:func:`_every_row`).
        """
        n_folds = len(folds)
        tables = [np.full((n_folds, len(lams)), np.nan) for lams in grids]
        predictions = [np.full((len(y), len(lams)), np.nan) for lams in grids]
        limits = [len(lams) - 1 for lams in grids]  # the last lam still fitted, per row
        failures = 0
        best = np.inf
        # every row fits the same training rows of a fold: standardise them once
        standardizers = [Standardizer(X[train], self.standardize) for train, _ in folds]

        def last_fold_stop(row, fold):
            """Ends the last fold's path once the lams after the current one are all out."""
            if self.elasticnet_rescale:
                return None  # the stop would need the rescaled coefficients: fit the prefix
            table = tables[row]
            others = np.arange(n_folds) != fold  # the last fold: every other one is done
            done = table[others, : limits[row] + 1].sum(axis=0)
            test = folds[fold][1]
            heldout = standardizers[fold].transform(X[test])
            running = [best]

            def stop(k, coef, intercept):
                error = heldout_error(
                    y[test],
                    (heldout @ coef + intercept)[:, None],
                    criterion=self.criterion,
                    loss=scoring["loss"],
                    delta=scoring["score_delta"],
                )[0]
                mean = (done[k] + error) / n_folds
                if np.isfinite(mean):
                    running[0] = min(running[0], mean)
                threshold = running[0] * (1.0 + PRUNE_MARGIN)
                return bool(np.all(done[k + 1 :] / n_folds > threshold))

            return stop

        def score(row, k, last=False):
            nonlocal failures
            delta, ratio = combinations[row]
            fitted = limits[row] + 1
            train, test = folds[k]
            coefs, intercepts, path, _ = _fit_path(
                X[train],
                y[train],
                loss=scoring["loss"],
                penalty=scoring["penalty"],
                lams=grids[row],
                l1_ratio=ratio,
                delta=delta,
                standardize=self.standardize,
                options=self._options(),
                rescale=self.elasticnet_rescale,
                solve_first=fitted,
                stop=last_fold_stop(row, k) if last else None,
                standardizer=standardizers[k],
            )
            fitted = len(path.intercepts) if scoring["penalty"] != "none" else fitted
            # the rows not fitted are NaN: zero them so that the product keeps its shape
            coefs, intercepts = np.nan_to_num(coefs), np.nan_to_num(intercepts)
            fold_predictions = X[test] @ coefs.T + intercepts
            errors = heldout_error(
                y[test],
                fold_predictions,
                criterion=self.criterion,
                loss=scoring["loss"],
                delta=scoring["score_delta"],
            )
            tables[row][k, :fitted] = errors[:fitted]
            predictions[row][test, :fitted] = fold_predictions[:, :fitted]
            failures += int((~path.converged).sum())
            return fitted

        remaining = list(range(1, n_folds))  # the preferred row's fold order, once it is done
        fold_order_known = False
        scored = set()
        if next_rows is None:
            next_rows = _every_row(len(combinations))
        while True:
            stage = [row for row in next_rows(tables) if row not in scored]
            if not stage:
                break
            scored.update(stage)
            for row in stage:
                score(row, 0)
            first = {
                row: np.min(np.where(np.isfinite(tables[row][0]), tables[row][0], np.inf))
                for row in stage
            }
            for row in sorted(stage, key=lambda r: (r != preferred, first[r], r)):
                table = tables[row]
                for position, k in enumerate(remaining, start=1):
                    done = [0, *remaining[: position - 1]]
                    bound = table[done, : limits[row] + 1].sum(axis=0) / n_folds
                    # a margin far above rounding: the bound and the mean may add in other orders
                    alive = np.flatnonzero(bound <= best * (1.0 + PRUNE_MARGIN))
                    if alive.size == 0:
                        limits[row] = -1
                        break
                    limits[row] = int(alive[-1])
                    limits[row] = score(row, k, last=position == n_folds - 1) - 1
                if limits[row] >= 0:
                    means = table[:, : limits[row] + 1].mean(axis=0)
                    best = min(best, float(np.min(np.where(np.isfinite(means), means, np.inf))))
                table[:, limits[row] + 1 :] = np.nan
                predictions[row][:, limits[row] + 1 :] = np.nan
                if not fold_order_known:
                    remaining = _heaviest_first(table, remaining)
                    fold_order_known = True
        return tables, predictions, failures

    def select_delta(self, X, y, X_val=None, y_val=None):
        """Huber threshold the ``delta=None`` rule picks on ``(X, y)`` with this CV's folds.

        ``huber_multiplier`` times the normalised MAD of the out-of-fold residuals (validation
        residuals with ``cv="validation"``) of a pilot lasso (squared loss) tuned on the same
        folds.  Exposed so that a caller fitting several Huber models on the same data computes
        the pilot once and passes ``delta`` explicitly.
        """
        self._check_params()
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        return self._pilot_delta(*self._heldout_design(X, y, X_val, y_val))

    def _pilot_delta(self, X, y, folds, pointwise=False):
        n_train = len(folds[0][0]) if pointwise else len(y)
        lams = self._grid(X[:n_train], y[:n_train], "l2", "l1", 1.0, None)
        scoring = {"loss": "l2", "penalty": "l1", "score_delta": None}
        if pointwise:
            errors, predictions, _ = self._cross_validate(
                X, y, folds, lams=lams, l1_ratio=1.0, delta=None, pointwise=True, **scoring
            )
        else:
            [errors], [predictions], _ = self._pruned_errors(
                X, y, folds, [(None, 1.0)], [lams], 0, **scoring
            )
        means = errors.mean(axis=0)
        best = int(np.argmin(np.where(np.isfinite(means), means, np.inf)))
        heldout = np.sort(np.concatenate([test for _, test in folds]))
        scale = robust_scale(y[heldout] - predictions[heldout, best])
        return self.huber_multiplier * (scale if scale > 0 else 1.0)

    def fit(self, X, y, X_val=None, y_val=None):
        """Tune on K folds of ``(X, y)`` or on ``(X_val, y_val)``; keep the fit on ``(X, y)``."""
        self._check_params()
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        X_all, y_all, folds, pointwise = self._heldout_design(X, y, X_val, y_val)
        if self.loss == "huber":
            reference = (
                float(self.delta)
                if self.delta is not None
                else self._pilot_delta(X_all, y_all, folds, pointwise)
            )
            self.deltas_ = delta_grid(reference, self.delta_factors)
        else:
            reference, self.deltas_ = None, None
        ratios = list(self.l1_ratios) if self.penalty == "elasticnet" else [None]
        deltas = list(self.deltas_) if self.deltas_ is not None else [None]
        combinations = [(delta, ratio) for delta in deltas for ratio in ratios]
        # on a tie, the reference delta (its factor nearest 1) and the first l1_ratio
        preferred = 0
        if reference is not None:
            factors = np.asarray(deltas, dtype=float) / reference
            preferred = int(np.argmin(np.abs(np.log(factors)))) * len(ratios)
        standardized = Standardizer(X, self.standardize).transform(X)
        grids = [
            self._grid(X, y, self.loss, self.penalty, r, d, standardized) for d, r in combinations
        ]
        scoring = {"loss": self.loss, "penalty": self.penalty, "score_delta": reference}
        if self.loss == "huber" and self.delta_search == "bracket":
            next_rows = _bracket_rows(preferred // len(ratios), len(deltas), len(ratios))
        else:
            next_rows = _every_row(len(combinations))
        if self.loss == "huber" and not pointwise:
            table, _, not_converged = self._pruned_errors(
                X_all, y_all, folds, combinations, grids, preferred, next_rows, **scoring
            )
        else:
            # rows a bracket search never reaches stay NaN (one error row per held-out unit)
            n_rows = len(folds[0][1]) if pointwise else len(folds)
            table = [np.full((n_rows, len(lams)), np.nan) for lams in grids]
            not_converged = 0
            stage = next_rows(table)
            while stage:
                for row in stage:
                    (delta, ratio), lams = combinations[row], grids[row]
                    table[row], _, failures = self._cross_validate(
                        X_all,
                        y_all,
                        folds,
                        lams=lams,
                        l1_ratio=ratio,
                        delta=delta,
                        pointwise=pointwise,
                        **scoring,
                    )
                    not_converged += failures
                stage = next_rows(table)
        means, ses = [], []
        for errors in table:
            means.append(errors.mean(axis=0))
            # rows: folds (K-fold) or validation observations
            ses.append(errors.std(axis=0, ddof=1) / np.sqrt(len(errors)))
        self.lams_, self.cv_mean_, self.cv_se_ = np.array(grids), np.array(means), np.array(ses)
        # the (delta, l1_ratio) of each row of the CV curves; nan where it does not apply
        self.cv_deltas_ = np.array([np.nan if d is None else d for d, _ in combinations], float)
        self.cv_l1_ratios_ = np.array([np.nan if r is None else r for _, r in combinations], float)
        self.n_cv_not_converged_ = not_converged
        best, best_lam = select_combination(
            self.cv_mean_, self.cv_se_, rule=self.rule, preferred=preferred
        )
        self.best_score_ = float(self.cv_mean_[best, best_lam])
        delta, self.l1_ratio_ = combinations[best]
        self.delta_ = None if delta is None else float(delta)
        lams = self.lams_[best]
        self.lam_ = None if self.penalty == "none" else float(lams[best_lam])
        # refit along the grid down to the chosen lam, so the final solve is warm-started
        coefs, intercepts, path, self._standardizer = _fit_path(
            X,
            y,
            loss=self.loss,
            penalty=self.penalty,
            lams=lams[: best_lam + 1],
            l1_ratio=self.l1_ratio_,
            delta=self.delta_,
            standardize=self.standardize,
            options=self._options(),
            rescale=self.elasticnet_rescale,
        )
        return self._keep_last(coefs, intercepts, path)

    def to_regressor(self) -> PenalizedRegressor:
        """The fixed-``lam`` estimator with the hyperparameters chosen by CV (unfitted)."""
        check_is_fitted(self)
        return PenalizedRegressor(
            loss=self.loss,
            penalty=self.penalty,
            lam=self.lam_ or 1.0,
            l1_ratio=self.l1_ratio_ or 0.5,
            delta=self.delta_,
            standardize=self.standardize,
            tol=self.tol,
            max_iter=self.max_iter,
            elasticnet_rescale=self.elasticnet_rescale,
        )
