"""GET /recommendations against a finished night, and the re-proposal that comes with a
rejection (the rejected practitioner left out)."""

from __future__ import annotations

import pytest

from tests.builders import SPO_B, SPO_L, all_rows, upload_files, wait_for


@pytest.mark.slow  # a long run: make test, not the everyday loop
def test_a_case_ranked_then_rejected_and_reproposed(client, lincoln):
    h = {"X-API-Key": SPO_L}
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "run_date": "2026-11-23", "solver": "greedy"},
        headers=h,
    )
    run = r.json()["run"]
    assert wait_for(client, run, SPO_L)["state"] == "DONE"
    placed = [x for x in all_rows(client, run, SPO_L) if x["status"] == "NEW"][0]
    cid, proposed = placed["case_id"], placed["practitioner_id"]

    got = client.get("/recommendations", params={"case_id": cid, "top": 3}, headers=h)
    assert got.status_code == 200, got.text
    rec = got.json()
    assert rec["run"] == run and rec["proposed"] == proposed and 1 <= len(rec["ranked"]) <= 3
    scores = [c["score"] for c in rec["ranked"]]
    assert scores == sorted(scores) and set(rec["ranked"][0]["terms"]) >= {"travel", "spread"}
    assert all(v == 0 for v in rec["ranked"][0]["difference"].values())

    rejected = client.post(
        f"/runs/{run}/decisions",
        json={"case_id": cid, "action": "reject", "reason": "knows the family"},
        headers=h,
    )
    assert rejected.status_code == 201, rejected.text
    again = rejected.json()["reproposal"]
    assert again is not None and again["practitioner_id"] != proposed
    after = client.get("/recommendations", params={"case_id": cid, "run": run}, headers=h).json()
    assert proposed not in {c["practitioner_id"] for c in after["ranked"]}
    assert after["excluded"]["rejected"]["practitioners"] == [proposed]

    # another PDU's key sees no night holding the case; an unknown case is 404 too
    other = client.get("/recommendations", params={"case_id": cid}, headers={"X-API-Key": SPO_B})
    assert other.status_code == 404
    assert client.get("/recommendations", params={"case_id": "NOPE"}, headers=h).status_code == 404


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_the_review_page_names_the_next_best_after_a_rejection(tmp_path_factory, config, lincoln):
    from tests.builders import make_client, review_session

    client = make_client(tmp_path_factory, config)
    h = {"X-API-Key": SPO_L}
    run = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "solver": "greedy"},
        headers=h,
    ).json()["run"]
    assert wait_for(client, run, SPO_L)["state"] == "DONE"
    new = [x["case_id"] for x in all_rows(client, run, SPO_L) if x["status"] == "NEW"]
    ranked = {
        c: client.get("/recommendations", params={"case_id": c, "run": run}, headers=h).json()
        for c in new
    }
    cid = next(c for c, rec in ranked.items() if len(rec["ranked"]) >= 2)
    proposed = ranked[cid]["proposed"]
    second = next(
        c["practitioner_id"] for c in ranked[cid]["ranked"] if c["practitioner_id"] != proposed
    )
    _, token = review_session(client, run, SPO_L)
    r = client.post(
        f"/review/{run}/decide",
        data={"case_id": cid, "action": "reject", "reason": "x", "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert f"Next best for it: {second} (" in page
