"""The explain job: residuals from the fits store, paths, ROC curves, the skewed noise's median."""

import json
import math

import numpy as np
import pytest

from normbench.data.contract import read_dataset
from normbench.data.simulate import DEFAULT_PARAMS, simulate_to_file
from normbench.models.paths import coefficient_paths, support_roc
from normbench.study.explain import (
    MAX_DETAIL_DATASETS,
    PATH_PENALTIES,
    detail_datasets,
    explain_dataset,
    path_dataset,
    read_explain,
)
from normbench.study.fit_job import fit_dataset
from normbench.study.store_fits import read_fits

PARAMS = {
    **DEFAULT_PARAMS,
    "n_train": 30,
    "n_test": 20,
    "p": 20,
    "design": {"kind": "block", "rho": 0.5, "group_size": 5, "n_groups": 3},
    "coef": {**DEFAULT_PARAMS["coef"], "n_nonzero": 4},
    "noise": {"family": "skewed", "skew": 1.0, "snr": 3.0},
}
CV = {
    "folds": 3,
    "n_lams": 5,
    "eps": 1e-2,
    "l1_ratios": [0.5],
    "rule": "min",
    "criterion": "own_loss",
    "huber_multiplier": 1.345,
    "delta_factors": [1.0],
}
MODELS = {"losses": ["l2", "l1"], "penalties": ["none", "l1"]}


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain")
    sidecars = []
    for replicate in (1, 2):
        path = folder / f"rep{replicate}.npz"
        simulate_to_file(PARAMS, base_seed=2, dataset="skew", replicate=replicate, path=path)
        sidecars.append(path.with_suffix(".json"))
    fit_dataset(
        folder / "rep1.npz",
        dataset="skew",
        replicate=1,
        models=MODELS,
        cv=CV,
        base_seed=2,
        metrics_out=folder / "m.csv",
        timings_out=folder / "t.csv",
        fits_out=folder / "fits.npz",
        progress=None,
    )
    out = folder / "explain.npz"
    explain_dataset(
        folder / "rep1.npz",
        folder / "fits.npz",
        sidecars,
        entry={"noise": PARAMS["noise"]},
        cv=CV,
        paths=True,
        out=out,
    )
    return folder, sidecars, read_explain(out)


def test_residuals_are_those_of_the_stored_fits(explained):
    folder, _, explanation = explained
    data = read_dataset(folder / "rep1.npz")
    fits = read_fits(folder / "fits.npz")
    assert set(explanation.residuals) == {pair for pair, r in fits.items() if r.status == "ok"}
    for pair, residuals in explanation.residuals.items():
        expected = data.y_train - data.X_train @ fits[pair].coef - fits[pair].intercept
        np.testing.assert_allclose(residuals, expected, rtol=1e-12, atol=1e-12)


def test_paths_and_roc_curves_are_the_models_own(explained):
    folder, _, explanation = explained
    data = read_dataset(folder / "rep1.npz")
    assert set(explanation.paths) == set(PATH_PENALTIES) and explanation.path_error is None
    assert explanation.n_lams == CV["n_lams"]
    lams, coefs = coefficient_paths(
        data.X_train, data.y_train, loss="l2", penalty="l1", n_lams=5, eps=CV["eps"]
    )
    np.testing.assert_allclose(explanation.paths["l1"][0], lams)
    np.testing.assert_allclose(explanation.paths["l1"][1], coefs)
    fpr, tpr, auc = support_roc(coefs, data.coef)
    np.testing.assert_allclose(explanation.curves["l1"][0], fpr)
    assert explanation.curves["l1"][2] == pytest.approx(auc)
    np.testing.assert_array_equal(explanation.true_coef, data.coef)


def test_skewed_noise_median_is_below_zero_and_matches_a_large_sample(explained):
    _, sidecars, explanation = explained
    scales = [json.loads(path.read_text())["noise_scale"] for path in sidecars]
    median = explanation.noise_median
    assert median is not None and median < 0
    # the centred log-normal with skew s and sd sigma, sampled: its median is the formula's
    s, sigma = PARAMS["noise"]["skew"], float(np.median(scales))
    z = np.random.default_rng(0).standard_normal(400_000)
    noise = (
        sigma * (np.exp(s * z) - math.exp(s**2 / 2)) / math.sqrt(math.exp(s**2) * math.expm1(s**2))
    )
    assert np.median(noise) == pytest.approx(median, abs=0.01 * sigma)


def test_detail_and_path_datasets():
    config = {
        "datasets": {
            "real": {"generator": "load_diabetes"},
            "sim": {"generator": "simulate"},
            "other": {},
        }
    }
    assert path_dataset(config) == "sim"
    assert path_dataset({"datasets": {"real": {"generator": "load_diabetes"}}}) is None
    names = [f"d{k}" for k in range(MAX_DETAIL_DATASETS + 3)]
    assert detail_datasets(names, {"datasets": {}}) == names[:MAX_DETAIL_DATASETS]
