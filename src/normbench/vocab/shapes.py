"""The losses as plain formulas of a residual, for drawing their shapes.

The report draws ``loss(r)`` and ``loss'(r)`` from these; they are the formulas of the
objective (``docs/design.md``), written on arrays with nothing else attached, so that a layer
which must not import the models (the report) can draw them, and the models may use them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOSS_SHAPES", "loss_derivative", "loss_value"]


def _huber_value(residuals, delta):
    magnitude = np.abs(residuals)
    return np.where(magnitude <= delta, 0.5 * residuals**2, delta * magnitude - 0.5 * delta**2)


#: ``{loss: (value(r, delta), derivative(r, delta))}``; ``delta`` only matters for Huber.
LOSS_SHAPES = {
    "l2": (lambda r, delta=None: 0.5 * r**2, lambda r, delta=None: r),
    "l1": (lambda r, delta=None: np.abs(r), lambda r, delta=None: np.sign(r)),
    "huber": (_huber_value, lambda r, delta: np.clip(r, -delta, delta)),
}


def loss_value(loss: str, residuals, delta: float | None = None):
    """``loss(r)`` elementwise: r²/2, |r|, or Huber's with threshold ``delta``."""
    return LOSS_SHAPES[loss][0](np.asarray(residuals, dtype=float), delta)


def loss_derivative(loss: str, residuals, delta: float | None = None):
    """``loss'(r)`` elementwise: r, sign(r), or r clipped to ±``delta``."""
    return LOSS_SHAPES[loss][1](np.asarray(residuals, dtype=float), delta)
