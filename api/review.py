"""The review page: a server-rendered page (Jinja2 templates, no script needed) where a Senior
Probation Officer sees tonight's proposals for their PDU, each case's explanation, each
practitioner's workload before and after (a bar chart), a map of homes and offices, and
confirms, rejects or overrides. The forms post to the same decision logic as the API.

Browsers cannot send the X-API-Key header, so the page signs in once with the key and keeps it
in an HttpOnly, SameSite=Strict cookie (which also keeps other sites from posting the forms).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.auth import COOKIE, Principal, check_form, known_key, page_session
from api.latest import newest
from api.scope import seen_part, view
from api.service import Service, service

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
CHART_ROWS = 40  # practitioners shown in the bar chart (those receiving work first)


def _moves(proposals: pd.DataFrame, explanations: dict[str, dict]) -> dict[str, int]:
    """Points each practitioner gains (or, losing a moved case, gives up) by these allocations."""
    delta: dict[str, int] = defaultdict(int)
    for r in proposals.itertuples():
        pts = int(explanations.get(r.case_id, {}).get("points", 0))
        if r.status in ("NEW", "MOVED") and r.practitioner_id:
            delta[r.practitioner_id] += pts
            if r.status == "MOVED" and r.previous_practitioner_id:
                delta[r.previous_practitioner_id] -= pts
    return delta


def as_decided(proposals: pd.DataFrame, decided: dict[str, dict]) -> pd.DataFrame:
    """The proposals with the SPO's latest decisions applied: an override moves the case, a
    rejection leaves it where it was (nobody new takes it)."""
    out = proposals.copy()
    for case_id, d in decided.items():
        rows = out["case_id"] == case_id
        if d["action"] == "override":
            out.loc[rows, "practitioner_id"] = d["practitioner_id"]
        elif d["action"] == "reject":
            out.loc[rows, "status"] = "REJECTED"
    return out


def workload_rows(
    workload: pd.DataFrame,
    proposals: pd.DataFrame,
    explanations: dict[str, dict],
    decided: pd.DataFrame | None = None,
) -> list[dict]:
    """Each practitioner's utilisation before tonight and after it: after the engine's proposals,
    or, given `decided`, after the SPO's decisions so far."""
    engine, final = (
        _moves(proposals, explanations),
        _moves(proposals if decided is None else decided, explanations),
    )
    rows = []
    for w in workload.itertuples():
        avail = float(w.available_points or 0)
        if avail <= 0:
            continue
        before = float(w.points) - engine.get(w.practitioner_id, 0)
        after = before + final.get(w.practitioner_id, 0)
        rows.append(
            {
                "id": w.practitioner_id,
                "before": before / avail,
                "after": after / avail,
                "new": int(w.new_cases),
            }
        )
    rows.sort(key=lambda r: (-(r["after"] != r["before"]), -r["after"]))
    return rows[:CHART_ROWS]


def map_points(
    night, proposals: pd.DataFrame, staff: pd.DataFrame, width: int = 640, height: int = 420
) -> dict:
    """Homes of tonight's cases and practitioners' offices projected onto the page (equirectangular
    about the PDU's centre), with a line from each home to the proposed practitioner's office."""
    pending = proposals[proposals["status"].isin(["NEW", "MOVED", "UNALLOCATED", "REJECTED"])]
    cases = night.cases.set_index("case_id").loc[pending["case_id"]]
    offices = staff.drop_duplicates("practitioner_id").set_index("practitioner_id")
    lat = pd.concat([cases["home_lat"], offices["office_lat"]]).astype(float)
    lon = pd.concat([cases["home_lon"], offices["office_lon"]]).astype(float)
    if lat.empty:
        return {"homes": [], "offices": [], "links": [], "width": width, "height": height}
    k = math.cos(math.radians(float(lat.mean())))
    x0, x1, y0, y1 = float(lon.min()) * k, float(lon.max()) * k, float(lat.min()), float(lat.max())
    scale = min((width - 40) / max(x1 - x0, 1e-6), (height - 40) / max(y1 - y0, 1e-6))

    def xy(la: float, lo: float) -> tuple[float, float]:
        return round(20 + (lo * k - x0) * scale, 1), round(height - 20 - (la - y0) * scale, 1)

    office_xy = {
        str(p): xy(float(r.office_lat), float(r.office_lon)) for p, r in offices.iterrows()
    }
    homes, links = [], []
    for r in pending.itertuples():
        c = cases.loc[r.case_id]
        hx, hy = xy(float(c["home_lat"]), float(c["home_lon"]))
        homes.append(
            {
                "x": hx,
                "y": hy,
                "case": r.case_id,
                "unallocated": r.status in ("UNALLOCATED", "REJECTED"),
            }
        )
        if r.practitioner_id in office_xy:
            ox, oy = office_xy[r.practitioner_id]
            links.append({"x1": hx, "y1": hy, "x2": ox, "y2": oy})
    seen, offices_out = set(), []
    for p, (x, y) in office_xy.items():
        if (x, y) not in seen:
            seen.add((x, y))
            offices_out.append({"x": x, "y": y, "id": p})
    return {
        "homes": homes,
        "offices": offices_out,
        "links": links,
        "width": width,
        "height": height,
    }


def seen_pdus(night, proposals: pd.DataFrame) -> list[str]:
    """The PDUs of the cases on the page."""
    return (
        night.cases.loc[night.cases["case_id"].isin(proposals["case_id"]), "pdu"]
        .astype(str)
        .tolist()
    )


router = APIRouter(tags=["review"])


def _signed_in_form(request: Request, csrf: str | None) -> Principal | None:
    """The signed-in user of a state-changing form, once it is known to come from this
    service's own page (403 otherwise); None: sign in again."""
    session = page_session(request)
    if session is None:
        return None
    check_form(request, session, csrf)
    return session.who


@router.get("/review/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, error: str | None = None, next: str | None = None):
    return TEMPLATES.TemplateResponse(
        request, "login.html", {"error": error, "next": _own_path(next)}
    )


def _own_path(path: str | None) -> str | None:
    """Where to go after signing in: a path of this service only (never another site)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


@router.post("/review/login", include_in_schema=False)
def login(request: Request, key: str = Form(...), next: str | None = Form(None)):
    """Sign in with an API key: the browser gets a session id (HttpOnly, SameSite=Strict,
    Secure over TLS, ending after the configured hours), never the key itself."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    if request.headers.get("origin", own) != own:
        raise HTTPException(403, "a sign-in from another site is refused")
    who = known_key(request, key)
    if who is None:
        return TEMPLATES.TemplateResponse(
            request,
            "login.html",
            {"error": "unknown key", "next": _own_path(next)},
            status_code=401,
        )
    sessions = request.app.state.sessions
    sid, _ = sessions.open(who)
    resp = RedirectResponse(_own_path(next) or "/review", status_code=303)
    resp.set_cookie(
        COOKIE,
        sid,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(sessions.seconds),
    )
    return resp


@router.post("/review/logout", include_in_schema=False)
def logout(request: Request, csrf: str | None = Form(None)):
    if _signed_in_form(request, csrf) is not None:
        request.app.state.sessions.close(request.cookies.get(COOKIE))
    resp = RedirectResponse("/review/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/review", response_class=HTMLResponse, summary="The runs this key may review")
def index(request: Request, svc: Service = Depends(service)):
    session = page_session(request)
    if session is None:
        return RedirectResponse("/review/login", status_code=303)
    who = session.who
    jobs = [j for j in svc.jobs.list() if view(j, who) is not None]
    return TEMPLATES.TemplateResponse(
        request, "index.html", {"who": who, "jobs": jobs, "csrf": session.csrf}
    )


@router.get(
    "/review/{job_id}",
    response_class=HTMLResponse,
    summary="Review tonight's proposals of a run",
)
def review(
    request: Request,
    job_id: str,
    message: str | None = None,
    error: str | None = None,
    svc: Service = Depends(service),
):
    session = page_session(request)
    if session is None:
        return RedirectResponse("/review/login", status_code=303)
    who = session.who
    if job_id == "latest":  # the newest finished night this key sees: an address to keep
        return RedirectResponse(f"/review/{newest(svc, who, ('allocation',)).job_id}", 303)
    job = svc.job(job_id, who)
    out = svc.done(job)
    seen = seen_part(job, who)  # an SPO sees their own PDUs' part of a region's or the nation's run
    proposals = seen.rows(pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False))
    workload = seen.rows(pd.read_csv(out / "workload.csv", dtype={"practitioner_id": str}))
    explanations = {}
    with (out / "explanations.jsonl").open() as fh:
        for line in fh:
            e = json.loads(line)
            explanations[e["case_id"]] = e
    night = svc.night_view(job)
    decided = {}
    for d in svc.decisions(job, who):
        decided[d["case_id"]] = d  # the latest decision on each case
    pending = proposals[proposals["status"].isin(["NEW", "MOVED", "UNALLOCATED"])]
    cases = [
        {
            **r,
            "explanation": explanations.get(r["case_id"], {}),
            "decision": decided.get(r["case_id"]),
        }
        for r in pending.to_dict("records")
    ]
    pracs = seen.rows(night.practitioners).sort_values("practitioner_id")
    choices = [
        {"id": p.practitioner_id, "label": f"{p.name}, {p.grade}, {p.pdu}"}
        for p in pracs.itertuples()
    ]
    summary = json.loads((out / "summary.json").read_text())
    counts = proposals["status"].value_counts()
    util = workload["utilisation"].dropna()
    figures = {
        "new": int(counts.get("NEW", 0)),
        "moved": int(counts.get("MOVED", 0)),
        "unallocated": int(counts.get("UNALLOCATED", 0)),
        "peak": float(util.max()) if len(util) else 0.0,
        "mean": float(util.mean()) if len(util) else 0.0,
        "scope": ", ".join(sorted(set(seen_pdus(night, proposals)))) if not seen.whole else None,
    }
    return TEMPLATES.TemplateResponse(
        request,
        "review.html",
        {
            "who": who,
            "job": job,
            "summary": summary,
            "figures": figures,
            "cases": cases,
            "choices": choices,
            "bars": workload_rows(
                workload, proposals, explanations, as_decided(proposals, decided)
            ),
            "map": map_points(
                night, as_decided(proposals, decided), seen.rows(night.practitioners)
            ),
            "message": message,
            "error": error,
            "may_decide": who.role.value in ("admin", "spo"),
            "csrf": session.csrf,
        },
    )


@router.post("/review/{job_id}/confirm-rest", include_in_schema=False)
def confirm_rest_form(
    request: Request,
    job_id: str,
    csrf: str | None = Form(None),
    svc: Service = Depends(service),
):
    who = _signed_in_form(request, csrf)
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    try:
        rows = svc.confirm_rest(svc.job(job_id, who), who)
    except HTTPException as exc:
        return RedirectResponse(
            f"/review/{job_id}?{urlencode({'error': str(exc.detail)})}", status_code=303
        )
    return RedirectResponse(
        f"/review/{job_id}?{urlencode({'message': f'{len(rows)} proposals confirmed'})}",
        status_code=303,
    )


@router.post("/review/{job_id}/decide", include_in_schema=False)
def decide_form(
    request: Request,
    job_id: str,
    case_id: str = Form(...),
    action: str = Form(...),
    practitioner_id: str | None = Form(None),
    reason: str = Form(""),
    accept_rule_break: bool = Form(False),
    csrf: str | None = Form(None),
    svc: Service = Depends(service),
):
    who = _signed_in_form(request, csrf)
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    job = svc.job(job_id, who)
    try:
        row = svc.decide(
            job, who, case_id, action, practitioner_id or None, reason, accept_rule_break
        )
    except HTTPException as exc:
        d = exc.detail
        text = (
            d
            if isinstance(d, str)
            else f"{d['message']}"
            + (
                f" Rule breaks: {'; '.join(d['rule_breaks'])}. Tick 'accept rule break' and give the reason to "
                "record it anyway (it will be flagged)."
                if d.get("rule_breaks")
                else ""
            )
        )
        return RedirectResponse(
            f"/review/{job_id}?{urlencode({'error': f'{case_id}: {text}'})}#case-{case_id}",
            status_code=303,
        )
    note = f"{case_id}: {row['action']} recorded" + (
        " (flagged: rule break accepted)" if row["flagged"] else ""
    )
    if row.get("reproposal"):  # after a rejection: who would take it next, to override to
        nxt = row["reproposal"]
        note += (
            f". Next best for it: {nxt['practitioner_id']} ({nxt['utilisation_before']:.0%} -> "
            f"{nxt['utilisation_after']:.0%}, {nxt['travel_minutes']} min); override to them "
            "to accept"
        )
    elif action == "reject":
        note += ". Nobody else eligible has room for it"
    return RedirectResponse(
        f"/review/{job_id}?{urlencode({'message': note})}#case-{case_id}", status_code=303
    )
