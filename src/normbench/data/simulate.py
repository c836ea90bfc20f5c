"""Simulated sparse linear regression datasets.

The generative model (see ``docs/simulation.md`` for the formulas) is

    y = X @ coef + eps,    rows of X ~ N(0, Sigma) with unit variances,    intercept 0,

with a choice of correlation structure ``Sigma`` (``design``), of true coefficients (``coef``) and
of noise distribution (``noise``) whose scale is set from a signal-to-noise ratio. Three optional
keys reproduce published simulation designs exactly: ``coef.values`` gives the coefficients
explicitly, ``noise.sigma`` the noise scale, and ``design.feature_scale: latent`` lets the latent
factor of a grouped design enter each feature with weight 1 (features then have variance 1/rho).

All randomness comes from one :class:`numpy.random.SeedSequence`. Independent child streams are
derived from it for the coefficients' signs, the training design, the training noise, the test
design and the test noise, so that, for example, changing ``n_test`` leaves the training data
unchanged. :func:`dataset_seed` derives that seed from a base seed, the dataset's name and the
replicate number, in the same way in every Python process.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from normbench.data.contract import write_dataset

# The design's law, under the names the simulator and its tests use.
from normbench.data.design import covariance_quadratic_form, design_covariance
from normbench.data.design import covariance_quadratic_form as _signal_variance
from normbench.data.design import group_labels as _group_labels
from normbench.data.design import sample_design as _sample_design

# The noise lives in its own module; its former private names here stay importable.
from normbench.data.noise import GAUSSIAN_Q75 as _GAUSSIAN_Q75  # noqa: F401
from normbench.data.noise import noise_scale as _noise_scale
from normbench.data.noise import sample_noise as _sample_noise
from normbench.vocab.pairs import check_choice

__all__ = [
    "BETA_TYPES",
    "DEFAULT_PARAMS",
    "DESIGN_KINDS",
    "FEATURE_SCALES",
    "OPTIONAL_PARAMS",
    "NOISE_FAMILIES",
    "PLACEMENTS",
    "SIGN_RULES",
    "covariance_quadratic_form",
    "dataset_seed",
    "population_covariance",
    "simulate",
    "simulate_to_file",
]

DESIGN_KINDS = ("independent", "toeplitz", "block", "latent_groups")
PLACEMENTS = ("grouped", "spread", "first", "mixed")
SIGN_RULES = ("positive", "alternating", "random")
NOISE_FAMILIES = ("gaussian", "laplace", "student_t", "cauchy", "skewed", "contaminated")
FEATURE_SCALES = ("unit", "latent")

# The same defaults as the config schema, so that the library can be used without it.
DEFAULT_PARAMS: dict[str, Any] = {
    "generator": "simulate",
    "n_train": 100,
    "n_test": 2000,
    "p": 1000,
    "design": {"kind": "block", "rho": 0.7, "group_size": 10, "n_groups": 3},
    "coef": {"n_nonzero": 10, "placement": "grouped", "amplitude": 1.0, "signs": "positive"},
    "noise": {
        "family": "gaussian",
        "snr": 3.0,
        "df": 2.0,
        "skew": 1.0,
        "contamination": 0.1,
        "outlier_scale": 10.0,
    },
}

# Keys without a default: absent, the simulator behaves as before they existed (and records
# nothing about them), so the data and sidecars of existing configs are unchanged.
#   design.feature_scale  "unit" (the behaviour when absent) or "latent"
#   coef.values           explicit coefficients; excludes the keys of DEFAULT_PARAMS["coef"]
#   coef.beta_type        1, 2, 3 or 5 (BETA_TYPES), with n_nonzero as s; excludes placement,
#                         amplitude and signs
#   noise.sigma           the noise scale itself; excludes noise.snr
#   n_validation          (top level) size of an independent validation set, X_val / y_val,
#                         drawn from its own streams (for cv.method: validation)
OPTIONAL_PARAMS: dict[str, tuple[str, ...]] = {
    "design": ("feature_scale",),
    "coef": ("values", "beta_type"),
    "noise": ("sigma",),
}
#: Beta-types of Hastie, Tibshirani & Tibshirani (2020), section 3.1 (``coef.beta_type``).
BETA_TYPES = (1, 2, 3, 5)

# Child stream numbers (the last entry of each child's spawn_key). Fixed forever: changing
# them changes every simulated dataset.
_STREAM_COEF = 0
_STREAM_TRAIN_DESIGN = 1
_STREAM_TRAIN_NOISE = 2
_STREAM_TEST_DESIGN = 3
_STREAM_TEST_NOISE = 4
# The optional validation set (``n_validation``) has streams of its own, so that drawing it
# leaves the training and test data of a replicate unchanged.
_STREAM_VALIDATION_DESIGN = 5
_STREAM_VALIDATION_NOISE = 6

_NAME_WORDS = 4  # 32-bit words of the dataset name's SHA-256 digest that enter the seed


def dataset_seed(base_seed: int, dataset: str, replicate: int) -> np.random.SeedSequence:
    """Derive the seed of one dataset replicate from the study's base seed.

    The entropy is ``[base_seed, w0, w1, w2, w3, replicate]`` where ``w0..w3`` are the first 16
    bytes of ``sha256(dataset.encode("utf-8"))`` read as four little-endian unsigned 32-bit
    integers. Unlike ``hash(dataset)`` this is the same in every Python process.

    Parameters
    ----------
    base_seed : int
        The study's seed (``seed`` in the config), >= 0.
    dataset : str
        The dataset's name (its key in the config).
    replicate : int
        The replicate number, >= 0.

    Returns
    -------
    numpy.random.SeedSequence
        The seed to pass to :func:`simulate`, or, in a user's dataset rule, to
        ``numpy.random.default_rng`` (one stream) or to ``.spawn(k)`` (k independent streams).
        Not an integer.

    Raises
    ------
    ValueError
        If ``base_seed`` or ``replicate`` is not a non-negative integer.
    TypeError
        If ``dataset`` is not a string.

    Examples
    --------
    >>> seed = dataset_seed(1, "my_table", 3)
    >>> seed.entropy[0], seed.entropy[-1]
    (1, 3)
    >>> rng = np.random.default_rng(seed)
    >>> split_rng, noise_rng = (np.random.default_rng(child) for child in seed.spawn(2))
    """
    if not isinstance(dataset, str):
        raise TypeError(f"dataset must be a string, got {type(dataset).__name__}")
    for name, value in (("base_seed", base_seed), ("replicate", replicate)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    digest = hashlib.sha256(dataset.encode("utf-8")).digest()
    name_words = [int.from_bytes(digest[4 * i : 4 * i + 4], "little") for i in range(_NAME_WORDS)]
    return np.random.SeedSequence([int(base_seed), *name_words, int(replicate)])


def simulate(
    params: Mapping[str, Any], seed: np.random.SeedSequence | int
) -> dict[str, np.ndarray]:
    """Simulate one dataset replicate.

    Parameters
    ----------
    params : mapping
        One dataset entry of the config: ``n_train``, ``n_test``, ``p`` and the sub-mappings
        ``design``, ``coef`` and ``noise`` (see ``DEFAULT_PARAMS`` and ``docs/simulation.md``).
        Missing keys take their defaults; unknown keys are refused. ``generator`` is ignored.
        The keys of ``OPTIONAL_PARAMS`` have no default: ``coef.values`` (p numbers, instead of
        ``n_nonzero``, ``placement``, ``amplitude`` and ``signs``), ``noise.sigma`` (> 0,
        instead of ``snr``) and ``design.feature_scale`` (``unit`` or ``latent``). With
        ``n_validation`` (a positive integer) an independent validation set is drawn too.
    seed : numpy.random.SeedSequence or int
        Source of all randomness, usually from :func:`dataset_seed`. It is not consumed: the
        same seed always gives the same data.

    Returns
    -------
    dict of str to ndarray
        ``X_train`` (n_train, p), ``y_train`` (n_train,), ``X_test`` (n_test, p),
        ``y_test`` (n_test,), ``coef`` (p,), ``f_test`` (n_test,) = ``X_test @ coef`` (the
        noise-free conditional mean; the conditional median for noise without a mean) and
        ``groups`` (p,), the integer group label of each feature (-1: in no group); with
        ``n_validation``, also ``X_val`` (n_validation, p) and ``y_val`` (n_validation,), drawn
        like the training data from child streams of their own (the other arrays are the same
        with or without them).

    Raises
    ------
    ValueError
        If a parameter is unknown or out of range.
    """
    arrays, _ = _simulate(params, seed)
    return arrays


def simulate_to_file(
    params: Mapping[str, Any],
    *,
    base_seed: int,
    dataset: str,
    replicate: int,
    path: str | os.PathLike,
) -> None:
    """Simulate one dataset replicate; write it with :func:`normbench.data.contract.write_dataset`.

    The JSON sidecar records ``dataset``, ``replicate``, ``base_seed``, ``seed_entropy`` (the
    entropy of :func:`dataset_seed`), ``generator`` (``"simulate"``), ``params`` (with defaults
    filled in), ``noise_scale`` (see ``docs/simulation.md``), ``signal_variance``
    (``coef' Sigma coef``) and ``normbench_version``.

    Parameters
    ----------
    params : mapping
        One dataset entry of the config, as for :func:`simulate`.
    base_seed : int
        The study's seed.
    dataset : str
        The dataset's name.
    replicate : int
        The replicate number.
    path : str or path-like
        Destination ``.npz`` file; the sidecar goes next to it with suffix ``.json``.

    Raises
    ------
    ValueError
        If a parameter is unknown or out of range.
    """
    from normbench._version import __version__

    seed = dataset_seed(base_seed, dataset, replicate)
    arrays, info = _simulate(params, seed)
    metadata = {
        "dataset": dataset,
        "replicate": int(replicate),
        "base_seed": int(base_seed),
        "seed_entropy": [int(word) for word in seed.entropy],
        "generator": "simulate",
        "params": info["params"],
        "noise_scale": info["noise_scale"],
        "signal_variance": info["signal_variance"],
        "normbench_version": __version__,
    }
    write_dataset(path, arrays, metadata)


def _simulate(
    params: Mapping[str, Any], seed: np.random.SeedSequence | int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    resolved = _resolve_params(params)
    if params.get("n_validation") is not None:
        # recorded only when given: the sidecars of datasets without one are unchanged
        resolved["n_validation"] = _check_int(params["n_validation"], "n_validation", minimum=1)
    seed = _as_seed_sequence(seed)
    design, coef_params, noise = resolved["design"], resolved["coef"], resolved["noise"]

    groups = _group_labels(resolved["p"], design)
    if "values" in coef_params:
        coef = np.array(coef_params["values"], dtype=float)
    elif "beta_type" in coef_params:
        coef = _beta_type_coef(resolved["p"], coef_params["n_nonzero"], coef_params["beta_type"])
    else:
        coef = _make_coef(_child_rng(seed, _STREAM_COEF), groups, coef_params)
    signal_variance = _signal_variance(coef, groups, design)
    if "sigma" in noise:
        noise_scale = noise["sigma"]
    else:
        noise_scale = _noise_scale(signal_variance, noise["snr"])

    X_train = _sample_design(
        _child_rng(seed, _STREAM_TRAIN_DESIGN), resolved["n_train"], groups, design
    )
    train_noise = _sample_noise(
        _child_rng(seed, _STREAM_TRAIN_NOISE), resolved["n_train"], noise_scale, noise
    )
    X_test = _sample_design(
        _child_rng(seed, _STREAM_TEST_DESIGN), resolved["n_test"], groups, design
    )
    test_noise = _sample_noise(
        _child_rng(seed, _STREAM_TEST_NOISE), resolved["n_test"], noise_scale, noise
    )
    f_test = _linear_predictor(X_test, coef)
    arrays = {
        "X_train": X_train,
        "y_train": _linear_predictor(X_train, coef) + train_noise,
        "X_test": X_test,
        "y_test": f_test + test_noise,
        "coef": coef,
        "f_test": f_test,
        "groups": groups,
    }
    if "n_validation" in resolved:
        # the papers' protocol: tuning on an independent sample of the training population
        X_val = _sample_design(
            _child_rng(seed, _STREAM_VALIDATION_DESIGN), resolved["n_validation"], groups, design
        )
        validation_noise = _sample_noise(
            _child_rng(seed, _STREAM_VALIDATION_NOISE), resolved["n_validation"], noise_scale, noise
        )
        arrays["X_val"] = X_val
        arrays["y_val"] = _linear_predictor(X_val, coef) + validation_noise
    info = {
        "params": resolved,
        "noise_scale": noise_scale,
        "signal_variance": signal_variance,
    }
    return arrays, info


# --------------------------------------------------------------------------- parameters


def _resolve_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Fill defaults, refuse unknown keys and check ranges; return plain Python values."""
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a mapping, got {type(params).__name__}")
    # `sweep` is the record that config validation writes into each dataset of a sweep.
    _refuse_unknown(params, {**DEFAULT_PARAMS, "sweep": None, "n_validation": None}, "")
    resolved: dict[str, Any] = {}
    for section in ("design", "coef", "noise"):
        given = params.get(section) or {}
        if not isinstance(given, Mapping):
            raise ValueError(f"{section} must be a mapping, got {type(given).__name__}")
        _refuse_unknown(given, (*DEFAULT_PARAMS[section], *OPTIONAL_PARAMS[section]), f"{section}.")
        resolved[section] = {**DEFAULT_PARAMS[section], **given}
    # The alternatives replace keys that have defaults: drop those defaults, refuse both given.
    given_coef = params.get("coef") or {}
    _exclusive(given_coef, "values", (*DEFAULT_PARAMS["coef"], "beta_type"), "coef.")
    _exclusive(given_coef, "beta_type", ("placement", "amplitude", "signs"), "coef.")
    if "values" in resolved["coef"]:
        resolved["coef"] = {"values": resolved["coef"]["values"]}
    elif "beta_type" in resolved["coef"]:
        resolved["coef"] = {
            "beta_type": resolved["coef"]["beta_type"],
            "n_nonzero": resolved["coef"]["n_nonzero"],
        }
    _exclusive(params.get("noise") or {}, "sigma", ("snr",), "noise.")
    if "sigma" in resolved["noise"]:
        del resolved["noise"]["snr"]
    resolved["generator"] = str(params.get("generator", DEFAULT_PARAMS["generator"]))
    if params.get("sweep") is not None:
        # Kept as given (not used to simulate): the sidecar then says which sweep and value.
        resolved["sweep"] = dict(params["sweep"])
    for key in ("n_train", "n_test", "p"):
        resolved[key] = params.get(key, DEFAULT_PARAMS[key])

    resolved["n_train"] = _check_int(resolved["n_train"], "n_train", minimum=2)
    resolved["n_test"] = _check_int(resolved["n_test"], "n_test", minimum=1)
    p = resolved["p"] = _check_int(resolved["p"], "p", minimum=1)

    design = resolved["design"]
    design["kind"] = check_choice("design.kind", design["kind"], DESIGN_KINDS)
    design["rho"] = _check_float(design["rho"], "design.rho", low=0.0, high=1.0, high_open=True)
    design["group_size"] = _check_int(design["group_size"], "design.group_size", minimum=1)
    design["n_groups"] = _check_int(design["n_groups"], "design.n_groups", minimum=1)
    if design["kind"] == "latent_groups" and design["n_groups"] * design["group_size"] > p:
        raise ValueError(
            f"design.n_groups * design.group_size = {design['n_groups'] * design['group_size']} "
            f"exceeds p = {p} for design.kind 'latent_groups'"
        )
    if "feature_scale" in design:
        scale = check_choice("design.feature_scale", design["feature_scale"], FEATURE_SCALES)
        design["feature_scale"] = scale
        if scale == "latent" and design["kind"] not in ("block", "latent_groups"):
            raise ValueError(
                "design.feature_scale 'latent' needs design.kind 'block' or 'latent_groups' "
                f"(features driven by a latent factor), got {design['kind']!r}"
            )
        if scale == "latent" and design["rho"] == 0.0:
            raise ValueError("design.feature_scale 'latent' needs design.rho > 0, got 0.0")

    coef = resolved["coef"]
    if "values" in coef:
        coef["values"] = _check_values(coef["values"], "coef.values", length=p)
    else:
        coef["n_nonzero"] = _check_int(coef["n_nonzero"], "coef.n_nonzero", minimum=0)
        if coef["n_nonzero"] > p:
            raise ValueError(f"coef.n_nonzero must be <= p = {p}, got {coef['n_nonzero']}")
    if "beta_type" in coef:
        if isinstance(coef["beta_type"], bool) or coef["beta_type"] not in BETA_TYPES:
            raise ValueError(
                f"coef.beta_type must be one of {', '.join(map(str, BETA_TYPES))}; "
                f"got {coef['beta_type']!r}"
            )
        coef["beta_type"] = int(coef["beta_type"])
    elif "values" not in coef:
        coef["placement"] = check_choice("coef.placement", coef["placement"], PLACEMENTS)
        coef["amplitude"] = _check_float(
            coef["amplitude"], "coef.amplitude", low=0.0, low_open=True
        )
        coef["signs"] = check_choice("coef.signs", coef["signs"], SIGN_RULES)

    noise = resolved["noise"]
    noise["family"] = check_choice("noise.family", noise["family"], NOISE_FAMILIES)
    for key in ("snr", "sigma", "df", "skew", "outlier_scale"):
        if key in noise:
            noise[key] = _check_float(noise[key], f"noise.{key}", low=0.0, low_open=True)
    noise["contamination"] = _check_float(
        noise["contamination"], "noise.contamination", low=0.0, high=0.5, high_open=True
    )
    return resolved


def _refuse_unknown(given: Mapping[str, Any], allowed: Mapping[str, Any], prefix: str) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(prefix + str(k) for k in unknown)}; "
            f"allowed are {', '.join(prefix + k for k in allowed)}"
        )


def _exclusive(given: Mapping[str, Any], key: str, others: tuple[str, ...], prefix: str) -> None:
    clash = [other for other in others if other in given]
    if key in given and clash:
        raise ValueError(
            f"{prefix}{key} cannot be combined with {', '.join(prefix + k for k in clash)}: "
            f"{prefix}{key} replaces {', '.join(prefix + k for k in others)}; give one or the other"
        )


def _check_values(value: Any, key: str, *, length: int) -> list[float]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence | np.ndarray):
        raise ValueError(f"{key} must be a list of {length} numbers, got {value!r}")
    values = list(value)
    if len(values) != length:
        raise ValueError(f"{key} must hold p = {length} numbers, got {len(values)}")
    return [_check_float(item, f"{key}[{index}]") for index, item in enumerate(values)]


def _check_int(value: Any, key: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{key} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{key} must be >= {minimum}, got {value}")
    return int(value)


def _check_float(
    value: Any,
    key: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{key} must be a number, got {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        low_text = "-inf" if low is None else f"{low:g}"
        high_text = "inf" if high is None else f"{high:g}"
        interval = f"{'(' if low_open or low is None else '['}{low_text}, {high_text}" + (
            ")" if high_open or high is None else "]"
        )
        raise ValueError(f"{key} must be in {interval}, got {value!r}")
    return value


def _as_seed_sequence(seed: np.random.SeedSequence | int) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise ValueError(f"seed must be a numpy SeedSequence or a non-negative int, got {seed!r}")


def _child_rng(seed: np.random.SeedSequence, stream: int) -> np.random.Generator:
    # Equivalent to the stream-th child of seed.spawn(), but built from the key directly so
    # that it does not depend on (or change) how many children were spawned before.
    child = np.random.SeedSequence(
        seed.entropy, spawn_key=(*seed.spawn_key, stream), pool_size=seed.pool_size
    )
    return np.random.default_rng(child)


def population_covariance(params: Mapping[str, Any]) -> np.ndarray:
    """The population covariance ``Sigma`` (p x p) of the rows of X for a dataset entry.

    Dense: meant for checks and small ``p``; the metrics use :func:`covariance_quadratic_form`,
    which never forms it.

    Parameters
    ----------
    params : mapping
        One dataset entry, as for :func:`simulate` (defaults filled in the same way).

    Returns
    -------
    Sigma : ndarray of shape (p, p)
    """
    resolved = _resolve_params(params)
    return design_covariance(_group_labels(resolved["p"], resolved["design"]), resolved["design"])


def _linear_predictor(X: np.ndarray, coef: np.ndarray) -> np.ndarray:
    # Accumulate the active columns in index order with elementwise operations: unlike a BLAS
    # matrix-vector product, the result's bits cannot depend on the number of BLAS threads.
    result = np.zeros(X.shape[0])
    for j in np.flatnonzero(coef):
        result += X[:, j] * coef[j]
    return result


# --------------------------------------------------------------------------- coefficients


def _make_coef(
    rng: np.random.Generator, groups: np.ndarray, coef_params: Mapping[str, Any]
) -> np.ndarray:
    p = groups.size
    k = coef_params["n_nonzero"]
    support = _support(groups, k, coef_params["placement"])
    signs_rule = coef_params["signs"]
    if signs_rule == "positive":
        signs = np.ones(k)
    elif signs_rule == "alternating":
        signs = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)
    else:
        signs = rng.choice(np.array([-1.0, 1.0]), size=k)
    coef = np.zeros(p)
    coef[support] = coef_params["amplitude"] * signs
    return coef


def _beta_type_coef(p: int, s: int, beta_type: int) -> np.ndarray:
    """The coefficients of beta-type 1, 2, 3 or 5 of Hastie, Tibshirani & Tibshirani (2020).

    With 1-based indices: type 1 has s ones at evenly spaced indices (the ``spread`` placement),
    type 2 ones on the first s, type 3 the first s linearly spaced from 10 down to 0.5, type 5
    ones on the first s and beta_j = 0.5^(j - s) for j = s + 1, ..., p.
    """
    coef = np.zeros(p)
    if beta_type == 1:
        coef[_support(np.zeros(p, dtype=np.int64), s, "spread")] = 1.0
    elif beta_type == 3:
        coef[:s] = np.linspace(10.0, 0.5, s)
    else:
        coef[:s] = 1.0
    if beta_type == 5:
        coef[s:] = 0.5 ** np.arange(1, p - s + 1, dtype=float)
    return coef


def _support(groups: np.ndarray, k: int, placement: str) -> np.ndarray:
    """Indices (sorted) of the k nonzero coefficients."""
    p = groups.size
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if placement == "first":
        return np.arange(k)
    if placement == "spread":
        # floor(i p / k) for i < k: distinct because p / k >= 1, starts at 0, evenly spaced.
        return (np.arange(k) * p) // k
    if placement == "mixed":
        return _mixed_support(groups, k)
    # grouped: fill group 0, then group 1, ... (features in index order), ungrouped ones last.
    group_rank = np.where(groups < 0, groups.max() + 1, groups)
    order = np.lexsort((np.arange(p), group_rank))
    return np.sort(order[:k])


def _mixed_support(groups: np.ndarray, k: int) -> np.ndarray:
    """Whole and partly active blocks: group 0 whole, group 1 its first half (rounded up),
    group 2 whole, group 3 half, ..., the last one cut at k; then ungrouped features in order.

    With blocks of 5 and k = 10 the active blocks hold 5, 3 and 2 true features: the lasso's
    habit of keeping one feature per correlated block and the elastic net's grouping both show.
    """
    chosen: list[int] = []
    labels = np.unique(groups[groups >= 0])
    for rank, label in enumerate(labels):
        members = np.flatnonzero(groups == label)
        take = members.size if rank % 2 == 0 else math.ceil(members.size / 2)
        chosen.extend(members[: min(take, k - len(chosen))].tolist())
        if len(chosen) == k:
            return np.array(chosen, dtype=np.int64)
    chosen.extend(np.flatnonzero(groups < 0)[: k - len(chosen)].tolist())
    return np.sort(np.array(chosen, dtype=np.int64))
