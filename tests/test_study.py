"""One job's work: all pairs on one dataset file, failures recorded as rows."""

import numpy as np
import pandas as pd
import pytest

from normbench.data.simulate import DEFAULT_PARAMS, simulate_to_file
from normbench.study import fit_job as study
from normbench.study.store import METRICS_COLUMNS

# the simulator's defaults (gaussian noise, SNR 3), small enough for every pair in seconds
PARAMS = {
    **DEFAULT_PARAMS,
    "n_train": 30,
    "n_test": 40,
    "p": 20,
    "design": {"kind": "block", "rho": 0.5, "group_size": 5, "n_groups": 3},
    "coef": {**DEFAULT_PARAMS["coef"], "n_nonzero": 4},
}
CV = {
    "folds": 3,
    "n_lams": 4,
    "eps": 1e-2,
    "l1_ratios": [0.5],
    "rule": "min",
    "criterion": "own_loss",
    "huber_multiplier": 1.345,
    "delta_factors": [1.0],
}
MODELS = {"losses": ["l2", "l1", "huber"], "penalties": ["none", "l1", "l2", "elasticnet"]}


@pytest.fixture
def dataset_file(tmp_path):
    path = tmp_path / "rep1.npz"
    simulate_to_file(PARAMS, base_seed=3, dataset="toy", replicate=1, path=path)
    return path


def _run(path, tmp_path, **kw):
    metrics, timings = tmp_path / "m.csv", tmp_path / "t.csv"
    study.fit_dataset(
        path,
        dataset="toy",
        replicate=1,
        models=MODELS,
        cv=CV,
        base_seed=3,
        metrics_out=metrics,
        timings_out=timings,
        progress=None,
        **kw,
    )
    return metrics, timings


def test_all_pairs_written_with_design_columns(dataset_file, tmp_path):
    metrics, timings = _run(dataset_file, tmp_path)
    table = pd.read_csv(metrics, keep_default_na=False, na_values=[""])
    assert list(table.columns) == list(METRICS_COLUMNS)
    assert len(table) == 12 and set(table.status) == {"ok"}
    assert table.loc[table.penalty == "none", "lam"].isna().all()
    assert table.loc[table.loss == "huber", "delta"].nunique() == 1  # one pilot, shared
    assert table.loc[table.loss != "huber", "delta"].isna().all()
    assert len(pd.read_csv(timings)) == 12
    first = metrics.read_bytes()
    _run(dataset_file, tmp_path)
    assert metrics.read_bytes() == first


def test_a_failing_fit_is_a_row_and_the_others_complete(dataset_file, tmp_path, monkeypatch):
    original = study.make_cv_estimator

    def sabotaged(loss, penalty, cv, seed, delta=None):
        est = original(loss, penalty, cv, seed, delta)
        if (loss, penalty) == ("l1", "l2"):

            def explode(X, y):
                raise FloatingPointError("injected failure")

            est.fit = explode
        return est

    monkeypatch.setattr(study, "make_cv_estimator", sabotaged)
    metrics, _ = _run(dataset_file, tmp_path)
    table = pd.read_csv(metrics, keep_default_na=False, na_values=[""])
    failed = table[table.status == "failed"]
    assert len(failed) == 1 and failed.iloc[0][["loss", "penalty"]].tolist() == ["l1", "l2"]
    assert "FloatingPointError: injected failure" in failed.iloc[0].message
    assert np.isnan(failed.iloc[0].risk)
    assert (table.status == "ok").sum() == 11


def test_folds_seed_differs_by_replicate_not_by_pair():
    a = study.cv_seed(1, "toy", 1).generate_state(2)
    assert np.array_equal(a, study.cv_seed(1, "toy", 1).generate_state(2))
    assert not np.array_equal(a, study.cv_seed(1, "toy", 2).generate_state(2))
