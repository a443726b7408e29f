"""A quarter's groups under way carried over HTTP (`GET /runs/{run}/groups-running?on=`), as
`probation groups running` does: the rows the next plan pins, as JSON or as the CSV file to
upload with it; a day not after the quarter's first Monday refused naming `on`. And the next
plan started naming the finished quarter (`running_from`) in place of that upload."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from engine.groups.contract import RUNNING_COLUMNS, RUNNING_OPTIONAL
from tests.builders import INTERV, all_rows, groups_upload, wait_for


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

    # the next plan in one call: the quarter's groups under way on its first day pinned
    nxt = {**form, "from": "2027-01-06", "solver": "greedy", "running_from": plan}
    r = client.post("/runs/groups", files=files, data=nxt, headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["carried"] == {
        "from": plan,
        "groups": len(got["items"]),
        "changed_later": got["changed_later"],
    }
    s = wait_for(client, r.json()["run"], INTERV)
    assert s["state"] == "DONE", s
    ones = sum(bool(g.get("one_to_one")) for g in got["items"])
    assert (s["running_groups"], s["running_one_to_one"]) == (len(got["items"]) - ones, ones)
    assert s["running_members"] == sum(
        len(g["person_ids"].split(";")) for g in got["items"] if not g.get("one_to_one")
    )
    new = all_rows(client, r.json()["run"], INTERV, "groups")
    pinned = {g["group_id"] for g in new if g["status"] == "RUNNING"}
    assert {g["group_id"] for g in got["items"]} == pinned  # one-to-ones among them
    members = all_rows(client, r.json()["run"], INTERV, "members")
    unplaced = all_rows(client, r.json()["run"], INTERV, "unplaced")
    by_reason: dict[str, int] = {}
    for u in unplaced:
        by_reason[u["reason_code"]] = by_reason.get(u["reason_code"], 0) + 1
    assert s["unplaced_by_reason"] == by_reason and by_reason  # the status counts the codes
    carried = {p for g in got["items"] for p in g["person_ids"].split(";")}
    assert carried and not carried & {m["person_id"] for m in members}  # not planned again

    # the same over JSON records
    body = {
        stem: pd.read_csv(lincoln / f"{stem}.csv", dtype=str, keep_default_na=False).to_dict(
            "records"
        )
        for stem in ("referrals", "programmes", "venues", "facilitators")
    }
    r = client.post("/runs/groups/json", json=body | nxt | {"force": True}, headers=h)
    assert r.status_code == 202 and r.json()["carried"]["groups"] == len(got["items"]), r.text
    s = wait_for(client, r.json()["run"], INTERV)
    assert s["state"] == "DONE" and s["running_groups"] == len(got["items"]) - ones, s


@pytest.mark.slow
def test_a_next_plan_names_one_finished_quarter_it_may_see(client, lincoln):
    """running_from with groups_running.csv as well, an unknown run, or a run not finished: refused
    before anything is kept, naming the field."""
    h = {"X-API-Key": INTERV}
    files = groups_upload(lincoln)
    form = {"from": "2027-01-04", "region": "East Midlands", "pdu": "Lincoln PDU"}
    both = files | {"groups_running": ("groups_running.csv", b"group_id\n", "text/csv")}
    r = client.post("/runs/groups", files=both, data={**form, "running_from": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "running_from", r.text
    r = client.post("/runs/groups", files=files, data={**form, "running_from": "nope"}, headers=h)
    assert r.status_code == 404, r.text
