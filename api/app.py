"""The FastAPI service, thin over engine/: allocation runs as jobs (submit, poll, fetch
paginated results and per-case explanations, cancel), API keys with roles and PDU/region
scope, bad input answered 422 naming the file, row and field with nothing stored.

    probation serve --host 127.0.0.1 --port 8000      (OpenAPI docs at /docs)
"""
from __future__ import annotations

import json
import logging
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Principal, load_keys, principal, runner
from api.jobs import Job, JobManager
from engine.config import Config, load_config
from engine.contract import DataContractError, load_dataset

log = logging.getLogger("probation.api")


@dataclass
class ApiSettings:
    keys_file: Path
    work_dir: Path
    db_url: str | None = None  # default sqlite:///WORK_DIR/probation.sqlite
    config: Config | None = None


class DecisionIn(BaseModel):
    """An SPO's decision on one proposal."""

    case_id: str
    action: str  # confirm | reject | override
    practitioner_id: str | None = None  # for an override
    reason: str = ""
    accept_rule_break: bool = False


class JsonRun(BaseModel):
    """An allocation run with its data as JSON records (the CSV columns of the data contract)."""

    practitioners: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    region: str | None = None
    pdu: str | None = None
    solver: str | None = None
    run_date: str | None = None


def _log(event: str, **fields) -> None:
    log.info(json.dumps({"event": event, **fields}, default=str))


def create_app(settings: ApiSettings) -> FastAPI:
    app = FastAPI(title="Probation allocation and scheduling engine", version="0.1",
                  description="Allocation runs as jobs; every proposal checked by the independent checker.")
    work = Path(settings.work_dir)
    config = settings.config or load_config()
    app.state.keys = load_keys(settings.keys_file)
    app.state.jobs = JobManager(work / "jobs", settings.db_url or f"sqlite:///{work / 'probation.sqlite'}", config)

    @app.exception_handler(DataContractError)
    async def _contract(_: Request, exc: DataContractError):
        return JSONResponse(status_code=422, content={"detail": [
            {"file": i.file, "row": i.row, "field": i.column, "message": i.message,
             "value": None if i.value is None else str(i.value)} for i in exc.issues]})

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    def _scope(who: Principal, region: str | None, pdu: str | None) -> None:
        if who.role.value == "admin":
            return
        if pdu is None and region is None:
            raise HTTPException(403, "name the PDU or region to run: this key is limited to "
                                     f"{', '.join(who.pdus + who.regions) or 'nothing'}")
        if not who.sees(region, pdu):
            raise HTTPException(403, f"this key may not run {pdu or region}")

    def _start(who: Principal, folder: Path, region, pdu, solver, run_date=None) -> JSONResponse:
        _scope(who, region, pdu)
        if run_date:
            (folder / "manifest.json").write_text(json.dumps({"run_date": run_date}))
        try:
            load_dataset(folder, config)  # validated here, so bad input is a 422 and nothing is stored
        except DataContractError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = app.state.jobs.submit("allocation", who.name, folder, region, pdu, solver)
        _log("run submitted", run=job.job_id, by=who.name, region=region, pdu=pdu, solver=solver)
        return JSONResponse(status_code=202, content={"run": job.job_id, "state": job.state, "status": f"/runs/{job.job_id}"})

    def _inbox() -> Path:
        d = work / "inbox" / uuid.uuid4().hex[:16]
        d.mkdir(parents=True)
        return d

    @app.post("/runs/allocation", status_code=202, summary="Start an allocation run from uploaded CSV files")
    async def allocation_csv(practitioners: UploadFile = File(...), cases: UploadFile = File(...),
                             region: str | None = Form(None), pdu: str | None = Form(None),
                             solver: str | None = Form(None), run_date: str | None = Form(None),
                             who: Principal = Depends(runner)):
        folder = _inbox()
        (folder / "practitioners.csv").write_bytes(await practitioners.read())
        (folder / "cases.csv").write_bytes(await cases.read())
        return _start(who, folder, region, pdu, solver, run_date)

    @app.post("/runs/allocation/json", status_code=202, summary="Start an allocation run from JSON records")
    def allocation_json(body: JsonRun, who: Principal = Depends(runner)):
        folder = _inbox()
        pd.DataFrame(body.practitioners).to_csv(folder / "practitioners.csv", index=False)
        pd.DataFrame(body.cases).to_csv(folder / "cases.csv", index=False)
        return _start(who, folder, body.region, body.pdu, body.solver, body.run_date)

    def _job(job_id: str, who: Principal) -> Job:
        job = app.state.jobs.get(job_id)
        if job is None or not (who.sees(job.region, job.pdu) or job.owner == who.name):
            raise HTTPException(404, f"no run {job_id} visible to this key")
        return job

    @app.get("/runs/{job_id}", summary="Status, progress and the objective, bound and gap of a run")
    def status(job_id: str, who: Principal = Depends(principal)) -> dict:
        job = _job(job_id, who)
        s = job.summary or {}
        return {"run": job.job_id, "state": job.state, "error": job.error, "engine_run_id": job.run_id,
                "objective": s.get("objective"), "bound": s.get("bound"), "gap": s.get("gap"),
                "counts": s.get("counts"), "unallocated": s.get("unallocated"), "seconds": s.get("seconds")}

    def _done(job: Job) -> Path:
        if job.state != "DONE":
            raise HTTPException(409, f"run {job.job_id} is {job.state}; results come when it is DONE")
        return app.state.jobs.dir(job.job_id) / "out"

    @app.get("/runs/{job_id}/allocations", summary="The proposals of a finished run, a page at a time")
    def allocations(job_id: str, page: int = Query(1, ge=1), size: int = Query(100, ge=1, le=1000),
                    who: Principal = Depends(principal)) -> dict:
        job = _job(job_id, who)
        rows = pd.read_csv(_done(job) / "allocations.csv", dtype=str, keep_default_na=False)
        total = len(rows)
        chunk = rows.iloc[(page - 1) * size: page * size]
        return {"run": job.job_id, "page": page, "size": size, "total": total,
                "items": chunk.to_dict("records")}

    @app.get("/runs/{job_id}/explanations/{case_id}", summary="Why this practitioner, why not the runner-up")
    def explanation(job_id: str, case_id: str, who: Principal = Depends(principal)) -> dict:
        job = _job(job_id, who)
        with (_done(job) / "explanations.jsonl").open() as fh:
            for line in fh:
                e = json.loads(line)
                if e.get("case_id") == case_id:
                    return e
        raise HTTPException(404, f"no explanation for case {case_id} in run {job_id} (kept cases need none)")

    def _night(job: Job):
        from engine.contract import Dataset
        from engine.encode import filter_scope

        ds = load_dataset(job.data, config)
        cases, pracs = filter_scope(ds, job.region, job.pdu)
        return Dataset(pracs, cases, ds.inputs_hash, ds.source, ds.manifest)

    @app.post("/runs/{job_id}/decisions", status_code=201, summary="Confirm, reject or override a proposal")
    def decide_case(job_id: str, body: DecisionIn, who: Principal = Depends(principal)) -> dict:
        from engine.decisions import DecisionRefused, decide
        from engine.store import Store

        if who.role.value not in ("admin", "spo"):
            raise HTTPException(403, f"role {who.role.value} may not decide allocations")
        job = _job(job_id, who)
        proposals = pd.read_csv(_done(job) / "allocations.csv", dtype=str, keep_default_na=False)
        try:
            d = decide(_night(job), proposals, body.case_id, body.action, config, body.practitioner_id, body.reason,
                       body.accept_rule_break)
        except DecisionRefused as exc:
            raise HTTPException(422, {"message": str(exc), "rule_breaks": exc.rule_breaks}) from None
        row = Store(app.state.jobs.db_url).record_decision(job_id, d, who.name)
        _log("decision", run=job_id, by=who.name, case=d.case_id, action=d.action, flagged=d.flagged)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} | {"rule_breaks": d.rule_breaks}

    @app.get("/runs/{job_id}/decisions", summary="Every decision on this run: who, when, what changed")
    def decisions(job_id: str, who: Principal = Depends(principal)) -> list[dict]:
        from engine.store import Store

        _job(job_id, who)
        return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                for r in Store(app.state.jobs.db_url).decisions_for(job_id)]

    @app.delete("/runs/{job_id}", summary="Stop a run (nothing of a stopped run is stored)")
    def cancel(job_id: str, who: Principal = Depends(runner)) -> dict:
        _job(job_id, who)
        job = app.state.jobs.cancel(job_id)
        _log("run cancelled", run=job_id, by=who.name, state=job.state)
        return {"run": job.job_id, "state": job.state}

    return app
