"""The one objective every normbench model minimises.

Over an unpenalised intercept ``b`` and coefficients ``w``::

    (1/n) * sum_i loss(y_i - b - x_i.w)  +  lam * penalty(w)

Losses and penalties are small classes whose names are the mathematics (the skglm idiom), so the
twelve models are a composition, not twelve copies:

=========  ==============================================================
loss       ``loss(r)``
=========  ==============================================================
l2         ``r**2 / 2``
l1         ``|r|``
huber      ``r**2 / 2`` if ``|r| <= delta`` else ``delta*|r| - delta**2/2``
=========  ==============================================================

==========  ==========================================================
penalty     ``penalty(w)``
==========  ==========================================================
none        ``0``
l1          ``||w||_1``
l2          ``||w||_2**2 / 2``
elasticnet  ``l1_ratio*||w||_1 + (1 - l1_ratio)*||w||_2**2 / 2``
==========  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOSSES = ("l2", "l1", "huber")
PENALTIES = ("none", "l1", "l2", "elasticnet")


@dataclass(frozen=True)
class SquaredLoss:
    """``r**2 / 2``: estimates the conditional mean."""

    name = "l2"

    def value(self, residuals):
        return 0.5 * residuals**2

    def derivative(self, residuals):
        return residuals


@dataclass(frozen=True)
class AbsoluteLoss:
    """``|r|``: estimates the conditional median."""

    name = "l1"

    def value(self, residuals):
        return np.abs(residuals)

    def derivative(self, residuals):
        return np.sign(residuals)


@dataclass(frozen=True)
class HuberLoss:
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


@dataclass(frozen=True)
class NoPenalty:
    name = "none"
    l1_ratio = 0.0

    def value(self, coef):
        return 0.0


@dataclass(frozen=True)
class ElasticNetPenalty:
    """``l1_ratio*||w||_1 + (1 - l1_ratio)*||w||_2**2 / 2``; L1 and L2 are its two ends."""

    l1_ratio: float
    name: str = "elasticnet"

    def value(self, coef):
        return self.l1_ratio * np.abs(coef).sum() + 0.5 * (1.0 - self.l1_ratio) * coef @ coef


def make_loss(loss: str, delta: float | None = None):
    """Return the loss object named ``loss`` (``delta`` is required for Huber)."""
    if loss == "l2":
        return SquaredLoss()
    if loss == "l1":
        return AbsoluteLoss()
    if loss == "huber":
        if delta is None or not delta > 0:
            raise ValueError(f"the huber loss needs delta > 0, got {delta!r}")
        return HuberLoss(float(delta))
    raise ValueError(f"unknown loss {loss!r}; allowed: {', '.join(LOSSES)}")


def make_penalty(penalty: str, l1_ratio: float | None = None):
    """Return the penalty object named ``penalty`` (``l1_ratio`` is used by elasticnet only)."""
    if penalty == "none":
        return NoPenalty()
    if penalty == "l1":
        return ElasticNetPenalty(1.0, "l1")
    if penalty == "l2":
        return ElasticNetPenalty(0.0, "l2")
    if penalty == "elasticnet":
        if l1_ratio is None or not 0.0 < l1_ratio <= 1.0:
            raise ValueError(f"elasticnet needs 0 < l1_ratio <= 1, got {l1_ratio!r}")
        return ElasticNetPenalty(float(l1_ratio))
    raise ValueError(f"unknown penalty {penalty!r}; allowed: {', '.join(PENALTIES)}")


def penalty_l1_ratio(penalty: str, l1_ratio: float | None) -> float:
    """Share of the penalty that is L1 (1 for lasso, 0 for ridge and for no penalty)."""
    return make_penalty(penalty, l1_ratio).l1_ratio


def objective_value(
    X, y, coef, intercept, *, loss: str, penalty: str, lam: float, l1_ratio=None, delta=None
) -> float:
    """Value of ``(1/n) sum loss(y - intercept - X coef) + lam * penalty(coef)``."""
    residuals = np.asarray(y) - intercept - np.asarray(X) @ np.asarray(coef)
    data_term = make_loss(loss, delta).value(residuals).mean()
    if penalty == "none":
        return float(data_term)
    return float(data_term + lam * make_penalty(penalty, l1_ratio).value(np.asarray(coef)))
