"""The service's limits: an upload over the size limit is refused with 413 and nothing of it is
kept; the contract's validation of an upload runs off the event loop."""

from __future__ import annotations

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


def test_upload_validation_runs_in_a_worker_thread(tmp_path_factory, config, lincoln, monkeypatch):
    import asyncio

    client = make_client(tmp_path_factory, config)
    svc = client.app.state.service
    seen = []
    validate = svc.validate

    def watched(kind, folder):
        try:
            asyncio.get_running_loop()
            seen.append("on the event loop")
        except RuntimeError:  # no loop runs in this thread: a worker thread
            seen.append("in a worker thread")
        return validate(kind, folder)

    monkeypatch.setattr(svc, "validate", watched)
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "solver": "greedy"},
        headers={"X-API-Key": SPO_L},
    )
    assert r.status_code == 202 and seen == ["in a worker thread"]


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
