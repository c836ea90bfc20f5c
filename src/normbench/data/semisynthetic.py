"""Semi-synthetic p >> n datasets: a real design matrix, widened, with a simulated response.

The rows and the first column of every feature group are real: a design matrix shipped with
scikit-learn (``breast_cancer``: 569 x 30, or ``diabetes``: 442 x 10), each column standardised
over all rows. Each real column z_j is widened into a group of about p / q correlated features
(q real columns):

- feature 0: z_j itself;
- feature 1: a hinge at the median, max(z_j - median(z_j), 0), standardised (a linear-spline
  basis function: correlated with z_j but not a linear function of it);
- features 2, 3, ...: noisy copies z_j + tau e with e ~ N(0, 1) drawn per row and feature and
  tau = sqrt(1 / copy_corr^2 - 1), so that corr(copy, z_j) = copy_corr.

``groups`` labels each feature with its real column. The real columns keep their own
correlations (in breast_cancer radius, perimeter and area correlate above 0.99), so groups are
correlated with each other too. The true coefficients sit on the real columns of ``n_nonzero``
groups drawn at random, with value +-amplitude (random signs); the hinges and copies are
correlated decoys. The rows are shuffled: the first ``n_train`` are the training set, all the
others the test set. y = X coef + noise with any noise family of :mod:`normbench.data.simulate`, its
scale sigma set by ``snr`` = Var(X coef) / sigma^2, the variance taken over all rows of the real
data.

All randomness comes from the replicate's :func:`normbench.data.simulate.dataset_seed`, through
fixed child streams (rows, copies, coefficients, training noise, test noise), as in the simulator.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from normbench.data.contract import write_dataset
from normbench.data.simulate import DEFAULT_PARAMS as _SIMULATOR_DEFAULTS
from normbench.data.simulate import (
    NOISE_FAMILIES,
    _as_seed_sequence,
    _check_float,
    _check_int,
    _child_rng,
    _linear_predictor,
    _noise_scale,
    _refuse_unknown,
    _sample_noise,
    dataset_seed,
)
from normbench.vocab.pairs import check_choice

__all__ = ["BASES", "DEFAULT_PARAMS", "resolve_params", "semisynthetic", "semisynthetic_to_file"]

#: The real design matrices, by name: scikit-learn loaders.
BASES = ("breast_cancer", "diabetes")

# the simulator's noise keys and defaults: the same families, parametrised the same way
_NOISE_DEFAULTS = dict(_SIMULATOR_DEFAULTS["noise"])

#: Defaults of the ``params`` of a ``generator: semisynthetic`` dataset entry: the simulator's
#: sample size, support, amplitude and noise level, on a real design and with heavy-tailed noise.
DEFAULT_PARAMS: dict[str, Any] = {
    "base": "breast_cancer",
    "n_train": _SIMULATOR_DEFAULTS["n_train"],
    "p": 600,
    "copy_corr": 0.8,
    "n_nonzero": _SIMULATOR_DEFAULTS["coef"]["n_nonzero"],
    "amplitude": _SIMULATOR_DEFAULTS["coef"]["amplitude"],
    "noise": {"family": "student_t", "df": _NOISE_DEFAULTS["df"], "snr": _NOISE_DEFAULTS["snr"]},
}

# Child stream numbers of the replicate's seed; fixed forever (changing one changes the data).
_STREAM_ROWS = 0
_STREAM_COPIES = 1
_STREAM_COEF = 2
_STREAM_TRAIN_NOISE = 3
_STREAM_TEST_NOISE = 4


def _load_base(name: str) -> np.ndarray:
    from sklearn import datasets  # imported here: only the jobs of this generator need it

    loader = {"breast_cancer": datasets.load_breast_cancer, "diabetes": datasets.load_diabetes}
    X, _ = loader[name](return_X_y=True)
    return np.asarray(X, dtype=float)


def resolve_params(params: Mapping[str, Any] | None, where: str = "params") -> dict[str, Any]:
    """Fill the defaults of a semi-synthetic dataset's ``params`` and check them.

    Parameters
    ----------
    params : mapping or None
        The ``params`` of the config entry.
    where : str, default="params"
        The key path used in error messages, e.g. ``"datasets.wide_cancer.params"``.

    Returns
    -------
    dict
        The parameters with defaults filled in (``noise`` too).

    Raises
    ------
    ValueError
        Naming the key and the allowed values, for an unknown key or an out-of-range value,
        including ``n_train`` >= the rows of the base data (at least one test row is needed),
        ``p`` below its number of columns, and ``n_nonzero`` above it.
    """
    params = dict(params or {})
    _refuse_unknown(params, DEFAULT_PARAMS, f"{where}.")
    resolved = {**DEFAULT_PARAMS, **params}
    noise_given = params.get("noise", DEFAULT_PARAMS["noise"])
    if not isinstance(noise_given, Mapping):
        raise ValueError(f"{where}.noise must be a mapping, got {noise_given!r}")
    _refuse_unknown(noise_given, _NOISE_DEFAULTS, f"{where}.noise.")
    noise = {**_NOISE_DEFAULTS, **noise_given}
    noise["family"] = check_choice(f"{where}.noise.family", noise["family"], NOISE_FAMILIES)
    for key in ("snr", "df", "skew", "outlier_scale"):
        noise[key] = _check_float(noise[key], f"{where}.noise.{key}", low=0.0, low_open=True)
    noise["contamination"] = _check_float(
        noise["contamination"], f"{where}.noise.contamination", low=0.0, high=0.5, high_open=True
    )
    resolved["noise"] = noise

    resolved["base"] = check_choice(f"{where}.base", resolved["base"], BASES)
    rows, columns = {"breast_cancer": (569, 30), "diabetes": (442, 10)}[resolved["base"]]
    resolved["n_train"] = _check_int(resolved["n_train"], f"{where}.n_train", minimum=2)
    if resolved["n_train"] >= rows:
        raise ValueError(
            f"{where}.n_train must be < {rows}, the rows of {resolved['base']} (the other rows "
            f"are the test set), got {resolved['n_train']}"
        )
    resolved["p"] = _check_int(resolved["p"], f"{where}.p", minimum=columns)
    resolved["n_nonzero"] = _check_int(resolved["n_nonzero"], f"{where}.n_nonzero", minimum=0)
    if resolved["n_nonzero"] > columns:
        raise ValueError(
            f"{where}.n_nonzero must be <= {columns}, the real columns of {resolved['base']} "
            f"(the signal sits on real columns), got {resolved['n_nonzero']}"
        )
    resolved["copy_corr"] = _check_float(
        resolved["copy_corr"],
        f"{where}.copy_corr",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    )
    resolved["amplitude"] = _check_float(
        resolved["amplitude"], f"{where}.amplitude", low=0.0, low_open=True
    )
    return resolved


def _widen(
    Z: np.ndarray, p: int, copy_corr: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Widen standardised real columns Z (n, q) to p features; groups and real-column indices."""
    n, q = Z.shape
    sizes = np.full(q, p // q)
    sizes[: p % q] += 1  # the first p mod q groups get one feature more
    groups = np.repeat(np.arange(q), sizes)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    tau = math.sqrt(1.0 / copy_corr**2 - 1.0)
    X = np.empty((n, p))
    for j in range(q):
        z = Z[:, j]
        X[:, starts[j]] = z
        if sizes[j] > 1:
            hinge = np.maximum(z - np.median(z), 0.0)
            X[:, starts[j] + 1] = (hinge - hinge.mean()) / hinge.std()
        n_copies = sizes[j] - 2
        if n_copies > 0:
            noise = rng.standard_normal((n, n_copies))
            X[:, starts[j] + 2 : starts[j] + sizes[j]] = z[:, None] + tau * noise
    return X, groups, starts


def _semisynthetic(params, seed):
    resolved = resolve_params(params)
    seed = _as_seed_sequence(seed)
    raw = _load_base(resolved["base"])
    sd = raw.std(axis=0)
    Z = (raw - raw.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    X, groups, starts = _widen(
        Z, resolved["p"], resolved["copy_corr"], _child_rng(seed, _STREAM_COPIES)
    )

    coef_rng = _child_rng(seed, _STREAM_COEF)
    k = resolved["n_nonzero"]
    active = np.sort(coef_rng.choice(Z.shape[1], size=k, replace=False))
    coef = np.zeros(resolved["p"])
    coef[starts[active]] = resolved["amplitude"] * coef_rng.choice(np.array([-1.0, 1.0]), size=k)

    f_all = _linear_predictor(X, coef)
    signal_variance = float(np.var(f_all))
    noise_scale = _noise_scale(signal_variance, resolved["noise"]["snr"])
    order = _child_rng(seed, _STREAM_ROWS).permutation(X.shape[0])
    train, test = order[: resolved["n_train"]], order[resolved["n_train"] :]
    noise = resolved["noise"]
    y_train = f_all[train] + _sample_noise(
        _child_rng(seed, _STREAM_TRAIN_NOISE), train.size, noise_scale, noise
    )
    y_test = f_all[test] + _sample_noise(
        _child_rng(seed, _STREAM_TEST_NOISE), test.size, noise_scale, noise
    )
    arrays = {
        "X_train": X[train],
        "y_train": y_train,
        "X_test": X[test],
        "y_test": y_test,
        "coef": coef,
        "f_test": f_all[test],
        "groups": groups,
    }
    info = {
        "params": resolved,
        "signal_variance": signal_variance,
        "noise_scale": noise_scale,
        "train_rows": train.tolist(),
    }
    return arrays, info


def semisynthetic(params: Mapping[str, Any] | None, seed: np.random.SeedSequence | int) -> dict:
    """Draw one replicate of a semi-synthetic dataset.

    Parameters
    ----------
    params : mapping or None
        The entry's ``params`` (see :data:`DEFAULT_PARAMS` and the module docstring).
    seed : numpy.random.SeedSequence or int
        Source of all randomness, usually :func:`normbench.data.simulate.dataset_seed`.

    Returns
    -------
    dict of str to ndarray
        The arrays of the data contract: ``X_train``, ``y_train``, ``X_test``, ``y_test``,
        ``coef``, ``f_test`` and ``groups``.

    Raises
    ------
    ValueError
        If a parameter is unknown or out of range (:func:`resolve_params`).
    """
    return _semisynthetic(params, seed)[0]


def semisynthetic_to_file(
    params: Mapping[str, Any] | None,
    *,
    base_seed: int,
    dataset: str,
    replicate: int,
    path: str | os.PathLike,
) -> None:
    """Draw one replicate and write it with :func:`normbench.data.contract.write_dataset`.

    The JSON sidecar records ``generator`` (``"semisynthetic"``), ``dataset``, ``replicate``,
    ``base_seed``, ``seed_entropy``, ``params`` (defaults filled in), ``signal_variance`` and
    ``noise_scale`` (so the report can give relative risk and PVE), ``train_rows`` (the rows of
    the real data in the training set) and ``normbench_version``.

    Parameters
    ----------
    params : mapping or None
        The entry's ``params``.
    base_seed : int
        The study's seed.
    dataset : str
        The dataset's name.
    replicate : int
        The replicate number.
    path : str or path-like
        Destination ``.npz``; the sidecar goes next to it with suffix ``.json``.
    """
    from normbench._version import __version__

    seed = dataset_seed(base_seed, dataset, replicate)
    arrays, info = _semisynthetic(params, seed)
    metadata = {
        "generator": "semisynthetic",
        "dataset": dataset,
        "replicate": int(replicate),
        "base_seed": int(base_seed),
        "seed_entropy": [int(word) for word in seed.entropy],
        **info,
        "normbench_version": __version__,
    }
    write_dataset(path, arrays, metadata)
