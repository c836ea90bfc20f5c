"""Per-job result files are checked before aggregation and written atomically (issue 15, 1)."""

import os
import stat

import numpy as np
import pandas as pd
import pytest
from metrics_tables import results_table

from normbench.study import store
from normbench.study.job_tables import (
    METRICS,
    ORACLE,
    TIMINGS,
    JobIdentity,
    ResultsError,
    collect_checked,
    read_checked,
)
from normbench.study.oracle import ORACLE_COLUMNS, ORACLE_LOSSES
from normbench.study.store import METRICS_COLUMNS, TIMINGS_COLUMNS, collect, write_table
from normbench.vocab import pair_key

IDENTITY = ("dataset", "replicate", "loss", "penalty", "status", "message")
MODELS = tuple((loss, penalty) for loss in ("l2", "huber") for penalty in ("none", "l1"))


def _fit_rows(dataset="toy", replicate=1, seed=0):
    rng = np.random.default_rng(seed)
    measured = [column for column in METRICS_COLUMNS if column not in IDENTITY]

    def values(*_):
        return {
            **{column: float(rng.random()) for column in measured},
            "n_train": 20,
            "p": 5,
            "n_nonzero": 3,
        }

    return results_table(
        values, datasets=(dataset,), replicates=(replicate,), pairs=MODELS, columns=METRICS_COLUMNS
    )


def _job(dataset="toy", replicate=1):
    return JobIdentity(dataset, (replicate,), MODELS)


def _write_fits(tmp_path, frame=None, name="rep1.csv"):
    path = tmp_path / name
    write_table(_fit_rows() if frame is None else frame, path)
    return path


def _problem(path, contract=METRICS, job=None):
    with pytest.raises(ResultsError) as info:
        read_checked(path, contract, _job() if job is None else job)
    message = str(info.value)
    assert str(path) in message
    return message


def test_a_batch_file_holds_every_model_of_each_of_its_replicates(tmp_path):
    batch = pd.concat([_fit_rows(replicate=k) for k in (3, 4)], ignore_index=True)
    job = JobIdentity("toy", (3, 4), MODELS)
    assert len(read_checked(_write_fits(tmp_path, batch), METRICS, job)) == 2 * len(MODELS)
    message = _problem(_write_fits(tmp_path, batch.iloc[1:]), job=job)
    assert f"no row for the model(s) replicate 3 {pair_key(*MODELS[0])}" in message
    message = _problem(_write_fits(tmp_path, _fit_rows(replicate=5)), job=job)
    assert "column replicate must be one of 3, 4" in message


def test_a_sound_file_is_read_as_the_unchecked_collect_reads_it(tmp_path):
    paths = [_write_fits(tmp_path, _fit_rows(replicate=k), f"rep{k}.csv") for k in (1, 2)]
    checked = collect_checked(paths, METRICS, [_job(replicate=1), _job(replicate=2)])
    pd.testing.assert_frame_equal(checked, collect(paths))
    write_table(checked, tmp_path / "a.csv")
    write_table(collect(paths), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.8, 0.97])
def test_a_file_cut_short_is_refused(tmp_path, keep):
    path = _write_fits(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    message = _problem(path)
    assert any(phrase in message for phrase in ("rows", "is empty", "no row", "ends inside a line"))


def test_a_word_in_a_numeric_column_is_refused(tmp_path):
    frame = _fit_rows().astype({"lam": object})
    frame.loc[1, "lam"] = "banana"
    message = _problem(_write_fits(tmp_path, frame))
    assert "column lam" in message and "'banana'" in message and "line 3" in message


def test_random_bytes_name_the_file(tmp_path):
    path = tmp_path / "rep1.csv"
    path.write_bytes(bytes(np.random.default_rng(3).integers(128, 256, 400, dtype=np.uint8)))
    assert "not a UTF-8 text file" in _problem(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "great"}, "status 'great' on line 2 is not allowed"),
        ({"status": np.nan}, "an empty status"),
        ({"test_mse": np.inf}, "column test_mse is not finite on line 2 (status ok)"),
        ({"risk": -np.inf}, "column risk is not finite"),
        ({"test_mae": np.nan}, "column test_mae is empty on line 2 (status ok)"),
        ({"dataset": "other"}, "column dataset must be toy"),
        ({"replicate": 2}, "column replicate must be 1"),
        ({"replicate": 1.5}, "replicate is not a whole number"),
        ({"penalty": "l2"}, "no row for the model(s) l2+none"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_rows_that_break_the_contract_are_refused(tmp_path, change, expected):
    frame = _fit_rows().astype(object)
    for column, value in change.items():
        frame.loc[0, column] = value
    assert expected in _problem(_write_fits(tmp_path, frame))


def test_failed_rows_may_have_empty_metrics(tmp_path):
    frame = _fit_rows()
    frame.loc[0, ["test_mse", "test_mae", "cv_score", "intercept", "lam"]] = np.nan
    frame.loc[0, ["status", "message"]] = ["failed", "ValueError: no"]
    assert len(read_checked(_write_fits(tmp_path, frame), METRICS, _job())) == len(MODELS)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (lambda frame: frame.iloc[:-1], "3 rows, but the job writes one per model (4)"),
        (lambda frame: pd.concat([frame, frame.iloc[:1]]), "more than one row for the model"),
        (lambda frame: frame.drop(columns="cv_score"), "missing column(s) cv_score"),
    ],
    ids=["missing_row", "repeated_row", "missing_column"],
)
def test_the_rows_must_be_the_models_of_the_job(tmp_path, rows, expected):
    path = tmp_path / "rep1.csv"
    rows(_fit_rows()).to_csv(path, index=False)
    assert expected in _problem(path)


def test_a_header_without_rows_names_the_file(tmp_path):
    path = tmp_path / "rep1.csv"
    path.write_text(",".join(METRICS_COLUMNS) + "\n")
    assert "no rows" in _problem(path)


def test_every_damaged_file_is_named_in_one_error(tmp_path):
    good = _write_fits(tmp_path, name="good.csv")
    first = _write_fits(tmp_path, name="first.csv")
    second = _write_fits(tmp_path, name="second.csv")
    first.write_bytes(b"")
    second.write_bytes(second.read_bytes()[:200])
    with pytest.raises(ResultsError) as info:
        collect_checked([good, first, second], METRICS, [_job()] * 3)
    message = str(info.value)
    assert message.startswith("2 metrics table(s) break the results contract")
    assert str(first) in message and str(second) in message and str(good) not in message


def test_timings_and_oracle_tables_have_their_own_contracts(tmp_path):
    timings = pd.DataFrame(
        [("toy", 1, loss, penalty, 0.5, 0.0) for loss, penalty in MODELS], columns=TIMINGS_COLUMNS
    )
    write_table(timings, tmp_path / "t.csv")
    assert len(read_checked(tmp_path / "t.csv", TIMINGS, _job())) == len(MODELS)
    timings.loc[2, "fit_seconds"] = np.nan
    write_table(timings, tmp_path / "t.csv")
    assert "column fit_seconds is empty on line 4" in _problem(tmp_path / "t.csv", TIMINGS)

    oracle = dict.fromkeys(ORACLE_COLUMNS, 1.0)
    oracle.update(dataset="toy", replicate=1, status="not_applicable", message="no coef")
    rows = [{**oracle, "loss": loss} for loss in ORACLE_LOSSES]
    write_table(pd.DataFrame(rows), tmp_path / "o.csv")
    assert len(read_checked(tmp_path / "o.csv", ORACLE, _job())) == len(ORACLE_LOSSES)
    write_table(pd.DataFrame(rows + rows[:1]), tmp_path / "o.csv")
    message = _problem(tmp_path / "o.csv", ORACLE)
    assert "4 rows, but the job writes one per loss (3)" in message
    assert "more than one row for the loss(s) l2" in message
    write_table(pd.DataFrame([{**rows[0], "status": "failed"}, *rows[1:]]), tmp_path / "o.csv")
    assert "ok, not_converged, not_applicable" in _problem(tmp_path / "o.csv", ORACLE)


# ------------------------------------------------------------------------ atomic writing


def test_write_table_leaves_no_temporary_file_and_usual_permissions(tmp_path):
    path = _write_fits(tmp_path)
    assert [each.name for each in tmp_path.iterdir()] == ["rep1.csv"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_an_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = _write_fits(tmp_path)
    before = path.read_bytes()

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_table(_fit_rows(seed=9), path)
    assert path.read_bytes() == before
    assert [each.name for each in tmp_path.iterdir()] == ["rep1.csv"]
