"""The Unpaid Work week over HTTP with last week's outcomes and its supervisors uploaded beside
it, and the stand-down re-plan as a job of its own."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.builders import COORD, READER, wait_for


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_outcomes_then_a_stand_down_replanned_as_a_job(client, lincoln):
    h = {"X-API-Key": COORD}
    people = pd.read_csv(lincoln / "upw_people.csv", dtype=str, keep_default_na=False)
    places = pd.read_csv(lincoln / "upw_placements.csv", dtype=str, keep_default_na=False)
    mine = people[people["pdu"] == "Lincoln PDU"]["person_id"].tolist()
    place = places[places["pdu"] == "Lincoln PDU"]["placement_id"].iat[0]
    outcomes = pd.DataFrame(
        [
            {"person_id": mine[0], "date": "2026-11-19", "placement_id": place,
             "outcome": "ABSENT_UNACCEPTABLE", "hours_worked": 0},
            {"person_id": mine[1], "date": "2026-11-18", "placement_id": place,
             "outcome": "ATTENDED", "hours_worked": 6},
        ]
    )  # fmt: skip
    files = {
        stem: (f"{stem}.csv", (lincoln / f"{stem}.csv").read_bytes(), "text/csv")
        for stem in ("upw_people", "upw_placements", "upw_supervisors", "upw_inductions")
    }
    files["upw_attendance"] = ("upw_attendance.csv", outcomes.to_csv(index=False), "text/csv")
    form = {"week": "2026-W48", "pdu": "Lincoln PDU", "solver": "greedy"}
    late = dict(files, upw_attendance=("upw_attendance.csv",
                outcomes.assign(date="2026-11-25").to_csv(index=False), "text/csv"))  # fmt: skip
    r = client.post("/runs/upw", files=late, data=form, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "date", r.text
    r = client.post("/runs/upw", files=files, data=form, headers=h)
    assert r.status_code == 202, r.text
    week = r.json()["run"]
    s = wait_for(client, week, COORD)
    assert s["state"] == "DONE", s
    assert s["outcomes"]["unacceptable_absences"] == 1
    assert s["tell_practitioner"][0]["person_id"] == mine[0]
    told = client.get(f"/runs/{week}/results/tell_practitioner", headers=h).json()
    assert [i["person_id"] for i in told["items"]] == [mine[0]]
    assert s["supervisors"]["given"] and s["supervisors"]["sessions_rostered"] > 0
    roster = client.get(f"/runs/{week}/results/roster", params={"size": 1000}, headers=h).json()
    assert roster["total"] == s["supervisors"]["sessions_rostered"]
    assert {i["supervisor_id"][:8] for i in roster["items"]} == {"SUP-LINC"}
    assert s["inductions"]["given"]
    inducted = client.get(f"/runs/{week}/results/inductions", headers=h).json()
    assert inducted["total"] == s["inductions"]["needed"]

    sched = client.get(f"/runs/{week}/results/schedule", params={"size": 1000}, headers=h).json()
    first = sched["items"][0]
    session = f"{first['placement_id']}@{first['date']}"
    assert client.post(f"/runs/{week}/replan", json={"cancel": ["X@2026-12-25"]},
                       headers=h).status_code == 422  # fmt: skip
    assert client.post(f"/runs/{week}/replan", json={"cancel": [session]},
                       headers={"X-API-Key": READER}).status_code == 403  # fmt: skip
    r = client.post(f"/runs/{week}/replan", json={"cancel": [session]}, headers=h)
    assert r.status_code == 202, r.text
    again = wait_for(client, r.json()["run"], COORD)
    assert again["state"] == "DONE", again
    told = {t["person_id"] for t in again["tell"]}
    assert first["person_id"] in told


@pytest.mark.slow  # a long run: make test, not the everyday loop
def test_a_week_without_supervisors_has_no_roster_table(client, lincoln):
    h = {"X-API-Key": COORD}
    files = {
        stem: (f"{stem}.csv", (lincoln / f"{stem}.csv").read_bytes(), "text/csv")
        for stem in ("upw_people", "upw_placements")
    }
    form = {"week": "2026-W49", "pdu": "Lincoln PDU", "solver": "greedy"}
    r = client.post("/runs/upw", files=files, data=form, headers=h)
    assert r.status_code == 202, r.text
    s = wait_for(client, r.json()["run"], COORD)
    assert s["state"] == "DONE" and s["supervisors"]["given"] is False, s
    r = client.get(f"/runs/{s['run']}/results/roster", headers=h)
    assert r.status_code == 404 and "no roster table" in r.json()["detail"]
