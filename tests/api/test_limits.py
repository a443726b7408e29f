"""The service's limits: an upload over the size limit is refused with 413 and nothing of it is
kept; the contract's check of an upload runs in a checking process, off the event loop."""

from __future__ import annotations

import pytest

from tests.builders import SPO_L, make_client, upload_files


def test_an_upload_over_the_limit_is_413_and_not_kept(tmp_path_factory, config, lincoln):
    client = make_client(tmp_path_factory, config, max_upload_mb=0.05)  # about 52 KB
    files = upload_files(lincoln)
    assert len(files["cases"][1]) > 52_000  # the Lincoln night's cases file is larger
    r = client.post(
        "/runs/allocation", files=files, data={"pdu": "Lincoln PDU"}, headers={"X-API-Key": SPO_L}
    )
    assert r.status_code == 413 and "cases.csv" in r.json()["detail"], r.text
    inbox = client.app.state.work / "inbox"
    assert not inbox.exists() or not any(inbox.iterdir())
    assert not any(client.app.state.jobs.root.glob("*"))


def test_upload_validation_runs_in_a_checking_process(tmp_path_factory, config, lincoln):
    """The contract's check runs in a process of the validator's pool, not in the service's:
    a refusal crosses back with its issues whole (file, row, field), an accepted folder runs."""
    import os

    from engine.core.contract import DataContractError, Issue

    client = make_client(tmp_path_factory, config)
    svc = client.app.state.service
    ok = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "solver": "greedy"},
        headers={"X-API-Key": SPO_L},
    )
    assert ok.status_code == 202, ok.text
    pids = set(svc.validator._pool._processes)
    assert pids and os.getpid() not in pids
    files = upload_files(lincoln)
    files["cases"] = ("cases.csv", files["cases"][1].replace(b",D2,", b",Z9,", 1), "text/csv")
    bad = client.post(
        "/runs/allocation", files=files, data={"pdu": "Lincoln PDU"}, headers={"X-API-Key": SPO_L}
    )
    assert bad.status_code == 422, bad.text
    assert [(d["file"], d["field"]) for d in bad.json()["detail"]] == [("cases.csv", "tier")]
    assert set(svc.validator._pool._processes) == pids  # the same checking process, reused
    err = DataContractError([Issue("cases.csv", 3, "tier", "bad", "Z9")])
    import pickle

    assert pickle.loads(pickle.dumps(err)).issues == err.issues


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_runs_beyond_the_limit_wait_their_turn_and_workers_are_reaped(
    tmp_path_factory, config, lincoln
):
    from tests.builders import wait_for

    client = make_client(tmp_path_factory, config, max_running_jobs=1)
    h = {"X-API-Key": SPO_L}
    runs = [
        client.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Lincoln PDU", "solver": "greedy", "run_date": day},
            headers=h,
        ).json()
        for day in ("2026-11-23", "2026-11-24", "2026-11-25")
    ]
    assert [r["state"] for r in runs] == ["RUNNING", "QUEUED", "QUEUED"]
    assert len(client.app.state.jobs.procs) == 1  # one worker process, not three
    assert [wait_for(client, r["run"], SPO_L)["state"] for r in runs] == ["DONE"] * 3
    for proc in list(client.app.state.jobs.procs.values()):
        proc.join(60)  # the last worker exits just after writing its outcome
    client.get(f"/runs/{runs[0]['run']}", headers=h)
    assert client.app.state.jobs.procs == {}  # every ended worker joined: no zombie left


@pytest.mark.slow  # a long run: make test, not the everyday loop
def test_a_queued_run_stopped_before_it_starts_is_cancelled(tmp_path_factory, config, lincoln):
    client = make_client(tmp_path_factory, config, max_running_jobs=1)
    h = {"X-API-Key": SPO_L}
    first, queued = (
        client.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Lincoln PDU", "solver": "greedy", "run_date": day},
            headers=h,
        ).json()["run"]
        for day in ("2026-11-26", "2026-11-27")
    )
    assert client.delete(f"/runs/{queued}", headers=h).json()["state"] == "CANCELLED"
    from tests.builders import wait_for

    assert wait_for(client, first, SPO_L)["state"] == "DONE"
    assert client.get(f"/runs/{queued}", headers=h).json()["state"] == "CANCELLED"


def test_a_json_run_over_the_limit_is_413_before_it_is_parsed(tmp_path_factory, config):
    import json

    client = make_client(tmp_path_factory, config, max_upload_mb=0.05)
    body = {"practitioners": [{"practitioner_id": "P" * 100}] * 500, "cases": []}
    raw = json.dumps(body).encode()
    assert len(raw) > 52_000
    h = {"X-API-Key": SPO_L, "content-type": "application/json"}
    r = client.post("/runs/allocation/json", content=raw, headers=h)
    assert r.status_code == 413 and "limit" in r.json()["detail"], r.text

    def chunks():  # no Content-Length: the body is counted as it streams in
        for i in range(0, len(raw), 8192):
            yield raw[i : i + 8192]

    r = client.post("/runs/allocation/json", content=chunks(), headers=h)
    assert r.status_code == 413 and "limit" in r.json()["detail"], r.text
    assert not any(client.app.state.jobs.root.glob("*"))
    small = client.post("/runs/allocation/json", content=b"{}", headers=h)
    assert small.status_code == 422  # under the limit: on to the contract
