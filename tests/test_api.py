"""The HTTP service: health, keys and roles, PDU scope (a key never sees another PDU's run),
422 naming the file, row and field with nothing stored, jobs submitted, polled, fetched a page
at a time with explanations, and cancelled."""
from __future__ import annotations

import time

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app

ADMIN, SPO_L, SPO_B, READER = "admin-key-0123456789", "spo-lincoln-0123456789", "spo-boston-0123456789", "reader-key-0123456789"


@pytest.fixture(scope="module")
def client(tmp_path_factory, config):
    work = tmp_path_factory.mktemp("api")
    keys = work / "keys.toml"
    keys.write_text(f"""
[[keys]]
key = "{ADMIN}"
name = "admin"
role = "admin"

[[keys]]
key = "{SPO_L}"
name = "spo-lincoln"
role = "spo"
pdus = ["Lincoln PDU"]

[[keys]]
key = "{SPO_B}"
name = "spo-boston"
role = "spo"
pdus = ["Boston PDU"]

[[keys]]
key = "{READER}"
name = "reader"
role = "read-only"
pdus = ["Lincoln PDU"]
""")
    with TestClient(create_app(ApiSettings(keys_file=keys, work_dir=work, config=config))) as c:
        yield c


@pytest.fixture(scope="module")
def lincoln(tight_pdu_data):
    return tight_pdu_data


@pytest.fixture(scope="module")
def tight_pdu_data(shared, tmp_path_factory, config):
    from engine.synthetic import SyntheticSpec, generate, write_dataset
    from tests.test_batch import NIGHT

    spec = SyntheticSpec(scale="pdu", region="East Midlands", pdu="Lincoln PDU", seed=3, tight=True, run_date=NIGHT,
                         n_practitioners=25, n_new=20)
    return write_dataset(tmp_path_factory.mktemp("lincoln"), *generate(shared / "data" / "boundaries", spec, config))


def _files(folder):
    return {"practitioners": ("practitioners.csv", (folder / "practitioners.csv").read_bytes(), "text/csv"),
            "cases": ("cases.csv", (folder / "cases.csv").read_bytes(), "text/csv")}


def _wait(client, run, key, timeout=120):
    t_end = time.time() + timeout
    while time.time() < t_end:
        s = client.get(f"/runs/{run}", headers={"X-API-Key": key}).json()
        if s["state"] not in ("QUEUED", "RUNNING"):
            return s
        time.sleep(0.3)
    raise AssertionError("run did not finish")


def test_health_docs_and_keys(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/openapi.json").status_code == 200 and client.get("/docs").status_code == 200
    assert client.get("/runs/nope").status_code == 401
    assert client.get("/runs/nope", headers={"X-API-Key": "wrong-key-0123456789"}).status_code == 401


def test_run_poll_fetch_explain_and_scope(client, lincoln):
    r = client.post("/runs/allocation", files=_files(lincoln), data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
                    headers={"X-API-Key": SPO_L})
    assert r.status_code == 202, r.text
    run = r.json()["run"]
    s = _wait(client, run, SPO_L)
    assert s["state"] == "DONE", s
    assert s["counts"]["NEW"] + s["counts"]["UNALLOCATED"] >= 1 and s["gap"] is not None
    page = client.get(f"/runs/{run}/allocations", params={"page": 1, "size": 10}, headers={"X-API-Key": SPO_L}).json()
    assert page["total"] > 10 and len(page["items"]) == 10
    page2 = client.get(f"/runs/{run}/allocations", params={"page": 2, "size": 10}, headers={"X-API-Key": SPO_L}).json()
    assert {i["case_id"] for i in page["items"]}.isdisjoint(i["case_id"] for i in page2["items"])
    items = client.get(f"/runs/{run}/allocations", params={"size": 1000}, headers={"X-API-Key": SPO_L}).json()["items"]
    case = next(i["case_id"] for i in items if i["status"] in ("NEW", "MOVED"))
    e = client.get(f"/runs/{run}/explanations/{case}", headers={"X-API-Key": SPO_L}).json()
    assert e["case_id"] == case and "chosen" in e
    # another PDU's SPO sees nothing of it; the read-only key of the same PDU sees it but cannot run
    assert client.get(f"/runs/{run}", headers={"X-API-Key": SPO_B}).status_code == 404
    assert client.get(f"/runs/{run}/allocations", headers={"X-API-Key": SPO_B}).status_code == 404
    assert client.get(f"/runs/{run}", headers={"X-API-Key": READER}).status_code == 200
    assert client.post("/runs/allocation", files=_files(lincoln), data={"pdu": "Lincoln PDU"},
                       headers={"X-API-Key": READER}).status_code == 403
    # an SPO may not run another PDU, nor everything
    assert client.post("/runs/allocation", files=_files(lincoln), data={"pdu": "Boston PDU"},
                       headers={"X-API-Key": SPO_L}).status_code == 403
    assert client.post("/runs/allocation", files=_files(lincoln), headers={"X-API-Key": SPO_L}).status_code == 403


def test_bad_input_is_422_naming_record_and_field(client, lincoln, tmp_path):
    cases = pd.read_csv(lincoln / "cases.csv", dtype=str, keep_default_na=False)
    cases.loc[3, "tier"] = "Z9"
    pracs = pd.read_csv(lincoln / "practitioners.csv", dtype=str, keep_default_na=False).to_dict("records")
    before = list((client.app.state.jobs.root).glob("*"))
    r = client.post("/runs/allocation/json", json={"practitioners": pracs, "cases": cases.to_dict("records"),
                                                   "pdu": "Lincoln PDU"}, headers={"X-API-Key": SPO_L})
    assert r.status_code == 422
    issues = r.json()["detail"]
    assert any(i["file"] == "cases.csv" and i["row"] == 4 and i["field"] == "tier" for i in issues)
    assert list((client.app.state.jobs.root).glob("*")) == before  # no job, nothing stored
    r = client.post("/runs/allocation/json", json={"cases": []}, headers={"X-API-Key": SPO_L})
    assert r.status_code == 422  # the body itself is checked by the same pydantic machinery


def test_cancel_stops_a_run(client, lincoln):
    r = client.post("/runs/allocation", files=_files(lincoln), data={"pdu": "Lincoln PDU"}, headers={"X-API-Key": ADMIN})
    run = r.json()["run"]
    d = client.delete(f"/runs/{run}", headers={"X-API-Key": ADMIN})  # the worker is still starting: stopped
    assert d.status_code == 200 and d.json()["state"] == "CANCELLED"
    time.sleep(1)
    s = client.get(f"/runs/{run}", headers={"X-API-Key": ADMIN}).json()
    assert s["state"] == "CANCELLED" and s["engine_run_id"] is None
    assert not (client.app.state.jobs.dir(run) / "outcome.json").exists()
    assert client.get(f"/runs/{run}/allocations", headers={"X-API-Key": ADMIN}).status_code == 409
    assert client.delete(f"/runs/{run}", headers={"X-API-Key": READER}).status_code == 403


def test_spo_decisions_recorded_and_overrides_checked(client, lincoln):
    r = client.post("/runs/allocation", files=_files(lincoln), data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
                    headers={"X-API-Key": SPO_L})
    run = r.json()["run"]
    assert _wait(client, run, SPO_L)["state"] == "DONE"
    items = client.get(f"/runs/{run}/allocations", params={"size": 1000}, headers={"X-API-Key": SPO_L}).json()["items"]
    placed = [i for i in items if i["status"] in ("NEW", "MOVED")]
    h = {"X-API-Key": SPO_L}
    ok = client.post(f"/runs/{run}/decisions", json={"case_id": placed[0]["case_id"], "action": "confirm"}, headers=h)
    assert ok.status_code == 201 and ok.json()["decided_by"] == "spo-lincoln" and not ok.json()["flagged"]
    # a rejection needs a reason
    assert client.post(f"/runs/{run}/decisions", json={"case_id": placed[1]["case_id"], "action": "reject"},
                       headers=h).status_code == 422
    # an override to someone who may not hold the case is refused unless accepted with a reason, then flagged
    pracs = pd.read_csv(lincoln / "practitioners.csv", dtype=str, keep_default_na=False)
    spo = pracs.loc[pracs["grade"] == "SPO", "practitioner_id"].iat[0]  # SPOs hold no cases
    body = {"case_id": placed[1]["case_id"], "action": "override", "practitioner_id": spo, "reason": "covering leave"}
    refused = client.post(f"/runs/{run}/decisions", json=body, headers=h)
    assert refused.status_code == 422 and refused.json()["detail"]["rule_breaks"]
    forced = client.post(f"/runs/{run}/decisions", json=body | {"accept_rule_break": True}, headers=h)
    assert forced.status_code == 201 and forced.json()["flagged"] and forced.json()["practitioner_id"] == spo
    # an override within the rules (here to the practitioner proposed, after the confirmation) is not flagged
    body = {"case_id": placed[0]["case_id"], "action": "override", "practitioner_id": placed[0]["practitioner_id"],
            "reason": "same as proposed"}
    assert client.post(f"/runs/{run}/decisions", json=body, headers=h).json()["flagged"] is False
    log = client.get(f"/runs/{run}/decisions", headers=h).json()
    assert [d["action"] for d in log] == ["confirm", "override", "override"]
    assert log[1]["proposed_practitioner_id"] == placed[1]["practitioner_id"] and log[1]["rule_breaks"]
    # read-only keys and other PDUs cannot decide
    assert client.post(f"/runs/{run}/decisions", json={"case_id": placed[0]["case_id"], "action": "confirm"},
                       headers={"X-API-Key": READER}).status_code == 403
    assert client.post(f"/runs/{run}/decisions", json={"case_id": placed[0]["case_id"], "action": "confirm"},
                       headers={"X-API-Key": SPO_B}).status_code == 404
