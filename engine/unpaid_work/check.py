"""Independent checker for an Unpaid Work week: re-verifies every hard rule from the inputs and
the schedule alone (travel from the same travel service, which is data, not the solver),
including the rule that a trip over 60 minutes each way is allowed only when no closer session
fits: for each such trip it searches every session of the PDU itself."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.calendar import DAYS
from engine.core.check import Violation
from engine.core.config import Config
from engine.store.calendar import DAY_PARTS
from engine.unpaid_work.contract import UpwDataset
from engine.unpaid_work.records import SUPERVISED_KINDS
from geo.travel import TravelTimes


class _Travel:
    """Minutes each way, home to a placement: own mode to the pickup point (or the site), plus
    the crew bus from the pickup point by car. Computed per person for all placements at once."""

    def __init__(self, places: dict, times: TravelTimes):
        self.places, self.times = places, times
        self.ids = list(places)
        pl = [places[k] for k in self.ids]
        self.pickup = np.array([_has_pickup(p) for p in pl])
        self.dest_lat = np.array(
            [p["pickup_lat"] if b else p["lat"] for p, b in zip(pl, self.pickup)], float
        )
        self.dest_lon = np.array(
            [p["pickup_lon"] if b else p["lon"] for p, b in zip(pl, self.pickup)], float
        )
        self.bus = np.zeros(len(pl), np.int64)
        for j in np.nonzero(self.pickup)[0]:
            self.bus[j] = int(
                times.matrix(
                    [self.dest_lat[j]], [self.dest_lon[j]], [pl[j]["lat"]], [pl[j]["lon"]], "car"
                )[0][0, 0]
            )
        self.index = {k: j for j, k in enumerate(self.ids)}
        self._rows: dict[str, np.ndarray] = {}

    def row(self, p: dict) -> np.ndarray:
        if p["person_id"] not in self._rows:
            t, _ = self.times.matrix(
                [p["home_lat"]], [p["home_lon"]], self.dest_lat, self.dest_lon, p["travel_mode"]
            )
            self._rows[p["person_id"]] = t[0].astype(np.int64) + self.bus
        return self._rows[p["person_id"]]

    def minutes(self, p: dict, plid: str) -> int:
        return int(self.row(p)[self.index[plid]])

    def supervised(self, plid: str) -> int:
        return int(self.bus[self.index[plid]])


class _Supervision:
    """The supervisors' side of the week, rebuilt from the inputs and the roster alone: who
    may run a session (trained for its kind, working that day, a woman for a women-only
    session, a van driver for a crew bus, within the drive from base) and how many their crew
    takes there."""

    def __init__(self, ds: UpwDataset, roster: pd.DataFrame, travel: _Travel, u):
        self.u, self.travel = u, travel
        sups = ds.supervisors if ds.supervisors is not None else pd.DataFrame()
        self.sups = {r["supervisor_id"]: r for r in sups.to_dict("records")}
        ids = list(self.sups)
        self.drive = {}
        if ids:
            m, _ = travel.times.matrix(
                [self.sups[j]["base_lat"] for j in ids],
                [self.sups[j]["base_lon"] for j in ids],
                travel.dest_lat,
                travel.dest_lon,
                "car",
            )
            self.drive = {j: m[a] for a, j in enumerate(ids)}
        self.of: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.busy: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in roster.to_dict("records"):
            self.of[(r["placement_id"], str(r["date"]))].append(r["supervisor_id"])
            self.busy[(r["supervisor_id"], str(r["date"]))].append(r["placement_id"])

    def why_not(self, j: str, pl: dict, dname: str) -> str | None:
        """Why supervisor j may not run this placement's session on `dname` (None: they may)."""
        sup = self.sups.get(j)
        if sup is None:
            return "not in the supervisors table"
        if sup["pdu"] != pl["pdu"]:
            return f"works in {sup['pdu']}, not {pl['pdu']}"
        if pl["kind"] not in sup["kinds"]:
            return f"not trained for {pl['kind']}"
        if dname not in sup["available_days"]:
            return f"does not work on {dname}"
        if pl["women_only"] and sup["sex"] != "F":
            return "a women-only session needs a woman supervisor"
        if _has_pickup(pl) and not sup["drives_van"]:
            return "the crew bus needs a van driver"
        drive = int(self.drive[j][self.travel.index[pl["placement_id"]]])
        if drive > self.u.supervisor_max_travel_minutes:
            return f"{drive} min drive from base, over {self.u.supervisor_max_travel_minutes:g}"
        return None

    def crew(self, j: str, pl: dict) -> int:
        sup = self.sups[j]
        most = min(int(pl["capacity"]), int(sup["max_crew"]))
        return min(most, int(sup["van_seats"])) if _has_pickup(pl) else most

    def room(self, pl: dict, day: str, dname: str) -> int:
        """Places the session has: its capacity unsupervised; else its supervisor's crew, or
        the best crew of a supervisor free that day who may run it (none: no room)."""
        if pl["kind"] not in SUPERVISED_KINDS:
            return int(pl["capacity"])
        who = self.of.get((pl["placement_id"], day), [])
        if who:
            return self.crew(who[0], pl)
        free = [
            j
            for j in self.sups
            if not self.busy.get((j, day)) and self.why_not(j, pl, dname) is None
        ]
        return max((self.crew(j, pl) for j in free), default=0)

    def violations(self, places: dict, members: dict) -> list[Violation]:
        out = []
        for (plid, day), who in self.of.items():
            where = f"{','.join(who)}/{plid}/{day}"
            pl = places.get(plid)
            if pl is None:
                out.append(Violation(where, "roster", "placement not in the input"))
                continue
            if pl["kind"] not in SUPERVISED_KINDS:
                out.append(Violation(where, "roster", f"a {pl['kind']} session has no supervisor"))
                continue
            if len(who) > 1:
                out.append(Violation(where, "roster", f"{len(who)} supervisors for one session"))
            dname = DAYS[date.fromisoformat(day).weekday()]
            for j in who:
                why = self.why_not(j, pl, dname)
                if why:
                    out.append(Violation(f"{j}/{plid}/{day}", "supervisor", why))
            crew = len(members.get((plid, day), []))
            if not crew:
                out.append(Violation(where, "roster", "rostered to a session with no crew"))
            elif who[0] in self.sups and crew > self.crew(who[0], pl):
                out.append(
                    Violation(
                        where,
                        "crew",
                        f"{crew} people, over the {self.crew(who[0], pl)} {who[0]} takes there",
                    )
                )
        for (j, day), plids in self.busy.items():
            if len(plids) > 1:
                out.append(Violation(f"{j}/-/{day}", "supervisor", f"{len(plids)} sessions a day"))
        for (plid, day), who in members.items():
            pl = places[plid]
            if pl["kind"] in SUPERVISED_KINDS and not self.of.get((plid, day)):
                out.append(
                    Violation(
                        f"-/{plid}/{day}",
                        "supervisor",
                        f"{len(who)} people in a {pl['kind']} session with no supervisor rostered",
                    )
                )
        return out


def _has_pickup(pl: dict) -> bool:
    v = pl["pickup_lat"]
    return v is not None and isinstance(v, float) and v == v


_NO_ROSTER = pd.DataFrame(columns=["supervisor_id", "placement_id", "date"])


def lone_woman(people: dict, who: list[str] | set[str], kind: str) -> str | None:
    """The woman left as the only woman among men against her wishes in a session, if any:
    in a group unless she agreed to it, in any shared session if she asked not to be with men
    only. Individual placements are not shared."""
    women = [p for p in who if people[p]["sex"] == "F"]
    if kind == "INDIVIDUAL" or len(women) != 1 or len(who) == 1:
        return None
    w = people[women[0]]
    return (
        women[0]
        if (kind == "GROUP" and not w["lone_woman_ok"]) or w["prefers_not_all_male"]
        else None
    )


def check_week(
    ds: UpwDataset,
    schedule: pd.DataFrame,
    config: Config,
    times: TravelTimes,
    cancelled: frozenset[str] = frozenset(),
    kept: frozenset[tuple[str, str]] = frozenset(),
    roster: pd.DataFrame | None = None,
    inductions: pd.DataFrame | None = None,
    busy: dict[str, dict[tuple[date, str], str]] | None = None,
) -> list[Violation]:
    """Every broken rule as 'person/placement/date: rule: detail' (empty: the week is sound).
    `busy` is each person's programme sessions by (date, part of day): no Unpaid Work on a
    day one takes the morning or afternoon (one calendar per person).
    `cancelled` are sessions (PLACEMENT@DATE) stood down; `kept` are (person, session) pairs
    carried unchanged from the plan being re-planned, which are not moved to shorten trips;
    `roster` is who supervises which session (checked when the week has supervisors: an
    absent roster then means nobody is rostered); `inductions` is who is inducted where and
    when (checked when the week has induction slots: nobody who needs one works before it)."""
    u = config.upw
    people = {r["person_id"]: r for r in ds.people.to_dict("records")}
    places = {r["placement_id"]: r for r in ds.placements.to_dict("records")}
    travel = _Travel(places, times)
    out: list[Violation] = []
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    days_of: dict[str, list[str]] = defaultdict(list)
    hours: dict[str, float] = defaultdict(float)
    ete: dict[str, float] = defaultdict(float)
    long_trips = []
    for r in schedule.to_dict("records"):
        pid, plid, day = r["person_id"], r["placement_id"], str(r["date"])
        where = f"{pid}/{plid}/{day}"
        p, pl = people.get(pid), places.get(plid)
        if p is None or pl is None:
            out.append(Violation(where, "unknown", "person or placement not in the input"))
            continue
        dname = DAYS[date.fromisoformat(day).weekday()]
        for part in DAY_PARTS:
            clash = (busy or {}).get(pid, {}).get((date.fromisoformat(day), part))
            if clash is not None:
                out.append(Violation(where, "one calendar", f"booked that {part}: {clash}"))
        if f"{plid}@{day}" in cancelled:
            out.append(Violation(f"{where}", "cancelled", "the session was stood down"))
        if dname not in pl["days"]:
            out.append(Violation(f"{where}", "session", f"{plid} has no session on {dname}"))
        if abs(float(r["hours"]) - float(pl["session_hours"])) > 1e-9:
            out.append(
                Violation(
                    f"{where}", "hours", f"{r['hours']} is not the session's {pl['session_hours']}"
                )
            )
        pair = _pair_rules(p, pl, dname, travel.minutes(p, plid), u, ds.inductions is not None)
        out += [Violation(where, rule, message) for rule, message in pair]
        t = travel.minutes(p, plid)
        if t > u.target_travel_minutes:
            if not str(r.get("travel_reason", "") or ""):
                out.append(
                    Violation(
                        f"{where}", "travel reason", f"{t} min each way with no recorded reason"
                    )
                )
            if (pid, f"{plid}@{day}") not in kept:
                long_trips.append((pid, plid, day, t))
        credit = (
            float(pl["session_hours"])
            + 2 * min(travel.supervised(plid), u.credited_travel_max_minutes) / 60
        )
        if float(r["credited_hours"]) > credit + 0.005 + 1e-9:  # the file rounds to 0.01 h
            out.append(
                Violation(
                    f"{where}", "credit", f"{r['credited_hours']} h credited, at most {credit:.2f}"
                )
            )
        members[(plid, day)].append(pid)
        days_of[pid].append(day)
        hours[pid] += float(pl["session_hours"])
        if pl["kind"] == "ETE":
            ete[pid] += float(pl["session_hours"])
    ind_date: dict[str, str] = {}
    if ds.inductions is not None:
        found, ind_date = _check_inductions(
            ds, inductions, people, days_of, hours, config, travel.times
        )
        out += found
    for pid, ds_ in days_of.items():
        for day in {d for d in ds_ if ds_.count(d) > 1}:
            out.append(Violation(f"{pid}/-/{day}", "one a day", f"{ds_.count(day)} sessions"))
        p = people[pid]
        if hours[pid] > _max_hours(p, u) + 1e-9:
            out.append(
                Violation(
                    f"{pid}/-/-",
                    "weekly hours",
                    f"{hours[pid]:g} planned over {p['max_hours_per_week']:g}",
                )
            )
        planned_ete = ete.get(pid, 0.0)  # only what the plan adds: history over the share is not
        if planned_ete > 0 and planned_ete > _ete_left(p, u) + 1e-9:  # this week's to judge
            out.append(
                Violation(
                    f"{pid}/-/-",
                    "ETE",
                    f"{ete[pid] + p['ete_hours_completed']:g} h over {u.ete_max_share:.0%} of {p['hours_ordered']}",
                )
            )
    sup = None
    if ds.supervisors is not None:
        sup = _Supervision(ds, roster if roster is not None else _NO_ROSTER, travel, u)
        out += sup.violations(places, members)
    for (plid, day), who in members.items():
        pl = places[plid]
        out += _together(people, plid, day, who, int(pl["capacity"]), pl["kind"])
    state = {
        "members": members,
        "days": days_of,
        "hours": hours,
        "ete": ete,
        "cancelled": cancelled,
        "supervision": sup,
        "inducted_on": ind_date,
        "inductions": ds.inductions is not None,
    }
    for pid, plid, day, t in long_trips:
        closer = _closer_session(people[pid], places, plid, day, state, people, travel, u)
        if closer:
            out.append(
                Violation(
                    f"{pid}/{plid}/{day}",
                    f"travel over {u.target_travel_minutes}",
                    f"{t} min each way, but {closer[0]} on {closer[1]} ({closer[2]} min) had room, fits and credits as much",
                )
            )
    return out


def _together(
    people: dict, sid: str, day: str, who: list[str], capacity: int, kind: str
) -> list[Violation]:
    """The rules of the people sharing one session (work or induction): within its places,
    co-defendants apart, and no woman alone among men against her wishes."""
    out = []
    if len(who) > capacity:
        out.append(
            Violation(f"-/{sid}/{day}", "capacity", f"{len(who)} people for {capacity} places")
        )
    group = set(who)
    for pid in who:
        bad = group & set(people[pid]["exclude_person_ids"])
        if bad:
            out.append(
                Violation(
                    f"{pid}/{sid}/{day}", "exclusion", f"shares the session with {sorted(bad)}"
                )
            )
    alone = lone_woman(people, who, kind)
    if alone:
        out.append(
            Violation(f"{alone}/{sid}/{day}", "women", f"the only woman among {len(who) - 1} men")
        )
    return out


def _max_hours(p: dict, u) -> float:
    return min(float(p["max_hours_per_week"]), u.max_hours_per_week)


def _ete_left(p: dict, u) -> float:
    return u.ete_max_share * p["hours_ordered"] - float(p["ete_hours_completed"])


def _pair_rules(
    p: dict, pl: dict, dname: str, t: int, u, inductions: bool = False
) -> list[tuple[str, str]]:
    """The rules between one person and one placement on one day (no one else involved).
    Without induction slots the first work session is the induction (60 minutes at most)."""
    out = []
    if dname not in p["available_days"]:
        out.append(("availability", f"not available on {dname}"))
    if p["needs_workshop"] and pl["kind"] != "WORKSHOP":
        out.append(("workshop", f"needs a workshop, got {pl['kind']}"))
    if p["no_public_facing"] and pl["public_facing"]:
        out.append(("public facing", "not allowed in public-facing placements"))
    if pl["women_only"] and p["sex"] != "F":
        out.append(("women only", "placement is women-only"))
    if t > u.max_travel_minutes:
        out.append(("travel", f"{t} min each way over {u.max_travel_minutes:g}"))
    carer = p["carer_max_travel_minutes"]
    if carer is not None and carer == carer and t > carer:
        out.append(("carer travel", f"{t} min over the carer's {carer:g}"))
    if not inductions and float(p["hours_completed"]) <= 0 and t > u.induction_max_travel_minutes:
        out.append(
            (
                "induction",
                f"{t} min each way in their first week, over {u.induction_max_travel_minutes:g}",
            )
        )
    return out


def _closer_session(
    p: dict, places: dict, plid: str, day: str, state: dict, people: dict, travel: _Travel, u
):
    """A session within the travel target each way the person could have had instead of this one, with
    no fewer credited hours and every rule kept for everyone: (placement, date, minutes) or None."""
    pid, here = p["person_id"], places[plid]
    stay = [q for q in state["members"][(plid, day)] if q != pid]
    if lone_woman(people, stay, here["kind"]):
        return None  # leaving would leave another woman alone among men: she stays
    credit_here = (
        float(here["session_hours"])
        + 2 * min(travel.supervised(plid), u.credited_travel_max_minutes) / 60
    )
    other_days = set(state["days"][pid]) - {day}
    hours_left = _max_hours(p, u) - (state["hours"][pid] - float(here["session_hours"]))
    ete_left = _ete_left(p, u) - (
        state["ete"].get(pid, 0.0)
        - (float(here["session_hours"]) if here["kind"] == "ETE" else 0.0)
    )
    monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
    row = travel.row(p)
    for q, pl in places.items():
        t = int(row[travel.index[q]])
        if pl["pdu"] != p["pdu"] or t > u.target_travel_minutes or q == plid:
            continue
        credit = (
            float(pl["session_hours"])
            + 2 * min(travel.supervised(q), u.credited_travel_max_minutes) / 60
        )
        if credit + 1e-9 < credit_here or float(pl["session_hours"]) > hours_left + 1e-9:
            continue
        if pl["kind"] == "ETE" and float(pl["session_hours"]) > ete_left + 1e-9:
            continue
        for dname in pl["days"]:
            d = (monday + timedelta(days=DAYS.index(dname))).isoformat()
            inducted = state["inducted_on"].get(pid)
            if (
                d in other_days
                or f"{q}@{d}" in state["cancelled"]
                or _pair_rules(p, pl, dname, t, u, state["inductions"])
                or (inducted is not None and d <= inducted)
            ):
                continue
            who = state["members"].get((q, d), [])
            sup = state["supervision"]
            room = sup.room(pl, d, dname) if sup is not None else int(pl["capacity"])
            if len(who) >= room or set(who) & set(p["exclude_person_ids"]):
                continue
            if lone_woman(people, who + [pid], pl["kind"]):
                continue
            return q, d, t
    return None


def _check_inductions(
    ds: UpwDataset,
    plan: pd.DataFrame | None,
    people: dict,
    days_of: dict,
    hours: dict,
    config: Config,
    times: TravelTimes,
) -> tuple[list[Violation], dict[str, str]]:
    """The inductions planned, against the slots and the schedule: only whoever needs one,
    one each, in a slot of their PDU on a day it runs and they are free, within 60 minutes
    each way (and a carer's limit), within its capacity, no co-defendants together, no woman
    alone among men unless she agreed, and before every work session of theirs (someone who
    needs one and has none does not work). Adds each induction's day and hours to the
    person's week. Returns the violations and each person's induction date."""
    from engine.unpaid_work.rules import needs_induction

    u = config.upw
    out: list[Violation] = []
    slots = {r["induction_id"]: r for r in ds.inductions.to_dict("records")}  # type: ignore[union-attr]
    need = dict(zip(ds.people["person_id"], needs_induction(ds.people)))
    rows = [] if plan is None else plan[plan["induction_id"].astype(str) != ""].to_dict("records")
    when: dict[str, str] = {}
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        pid, sid, day = r["person_id"], r["induction_id"], str(r["date"])
        where = f"{pid}/{sid}/{day}"
        p, slot = people.get(pid), slots.get(sid)
        if p is None or slot is None:
            out.append(Violation(where, "induction", "person or induction slot not in the input"))
            continue
        if pid in when:
            out.append(Violation(where, "induction", f"a second induction (also {when[pid]})"))
        when[pid] = min(day, when.get(pid, day))
        dname = DAYS[date.fromisoformat(day).weekday()]
        runs = dname in slot["days"] if len(slot["days"]) else str(slot["date"]) == day
        t = int(
            times.matrix(
                [p["home_lat"]], [p["home_lon"]], [slot["lat"]], [slot["lon"]], p["travel_mode"]
            )[0][0, 0]
        )
        carer = p["carer_max_travel_minutes"]
        for broken, message in (
            (not need.get(pid, False), "does not need an induction"),
            (slot["pdu"] != p["pdu"], f"a slot of {slot['pdu']}, not {p['pdu']}"),
            (not runs, f"the slot does not run on {day}"),
            (dname not in p["available_days"], f"not available on {dname}"),
            (
                t > u.induction_max_travel_minutes,
                f"{t} min each way, over {u.induction_max_travel_minutes:g}",
            ),
            (carer is not None and carer == carer and t > carer, f"{t} min over the carer's"),
        ):
            if broken:
                out.append(Violation(where, "induction", message))
        members[(sid, day)].append(pid)
        days_of[pid].append(day)
        hours[pid] += u.induction_hours
    for (sid, day), who in members.items():  # an induction is a group as to company
        out += _together(people, sid, day, who, int(slots[sid]["capacity"]), "GROUP")
    for pid, work in days_of.items():
        if not need.get(pid, False):
            continue
        first = when.get(pid)
        early = [d for d in work if first is None or d < first]
        if first is None and work:
            out.append(Violation(f"{pid}/-/-", "induction", "works with no induction first"))
        elif early:
            out.append(
                Violation(
                    f"{pid}/-/{min(early)}", "induction", f"works before the {first} induction"
                )
            )
    return out, when


def people_at(ds: UpwDataset, tables: dict[str, pd.DataFrame], config: Config, day: str):
    """The input as a later week of the plan sees it: each person's hours, ETE hours and
    induction moved on by the plan's own rows dated before `day` (credited hours as written,
    each checked in its own week; an induction counts its hours and makes them inducted)."""
    from dataclasses import replace

    sched, ind = tables["schedule"], tables["inductions"]
    before = sched[sched["date"].astype(str) < day]
    if not len(before) and not len(ind):
        return ds
    people = ds.people.copy()
    got = before.groupby("person_id")["credited_hours"].sum()
    kinds = ds.placements.set_index("placement_id")["kind"]
    ete_rows = before[before["placement_id"].map(kinds) == "ETE"]
    ete = ete_rows.groupby("person_id")["hours"].sum()
    done = ind[(ind["date"].astype(str) != "") & (ind["date"].astype(str) < day)]["person_id"]
    extra = people["person_id"].map(got).fillna(0.0) + people["person_id"].isin(set(done)) * (
        config.upw.induction_hours
    )
    people["hours_completed"] = (people["hours_completed"] + extra).clip(
        upper=people["hours_ordered"]
    )
    people["ete_hours_completed"] = people["ete_hours_completed"] + people["person_id"].map(
        ete
    ).fillna(0.0)
    people["inducted"] = people["inducted"] | people["person_id"].isin(set(done))
    return replace(ds, people=people)
