"""What every path solver returns, the options they share, and the recorder that fills a path."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["QP_GAP_FLOOR", "PathRecorder", "PathResult", "SolverOptions"]

#: HiGHS's QP tolerances bound how small a duality gap its steps can certify (LAD elastic net
#: points whose Newton steps fell back to HiGHS are certified down to this gap only)
QP_GAP_FLOOR = 1e-6


@dataclass
class PathResult:
    """Solutions along a ``lam`` grid.

    Attributes
    ----------
    coefs : ndarray of shape (n_lams, p)
    intercepts : ndarray of shape (n_lams,)
    converged : ndarray of bool, shape (n_lams,)
        Whether the solver's optimality certificate was met at each ``lam``.
    messages : list of str
        Why a point did not converge, or which fallback served it ('' when nothing to say).
    n_iter : ndarray of int, shape (n_lams,)
        Iterations the solver took at each ``lam`` (sweeps, Newton steps or simplex / QP
        iterations; 1 for a closed form).
    """

    coefs: np.ndarray
    intercepts: np.ndarray
    converged: np.ndarray
    messages: list = field(default_factory=list)
    n_iter: np.ndarray | None = None

    def __post_init__(self):
        if self.n_iter is None:
            self.n_iter = np.ones(len(self.intercepts), dtype=int)
        self.n_iter = np.asarray(self.n_iter, dtype=int)

    @classmethod
    def single(cls, coef, intercept, converged=True, message="") -> PathResult:
        """A path of one point."""
        return cls(coef[None, :], np.array([intercept]), np.array([converged]), [message])


@dataclass(frozen=True)
class SolverOptions:
    """Tolerances shared by all solvers (relative to the problem's own scale)."""

    tol: float = 1e-6
    max_iter: int = 100_000


class PathRecorder:
    """Fills a :class:`PathResult` one ``lam`` at a time: the one ending of every path loop."""

    def __init__(self, n_lams, n_features):
        self.coefs = np.empty((n_lams, n_features))
        self.intercepts = np.empty(n_lams)
        self.converged = np.empty(n_lams, bool)
        self.messages = []
        self.n_iter = []

    def record(self, k, coef, intercept, converged, n_iter, *, failure="", note=""):
        """Keep the ``k``-th point; its message is ``note`` if it converged, else ``failure``."""
        self.coefs[k], self.intercepts[k] = coef, intercept
        self.converged[k] = converged
        self.messages.append(note if converged else failure)
        self.n_iter.append(n_iter)

    def result(self) -> PathResult:
        """The points recorded (fewer than the grid's when the path stopped early)."""
        m = len(self.messages)
        return PathResult(
            self.coefs[:m], self.intercepts[:m], self.converged[:m], self.messages, self.n_iter
        )
