"""What the pages show, computed from a run's files and the store (no HTML here): the
coordinator's calendar of sessions, the quarter's rooms as lanes of a timeline, one person's
bookings with the reason for each, and the nights' balance and capacity for the analyst. Pure
functions over tables, so each is tested without a browser."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from engine.core.calendar import week_dates
from engine.store.calendar import DAY_PARTS, person_calendar
from engine.store.schema import groups_calendar

CHART_WIDTH, CHART_HEIGHT = 560, 180  # the analyst's charts (SVG units)
TIMELINE_WIDTH = 760  # the quarter's timeline (SVG units, after the lane labels)


def detail_text(detail: Any) -> str:
    """An HTTPException's detail as one line for a page (422s carry a list of fields)."""
    if isinstance(detail, list):
        return "; ".join(f"{d.get('field', '')}: {d.get('message', d)}" for d in detail)
    if isinstance(detail, dict):
        return str(detail.get("message", detail))
    return str(detail)


# -- Unpaid Work ----------------------------------------------------------------------------
def upw_calendar(schedule: pd.DataFrame, roster: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """The days planned (firm or provisional) and, per placement, each day's session: its crew,
    its supervisor (and whether they drive the van) or none for an individual placement."""
    if schedule.empty:
        return [], []
    firm = schedule.groupby("date")["firm"].first().to_dict() if "firm" in schedule else {}
    days = [
        {
            "date": d,
            "label": date.fromisoformat(d).strftime("%a %d %b"),
            "firm": str(firm.get(d, "True")) == "True",
        }
        for d in sorted(schedule["date"].unique())
    ]
    staff: dict[tuple[str, str], dict] = {}
    for r in roster.to_dict("records"):
        staff[(r["placement_id"], r["date"])] = {
            "supervisor": r["supervisor_id"],
            "van": str(r.get("crew_bus", "False")) == "True",
            "kind": r.get("kind", ""),
            "drive_minutes": r.get("drive_minutes", ""),
        }
    rows = []
    for place, df in schedule.groupby("placement_id"):
        cells = {}
        for d, s in df.groupby("date"):
            cells[d] = {
                "session": f"{place}@{d}",
                "crew": sorted(s["person_id"].tolist()),
                "hours": s["hours"].iat[0],
                **staff.get((str(place), str(d)), {"supervisor": "", "van": False, "kind": ""}),
            }
        rows.append({"placement": place, "cells": cells})
    return days, sorted(rows, key=lambda r: r["placement"])


# -- Programme groups -----------------------------------------------------------------------
def group_sessions(engine: Engine, plan_key: str | None) -> dict[str, list[str]]:
    """Each group's session dates and slots in the stored plan (as re-plans left them)."""
    if plan_key is None:
        return {}
    t = groups_calendar
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.item, t.c.date, t.c.slot).where(t.c.plan_key == plan_key).distinct()
        ).all()
    out: dict[str, set[str]] = defaultdict(set)
    for item, d, slot in rows:
        if not str(item).startswith(("one-to-one/", "pre-group/")):
            out[str(item)].add(f"{d} {slot}")
    return {g: sorted(s) for g, s in out.items()}


def _overlap(a: dict, b: dict) -> bool:
    """Two groups that would need the same room: a slot in common while both run."""
    slots = set(a["slot"].split(";")) & set(b["slot"].split(";"))
    return bool(slots) and a["start_date"] <= b["end_date"] and b["start_date"] <= a["end_date"]


def room_lanes(groups: pd.DataFrame, first: date) -> tuple[list[dict], list[dict]]:
    """The quarter as a timeline per venue and room: each group goes into the venue's first
    room where no group shares a slot while both run (what the planner's room count allows),
    and is drawn as its own row, a bar from its first session to its last, under its room.
    Returns the rows (venue and room named on each room's first) and the week ticks."""
    if groups.empty:
        return [], []
    last = max(date.fromisoformat(d) for d in groups["end_date"])
    span = max(1, (last - first).days + 1)

    def x(d: str) -> float:
        return round(TIMELINE_WIDTH * (date.fromisoformat(d) - first).days / span, 1)

    rows = []
    for venue, df in groups.sort_values(["venue_id", "start_date", "group_id"]).groupby("venue_id"):
        rooms: list[list[dict]] = []
        for g in df.to_dict("records"):
            room = next((r for r in rooms if not any(_overlap(g, h) for h in r)), None)
            if room is None:
                room = []
                rooms.append(room)
            room.append(g)
        for n, room in enumerate(rooms, start=1):
            for k, g in enumerate(room):
                start = max(0.0, x(g["start_date"]))
                rows.append(
                    {
                        "venue": venue,
                        "room": n,
                        "first_in_room": k == 0,
                        "group": g["group_id"],
                        "programme": g["programme"],
                        "x": start,
                        "w": max(2.0, x(g["end_date"]) - start),
                        "label": f"{g['group_id']} {g['slot']} {g['start_date']}..{g['end_date']}",
                    }
                )
    ticks = [first + timedelta(weeks=k) for k in range(0, span // 7 + 1, 2)]
    return rows, [{"x": x(t.isoformat()), "label": t.strftime("%d %b")} for t in ticks]


def facilitator_grid(weeks: pd.DataFrame, horizon: int) -> tuple[list[str], list[dict]]:
    """The quarter's first `horizon` weeks (their Mondays) and each facilitator's row across
    them: sessions held of the most, full where none is spare (facilitator_weeks.csv; a plan
    made before it has none, and the page leaves the grid out)."""
    if weeks.empty:
        return [], []
    starts = sorted(weeks["week_start"].unique())[:horizon]
    shown = weeks[weeks["week_start"].isin(starts)]
    rows = []
    for f, mine in shown.groupby("facilitator_id", sort=True):
        cells = {
            w: (int(n), int(most)) for w, n, most in mine[["week_start", "sessions", "most"]].values
        }
        rows.append(
            {
                "facilitator": f,
                "cells": [
                    {"held": cells[w][0], "most": cells[w][1], "full": cells[w][0] >= cells[w][1]}
                    for w in starts
                ],
            }
        )
    return starts, rows


# -- One person's calendar ------------------------------------------------------------------
@lru_cache(maxsize=256)
def _table(folder: str, name: str) -> pd.DataFrame:
    """An input table of a run's folder (inputs never change once a run is submitted)."""
    path = Path(folder) / name
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def in_inputs(person: str, folder: Path) -> bool:
    """Whether the person is in this run's inputs (an Unpaid Work or a programme person)."""
    for name in ("upw_people.csv", "referrals.csv"):
        df = _table(str(folder), name)
        if len(df) and (df["person_id"] == person).any():
            return True
    running = _table(str(folder), "groups_running.csv")
    return bool(len(running)) and running["person_ids"].str.split(";").explode().eq(person).any()


def person_inputs(person: str, folders: list[Path]) -> dict:
    """What the runs' inputs say about the person: their PDU, their Unpaid Work order and
    their programme requirements (the first folder that has each)."""
    about: dict[str, Any] = {"pdu": None, "upw": None, "programmes": {}}
    for folder in folders:
        upw = _table(str(folder), "upw_people.csv")
        if about["upw"] is None and len(upw):
            row = upw[upw["person_id"] == person]
            if len(row):
                upw_row = row.iloc[0].to_dict()
                about["upw"], about["pdu"] = upw_row, about["pdu"] or upw_row["pdu"]
        refs = _table(str(folder), "referrals.csv")
        if len(refs):
            for r in refs[refs["person_id"] == person].to_dict("records"):
                about["programmes"].setdefault(r["programme"], r)
                about["pdu"] = about["pdu"] or r["pdu"]
    return about


def period_start(job) -> date:
    """The first day of a run's plan: its week's Monday or its quarter's first day."""
    if job.kind == "upw":
        return week_dates(str(job.params["week"]))[0]
    return date.fromisoformat(str(job.params["from"]))


def _upw_reason(about: dict) -> str:
    upw = about.get("upw")
    if not upw:
        return "Unpaid Work requirement"
    ordered, done = float(upw["hours_ordered"] or 0), float(upw["hours_completed"] or 0)
    due = date.fromisoformat(upw["sentence_date"]) + timedelta(days=365)
    return (
        f"Unpaid Work requirement: {ordered:g} hours ordered, {done:g} done, "
        f"{max(0.0, ordered - done):g} left to complete by {due} (12 months from sentence)"
    )


def _programme_reason(item: str, programme: str, about: dict) -> str:
    ref = about["programmes"].get(programme)
    end = f" (sentence ends {ref['sentence_end']})" if ref else ""
    if item.startswith("pre-group/"):
        return f"{programme} requirement{end}: the one-to-one pre-group session before the group"
    if item.startswith("one-to-one/"):
        return f"{programme} requirement{end}: delivered one-to-one, as no group fits"
    return f"{programme} requirement{end}: a session of group {item}"


def calendar_with_reasons(
    engine: Engine, person: str, first: date, last: date, about: dict
) -> list[dict]:
    """The person's bookings across services (engine.store.calendar), each with the reason a
    practitioner would give them for it."""
    rows = person_calendar(engine, person, first, last)
    for r in rows:
        if r["service"] == "Unpaid Work":
            r["why"] = _upw_reason(about)
        elif r["service"] == "supervision":
            r["why"] = "supervision appointment: every planner keeps this half-day free"
        else:
            programme, _, item = r["what"].partition(": ")
            r["why"] = _programme_reason(item, programme, about)
        r["day"] = date.fromisoformat(r["date"]).strftime("%a %d %b %Y")
    return rows


def clashes(rows: list[dict]) -> list[str]:
    """Half-days booked twice (never, when both planners keep one calendar): 'date part'."""
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        parts = DAY_PARTS if r["when"] == "-".join(DAY_PARTS) else (r["when"].split("-")[-1],)
        for part in parts:
            taken[(r["date"], part)] += 1
    return sorted(f"{d} {p}" for (d, p), n in taken.items() if n > 1)


# -- The analyst ----------------------------------------------------------------------------
def balance_series(svc, nights: list, who) -> list[dict]:
    """Each stored night the key sees, oldest first: the engine's peak and spread of
    utilisation and cases left unallocated, beside the greedy baseline's in the same run."""
    out = []
    for job in sorted(nights, key=lambda j: j.created):
        path = svc.jobs.dir(job.job_id) / "out" / "summary.json"
        if not path.exists():
            continue
        s = _summary(str(path))
        greedy = s.get("greedy") or {}
        out.append(
            {
                "run": job.job_id,
                "night": s.get("run_date", ""),
                "scope": job.pdu or job.region or "all PDUs",
                "peak": float(s.get("max_utilisation") or 0),
                "spread": float(s.get("std_utilisation") or 0),
                "unallocated": int(s.get("unallocated") or 0),
                "greedy_peak": float(greedy.get("max_utilisation") or 0),
                "greedy_spread": float(greedy.get("std_utilisation") or 0),
                "greedy_unallocated": int(greedy.get("unallocated") or 0),
                "gap": s.get("gap"),
            }
        )
    return out


@lru_cache(maxsize=256)
def _summary(path: str) -> dict:
    import json

    return json.loads(Path(path).read_text())


def _chart(series: list[dict], keys: tuple[str, str], pct: bool) -> dict:
    """Paired bars per night (engine, baseline) scaled into the chart, with the axis top."""
    top = max([max(r[keys[0]], r[keys[1]]) for r in series] + [1e-9])
    n = max(1, len(series))
    step = (CHART_WIDTH - 60) / n
    bars = []
    for k, r in enumerate(series):
        for j, key in enumerate(keys):
            h = (CHART_HEIGHT - 40) * r[key] / top
            bars.append(
                {
                    "x": round(50 + k * step + j * min(step * 0.4, 38.0), 1),
                    "y": round(CHART_HEIGHT - 20 - h, 1),
                    "w": round(min(step * 0.38, 36.0), 1),
                    "h": round(h, 1),
                    "engine": j == 0,
                    "title": f"{r['night']} {r['scope']} {'engine' if j == 0 else 'greedy'}: "
                    + (f"{100 * r[key]:.1f}%" if pct else f"{r[key]:g}"),
                }
            )
    labels = [
        {"x": round(50 + k * step + step * 0.4, 1), "text": r["night"]}
        for k, r in enumerate(series)
    ]
    return {
        "bars": bars,
        "labels": labels,
        "top": f"{100 * top:.0f}%" if pct else f"{top:g}",
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }


def balance_charts(series: list[dict]) -> dict[str, dict]:
    """The three charts: peak utilisation, its spread (standard deviation), unallocated."""
    return {
        "peak": _chart(series, ("peak", "greedy_peak"), True),
        "spread": _chart(series, ("spread", "greedy_spread"), True),
        "unallocated": _chart(series, ("unallocated", "greedy_unallocated"), False),
    }


def capacity_of(svc, nights: list, who) -> dict | None:
    """The capacity projection the latest night the key sees left beside its run (the same
    projection as `probation capacity`), within the key's scope: each PDU's cases falling due
    and the extra hours needed, and the PDUs' utilisation week by week (a chart)."""
    from engine.allocation.capacity import CapacityPlan, chart

    if not nights:
        return None
    job = max(nights, key=lambda j: j.created)
    folder = svc.jobs.dir(job.job_id) / "out" / "capacity"
    if not (folder / "capacity_pdus.csv").exists():
        return None
    pdus, needs = _capacity_tables(str(folder))
    if not (who.role.value == "admin" or who.sees(job.region, job.pdu)):
        pdus, needs = pdus[pdus["pdu"].isin(who.pdus)], needs[needs["pdu"].isin(who.pdus)]
    weeks = sorted(pdus["week"].unique())
    plan = CapacityPlan(weeks, pd.DataFrame(), pdus, needs)
    return {
        "night": weeks[0] if weeks else "",
        "run": job.job_id,
        "needs": needs.where(needs.notna(), None).to_dict("records"),
        "chart": chart(plan) if len(pdus) else "",  # escaped SVG of our own making
    }


@lru_cache(maxsize=64)
def _capacity_tables(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(Path(folder) / "capacity_pdus.csv"),
        pd.read_csv(Path(folder) / "capacity_needs.csv"),
    )


# -- Maps -----------------------------------------------------------------------------------
def _coords(df: pd.DataFrame, key: str, ids, lat: str, lon: str) -> dict[str, tuple[float, float]]:
    rows = df[df[key].isin(set(ids))] if len(df) else df
    return {
        str(r[key]): (float(r[lat]), float(r[lon]))
        for r in rows.to_dict("records")
        if r[lat] not in ("", None) and r[lon] not in ("", None)
    }


def upw_map(roads, folder: Path, schedule: pd.DataFrame) -> dict:
    """The week's placements and the homes of the people working them, on the roads."""
    from api.maps import Point, road_map

    if schedule.empty:
        return road_map(roads, [])
    places = _coords(
        _table(str(folder), "upw_placements.csv"), "placement_id", schedule["placement_id"],
        "lat", "lon",
    )  # fmt: skip
    homes = _coords(
        _table(str(folder), "upw_people.csv"), "person_id", schedule["person_id"],
        "home_lat", "home_lon",
    )  # fmt: skip
    points = [Point(la, lo, "home", f"home of {p}") for p, (la, lo) in sorted(homes.items())]
    points += [Point(la, lo, "site", f"placement {p}") for p, (la, lo) in sorted(places.items())]
    return road_map(roads, points)


def groups_map(roads, folder: Path, groups: pd.DataFrame, members: pd.DataFrame) -> dict:
    """The quarter's venues with groups and the homes of the groups' members, on the roads."""
    from api.maps import Point, road_map

    if groups.empty:
        return road_map(roads, [])
    venues = _coords(
        _table(str(folder), "venues.csv"), "venue_id", groups["venue_id"], "lat", "lon"
    )
    people = members["person_id"] if len(members) else []
    homes = _coords(
        _table(str(folder), "referrals.csv"), "person_id", people, "home_lat", "home_lon"
    )
    points = [Point(la, lo, "home", f"home of {p}") for p, (la, lo) in sorted(homes.items())]
    points += [Point(la, lo, "site", f"venue {v}") for v, (la, lo) in sorted(venues.items())]
    return road_map(roads, points)
