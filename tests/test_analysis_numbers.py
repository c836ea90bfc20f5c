"""The analysis tables behind every number of the report: derived.csv, ranking.csv and the
reference rows of summary.csv, checked against independent computations on small tables."""

import json

import numpy as np
import pandas as pd
import pytest
from metrics_tables import fit_row, results_table
from scipy import stats

from normbench.analysis.cost import cost_table
from normbench.analysis.derived import derived_table, replicate_info, with_derived
from normbench.analysis.ranking import rank_pairs, ranking_from_table, ranking_table
from normbench.analysis.run import analyse
from normbench.analysis.summary import DATA_PAIR, oracle_pair, reference_summary
from normbench.analysis.tables import read_analysis
from normbench.study.store import METRICS_COLUMNS, write_table
from normbench.study.tables import ResultsError

PAIRS = (("l2", "l1"), ("l1", "l1"), ("huber", "l2"))
REPLICATES = (1, 2, 3, 4, 5)
DATASETS = ("a", "b")
# risk of each pair on each replicate: l1+l1 is twice l2+l1, huber+l2 three times plus the rep
FACTOR = {("l2", "l1"): 1.0, ("l1", "l1"): 2.0, ("huber", "l2"): 3.0}


def _risk(dataset, replicate, loss, penalty):
    offset = 0.0 if (loss, penalty) != ("huber", "l2") else 0.1 * replicate
    return (1.0 + replicate + (dataset == "b")) * FACTOR[(loss, penalty)] + offset


def _metrics():
    def values(dataset, replicate, loss, penalty):
        row = fit_row(_risk(dataset, replicate, loss, penalty))
        return {**row, "delta": 1.0 if loss == "huber" else np.nan}

    return results_table(
        values, datasets=DATASETS, replicates=REPLICATES, pairs=PAIRS, columns=METRICS_COLUMNS
    )


def _signal(dataset, replicate):
    return 10.0 + replicate + (5.0 if dataset == "b" else 0.0)


def _datasets_dir(folder, skip=()):
    for dataset in DATASETS:
        for replicate in REPLICATES:
            if (dataset, replicate) in skip:
                continue
            path = folder / dataset / f"rep{replicate}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            sidecar = {"signal_variance": _signal(dataset, replicate), "noise_scale": 0.5}
            path.write_text(json.dumps(sidecar))
    return folder


def _oracle():
    rows = []
    for dataset in DATASETS:
        for replicate in REPLICATES:
            for loss in ("l2", "l1"):
                applies = not (loss == "l1" and replicate == 5)
                rows.append(
                    {
                        "dataset": dataset,
                        "replicate": replicate,
                        "loss": loss,
                        "status": "ok" if applies else "not_applicable",
                        "message": "" if applies else "n_train <= s",
                        "risk": 0.5 * replicate if applies else np.nan,
                        "n_support": 3.0,
                    }
                )
    return pd.DataFrame(rows)


def test_the_risk_ratio_and_relative_risk_equal_a_direct_computation(tmp_path):
    metrics = _metrics()
    derived = derived_table(metrics, replicate_info(metrics, _datasets_dir(tmp_path)))
    for row, fit in zip(derived.itertuples(), metrics.itertuples(), strict=True):
        base = _risk(fit.dataset, fit.replicate, "l2", "l1")
        assert row.risk_ratio == pytest.approx(fit.risk / base)
        assert row.relative_risk == pytest.approx(fit.risk / _signal(fit.dataset, fit.replicate))
    # the same fits, in the same order
    assert derived[["dataset", "replicate", "loss", "penalty"]].equals(
        metrics[["dataset", "replicate", "loss", "penalty"]]
    )


def test_a_replicate_without_sidecar_or_baseline_has_no_derived_value(tmp_path):
    metrics = _metrics()
    failed = (metrics["dataset"] == "a") & (metrics["replicate"] == 2) & (metrics["loss"] == "l2")
    metrics.loc[failed, "status"] = "failed"
    folder = _datasets_dir(tmp_path, skip={("b", 3)})
    derived = derived_table(metrics, replicate_info(metrics, folder))
    at = derived.set_index(["dataset", "replicate", "loss", "penalty"])
    assert at.loc[("a", 2), "risk_ratio"].isna().all()  # the baseline failed there
    assert at.loc[("b", 3), "relative_risk"].isna().all()  # no sidecar
    assert at.loc[("a", 3), "risk_ratio"].notna().all()


def test_the_derived_columns_join_back_and_refuse_another_run(tmp_path):
    metrics = _metrics()
    derived = derived_table(metrics, replicate_info(metrics, _datasets_dir(tmp_path)))
    joined = with_derived(metrics, derived)
    assert joined["relative_risk"].to_numpy() == pytest.approx(derived["relative_risk"])
    with pytest.raises(
        ValueError,
        match=r"no row for the fit \(dataset a, replicate 1, loss l2, penalty l1\).*rerun rule",
    ):
        with_derived(metrics, derived.iloc[1:])


def test_the_reference_rows_are_the_oracles_and_signal_medians(tmp_path):
    metrics = _metrics()
    info = replicate_info(metrics, _datasets_dir(tmp_path))
    oracle = _oracle()
    oracle["relative_risk"] = derived_table(oracle, info)["relative_risk"]
    rows = reference_summary(oracle, info, n_boot=200).set_index(
        ["what", "dataset", "pair", "metric"]
    )
    applies = oracle[(oracle["dataset"] == "a") & (oracle["loss"] == "l1")]
    ok = applies[applies["status"] == "ok"]
    median = rows.loc[("median", "a", oracle_pair("l1"), "risk")]
    assert median["estimate"] == np.median(ok["risk"])
    assert median["n_replicates"] == len(ok) == 4
    share = rows.loc[("share_ok", "a", oracle_pair("l1"), "status")]
    assert share["estimate"] == pytest.approx(4 / 5) and share["n_replicates"] == 5
    relative = rows.loc[("mean", "b", oracle_pair("l2"), "relative_risk")]
    direct = [0.5 * r / _signal("b", r) for r in REPLICATES]
    assert relative["estimate"] == pytest.approx(np.mean(direct))
    assert relative["mcse"] == pytest.approx(np.std(direct, ddof=1) / np.sqrt(5))
    signal = rows.loc[("median", "b", DATA_PAIR, "signal_variance")]
    assert signal["estimate"] == np.median([_signal("b", r) for r in REPLICATES])
    assert ("share_ok", "a", DATA_PAIR, "status") not in rows.index


def test_the_ranking_table_reads_back_as_the_ranking():
    metrics = _metrics()
    ranking = rank_pairs(metrics, list(DATASETS))
    back = ranking_from_table(ranking_table(ranking))
    assert back.metrics == ranking.metrics
    pd.testing.assert_frame_equal(back.ranks, ranking.ranks, check_names=False)
    pd.testing.assert_series_equal(back.mean_ranks, ranking.mean_ranks, check_names=False)
    assert back.friedman_p == pytest.approx(ranking.friedman_p)
    assert back.critical_difference == pytest.approx(ranking.critical_difference)
    # every scenario orders the pairs by their factor: the Friedman statistic of a full ranking
    ranks = np.tile([1.0, 2.0, 3.0], (2, 1))
    expected = stats.friedmanchisquare(*ranks.T)
    assert back.friedman_statistic == pytest.approx(expected.statistic)
    assert list(back.mean_ranks.index) == ["l2+l1", "l1+l1", "huber+l2"]


def _analysed(folder, datasets_dir):
    results = folder / "results"
    write_table(_metrics(), results / "metrics.csv")
    oracle = _oracle()
    oracle.to_csv(results / "oracle.csv", index=False)
    write_table(_timings(), results / "timings.csv")
    return analyse(
        results / "metrics.csv",
        results,
        datasets_dir=datasets_dir,
        oracle_csv=results / "oracle.csv",
        timings_csv=results / "timings.csv",
    )


def test_analyse_writes_the_new_tables_byte_identically(tmp_path):
    datasets_dir = _datasets_dir(tmp_path / "datasets")
    first = _analysed(tmp_path / "one", datasets_dir)
    second = _analysed(tmp_path / "two", datasets_dir)
    for role in ("derived", "ranking", "summary", "cost"):
        assert first[role].read_bytes() == second[role].read_bytes(), role
    summary = read_analysis("summary", first["summary"])
    medians = summary[(summary["what"] == "median") & (summary["dataset"] == "a")]
    ratio = medians[(medians["pair"] == "l1+l1") & (medians["metric"] == "risk_ratio")]
    assert ratio["estimate"].item() == pytest.approx(2.0)
    delta = medians[(medians["pair"] == "huber+l2") & (medians["metric"] == "delta")]
    assert delta["estimate"].item() == 1.0
    assert oracle_pair("l2") in set(summary["pair"]) and DATA_PAIR in set(summary["pair"])
    ranking = ranking_from_table(read_analysis("ranking", first["ranking"]))
    assert list(ranking.ranks.index) == list(DATASETS)


@pytest.mark.parametrize("role", ["derived", "ranking", "cost"])
def test_the_reader_refuses_a_damaged_table_naming_it(tmp_path, role):
    paths = _analysed(tmp_path, _datasets_dir(tmp_path / "datasets"))
    path = paths[role]
    lines = path.read_text().splitlines()
    damaged = [*lines, lines[-1]]  # a repeated row
    path.write_text("\n".join(damaged) + "\n")
    with pytest.raises(ResultsError, match=str(path)):
        read_analysis(role, path)
    path.write_text(lines[0] + "\n" + lines[1].rsplit(",", 1)[0])  # cut inside its first row
    with pytest.raises(ResultsError, match=str(path)):
        read_analysis(role, path)


def _timings():
    metrics = _metrics()
    seconds = [
        0.1 * (i % 7 + 1) * FACTOR[(loss, penalty)]
        for i, (loss, penalty) in enumerate(zip(metrics["loss"], metrics["penalty"], strict=True))
    ]
    return metrics[["dataset", "replicate", "loss", "penalty"]].assign(fit_seconds=seconds)


def test_the_cost_table_equals_a_direct_computation():
    timings = _timings()
    cost = cost_table(timings, _metrics(), n_boot=300).set_index(["what", "pair"])
    values = timings.loc[
        (timings["loss"] == "l1") & (timings["penalty"] == "l1"), "fit_seconds"
    ].to_numpy()
    assert cost.loc[("median", "l1+l1"), "estimate"] == np.median(values)
    assert cost.loc[("median", "l1+l1"), "mcse"] > 0
    assert cost.loc[("mean", "l1+l1"), "estimate"] == pytest.approx(values.mean())
    assert cost.loc[("mean", "l1+l1"), "mcse"] == pytest.approx(
        values.std(ddof=1) / np.sqrt(values.size)
    )
    assert cost.loc[("max", "l1+l1"), "estimate"] == values.max()
    assert cost.loc[("total", "l1+l1"), "estimate"] == pytest.approx(values.sum())
    assert cost.loc[("total", "l1+l1"), "n_replicates"] == values.size
    # l1+l1's risk is twice l2+l1's (the best) on every replicate: so is its median, everywhere
    relative = cost.loc[("relative_error", "l1+l1")]
    assert relative["estimate"] == pytest.approx(2.0) and relative["n_replicates"] == 2
    assert cost.loc[("relative_error", "l2+l1"), "estimate"] == 1.0
    assert cost.loc[("total", "all"), "estimate"] == pytest.approx(timings["fit_seconds"].sum())
    assert cost.loc[("total", "all"), "n_replicates"] == len(timings)
