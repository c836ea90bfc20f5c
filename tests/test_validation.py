"""Validation-set tuning (cv.method: validation) and Zou & Hastie's rescaled elastic net."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from normbench.data.contract import read_dataset, write_dataset
from normbench.data.simulate import dataset_seed, simulate, simulate_to_file
from normbench.models.cv import heldout_error
from normbench.models.estimators import PenalizedRegressor, PenalizedRegressorCV
from normbench.study.config import ConfigError, validate_config
from normbench.study.fit_job import fit_dataset
from normbench.study.store import read_table

SCHEMA = Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml"

PARAMS = {
    "n_train": 20,
    "n_test": 50,
    "p": 8,
    "design": {"kind": "toeplitz", "rho": 0.5},
    "coef": {"values": [3, 1.5, 0, 0, 2, 0, 0, 0]},
    "noise": {"family": "gaussian", "sigma": 3},
}


def _rows_shared(a, b):
    return {row.tobytes() for row in a} & {row.tobytes() for row in b}


def test_validation_set_is_seeded_independent_and_leaves_other_arrays_unchanged():
    seed = dataset_seed(7, "zh", 1)
    plain = simulate(PARAMS, seed)
    with_val = simulate({**PARAMS, "n_validation": 30}, seed)
    again = simulate({**PARAMS, "n_validation": 30}, dataset_seed(7, "zh", 1))
    other = simulate({**PARAMS, "n_validation": 30}, dataset_seed(7, "zh", 2))
    assert with_val["X_val"].shape == (30, 8) and with_val["y_val"].shape == (30,)
    for name, value in plain.items():  # drawing it changes no other array
        np.testing.assert_array_equal(with_val[name], value)
    np.testing.assert_array_equal(again["X_val"], with_val["X_val"])
    np.testing.assert_array_equal(again["y_val"], with_val["y_val"])
    assert not np.allclose(other["X_val"], with_val["X_val"])
    # fresh draws, disjoint from the training and test observations
    assert not _rows_shared(with_val["X_val"], with_val["X_train"])
    assert not _rows_shared(with_val["X_val"], with_val["X_test"])
    # the same law as the training data: y = X coef + noise
    residuals = with_val["y_val"] - with_val["X_val"] @ with_val["coef"]
    assert 1.0 < residuals.std() < 6.0


def test_validation_set_is_stored_and_recorded(tmp_path):
    path = tmp_path / "rep1.npz"
    simulate_to_file(
        {**PARAMS, "n_validation": 20}, base_seed=7, dataset="zh", replicate=1, path=path
    )
    data = read_dataset(path)
    assert data.n_validation == 20
    assert data.metadata["params"]["n_validation"] == 20
    expected = simulate({**PARAMS, "n_validation": 20}, dataset_seed(7, "zh", 1))
    np.testing.assert_array_equal(data.y_val, expected["y_val"])
    # without n_validation nothing is drawn nor recorded
    simulate_to_file(PARAMS, base_seed=7, dataset="zh", replicate=1, path=tmp_path / "plain.npz")
    plain = read_dataset(tmp_path / "plain.npz")
    assert plain.X_val is None and "n_validation" not in plain.metadata["params"]


@pytest.fixture
def split():
    data = simulate({**PARAMS, "n_validation": 20}, dataset_seed(3, "zh", 1))
    return data["X_train"], data["y_train"], data["X_val"], data["y_val"]


@pytest.mark.parametrize(
    ("loss", "penalty", "rescale"),
    [
        ("l2", "l1", False),
        ("l2", "elasticnet", False),
        ("l2", "elasticnet", True),
        ("l1", "l2", False),
        ("huber", "elasticnet", False),
    ],
)
def test_validation_picks_the_minimiser_of_validation_error(split, loss, penalty, rescale):
    X, y, X_val, y_val = split
    est = PenalizedRegressorCV(
        loss=loss,
        penalty=penalty,
        cv="validation",
        n_lams=12,
        l1_ratios=(0.3, 0.9),
        elasticnet_rescale=rescale,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    ratios = est.l1_ratios if penalty == "elasticnet" else [None]
    # brute force: each candidate fitted on the training data alone, scored on the validation set
    errors = np.array(
        [
            [
                heldout_error(
                    y_val,
                    PenalizedRegressor(
                        loss=loss,
                        penalty=penalty,
                        lam=lam,
                        l1_ratio=ratio or 0.5,
                        delta=est.delta_,
                        elasticnet_rescale=rescale,
                        tol=1e-10,
                    )
                    .fit(X, y)
                    .predict(X_val),
                    criterion="own_loss",
                    loss=loss,
                    delta=est.delta_,
                )[0]
                for lam in lams
            ]
            for ratio, lams in zip(ratios, est.lams_, strict=True)
        ]
    )
    np.testing.assert_allclose(est.cv_mean_, errors, rtol=1e-4, atol=1e-8)
    row, column = np.unravel_index(np.argmin(errors), errors.shape)
    assert est.lam_ == pytest.approx(est.lams_[row, column])
    assert est.l1_ratio_ == ratios[row]
    # the model kept is the training fit at the chosen point, not a refit on more data
    refit = PenalizedRegressor(
        loss=loss,
        penalty=penalty,
        lam=est.lam_,
        l1_ratio=est.l1_ratio_ or 0.5,
        delta=est.delta_,
        elasticnet_rescale=rescale,
        tol=1e-10,
    ).fit(X, y)
    np.testing.assert_allclose(est.coef_, refit.coef_, rtol=1e-3, atol=1e-4)
    # the 1se rule's standard error is that of a mean over the validation observations
    assert est.cv_se_.shape == est.cv_mean_.shape and np.all(est.cv_se_ > 0)


def test_validation_needs_its_arrays_and_kfold_refuses_them(split):
    X, y, X_val, y_val = split
    with pytest.raises(ValueError, match="needs a validation set"):
        PenalizedRegressorCV(cv="validation").fit(X, y)
    with pytest.raises(ValueError, match="only with cv='validation'"):
        PenalizedRegressorCV(cv=5).fit(X, y, X_val=X_val, y_val=y_val)
    with pytest.raises(ValueError, match="X_val has 3 features"):
        PenalizedRegressorCV(cv="validation").fit(X, y, X_val=X_val[:, :3], y_val=y_val)
    with pytest.raises(ValueError, match="cv must be"):
        PenalizedRegressorCV(cv="holdout").fit(X, y)


@pytest.mark.parametrize("standardize", [True, False])
def test_rescaled_elastic_net_is_the_naive_one_times_one_plus_lambda2(split, standardize):
    X, y, _, _ = split
    X = X * np.linspace(0.5, 3, X.shape[1]) + 1.0  # raw scales and means differ
    lam, l1_ratio = 0.4, 0.3
    kwargs = {"penalty": "elasticnet", "lam": lam, "l1_ratio": l1_ratio, "standardize": standardize}
    naive = PenalizedRegressor(**kwargs).fit(X, y)
    rescaled = PenalizedRegressor(**kwargs, elasticnet_rescale=True).fit(X, y)
    lambda2 = lam * (1 - l1_ratio)  # Zou & Hastie's lambda2 in normbench's scaling
    np.testing.assert_allclose(rescaled.coef_, (1 + lambda2) * naive.coef_, rtol=1e-12)
    # the centred intercept is kept: both fits predict the same at the training means
    centre = X.mean(axis=0, keepdims=True)
    np.testing.assert_allclose(rescaled.predict(centre), naive.predict(centre), rtol=1e-10)
    with pytest.raises(ValueError, match="elasticnet_rescale applies"):
        PenalizedRegressor(penalty="l1", elasticnet_rescale=True).fit(X, y)


def test_fit_job_tunes_on_the_validation_set_and_fits_the_rescaled_pair(tmp_path):
    path = tmp_path / "rep1.npz"
    simulate_to_file(
        {**PARAMS, "n_validation": 20}, base_seed=7, dataset="zh", replicate=1, path=path
    )
    cv = {
        "method": "validation",
        "folds": 5,
        "n_lams": 10,
        "eps": 1e-3,
        "l1_ratios": [0.5],
        "huber_multiplier": 1.345,
        "delta_factors": [1.0],
        "rule": "min",
        "criterion": "own_loss",
    }
    models = {"losses": ["l2"], "penalties": ["l1", "elasticnet"], "elasticnet_rescale": True}
    out = {"metrics_out": tmp_path / "m.csv", "timings_out": tmp_path / "t.csv"}
    fit_dataset(
        path, dataset="zh", replicate=1, models=models, cv=cv, base_seed=7, progress=None, **out
    )
    table = pd.read_csv(out["metrics_out"])
    assert list(table["penalty"]) == ["l1", "elasticnet", "elasticnet_rescaled"]
    assert set(table["status"]) == {"ok"}
    data = read_dataset(path)
    lasso = PenalizedRegressorCV(penalty="l1", cv="validation", n_lams=10).fit(
        data.X_train, data.y_train, X_val=data.X_val, y_val=data.y_val
    )
    assert table.loc[0, "lam"] == pytest.approx(lasso.lam_)
    # a file without a validation set is refused, naming it: every model of the job becomes a
    # failed row with the reason (one refused dataset does not sink the study)
    plain = tmp_path / "plain.npz"
    arrays = {
        k: v for k, v in vars(data).items() if k in ("X_train", "y_train", "X_test", "y_test")
    }
    write_dataset(plain, arrays, {})
    fit_dataset(
        plain,
        dataset="zh",
        replicate=1,
        models=models,
        cv=cv,
        base_seed=7,
        progress=None,
        **out,
    )
    refused = read_table(out["metrics_out"])
    assert set(refused["status"]) == {"failed"}
    assert refused["message"].str.contains(f"{plain}: cv.method is 'validation'").all()


def test_config_draws_a_validation_set_per_dataset_under_validation_tuning():
    datasets = {"a": dict(PARAMS), "b": {**PARAMS, "n_validation": 7}}
    kfold = validate_config({"datasets": datasets}, SCHEMA)
    assert kfold["cv"]["method"] == "kfold"
    assert "n_validation" not in kfold["datasets"]["a"]  # existing configs: nothing drawn
    papers = validate_config({"cv": {"method": "validation"}, "datasets": datasets}, SCHEMA)
    assert papers["datasets"]["a"]["n_validation"] == PARAMS["n_train"]
    assert papers["datasets"]["b"]["n_validation"] == 7
    sized = validate_config(
        {"cv": {"method": "validation", "n_validation": 11, "folds": 50}, "datasets": datasets},
        SCHEMA,
    )  # folds are not used, so not checked against n_train
    assert [entry["n_validation"] for entry in sized["datasets"].values()] == [11, 7]
    with pytest.raises(ConfigError, match="cv.method"):
        validate_config({"cv": {"method": "holdout"}, "datasets": datasets}, SCHEMA)
