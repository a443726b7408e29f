"""Starting runs: the night, the Unpaid Work week and the programme quarter, from uploaded CSV
files or JSON records, validated by the engine's own contract before a worker takes them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Principal, runner
from api.service import Service, check_iso_week, service
from solvers.registry import SOLVERS as NIGHT_SOLVERS

router = APIRouter(tags=["runs"])


def _night_params(solver: str | None, run_date: str | None) -> None:
    """A night's solver and date are checked before anything is kept (422, not a run that is
    accepted and then fails)."""
    problems = []
    if solver is not None and solver not in NIGHT_SOLVERS:
        problems.append({"field": "solver", "message": f"one of {sorted(NIGHT_SOLVERS)}"})
    try:
        if run_date:
            date.fromisoformat(run_date)
    except ValueError:
        problems.append({"field": "run_date", "message": f"{run_date!r} is not YYYY-MM-DD"})
    if problems:
        raise HTTPException(422, problems)


def _run_date(folder: Path, run_date: str | None) -> None:
    if run_date:
        (folder / "manifest.json").write_text(json.dumps({"run_date": run_date}))


FORCE_HELP = "Replace the stored run that holds this night, week or quarter"
RUNNING_FROM_HELP = (
    "Optional, in place of groups_running: a finished quarter's run, whose groups and "
    "one-to-ones under way on `from` this plan pins (as GET /runs/{run}/groups-running gives)"
)
WEEKS_HELP = "Weeks planned ahead: the first firm, the rest provisional (re-planned next time)"


class JsonRun(BaseModel):
    """An allocation run with its data as JSON records (the CSV columns of the data contract)."""

    practitioners: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    region: str | None = None
    pdu: str | None = None
    solver: str | None = None
    force: bool = Field(False, description=FORCE_HELP)
    run_date: str | None = None


class JsonUpwRun(BaseModel):
    """An Unpaid Work week with its data as JSON records (the CSV columns of the data contract)."""

    upw_people: list[dict[str, Any]]
    upw_placements: list[dict[str, Any]]
    upw_supervisors: list[dict[str, Any]] | None = Field(
        None, description="Optional: the supervisors GROUP and WORKSHOP sessions are run by"
    )
    upw_inductions: list[dict[str, Any]] | None = Field(
        None, description="Optional: induction slots (inducted before any work)"
    )
    week: str = Field(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W48")
    weeks: int = Field(4, ge=1, le=12, description=WEEKS_HELP)
    region: str | None = None
    pdu: str | None = None
    solver: Literal["mip", "cpsat", "greedy"] = "mip"
    force: bool = Field(False, description=FORCE_HELP)


class JsonGroupsRun(BaseModel):
    """A programme plan with its data as JSON records (the CSV columns of the data contract)."""

    model_config = ConfigDict(populate_by_name=True)

    referrals: list[dict[str, Any]]
    programmes: list[dict[str, Any]]
    venues: list[dict[str, Any]]
    facilitators: list[dict[str, Any]]
    groups_running: list[dict[str, Any]] | None = Field(
        None, description="Optional: groups already running (pinned, members not planned again)"
    )
    running_from: str | None = Field(None, description=RUNNING_FROM_HELP)
    start: date = Field(alias="from", description="First day of the plan (YYYY-MM-DD)")
    region: str | None = None
    pdu: str | None = None
    solver: Literal["mip", "cpsat", "greedy"] = "mip"
    force: bool = Field(False, description=FORCE_HELP)


@router.post(
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
    svc: Service = Depends(service),
):
    _night_params(solver, run_date)
    folder = await svc.save_uploads({"practitioners": practitioners, "cases": cases})
    _run_date(folder, run_date)
    return await svc.start_uploaded(
        who, "allocation", folder, region, pdu, {"solver": solver, "force": force}
    )


@router.post(
    "/runs/allocation/json",
    status_code=202,
    summary="Start an allocation run from JSON records",
)
def allocation_json(
    body: JsonRun, who: Principal = Depends(runner), svc: Service = Depends(service)
):
    _night_params(body.solver, body.run_date)
    folder = svc.records({"practitioners": body.practitioners, "cases": body.cases})
    _run_date(folder, body.run_date)
    return svc.start(
        who,
        "allocation",
        folder,
        body.region,
        body.pdu,
        {"solver": body.solver, "force": body.force},
    )


@router.post(
    "/runs/upw/json", status_code=202, summary="Plan an Unpaid Work week from JSON records"
)
def upw_json(body: JsonUpwRun, who: Principal = Depends(runner), svc: Service = Depends(service)):
    check_iso_week(body.week)
    tables = {"upw_people": body.upw_people, "upw_placements": body.upw_placements}
    for stem in ("upw_supervisors", "upw_inductions"):
        if getattr(body, stem) is not None:
            tables[stem] = getattr(body, stem)
    folder = svc.records(tables)
    return svc.start(
        who,
        "upw",
        folder,
        body.region,
        body.pdu,
        {"solver": body.solver, "week": body.week, "force": body.force, "weeks": body.weeks},
    )


@router.post(
    "/runs/groups/json", status_code=202, summary="Plan programme groups from JSON records"
)
def groups_json(
    body: JsonGroupsRun, who: Principal = Depends(runner), svc: Service = Depends(service)
):
    tables = {
        "referrals": body.referrals,
        "programmes": body.programmes,
        "venues": body.venues,
        "facilitators": body.facilitators,
    }
    if body.groups_running is not None:
        tables["groups_running"] = body.groups_running
    carried = svc.carry(who, body.running_from, body.start, body.groups_running is not None)
    folder = svc.records(tables)
    return svc.start(
        who,
        "groups",
        folder,
        body.region,
        body.pdu,
        {"solver": body.solver, "from": body.start.isoformat(), "force": body.force},
        prepare=lambda f: svc.carried_into(f, carried, body.running_from),
    )


@router.post(
    "/runs/upw", status_code=202, summary="Plan an Unpaid Work week from uploaded CSV files"
)
async def upw_csv(
    upw_people: UploadFile = File(...),
    upw_placements: UploadFile = File(...),
    upw_attendance: UploadFile | None = File(
        None, description="Optional: last week's outcomes, fed back before planning"
    ),
    upw_supervisors: UploadFile | None = File(
        None, description="Optional: the supervisors GROUP and WORKSHOP sessions are run by"
    ),
    upw_inductions: UploadFile | None = File(
        None, description="Optional: induction slots (inducted before any work)"
    ),
    week: str = Form(..., pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W48"),
    weeks: int = Form(4, ge=1, le=12, description=WEEKS_HELP),
    region: str | None = Form(None),
    pdu: str | None = Form(None),
    solver: Literal["mip", "cpsat", "greedy"] = Form("mip"),
    force: bool = Form(False, description=FORCE_HELP),
    who: Principal = Depends(runner),
    svc: Service = Depends(service),
):
    check_iso_week(week)
    files = {"upw_people": upw_people, "upw_placements": upw_placements}
    if upw_attendance is not None:
        files["upw_attendance"] = upw_attendance
    if upw_supervisors is not None:
        files["upw_supervisors"] = upw_supervisors
    if upw_inductions is not None:
        files["upw_inductions"] = upw_inductions
    folder = await svc.save_uploads(files)
    return await svc.start_uploaded(
        who,
        "upw",
        folder,
        region,
        pdu,
        {"solver": solver, "week": week, "force": force, "weeks": weeks},
    )


class Replan(BaseModel):
    """What changed since a stored plan: for an Unpaid Work week, the sessions that stand down
    (PLACEMENT@YYYY-MM-DD); for a programme quarter, facilitators off and venues closed
    (ID@YYYY-MM-DD..YYYY-MM-DD, or ID@YYYY-MM-DD for one day)."""

    cancel: list[str] = Field(default_factory=list)
    facilitator_off: list[str] = Field(default_factory=list)
    venue_closed: list[str] = Field(default_factory=list)


@router.post(
    "/runs/{job_id}/replan",
    status_code=202,
    summary="Re-plan a stored week or quarter around what changed",
)
def replan(
    job_id: str,
    body: Replan,
    who: Principal = Depends(runner),
    svc: Service = Depends(service),
):
    """A week: only the people whose sessions stand down are planned again. A quarter: each
    session a facilitator off or a venue closed hits is covered, moved or postponed with the
    fewest people affected, everything else kept. The result says whom to tell (the week's
    summary `tell`; the quarter's `tell` table)."""
    job = svc.job(job_id, who)
    if job.kind == "groups":
        return svc.replan_groups(job, who, body.facilitator_off, body.venue_closed)
    return svc.replan(job, who, body.cancel)


@router.post(
    "/runs/groups", status_code=202, summary="Plan programme groups from uploaded CSV files"
)
async def groups_csv(
    referrals: UploadFile = File(...),
    programmes: UploadFile = File(...),
    venues: UploadFile = File(...),
    facilitators: UploadFile = File(...),
    groups_running: UploadFile | None = File(
        None, description="Optional: groups already running (pinned, members not planned again)"
    ),
    running_from: str | None = Form(None, description=RUNNING_FROM_HELP),
    start: date = Form(..., alias="from", description="First day of the plan (YYYY-MM-DD)"),
    region: str | None = Form(None),
    pdu: str | None = Form(None),
    solver: Literal["mip", "cpsat", "greedy"] = Form("mip"),
    force: bool = Form(False, description=FORCE_HELP),
    who: Principal = Depends(runner),
    svc: Service = Depends(service),
):
    carried = svc.carry(who, running_from, start, groups_running is not None)
    files = {
        "referrals": referrals,
        "programmes": programmes,
        "venues": venues,
        "facilitators": facilitators,
    }
    if groups_running is not None:
        files["groups_running"] = groups_running
    folder = await svc.save_uploads(files)
    return await svc.start_uploaded(
        who,
        "groups",
        folder,
        region,
        pdu,
        {"solver": solver, "from": start.isoformat(), "force": force},
        prepare=lambda f: svc.carried_into(f, carried, running_from),
    )
