"""Bad input fails the import with file, row and column named, and nothing is written."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.allocation.contract import load_dataset
from engine.allocation.pipeline import RunOptions, run_night
from engine.core.contract import DataContractError
from engine.store.runs import Store
from engine.store.schema import input_snapshots, runs
from tests.builders import RUN_DATE, case, practitioner, write_night


def _load(tmp_path, pracs, cases, config):
    return load_dataset(write_night(tmp_path / "in", pracs, cases), config)


def _issue(exc: DataContractError, file: str, row: int | None, column: str | None) -> str:
    for i in exc.issues:
        if i.file == file and i.row == row and i.column == column:
            return str(i)
    raise AssertionError(
        f"no issue at {file} row {row} column {column}: {[str(i) for i in exc.issues]}"
    )


def test_valid_input_loads(tmp_path, config):
    ds = _load(
        tmp_path, [practitioner("A")], [case("C1"), case("C2", current_practitioner_id="A")], config
    )
    assert len(ds.cases) == 2
    assert ds.practitioners.loc[0, "available_points"] == 2176
    assert ds.cases["points"].tolist() == [63, 63]


@pytest.mark.parametrize(
    "file,bad,row,column,text",
    [
        ("practitioners.csv", {"grade": "CHIEF"}, 2, "grade", "CHIEF"),
        ("practitioners.csv", {"contracted_hours": "thirty"}, 2, "contracted_hours", "thirty"),
        ("practitioners.csv", {"office_lat": 40.1}, 2, "office_lat", "40.1"),
        ("practitioners.csv", {"office_lon": 7.5}, 2, "office_lon", "7.5"),
        ("practitioners.csv", {"reduction_hours": 50}, 2, None, "exceeds"),
        ("practitioners.csv", {"skills": "juggling"}, 2, "skills", "juggling"),
        ("cases.csv", {"tier": "Z9"}, 2, "tier", "Z9"),
        ("cases.csv", {"rosh": "EXTREME"}, 2, "rosh", "EXTREME"),
        ("cases.csv", {"mappa_level": 5}, 2, "mappa_level", "5"),
        ("cases.csv", {"sentence_date": "yesterday"}, 2, "sentence_date", "yesterday"),
        ("cases.csv", {"home_lat": 48.0}, 2, "home_lat", "48.0"),
        ("cases.csv", {"current_practitioner_id": "GHOST"}, 2, "current_practitioner_id", "GHOST"),
        (
            "cases.csv",
            {"conflict_practitioner_ids": "A;GHOST"},
            2,
            "conflict_practitioner_ids",
            "GHOST",
        ),
    ],
)
def test_bad_field_names_file_row_column(tmp_path, config, file, bad, row, column, text):
    pracs = [practitioner("A"), practitioner("B")]
    cases = [case("C1"), case("C2")]
    (pracs if file.startswith("pract") else cases)[row - 1].update(bad)
    with pytest.raises(DataContractError) as ei:
        _load(tmp_path, pracs, cases, config)
    msg = _issue(ei.value, file, row, column)
    assert text in msg and f"row {row}" in msg


def test_duplicate_ids(tmp_path, config):
    with pytest.raises(DataContractError) as ei:
        _load(
            tmp_path,
            [practitioner("A"), practitioner("A")],
            [case("C1"), case("C2"), case("C1")],
            config,
        )
    assert "first seen at row 1" in _issue(ei.value, "practitioners.csv", 2, "practitioner_id")
    assert "duplicate" in _issue(ei.value, "cases.csv", 3, "case_id")


def test_missing_column_and_file(tmp_path, config):
    folder = write_night(tmp_path / "in", [practitioner("A")], [case("C1")])
    df = pd.read_csv(folder / "cases.csv").drop(columns=["tier"])
    df.to_csv(folder / "cases.csv", index=False)
    with pytest.raises(DataContractError) as ei:
        load_dataset(folder, config)
    assert "required column is missing" in _issue(ei.value, "cases.csv", None, "tier")
    (folder / "cases.csv").unlink()
    with pytest.raises(DataContractError, match="file not found"):
        load_dataset(folder, config)


def test_every_problem_is_listed(tmp_path, config):
    cases = [case("C1", tier="Z9"), case("C2", rosh="NONE"), case("C3", home_lon=30)]
    with pytest.raises(DataContractError) as ei:
        _load(tmp_path, [practitioner("A")], cases, config)
    assert {(i.row, i.column) for i in ei.value.issues} == {
        (1, "tier"),
        (2, "rosh"),
        (3, "home_lon"),
    }


def test_parquet_input(tmp_path, config):
    folder = tmp_path / "pq"
    folder.mkdir()
    pd.DataFrame([practitioner("A")]).to_parquet(folder / "practitioners.parquet")
    pd.DataFrame([case("C1"), case("C2", current_practitioner_id="A")]).to_parquet(
        folder / "cases.parquet"
    )
    ds = load_dataset(folder, config)
    cur = ds.cases["current_practitioner_id"]
    assert cur.isna().tolist() == [True, False] and cur.iloc[1] == "A"


def test_bad_input_writes_nothing(tmp_path, config):
    """A good night is stored; a later bad file fails and leaves store and files untouched."""
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    good = write_night(tmp_path / "good", [practitioner("A")], [case("C1")])
    out = tmp_path / "out"
    run_night(
        RunOptions(
            data=good,
            out=out,
            config=config,
            db_url=db,
            period=RUN_DATE.isoformat(),
            progress=False,
        )
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_night(tmp_path / "bad", [practitioner("A")], [case("C1", tier="Z9")])
    with pytest.raises(DataContractError):
        run_night(
            RunOptions(
                data=bad,
                out=out,
                config=config,
                db_url=db,
                period=RUN_DATE.isoformat(),
                progress=False,
            )
        )
    store = Store(db)
    assert store.count(runs) == 1 and store.count(input_snapshots) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
