"""Programmes delivered one-to-one where no group takes a person: a room, one trained
facilitator and a weekly slot pattern, booked session by session, so that one-to-ones count
against the facilitators' weeks as groups do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.groups.plan import (
    OneToOneSetup,
    ProgrammePlan,
    book_sessions,
    session_dates,
    slot_patterns,
)
from solvers.groups import GroupsResult, Resources


@dataclass
class OneToOne:
    """One person's programme delivered one-to-one: a venue's room, one facilitator, a weekly
    slot pattern from a start week."""

    programme: str
    person: int  # index in the programme plan's people
    venue: int
    pattern: tuple[int, ...]
    dates: list[date]
    facilitator: int


def one_to_one_allowed(programme: dict, config: Config) -> bool:
    """Structured interventions may always be delivered one-to-one; an accredited programme
    only when the config names it."""
    return (
        programme["kind"] == "STRUCTURED"
        or programme["programme"] in config.groups.one_to_one_accredited
    )


# Why no one-to-one fits someone, by how far the search for one got (the furthest reached is
# what stood in the way): a venue in reach, a weekly pattern of their half-days ending before
# the sentence, a venue open then, the person free then, a room, a trained facilitator who
# works then within their drive, and one free and within their weekly sessions
_STAGES = [
    "no venue is within their travel limits",
    "no weekly pattern of their half-days",
    "every one-to-one from the first week would end after the sentence ends on {end}",
    "no venue in reach is open on their half-days",
    "their other appointments (or their referral date) leave no run of their half-days free",
    "the rooms at the venues in reach are taken on their half-days",
    "no trained facilitator works their half-days within driving distance of a venue in reach",
    "every trained facilitator who could is booked or at their weekly sessions",
]


def plan_one_to_one(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[list[OneToOne], Resources, dict[tuple[str, str], str]]:
    """After the groups: everyone no group took, on a programme that may be delivered
    one-to-one, gets their sessions scheduled (the soonest sentence end first): the earliest
    start week, then the nearest venue within the travel limits (accessible where needed),
    in a weekly pattern of their slots the venue and a trained facilitator within their drive
    share, with a room free and the facilitator free and within their weekly sessions for
    every session, and ending before the sentence does. Each session books its room and
    facilitator, so one-to-ones count against the facilitators' weeks. Returns the sessions
    planned, the resources left, and for each (person_id, programme) that may be delivered
    one-to-one but for whom none fits, why (`_STAGES`): their alternative is then not a
    one-to-one the team would look for in vain."""
    g = config.groups
    res = res.copy()
    holidays = frozenset(config.calendar.bank_holidays)
    waiting = []
    for n, (plan, r) in enumerate(zip(plans, results)):
        if not one_to_one_allowed(plan.programme, config):
            continue
        ends = pd.to_datetime(plan.people["sentence_end"]).dt.date.tolist()
        for i in np.nonzero(r.cand_of_person < 0)[0].tolist():
            waiting.append((ends[i], str(plan.people["referral_date"].iat[i]), n, i))
    out, missed = [], {}
    for end, referred, n, i in sorted(waiting):
        plan = plans[n]
        found = _first_fit(plan, i, end, date.fromisoformat(referred), res, setup, g, holidays)
        if isinstance(found, OneToOne):
            booked = _sessions(found.dates, found.pattern, setup.monday)
            book_sessions(res, found.venue, [found.facilitator], booked)
            out.append(found)
        else:
            key = (str(plan.people["person_id"].iat[i]), str(plan.programme["programme"]))
            missed[key] = _STAGES[found].format(end=end.isoformat())
    return out, res, missed


def _first_fit(plan, i, end, referred, res, setup, g, holidays) -> OneToOne | int:
    """Person `i`'s first one-to-one that fits (`plan_one_to_one`), or else how far the
    search got (an index of `_STAGES`)."""
    prog = plan.programme
    k, sessions = int(prog["sessions_per_week"]), int(prog["sessions"])
    name = prog["programme"]
    trained = np.array([name in t for t in setup.trained], bool)
    venues = sorted(np.nonzero(plan.reach[i])[0].tolist(), key=lambda v: (plan.travel[i, v], v))
    mine = [p for p in slot_patterns(k) if plan.slots[i, list(p)].all()]
    if not venues or not mine:
        return 0 if not venues else 1
    got = 2
    for w in range(g.horizon_weeks):
        first = setup.monday + timedelta(weeks=w)
        timely = [p for p in mine if session_dates(first, p, sessions, holidays)[-1] <= end]
        if not timely:
            return got  # every pattern from this week ends after the sentence: later ones too
        got = max(got, 3)
        for v in venues:
            for p in timely:
                if not setup.v_slots[v, list(p)].all():
                    continue
                got = max(got, 4)
                dates = session_dates(first, p, sessions, holidays)
                if dates[0] < referred or not plan.free_on(i, dates, p):
                    continue
                got = max(got, 5)
                booked = _sessions(dates, p, setup.monday)
                if any(res.room_used[v, s, wk] >= res.rooms[v] for s, wk in booked):
                    continue
                got = max(got, 6)
                able = trained & setup.f_slots[:, list(p)].all(1)
                able &= setup.fac_travel[:, v] <= g.facilitator_max_travel_minutes
                if able.any():
                    got = 7
                for j in sorted(
                    np.nonzero(able)[0].tolist(), key=lambda j: (setup.fac_travel[j, v], j)
                ):
                    if _free(res, j, booked):
                        return OneToOne(name, i, v, p, dates, j)
    return got


def _sessions(dates: list[date], pattern: tuple[int, ...], monday: date) -> list[tuple[int, int]]:
    """(slot, week) of each session date (the pattern's slot on that weekday)."""
    by_day = {s // 3: s for s in pattern}
    return [(by_day[d.weekday()], (d - monday).days // 7) for d in dates]


def _free(res: Resources, j: int, booked: list[tuple[int, int]]) -> bool:
    load: dict[int, int] = {}
    for s, wk in booked:
        if res.fac_busy[j, s, wk]:
            return False
        load[wk] = load.get(wk, 0) + 1
    return all(res.fac_load[j, wk] + n <= res.fac_max[j] for wk, n in load.items())
