"""Unpaid Work data contract and synthetic data (first step of the Unpaid Work issue)."""

from __future__ import annotations

from datetime import date

import pytest

from engine.core.contract import DataContractError
from engine.synthetic import SyntheticSpec, generate, write_dataset
from engine.unpaid_work.contract import load_upw
from tests.builders import person, placement, write_upw


def test_valid_input(tmp_path, config):
    ds = load_upw(
        write_upw(tmp_path, [person("A"), person("B", exclude_person_ids="A")], [placement("P1")]),
        config,
    )
    assert ds.people.loc[0, "available_days"] == ("Mon", "Wed")
    assert ds.placements.loc[0, "days"] == ("Mon", "Tue")


@pytest.mark.parametrize(
    "which,bad,column,text",
    [
        ("people", {"available_days": "Mon;Funday"}, "available_days", "not a day"),
        ("people", {"hours_ordered": 500}, "hours_ordered", "40-300"),
        ("people", {"hours_completed": 120}, None, "exceeds hours_ordered"),
        ("people", {"ete_hours_completed": 30}, None, "exceeds hours_completed"),
        ("people", {"max_hours_per_week": 35}, "max_hours_per_week", "28-hour weekly maximum"),
        ("people", {"exclude_person_ids": "GHOST"}, "exclude_person_ids", "GHOST"),
        ("people", {"last_placement_id": "NOWHERE"}, "last_placement_id", "NOWHERE"),
        ("people", {"travel_mode": "horse"}, "travel_mode", "horse"),
        ("people", {"carer_max_travel_minutes": -5}, "carer_max_travel_minutes", "positive"),
        ("places", {"kind": "BUS"}, "kind", "BUS"),
        ("places", {"kind": "INDIVIDUAL"}, None, "only GROUP placements have a crew-bus pickup"),
        ("places", {"pickup_lon": ""}, None, "given together"),
        ("places", {"capacity": 0}, "capacity", "0"),
    ],
)
def test_bad_field_names_file_row_column(tmp_path, config, which, bad, column, text):
    people, places = [person("A"), person("B")], [placement("P1"), placement("P2")]
    (people if which == "people" else places)[1].update(bad)
    with pytest.raises(DataContractError) as ei:
        load_upw(write_upw(tmp_path, people, places), config)
    file = "upw_people.csv" if which == "people" else "upw_placements.csv"
    hits = [str(i) for i in ei.value.issues if i.file == file and i.row == 2 and i.column == column]
    assert hits and text in hits[0], [str(i) for i in ei.value.issues]


def test_duplicates_and_missing_file(tmp_path, config):
    with pytest.raises(DataContractError, match="duplicate id"):
        load_upw(write_upw(tmp_path, [person("A"), person("A")], [placement("P1")]), config)
    (tmp_path / "upw_placements.csv").unlink()
    with pytest.raises(DataContractError, match="upw_placements.csv: file not found"):
        load_upw(tmp_path, config)


def test_generated_week_is_realistic(shared, tmp_path, config):
    spec = SyntheticSpec(
        scale="region", region="East Midlands", seed=42, run_date=date(2026, 11, 23)
    )
    folder = write_dataset(tmp_path, *generate(shared / "data" / "boundaries", spec, config))
    ds = load_upw(folder, config)  # passes the contract
    people, places = ds.people, ds.placements
    assert len(people) == 3000 and len(places) == 150
    sessions = sum(len(d) for d in places["days"])
    assert 450 <= sessions <= 750  # "about 600 sessions"
    assert 0.12 <= (people["sex"] == "F").mean() <= 0.20
    emp = people[people["employed"]]
    assert all(set(d) <= {"Sat", "Sun"} for d in emp["available_days"])
    assert (people["max_hours_per_week"] <= config.upw.max_hours_per_week).all()
    assert (
        people["ete_hours_completed"] <= config.upw.ete_max_share * people["hours_ordered"]
    ).all()
    assert set(places["kind"]) == {"GROUP", "INDIVIDUAL", "WORKSHOP", "ETE"}
    assert places["pickup_lat"].notna().sum() > 0
    ex = people[people["exclude_person_ids"].map(len) > 0]
    assert len(ex) > 0 and len(ex) % 2 == 0  # co-defendants exclude each other


def test_tight_week_has_less_room(shared, config):
    def room(tight: bool) -> int:
        spec = SyntheticSpec(
            scale="pdu", region="London", seed=2, tight=tight, run_date=date(2026, 11, 23)
        )
        places = generate(shared / "data" / "boundaries", spec, config)[2]["_tables"][
            "upw_placements"
        ]
        return int((places["capacity"] * places["days"].str.count(";").add(1)).sum())

    assert room(True) < 0.8 * room(False)
