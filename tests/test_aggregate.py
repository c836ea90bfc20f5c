import math

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.study.store import (
    METRICS_COLUMNS,
    collect,
    order_names,
    read_table,
    sort_results,
    write_table,
)
from normbench.vocab import LOSSES, PENALTIES

IDENTITY = ("dataset", "replicate", "loss", "penalty", "status", "message")


def _metrics_frame(datasets=("alpha", "beta"), replicates=(0, 1, 2), seed=0):
    """A full metrics table with deterministic pseudo-random values."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    measured = [c for c in METRICS_COLUMNS if c not in IDENTITY]

    def values(*_):
        return {
            **{column: rng.random() for column in measured},
            "n_train": 100,
            "p": 50,
            "n_nonzero": int(rng.integers(0, 50)),
        }

    return results_table(values, datasets=datasets, replicates=replicates, columns=METRICS_COLUMNS)


def _write_csv(path, frame):
    frame.to_csv(path, index=False)
    return path


def test_order_names_puts_unknown_names_last_alphabetically():
    names = ["scad", "l2", "elasticnet", "group", "none", "l2"]
    assert order_names(names, ("none", "l1", "l2", "elasticnet")) == [
        "none",
        "l2",
        "elasticnet",
        "group",
        "scad",
    ]


def test_collect_sorts_categorically_and_numerically(tmp_path):
    frame = _metrics_frame(replicates=(2, 10))
    # Split into per-job files in a scrambled order; replicate 10 must sort after 2.
    paths = []
    for index, (key, group) in enumerate(frame.groupby(["dataset", "replicate"])):
        shuffled = group.sample(frac=1.0, random_state=np.random.RandomState(index))
        paths.append(_write_csv(tmp_path / f"{key[0]}_{key[1]}.csv", shuffled))
    result = collect(list(reversed(paths)))
    assert list(result.columns) == list(METRICS_COLUMNS)
    assert len(result) == len(frame)
    first = result[(result.dataset == "alpha") & (result.replicate == 2)]
    assert list(zip(first.loss, first.penalty, strict=True)) == [
        (loss, penalty) for loss in LOSSES for penalty in PENALTIES
    ]
    assert list(result.dataset.unique()) == ["alpha", "beta"]
    assert list(result[result.dataset == "alpha"].replicate.unique()) == [2, 10]


def test_collect_places_unknown_losses_and_penalties_last(tmp_path):
    frame = pd.DataFrame(
        {
            "dataset": ["d"] * 5,
            "replicate": [0] * 5,
            "loss": ["quantile", "huber", "cauchy", "l2", "l2"],
            "penalty": ["l1", "l1", "l1", "scad", "none"],
            "fit_seconds": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    result = collect([_write_csv(tmp_path / "t.csv", frame)])
    assert list(zip(result.loss, result.penalty, strict=True)) == [
        ("l2", "none"),
        ("l2", "scad"),
        ("huber", "l1"),
        ("cauchy", "l1"),
        ("quantile", "l1"),
    ]


@pytest.mark.parametrize(
    ("content", "match"),
    [("", "empty CSV"), ("dataset,replicate,loss,penalty\n", "no rows")],
)
def test_collect_rejects_empty_files(tmp_path, content, match):
    path = tmp_path / "job.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as info:
        collect([path])
    assert str(path) in str(info.value)


def test_collect_rejects_no_paths():
    with pytest.raises(ValueError, match="at least one"):
        collect([])


def test_collect_rejects_mismatched_columns(tmp_path):
    first = _write_csv(tmp_path / "a.csv", pd.DataFrame({"dataset": ["a"], "x": [1]}))
    second = _write_csv(tmp_path / "b.csv", pd.DataFrame({"dataset": ["b"], "y": [1]}))
    with pytest.raises(ValueError, match="differ"):
        collect([first, second])


def test_read_table_keeps_na_like_names(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("dataset,replicate,loss,penalty,message,risk\nNA,0,l2,none,,\n")
    table = read_table(path)
    assert table.loc[0, "dataset"] == "NA"
    assert pd.isna(table.loc[0, "message"])
    assert math.isnan(table.loc[0, "risk"])


def test_write_table_exact_bytes(tmp_path):
    frame = pd.DataFrame(
        {
            "fit_seconds": [1 / 3, 2.0],
            "penalty": ["l1", "none"],
            "loss": ["l2", "l2"],
            "replicate": [0, 0],
            "dataset": ["d", "d"],
            "extra": [np.nan, 1e-12],
        }
    )
    path = tmp_path / "nested" / "t.csv"
    write_table(frame, path)
    # rows sorted (none before l1), canonical columns first, %.10g floats, NaN empty
    assert path.read_bytes() == (
        b"dataset,replicate,loss,penalty,fit_seconds,extra\n"
        b"d,0,l2,none,2,1e-12\n"
        b"d,0,l2,l1,0.3333333333,\n"
    )


def test_write_table_is_deterministic(tmp_path):
    frame = _metrics_frame()
    frame.loc[3, "message"] = 'solver said "no", then stopped'
    frame.loc[5, "risk"] = np.nan
    write_table(frame, tmp_path / "a.csv")
    write_table(frame, tmp_path / "b.csv")
    scrambled = frame.sample(frac=1.0, random_state=np.random.RandomState(7))
    scrambled = scrambled[list(reversed(frame.columns))].reset_index(drop=True)
    write_table(scrambled, tmp_path / "c.csv")
    reference = (tmp_path / "a.csv").read_bytes()
    assert (tmp_path / "b.csv").read_bytes() == reference
    assert (tmp_path / "c.csv").read_bytes() == reference
    assert b"\r" not in reference


def test_write_read_round_trip_is_stable(tmp_path):
    frame = _metrics_frame(datasets=("x",), replicates=(0,))
    frame.loc[0, "status"] = "failed"
    frame.loc[0, "message"] = "ValueError: boom, with a comma"
    write_table(frame, tmp_path / "first.csv")
    write_table(read_table(tmp_path / "first.csv"), tmp_path / "second.csv")
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "second.csv").read_bytes()


def test_sort_results_is_stable_for_missing_keys():
    frame = pd.DataFrame({"value": [3, 1, 2]})
    assert sort_results(frame)["value"].tolist() == [3, 1, 2]
