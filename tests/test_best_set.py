"""Best sets: clear losers out, equals in, missing fits counted, bytes fixed, error rate held."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.analysis.best_set import (
    BEST_SET_COLUMNS,
    best_set,
    best_set_table,
    replicate_losses,
    write_best_set,
)
from normbench.analysis.findings import INTERPOLANT
from normbench.vocab import pair_key

PAIRS = (("l2", "l1"), ("l1", "l1"), ("huber", "l1"), ("l2", "l2"))


def _table(scale, *, replicates=range(1, 11), datasets=("d",), pairs=PAIRS, seed=0):
    """Model error lognormal around ``scale[pair]`` (default 1), paired by a replicate effect."""
    rng = np.random.default_rng(seed)
    effects = {}

    def values(dataset, replicate, loss, penalty):
        key = (dataset, replicate)
        if key not in effects:
            effects[key] = rng.normal(0.0, 0.5)
        level = scale.get(pair_key(loss, penalty), 1.0)
        error = level * math.exp(effects[key] + rng.normal(0.0, 0.2))
        return {"model_error": error, "risk": 1.0 + error, "f1": 0.5}

    return results_table(values, datasets=datasets, replicates=replicates, pairs=pairs)


def _rows(table, metric="model_error"):
    return table[table["metric"] == metric].set_index("pair")


def test_a_pair_worse_in_every_replicate_is_out_and_the_equals_are_in():
    table = best_set_table(_table({"l2+l2": 4.0}), metrics_names=("model_error",), reps=500)
    assert tuple(table.columns) == BEST_SET_COLUMNS
    rows = _rows(table)
    assert list(rows.index) == ["l2+l1", "l2+l2", "l1+l1", "huber+l1"]  # loss-major
    assert not rows.at["l2+l2", "in_set"]
    assert rows.at["l2+l2", "p_value"] <= 0.1
    assert rows.loc[["l2+l1", "l1+l1", "huber+l1"], "in_set"].all()
    assert (rows["n_replicates"] == 10).all() and (rows["n_dropped"] == 0).all()
    assert (rows["in_set"] == (rows["p_value"] > 0.1)).all()


def test_identical_pairs_are_one_candidate_and_both_in():
    base = _table({"huber+l1": 5.0})
    same = base[base["loss"] == "l2"].assign(loss="l1")
    metrics = pd.concat([base[base["loss"] != "l1"], same])
    rows = _rows(best_set_table(metrics, metrics_names=("model_error",), reps=300))
    assert rows.at["l2+l1", "in_set"] and rows.at["l1+l1", "in_set"]
    assert rows.at["l2+l1", "p_value"] == rows.at["l1+l1", "p_value"]
    assert not rows.at["huber+l1", "in_set"]


def test_all_identical_candidates_are_all_in_with_p_value_one():
    rows = _rows(best_set_table(_table({}), metrics_names=("f1",), reps=100), "f1")
    assert rows["in_set"].all() and (rows["p_value"] == 1.0).all()


def test_higher_is_better_metrics_are_negated_and_floored():
    def values(dataset, replicate, loss, penalty):
        return {"f1": 0.0 if penalty == "l2" else 0.6 + 0.01 * ((replicate * 7 + len(loss)) % 5)}

    metrics = results_table(values, datasets=["d"], replicates=range(1, 11), pairs=PAIRS)
    losses = replicate_losses(metrics, "f1")
    assert losses["l2+l2"].eq(-math.log(1e-3)).all()
    rows = _rows(best_set_table(metrics, metrics_names=("f1",), reps=300), "f1")
    assert not rows.at["l2+l2", "in_set"] and rows.at["l2+l1", "in_set"]


def test_failed_or_missing_fits_drop_their_replicate_and_are_counted():
    metrics = _table({"l2+l2": 4.0})
    failed = (metrics["replicate"] == 3) & (metrics["loss"] == "l1")
    metrics.loc[failed, "status"] = "failed"
    metrics.loc[(metrics["replicate"] == 5) & (metrics["loss"] == "huber"), "model_error"] = np.nan
    rows = _rows(best_set_table(metrics, metrics_names=("model_error",), reps=200))
    assert (rows["n_replicates"] == 8).all() and (rows["n_dropped"] == 2).all()


def test_a_pair_failed_everywhere_is_no_candidate_and_a_missing_metric_no_row():
    metrics = _table({})
    metrics.loc[metrics["loss"] == "huber", "status"] = "failed"
    metrics["risk"] = np.nan
    table = best_set_table(metrics, metrics_names=("model_error", "risk"), reps=200)
    assert set(table["metric"]) == {"model_error"}
    rows = _rows(table)
    assert not rows.at["huber+l1", "in_set"] and math.isnan(rows.at["huber+l1", "p_value"])
    assert rows.at["huber+l1", "n_replicates"] == 0 and rows.at["l2+l1", "n_replicates"] == 10


def test_the_interpolant_is_one_candidate_in_place_of_l2_none():
    pairs = (("l2", "none"), ("l1", "none"), ("huber", "none"), ("l2", "l1"))

    def values(dataset, replicate, loss, penalty):
        error = 3.0 + replicate if penalty == "none" else 1.0 + 0.1 * replicate
        return {"model_error": error, "risk": error, "test_mse": error, "n_nonzero": 50}

    metrics = results_table(values, datasets=["d"], replicates=range(1, 11), pairs=pairs)
    rows = _rows(best_set_table(metrics, metrics_names=("model_error",), reps=200))
    assert list(rows.index) == [INTERPOLANT, "l2+l1"]
    assert not rows.at[INTERPOLANT, "in_set"]


def test_too_few_replicates_exclude_nothing():
    metrics = _table({"l2+l2": 100.0}, replicates=range(1, 5))
    rows = _rows(best_set_table(metrics, metrics_names=("model_error",), reps=100))
    assert rows["in_set"].all() and rows["p_value"].isna().all()
    assert (rows["n_replicates"] == 4).all()


def test_a_non_positive_value_is_refused():
    metrics = _table({})
    metrics.loc[0, "model_error"] = 0.0
    with pytest.raises(ValueError, match="non-positive"):
        best_set_table(metrics, metrics_names=("model_error",), reps=50)


def test_the_file_is_byte_identical_on_rerun(tmp_path):
    metrics = _table({"l2+l2": 1.5}, datasets=("a", "b"))
    paths = [tmp_path / "one.csv", tmp_path / "two.csv"]
    for path in paths:
        write_best_set(best_set_table(metrics, reps=200), path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert list(pd.read_csv(paths[0])["dataset"].unique()) == ["a", "b"]


def test_the_best_pair_is_rarely_excluded_under_ties():
    """All four pairs equally good: the set drops pair 0 in at most ``size`` of the studies."""
    rng = np.random.default_rng(2026)
    n_studies, size = 200, 0.1
    excluded = 0
    for study in range(n_studies):
        common = rng.normal(0.0, 1.0, size=(10, 1))
        losses = pd.DataFrame(common + rng.normal(0.0, 0.3, size=(10, 4)), columns=list("abcd"))
        found = best_set(losses, size=size, reps=200, seed=study)
        excluded += not found.at["a", "in_set"]
    rate = excluded / n_studies
    assert rate <= size + 3.0 * math.sqrt(size * (1.0 - size) / n_studies), rate


def test_importing_the_module_loads_neither_arch_nor_numba():
    code = (
        "import sys, normbench.analysis.best_set; "
        "print(sorted(m for m in sys.modules if m.startswith(('arch', 'numba'))))"
    )
    src = Path(__file__).resolve().parents[1] / "src"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
