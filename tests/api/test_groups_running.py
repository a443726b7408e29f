"""A quarter's groups under way carried over HTTP (`GET /runs/{run}/groups-running?on=`), as
`probation groups running` does: the rows the next plan pins, as JSON or as the CSV file to
upload with it; a day not after the quarter's first Monday refused naming `on`."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from engine.groups.contract import RUNNING_COLUMNS, RUNNING_OPTIONAL
from tests.builders import INTERV, groups_upload, wait_for


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_the_groups_under_way_are_carried_over_http(client, lincoln):
    h = {"X-API-Key": INTERV}
    files = groups_upload(lincoln)
    form = {"from": "2026-11-23", "region": "East Midlands", "pdu": "Lincoln PDU"}
    r = client.post("/runs/groups", files=files, data={**form, "solver": "greedy"}, headers=h)
    assert r.status_code == 202, r.text
    plan = r.json()["run"]
    assert wait_for(client, plan, INTERV)["state"] == "DONE"
    groups = client.get(f"/runs/{plan}/results/groups", params={"size": 1000}, headers=h).json()
    ones = client.get(f"/runs/{plan}/results/one_to_one", params={"size": 1000}, headers=h)
    begun = {g["group_id"] for g in groups["items"] if g["start_date"] < "2027-01-11"}
    begun |= {
        f"one-to-one/{o['person_id']}"
        for o in ones.json()["items"]
        if o["start_date"] < "2027-01-11"
    }
    r = client.get(f"/runs/{plan}/groups-running", params={"on": "2027-01-06"}, headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["items"] and {g["group_id"] for g in got["items"]} <= begun
    assert all(g["sessions_done"] >= 1 for g in got["items"])
    r = client.get(
        f"/runs/{plan}/groups-running", params={"on": "2027-01-06", "format": "csv"}, headers=h
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = pd.read_csv(io.StringIO(r.text))
    assert list(rows.columns) == RUNNING_COLUMNS + RUNNING_OPTIONAL
    assert rows["group_id"].tolist() == [g["group_id"] for g in got["items"]]
    r = client.get(f"/runs/{plan}/groups-running", params={"on": "2026-11-20"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "on", r.text
