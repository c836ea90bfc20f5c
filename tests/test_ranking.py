"""Ranking across scenarios: mean ranks, Friedman test and Nemenyi critical difference."""

import math

import numpy as np
import pytest
from metrics_tables import results_table
from scipy import stats

from normbench.analysis.ranking import (
    nemenyi_critical_difference,
    nemenyi_q,
    rank_pairs,
)
from normbench.report.figures import critical_difference_figure

PAIRS = [("l2", "none"), ("l2", "l1"), ("l1", "l1"), ("huber", "l1")]
COLUMNS = ("dataset", "replicate", "loss", "penalty", "status", "risk", "model_error")


def _metrics(errors, *, model_error=True, replicates=3):
    """``errors[dataset][pair index]``: every replicate's error, +- a little noise."""
    rng = np.random.default_rng(0)

    def values(dataset, replicate, loss, penalty):
        error = errors[dataset][PAIRS.index((loss, penalty))] * (1 + 0.01 * rng.random())
        return {"risk": error + 1.0, "model_error": error if model_error else math.nan}

    for values_of_dataset in errors.values():
        assert len(values_of_dataset) == len(PAIRS)
    return results_table(
        values, datasets=errors, replicates=range(replicates), pairs=PAIRS, columns=COLUMNS
    )


def test_nemenyi_q_matches_demsar_table():
    # Demšar (2006), Table 5(a), alpha = 0.05
    for k, q in ((2, 1.960), (3, 2.343), (5, 2.728), (10, 3.164)):
        assert nemenyi_q(k) == pytest.approx(q, abs=1e-3)
    assert nemenyi_q(13) > nemenyi_q(12)
    k, n = 12, 12
    assert nemenyi_critical_difference(k, n) == pytest.approx(
        nemenyi_q(k) * math.sqrt(k * (k + 1) / (6 * n))
    )
    with pytest.raises(ValueError, match="at least 2"):
        nemenyi_q(1)


def test_ranks_friedman_and_exclusions():
    errors = {
        "a": [4.0, 1.0, 2.0, 3.0],
        "b": [4.0, 2.0, 1.0, 3.0],
        "c": [4.0, 1.0, 3.0, 2.0],
        "d": [3.0, 1.0, 2.0, 4.0],
    }
    ranking = rank_pairs(_metrics(errors))
    assert ranking.metrics == dict.fromkeys("abcd", "model_error")
    # mean ranks: l2+none (4+4+4+3)/4, l2+l1 (1+2+1+1)/4, l1+l1 (2+1+3+2)/4, huber+l1 (3+3+2+4)/4
    expected = {"l2+l1": 1.25, "l1+l1": 2.0, "huber+l1": 3.0, "l2+none": 3.75}
    assert ranking.mean_ranks.to_dict() == pytest.approx(expected)
    assert list(ranking.mean_ranks.index) == list(expected)  # best first
    medians = np.array(list(errors.values())).T  # the medians are these up to the noise
    reference = stats.friedmanchisquare(*medians)
    assert ranking.friedman_statistic == pytest.approx(reference.statistic)
    assert ranking.friedman_p == pytest.approx(reference.pvalue)
    assert ranking.critical_difference == pytest.approx(nemenyi_critical_difference(4, 4))
    # a pair that failed everywhere in one scenario is left out, with the reason
    metrics = _metrics(errors)
    metrics.loc[(metrics.dataset == "b") & (metrics.loss == "huber"), "status"] = "failed"
    ranking = rank_pairs(metrics)
    assert list(ranking.excluded) == ["huber+l1"] and "b" in ranking.excluded["huber+l1"]
    assert ranking.n_pairs == 3 and ranking.n_scenarios == 4


def test_risk_is_ranked_without_model_error():
    errors = {"a": [4.0, 1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0, 4.0]}
    metrics = _metrics(errors, model_error=False)
    ranking = rank_pairs(metrics)
    assert ranking.metrics == {"a": "risk", "b": "risk"}
    assert ranking.ranks.loc["b"].tolist() == [1.0, 2.0, 3.0, 4.0]
    one = rank_pairs(metrics, ["a"])  # one scenario: no Friedman test
    assert math.isnan(one.friedman_p) and one.n_scenarios == 1


def test_critical_difference_figure_draws_every_pair():
    errors = {"a": [4.0, 1.0, 2.0, 3.0], "b": [4.0, 2.0, 1.0, 3.0], "c": [3.0, 1.0, 2.0, 4.0]}
    ranking = rank_pairs(_metrics(errors))
    ax = critical_difference_figure(ranking).axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels == list(ranking.mean_ranks.index)
    bars = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
    widths = [np.ptp(line.get_xdata()) for line in bars]
    assert widths == pytest.approx([ranking.critical_difference] * 4)
