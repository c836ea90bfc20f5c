"""The four verdicts on rows of known effect, and their error guarantee by simulation."""

import math
import zlib

import numpy as np
import pytest

from normbench.analysis.verdicts import (
    BETTER,
    EQUIVALENT,
    INCONCLUSIVE,
    WORSE,
    ZERO_SPREAD_MIN_REPLICATES,
    decide,
)

Q, MARGIN = 0.05, math.log(1.1)


def _row(rng, effect, sd, n):
    """(mean log ratio, its MCSE, n) of n normal log ratios around log(effect)."""
    d = rng.normal(math.log(effect), sd, n)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(n)), n


def _decide_rows(rows):
    estimate, se, n = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    return decide(estimate, se, n, q=Q, equivalence=1.1)


def test_the_issue_acceptance_rows():
    rng = np.random.default_rng(7)
    rows = [
        _row(rng, 0.5, 0.3, 30),  # a true 0.5x ratio with 30 replicates
        _row(rng, 1.0, 0.02, 30),  # 1.00x with SD 0.02
        _row(rng, 1.0, 1.0, 5),  # SD 1 with 5 replicates
        _row(rng, 2.0, 0.3, 30),
    ]
    result = _decide_rows(rows)
    assert list(result["verdict"]) == [BETTER, EQUIVALENT, INCONCLUSIVE, WORSE]
    low, high = result["ci_low"], result["ci_high"]
    assert high[0] < 0 and low[3] > 0  # the adjusted intervals exclude no effect
    assert -MARGIN < low[1] and high[1] < MARGIN  # the TOST interval lies inside the region
    assert low[2] < 0 < high[2] and result["ci_level"][2] == pytest.approx(1 - Q)


def test_zero_spread_is_certainty_only_over_many_replicates():
    few = decide([0.5], [0.0], [2])
    assert few["verdict"][0] == INCONCLUSIVE and math.isnan(few["p_value"][0])
    many = decide([0.5], [0.0], [ZERO_SPREAD_MIN_REPLICATES])
    assert many["verdict"][0] == WORSE
    same = decide([0.01], [0.0], [ZERO_SPREAD_MIN_REPLICATES])
    assert same["verdict"][0] == WORSE  # a sure difference, however small
    single = decide([0.3], [math.nan], [1])
    assert single["verdict"][0] == INCONCLUSIVE and math.isnan(single["ci_low"][0])


def _false_claims(verdict, delta):
    """False claims of one table: a difference where none is, or equivalence outside the margin."""
    claimed_difference = np.isin(verdict, [BETTER, WORSE])
    wrong_sign = (verdict == BETTER) & (delta >= 0) | (verdict == WORSE) & (delta <= 0)
    false_difference = claimed_difference & ((delta == 0) | wrong_sign)
    false_equivalence = (verdict == EQUIVALENT) & (np.abs(delta) >= MARGIN)
    return (
        false_difference.sum(),
        claimed_difference.sum(),
        false_equivalence.sum(),
        (verdict == EQUIVALENT).sum(),
    )


@pytest.mark.parametrize(
    ("name", "deltas", "heavy"),
    [
        ("all null", np.zeros(40), False),
        ("all null, heavy tails", np.zeros(40), True),
        ("a few large", np.r_[np.zeros(34), np.full(6, math.log(0.5))], False),
        ("mixture", np.r_[np.zeros(10), np.full(10, MARGIN), np.full(20, math.log(1.6))], True),
        ("at the margin", np.full(40, MARGIN), False),
    ],
)
def test_the_false_claim_proportion_stays_below_q(name, deltas, heavy):
    """Mean false-discovery proportion of each kind of claim <= q within Monte Carlo error."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    n, tables, sd = 10, 400, 0.25
    fdp_difference, fdp_equivalence, power = [], [], []
    for _ in range(tables):
        noise = rng.standard_t(3, (deltas.size, n)) / math.sqrt(3.0) if heavy else None
        if noise is None:
            noise = rng.normal(0.0, 1.0, (deltas.size, n))
        d = deltas[:, None] + sd * noise
        result = decide(d.mean(1), d.std(1, ddof=1) / math.sqrt(n), np.full(deltas.size, n))
        wrong, claims, wrong_eq, claims_eq = _false_claims(result["verdict"], deltas)
        fdp_difference.append(wrong / max(claims, 1))
        fdp_equivalence.append(wrong_eq / max(claims_eq, 1))
        real = np.abs(deltas) >= MARGIN
        if real.any():
            power.append(np.isin(result["verdict"][real], [BETTER, WORSE]).mean())
    for fdp in (np.array(fdp_difference), np.array(fdp_equivalence)):
        mcse = fdp.std(ddof=1) / math.sqrt(tables)
        assert fdp.mean() <= Q + 3 * mcse, (name, fdp.mean(), mcse)
    if name == "a few large":
        # a halved risk over 10 replicates at SD 0.25 is found nearly always
        assert np.mean(power) > 0.95
