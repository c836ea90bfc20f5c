"""Which replicates each fit job fits: the batches of ``replicates_per_job``.

A fit job fits a batch of consecutive replicates of one dataset (config ``replicates_per_job``)
so that starting Python is a small share of its work; batch ``b`` (from 1) holds replicates
``(b - 1) k + 1 ... min(b k, R)`` for ``k`` per job and ``R`` replicates. Each replicate is
fitted as if alone (its own seeds), so the batching changes no number.

With planned replicates (config ``replicates: {pilot: n0, ..., max: M}``) the layout covers
``1 ... M`` in two parts: the pilot's replicates ``1 ... n0`` in batches of ``k`` exactly as a
fixed design of ``n0`` replicates has them, then the extra replicates ``n0 + 1 ... M`` in
batches of ``k`` of their own. A dataset runs the first batches of this layout, up to the end
of a batch (:func:`batch_end`), so every batch is the same whatever the plan decides.
"""

from __future__ import annotations

__all__ = [
    "batch_count",
    "batch_end",
    "batch_numbers",
    "batch_of",
    "batch_replicates",
    "pilot_batches",
]


def _check(replicates: int, per_job: int, pilot: int | None) -> int:
    if replicates < 1 or per_job < 1:
        raise ValueError(
            f"replicates ({replicates}) and replicates_per_job ({per_job}) must be at least 1"
        )
    if pilot is None:
        return replicates
    if not 1 <= pilot <= replicates:
        raise ValueError(f"the pilot ({pilot}) must be in 1 ... {replicates} replicates")
    return pilot


def _layout(replicates: int, per_job: int, pilot: int | None) -> list[range]:
    pilot = _check(replicates, per_job, pilot)
    return [
        range(first, min(first + per_job - 1, last) + 1)
        for start, last in ((1, pilot), (pilot + 1, replicates))
        for first in range(start, last + 1, per_job)
    ]


def batch_count(replicates: int, per_job: int, pilot: int | None = None) -> int:
    """How many batches replicates ``1 ... replicates`` make: the fit jobs of one dataset.

    ``ceil(replicates / per_job)`` without a pilot; with one,
    ``ceil(pilot / per_job) + ceil((replicates - pilot) / per_job)``. Counted without laying
    the batches out, so that a typo such as a billion replicates is refused at once.
    """
    pilot = _check(replicates, per_job, pilot)
    return -(-pilot // per_job) + -(-(replicates - pilot) // per_job)


def batch_numbers(replicates: int, per_job: int, pilot: int | None = None) -> list[int]:
    """The batch numbers ``1, 2, ...`` of replicates ``1 ... replicates`` (:func:`batch_count`)."""
    return list(range(1, len(_layout(replicates, per_job, pilot)) + 1))


def pilot_batches(pilot: int, per_job: int) -> list[int]:
    """The batches of a pilot of ``pilot`` replicates (those of a fixed design of that size)."""
    return batch_numbers(pilot, per_job)


def batch_replicates(
    batch: int, replicates: int, per_job: int, pilot: int | None = None
) -> list[int]:
    """The replicates of ``batch``, in increasing order.

    Raises
    ------
    ValueError
        If ``batch`` is not one of :func:`batch_numbers`.
    """
    layout = _layout(replicates, per_job, pilot)
    if not 1 <= batch <= len(layout):
        raise ValueError(
            f"batch {batch} does not exist: {replicates} replicates at {per_job} per job make "
            f"batches 1 to {len(layout)}"
        )
    return list(layout[batch - 1])


def batch_of(replicate: int, replicates: int, per_job: int, pilot: int | None = None) -> int:
    """The batch holding ``replicate`` (numbered from 1)."""
    layout = _layout(replicates, per_job, pilot)
    if not 1 <= replicate <= replicates:
        raise ValueError(f"replicate {replicate} is not in 1 ... {replicates}")
    return next(index for index, members in enumerate(layout, 1) if replicate in members)


def batch_end(replicate: int, replicates: int, per_job: int, pilot: int | None = None) -> int:
    """The last replicate of the batch holding ``replicate``: where a run of whole jobs stops.

    Examples
    --------
    >>> batch_end(13, 30, 5, pilot=10)
    15
    >>> batch_end(10, 30, 5, pilot=10)
    10
    """
    batch = batch_of(replicate, replicates, per_job, pilot)
    return batch_replicates(batch, replicates, per_job, pilot)[-1]
