"""Re-planning a stored programme quarter around a facilitator off or a venue closed, with the
fewest people affected: each session the disruption hits is covered by another trained
facilitator at the same time and place where one is free (nobody on the programme is told),
else moved to another venue at the same time, else held on another day of the same week at its
venue, else postponed to the group's next free slot after its last session (its members are
told); a session nothing can repair is listed for the Interventions Team. Everything the
disruption does not hit stays exactly where it was.

The choice among the repairs is one small MIP (solvers.replan): every disrupted session takes
one repair, the repairs share facilitators' half-days and weeks, rooms and the half-days of
pre-group appointments, and telling a group's members of a change costs per person."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.groups.contract import Disruption, GroupsDataset
from engine.groups.decode import (
    CHANGE_COLUMNS,
    COVER,
    MOVE,
    POSTPONE,
    REBOOK,
    RESCHEDULE,
    TELL_COLUMNS,
    UNRESOLVED,
)
from engine.groups.records import SLOTS
from engine.groups.rules import group_sessions, running_sessions
from geo.travel import TravelTimes
from solvers.replan import ChoiceProblem

COVERS_KEPT = 8  # cover facilitators tried per session (nearest first)
PRE_GROUP_OPTIONS = 40  # rebookings tried per pre-group appointment (soonest, nearest first)


@dataclass
class Session:
    """One session of a delivery: its calendar key, and where, when and with whom it is now."""

    key: tuple[date, str]
    day: date
    slot: str
    venue: str
    facilitators: tuple[str, ...]
    change: dict | None = None  # the stored change row that moved it, if any


@dataclass
class Delivery:
    """A group (new or running), a one-to-one, or a pre-group appointment, as stored."""

    item: str
    kind: str  # group | one_to_one | pre_group
    programme: str
    venue: str
    facilitators: tuple[str, ...]
    slots: list[str]
    people: list[str]
    sessions: list[Session]
    women_only: bool = False
    group: str = ""  # a pre-group appointment's group
    first: date | None = None  # a pre-group appointment's group's first session (calendar)


def deliveries(
    ds: GroupsDataset, tables: dict[str, pd.DataFrame], first_day: date, config: Config
) -> list[Delivery]:
    """Every stored delivery with its sessions as they stand, earlier re-plans applied."""
    holidays = frozenset(config.calendar.bank_holidays)
    progs = ds.programmes.set_index("programme")
    changes = tables.get("changes")
    moved: dict[tuple[str, date, str], dict] = {}
    if changes is not None:
        for c in changes.to_dict("records"):
            moved[(c["item"], date.fromisoformat(str(c["date"])), c["slot"])] = c
    members = tables["members"].groupby("group_id")["person_id"].apply(list).to_dict()
    if ds.running is not None:
        members.update(
            {r["group_id"]: list(r["person_ids"]) for r in ds.running.to_dict("records")}
        )
    out = []

    def sessions(item, calendar, venue, facs) -> list[Session]:
        got = []
        for d, s in calendar:
            c = moved.get((item, d, s))
            if c is None or c["action"] == UNRESOLVED:
                got.append(Session((d, s), d, s, venue, facs, c))
            else:
                got.append(
                    Session(
                        (d, s),
                        date.fromisoformat(str(c["new_date"])),
                        c["new_slot"],
                        c["new_venue_id"],
                        _ids(c["new_facilitator_ids"]),
                        c,
                    )
                )
        return got

    for g in tables["groups"].to_dict("records"):
        slots = list(_ids(g["slot"]))
        start = date.fromisoformat(str(g["start_date"]))
        n = int(progs.loc[g["programme"], "sessions"])
        if g["status"] == "RUNNING":
            left = int(g["sessions_left"])
            cal = running_sessions(start, slots, n - left, left, first_day, holidays)
        else:
            cal = group_sessions(start, slots, n, holidays)
        facs = _ids(g["facilitator_ids"])
        out.append(
            Delivery(
                g["group_id"],
                "group",
                g["programme"],
                g["venue_id"],
                facs,
                slots,
                members.get(g["group_id"], []),
                sessions(g["group_id"], cal, g["venue_id"], facs),
                bool(g["women_only"]),
            )
        )
    for o in tables["one_to_one"].to_dict("records"):
        item, slots = f"one-to-one/{o['person_id']}", list(_ids(o["slot"]))
        n = int(progs.loc[o["programme"], "sessions"])
        cal = group_sessions(date.fromisoformat(str(o["start_date"])), slots, n, holidays)
        facs = (o["facilitator_id"],)
        out.append(
            Delivery(
                item,
                "one_to_one",
                o["programme"],
                o["venue_id"],
                facs,
                slots,
                [o["person_id"]],
                sessions(item, cal, o["venue_id"], facs),
            )
        )
    starts = dict(zip(tables["groups"]["group_id"], tables["groups"]["start_date"]))
    for p in tables["pre_group"].to_dict("records"):
        item, d = f"pre-group/{p['person_id']}", date.fromisoformat(str(p["date"]))
        c = moved.get((item, d, p["slot"]))
        out.append(
            Delivery(
                item,
                "pre_group",
                p["programme"],
                p["venue_id"],
                (p["facilitator_id"],),
                [p["slot"]],
                [p["person_id"]],
                [Session((d, p["slot"]), d, p["slot"], p["venue_id"], (p["facilitator_id"],), c)],
                group=p["group_id"],
                first=date.fromisoformat(str(starts[p["group_id"]])),
            )
        )
    return out


def _ids(text: Any) -> tuple[str, ...]:
    """'F-1;F-2' -> ('F-1', 'F-2'); empty or missing -> ()."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ()
    return tuple(s for s in str(text).split(";") if s)


@dataclass
class Ledger:
    """What the sessions nothing disrupts hold: facilitators' half-days and weeks, rooms, and
    the pre-group half-days open (a facilitator's half-day at a venue, its appointments); and
    the half-days every session, disrupted or not, gives its people (none is rescheduled onto
    one of them)."""

    busy: set[tuple[str, date, str]] = field(default_factory=set)
    week: Counter = field(default_factory=Counter)
    rooms: Counter = field(default_factory=Counter)
    pre_open: dict[tuple[str, date, str], tuple[str, int]] = field(default_factory=dict)
    people: set[tuple[str, date, str]] = field(default_factory=set)

    def attend(self, d: Delivery, s: Session) -> None:
        self.people.update((p, s.day, s.slot) for p in d.people)

    def hold(self, d: Delivery, s: Session) -> None:
        if d.kind == "pre_group":
            f = s.facilitators[0]
            venue, n = self.pre_open.get((f, s.day, s.slot), (s.venue, 0))
            if n == 0:
                self.busy.add((f, s.day, s.slot))
                self.week[(f, _week(s.day))] += 1
            self.pre_open[(f, s.day, s.slot)] = (venue, n + 1)
            return
        self.rooms[(s.venue, s.day, s.slot)] += 1
        for f in s.facilitators:
            self.busy.add((f, s.day, s.slot))
            self.week[(f, _week(s.day))] += 1


def _week(d: date) -> tuple[int, int]:
    return d.isocalendar()[:2]


@dataclass
class Option:
    """One repair of one disrupted session."""

    action: str
    day: date
    slot: str
    venue: str
    facilitators: tuple[str, ...]
    cost: float
    touches: bool
    uses: list[tuple[tuple, float]]


@dataclass
class ReplanSetup:
    """The disrupted sessions (the items), their repairs as a ChoiceProblem, and what decoding
    needs: the options by index and the deliveries."""

    problem: ChoiceProblem
    items: list[tuple[Delivery, Session]]
    options: list[Option]
    deliveries: list[Delivery]
    disruptions: list[Disruption]
    why_not: list[str]  # per item: why nothing repairs it, should it be left for the team


class _Context:
    """The inputs a repair is judged against: people, venues, facilitators, travel, and the
    half-days the people's firm Unpaid Work and supervision appointments take (busy time)."""

    def __init__(
        self,
        ds: GroupsDataset,
        config: Config,
        times: TravelTimes,
        first_day: date,
        busy: dict[str, dict[tuple[date, str], str]] | None = None,
    ):
        self.busy = busy or {}
        self.config, self.g, self.first_day = config, config.groups, first_day
        self.holidays = frozenset(config.calendar.bank_holidays)
        self.people = ds.referrals.set_index("person_id")
        self.venues = ds.venues.set_index("venue_id")
        self.facs = ds.facilitators.set_index("facilitator_id")
        ref, ven, fac = ds.referrals, ds.venues, ds.facilitators
        travel, _ = times.matrix_by_mode(
            ref["home_lat"], ref["home_lon"], ref["travel_mode"], ven["lat"], ven["lon"]
        )
        fac_travel, _ = times.matrix(
            fac["base_lat"], fac["base_lon"], ven["lat"], ven["lon"], "car"
        )
        self.travel = pd.DataFrame(travel, index=ref["person_id"], columns=ven["venue_id"])
        self.fac_travel = pd.DataFrame(
            fac_travel, index=fac["facilitator_id"], columns=ven["venue_id"]
        )
        self.sentence_end = {
            p: date.fromisoformat(str(e)) for p, e in zip(ref["person_id"], ref["sentence_end"])
        }

    def person_reaches(self, person: str, venue: str) -> bool:
        """Within the travel limit, step-free where needed. A running group's member with no
        referral row has no home to judge from: never moved, only covered or postponed."""
        if person not in self.people.index:
            return False
        p, v = self.people.loc[person], self.venues.loc[venue]
        return bool(self.travel.at[person, venue] <= self.g.max_travel_minutes) and bool(
            v["accessible"] or not p["needs_accessible"]
        )

    def free(self, people: list[str], day: date, slot: str) -> bool:
        """None of `people` has this half-day taken (Unpaid Work, supervision)."""
        half = (day, slot.split("-")[1])
        return not any(half in self.busy.get(p, {}) for p in people)

    def facilitator_reaches(self, f: str, venue: str) -> bool:
        return bool(self.fac_travel.at[f, venue] <= self.g.facilitator_max_travel_minutes)


def build_replan(
    ds: GroupsDataset,
    tables: dict[str, pd.DataFrame],
    disruptions: list[Disruption],
    config: Config,
    times: TravelTimes,
    first_day: date,
    busy: dict[str, dict[tuple[date, str], str]] | None = None,
) -> ReplanSetup:
    """The disrupted sessions of a stored plan and every repair each may take (never into a
    half-day someone's firm Unpaid Work takes, `busy`)."""
    ctx = _Context(ds, config, times, first_day, busy)
    alls = deliveries(ds, tables, first_day, config)

    def hit(s: Session) -> bool:
        return any(x.hits(s.day, s.venue, s.facilitators) for x in disruptions)

    ledger = Ledger()
    items: list[tuple[Delivery, Session]] = []
    for d in alls:
        for s in d.sessions:
            ledger.attend(d, s)
            if hit(s):
                items.append((d, s))
            else:
                ledger.hold(d, s)
    items.sort(key=lambda x: (x[1].day, SLOTS.index(x[1].slot), x[0].item))
    size = {d.item: len(d.people) for d, _ in items}
    touch = {item: t for t, item in enumerate(size)}
    touch_people = np.array(list(size.values()), dtype=float)
    make_up = _make_up(items, ledger, disruptions, ctx)
    options: list[Option] = []
    option_item: list[int] = []
    fallback: list[int] = []  # each item's UNRESOLVED option
    why: list[str] = []  # each item's reason, should nothing repair it
    for i, (d, s) in enumerate(items):
        mine = (
            _pre_group_options(d, s, ledger, disruptions, ctx)
            if d.kind == "pre_group"
            else _session_options(d, s, ledger, disruptions, ctx, make_up.get(d.item, []))
        )
        why.append(_why_not(d, s, mine, disruptions, ctx))
        mine.append(
            Option(
                UNRESOLVED,
                s.day,
                s.slot,
                s.venue,
                s.facilitators,
                config.groups.replan_unresolved_cost * max(1, len(d.people)),
                True,
                _unresolved_uses(d, s, disruptions),
            )
        )
        options += mine
        option_item += [i] * len(mine)
        fallback.append(len(options) - 1)
    problem = _problem(items, options, option_item, touch, touch_people, ledger, ctx, fallback)
    return ReplanSetup(problem, items, options, alls, disruptions, why)


def _why_not(
    d: Delivery, s: Session, mine: list[Option], disruptions: list[Disruption], ctx: _Context
) -> str:
    """Why a session or appointment the re-plan leaves for the team has no repair, from the
    repairs it was offered: those it lacked, each named; where it had some, that the sessions
    hit with it needed them (the repairs share facilitators, rooms and make-up dates)."""
    have = {o.action for o in mine}
    if d.kind == "pre_group":
        if have:
            return "its rebookings were needed by other appointments the disruption hit"
        return (
            "no trained facilitator is free then and no other half-day before the group "
            "starts suits the person, a venue and a facilitator"
        )
    lacked = []
    if not have & {COVER, MOVE}:
        lacked.append(
            "no other venue within reach is open then with a room and trained facilitators"
            if _closed(disruptions, s.venue, s.day)
            else "no other trained facilitator is free then"
        )
    if RESCHEDULE not in have:
        lacked.append("no other half-day that week suits its members, venue and facilitators")
    if POSTPONE not in have:
        last = max(x.day for x in d.sessions)
        ends = min((ctx.sentence_end[p] for p in d.people if p in ctx.sentence_end), default=None)
        after = group_sessions(last + timedelta(days=1), d.slots, 1, ctx.holidays)
        lacked.append(
            f"a member's sentence ends ({ends}) before its next slot after its last session"
            if ends is not None and after[0][0] > ends
            else f"no make-up session after its last ({last}) has its members, a room and "
            "facilitators free"
        )
    if len(lacked) == 3:
        return "; ".join(lacked)
    return "its repairs were needed by other sessions the disruption hit"


def _unresolved_uses(d: Delivery, s: Session, disruptions: list[Disruption]) -> list:
    """What a session left unresolved still holds: it stays in the calendar for the team to
    arrange, so its room where the venue is open and the half-day and week of each of its
    facilitators not off (who would otherwise be free to cover another session then, and
    the checker would find them double-booked or over their week). A pre-group appointment
    holds nothing: its facilitator's half-day is one of appointments, shared."""
    if d.kind == "pre_group":
        return []
    kept = tuple(f for f in s.facilitators if not _off(disruptions, f, s.day))
    uses = _session_uses(s.day, s.slot, s.venue, kept)
    if _closed(disruptions, s.venue, s.day):
        uses = uses[1:]  # no room at a closed venue
    return uses


def _free(ledger: Ledger, f: str, day: date, slot: str, ctx: _Context) -> bool:
    return (f, day, slot) not in ledger.busy and ledger.week[(f, _week(day))] < int(
        ctx.facs.at[f, "max_sessions_per_week"]
    )


def _off(disruptions: list[Disruption], f: str, day: date) -> bool:
    return any(
        x.kind == "facilitator" and x.who == f and x.first <= day <= x.last for x in disruptions
    )


def _closed(disruptions: list[Disruption], venue: str, day: date) -> bool:
    return any(
        x.kind == "venue" and x.who == venue and x.first <= day <= x.last for x in disruptions
    )


def _session_uses(day: date, slot: str, venue: str, facs: tuple[str, ...]) -> list:
    uses: list[tuple[tuple, float]] = [(("room", venue, day, slot), 1.0)]
    for f in facs:
        uses += [(("fac", f, day, slot), 1.0), (("week", f, _week(day)), 1.0)]
    return uses


def _session_options(
    d: Delivery,
    s: Session,
    ledger: Ledger,
    disruptions: list[Disruption],
    ctx: _Context,
    make_up: list[tuple[date, str, str, tuple[str, ...]]],
) -> list[Option]:
    """Cover at the same time and place; or the same time at another venue (with cover where
    needed); or another half-day of the same week at its venue; or one of the delivery's
    make-up slots after its last session."""
    g = ctx.g
    off = [f for f in s.facilitators if _off(disruptions, f, s.day)]
    keep = tuple(f for f in s.facilitators if f not in off)
    venues = [s.venue] if not _closed(disruptions, s.venue, s.day) else []
    if not venues:
        venues = _other_venues(d, s.venue, s.day, s.slot, keep, ledger, disruptions, ctx)
    out = []
    for v in venues[:COVERS_KEPT]:
        able = _covers(d.programme, v, s.day, s.slot, s.facilitators, ledger, disruptions, ctx)
        moved = v != s.venue
        for cover in itertools.combinations(able[:COVERS_KEPT], len(off)):
            facs = keep + cover
            out.append(
                Option(
                    MOVE if moved else COVER,
                    s.day,
                    s.slot,
                    v,
                    facs,
                    g.replan_cover_cost * len(cover) + (g.replan_move_cost if moved else 0),
                    moved,
                    _session_uses(s.day, s.slot, v, facs),
                )
            )
    alts = _same_week(d, s, ledger, disruptions, ctx)
    for j, (day, slot, facs) in enumerate(alts):
        uses = _session_uses(day, slot, s.venue, facs)
        uses += [(("person", p, day, slot), 1.0) for p in d.people]
        covers = len(set(facs) - set(s.facilitators))
        cost = g.replan_reschedule_cost + g.replan_cover_cost * covers + j / len(alts)
        out.append(Option(RESCHEDULE, day, slot, s.venue, facs, cost, True, uses))
    for j, (day, slot, v, facs) in enumerate(make_up):
        uses = _session_uses(day, slot, v, facs)
        uses += [(("order", d.item, j), 1.0), (("order", d.item, j + 1), -1.0)]
        covers = len(set(facs) - set(d.facilitators))
        cost = g.replan_postpone_cost + j + g.replan_cover_cost * covers
        cost += g.replan_move_cost if v != d.venue else 0
        out.append(Option(POSTPONE, day, slot, v, facs, cost, True, uses))
    return out


def _same_week(
    d: Delivery, s: Session, ledger: Ledger, disruptions: list[Disruption], ctx: _Context
) -> list[tuple[date, str, tuple[str, ...]]]:
    """The other half-days of the session's week it may be held in at its venue, so the
    group's end date stays (nearest the planned day first): a working day from the horizon's
    first, not a bank holiday nor a day the delivery already meets, within every member's
    sentence; the venue open, available in the slot and a room free; every member available
    in the slot and free then (no Unpaid Work, supervision or other programme session); its
    facilitators where they are free then, the nearest cover for any who is not. A running
    group's member with no referral row has no slots to judge from: never rescheduled; nor is
    a session an earlier re-plan changed (its change row keeps the session as first planned,
    and a reschedule is judged against that)."""
    if s.change is not None or not d.people or not all(p in ctx.people.index for p in d.people):
        return []
    monday = s.day - timedelta(days=s.day.weekday())
    met = {x.day for x in d.sessions}
    ends = min(ctx.sentence_end[p] for p in d.people)
    venue = ctx.venues.loc[s.venue]
    out = []
    for k in sorted(range(5), key=lambda k: (abs(k - s.day.weekday()), k)):
        day = monday + timedelta(days=k)
        if (
            day in met
            or day in ctx.holidays
            or day < ctx.first_day
            or day > ends
            or _closed(disruptions, s.venue, day)
        ):
            continue
        for slot in SLOTS[3 * k : 3 * k + 3]:
            if (
                slot not in venue["available_slots"]
                or ledger.rooms[(s.venue, day, slot)] >= int(venue["rooms"])
                or any(slot not in ctx.people.at[p, "available_slots"] for p in d.people)
                or any((p, day, slot) in ledger.people for p in d.people)
                or not ctx.free(d.people, day, slot)
            ):
                continue
            keep = tuple(
                f
                for f in s.facilitators
                if not _off(disruptions, f, day)
                and slot in ctx.facs.at[f, "available_slots"]
                and _free(ledger, f, day, slot, ctx)
            )
            need = len(s.facilitators) - len(keep)
            able = _covers(
                d.programme, s.venue, day, slot, s.facilitators, ledger, disruptions, ctx
            )
            if len(able) >= need:
                out.append((day, slot, keep + tuple(able[:need])))
    return out


def _other_venues(
    d: Delivery,
    venue: str,
    day: date,
    slot: str,
    keep: tuple[str, ...],
    ledger: Ledger,
    disruptions: list[Disruption],
    ctx: _Context,
) -> list[str]:
    """The venues a session may move to, nearest its furthest member first: open then and
    available in the slot, a room free, women-only space for a women-only group, within every
    member's reach (step-free where needed) and the kept facilitators' drive."""
    venues = [
        v
        for v in ctx.venues.index
        if v != venue
        and not _closed(disruptions, v, day)
        and slot in ctx.venues.at[v, "available_slots"]
        and ledger.rooms[(v, day, slot)] < int(ctx.venues.at[v, "rooms"])
        and (not d.women_only or bool(ctx.venues.at[v, "women_only_space"]))
        and all(ctx.person_reaches(p, v) for p in d.people)
        and all(ctx.facilitator_reaches(f, v) for f in keep)
    ]
    return sorted(
        venues,
        key=lambda v: (max((int(ctx.travel.at[p, v]) for p in d.people), default=0), v),
    )


def _covers(
    programme: str,
    venue: str,
    day: date,
    slot: str,
    planned: tuple[str, ...],
    ledger: Ledger,
    disruptions: list[Disruption],
    ctx: _Context,
) -> list[str]:
    """The facilitators who may cover a session, nearest the venue first: trained for the
    programme, available in the slot, not off, within their drive, free then and with a
    session of their week left; none of those already planned on it."""
    able = [
        f
        for f in ctx.facs.index
        if f not in planned
        and programme in ctx.facs.at[f, "trained_programmes"]
        and slot in ctx.facs.at[f, "available_slots"]
        and not _off(disruptions, f, day)
        and ctx.facilitator_reaches(f, venue)
        and _free(ledger, f, day, slot, ctx)
    ]
    return sorted(able, key=lambda f: (ctx.fac_travel.at[f, venue], f))


def _make_up(
    items: list[tuple[Delivery, Session]],
    ledger: Ledger,
    disruptions: list[Disruption],
    ctx: _Context,
) -> dict[str, list[tuple[date, str, str, tuple[str, ...]]]]:
    """Per group or one-to-one, the slots its postponed sessions may take, in order: its own
    weekly slots after its last session, before any member's sentence ends (a bank holiday's
    slot skipped), at its own venue where a room is free then, else the nearest other venue
    a move could take, with its own facilitators where they are free then and the nearest
    cover for any who is not."""
    hits = Counter(d.item for d, _ in items if d.kind != "pre_group")
    out: dict[str, list[tuple[date, str, str, tuple[str, ...]]]] = {}
    for d, _ in items:
        if d.kind == "pre_group" or d.item in out:
            continue
        last = max(s.day for s in d.sessions)
        known = [ctx.sentence_end[p] for p in d.people if p in ctx.sentence_end]
        ends = min(known, default=last + timedelta(weeks=52))  # a running member: no end given
        got: list[tuple[date, str, str, tuple[str, ...]]] = []
        day = last + timedelta(days=1)
        for when, slot in group_sessions(day, d.slots, 4 * hits[d.item] + 8, ctx.holidays):
            if len(got) == hits[d.item] or when > ends:
                break
            if not ctx.free(d.people, when, slot):
                continue
            keep = tuple(
                f
                for f in d.facilitators
                if not _off(disruptions, f, when) and _free(ledger, f, when, slot, ctx)
            )
            here = not _closed(disruptions, d.venue, when) and ledger.rooms[
                (d.venue, when, slot)
            ] < int(ctx.venues.at[d.venue, "rooms"])
            where = [d.venue] if here else []
            where += _other_venues(d, d.venue, when, slot, keep, ledger, disruptions, ctx)[:1]
            for v in where:
                need = len(d.facilitators) - len(keep)
                able = _covers(d.programme, v, when, slot, d.facilitators, ledger, disruptions, ctx)
                if len(able) >= need:
                    got.append((when, slot, v, keep + tuple(able[:need])))
                    break
        out[d.item] = got
    return out


def _pre_group_options(
    d: Delivery, s: Session, ledger: Ledger, disruptions: list[Disruption], ctx: _Context
) -> list[Option]:
    """Another trained facilitator at the same time and venue; else another half-day in the
    weeks before the group starts: joining a facilitator's half-day of appointments already
    open there, or opening one (one session of their week)."""
    g, person = ctx.g, d.people[0]
    p = ctx.people.loc[person]
    assert d.first is not None
    first = max(d.first - timedelta(weeks=g.pre_group_weeks), ctx.first_day)
    days = [first + timedelta(days=k) for k in range((d.first - first).days)]
    venue = s.venue
    out = []
    for day in days:
        if day.weekday() > 4 or day in ctx.holidays or _closed(disruptions, venue, day):
            continue
        for slot in SLOTS[3 * day.weekday() : 3 * day.weekday() + 3]:
            if (
                slot not in p["available_slots"]
                or slot not in ctx.venues.at[venue, "available_slots"]
            ):
                continue
            if not ctx.free(d.people, day, slot):
                continue
            same = (day, slot) == (s.day, s.slot)
            for f in ctx.facs.index:
                if (
                    d.programme not in ctx.facs.at[f, "trained_programmes"]
                    or slot not in ctx.facs.at[f, "available_slots"]
                    or _off(disruptions, f, day)
                    or not ctx.facilitator_reaches(f, venue)
                ):
                    continue
                cost = g.replan_cover_cost if same else g.replan_move_cost
                row = ("pre", f, day, slot, venue)
                held = ledger.pre_open.get((f, day, slot))
                where = (REBOOK if not same else COVER, day, slot, venue, (f,))
                if held is not None:
                    if held[0] == venue and held[1] < g.pre_group_per_slot:
                        out.append(Option(*where, cost, not same, [(row, 1.0)]))
                elif _free(ledger, f, day, slot, ctx):
                    opens = [
                        (row, 1.0 - g.pre_group_per_slot),
                        (("fac", f, day, slot), 1.0),
                        (("week", f, _week(day)), 1.0),
                    ]
                    out.append(Option(*where, cost + g.replan_cover_cost, not same, opens))
                    out.append(Option(*where, cost, not same, [(row, 1.0)]))
    out.sort(key=lambda o: (o.cost, abs((o.day - s.day).days), o.day, o.facilitators))
    return out[:PRE_GROUP_OPTIONS]


def told_facilitators(o: Option, s: Session) -> list[str]:
    """The facilitators a repair must tell: one new to the session (a cover), and every one of
    it where its people are told too (a move, a make-up date, a rebooking)."""
    if o.action == UNRESOLVED:
        return []
    return [f for f in o.facilitators if f not in s.facilitators or o.touches]


def _problem(
    items, options, option_item, touch, touch_people, ledger, ctx, fallback
) -> ChoiceProblem:
    """The repairs as arrays: each capacity row's room left beside what nothing disrupts, at
    least what every item's fallback (left unresolved, where it was planned) holds, which the
    plan had (more only where running groups' history over-books a week). An
    option touches its item's people (where it changes their session) and each facilitator it
    must tell, once per group or person: so one facilitator covering every session of a long
    absence is preferred to a different one each week (fewer facilitators told, and the same
    face for the group)."""
    rows: dict[tuple, int] = {}
    use_row, use_option, use_amount = [], [], []
    for k, o in enumerate(options):
        for r, a in o.uses:
            use_row.append(rows.setdefault(r, len(rows)))
            use_option.append(k)
            use_amount.append(a)
    g = ctx.g
    touch_option, touch_of = [], []
    told: dict[tuple[str, str], int] = {}
    for k, (o, i) in enumerate(zip(options, option_item)):
        d, s = items[i]
        if o.touches:
            touch_option.append(k)
            touch_of.append(touch[d.item])
        for f in told_facilitators(o, s):
            touch_option.append(k)
            touch_of.append(len(touch) + told.setdefault((f, d.item), len(told)))
    capacity = np.zeros(len(rows))
    standing = np.zeros(len(rows))  # what the fallbacks hold together
    for r, n in rows.items():
        kind = r[0]
        if kind == "room":
            capacity[n] = int(ctx.venues.at[r[1], "rooms"]) - ledger.rooms[r[1:]]
        elif kind == "fac":
            capacity[n] = 0 if r[1:] in ledger.busy else 1
        elif kind == "person":  # two reschedules of one person's sessions never meet
            capacity[n] = 1
        elif kind == "week":
            cap = int(ctx.facs.at[r[1], "max_sessions_per_week"])
            capacity[n] = max(0, cap - ledger.week[r[1:]])
        elif kind == "pre":
            held = ledger.pre_open.get(r[1:4])
            capacity[n] = (
                g.pre_group_per_slot - held[1] if held is not None and held[0] == r[4] else 0
            )
        else:  # order: the (j+1)th make-up session only once the jth is taken
            capacity[n] = 1 if r[2] == 0 else 0
    for k in fallback:
        for r, a in options[k].uses:
            standing[rows[r]] += a
    capacity = np.maximum(capacity, standing)
    return ChoiceProblem(
        n_items=len(items),
        option_item=np.array(option_item, np.int64),
        option_cost=np.array([o.cost for o in options], float),
        touch_option=np.array(touch_option, np.int64),
        touch_of=np.array(touch_of, np.int64),
        touch_cost=np.concatenate(
            [g.replan_person_cost * touch_people, np.full(len(told), g.replan_facilitator_cost)]
        ),
        use_row=np.array(use_row, np.int64),
        use_option=np.array(use_option, np.int64),
        use_amount=np.array(use_amount, float),
        capacity=capacity,
        fallback=np.array(fallback, np.int64),
    )


def _reasons(setup: ReplanSetup, s: Session, unrepaired: int | None = None) -> str:
    """The disruptions that hit session `s`, and for item `unrepaired` (left for the team)
    why nothing repairs it."""
    hit = "; ".join(str(x) for x in setup.disruptions if x.hits(s.day, s.venue, s.facilitators))
    if unrepaired is None:
        return hit
    return f"{hit}: {setup.why_not[unrepaired]}"


def figures(setup: ReplanSetup, chosen: np.ndarray) -> dict[str, Any]:
    """What a choice of repairs does: sessions by repair, and the people and facilitators who
    must be told (each person once, however many of their sessions change; each facilitator
    once per group or person whose sessions they are told of, as `tell.csv` lists them)."""
    acts: Counter = Counter()
    people: set[str] = set()
    facs: set[tuple[str, str]] = set()
    for i, (d, s) in enumerate(setup.items):
        o = setup.options[chosen[i]] if chosen[i] >= 0 else None
        action = o.action if o is not None else UNRESOLVED
        acts[action] += 1
        if o is None or o.touches:
            people.update(d.people)
        if o is not None:
            facs.update((f, d.item) for f in told_facilitators(o, s))
    return {
        "sessions_disrupted": len(setup.items),
        **{a.lower(): acts[a] for a in (COVER, MOVE, RESCHEDULE, POSTPONE, REBOOK, UNRESOLVED)},
        "people_affected": len(people),
        "facilitators_told": len(facs),
    }


def decode_replan(
    setup: ReplanSetup,
    chosen: np.ndarray,
    tables: dict[str, pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """The stored plan with the chosen repairs: each repaired session's change row (keyed by
    the session as first planned), the groups' and one-to-ones' end dates after postponed
    sessions, the pre-group appointments rebooked, and who must be told what."""
    old = tables.get("changes")
    rows = (
        {}
        if old is None
        else {(c["item"], str(c["date"]), c["slot"]): c for c in old.to_dict("records")}
    )
    ends: dict[str, date] = {}
    pre: dict[str, Option] = {}
    tell: dict[tuple[str, str], dict] = {}

    def told(who: str, role: str, item: str, message: str) -> None:
        row = tell.setdefault((who, item), {"who": who, "role": role, "item": item, "message": ""})
        row["message"] = f"{row['message']}; {message}" if row["message"] else message

    now: dict[tuple[str, tuple[date, str]], date] = {}
    in_order = _postponed_in_order(setup, chosen)
    for i, (d, s) in enumerate(setup.items):
        k = chosen[i]
        o = in_order.get(i, setup.options[k] if k >= 0 else None)
        if o is None or o.action == UNRESOLVED:
            o = Option(UNRESOLVED, s.day, s.slot, s.venue, s.facilitators, 0.0, True, [])
        key = (d.item, s.key[0].isoformat(), s.key[1])
        first = rows.get(key)
        was = (
            (first["venue_id"], first["facilitator_ids"])
            if first is not None
            else (s.venue, ";".join(s.facilitators))
        )
        rows[key] = {
            "item": d.item,
            "kind": d.kind,
            "programme": d.programme,
            "date": key[1],
            "slot": key[2],
            "venue_id": was[0],
            "facilitator_ids": was[1],
            "action": o.action,
            "new_date": o.day.isoformat(),
            "new_slot": o.slot,
            "new_venue_id": o.venue,
            "new_facilitator_ids": ";".join(o.facilitators),
            "people_affected": len(d.people) if o.touches else 0,
            "reason": _reasons(setup, s, i if o.action == UNRESOLVED else None),
        }
        if d.kind == "pre_group":
            if o.action != UNRESOLVED:
                pre[d.people[0]] = o
        else:
            now[(d.item, s.key)] = o.day
        at = f"{d.programme} {'pre-group appointment' if d.kind == 'pre_group' else 'session'} {s.day} {s.slot} at {s.venue}"
        what = {
            COVER: f"{at}: now with {';'.join(o.facilitators)}",
            MOVE: f"{at}: now at {o.venue}",
            RESCHEDULE: f"{at}: now {o.day} {o.slot}, same venue",
            POSTPONE: f"{at}: postponed to {o.day} {o.slot}",
            REBOOK: f"{at}: now {o.day} {o.slot} with {';'.join(o.facilitators)}",
            UNRESOLVED: f"{at}: cannot go ahead ({_reasons(setup, s, i)}); not re-planned, the Interventions Team will arrange it",
        }[o.action]
        if o.touches:
            for p in d.people:
                told(p, "person", d.item, what)
        for f in told_facilitators(o, s):
            told(f, "facilitator", d.item, what)
    for d in setup.deliveries:
        if d.kind != "pre_group" and any((d.item, s.key) in now for s in d.sessions):
            ends[d.item] = max(now.get((d.item, s.key), s.day) for s in d.sessions)
    out = dict(tables)
    out["groups"] = _ended(tables["groups"], tables["groups"]["group_id"], ends)
    ones = tables["one_to_one"]
    out["one_to_one"] = _ended(ones, "one-to-one/" + ones["person_id"], ends)
    pg = tables["pre_group"].copy()
    for n, pid in enumerate(pg["person_id"]):
        o = pre.get(pid)
        if o is not None:
            pg.loc[pg.index[n], ["date", "slot", "venue_id", "facilitator_id"]] = [
                o.day.isoformat(),
                o.slot,
                o.venue,
                o.facilitators[0],
            ]
    out["pre_group"] = pg
    out["changes"] = pd.DataFrame(list(rows.values()), columns=CHANGE_COLUMNS).sort_values(
        ["date", "slot", "item"], ignore_index=True
    )
    out["tell"] = pd.DataFrame(list(tell.values()), columns=TELL_COLUMNS).sort_values(
        ["role", "who", "item"], ignore_index=True
    )
    return out


def _postponed_in_order(setup: ReplanSetup, chosen: np.ndarray) -> dict[int, Option]:
    """Each delivery's postponed sessions (item index -> option) given the make-up slots it
    uses in their own order, the earliest session the earliest slot. The model chooses which
    of a delivery's make-up slots are used (in order: `_session_options`), not which session
    goes to which, and a one-to-one's sessions of 21 and 28 January were postponed to 8 and
    1 April: the later session told of the earlier date. The slots used are the same, so
    nothing the repair holds or whom it tells changes."""
    postponed: dict[str, list[int]] = {}
    for i, (d, _) in enumerate(setup.items):
        if chosen[i] >= 0 and setup.options[chosen[i]].action == POSTPONE:
            postponed.setdefault(d.item, []).append(i)
    out: dict[int, Option] = {}
    for items in postponed.values():
        first = sorted(items, key=lambda i: _when(setup.items[i][1].day, setup.items[i][1].slot))
        slots = sorted(
            (setup.options[chosen[i]] for i in items), key=lambda o: _when(o.day, o.slot)
        )
        out.update(zip(first, slots))
    return out


def _when(day: date, slot: str) -> tuple[date, int]:
    return day, SLOTS.index(slot)


def _ended(table: pd.DataFrame, items: pd.Series, ends: dict[str, date]) -> pd.DataFrame:
    """The table with the end dates postponed sessions moved."""
    out = table.copy()
    out["end_date"] = [
        ends[i].isoformat() if i in ends else e for i, e in zip(items, table["end_date"])
    ]
    return out


CALENDAR_COLUMNS = ["person_id", "date", "slot", "item", "programme", "venue_id"]


def calendar_table(
    ds: GroupsDataset, tables: dict[str, pd.DataFrame], first_day: date, config: Config
) -> pd.DataFrame:
    """Each person's programme sessions from `first_day` on, where they stand (earlier
    re-plans applied): their group's (new or running), one-to-one and pre-group sessions, one
    row per person, date and slot; a session left unresolved is not held. The store keeps it
    so that the Unpaid Work week takes it as busy time (engine.store.calendar)."""
    rows = []
    for d in deliveries(ds, tables, first_day, config):
        for s in d.sessions:
            if s.day < first_day or (s.change is not None and s.change["action"] == UNRESOLVED):
                continue
            for p in d.people:
                rows.append((p, s.day.isoformat(), s.slot, d.item, d.programme, s.venue))
    out = pd.DataFrame(rows, columns=CALENDAR_COLUMNS)
    return out.drop_duplicates(["person_id", "date", "slot"]).reset_index(drop=True)
