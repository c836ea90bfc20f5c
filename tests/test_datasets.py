import json
import zipfile

import numpy as np
import pytest

from normbench.data.contract import (
    OPTIONAL_ARRAYS,
    REQUIRED_ARRAYS,
    Dataset,
    DatasetError,
    read_dataset,
    sidecar_path,
    write_dataset,
)


def _arrays(n=5, m=3, p=4):
    rng = np.random.default_rng(0)
    X_train = rng.standard_normal((n, p))
    X_test = rng.standard_normal((m, p))
    coef = np.array([1.0, -2.0, 0.0, 0.5])[:p]
    return {
        "X_train": X_train,
        "y_train": X_train @ coef,
        "X_test": X_test,
        "y_test": X_test @ coef + 0.1,
        "coef": coef,
        "f_test": X_test @ coef,
        "groups": np.array([0, 0, 1, -1])[:p],
        # an independent validation set (cv.method: validation), optional like the three above
        "X_val": rng.standard_normal((2, p)),
        "y_val": rng.standard_normal(2),
        # the population covariance of the rows of X (here: independent unit features)
        "sigma": np.eye(p),
    }


def _save_raw(path, arrays):
    # np.savez bypasses the writer's validation, so malformed files can be produced.
    np.savez(path, **arrays)
    return path


def test_round_trip(tmp_path):
    arrays = _arrays()
    metadata = {"b": 1, "a": {"nested": [1, 2]}, "seed": np.int64(3), "x": np.float64(0.5)}
    path = tmp_path / "sub" / "rep0.npz"
    write_dataset(path, arrays, metadata)

    dataset = read_dataset(path)
    assert isinstance(dataset, Dataset)
    for name in REQUIRED_ARRAYS + OPTIONAL_ARRAYS:
        np.testing.assert_array_equal(getattr(dataset, name), arrays[name])
        assert getattr(dataset, name).dtype == arrays[name].dtype
    # the writer's own record of the archive stays in the file, out of the rule's metadata
    assert dataset.metadata == {"a": {"nested": [1, 2]}, "b": 1, "seed": 3, "x": 0.5}
    record = json.loads(sidecar_path(path).read_text())["contract"]
    assert record["arrays"]["X_train"] == [5, 4] and record["arrays"]["sigma"] == [4, 4]
    assert "converted" not in record
    assert dataset.path == str(path)
    assert (dataset.n_train, dataset.n_test, dataset.n_features) == (5, 3, 4)

    text = sidecar_path(path).read_text()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_optional_arrays_may_be_absent_and_sidecar_is_optional(tmp_path):
    arrays = {name: value for name, value in _arrays().items() if name in REQUIRED_ARRAYS}
    path = tmp_path / "real.npz"
    write_dataset(path, arrays, {})
    sidecar_path(path).unlink()
    dataset = read_dataset(path)
    assert dataset.coef is None and dataset.f_test is None and dataset.groups is None
    assert dataset.metadata == {}


def test_written_file_is_a_plain_npz(tmp_path):
    path = tmp_path / "d.npz"
    write_dataset(path, _arrays(), {})
    with np.load(path) as loaded:
        assert sorted(loaded.files) == sorted(REQUIRED_ARRAYS + OPTIONAL_ARRAYS)
        np.testing.assert_array_equal(loaded["groups"], _arrays()["groups"])


def test_writer_is_byte_deterministic(tmp_path):
    arrays = _arrays()
    # The same values in Fortran order and with the keys in another order must give the same bytes.
    shuffled = {name: arrays[name] for name in reversed(list(arrays))}
    shuffled["X_train"] = np.asfortranarray(arrays["X_train"])
    write_dataset(tmp_path / "a.npz", arrays, {"k": 1, "j": 2})
    write_dataset(tmp_path / "b.npz", shuffled, {"j": 2, "k": 1})
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert [info.filename for info in archive.infolist()] == [
            f"{name}.npy" for name in REQUIRED_ARRAYS + OPTIONAL_ARRAYS
        ]


def test_writer_refuses_invalid_arrays_and_leaves_no_file(tmp_path):
    arrays = _arrays()
    arrays["y_train"] = arrays["y_train"][:-1]
    path = tmp_path / "bad.npz"
    with pytest.raises(DatasetError, match="y_train"):
        write_dataset(path, arrays, {})
    assert list(tmp_path.iterdir()) == []


def test_writer_refuses_metadata_that_is_not_json(tmp_path):
    with pytest.raises(DatasetError, match="metadata"):
        write_dataset(tmp_path / "d.npz", _arrays(), {"bad": object()})
    with pytest.raises(DatasetError, match="metadata"):
        write_dataset(tmp_path / "d.npz", _arrays(), {"nan": float("nan")})


def _drop(name):
    return lambda a: {k: v for k, v in a.items() if k != name}


def _set(name, value_fn):
    return lambda a: {**a, name: value_fn(a)}


def _with_value(name, index, value):
    def change(arrays):
        changed = arrays[name].copy()
        changed[index] = value
        return {**arrays, name: changed}

    return change


MALFORMED = {
    "missing X_train": (_drop("X_train"), ["X_train", "missing"]),
    "missing y_test": (_drop("y_test"), ["y_test", "missing"]),
    "NaN in X_train": (_with_value("X_train", (2, 1), np.nan), ["X_train", "non-finite", "(2, 1)"]),
    "inf in y_test": (_with_value("y_test", 1, np.inf), ["y_test", "non-finite"]),
    "-inf in coef": (_with_value("coef", 0, -np.inf), ["coef", "non-finite"]),
    "NaN in f_test": (_with_value("f_test", 0, np.nan), ["f_test", "non-finite"]),
    "y_train too short": (_set("y_train", lambda a: a["y_train"][:-1]), ["y_train", "X_train"]),
    "y_test too long": (
        _set("y_test", lambda a: np.append(a["y_test"], 0.0)),
        ["y_test", "X_test"],
    ),
    "X_test other p": (_set("X_test", lambda a: a["X_test"][:, :-1]), ["X_test", "columns"]),
    "coef wrong length": (_set("coef", lambda a: a["coef"][:-1]), ["coef", "shape"]),
    "f_test wrong length": (_set("f_test", lambda a: a["f_test"][:-1]), ["f_test", "shape"]),
    "groups wrong length": (_set("groups", lambda a: a["groups"][:-1]), ["groups", "shape"]),
    "y_train 2-D": (_set("y_train", lambda a: a["y_train"][:, None]), ["y_train", "1-D"]),
    "X_train 1-D": (_set("X_train", lambda a: a["X_train"][:, 0]), ["X_train", "2-D"]),
    "coef 2-D": (_set("coef", lambda a: a["coef"][None, :]), ["coef", "1-D"]),
    "integer X_test": (_set("X_test", lambda a: a["X_test"].astype(int)), ["X_test", "dtype"]),
    "float groups": (_set("groups", lambda a: a["groups"].astype(float)), ["groups", "dtype"]),
    "float32 X_train": (
        _set("X_train", lambda a: a["X_train"].astype(np.float32)),
        ["X_train", "float32", "write_dataset", "float64"],
    ),
    "sigma wrong shape": (_set("sigma", lambda a: np.eye(3)), ["sigma", "shape (4, 4)"]),
    "sigma 1-D": (_set("sigma", lambda a: np.ones(4)), ["sigma", "2-D"]),
    "sigma not symmetric": (
        _set("sigma", lambda a: np.eye(4) + np.triu(np.ones((4, 4)), 1)),
        ["sigma", "symmetric"],
    ),
    "sigma negative variance": (_set("sigma", lambda a: -np.eye(4)), ["sigma", "diagonal"]),
    "n_train below min_train": (
        lambda a: {
            **a,
            "X_train": a["X_train"][:1],
            "y_train": a["y_train"][:1],
        },
        ["X_train", "min_train=2"],
    ),
    "unknown array": (_set("weights", lambda a: np.ones(5)), ["weights", "unknown"]),
    "object array": (
        _set("coef", lambda a: np.array([1.0, None, 0.0, 0.0], dtype=object)),
        ["coef", "cannot be read"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_arrays_are_refused(tmp_path, case):
    change, expected_parts = MALFORMED[case]
    path = _save_raw(tmp_path / "bad.npz", change(_arrays()))
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    for part in expected_parts:
        assert part in message


def _write_bytes(data):
    def make(path):
        path.write_bytes(data)

    return make


def _write_npy(path):
    with open(path, "wb") as handle:
        np.save(handle, np.zeros(3))


def _truncated_zip(path):
    np.savez(path, **_arrays())
    path.write_bytes(path.read_bytes()[:200])


BAD_FILES = {
    "missing file": (lambda path: None, "does not exist"),
    "garbage bytes": (_write_bytes(b"this is not a zip archive\x00\x01"), "not a readable .npz"),
    "empty file": (_write_bytes(b""), "not a readable .npz"),
    "truncated zip": (_truncated_zip, "not a readable .npz"),
    "single npy": (_write_npy, "not an .npz"),
    "directory": (lambda path: path.mkdir(), "not a regular file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_unreadable_files_are_refused(tmp_path, case):
    make, expected = BAD_FILES[case]
    path = tmp_path / "bad.npz"
    make(path)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("sidecar", "expected"),
    [("{not json", "cannot be read as JSON"), ("[1, 2]", "JSON object"), ("3", "JSON object")],
)
def test_invalid_sidecar_is_refused(tmp_path, sidecar, expected):
    path = tmp_path / "d.npz"
    write_dataset(path, _arrays(), {})
    sidecar_path(path).write_text(sidecar)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "d.json" in str(info.value) and expected in str(info.value)


@pytest.mark.parametrize(
    ("n_train", "min_train", "ok"), [(3, 3, True), (3, 4, False), (2, 2, True)]
)
def test_min_train(tmp_path, n_train, min_train, ok):
    arrays = _arrays(n=n_train)
    path = _save_raw(tmp_path / "d.npz", arrays)
    if ok:
        assert read_dataset(path, min_train=min_train).n_train == n_train
    else:
        with pytest.raises(DatasetError, match=f"min_train={min_train}"):
            read_dataset(path, min_train=min_train)


def test_int32_groups_are_accepted(tmp_path):
    arrays = {**_arrays(), "groups": _arrays()["groups"].astype(np.int32)}
    path = _save_raw(tmp_path / "d.npz", arrays)
    assert read_dataset(path).groups.dtype == np.int32


def test_the_writer_converts_other_float_precisions_to_float64_and_says_so(tmp_path):
    arrays = _arrays()
    narrow = {**arrays, "X_train": arrays["X_train"].astype(np.float32)}
    narrow["y_train"] = arrays["y_train"].astype(np.float16)
    path = tmp_path / "d.npz"
    with pytest.warns(UserWarning, match=r"float64: X_train \(float32\), y_train \(float16\)"):
        write_dataset(path, narrow, {})
    data = read_dataset(path)
    assert data.X_train.dtype == np.float64 and data.y_train.dtype == np.float64
    # the values are the float32 ones, widened: the precision lost is not regained
    np.testing.assert_array_equal(data.X_train, arrays["X_train"].astype(np.float32))
    record = json.loads(sidecar_path(path).read_text())["contract"]
    assert record["converted"] == {"X_train": "float32", "y_train": "float16"}


# ------------------------------------------------------------------ the sidecar


def test_a_stale_sidecar_is_refused(tmp_path):
    path = tmp_path / "d.npz"
    write_dataset(path, _arrays(), {"source": "old"})
    old_sidecar = sidecar_path(path).read_text()
    write_dataset(path, _arrays(n=6), {"source": "new"})
    sidecar_path(path).write_text(old_sidecar)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "d.json" in str(info.value) and "another archive" in str(info.value)


def test_the_contract_key_is_reserved(tmp_path):
    with pytest.raises(DatasetError, match="'contract' is reserved"):
        write_dataset(tmp_path / "d.npz", _arrays(), {"contract": {}})


GOOD_POPULATION = {
    "population": "empirical_test",
    "intercept": -1.5,
    "signal_variance": 2.0,
    "noise_scale": 0.5,
    "noise_variance": "inf",
    "noise": {"family": "student_t", "df": 2},
}
BAD_POPULATION = {
    "population": "empirical",
    "intercept": "zero",
    "signal_variance": -1.0,
    "noise_scale": 0,
    "noise_variance": -2.0,
    "noise": "student_t",
}


def test_population_keys_are_accepted(tmp_path):
    path = tmp_path / "d.npz"
    write_dataset(path, _arrays(), GOOD_POPULATION)
    assert read_dataset(path).metadata == GOOD_POPULATION


@pytest.mark.parametrize("key", list(BAD_POPULATION))
def test_bad_population_keys_are_refused_by_writer_and_reader(tmp_path, key):
    path = tmp_path / "d.npz"
    with pytest.raises(DatasetError, match=f"sidecar key '{key}' must be"):
        write_dataset(path, _arrays(), {key: BAD_POPULATION[key]})
    write_dataset(path, _arrays(), {})
    sidecar_path(path).write_text(json.dumps({key: BAD_POPULATION[key]}))
    with pytest.raises(DatasetError, match=f"^{path}: sidecar key '{key}' must be"):
        read_dataset(path)


# ------------------------------------------------------------------ the optional validation set


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda a: {k: v for k, v in a.items() if k != "y_val"}, "'y_val' is missing"),
        (lambda a: {k: v for k, v in a.items() if k != "X_val"}, "'X_val' is missing"),
        (lambda a: {**a, "X_val": a["X_val"][:, :2]}, "'X_val' has 2 columns"),
        (lambda a: {**a, "y_val": a["y_val"][:1]}, "'y_val' has 1 entries"),
        (lambda a: {**a, "X_val": a["X_val"][:0], "y_val": a["y_val"][:0]}, "'X_val' has no rows"),
        (lambda a: {**a, "y_val": np.array([0.0, np.inf])}, "'y_val' contains 1 non-finite"),
        (lambda a: {**a, "X_val": a["X_val"].astype(int)}, "'X_val' must have a floating"),
        (lambda a: {**a, "y_val": a["y_val"][:, None]}, "'y_val' must be 1-D"),
    ],
)
def test_validation_arrays_are_checked_like_the_others(tmp_path, change, problem):
    path = _save_raw(tmp_path / "bad.npz", change(_arrays()))
    with pytest.raises(DatasetError, match=problem) as err:
        read_dataset(path)
    assert str(err.value).startswith(str(path))


def test_validation_set_round_trips_and_is_optional(tmp_path):
    arrays = _arrays()
    write_dataset(tmp_path / "with.npz", arrays, {})
    with_val = read_dataset(tmp_path / "with.npz")
    np.testing.assert_array_equal(with_val.X_val, arrays["X_val"])
    assert with_val.n_validation == 2
    without = {k: v for k, v in arrays.items() if k not in ("X_val", "y_val")}
    write_dataset(tmp_path / "without.npz", without, {})
    plain = read_dataset(tmp_path / "without.npz")
    assert plain.X_val is None and plain.y_val is None and plain.n_validation == 0
    # the new arrays are stored after the old ones: a file without them keeps its bytes
    with zipfile.ZipFile(tmp_path / "with.npz") as archive:
        assert archive.namelist()[-3:] == ["X_val.npy", "y_val.npy", "sigma.npy"]
