"""The HTTP service: health, keys and roles, PDU scope (a key never sees another PDU's run),
422 naming the file, row and field with nothing stored, jobs submitted, polled, fetched a page
at a time with explanations, and cancelled."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from tests.builders import (
    ADMIN,
    COORD,
    INTERV,
    READER,
    SPO_B,
    SPO_L,
    SPO_R,
    all_rows,
    make_client,
    upload_files,
    wait_for,
)


def test_health_docs_and_keys(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/openapi.json").status_code == 200 and client.get("/docs").status_code == 200
    assert client.get("/runs/nope").status_code == 401
    assert (
        client.get("/runs/nope", headers={"X-API-Key": "wrong-key-0123456789"}).status_code == 401
    )


def test_run_poll_fetch_explain_and_scope(client, lincoln):
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
        headers={"X-API-Key": SPO_L},
    )
    assert r.status_code == 202, r.text
    run = r.json()["run"]
    s = wait_for(client, run, SPO_L)
    assert s["state"] == "DONE", s
    assert s["counts"]["NEW"] + s["counts"]["UNALLOCATED"] >= 1 and s["gap"] is not None
    page = client.get(
        f"/runs/{run}/results/allocations",
        params={"page": 1, "size": 10},
        headers={"X-API-Key": SPO_L},
    ).json()
    assert page["total"] > 10 and len(page["items"]) == 10
    page2 = client.get(
        f"/runs/{run}/results/allocations",
        params={"page": 2, "size": 10},
        headers={"X-API-Key": SPO_L},
    ).json()
    assert {i["case_id"] for i in page["items"]}.isdisjoint(i["case_id"] for i in page2["items"])
    items = client.get(
        f"/runs/{run}/results/allocations", params={"size": 1000}, headers={"X-API-Key": SPO_L}
    ).json()["items"]
    case = next(i["case_id"] for i in items if i["status"] in ("NEW", "MOVED"))
    e = client.get(f"/runs/{run}/explanations/{case}", headers={"X-API-Key": SPO_L}).json()
    assert e["case_id"] == case and "chosen" in e
    # another PDU's SPO sees nothing of it; the read-only key of the same PDU sees it but cannot run
    assert client.get(f"/runs/{run}", headers={"X-API-Key": SPO_B}).status_code == 404
    assert (
        client.get(f"/runs/{run}/results/allocations", headers={"X-API-Key": SPO_B}).status_code
        == 404
    )
    assert client.get(f"/runs/{run}", headers={"X-API-Key": READER}).status_code == 200
    assert (
        client.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Lincoln PDU"},
            headers={"X-API-Key": READER},
        ).status_code
        == 403
    )
    # an SPO may not run another PDU, nor everything
    assert (
        client.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Boston PDU"},
            headers={"X-API-Key": SPO_L},
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/runs/allocation", files=upload_files(lincoln), headers={"X-API-Key": SPO_L}
        ).status_code
        == 403
    )


def test_bad_input_is_422_naming_record_and_field(client, lincoln, tmp_path):
    cases = pd.read_csv(lincoln / "cases.csv", dtype=str, keep_default_na=False)
    cases.loc[3, "tier"] = "Z9"
    pracs = pd.read_csv(lincoln / "practitioners.csv", dtype=str, keep_default_na=False).to_dict(
        "records"
    )
    before = list((client.app.state.jobs.root).glob("*"))
    r = client.post(
        "/runs/allocation/json",
        json={"practitioners": pracs, "cases": cases.to_dict("records"), "pdu": "Lincoln PDU"},
        headers={"X-API-Key": SPO_L},
    )
    assert r.status_code == 422
    issues = r.json()["detail"]
    assert any(i["file"] == "cases.csv" and i["row"] == 4 and i["field"] == "tier" for i in issues)
    assert list((client.app.state.jobs.root).glob("*")) == before  # no job, nothing stored
    r = client.post("/runs/allocation/json", json={"cases": []}, headers={"X-API-Key": SPO_L})
    assert r.status_code == 422  # the body itself is checked by the same pydantic machinery
    # a night's solver and date are checked before anything is kept or started
    good = {"practitioners": pracs, "cases": cases.assign(tier="B2").to_dict("records")}
    inbox = sorted((client.app.state.work / "inbox").glob("*"))
    for bad, field in (({"solver": "magic"}, "solver"), ({"run_date": "2026-02-30"}, "run_date")):
        r = client.post(
            "/runs/allocation/json",
            json=good | bad | {"pdu": "Lincoln PDU"},
            headers={"X-API-Key": SPO_L},
        )
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, r.text
    assert list((client.app.state.jobs.root).glob("*")) == before
    assert sorted((client.app.state.work / "inbox").glob("*")) == inbox  # no upload kept
    r = client.post(  # another PDU's key: refused, and its upload not kept either
        "/runs/allocation/json", json=good | {"pdu": "Lincoln PDU"}, headers={"X-API-Key": SPO_B}
    )
    assert r.status_code == 403
    assert sorted((client.app.state.work / "inbox").glob("*")) == inbox


def test_discard_ends_a_run_and_stores_nothing(client, lincoln):
    from engine.store.runs import Store
    from engine.store.schema import runs

    store = Store(client.app.state.jobs.db_url)
    before = store.count(runs)
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "run_date": "2026-11-30"},
        headers={"X-API-Key": ADMIN},
    )
    run = r.json()["run"]
    d = client.delete(f"/runs/{run}", params={"discard": True}, headers={"X-API-Key": ADMIN})
    assert d.status_code == 202 and d.json()["state"] == "CANCELLED"
    time.sleep(1)
    s = client.get(f"/runs/{run}", headers={"X-API-Key": ADMIN}).json()
    assert s["state"] == "CANCELLED" and s["engine_run_id"] is None
    assert not (client.app.state.jobs.dir(run) / "outcome.json").exists()
    assert store.count(runs) == before
    assert (
        client.get(f"/runs/{run}/results/allocations", headers={"X-API-Key": ADMIN}).status_code
        == 409
    )
    assert client.delete(f"/runs/{run}", headers={"X-API-Key": READER}).status_code == 403


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_stop_keeps_the_best_solution_found(tmp_path_factory, shared, config):
    """A night with two minutes of search: stopped once a solution is reported, it ends within
    seconds with that best answer checked, stored and served."""
    from engine.store.runs import Store
    from engine.synthetic import SyntheticSpec, generate, write_dataset
    from tests.builders import NIGHT

    slow = config.model_copy(
        update={
            "solver": config.solver.model_copy(
                update={"component_time_limit_seconds": 120.0, "parallel_processes": 1}
            )
        }
    )
    spec = SyntheticSpec(
        scale="pdu",
        region="East Midlands",
        pdu="Lincoln PDU",
        seed=5,
        tight=True,
        run_date=NIGHT,
        n_practitioners=60,
        n_new=240,
    )
    data = write_dataset(
        tmp_path_factory.mktemp("big"), *generate(shared / "data" / "boundaries", spec, slow)
    )
    with make_client(tmp_path_factory, slow) as c:
        run = c.post(
            "/runs/allocation",
            files=upload_files(data),
            data={"pdu": "Lincoln PDU"},
            headers={"X-API-Key": ADMIN},
        ).json()["run"]
        t_end = time.time() + 90
        while time.time() < t_end:  # poll until the search has reported a solution
            s = c.get(f"/runs/{run}", headers={"X-API-Key": ADMIN}).json()
            if s["state"] == "RUNNING" and any(
                p["objective"] is not None for p in s["progress"]["searching"]
            ):
                break
            assert s["state"] in ("QUEUED", "RUNNING"), s  # a busy machine may start it late
            time.sleep(0.3)
        else:
            raise AssertionError("no progress reported")
        assert (
            s["progress"]["parts_total"] is None
            or s["progress"]["parts_done"] < s["progress"]["parts_total"]
        )
        t_stop = time.time()
        d = c.delete(f"/runs/{run}", headers={"X-API-Key": ADMIN})
        assert d.status_code == 202 and d.json()["state"] == "STOPPING"
        s = wait_for(c, run, ADMIN, timeout=60)
        assert s["state"] == "STOPPED" and s["stopped_early"] is True, s
        assert (
            time.time() - t_stop < 30 and s["seconds"] < 100
        )  # far short of the two minutes asked for
        assert (
            s["counts"]["NEW"] + s["counts"]["MOVED"] > 0
        )  # the best answer found, not an empty one
        assert s["objective"] is not None
        page = c.get(
            f"/runs/{run}/results/allocations", params={"size": 10}, headers={"X-API-Key": ADMIN}
        ).json()
        stored, _ = Store(c.app.state.jobs.db_url).load_results(s["engine_run_id"])
        assert len(stored) == page["total"] == sum(s["counts"].values())


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_unpaid_work_and_groups_plans_over_http(client, lincoln):
    h = {"X-API-Key": COORD}
    hg = {"X-API-Key": INTERV}  # the region's Interventions Team plans its groups
    files = {
        stem: (f"{stem}.csv", (lincoln / f"{stem}.csv").read_bytes(), "text/csv")
        for stem in ("upw_people", "upw_placements")
    }
    assert (
        client.post(
            "/runs/upw", files=files, data={"week": "2026-W99", "pdu": "Lincoln PDU"}, headers=h
        ).status_code
        == 422
    )
    bad = dict(files, upw_people=("upw_people.csv", b"person_id,sex\nP1,X\n", "text/csv"))
    r = client.post(
        "/runs/upw", files=bad, data={"week": "2026-W48", "pdu": "Lincoln PDU"}, headers=h
    )
    assert r.status_code == 422 and all(i["file"] for i in r.json()["detail"])
    r = client.post(
        "/runs/upw", files=files, data={"week": "2026-W48", "pdu": "Lincoln PDU"}, headers=h
    )
    assert r.status_code == 202, r.text
    upw = r.json()["run"]
    gfiles = {
        stem: (f"{stem}.csv", (lincoln / f"{stem}.csv").read_bytes(), "text/csv")
        for stem in ("referrals", "programmes", "venues", "facilitators")
    }
    r = client.post(
        "/runs/groups",
        files=gfiles,
        data={"from": "2026-11-23", "pdu": "Lincoln PDU", "solver": "cpsat"},
        headers=h,
    )
    assert r.status_code == 403, r.text  # a coordinator plans Unpaid Work, not groups
    r = client.post(
        "/runs/groups",
        files=gfiles,
        data={
            "from": "2026-11-23",
            "region": "East Midlands",
            "pdu": "Lincoln PDU",
            "solver": "cpsat",
        },
        headers=hg,
    )
    assert r.status_code == 202, r.text
    groups = r.json()["run"]
    s = wait_for(client, upw, COORD)
    assert s["state"] == "DONE" and s["kind"] == "upw", s
    sched = client.get(f"/runs/{upw}/results/schedule", headers=h).json()
    assert sched["total"] > 0 and {"person_id", "placement_id", "date"} <= set(sched["items"][0])
    assert client.get(f"/runs/{upw}/results/allocations", headers=h).status_code == 404
    s = wait_for(client, groups, INTERV)
    assert s["state"] == "DONE" and s["kind"] == "groups", s
    g = client.get(f"/runs/{groups}/results/groups", headers=hg).json()
    assert g["total"] > 0 and {"group_id", "programme", "venue_id"} <= set(g["items"][0])
    # the same plans from JSON records, validated the same way (a 422 names the file, row and field)
    recs = {
        stem: pd.read_csv(lincoln / f"{stem}.csv", dtype=str, keep_default_na=False).to_dict(
            "records"
        )
        for stem in (
            "upw_people",
            "upw_placements",
            "referrals",
            "programmes",
            "venues",
            "facilitators",
        )
    }
    week = {
        "upw_people": recs["upw_people"],
        "upw_placements": recs["upw_placements"],
        "week": "2026-W48",
        "pdu": "Lincoln PDU",
    }
    r = client.post("/runs/upw/json", json=week, headers=h)
    assert r.status_code == 202, r.text
    assert wait_for(client, r.json()["run"], COORD)["state"] == "DONE"  # the same week, reused
    bad = [dict(recs["referrals"][0], referral_date="not a date")] + recs["referrals"][1:]
    body = {
        "referrals": bad,
        "programmes": recs["programmes"],
        "venues": recs["venues"],
        "facilitators": recs["facilitators"],
        "from": "2026-11-23",
        "region": "East Midlands",
        "pdu": "Lincoln PDU",
        "solver": "greedy",
    }
    r = client.post("/runs/groups/json", json=body, headers=hg)
    assert r.status_code == 422 and any(
        i["file"] == "referrals.csv" and i["row"] == 1 and i["field"] == "referral_date"
        for i in r.json()["detail"]
    ), r.text
    running = {  # a running group at a venue nobody has heard of: refused by file, row, field
        "group_id": "R1",
        "programme": recs["programmes"][0]["programme"],
        "venue_id": "NOWHERE",
        "slots": "Mon-AM",
        "start_date": "2026-11-02",
        "facilitator_ids": recs["facilitators"][0]["facilitator_id"],
        "person_ids": "X1",
        "sessions_done": 1,
    }
    r = client.post(
        "/runs/groups/json",
        json=body | {"referrals": recs["referrals"], "groups_running": [running]},
        headers=hg,
    )
    assert r.status_code == 422 and any(
        i["file"] == "groups_running.csv" and i["row"] == 1 and i["field"] == "venue_id"
        for i in r.json()["detail"]
    ), r.text
    # the quarter is held by the cpsat plan above: a greedy plan of it is refused unless forced
    body |= {"referrals": recs["referrals"]}
    s = wait_for(
        client, client.post("/runs/groups/json", json=body, headers=hg).json()["run"], INTERV
    )
    assert s["state"] == "FAILED" and "quarter of Lincoln PDU" in s["error"], s
    r = client.post("/runs/groups/json", json=body | {"force": True}, headers=hg)
    assert r.status_code == 202, r.text
    assert wait_for(client, r.json()["run"], INTERV)["state"] == "DONE"
    # another PDU's key sees neither
    assert client.get(f"/runs/{upw}", headers={"X-API-Key": SPO_B}).status_code == 404
    assert (
        client.get(f"/runs/{groups}/results/members", headers={"X-API-Key": SPO_B}).status_code
        == 404
    )


def test_spo_decisions_recorded_and_overrides_checked(client, lincoln):
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
        headers={"X-API-Key": SPO_L},
    )
    run = r.json()["run"]
    assert wait_for(client, run, SPO_L)["state"] == "DONE"
    items = client.get(
        f"/runs/{run}/results/allocations", params={"size": 1000}, headers={"X-API-Key": SPO_L}
    ).json()["items"]
    placed = [i for i in items if i["status"] in ("NEW", "MOVED")]
    h = {"X-API-Key": SPO_L}
    ok = client.post(
        f"/runs/{run}/decisions",
        json={"case_id": placed[0]["case_id"], "action": "confirm"},
        headers=h,
    )
    assert (
        ok.status_code == 201
        and ok.json()["decided_by"] == "spo-lincoln"
        and not ok.json()["flagged"]
    )
    # a rejection needs a reason
    assert (
        client.post(
            f"/runs/{run}/decisions",
            json={"case_id": placed[1]["case_id"], "action": "reject"},
            headers=h,
        ).status_code
        == 422
    )
    # an override to someone who may not hold the case is refused unless accepted with a reason, then flagged
    pracs = pd.read_csv(lincoln / "practitioners.csv", dtype=str, keep_default_na=False)
    spo = pracs.loc[pracs["grade"] == "SPO", "practitioner_id"].iat[0]  # SPOs hold no cases
    body = {
        "case_id": placed[1]["case_id"],
        "action": "override",
        "practitioner_id": spo,
        "reason": "covering leave",
    }
    refused = client.post(f"/runs/{run}/decisions", json=body, headers=h)
    assert refused.status_code == 422 and refused.json()["detail"]["rule_breaks"]
    forced = client.post(
        f"/runs/{run}/decisions", json=body | {"accept_rule_break": True}, headers=h
    )
    assert (
        forced.status_code == 201
        and forced.json()["flagged"]
        and forced.json()["practitioner_id"] == spo
    )
    # an override within the rules (here to the practitioner proposed, after the confirmation) is not flagged
    body = {
        "case_id": placed[0]["case_id"],
        "action": "override",
        "practitioner_id": placed[0]["practitioner_id"],
        "reason": "same as proposed",
    }
    assert client.post(f"/runs/{run}/decisions", json=body, headers=h).json()["flagged"] is False
    log = client.get(f"/runs/{run}/decisions", headers=h).json()
    assert [d["action"] for d in log] == ["confirm", "override", "override"]
    assert (
        log[1]["proposed_practitioner_id"] == placed[1]["practitioner_id"] and log[1]["rule_breaks"]
    )
    # the rest confirmed at once: every placed case not yet decided, once
    every = [i for i in all_rows(client, run, SPO_L) if i["status"] in ("NEW", "MOVED")]
    rest = client.post(f"/runs/{run}/decisions/confirm-rest", headers=h)
    assert rest.status_code == 201
    assert {d["case_id"] for d in rest.json()} == {i["case_id"] for i in every} - {
        placed[0]["case_id"],
        placed[1]["case_id"],
    }
    assert all(
        d["action"] == "confirm" and d["practitioner_id"] == d["proposed_practitioner_id"]
        for d in rest.json()
    )
    assert client.post(f"/runs/{run}/decisions/confirm-rest", headers=h).json() == []
    assert (
        client.post(
            f"/runs/{run}/decisions/confirm-rest", headers={"X-API-Key": READER}
        ).status_code
        == 403
    )
    # read-only and coordinator keys and other PDUs cannot decide
    assert (
        client.post(
            f"/runs/{run}/decisions",
            json={"case_id": placed[0]["case_id"], "action": "confirm"},
            headers={"X-API-Key": READER},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/runs/{run}/decisions",
            json={"case_id": placed[0]["case_id"], "action": "confirm"},
            headers={"X-API-Key": COORD},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/runs/{run}/decisions",
            json={"case_id": placed[0]["case_id"], "action": "confirm"},
            headers={"X-API-Key": SPO_B},
        ).status_code
        == 404
    )


def test_logs_are_json_lines_with_the_run_id(client, lincoln, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="probation.api"):
        run = client.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
            headers={"X-API-Key": SPO_L},
        ).json()["run"]
        wait_for(client, run, SPO_L)
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "probation.api"]
    mine = [e for e in events if e.get("run") == run]
    assert {"run submitted", "run finished"} <= {e["event"] for e in mine}
    assert next(e for e in mine if e["event"] == "run finished")["state"] == "DONE"


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_concurrent_runs_over_http(client, tmp_path):
    """Different PDUs submitted together both finish; two runs (different solvers) for the same
    PDU and night at once: one commits, the other fails saying which run holds the night."""
    from tests.builders import PDUS, two_pdu_night

    data = two_pdu_night(tmp_path / "two", per_pdu=30)
    h = {"X-API-Key": ADMIN}
    both = [
        client.post(
            "/runs/allocation",
            files=upload_files(data),
            data={"pdu": p, "run_date": "2026-12-01"},
            headers=h,
        ).json()["run"]
        for p in PDUS
    ]
    assert [wait_for(client, r, ADMIN)["state"] for r in both] == ["DONE", "DONE"]
    same = [
        client.post(
            "/runs/allocation",
            files=upload_files(data),
            data={"pdu": PDUS[0], "run_date": "2026-12-02", "solver": s},
            headers=h,
        ).json()["run"]
        for s in ("cpsat", "greedy")
    ]
    ends = [wait_for(client, r, ADMIN) for r in same]
    assert sorted(e["state"] for e in ends) == ["DONE", "FAILED"], ends
    failed = next(e for e in ends if e["state"] == "FAILED")
    assert "RunConflict" in failed["error"] and f"2026-12-02 night of {PDUS[0]}" in failed["error"]


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_spo_sees_only_their_pdu_of_a_region_run(client, tmp_path):
    """The nightly batch runs the whole region; each SPO sees, explains, decides and reviews only
    the cases and staff of their own PDU, and may not stop the region's run."""
    from tests.builders import PDUS, two_pdu_night

    data = two_pdu_night(tmp_path / "two", per_pdu=12)
    run = client.post(
        "/runs/allocation",
        files=upload_files(data),
        data={"region": "East Midlands", "run_date": "2026-12-03"},
        headers={"X-API-Key": ADMIN},
    ).json()["run"]
    assert wait_for(client, run, ADMIN)["state"] == "DONE"
    cases = pd.read_csv(data / "cases.csv", dtype=str)
    pracs = pd.read_csv(data / "practitioners.csv", dtype=str)
    mine, theirs = (set(cases.loc[cases["pdu"] == p, "case_id"]) for p in PDUS)
    h = {"X-API-Key": SPO_R}
    got = client.get(f"/runs/{run}/results/allocations", params={"size": 1000}, headers=h).json()
    assert got["total"] == len(mine) and {i["case_id"] for i in got["items"]} == mine
    staff = client.get(f"/runs/{run}/results/workload", params={"size": 1000}, headers=h).json()[
        "items"
    ]
    assert {i["practitioner_id"] for i in staff} == set(
        pracs.loc[pracs["pdu"] == PDUS[0], "practitioner_id"]
    )
    new_mine = next(i for i in got["items"] if i["status"] == "NEW")
    other = client.get(
        f"/runs/{run}/results/allocations", params={"size": 1000}, headers={"X-API-Key": ADMIN}
    ).json()
    new_theirs = next(i for i in other["items"] if i["case_id"] in theirs and i["status"] == "NEW")
    assert (
        client.get(f"/runs/{run}/explanations/{new_mine['case_id']}", headers=h).status_code == 200
    )
    assert (
        client.get(f"/runs/{run}/explanations/{new_theirs['case_id']}", headers=h).status_code
        == 404
    )
    ok = client.post(
        f"/runs/{run}/decisions",
        json={"case_id": new_mine["case_id"], "action": "confirm"},
        headers=h,
    )
    assert ok.status_code == 201
    assert (
        client.post(
            f"/runs/{run}/decisions",
            json={"case_id": new_theirs["case_id"], "action": "confirm"},
            headers=h,
        ).status_code
        == 404
    )
    client.post(
        f"/runs/{run}/decisions",
        json={"case_id": new_theirs["case_id"], "action": "confirm"},
        headers={"X-API-Key": ADMIN},
    )
    assert [d["case_id"] for d in client.get(f"/runs/{run}/decisions", headers=h).json()] == [
        new_mine["case_id"]
    ]
    assert len(client.get(f"/runs/{run}/decisions", headers={"X-API-Key": ADMIN}).json()) == 2
    assert client.delete(f"/runs/{run}", headers=h).status_code == 403
    # the review page shows this SPO their PDU's proposals only; another PDU's SPO sees no run
    client.post("/review/login", data={"key": SPO_R})
    page = client.get(f"/review/{run}").text
    assert f"case-{new_mine['case_id']}" in page and f"case-{new_theirs['case_id']}" not in page
    client.cookies.clear()
    assert client.get(f"/runs/{run}", headers={"X-API-Key": SPO_B}).status_code == 404


def test_service_shutdown_ends_running_jobs(tmp_path_factory, config, lincoln):
    from engine.store.runs import Store
    from engine.store.schema import runs

    with make_client(tmp_path_factory, config) as c:
        run = c.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Lincoln PDU"},
            headers={"X-API-Key": ADMIN},
        ).json()["run"]
        jobs = c.app.state.jobs
        worker = jobs.procs[run]
    job = jobs.get(run)
    assert job.state == "CANCELLED" and "service stopped" in job.error
    assert not worker.is_alive() and run not in jobs.procs
    assert Store(jobs.db_url).count(runs) == 0


def test_submit_a_local_folder(client, lincoln, tmp_path):
    """`probation serve --submit DATA`: a folder on the service's machine, validated like an
    upload (a bad one is refused naming the file), run by a worker like any other."""
    from api.app import submit_folder
    from engine.core.contract import DataContractError

    job = submit_folder(client.app, lincoln, None, "Lincoln PDU")
    assert wait_for(client, job.job_id, ADMIN)["state"] == "DONE"
    (tmp_path / "practitioners.csv").write_text("practitioner_id\nA\n")
    (tmp_path / "cases.csv").write_text("case_id\nC1\n")
    inbox = set((client.app.state.work / "inbox").iterdir())
    with pytest.raises(DataContractError, match="practitioners.csv"):
        submit_folder(client.app, tmp_path, None, None)
    assert set((client.app.state.work / "inbox").iterdir()) == inbox


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_two_jobs_over_one_stored_night_share_one_decision_log(client, lincoln):
    """The second job reuses the first's stored night: a decision made through either is one
    decision on that night, seen through both, and confirm-rest through the other skips it."""
    h = {"X-API-Key": SPO_L}
    data = {"pdu": "Lincoln PDU", "run_date": "2026-11-24"}  # a night no other test decides on
    runs = []
    for _ in range(2):
        r = client.post("/runs/allocation", files=upload_files(lincoln), data=data, headers=h)
        runs.append(r.json()["run"])
        assert wait_for(client, runs[-1], SPO_L)["state"] == "DONE"
    first, second = (client.get(f"/runs/{r}", headers=h).json() for r in runs)
    assert first["engine_run_id"] == second["engine_run_id"]
    items = all_rows(client, runs[0], SPO_L)
    case = next(i["case_id"] for i in items if i["status"] in ("NEW", "MOVED"))
    body = {"case_id": case, "action": "reject", "reason": "not this one"}
    assert client.post(f"/runs/{runs[0]}/decisions", json=body, headers=h).status_code == 201
    seen = client.get(f"/runs/{runs[1]}/decisions", headers=h).json()
    assert [(d["case_id"], d["action"]) for d in seen] == [(case, "reject")]
    rest = client.post(f"/runs/{runs[1]}/decisions/confirm-rest", headers=h).json()
    assert rest and case not in {d["case_id"] for d in rest}
    assert len(client.get(f"/runs/{runs[0]}/decisions", headers=h).json()) == len(rest) + 1
