"""Reading and writing benchmark datasets (docs/design.md §2).

A dataset replicate is one ``.npz`` archive holding the arrays of the data contract plus an
optional JSON sidecar (same stem, ``.json`` suffix) with the generator's parameters and seed.
The sidecar may also state what is known of the population behind the data (the keys of
:data:`POPULATION_KEYS`, checked here, used by :mod:`normbench.data.population`), and the writer
records in it, under ``"contract"``, the archive's arrays, their shapes, any dtype it converted and
the archive's SHA-256: a sidecar left over from another archive is then refused, never read as
this one's.

The writer produces byte-identical files for identical inputs: the archive is written entry by
entry with a fixed timestamp, fixed permissions, no compression and a fixed entry order, so that
a re-run of the workflow can be checked with a plain checksum. The reader validates every file
and reports the first problem as ``"<path>: <problem>"``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "REQUIRED_ARRAYS",
    "OPTIONAL_ARRAYS",
    "POPULATION_KEYS",
    "EMPIRICAL_TEST",
    "Dataset",
    "DatasetError",
    "read_dataset",
    "write_dataset",
]

REQUIRED_ARRAYS = ("X_train", "y_train", "X_test", "y_test")
OPTIONAL_ARRAYS = ("coef", "f_test", "groups", "X_val", "y_val", "sigma")
#: Arrays that come together or not at all: an independent validation set for tuning
#: (``cv.method: validation``), drawn like the training set and disjoint from it and the test set.
PAIRED_ARRAYS = (("X_val", "y_val"),)

# The order of the archive's entries: new optional arrays go last, so that the files of datasets
# without them keep their bytes.
_KNOWN_ARRAYS = REQUIRED_ARRAYS + OPTIONAL_ARRAYS
_FLOAT_ARRAYS = (
    "X_train",
    "y_train",
    "X_test",
    "y_test",
    "coef",
    "f_test",
    "X_val",
    "y_val",
    "sigma",
)
_MATRICES = ("X_train", "X_test", "X_val", "sigma")

#: The value of the sidecar key ``population`` that estimates the covariance of the rows of X
#: by the (centred, 1/m) covariance of ``X_test``: an approximation, for data without ``sigma``.
EMPIRICAL_TEST = "empirical_test"

#: The sidecar keys that describe the population behind the data, and what each must be. They
#: are optional; each unlocks measures (docs/extending.md, "What the data support").
POPULATION_KEYS = {
    "population": f"the string {EMPIRICAL_TEST!r} (Sigma estimated from X_test)",
    "intercept": "a finite number (the true intercept b)",
    "signal_variance": "a finite number >= 0 (Var(x'w))",
    "noise_scale": "a finite number > 0 (the noise's scale sigma)",
    "noise_variance": "a finite number >= 0, or the string 'inf' (the true variance of the noise)",
    "noise": "a mapping with a 'family' (and its parameters, as in the simulator's noise:)",
}
#: The key under which write_dataset records the archive it wrote the sidecar for.
CONTRACT_KEY = "contract"
# The earliest date a zip header can store; any fixed value makes the bytes reproducible.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_UNIX_SYSTEM = 3
_ZIP_FILE_MODE = 0o644


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or violates the data contract.

    The message always starts with the offending file's path: ``"<path>: <problem>"``.
    """


@dataclass(frozen=True, eq=False)
class Dataset:
    """One validated dataset replicate.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, p)
        Training design.
    y_train : ndarray of shape (n_train,)
        Training response.
    X_test : ndarray of shape (n_test, p)
        Held-out design.
    y_test : ndarray of shape (n_test,)
        Held-out response (with noise).
    coef : ndarray of shape (p,) or None
        True coefficients, when known.
    f_test : ndarray of shape (n_test,) or None
        Noise-free signal at ``X_test``, when known.
    groups : ndarray of shape (p,) or None
        Integer group label per feature, when known.
    X_val : ndarray of shape (n_validation, p) or None
        Validation design, independent of the training and test data: when present, tuning may
        choose the hyperparameters on it instead of by K-fold CV on the training data.
    y_val : ndarray of shape (n_validation,) or None
        Validation response (with noise); present exactly when ``X_val`` is.
    sigma : ndarray of shape (p, p) or None
        The population covariance of the rows of X, when known (symmetric).
    metadata : dict
        Content of the JSON sidecar (empty when there is none), without the writer's record
        of the archive (its ``"contract"`` entry).
    path : str
        Path of the ``.npz`` file the dataset was read from.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    coef: np.ndarray | None = None
    f_test: np.ndarray | None = None
    groups: np.ndarray | None = None
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    sigma: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)
    path: str = ""

    @property
    def n_train(self) -> int:
        """Number of training observations."""
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        """Number of test observations."""
        return self.X_test.shape[0]

    @property
    def n_validation(self) -> int:
        """Number of validation observations (0 without a validation set)."""
        return 0 if self.X_val is None else self.X_val.shape[0]

    @property
    def n_features(self) -> int:
        """Number of features ``p``."""
        return self.X_train.shape[1]


def sidecar_path(path: str | os.PathLike) -> Path:
    """Return the JSON sidecar path that belongs to a dataset file.

    Parameters
    ----------
    path : str or path-like
        Path of the ``.npz`` file.

    Returns
    -------
    Path
        ``path`` with its suffix replaced by ``.json``.
    """
    return Path(path).with_suffix(".json")


def write_dataset(
    path: str | os.PathLike, arrays: Mapping[str, np.ndarray], metadata: Mapping
) -> None:
    """Write a dataset archive and its JSON sidecar, byte-deterministically.

    Parameters
    ----------
    path : str or path-like
        Destination ``.npz`` file. Missing parent directories are created. The sidecar is
        written next to it as ``path.with_suffix(".json")``.
    arrays : mapping of str to ndarray
        The arrays of the data contract: all of ``REQUIRED_ARRAYS`` and any of
        ``OPTIONAL_ARRAYS``. They are validated exactly as :func:`read_dataset` would. A float
        array of another precision than float64 (float32, float16, longdouble) is converted to
        float64, with a ``UserWarning`` and a note in the sidecar (``contract.converted``,
        e.g. ``{"X_train": "float32"}``): the values keep the precision they had.
    metadata : mapping
        JSON-serialisable metadata (numpy scalars and arrays are converted). Written with sorted
        keys, an indent of 2 and a trailing newline. The keys of :data:`POPULATION_KEYS`, when
        present, are checked. The writer adds ``"contract"``: the arrays and their shapes, the
        conversions, and the archive's SHA-256 (so the key is reserved).

    Raises
    ------
    DatasetError
        If the arrays violate the data contract, a population key has a bad value, the metadata
        holds the reserved key ``"contract"``, or it cannot be written as JSON.
    """
    path = Path(path)
    given = {name: np.asarray(a) for name, a in arrays.items()}
    converted = {
        name: str(value.dtype)
        for name, value in given.items()
        if name in _FLOAT_ARRAYS
        and np.issubdtype(value.dtype, np.floating)
        and value.dtype != np.float64
    }
    if converted:
        warnings.warn(
            f"{path}: converted to float64: "
            + ", ".join(f"{name} ({dtype})" for name, dtype in converted.items())
            + "; recorded in the sidecar's contract.converted",
            UserWarning,
            stacklevel=2,
        )
        given = {
            name: value.astype(np.float64) if name in converted else value
            for name, value in given.items()
        }
    checked = _validate_arrays(path, given)
    metadata = dict(metadata)
    if CONTRACT_KEY in metadata:
        raise DatasetError(
            f"{path}: metadata key {CONTRACT_KEY!r} is reserved (the writer records the "
            "archive there)"
        )
    _check_population_keys(path, metadata)
    payload = _npz_bytes(checked)
    record = {
        "arrays": {name: list(value.shape) for name, value in checked.items() if value is not None},
        "npz_sha256": hashlib.sha256(payload).hexdigest(),
    }
    if converted:
        record["converted"] = converted
    try:
        sidecar_text = (
            json.dumps(
                {**metadata, CONTRACT_KEY: record},
                sort_keys=True,
                indent=2,
                allow_nan=False,
                default=_json_default,
            )
            + "\n"
        )
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: metadata cannot be written as JSON: {exc}") from exc

    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, payload)
    _write_atomically(sidecar_path(path), sidecar_text.encode("utf-8"))


def read_dataset(path: str | os.PathLike, *, min_train: int = 2) -> Dataset:
    """Read and validate a dataset archive and its optional JSON sidecar.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.
    min_train : int, default=2
        Smallest accepted number of training observations.

    Returns
    -------
    Dataset
        The validated arrays and the sidecar's metadata (``{}`` when there is no sidecar).

    Raises
    ------
    DatasetError
        If the file is missing or unreadable, an array is missing, unknown, of the wrong dtype
        (a float array must be float64: :func:`write_dataset` converts, this reader does not),
        dimension or shape, contains NaN or inf, there are fewer than ``min_train`` training
        observations, the sidecar exists but is not a JSON object, has a bad population key,
        or was written for another archive (a stale sidecar: its ``contract.npz_sha256`` is
        not this file's). The message starts with ``path`` and names the array and the problem.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: file does not exist")
    if not path.is_file():
        raise DatasetError(f"{path}: is not a regular file")
    arrays = _load_npz(path)
    for name, value in arrays.items():
        if (
            name in _FLOAT_ARRAYS
            and np.issubdtype(value.dtype, np.floating)
            and value.dtype != np.float64
        ):
            raise DatasetError(
                f"{path}: array '{name}' has dtype {value.dtype}; normbench computes in float64: "
                "write the file with normbench.data.contract.write_dataset (which converts it "
                "and records the conversion) or convert it with .astype(numpy.float64)"
            )
    checked = _validate_arrays(path, arrays, min_train=min_train)
    metadata = _read_sidecar(path)
    record = metadata.pop(CONTRACT_KEY, None)
    if isinstance(record, Mapping) and "npz_sha256" in record:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if record["npz_sha256"] != digest:
            raise DatasetError(
                f"{path}: JSON sidecar {sidecar_path(path).name} was written for another "
                "archive (its contract.npz_sha256 differs: a stale sidecar?); write both files "
                "with normbench.data.contract.write_dataset"
            )
    _check_population_keys(path, metadata)
    return Dataset(**checked, metadata=metadata, path=str(path))


def _check_population_keys(path: Path, metadata: Mapping[str, Any]) -> None:
    """The sidecar's population keys (:data:`POPULATION_KEYS`), where present, are well formed."""

    def refuse(key):
        raise DatasetError(
            f"{path}: sidecar key {key!r} must be {POPULATION_KEYS[key]}, got {metadata[key]!r}"
        )

    def number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return math.nan
        return float(value)

    if "population" in metadata and metadata["population"] != EMPIRICAL_TEST:
        refuse("population")
    if "intercept" in metadata and not math.isfinite(number(metadata["intercept"])):
        refuse("intercept")
    if "signal_variance" in metadata:
        signal = number(metadata["signal_variance"])
        if not (math.isfinite(signal) and signal >= 0):
            refuse("signal_variance")
    if "noise_scale" in metadata:
        scale = number(metadata["noise_scale"])
        if not (math.isfinite(scale) and scale > 0):
            refuse("noise_scale")
    if "noise_variance" in metadata and metadata["noise_variance"] != "inf":
        variance = number(metadata["noise_variance"])
        if not (math.isfinite(variance) and variance >= 0):
            refuse("noise_variance")
    noise = metadata.get("noise")
    if "noise" in metadata and not (isinstance(noise, Mapping) and "family" in noise):
        refuse("noise")


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path}: not a readable .npz archive ({exc})") from exc
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise DatasetError(f"{path}: is a single .npy array, not an .npz archive")
    arrays = {}
    with loaded:
        for name in loaded.files:
            try:
                value = loaded[name]
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
                raise DatasetError(f"{path}: array '{name}' cannot be read ({exc})") from exc
            if not isinstance(value, np.ndarray):
                raise DatasetError(f"{path}: entry '{name}' is not a .npy array")
            arrays[name] = value
    return arrays


def _validate_arrays(
    path: Path, arrays: Mapping[str, np.ndarray], *, min_train: int = 2
) -> dict[str, np.ndarray]:
    """Check the data contract; return the arrays keyed by name, optional ones set to None."""
    unknown = sorted(set(arrays) - set(_KNOWN_ARRAYS))
    if unknown:
        raise DatasetError(
            f"{path}: unknown array(s) {', '.join(repr(n) for n in unknown)}; "
            f"allowed are {', '.join(_KNOWN_ARRAYS)}"
        )
    for name in REQUIRED_ARRAYS:
        if name not in arrays:
            raise DatasetError(f"{path}: required array '{name}' is missing")

    for name, value in arrays.items():
        if name in _FLOAT_ARRAYS and not np.issubdtype(value.dtype, np.floating):
            raise DatasetError(
                f"{path}: array '{name}' must have a floating-point dtype, got {value.dtype}"
            )
        if name == "groups" and not np.issubdtype(value.dtype, np.integer):
            raise DatasetError(
                f"{path}: array 'groups' must have an integer dtype, got {value.dtype}"
            )
        expected_ndim = 2 if name in _MATRICES else 1
        if value.ndim != expected_ndim:
            raise DatasetError(
                f"{path}: array '{name}' must be {expected_ndim}-D, got shape {value.shape}"
            )

    X_train, y_train = arrays["X_train"], arrays["y_train"]
    X_test, y_test = arrays["X_test"], arrays["y_test"]
    n_train, p = X_train.shape
    n_test = X_test.shape[0]
    if y_train.shape[0] != n_train:
        raise DatasetError(
            f"{path}: array 'y_train' has {y_train.shape[0]} entries but 'X_train' has "
            f"{n_train} rows"
        )
    if y_test.shape[0] != n_test:
        raise DatasetError(
            f"{path}: array 'y_test' has {y_test.shape[0]} entries but 'X_test' has {n_test} rows"
        )
    if X_test.shape[1] != p:
        raise DatasetError(
            f"{path}: array 'X_test' has {X_test.shape[1]} columns but 'X_train' has {p}"
        )
    if p < 1:
        raise DatasetError(f"{path}: array 'X_train' has no columns (p must be >= 1)")
    if n_train < min_train:
        raise DatasetError(
            f"{path}: array 'X_train' has {n_train} rows; at least min_train={min_train} needed"
        )
    if n_test < 1:
        raise DatasetError(f"{path}: array 'X_test' has no rows (at least 1 needed)")
    _check_validation_set(path, arrays, p)
    expected_length = {"coef": p, "groups": p, "f_test": n_test}
    for name, length in expected_length.items():
        if name in arrays and arrays[name].shape != (length,):
            raise DatasetError(
                f"{path}: array '{name}' must have shape ({length},), got {arrays[name].shape}"
            )
    if "sigma" in arrays and arrays["sigma"].shape != (p, p):
        raise DatasetError(
            f"{path}: array 'sigma' must have shape ({p}, {p}), got {arrays['sigma'].shape}"
        )

    for name, value in arrays.items():
        finite = np.isfinite(value)
        if not finite.all():
            first = tuple(int(i) for i in np.argwhere(~finite)[0])
            raise DatasetError(
                f"{path}: array '{name}' contains {int(value.size - finite.sum())} non-finite "
                f"value(s) (NaN or inf), the first at index {first}"
            )
    if "sigma" in arrays:
        _check_covariance(path, arrays["sigma"])
    return {name: arrays.get(name) for name in _KNOWN_ARRAYS}


def _check_covariance(path: Path, sigma: np.ndarray) -> None:
    """``sigma`` is a covariance matrix: symmetric, with a non-negative diagonal."""
    scale = max(float(np.max(np.abs(sigma))), 1.0)
    if not np.allclose(sigma, sigma.T, rtol=0.0, atol=1e-10 * scale):
        raise DatasetError(f"{path}: array 'sigma' is not symmetric (a covariance matrix is)")
    if np.any(np.diag(sigma) < 0):
        raise DatasetError(
            f"{path}: array 'sigma' has a negative diagonal entry (a variance is >= 0)"
        )


def _check_validation_set(path: Path, arrays: Mapping[str, np.ndarray], p: int) -> None:
    """The optional validation set: both arrays or neither, ``p`` columns, matching lengths."""
    for pair in PAIRED_ARRAYS:
        present = [name for name in pair if name in arrays]
        if present and len(present) != len(pair):
            missing = next(name for name in pair if name not in arrays)
            raise DatasetError(
                f"{path}: array '{present[0]}' is present but '{missing}' is missing; "
                f"{' and '.join(repr(name) for name in pair)} come together"
            )
    if "X_val" not in arrays:
        return
    X_val, y_val = arrays["X_val"], arrays["y_val"]
    if X_val.shape[1] != p:
        raise DatasetError(
            f"{path}: array 'X_val' has {X_val.shape[1]} columns but 'X_train' has {p}"
        )
    if X_val.shape[0] < 1:
        raise DatasetError(f"{path}: array 'X_val' has no rows (at least 1 needed)")
    if y_val.shape[0] != X_val.shape[0]:
        raise DatasetError(
            f"{path}: array 'y_val' has {y_val.shape[0]} entries but 'X_val' has "
            f"{X_val.shape[0]} rows"
        )


def _read_sidecar(path: Path) -> dict[str, Any]:
    json_path = sidecar_path(path)
    if not json_path.exists():
        return {}
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DatasetError(
            f"{path}: JSON sidecar {json_path.name} cannot be read as JSON ({exc})"
        ) from exc
    if not isinstance(metadata, dict):
        raise DatasetError(
            f"{path}: JSON sidecar {json_path.name} must hold a JSON object, "
            f"got {type(metadata).__name__}"
        )
    return metadata


def _npz_bytes(arrays: Mapping[str, np.ndarray | None]) -> bytes:
    """Serialise arrays as an uncompressed zip of .npy entries, reproducibly.

    ``np.savez`` stamps every entry with the current time, so equal data would give different
    files; here every header field is fixed. No compression keeps the bytes independent of the
    zlib version (and matches ``np.savez``).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name in _KNOWN_ARRAYS:
            value = arrays.get(name)
            if value is None:
                continue
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE_TIME)
            entry.compress_type = zipfile.ZIP_STORED
            entry.create_system = _ZIP_UNIX_SYSTEM
            entry.external_attr = _ZIP_FILE_MODE << 16
            payload = io.BytesIO()
            # C order and native byte order make the .npy header independent of how the
            # array happened to be laid out in memory.
            np.lib.format.write_array(payload, np.ascontiguousarray(value), allow_pickle=False)
            archive.writestr(entry, payload.getvalue())
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    # A crash mid-write must not leave a truncated file under the final name.
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"object of type {type(value).__name__} is not JSON serialisable")
