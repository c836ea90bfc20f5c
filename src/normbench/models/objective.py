"""The one objective every normbench model minimises, and the losses and penalties it is made of.

Over an unpenalised intercept ``b`` and coefficients ``w``::

    (1/n) * sum_i loss(y_i - b - x_i.w)  +  lam * penalty(w)

Losses and penalties are small classes whose names are the mathematics (the skglm idiom), so the
twelve models are a composition, not twelve copies.  Each class carries what the solvers, the
cross-validation grid and the tests need of it:

=============  =====  ====================================================  ==================
loss class     name   ``loss(r)``                                           null intercept
=============  =====  ====================================================  ==================
SquaredLoss    l2     ``r**2 / 2``                                          mean
AbsoluteLoss   l1     ``|r|``                                               median
Huber(delta)   huber  ``r**2/2`` if ``|r| <= delta`` else                   Huber location
                      ``delta*|r| - delta**2/2``
=============  =====  ====================================================  ==================

===================  ==========  ===============================================
penalty class        name        ``penalty(w)``
===================  ==========  ===============================================
NoPenalty            none        ``0``
L1                   l1          ``||w||_1``
L2                   l2          ``||w||_2**2 / 2``
ElasticNet(ratio)    elasticnet  ``ratio*||w||_1 + (1 - ratio)*||w||_2**2 / 2``
===================  ==========  ===============================================

The null model is ``w = 0`` with the loss's null intercept; it is optimal exactly when
``lam * l1_ratio >= ||X' psi0||_inf / n`` (``penalty.lam_max(X, y, loss)``), ``psi0`` being a
(sub)gradient of the loss at the null model's residuals that sums to zero (``loss.null_scores``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from normbench.vocab.pairs import LOSSES, PENALTIES, check_choice

__all__ = [
    "LOSSES",
    "PENALTIES",
    "AbsoluteLoss",
    "ElasticNet",
    "Huber",
    "L1",
    "L2",
    "NoPenalty",
    "SquaredLoss",
    "huber_location",
    "make_loss",
    "make_penalty",
    "null_gradient_score",
    "objective_value",
]


# ------------------------------------------------------------------------------------------ losses
@dataclass(frozen=True)
class SquaredLoss:
    """``r**2 / 2``: estimates the conditional mean."""

    name = "l2"

    def value(self, residuals):
        return 0.5 * residuals**2

    def derivative(self, residuals):
        return residuals

    def null_intercept(self, y) -> float:
        """The intercept of the all-zero model: the mean."""
        return float(np.mean(y))

    def null_scores(self, y):
        """Derivative of the loss at the null model's residuals."""
        return self.derivative(y - self.null_intercept(y))


@dataclass(frozen=True)
class AbsoluteLoss:
    """``|r|``: estimates the conditional median."""

    name = "l1"

    def value(self, residuals):
        return np.abs(residuals)

    def derivative(self, residuals):
        """A subgradient: ``sign(r)``, taking 0 at ``r = 0``."""
        return np.sign(residuals)

    def null_intercept(self, y) -> float:
        """The intercept of the all-zero model: the median."""
        return float(np.median(y))

    def null_scores(self, y):
        """A subgradient at the null model's residuals whose sum is zero.

        ``sign(r)`` where ``r != 0``; the residuals at the median share, in equal parts, the value
        in ``[-1, 1]`` that balances the others (the median guarantees one exists).  This is the
        intercept's optimality condition, so ``||X' scores||_inf / n`` certifies the null model.
        With continuous data (no residual at zero, or one at an odd ``n``) it is ``sign(r)``.
        """
        scores = self.derivative(y - self.null_intercept(y))
        at_median = scores == 0
        if at_median.any():
            scores[at_median] = -scores.sum() / at_median.sum()
        return scores


@dataclass(frozen=True)
class Huber:
    """Quadratic within ``delta`` of zero, linear beyond: skglm's ``Huber(delta)`` datafit."""

    delta: float
    name = "huber"

    def value(self, residuals):
        abs_r = np.abs(residuals)
        return np.where(
            abs_r <= self.delta, 0.5 * residuals**2, self.delta * abs_r - 0.5 * self.delta**2
        )

    def derivative(self, residuals):
        return np.clip(residuals, -self.delta, self.delta)

    def null_intercept(self, y) -> float:
        """The intercept of the all-zero model: the Huber M-estimate of location."""
        return huber_location(y, self.delta)

    def null_scores(self, y):
        """Derivative of the loss at the null model's residuals."""
        return self.derivative(y - self.null_intercept(y))


def huber_location(y, delta, *, tol=1e-12, max_iter=200) -> float:
    """Huber M-estimate of location: the intercept that goes with ``w = 0``."""
    b = float(np.median(y))
    for _ in range(max_iter):
        r = y - b
        inside = np.abs(r) <= delta
        # Newton on the piecewise quadratic: curvature is the share of points inside the zone
        curvature = max(inside.mean(), 1.0 / len(y))
        step = np.clip(r, -delta, delta).mean() / curvature
        b += step
        if abs(step) <= tol * max(1.0, abs(b)):
            break
    return b


def null_gradient_score(X, y, loss) -> float:
    """``||X' psi0||_inf / n``: the largest loss gradient of the null model (``X`` centred)."""
    if X.size == 0:
        return 0.0
    return float(np.max(np.abs(X.T @ loss.null_scores(y))) / X.shape[0])


# --------------------------------------------------------------------------------------- penalties
def soft_threshold(x, threshold):
    """``sign(x) * max(|x| - threshold, 0)``: the proximal map of ``threshold * ||.||_1``."""
    return np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0)


@dataclass(frozen=True)
class NoPenalty:
    """``0``: the unpenalised M-estimator."""

    name = "none"
    l1_ratio = 0.0

    def value(self, coef):
        return 0.0

    def prox(self, coef, step):
        return np.asarray(coef, dtype=float).copy()

    def lam_max(self, X, y, loss) -> float:
        """No ``lam`` zeroes an unpenalised fit unless the null model is already optimal."""
        return 0.0 if null_gradient_score(X, y, loss) == 0 else np.inf


@dataclass(frozen=True)
class ElasticNet:
    """``l1_ratio*||w||_1 + (1 - l1_ratio)*||w||_2**2 / 2``, ``0 < l1_ratio <= 1``."""

    l1_ratio: float
    name = "elasticnet"

    def value(self, coef):
        return self.l1_ratio * np.abs(coef).sum() + 0.5 * (1.0 - self.l1_ratio) * coef @ coef

    def prox(self, coef, step):
        """``argmin_v ||v - coef||^2 / 2 + step * penalty(v)``: shrink, then scale."""
        return soft_threshold(coef, step * self.l1_ratio) / (1.0 + step * (1.0 - self.l1_ratio))

    def lam_max(self, X, y, loss) -> float:
        """Smallest ``lam`` at which ``w = 0`` is optimal: ``||X' psi0||_inf / (n * l1_ratio)``.

        ``inf`` without an L1 part (ridge), unless the null model's gradient is zero.
        """
        score = null_gradient_score(X, y, loss)
        if score == 0:
            return 0.0
        return score / self.l1_ratio if self.l1_ratio > 0 else np.inf


@dataclass(frozen=True)
class L1(ElasticNet):
    """``||w||_1``: the lasso, the elastic net's end at ``l1_ratio = 1``."""

    l1_ratio: float = 1.0
    name = "l1"


@dataclass(frozen=True)
class L2(ElasticNet):
    """``||w||_2**2 / 2``: ridge, the elastic net's end at ``l1_ratio = 0``."""

    l1_ratio: float = 0.0
    name = "l2"


# ----------------------------------------------------------------------------- names -> objects
def _huber(delta):
    if delta is None or not delta > 0:
        raise ValueError(f"the huber loss needs delta > 0, got {delta!r}")
    return Huber(float(delta))


def _elastic_net(l1_ratio):
    if l1_ratio is None or not 0.0 < l1_ratio <= 1.0:
        raise ValueError(f"elasticnet needs 0 < l1_ratio <= 1, got {l1_ratio!r}")
    return ElasticNet(float(l1_ratio))


#: loss name -> constructor from ``delta`` (used by Huber only)
_LOSS_FACTORIES = {
    "l2": lambda delta: SquaredLoss(),
    "l1": lambda delta: AbsoluteLoss(),
    "huber": _huber,
}
#: penalty name -> constructor from ``l1_ratio`` (used by the elastic net only)
_PENALTY_FACTORIES = {
    "none": lambda l1_ratio: NoPenalty(),
    "l1": lambda l1_ratio: L1(),
    "l2": lambda l1_ratio: L2(),
    "elasticnet": _elastic_net,
}
assert tuple(_LOSS_FACTORIES) == LOSSES and tuple(_PENALTY_FACTORIES) == PENALTIES


def make_loss(loss: str, delta: float | None = None):
    """Return the loss object named ``loss`` (``delta`` is required for Huber)."""
    check_choice("loss", loss, LOSSES)
    return _LOSS_FACTORIES[loss](delta)


def make_penalty(penalty: str, l1_ratio: float | None = None):
    """Return the penalty object named ``penalty`` (``l1_ratio`` is used by elasticnet only)."""
    check_choice("penalty", penalty, PENALTIES)
    return _PENALTY_FACTORIES[penalty](l1_ratio)


def objective_value(
    X, y, coef, intercept, *, loss: str, penalty: str, lam: float, l1_ratio=None, delta=None
) -> float:
    """Value of ``(1/n) sum loss(y - intercept - X coef) + lam * penalty(coef)``."""
    residuals = np.asarray(y) - intercept - np.asarray(X) @ np.asarray(coef)
    data_term = make_loss(loss, delta).value(residuals).mean()
    if penalty == "none":
        return float(data_term)
    return float(data_term + lam * make_penalty(penalty, l1_ratio).value(np.asarray(coef)))
