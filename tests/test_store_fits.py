"""The fits store: written by the fit job, read back, and enough to recompute the metrics."""

import math

import numpy as np
import pandas as pd
import pytest

from normbench.data.contract import read_dataset
from normbench.data.simulate import DEFAULT_PARAMS, simulate_to_file
from normbench.study.fit_job import fit_batch, fit_dataset
from normbench.study.store import read_table
from normbench.study.store_fits import FitRecord, read_fits, stored_replicates, write_fits
from normbench.vocab import pair_key

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
    "l1_ratios": [0.3, 0.7],
    "rule": "min",
    "criterion": "own_loss",
    "huber_multiplier": 1.345,
    "delta_factors": [1.0],
}
MODELS = {"losses": ["l2", "l1", "huber"], "penalties": ["none", "l1", "l2", "elasticnet"]}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One replicate fitted by the fit job: (dataset path, metrics table, fits store path)."""
    folder = tmp_path_factory.mktemp("fits")
    dataset = folder / "rep1.npz"
    simulate_to_file(PARAMS, base_seed=5, dataset="toy", replicate=1, path=dataset)
    fit_dataset(
        dataset,
        dataset="toy",
        replicate=1,
        models=MODELS,
        cv=CV,
        base_seed=5,
        metrics_out=folder / "rep1.csv",
        timings_out=folder / "timings.csv",
        fits_out=folder / "rep1-fits.npz",
        progress=None,
    )
    return dataset, read_table(folder / "rep1.csv"), folder / "rep1-fits.npz"


def test_risk_recomputed_from_the_store_matches_metrics_csv(fitted):
    dataset_path, metrics, store = fitted
    data = read_dataset(dataset_path)
    fits = read_fits(store)
    assert len(fits) == len(metrics) == 12
    for row in metrics.itertuples(index=False):
        record = fits[pair_key(row.loss, row.penalty)]
        assert record.status == row.status
        risk = float(np.mean((data.X_test @ record.coef + record.intercept - data.f_test) ** 2))
        # metrics.csv keeps 10 significant digits
        assert risk == pytest.approx(row.risk, rel=1e-9, abs=1e-300)
        assert int(np.count_nonzero(record.coef)) == row.n_nonzero


def test_hyperparameters_and_cv_curves_are_those_of_the_table(fitted):
    _, metrics, store = fitted
    fits = read_fits(store)
    for row in metrics.itertuples(index=False):
        record = fits[pair_key(row.loss, row.penalty)]
        for column in ("lam", "l1_ratio", "delta", "intercept"):
            expected, stored = getattr(row, column), getattr(record, column)
            if pd.isna(expected):
                assert math.isnan(stored), (record.pair, column)
            else:
                assert stored == pytest.approx(expected, rel=1e-9), (record.pair, column)
        ratios = CV["l1_ratios"] if row.penalty == "elasticnet" else [np.nan]
        deltas = np.unique(record.cv_deltas) if row.loss == "huber" else [np.nan]
        n_lams = 1 if row.penalty == "none" else CV["n_lams"]
        assert record.cv_lams.shape == record.cv_mean.shape == record.cv_se.shape
        assert record.cv_lams.shape == (len(ratios) * len(deltas), n_lams)
        # one row per (delta, l1_ratio), deltas outer
        expected_ratios = np.tile(np.asarray(ratios, dtype=float), len(deltas))
        np.testing.assert_array_equal(record.cv_l1_ratios, expected_ratios)
        if row.loss == "huber":
            assert record.delta in record.cv_deltas
        # the chosen point is on the grid, and its mean CV score is the table's cv_score
        if row.penalty != "none":
            at = np.isclose(record.cv_lams, record.lam, rtol=1e-12)
            assert at.sum() >= 1
            assert record.cv_mean[at].min() == pytest.approx(row.cv_score, rel=1e-9)


def test_store_bytes_are_reproducible_and_failures_are_kept(tmp_path):
    coef = np.array([0.0, 1.5, 0.0, -2.0])
    records = [
        FitRecord(
            loss="l2",
            penalty="l1",
            status="ok",
            coef=coef,
            intercept=0.25,
            lam=0.1,
            cv_lams=np.array([[1.0, 0.1]]),
            cv_l1_ratios=np.array([np.nan]),
            cv_mean=np.array([[2.0, 1.0]]),
            cv_se=np.array([[0.1, 0.2]]),
        ),
        FitRecord(loss="l1", penalty="l1", status="failed", message="ValueError: boom"),
    ]
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    write_fits({1: records}, first, n_features=4)
    write_fits({1: records}, second, n_features=4)
    assert first.read_bytes() == second.read_bytes()
    fits = read_fits(first)
    np.testing.assert_array_equal(fits["l2+l1"].coef, coef)
    with np.load(first) as archive:  # stored sparse: the two nonzeros only
        np.testing.assert_array_equal(archive["rep1/coef_index"], [1, 3])
    failed = fits["l1+l1"]
    assert failed.status == "failed" and failed.message == "ValueError: boom"
    assert failed.coef is None and math.isnan(failed.lam)
    with pytest.raises(ValueError, match="no coefficients"):
        failed.predict(np.ones((1, 4)))


def test_a_file_that_is_not_a_store_is_named(tmp_path):
    path = tmp_path / "not-a-store.npz"
    np.savez(path, x=np.ones(2))
    with pytest.raises(ValueError, match="not-a-store.npz.*holds none"):
        read_fits(path)
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(ValueError, match="not-a-store.npz: not a readable fits store"):
        read_fits(path)


def test_a_batch_store_gives_each_replicate_its_own_fits(tmp_path):
    def record(value):
        return FitRecord(
            loss="l2",
            penalty="l1",
            status="ok",
            coef=np.array([value, 0.0]),
            cv_lams=np.array([[1.0]]),
            cv_mean=np.array([[1.0]]),
            cv_se=np.array([[0.0]]),
        )

    path = tmp_path / "batch1.npz"
    refused = FitRecord(loss="l2", penalty="l1", status="failed", message="dataset refused")
    write_fits(
        {3: [record(3.0)], 1: [record(1.0)], 2: [refused]}, path, n_features={1: 2, 2: 0, 3: 2}
    )
    assert stored_replicates(path) == [1, 2, 3]
    assert read_fits(path, 3)["l2+l1"].coef[0] == 3.0
    assert read_fits(path, 1)["l2+l1"].coef[0] == 1.0
    assert read_fits(path, 2)["l2+l1"].status == "failed"
    with pytest.raises(ValueError, match=r"batch1.npz: name a replicate .* holds \[1, 2, 3\]"):
        read_fits(path)
    with pytest.raises(ValueError, match=r"name replicate 4 .* holds \[1, 2, 3\]"):
        read_fits(path, 4)
    with pytest.raises(ValueError, match="replicate 1, l2\\+l1: coef has shape"):
        write_fits({1: [record(1.0)]}, path, n_features=3)


def test_a_batch_fits_each_replicate_as_if_alone(tmp_path):
    """Batching changes no byte: replicate 2 fitted after replicate 1 or by itself."""
    paths = [tmp_path / f"rep{k}.npz" for k in (1, 2)]
    for replicate, path in enumerate(paths, start=1):
        simulate_to_file(PARAMS, base_seed=5, dataset="toy", replicate=replicate, path=path)
    options = {"dataset": "toy", "models": MODELS, "cv": CV, "base_seed": 5, "progress": None}
    fit_batch(
        paths,
        replicates=[1, 2],
        metrics_out=tmp_path / "batch.csv",
        timings_out=tmp_path / "batch-timings.csv",
        fits_out=tmp_path / "batch.npz",
        oracle_out=tmp_path / "batch-oracle.csv",
        **options,
    )
    fit_batch(
        paths[1:],
        replicates=[2],
        metrics_out=tmp_path / "alone.csv",
        timings_out=tmp_path / "alone-timings.csv",
        fits_out=tmp_path / "alone.npz",
        oracle_out=tmp_path / "alone-oracle.csv",
        **options,
    )
    batch_lines = (tmp_path / "batch.csv").read_text().splitlines()
    alone_lines = (tmp_path / "alone.csv").read_text().splitlines()
    assert len(batch_lines) == 1 + 2 * 12 and len(alone_lines) == 1 + 12
    assert batch_lines[0] == alone_lines[0]
    assert batch_lines[13:] == alone_lines[1:]
    oracle_batch = (tmp_path / "batch-oracle.csv").read_text().splitlines()
    oracle_alone = (tmp_path / "alone-oracle.csv").read_text().splitlines()
    assert oracle_batch[-len(oracle_alone) + 1 :] == oracle_alone[1:]
    batch_fits, alone_fits = read_fits(tmp_path / "batch.npz", 2), read_fits(tmp_path / "alone.npz")
    assert batch_fits.keys() == alone_fits.keys()
    for pair, record in alone_fits.items():
        np.testing.assert_array_equal(batch_fits[pair].coef, record.coef)
        np.testing.assert_array_equal(batch_fits[pair].cv_mean, record.cv_mean)
    with pytest.raises(ValueError, match="2 dataset files for 1 replicates"):
        fit_batch(
            paths,
            replicates=[1],
            metrics_out=tmp_path / "x.csv",
            timings_out=tmp_path / "y.csv",
            **options,
        )
