"""Reading and stopping runs: status with progress, bound and gap; results a page at a time;
per-case explanations; stop (keeping the best answer so far) or discard."""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query

from api.auth import Principal, principal, runner
from api.jobs import TABLES
from api.scope import seen_part
from api.service import Service, csv_download, log_event, service

router = APIRouter(tags=["runs"])


@router.get("/healthz")
async def healthz() -> dict:
    """Answered on the event loop itself, never queued behind a worker thread."""
    return {"status": "ok"}


@router.get("/runs/{job_id}", summary="Status, progress and the objective, bound and gap of a run")
def status(
    job_id: str, who: Principal = Depends(principal), svc: Service = Depends(service)
) -> dict:
    job = svc.job(job_id, who)
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
    if job.kind == "upw":  # who must be told: of a re-plan's changes, of an unacceptable absence
        out |= {
            k: s.get(k)
            for k in ("outcomes", "tell_practitioner", "tell", "supervisors", "inductions")
        }
    if job.kind == "groups":  # people started against the proved bound; a re-plan's figures
        out |= {
            k: s.get(k)
            for k in (
                "started",
                "started_bound",
                "started_gap",
                "running_groups",
                "running_members",
                "running_one_to_one",
                "unplaced_by_reason",
                "facilitators",
                "facilitator_gaps",
                "replan",
            )
        }
    if job.state in (
        "RUNNING",
        "STOPPING",
    ):  # the search so far: parts done, best objective and bound
        p = svc.jobs.progress(job_id).read()
        gap = (
            abs(p["objective"] - p["bound"]) / max(1.0, abs(p["objective"]))
            if p["objective"] is not None and p["bound"] is not None
            else None
        )
        out |= {"progress": p, "objective": p["objective"], "bound": p["bound"], "gap": gap}
    return out


@router.get("/runs/{job_id}/results/{table}", summary="A finished run's results, a page at a time")
def results(
    job_id: str,
    table: str,
    page: int = Query(1, ge=1),
    size: int = Query(100, ge=1, le=1000),
    who: Principal = Depends(principal),
    svc: Service = Depends(service),
) -> dict:
    """allocation: allocations, workload; upw: schedule, unplaced, reviews, progress,
    tell_practitioner, roster and unsupervised when the week has supervisors, inductions when
    it has induction slots; groups:
    groups, members, unplaced, reviews, one_to_one, pre_group, changes, tell,
    facilitator_weeks."""
    job = svc.job(job_id, who)
    if table not in TABLES[job.kind]:
        raise HTTPException(
            404,
            f"a {job.kind} run has no table {table!r}; it has {', '.join(TABLES[job.kind])}",
        )
    path = svc.done(job) / TABLES[job.kind][table]
    if not path.exists():  # a week planned without a supervisors table has no roster
        raise HTTPException(404, f"run {job.job_id} has no {table} table (no input for it)")
    rows = seen_part(job, who).rows(pd.read_csv(path, dtype=str, keep_default_na=False))
    chunk = rows.iloc[(page - 1) * size : page * size]
    return {
        "run": job.job_id,
        "table": table,
        "page": page,
        "size": size,
        "total": len(rows),
        "items": chunk.to_dict("records"),
    }


@router.get(
    "/runs/{job_id}/groups-running",
    summary="A quarter's groups under way on a day, for the next plan to pin",
)
def groups_running(
    job_id: str,
    on: date = Query(..., description="The next plan's first day (YYYY-MM-DD)"),
    format: Literal["json", "csv"] = Query("json", description="csv: groups_running.csv"),
    who: Principal = Depends(principal),
    svc: Service = Depends(service),
):
    """Each group and one-to-one of the stored plan (new or already running) that began
    before the week of `on` and has sessions left, with the sessions held before that Monday,
    as the groups_running rows the next plan pins (`probation groups running`); and the
    groups whose re-plan changes from that day they cannot carry."""
    job = svc.job(job_id, who)
    carried = svc.groups_running(job, on)
    if format == "csv":
        return csv_download(carried.running, "groups_running.csv")
    return {
        "run": job.job_id,
        "on": on.isoformat(),
        "items": json.loads(carried.running.to_json(orient="records")),
        "changed_later": carried.changed_later,
    }


@router.get(
    "/runs/{job_id}/explanations/{case_id}",
    summary="Why this practitioner, why not the runner-up",
)
def explanation(
    job_id: str, case_id: str, who: Principal = Depends(principal), svc: Service = Depends(service)
) -> dict:
    job = svc.job(job_id, who)
    if job.kind != "allocation":
        raise HTTPException(
            404, f"run {job_id} is a {job.kind} plan: explanations are per allocation run"
        )
    svc.case_visible(job, who, case_id)
    with (svc.done(job) / "explanations.jsonl").open() as fh:
        for line in fh:
            e = json.loads(line)
            if e.get("case_id") == case_id:
                return e
    raise HTTPException(
        404, f"no explanation for case {case_id} in run {job_id} (kept cases need none)"
    )


@router.delete(
    "/runs/{job_id}",
    status_code=202,
    summary="Stop a run, keeping the best solution found so far",
)
def cancel(
    job_id: str,
    discard: bool = Query(False, description="end it at once and store nothing"),
    who: Principal = Depends(runner),
    svc: Service = Depends(service),
) -> dict:
    """The solver ends its search; the best answer found so far is checked, stored and served
    (state STOPPING, then STOPPED). With discard=true the run ends at once and nothing of it is
    stored (CANCELLED)."""
    if not seen_part(svc.job(job_id, who), who).whole:
        raise HTTPException(403, f"this key sees only part of run {job_id}: it may not stop it")
    job = svc.jobs.kill(job_id) if discard else svc.jobs.cancel(job_id)
    if job is None:  # seen a moment ago: only a concurrent clean-up could remove it
        raise HTTPException(404, f"no run {job_id} visible to this key")
    log_event("run stopped", run=job_id, by=who.name, state=job.state, discard=discard)
    return {"run": job.job_id, "state": job.state}
