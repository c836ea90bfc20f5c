"""Replicates planned from a pilot (normbench.analysis.plan): known SDs give known plans."""

import math

import numpy as np
import pytest
from metrics_tables import results_table
from scipy import stats

from normbench.analysis.plan import (
    PLAN_COLUMNS,
    PlanError,
    plan_table,
    primary_contrasts,
    read_plan,
    write_plan,
)
from normbench.study.config import ReplicatePlan
from normbench.vocab import pair_key

PILOT = 10
PLAN = ReplicatePlan(pilot=PILOT, max=40, mcse=0.1)
# standardised draws: mean 0, SD (ddof 1) exactly 1 up to rounding
_Z = np.random.default_rng(0).standard_normal(PILOT)
_Z = (_Z - _Z.mean()) / _Z.std(ddof=1)

# dataset -> SD of log(pair / l2 + same penalty) per primary contrast (0: identical fits)
SDS = {
    "known": {"l1+l1": 0.3, "huber+l1": 0.45, "l1+elasticnet": 0.2, "huber+elasticnet": 0.0},
    "noisy": {"l1+l1": 1.0, "huber+l1": 0.1, "l1+elasticnet": 0.1, "huber+elasticnet": 0.1},
    "identical": {"l1+l1": 0.0, "huber+l1": 0.0, "l1+elasticnet": 0.0, "huber+elasticnet": 0.0},
}


def _table(sds=SDS, metric="model_error", replicates=range(1, PILOT + 1)):
    def values(dataset, replicate, loss, penalty):
        sd = sds[dataset].get(pair_key(loss, penalty), 0.0)
        # the references (l2 + penalty) and the penalties outside the plan: 2.0 everywhere
        value = 2.0 * math.exp(sd * _Z[(replicate - 1) % PILOT])
        return {metric: value, "risk": 3.0 * value, "test_mse": 5.0}

    return results_table(values, datasets=list(sds), replicates=replicates)


def _rows(table):
    return {row["dataset"]: row for row in table.to_dict("records")}


def test_primary_contrasts_are_the_loss_question_on_the_sparse_penalties():
    assert primary_contrasts(["l2", "l1", "huber"], ["none", "l1", "l2", "elasticnet"]) == [
        ("l1+l1", "l2+l1"),
        ("huber+l1", "l2+l1"),
        ("l1+elasticnet", "l2+elasticnet"),
        ("huber+elasticnet", "l2+elasticnet"),
    ]
    assert primary_contrasts(["l2", "huber"], ["none", "l2"]) == []
    assert primary_contrasts(["l1", "huber"], ["l1"]) == []


def test_known_sds_give_the_replicates_the_mcse_needs():
    table = plan_table(_table(), PLAN)
    assert list(table.columns) == list(PLAN_COLUMNS)
    rows = _rows(table)
    known = rows["known"]
    # the contrast needing the most drives the dataset: ceil((0.45 / 0.1)^2) = 21
    assert known["contrast"] == "huber+l1/l2+l1" and known["metric"] == "model_error"
    assert known["pilot_sd"] == pytest.approx(0.45)
    assert (known["required"], known["run"], known["capped"]) == (21, 21, False)
    # a zero SD (identical fits) needs no more replicates, and says so
    assert known["zero_sd"] == "huber+elasticnet/l2+elasticnet"
    # ceil((1.0 / 0.1)^2) = 100 is above max: capped at 40
    noisy = rows["noisy"]
    assert noisy["contrast"] == "l1+l1/l2+l1"
    assert (noisy["required"], noisy["run"], noisy["capped"]) == (100, 40, True)
    # every contrast identical: the pilot is enough
    identical = rows["identical"]
    assert (identical["pilot_sd"], identical["required"], identical["run"]) == (0.0, 1, PILOT)
    assert not identical["capped"] and identical["zero_sd"].count(";") == 3


def test_runs_end_with_whole_fit_jobs_and_never_pass_max():
    rows = _rows(plan_table(_table(), PLAN, per_job=4))
    # layout: pilot 1-4, 5-8, 9-10; extra 11-14, 15-18, 19-22, ...: 21 rounds up to 22
    assert rows["known"]["run"] == 22 and rows["known"]["required"] == 21
    assert rows["noisy"]["run"] == 40 and rows["identical"]["run"] == PILOT


def test_a_half_width_target_uses_the_pilot_t_quantile():
    plan = ReplicatePlan(pilot=PILOT, max=400, half_width=0.2)
    rows = _rows(plan_table(_table(), plan))
    expected = math.ceil((stats.t.ppf(0.975, PILOT - 1) * 0.45 / 0.2) ** 2)
    assert rows["known"]["required"] == expected == 26


def test_risk_when_a_dataset_has_no_model_error_and_later_replicates_are_ignored():
    table = _table(metric="risk", replicates=range(1, 2 * PILOT + 1))
    # replicates past the pilot are not the pilot: changing them changes nothing
    table.loc[table["replicate"] > PILOT, "risk"] = 1e6 * np.arange(
        (table["replicate"] > PILOT).sum()
    )
    rows = _rows(plan_table(table, PLAN))
    assert rows["known"]["metric"] == "risk" and rows["known"]["required"] == 21


def test_failed_fits_are_left_out_and_non_positive_values_refused():
    table = _table()
    failed = (table["replicate"] == 1) & (table["loss"] == "huber") & (table["penalty"] == "l1")
    table.loc[failed, "status"] = "failed"
    table.loc[failed, "model_error"] = math.nan
    rows = _rows(plan_table(table, PLAN))
    ratios = 0.45 * _Z[1:]
    assert rows["known"]["pilot_sd"] == pytest.approx(np.std(ratios, ddof=1))
    table.loc[failed, ["status", "model_error"]] = ["ok", 0.0]
    with pytest.raises(
        PlanError, match="model_error of huber\\+l1 or l2\\+l1 is not positive in replicate 1"
    ):
        plan_table(table, PLAN)


def test_a_grid_without_primary_contrast_is_refused():
    table = _table()
    with pytest.raises(PlanError, match="no primary contrast"):
        plan_table(table[table["loss"] != "l2"], PLAN)


def test_plan_csv_is_byte_deterministic_and_read_back_checked(tmp_path):
    table = plan_table(_table(), PLAN, per_job=5)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_plan(table, first)
    write_plan(plan_table(_table(), PLAN, per_job=5), second)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text()
    assert text.splitlines()[0] == ",".join(PLAN_COLUMNS)
    assert (
        "known,huber+l1/l2+l1,model_error,0.45,21,25,false,huber+elasticnet/l2+elasticnet\n" in text
    )
    back = read_plan(first)
    assert back["run"].tolist() == [10, 25, 40] and back["capped"].tolist() == [False, False, True]
    first.write_bytes(first.read_bytes()[:-3])
    with pytest.raises(PlanError, match=r"a\.csv: ends inside a line"):
        read_plan(first)
    second.write_text(text.replace(",25,", ",2.5,"))
    with pytest.raises(PlanError, match=r"b\.csv: run of dataset known is not a whole number"):
        read_plan(second)


def test_the_whole_sample_interval_after_a_planned_n_keeps_its_coverage():
    """docs/design.md §3.1: the t interval with the SD of all N replicates, N chosen from the
    pilot, covers the true mean log ratio about as often as it says (normal log ratios)."""
    from normbench.analysis.plan import required_replicates
    from normbench.study.batches import batch_end

    plan = ReplicatePlan(pilot=10, max=25, mcse=0.12)
    rng = np.random.default_rng(7)
    for sigma in (0.3, 0.5, 0.8):
        draws = rng.standard_normal((4000, plan.max)) * sigma
        covered = 0
        for d in draws:
            needed = required_replicates(float(np.std(d[: plan.pilot], ddof=1)), plan.pilot, plan)
            n = batch_end(min(plan.max, max(plan.pilot, needed)), plan.max, 5, plan.pilot)
            half = stats.t.ppf(0.975, n - 1) * np.std(d[:n], ddof=1) / math.sqrt(n)
            covered += abs(d[:n].mean()) <= half
        # nominal 95 %; 4000 draws have a Monte Carlo SE of 0.35 points
        assert covered / len(draws) > 0.93, sigma
