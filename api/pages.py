"""The pages of the people who run the other services, server-rendered like the review page (no
script needed to use them), each behind the signed-in key's role and scope:

- `/pages/upw/{run}`: a placement coordinator's week (or horizon) as a calendar of sessions per
  placement, with the crew, supervisor and van; the unplaced with reasons, the review list, the
  "tell the practitioner" list, and a stand-down button that runs the re-plan job and then
  shows who must be told.
- `/pages/groups/{run}`: an Interventions Team's quarter as a timeline per venue and room; each
  group's members, facilitators and session dates; the unplaced with the alternative offered;
  the facilitator-off re-plan, then the sessions it changed and who must be told.
- `/pages/person/{run}/{person}`: one person's calendar across services, with the reason for
  each booking.
- `/pages/analyst`: workload balance over the stored nights against the greedy baseline, as
  charts, and the capacity projection of the latest night.

A key sees a run's page only where it sees the run (404 otherwise: no hint it exists), and gets
the re-plan forms only where its role may start that kind of run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import page_data
from api.auth import Principal, Session, check_form, page_session
from api.jobs import Job
from api.latest import newest
from api.review import TEMPLATES
from api.scope import view
from api.service import Service, csv_download, service

router = APIRouter(tags=["pages"], include_in_schema=False)
LATEST = "latest"  # in a page's address: the newest finished run of its kind this key sees
WAIT_REFRESH_SECONDS = 2  # a page waiting for its run reloads itself this often (no script)


def _signed_in(request: Request) -> Session | RedirectResponse:
    """The page's signed-in session, or the way to sign in (back here afterwards)."""
    session = page_session(request)
    if session is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/review/login?{urlencode({'next': here})}", status_code=303)
    return session


def _run_of(svc: Service, who: Principal, job_id: str, kind: str) -> Job:
    """The run, of this kind, when this key sees it (404 otherwise)."""
    job = svc.job(job_id, who)
    if job.kind != kind:
        raise HTTPException(404, f"no {kind} run {job_id} visible to this key")
    return job


def _waiting(request: Request, session: Session, job: Job, what: str) -> HTMLResponse:
    """A run not finished yet: its state, reloading itself until it is."""
    return TEMPLATES.TemplateResponse(
        request,
        "wait.html",
        {
            "who": session.who,
            "csrf": session.csrf,
            "job": job,
            "what": what,
            "refresh": WAIT_REFRESH_SECONDS if job.state in ("QUEUED", "RUNNING") else None,
        },
    )


def _open_plan(
    request: Request, svc: Service, job_id: str, kind: str, what: str
) -> tuple[Session, Job, Path] | Response:
    """A plan page's run, finished: (session, run, its files); or the response to give
    instead (sign in, the newest run for `latest`, a page waiting for the run)."""
    session = _signed_in(request)
    if isinstance(session, RedirectResponse):
        return session
    if job_id == LATEST:
        return RedirectResponse(f"/pages/{kind}/{newest(svc, session.who, (kind,)).job_id}", 303)
    job = _run_of(svc, session.who, job_id, kind)
    if job.state not in ("DONE", "STOPPED"):
        return _waiting(request, session, job, what)
    return session, job, svc.done(job)


def _replan_form(
    request: Request,
    svc: Service,
    job_id: str,
    kind: str,
    csrf: str | None,
    start: Callable[[Job, Principal], dict],
) -> Response:
    """A re-plan form posted: from this service's own page, by a key that sees the run; the
    re-plan job started, and the new run's page (or this page, saying why not)."""
    signed = _signed_in(request)
    if isinstance(signed, RedirectResponse):
        return signed
    check_form(request, signed, csrf)
    job = _run_of(svc, signed.who, job_id, kind)
    try:
        started = start(job, signed.who)
    except HTTPException as exc:
        return _back_saying(kind, job_id, exc)
    return RedirectResponse(f"/pages/{kind}/{started['run']}", status_code=303)


def _back_saying(kind: str, job_id: str, exc: HTTPException) -> RedirectResponse:
    """Back to the plan's page, saying why what was asked could not be done (a run not
    visible stays a 404)."""
    if exc.status_code == 404:
        raise exc
    return RedirectResponse(
        f"/pages/{kind}/{job_id}?{urlencode({'error': page_data.detail_text(exc.detail)})}",
        status_code=303,
    )


def _read(out: Path, name: str) -> pd.DataFrame:
    path = out / name
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# -- Unplaced Work: the coordinator's week ---------------------------------------------------
@router.get("/pages/upw/{job_id}", response_class=HTMLResponse)
def upw_page(
    request: Request,
    job_id: str,
    message: str | None = None,
    error: str | None = None,
    ahead: bool = False,
    svc: Service = Depends(service),
):
    """The week (`ahead`: and the provisional weeks after it) as a calendar."""
    opened = _open_plan(request, svc, job_id, "upw", "Unpaid Work week")
    if isinstance(opened, Response):
        return opened
    session, job, out = opened
    who = session.who
    summary = json.loads((out / "upw_summary.json").read_text())
    schedule, roster = _read(out, "upw_schedule.csv"), _read(out, "upw_roster.csv")
    weeks_ahead = int(schedule["week"].nunique()) - 1 if "week" in schedule else 0
    if not ahead and "firm" in schedule:
        schedule = schedule[schedule["firm"] == "True"]
    days, rows = page_data.upw_calendar(schedule, roster)
    return TEMPLATES.TemplateResponse(
        request,
        "upw.html",
        {
            "who": who,
            "csrf": session.csrf,
            "job": job,
            "summary": summary,
            "days": days,
            "rows": rows,
            "map": page_data.upw_map(svc.roads(), Path(job.data or out), schedule),
            "unplaced": _read(out, "upw_unplaced.csv").to_dict("records"),
            "reviews": _read(out, "upw_reviews.csv").to_dict("records"),
            "tell_practitioner": _read(out, "upw_tell_practitioner.csv").to_dict("records"),
            "unsupervised": _read(out, "upw_unsupervised.csv").to_dict("records"),
            "told": summary.get("tell"),  # a re-plan's changes: who must be told
            "stood_down": job.params.get("cancel") or [],
            "ahead": ahead,
            "weeks_ahead": weeks_ahead,
            "may_replan": who.may_run("upw"),
            "message": message,
            "error": error,
        },
    )


@router.post("/pages/upw/{job_id}/stand-down")
def stand_down(
    request: Request,
    job_id: str,
    session_id: str = Form(..., alias="session"),
    csrf: str | None = Form(None),
    svc: Service = Depends(service),
):
    """Stand a session down: the week re-planned around it as a job of its own (the page of
    the new run shows it running, then the new week and who must be told)."""
    return _replan_form(
        request, svc, job_id, "upw", csrf, lambda job, who: svc.replan(job, who, [session_id])
    )


# -- Programme groups: the Interventions Team's quarter --------------------------------------
@router.get("/pages/groups/{job_id}", response_class=HTMLResponse)
def groups_page(
    request: Request,
    job_id: str,
    error: str | None = None,
    svc: Service = Depends(service),
):
    opened = _open_plan(request, svc, job_id, "groups", "programme quarter")
    if isinstance(opened, Response):
        return opened
    session, job, out = opened
    who = session.who
    summary = json.loads((out / "groups_summary.json").read_text())
    groups, members = _read(out, "groups.csv"), _read(out, "group_members.csv")
    sessions = page_data.group_sessions(svc.store.engine, job.run_id)
    first = date.fromisoformat(str(summary["from"]))
    lanes, weeks = page_data.room_lanes(groups, first)
    by_group = (
        {g: sorted(m["person_id"].tolist()) for g, m in members.groupby("group_id")}
        if len(members)
        else {}
    )
    facilitators = sorted(
        {f for fs in groups.get("facilitator_ids", []) for f in fs.split(";") if f}
    )
    fac_weeks, fac_rows = page_data.facilitator_grid(
        _read(out, "facilitator_weeks.csv"), svc.config.groups.horizon_weeks
    )
    return TEMPLATES.TemplateResponse(
        request,
        "groups.html",
        {
            "who": who,
            "csrf": session.csrf,
            "job": job,
            "summary": summary,
            "lanes": lanes,
            "map": page_data.groups_map(svc.roads(), Path(job.data or out), groups, members),
            "weeks": weeks,
            "groups": groups.to_dict("records"),
            "members": by_group,
            "sessions": sessions,
            "unplaced": _read(out, "unplaced.csv").to_dict("records"),
            "one_to_one": _read(out, "one_to_one.csv").to_dict("records"),
            "changes": _read(out, "changes.csv").to_dict("records"),
            "tell": _read(out, "tell.csv").to_dict("records"),
            "facilitators": facilitators,
            "fac_weeks": fac_weeks,
            "fac_rows": fac_rows,
            "disruptions": (job.params.get("facilitator_off") or [])
            + (job.params.get("venue_closed") or []),
            "may_replan": who.may_run("groups"),
            "first": first.isoformat(),
            "carry_on": max(date.today(), first + timedelta(weeks=1)).isoformat(),
            "error": error,
        },
    )


@router.post("/pages/groups/{job_id}/facilitator-off")
def facilitator_off(
    request: Request,
    job_id: str,
    facilitator_id: str = Form(...),
    date_from: str = Form(..., alias="from"),
    date_to: str = Form(..., alias="to"),
    csrf: str | None = Form(None),
    svc: Service = Depends(service),
):
    """Mark a facilitator off for some days: the quarter re-planned around it as a job of its
    own (the new run's page shows it running, then the changes and who must be told)."""
    off = f"{facilitator_id}@{date_from}..{date_to}" if date_to else f"{facilitator_id}@{date_from}"
    return _replan_form(
        request,
        svc,
        job_id,
        "groups",
        csrf,
        lambda job, who: svc.replan_groups(job, who, [off], []),
    )


@router.get("/pages/groups/{job_id}/groups_running.csv")
def running_csv(request: Request, job_id: str, on: date, svc: Service = Depends(service)):
    """The quarter's groups under way on `on`, as the groups_running.csv the next plan is
    given (a download; `GET /runs/{id}/groups-running` over the API)."""
    signed = _signed_in(request)
    if isinstance(signed, RedirectResponse):
        return signed
    try:
        carried = svc.groups_running(_run_of(svc, signed.who, job_id, "groups"), on)
    except HTTPException as exc:
        return _back_saying("groups", job_id, exc)
    return csv_download(carried.running, "groups_running.csv")


# -- One person's calendar -------------------------------------------------------------------
@router.get("/pages/person/{job_id}/{person_id}", response_class=HTMLResponse)
def person_page(
    request: Request,
    job_id: str,
    person_id: str,
    weeks: int = 13,
    svc: Service = Depends(service),
):
    session = _signed_in(request)
    if isinstance(session, RedirectResponse):
        return session
    who = session.who
    if job_id == LATEST:
        found = newest(svc, who, ("upw", "groups"), person_id)
        return RedirectResponse(person_link(found.job_id, person_id), 303)
    job = svc.job(job_id, who)
    missing = HTTPException(404, f"no person {person_id} visible to this key in run {job_id}")
    # the run this key sees holds the person (its inputs are its PDU's or region's only)
    if job.kind not in ("upw", "groups") or job.data is None:
        raise missing
    if not page_data.in_inputs(person_id, Path(job.data)):
        raise missing
    others = [
        Path(j.data)
        for j in svc.jobs.list()
        if j.kind in ("upw", "groups") and j.data and view(j, who) is not None
    ]
    about = page_data.person_inputs(person_id, [Path(job.data)] + others)
    first = page_data.period_start(job)
    weeks = max(1, min(weeks, 52))
    rows = page_data.calendar_with_reasons(
        svc.store.engine, person_id, first, first + timedelta(weeks=weeks), about
    )
    return TEMPLATES.TemplateResponse(
        request,
        "person.html",
        {
            "who": who,
            "csrf": session.csrf,
            "job": job,
            "person": person_id,
            "about": about,
            "rows": rows,
            "clashes": page_data.clashes(rows),
            "first": first.isoformat(),
            "weeks": weeks,
            "back": f"/pages/{job.kind}/{job.job_id}",
        },
    )


# -- The analyst's balance over the nights ---------------------------------------------------
@router.get("/pages/analyst", response_class=HTMLResponse)
def analyst_page(request: Request, svc: Service = Depends(service)):
    session = _signed_in(request)
    if isinstance(session, RedirectResponse):
        return session
    who = session.who
    nights = [
        j
        for j in svc.jobs.list()
        if j.kind == "allocation" and j.state in ("DONE", "STOPPED") and view(j, who) is not None
    ]
    series = page_data.balance_series(svc, nights, who)
    capacity = page_data.capacity_of(svc, nights, who)
    return TEMPLATES.TemplateResponse(
        request,
        "analyst.html",
        {
            "who": who,
            "csrf": session.csrf,
            "series": series,
            "charts": page_data.balance_charts(series),
            "capacity": capacity,
        },
    )


ERROR_TITLES = {403: "Not allowed", 404: "Not found", 409: "Not ready", 422: "Not accepted"}


def error_page(request: Request, status: int, detail) -> HTMLResponse:
    """An error as a page: what went wrong in words, and the way back (no traceback, ever)."""
    session = page_session(request)
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "who": session.who if session else None,
            "csrf": session.csrf if session else None,
            "title": ERROR_TITLES.get(status, "Something went wrong"),
            "detail": page_data.detail_text(detail),
        },
        status_code=status,
    )


def person_link(job_id: str, person_id: str) -> str:
    return f"/pages/person/{quote(job_id)}/{quote(person_id)}"


TEMPLATES.env.globals["person_link"] = person_link
