"""The batches of replicates of the fit jobs (config replicates_per_job)."""

import pytest

from normbench.study.batches import (
    batch_count,
    batch_end,
    batch_numbers,
    batch_of,
    batch_replicates,
    pilot_batches,
)


@pytest.mark.parametrize(("replicates", "per_job"), [(10, 10), (10, 3), (7, 1), (2, 10), (1, 1)])
def test_batches_cover_every_replicate_once_in_order(replicates, per_job):
    covered = [
        replicate
        for batch in batch_numbers(replicates, per_job)
        for replicate in batch_replicates(batch, replicates, per_job)
    ]
    assert covered == list(range(1, replicates + 1))
    for batch in batch_numbers(replicates, per_job):
        members = batch_replicates(batch, replicates, per_job)
        assert 1 <= len(members) <= per_job
        assert all(batch_of(each, replicates, per_job) == batch for each in members)


def test_the_last_batch_takes_what_is_left():
    assert batch_numbers(10, 4) == [1, 2, 3]
    assert batch_replicates(3, 10, 4) == [9, 10]


def test_impossible_batches_are_refused_with_the_range():
    with pytest.raises(ValueError, match="batch 4 does not exist: .* batches 1 to 3"):
        batch_replicates(4, 10, 4)
    with pytest.raises(ValueError, match="replicate 11 is not in 1 ... 10"):
        batch_of(11, 10, 4)
    with pytest.raises(ValueError, match=r"replicates_per_job \(0\) must be at least 1"):
        batch_numbers(10, 0)


def test_a_pilot_keeps_its_batches_and_the_extra_replicates_get_their_own():
    # the pilot's batches are those of a fixed design of the pilot's size
    assert [batch_replicates(b, 30, 4, pilot=10) for b in pilot_batches(10, 4)] == [
        batch_replicates(b, 10, 4) for b in batch_numbers(10, 4)
    ]
    assert batch_numbers(30, 4, pilot=10) == list(range(1, 9))
    assert batch_replicates(4, 30, 4, pilot=10) == [11, 12, 13, 14]
    assert batch_replicates(8, 30, 4, pilot=10) == [27, 28, 29, 30]
    assert batch_of(11, 30, 4, pilot=10) == 4
    # a run stops at the end of a batch, never beyond the layout
    assert [batch_end(n, 30, 4, pilot=10) for n in (9, 10, 11, 14, 15, 29)] == [
        10,
        10,
        14,
        14,
        18,
        30,
    ]
    # without extra replicates (pilot = max) the layout is the fixed design's
    assert batch_numbers(10, 4, pilot=10) == batch_numbers(10, 4)
    with pytest.raises(ValueError, match=r"the pilot \(11\) must be in 1 ... 10"):
        batch_numbers(10, 4, pilot=11)


def test_the_count_of_batches_is_the_number_the_layout_makes():
    for replicates in range(1, 26):
        for per_job in (1, 3, 4, 10, 30):
            for pilot in (None, *range(1, replicates + 1)):
                expected = len(batch_numbers(replicates, per_job, pilot))
                assert batch_count(replicates, per_job, pilot) == expected
    # counted, not laid out: a typo's billion replicates cost nothing to count
    assert batch_count(10**9, 10, pilot=5) == 1 + (10**9 - 5 + 9) // 10
