"""Which replicates each fit job fits: the batches of ``replicates_per_job``.

A fit job fits a batch of consecutive replicates of one dataset (config ``replicates_per_job``)
so that starting Python is a small share of its work; batch ``b`` (from 1) holds replicates
``(b - 1) k + 1 ... min(b k, R)`` for ``k`` per job and ``R`` replicates. Each replicate is
fitted as if alone (its own seeds), so the batching changes no number.
"""

from __future__ import annotations

import math

__all__ = ["batch_of", "batch_replicates", "batch_numbers"]


def _check(replicates: int, per_job: int) -> None:
    if replicates < 1 or per_job < 1:
        raise ValueError(
            f"replicates ({replicates}) and replicates_per_job ({per_job}) must be at least 1"
        )


def batch_numbers(replicates: int, per_job: int) -> list[int]:
    """The batch numbers ``1 ... ceil(replicates / per_job)``."""
    _check(replicates, per_job)
    return list(range(1, math.ceil(replicates / per_job) + 1))


def batch_replicates(batch: int, replicates: int, per_job: int) -> list[int]:
    """The replicates of ``batch``, in increasing order.

    Raises
    ------
    ValueError
        If ``batch`` is not one of :func:`batch_numbers`.
    """
    if batch not in batch_numbers(replicates, per_job):
        raise ValueError(
            f"batch {batch} does not exist: {replicates} replicates at {per_job} per job make "
            f"batches 1 to {math.ceil(replicates / per_job)}"
        )
    first = (batch - 1) * per_job + 1
    return list(range(first, min(batch * per_job, replicates) + 1))


def batch_of(replicate: int, replicates: int, per_job: int) -> int:
    """The batch holding ``replicate`` (numbered from 1)."""
    _check(replicates, per_job)
    if not 1 <= replicate <= replicates:
        raise ValueError(f"replicate {replicate} is not in 1 ... {replicates}")
    return (replicate - 1) // per_job + 1
