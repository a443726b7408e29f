"""One calendar per person across services, read from the store: the firm Unpaid Work sessions
(each stored week's own dates, from its latest plan), the programme sessions (group
sessions, one-to-ones and pre-group appointments, from each quarter's latest plan) and the
supervision appointments either was given (engine.core.supervision). Each
planner takes the other service's sessions as busy time and its checker refuses a clash, so a
person is never booked in two places at once; the planners never read each other's code,
only these rows.

An Unpaid Work session is a working day: it takes the morning and the afternoon of its date
(`DAY_PARTS`), leaving the evening, so an evening group the same day is no clash (the day's
work ends by late afternoon, time enough to travel)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Engine, Table, select

from engine.core.calendar import week_dates
from engine.core.supervision import describe
from engine.core.supervision import half_days as supervision_rows
from engine.store.schema import (
    groups_calendar,
    groups_plans,
    groups_supervision,
    upw_sessions,
    upw_supervision,
    upw_weeks,
)

Busy = dict[str, dict[tuple[date, str], str]]  # person -> (date, AM|PM|EVE) -> what

DAY_PARTS = ("AM", "PM")  # the half-days an Unpaid Work session takes


def busy_rows(busy: dict[str, dict]) -> list[tuple[str, str]]:
    """Either service's busy time as sorted (person, date or (date, part)) rows of text: the
    part of a run's key that makes the same plan asked for again, after the other service's
    plan changed, be planned again rather than reused."""
    return sorted((p, str(k)) for p, taken in busy.items() for k in taken)


def _latest(engine: Engine, header: Table, key: str, period: str) -> dict[str, str]:
    """Each period's latest stored plan: period -> its key (the plan a re-plan replaced is
    not the calendar any more)."""
    with engine.connect() as conn:
        rows = conn.execute(select(header.c[key], header.c[period], header.c.created_at)).all()
    best: dict[str, tuple] = {}
    for k, p, at in rows:
        if p not in best or at > best[p][1]:
            best[p] = (k, at)
    return {p: k for p, (k, _) in best.items()}


def upw_days(
    engine: Engine, first: date, last: date, people: Iterable[str] | None = None
) -> dict[str, dict[date, str]]:
    """person -> date -> placement of their firm Unpaid Work sessions from `first` to `last`:
    each stored week's latest plan, its own week only (the weeks after it are provisional)."""
    latest = _latest(engine, upw_weeks, "week_key", "week")
    want = None if people is None else set(people)
    out: dict[str, dict[date, str]] = defaultdict(dict)
    lo, hi = first.isoformat(), last.isoformat()
    with engine.connect() as conn:
        for week, key in latest.items():
            days = week_dates(week)
            if days[-1] < first or days[0] > last:
                continue
            own_lo, own_hi = max(lo, days[0].isoformat()), min(hi, days[-1].isoformat())
            t = upw_sessions
            rows = conn.execute(
                select(t.c.person_id, t.c.date, t.c.placement_id).where(
                    t.c.week_key == key, t.c.date >= own_lo, t.c.date <= own_hi
                )
            ).all()
            for pid, d, place in rows:
                if want is None or pid in want:
                    out[pid][date.fromisoformat(str(d))] = place
    return dict(out)


def programme_half_days(
    engine: Engine, first: date, last: date, people: Iterable[str] | None = None
) -> dict[str, dict[tuple[date, str], str]]:
    """person -> (date, AM|PM|EVE) -> what (group, one-to-one or pre-group appointment) of
    their programme sessions from `first` to `last`, from each quarter's latest plan."""
    latest = _latest(engine, groups_plans, "plan_key", "from_date")
    want = None if people is None else set(people)
    out: dict[str, dict[tuple[date, str], str]] = defaultdict(dict)
    t = groups_calendar
    with engine.connect() as conn:
        for key in latest.values():
            rows = conn.execute(
                select(t.c.person_id, t.c.date, t.c.slot, t.c.item).where(
                    t.c.plan_key == key,
                    t.c.date >= first.isoformat(),
                    t.c.date <= last.isoformat(),
                )
            ).all()
            for pid, d, slot, item in rows:
                if want is None or pid in want:
                    out[pid][(date.fromisoformat(str(d)), str(slot).split("-")[-1])] = item
    return dict(out)


def upw_half_days(days: dict[str, dict[date, str]]) -> Busy:
    """Firm Unpaid Work days as the half-days they take (the morning and the afternoon)."""
    return {
        p: {
            (d, part): f"Unpaid Work at {place}" for d, place in taken.items() for part in DAY_PARTS
        }
        for p, taken in days.items()
    }


def merge_busy(*parts: Busy) -> Busy:
    """Busy time from several sources, as one (a half-day named once, by the first)."""
    out: Busy = defaultdict(dict)
    for part in parts:
        for p, taken in part.items():
            for k, what in taken.items():
                out[p].setdefault(k, what)
    return dict(out)


def _stored_supervision(engine: Engine, first: date, last: date):
    """The supervision appointments kept with each latest Unpaid Work week and programme
    quarter, within the days asked for (each once)."""
    found: dict[tuple[str, str, str], tuple[str, str]] = {}
    plans = (
        (upw_weeks, "week_key", "week", upw_supervision),
        (groups_plans, "plan_key", "from_date", groups_supervision),
    )
    with engine.connect() as conn:
        for header, key, period, t in plans:
            for k in _latest(engine, header, key, period).values():
                rows = conn.execute(
                    select(t.c.person_id, t.c.date, t.c.slot, t.c.practitioner_id, t.c.location)
                    .where(t.c[key] == k)
                    .where(t.c.date >= first.isoformat(), t.c.date <= last.isoformat())
                ).all()
                for pid, d, slot, who, where in rows:
                    found.setdefault((pid, str(d), slot), (who, where))
    return found


def supervision_half_days(
    engine: Engine, first: date, last: date, people: Iterable[str] | None = None
) -> Busy:
    """person -> (date, AM|PM|EVE) -> what, of the supervision appointments stored with the
    latest plans of either service (engine.core.supervision)."""
    import pandas as pd

    rows = [
        (pid, d, slot, who, where)
        for (pid, d, slot), (who, where) in _stored_supervision(engine, first, last).items()
    ]
    df = pd.DataFrame(rows, columns=["person_id", "date", "slot", "practitioner_id", "location"])
    return supervision_rows(df, people, first, last)


def person_calendar(engine: Engine, person: str, first: date, last: date) -> list[dict]:
    """One person's bookings from `first` to `last` across services, in date order: each
    firm Unpaid Work session (the morning and afternoon, where, its hours) and each programme
    session (the slot, which group, one-to-one or pre-group appointment, the venue)."""
    out: list[dict] = []
    lo, hi = first.isoformat(), last.isoformat()
    with engine.connect() as conn:
        for week, key in _latest(engine, upw_weeks, "week_key", "week").items():
            days = week_dates(week)
            t = upw_sessions
            rows = conn.execute(
                select(t.c.date, t.c.placement_id, t.c.hours).where(
                    t.c.week_key == key,
                    t.c.person_id == person,
                    t.c.date >= max(lo, days[0].isoformat()),
                    t.c.date <= min(hi, days[-1].isoformat()),
                )
            ).all()
            out += [
                {
                    "date": str(d),
                    "when": "-".join(DAY_PARTS),
                    "service": "Unpaid Work",
                    "what": f"{hours:g} hours' work",
                    "where": place,
                }
                for d, place, hours in rows
            ]
        t = groups_calendar
        for key in _latest(engine, groups_plans, "plan_key", "from_date").values():
            sessions = conn.execute(
                select(t.c.date, t.c.slot, t.c.item, t.c.programme, t.c.venue_id).where(
                    t.c.plan_key == key, t.c.person_id == person, t.c.date >= lo, t.c.date <= hi
                )
            ).all()
            out += [
                {
                    "date": str(d),
                    "when": slot,
                    "service": "programme",
                    "what": f"{programme}: {item}",
                    "where": venue,
                }
                for d, slot, item, programme, venue in sessions
            ]
    out += [
        {
            "date": d,
            "when": f"{date.fromisoformat(d).strftime('%a')}-{slot}",  # as a programme slot
            "service": "supervision",
            "what": describe(who, ""),
            "where": where,
        }
        for (pid, d, slot), (who, where) in _stored_supervision(engine, first, last).items()
        if pid == person
    ]
    return sorted(out, key=lambda r: (r["date"], r["when"]))
