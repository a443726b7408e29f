"""A programme quarter re-planned over HTTP around a facilitator off: refused with the field
named when the facilitator is unknown, then run as a job of its own whose results say which
sessions changed and who must be told."""

from __future__ import annotations

import pytest

from tests.builders import COORD, INTERV, READER, groups_upload, wait_for


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_a_facilitator_off_replanned_as_a_job(client, lincoln):
    h = {"X-API-Key": INTERV}
    files = groups_upload(lincoln)
    form = {
        "from": "2026-11-23",
        "region": "East Midlands",
        "pdu": "Lincoln PDU",
        "solver": "greedy",
    }
    form["force"] = "true"
    r = client.post("/runs/groups", files=files, data=form, headers=h)
    assert r.status_code == 202, r.text
    plan = r.json()["run"]
    s = wait_for(client, plan, INTERV)
    assert s["state"] == "DONE" and s["started"] > 0, s
    groups = client.get(f"/runs/{plan}/results/groups", params={"size": 1000}, headers=h).json()
    first = min(groups["items"], key=lambda g: g["start_date"])
    off = f"{first['facilitator_ids'].split(';')[0]}@{first['start_date']}"
    r = client.post(
        f"/runs/{plan}/replan", json={"facilitator_off": ["NOBODY@2026-12-07"]}, headers=h
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "facilitator_off", r.text
    r = client.post(f"/runs/{plan}/replan", json={}, headers=h)
    assert r.status_code == 422, r.text
    r = client.post(
        f"/runs/{plan}/replan", json={"facilitator_off": [off]}, headers={"X-API-Key": READER}
    )
    assert r.status_code == 403
    r = client.post(
        f"/runs/{plan}/replan", json={"facilitator_off": [off]}, headers={"X-API-Key": COORD}
    )
    assert r.status_code == 403  # a coordinator re-plans Unpaid Work, not groups
    r = client.post(f"/runs/{plan}/replan", json={"facilitator_off": [off]}, headers=h)
    assert r.status_code == 202, r.text
    again = wait_for(client, r.json()["run"], INTERV)
    assert again["state"] == "DONE", again
    assert again["replan"]["sessions_disrupted"] >= 1
    changes = client.get(f"/runs/{again['run']}/results/changes", headers=h).json()
    assert any(
        c["item"] == first["group_id"] and c["date"] == first["start_date"]
        for c in changes["items"]
    ), changes
    told = client.get(f"/runs/{again['run']}/results/tell", headers=h).json()
    assert told["total"] >= 1 and {"who", "role", "message"} <= set(told["items"][0])
