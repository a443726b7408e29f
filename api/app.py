"""The FastAPI service, thin over engine/: allocation runs as jobs (submit, poll, fetch
paginated results and per-case explanations, cancel), API keys with roles and PDU/region
scope, bad input answered 422 naming the file, row and field with nothing stored.

    probation serve --host 127.0.0.1 --port 8000      (OpenAPI docs at /docs)
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Principal, load_keys, principal, runner
from api.jobs import TABLES, Job, JobManager
from api.review import add_review_routes
from api.scope import seen_part, view
from engine.allocation.contract import load_dataset
from engine.core.config import Config, load_config
from engine.core.contract import DataContractError, Issue
from engine.groups.contract import load_groups
from engine.store.runs import Store
from engine.unpaid_work.contract import load_upw

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


FORCE_HELP = "Replace the stored run that holds this night, week or quarter"


class JsonRun(BaseModel):
    """An allocation run with its data as JSON records (the CSV columns of the data contract)."""

    practitioners: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    region: str | None = None
    pdu: str | None = None
    solver: str | None = None
    force: bool = Field(
        False, description="Replace the stored run that holds this night, week or quarter"
    )
    run_date: str | None = None


class JsonUpwRun(BaseModel):
    """An Unpaid Work week with its data as JSON records (the CSV columns of the data contract)."""

    upw_people: list[dict[str, Any]]
    upw_placements: list[dict[str, Any]]
    week: str = Field(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W48")
    region: str | None = None
    pdu: str | None = None
    solver: Literal["cpsat", "greedy"] = "cpsat"
    force: bool = Field(
        False, description="Replace the stored run that holds this night, week or quarter"
    )


class JsonGroupsRun(BaseModel):
    """A programme plan with its data as JSON records (the CSV columns of the data contract)."""

    model_config = ConfigDict(populate_by_name=True)

    referrals: list[dict[str, Any]]
    programmes: list[dict[str, Any]]
    venues: list[dict[str, Any]]
    facilitators: list[dict[str, Any]]
    start: date = Field(alias="from", description="First day of the plan (YYYY-MM-DD)")
    region: str | None = None
    pdu: str | None = None
    solver: Literal["cpsat", "greedy"] = "cpsat"
    force: bool = Field(
        False, description="Replace the stored run that holds this night, week or quarter"
    )


def _log(event: str, **fields) -> None:
    log.info(json.dumps({"event": event, **fields}, default=str))


def _plain(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _run_date(folder: Path, run_date: str | None) -> None:
    if run_date:
        (folder / "manifest.json").write_text(json.dumps({"run_date": run_date}))


def _iso_week(week: str) -> None:
    try:
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        raise HTTPException(
            422, [{"field": "week", "message": f"{week!r} is not an ISO week (YYYY-Www)"}]
        ) from None


def _only_pdu(folder: Path, pdu: str) -> None:
    """Keep only the rows of one PDU in each uploaded table that has a pdu column; a table left
    with no rows is an error naming the file (the key's scope is the PDU, not the upload)."""
    for f in sorted(folder.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        if "pdu" not in df.columns:
            continue
        kept = df[df["pdu"] == pdu]
        if kept.empty:
            raise DataContractError([Issue(f.name, None, "pdu", f"no rows for {pdu}", None)])
        kept.to_csv(f, index=False)


def _keep_if_valid(folder: Path, check) -> None:
    """Run the contract's `check` on an input folder; a refused folder is removed (nothing kept)."""
    try:
        check()
    except DataContractError:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def submit_folder(
    app: FastAPI, folder: Path, region: str | None, pdu: str | None, owner: str = "operator"
) -> Job:
    """Start an allocation run from a data folder on this machine (`probation serve --submit`):
    validated like an upload, copied into the service's inbox, then run by a worker."""
    inbox = Path(app.state.work) / "inbox" / uuid.uuid4().hex[:16]
    shutil.copytree(folder, inbox)
    _keep_if_valid(inbox, lambda: load_dataset(inbox, app.state.config))
    return app.state.jobs.submit("allocation", owner, inbox, region, pdu, {"solver": None})


def create_app(settings: ApiSettings) -> FastAPI:
    """The FastAPI application: keys and roles from `settings.keys_file`, jobs in worker
    processes under `settings.work_dir`, the store at `settings.db_url`, the review page."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="Probation allocation and scheduling engine",
        version="0.1",
        description="Allocation runs as jobs; every proposal checked by the independent checker.",
    )
    work = Path(settings.work_dir)
    config = settings.config or load_config()
    app.state.keys = load_keys(settings.keys_file)
    app.state.work, app.state.config = work, config
    app.state.jobs = JobManager(
        work / "jobs", settings.db_url or f"sqlite:///{work / 'probation.sqlite'}", config
    )
    app.state.store = Store(
        app.state.jobs.db_url
    )  # one engine (pool) for the service; migrates at start

    @app.exception_handler(DataContractError)
    async def _contract(_: Request, exc: DataContractError):
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {
                        "file": i.file,
                        "row": i.row,
                        "field": i.column,
                        "message": i.message,
                        "value": None if i.value is None else str(i.value),
                    }
                    for i in exc.issues
                ]
            },
        )

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    def _scope(who: Principal, region: str | None, pdu: str | None) -> None:
        if who.role.value == "admin":
            return
        if pdu is None and region is None:
            raise HTTPException(
                403,
                "name the PDU or region to run: this key is limited to "
                f"{', '.join(who.pdus + who.regions) or 'nothing'}",
            )
        if not who.sees(region, pdu):
            raise HTTPException(403, f"this key may not run {pdu or region}")

    def _start(who: Principal, kind: str, folder: Path, region, pdu, params: dict) -> JSONResponse:
        """Validate with the engine's own contract (a 422 naming file, row and field; nothing
        kept), keep only the rows of the PDU asked for, then hand the run to a worker."""
        _scope(who, region, pdu)

        def check() -> None:
            _VALIDATE[kind](folder)
            if pdu is not None and kind != "allocation":  # the allocation run filters its own scope
                _only_pdu(folder, pdu)

        _keep_if_valid(folder, check)
        job = app.state.jobs.submit(kind, who.name, folder, region, pdu, params)
        _log(
            "run submitted",
            run=job.job_id,
            kind=kind,
            by=who.name,
            region=region,
            pdu=pdu,
            **params,
        )
        return JSONResponse(
            status_code=202,
            content={
                "run": job.job_id,
                "kind": kind,
                "state": job.state,
                "status": f"/runs/{job.job_id}",
            },
        )

    _VALIDATE = {
        "allocation": lambda folder: load_dataset(folder, config),
        "upw": lambda folder: load_upw(folder, config),
        "groups": lambda folder: load_groups(folder, config.groups.max_group),
    }

    def _inbox() -> Path:
        d = work / "inbox" / uuid.uuid4().hex[:16]
        d.mkdir(parents=True)
        return d

    async def _save_uploads(files: dict[str, UploadFile]) -> Path:
        folder = _inbox()
        for stem, f in files.items():
            (folder / f"{stem}.csv").write_bytes(await f.read())
        return folder

    @app.post(
        "/runs/allocation",
        status_code=202,
        summary="Start an allocation run from uploaded CSV files",
    )
    async def allocation_csv(
        practitioners: UploadFile = File(...),
        cases: UploadFile = File(...),
        region: str | None = Form(None),
        pdu: str | None = Form(None),
        solver: str | None = Form(None),
        run_date: str | None = Form(None),
        force: bool = Form(False, description=FORCE_HELP),
        who: Principal = Depends(runner),
    ):
        folder = await _save_uploads({"practitioners": practitioners, "cases": cases})
        _run_date(folder, run_date)
        return _start(who, "allocation", folder, region, pdu, {"solver": solver, "force": force})

    @app.post(
        "/runs/allocation/json",
        status_code=202,
        summary="Start an allocation run from JSON records",
    )
    def allocation_json(body: JsonRun, who: Principal = Depends(runner)):
        folder = _records({"practitioners": body.practitioners, "cases": body.cases})
        _run_date(folder, body.run_date)
        return _start(
            who,
            "allocation",
            folder,
            body.region,
            body.pdu,
            {"solver": body.solver, "force": body.force},
        )

    def _records(tables: dict[str, list[dict]]) -> Path:
        """JSON records written as the contract's CSV files, so one validation serves both."""
        folder = _inbox()
        for stem, rows in tables.items():
            pd.DataFrame(rows).to_csv(folder / f"{stem}.csv", index=False)
        return folder

    @app.post(
        "/runs/upw/json", status_code=202, summary="Plan an Unpaid Work week from JSON records"
    )
    def upw_json(body: JsonUpwRun, who: Principal = Depends(runner)):
        _iso_week(body.week)
        folder = _records({"upw_people": body.upw_people, "upw_placements": body.upw_placements})
        return _start(
            who,
            "upw",
            folder,
            body.region,
            body.pdu,
            {"solver": body.solver, "week": body.week, "force": body.force},
        )

    @app.post(
        "/runs/groups/json", status_code=202, summary="Plan programme groups from JSON records"
    )
    def groups_json(body: JsonGroupsRun, who: Principal = Depends(runner)):
        folder = _records(
            {
                "referrals": body.referrals,
                "programmes": body.programmes,
                "venues": body.venues,
                "facilitators": body.facilitators,
            }
        )
        return _start(
            who,
            "groups",
            folder,
            body.region,
            body.pdu,
            {"solver": body.solver, "from": body.start.isoformat(), "force": body.force},
        )

    @app.post(
        "/runs/upw", status_code=202, summary="Plan an Unpaid Work week from uploaded CSV files"
    )
    async def upw_csv(
        upw_people: UploadFile = File(...),
        upw_placements: UploadFile = File(...),
        week: str = Form(..., pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W48"),
        region: str | None = Form(None),
        pdu: str | None = Form(None),
        solver: Literal["cpsat", "greedy"] = Form("cpsat"),
        force: bool = Form(False, description=FORCE_HELP),
        who: Principal = Depends(runner),
    ):
        _iso_week(week)
        folder = await _save_uploads({"upw_people": upw_people, "upw_placements": upw_placements})
        return _start(
            who, "upw", folder, region, pdu, {"solver": solver, "week": week, "force": force}
        )

    @app.post(
        "/runs/groups", status_code=202, summary="Plan programme groups from uploaded CSV files"
    )
    async def groups_csv(
        referrals: UploadFile = File(...),
        programmes: UploadFile = File(...),
        venues: UploadFile = File(...),
        facilitators: UploadFile = File(...),
        start: date = Form(..., alias="from", description="First day of the plan (YYYY-MM-DD)"),
        region: str | None = Form(None),
        pdu: str | None = Form(None),
        solver: Literal["cpsat", "greedy"] = Form("cpsat"),
        force: bool = Form(False, description=FORCE_HELP),
        who: Principal = Depends(runner),
    ):
        folder = await _save_uploads(
            {
                "referrals": referrals,
                "programmes": programmes,
                "venues": venues,
                "facilitators": facilitators,
            }
        )
        return _start(
            who,
            "groups",
            folder,
            region,
            pdu,
            {"solver": solver, "from": start.isoformat(), "force": force},
        )

    def _job(job_id: str, who: Principal) -> Job:
        job = app.state.jobs.get(job_id)
        if job is None or view(job, who) is None:
            raise HTTPException(404, f"no run {job_id} visible to this key")
        return job

    def _case_visible(job: Job, who: Principal, case_id: str) -> None:
        if not seen_part(job, who).has_case(case_id):
            raise HTTPException(404, f"no case {case_id} visible to this key in run {job.job_id}")

    @app.get("/runs/{job_id}", summary="Status, progress and the objective, bound and gap of a run")
    def status(job_id: str, who: Principal = Depends(principal)) -> dict:
        job = _job(job_id, who)
        s = job.summary or {}
        out = {
            "run": job.job_id,
            "kind": job.kind,
            "state": job.state,
            "error": job.error,
            "engine_run_id": job.run_id,
            "objective": s.get("objective"),
            "bound": s.get("bound"),
            "gap": s.get("gap"),
            "stopped_early": s.get("stopped_early"),
            "seconds": s.get("seconds"),
            "results": {t: f"/runs/{job.job_id}/results/{t}" for t in TABLES[job.kind]}
            if job.summary
            else {},
        }
        if job.kind == "allocation":
            out |= {"counts": s.get("counts"), "unallocated": s.get("unallocated")}
        if job.state in (
            "RUNNING",
            "STOPPING",
        ):  # the search so far: parts done, best objective and bound
            p = app.state.jobs.progress(job_id).read()
            gap = (
                abs(p["objective"] - p["bound"]) / max(1.0, abs(p["objective"]))
                if p["objective"] is not None and p["bound"] is not None
                else None
            )
            out |= {"progress": p, "objective": p["objective"], "bound": p["bound"], "gap": gap}
        return out

    def _done(job: Job) -> Path:
        if job.state not in ("DONE", "STOPPED"):
            raise HTTPException(
                409, f"run {job.job_id} is {job.state}; results come when it is DONE (or STOPPED)"
            )
        return app.state.jobs.dir(job.job_id) / "out"

    @app.get("/runs/{job_id}/results/{table}", summary="A finished run's results, a page at a time")
    def results(
        job_id: str,
        table: str,
        page: int = Query(1, ge=1),
        size: int = Query(100, ge=1, le=1000),
        who: Principal = Depends(principal),
    ) -> dict:
        """allocation: allocations, workload; upw: schedule, unplaced, reviews; groups: groups,
        members, unplaced."""
        job = _job(job_id, who)
        if table not in TABLES[job.kind]:
            raise HTTPException(
                404,
                f"a {job.kind} run has no table {table!r}; it has {', '.join(TABLES[job.kind])}",
            )
        rows = seen_part(job, who).rows(
            pd.read_csv(_done(job) / TABLES[job.kind][table], dtype=str, keep_default_na=False)
        )
        chunk = rows.iloc[(page - 1) * size : page * size]
        return {
            "run": job.job_id,
            "table": table,
            "page": page,
            "size": size,
            "total": len(rows),
            "items": chunk.to_dict("records"),
        }

    @app.get(
        "/runs/{job_id}/explanations/{case_id}",
        summary="Why this practitioner, why not the runner-up",
    )
    def explanation(job_id: str, case_id: str, who: Principal = Depends(principal)) -> dict:
        job = _job(job_id, who)
        if job.kind != "allocation":
            raise HTTPException(
                404, f"run {job_id} is a {job.kind} plan: explanations are per allocation run"
            )
        _case_visible(job, who, case_id)
        with (_done(job) / "explanations.jsonl").open() as fh:
            for line in fh:
                e = json.loads(line)
                if e.get("case_id") == case_id:
                    return e
        raise HTTPException(
            404, f"no explanation for case {case_id} in run {job_id} (kept cases need none)"
        )

    def _night(job: Job):
        from engine.allocation.contract import Dataset
        from engine.allocation.plan import filter_scope

        if job.data is None:
            raise HTTPException(404, f"run {job.job_id} has no allocation inputs")
        ds = load_dataset(job.data, config)
        cases, pracs = filter_scope(ds, job.region, job.pdu)
        return Dataset(pracs, cases, ds.inputs_hash, ds.source, ds.manifest)

    def _proposals_to_decide(job: Job, who: Principal, case_id: str | None = None) -> pd.DataFrame:
        """The run's proposals, once this key is known to be one that may decide on them (and, given
        a case, on that case)."""
        if who.role.value not in ("admin", "spo"):
            raise HTTPException(403, f"role {who.role.value} may not decide allocations")
        if job.kind != "allocation":
            raise HTTPException(
                409, f"run {job.job_id} is a {job.kind} plan: decisions are on allocation runs"
            )
        if case_id is not None:
            _case_visible(job, who, case_id)
        return pd.read_csv(_done(job) / "allocations.csv", dtype=str, keep_default_na=False)

    def _decide(
        job: Job,
        who: Principal,
        case_id: str,
        action: str,
        practitioner_id: str | None,
        reason: str,
        accept_rule_break: bool,
    ) -> dict:
        """Judge and record one decision (the API and the review page alike)."""
        from engine.allocation.decisions import DecisionRefused, decide

        proposals = _proposals_to_decide(job, who, case_id)
        try:  # only an override is judged against the night's data (the rest need not load it)
            night = _night(job) if action == "override" else None
            d = decide(
                night,
                proposals,
                case_id,
                action,
                config,
                practitioner_id,
                reason,
                accept_rule_break,
            )
        except DecisionRefused as exc:
            raise HTTPException(
                422, {"message": str(exc), "rule_breaks": exc.rule_breaks}
            ) from None
        row = app.state.store.record_decision(job.job_id, d, who.name)
        _log(
            "decision",
            run=job.job_id,
            by=who.name,
            case=d.case_id,
            action=d.action,
            flagged=d.flagged,
        )
        return _plain(row) | {"rule_breaks": d.rule_breaks}

    def _decisions(job: Job, who: Principal) -> list[dict]:
        """The decisions on the cases this key sees, oldest first."""
        seen = seen_part(job, who)
        return [
            _plain(r)
            for r in app.state.store.decisions_for(job.job_id)
            if seen.has_case(r["case_id"])
        ]

    @app.post(
        "/runs/{job_id}/decisions",
        status_code=201,
        summary="Confirm, reject or override a proposal",
    )
    def decide_case(job_id: str, body: DecisionIn, who: Principal = Depends(principal)) -> dict:
        return _decide(
            _job(job_id, who),
            who,
            body.case_id,
            body.action,
            body.practitioner_id,
            body.reason,
            body.accept_rule_break,
        )

    def _confirm_rest(job: Job, who: Principal) -> list[dict]:
        """Confirm every proposal this key sees that nobody has decided yet (one transaction)."""
        from engine.allocation.decisions import decide

        proposals = seen_part(job, who).rows(_proposals_to_decide(job, who))
        decided = {d["case_id"] for d in _decisions(job, who)}
        todo = proposals[
            proposals["status"].isin(["NEW", "MOVED"]) & ~proposals["case_id"].isin(decided)
        ]
        made = [decide(None, proposals, c, "confirm", config) for c in todo["case_id"]]
        rows = app.state.store.record_decisions(job.job_id, made, who.name)
        _log("decisions", run=job.job_id, by=who.name, action="confirm", cases=len(rows))
        return [_plain(r) for r in rows]

    @app.post(
        "/runs/{job_id}/decisions/confirm-rest",
        status_code=201,
        summary="Confirm every proposal not yet decided (those this key sees)",
    )
    def confirm_rest(job_id: str, who: Principal = Depends(principal)) -> list[dict]:
        return _confirm_rest(_job(job_id, who), who)

    @app.get(
        "/runs/{job_id}/decisions", summary="Every decision on this run: who, when, what changed"
    )
    def decisions(job_id: str, who: Principal = Depends(principal)) -> list[dict]:
        return _decisions(_job(job_id, who), who)

    @app.delete(
        "/runs/{job_id}",
        status_code=202,
        summary="Stop a run, keeping the best solution found so far",
    )
    def cancel(
        job_id: str,
        discard: bool = Query(False, description="end it at once and store nothing"),
        who: Principal = Depends(runner),
    ) -> dict:
        """The solver ends its search; the best answer found so far is checked, stored and served
        (state STOPPING, then STOPPED). With discard=true the run ends at once and nothing of it is
        stored (CANCELLED)."""
        if not seen_part(_job(job_id, who), who).whole:
            raise HTTPException(403, f"this key sees only part of run {job_id}: it may not stop it")
        job = app.state.jobs.kill(job_id) if discard else app.state.jobs.cancel(job_id)
        _log("run stopped", run=job_id, by=who.name, state=job.state, discard=discard)
        return {"run": job.job_id, "state": job.state}

    add_review_routes(app, _job, _done, _night, _decide, _decisions, _confirm_rest)

    return app
