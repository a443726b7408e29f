"""Independent checker for a programme groups plan: re-verifies every hard rule from the inputs
and the three output tables alone (session dates recomputed from the slots, travel from the
travel service), never from the solver's arrays."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from engine.core.check import Violation
from engine.core.config import Config
from engine.groups.contract import Disruption, GroupsDataset
from engine.groups.decode import UNRESOLVED
from engine.groups.rules import group_sessions, running_sessions
from geo.travel import TravelTimes


@dataclass
class _Book:
    """What every rule reads (the inputs by id, the travel service, the calendar) and the
    ledger the plan fills as it is read: rooms and facilitators per half-day, facilitators'
    sessions per week, and the violations found."""

    config: Config
    times: TravelTimes
    first_day: date | None
    progs: dict
    venues: dict
    facs: dict
    people: dict
    holidays: frozenset[date]
    out: list[Violation] = field(default_factory=list)
    room_use: dict[tuple[str, date, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    fac_use: dict[tuple[str, date, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    fac_week: dict[tuple[str, tuple[int, int]], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    # each one-to-one read: item -> (person, its sessions as planned, where they are now)
    alone: dict[str, tuple[str, list, list]] = field(default_factory=dict)

    def hold(self, label: str, venue: str | None, d: date, s: str, facs) -> None:
        """A session (or a facilitator's half-day, venue None) booked under `label`."""
        if venue is not None:
            self.room_use[(venue, d, s)].append(label)
        for f in facs:
            self.fac_use[(f, d, s)].append(label)
            self.fac_week[(f, _week(d))] += 1


def check_groups(
    ds: GroupsDataset,
    groups: pd.DataFrame,
    members: pd.DataFrame,
    config: Config,
    times: TravelTimes,
    first_day: date | None = None,
    one_to_one: pd.DataFrame | None = None,
    pre_group: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    disruptions: Sequence[Disruption] = (),
    previous: dict[str, pd.DataFrame] | None = None,
    busy: dict[str, dict[tuple[date, str], str]] | None = None,
) -> list[Violation]:
    """Every broken rule as 'group/person: rule: detail' (empty: the plan is sound). The running
    groups (`ds.running`) are history: their sessions from `first_day` on hold their rooms and
    facilitators, a new group may not clash with them and their members may not join a new
    group, but clashes among running groups themselves are not the plan's to judge. Their rows
    in `groups` (status RUNNING) must carry the end the calendar gives. With `pre_group`, every
    member of a new group has their pre-group session before the group's first (without it,
    as for plans stored before there were any, that rule is not judged). A re-plan's `changes`
    move sessions (a cover, another venue, a make-up date): the sessions are judged where they
    are now, none may meet a facilitator off or a venue closed in `disruptions` unless it is
    listed unresolved, and against the `previous` plan nothing else may change. With `busy`
    (person -> date -> placement of their firm Unpaid Work), nobody is in a morning or
    afternoon session on one of those days: one calendar per person."""
    g = config.groups
    bk = _Book(
        config,
        times,
        first_day,
        {r["programme"]: r for r in ds.programmes.to_dict("records")},
        {r["venue_id"]: r for r in ds.venues.to_dict("records")},
        {r["facilitator_id"]: r for r in ds.facilitators.to_dict("records")},
        {r["person_id"]: r for r in ds.referrals.to_dict("records")},
        frozenset(config.calendar.bank_holidays),
    )
    progs, venues, facs, people, holidays = bk.progs, bk.venues, bk.facs, bk.people, bk.holidays
    out, room_use, fac_use, fac_week = bk.out, bk.room_use, bk.fac_use, bk.fac_week
    info = {}
    moved = _moved(changes)
    pinned = _pinned(ds, progs, first_day, holidays, groups, out, moved)
    for gid, (r, left) in pinned.items():
        for d, s, v, fs, changed in left:
            bk.hold(f"{gid}@{d}" if changed else gid, v, d, s, fs)  # a re-plan's change is judged
            if changed:
                _changed_session(gid, r["programme"], v, d, s, fs, r["facilitator_ids"], bk)
    for gid in sorted(groups["group_id"][groups["group_id"].duplicated()].astype(str).unique()):
        out.append(Violation(gid, "group id", "two groups share it (a running group's id?)"))
    for r in groups.to_dict("records"):
        if str(r.get("status", "NEW")) == "RUNNING":
            continue  # checked against the input's running groups above
        gid, prog, vid = r["group_id"], progs.get(r["programme"]), venues.get(r["venue_id"])
        if prog is None or vid is None:
            out.append(Violation(gid, "unknown", "programme or venue not in the input"))
            continue
        slots = [s for s in str(r["slot"]).split(";") if s]
        if len(slots) != prog["sessions_per_week"] or len({s[:3] for s in slots}) != len(slots):
            out.append(
                Violation(
                    f"{gid}",
                    "slots",
                    f"{r['slot']} is not {prog['sessions_per_week']} session(s) a week on different days",
                )
            )
        bad = [s for s in slots if s not in vid["available_slots"]]
        if bad:
            out.append(
                Violation(f"{gid}", "venue slots", f"{r['venue_id']} is not available {bad}")
            )
        calendar = group_sessions(
            date.fromisoformat(str(r["start_date"])),
            slots,
            int(prog["sessions"]),
            frozenset(config.calendar.bank_holidays),
        )
        fids = [f for f in str(r["facilitator_ids"]).split(";") if f]
        now = _now(gid, calendar, r["venue_id"], tuple(fids), moved)
        sessions = [(d, s) for d, s, *_ in now]
        if (
            not calendar
            or calendar[0][0].isoformat() != str(r["start_date"])
            or max(sessions)[0].isoformat() != str(r["end_date"])
        ):
            out.append(
                Violation(
                    f"{gid}",
                    "dates",
                    f"{r['start_date']}..{r['end_date']} do not match {prog['sessions']} sessions in {r['slot']}",
                )
            )
        if len(fids) != prog["facilitators_per_session"] or len(set(fids)) != len(fids):
            out.append(
                Violation(
                    f"{gid}",
                    "facilitators",
                    f"{len(set(fids))} named, {prog['facilitators_per_session']} needed",
                )
            )
        for f in fids:
            fr = facs.get(f)
            if fr is None:
                out.append(Violation(f"{gid}", "facilitators", f"unknown {f}"))
                continue
            if r["programme"] not in fr["trained_programmes"]:
                out.append(
                    Violation(
                        f"{gid}", "facilitator training", f"{f} is not trained for {r['programme']}"
                    )
                )
            if [s for s in slots if s not in fr["available_slots"]]:
                out.append(
                    Violation(f"{gid}", "facilitator slots", f"{f} is not available {r['slot']}")
                )
        for d, s, v, fs, changed in now:
            bk.hold(gid, v, d, s, fs)
            if changed:
                _changed_session(gid, r["programme"], v, d, s, fs, fids, bk)
                if bool(r["women_only"]) and not venues[v]["women_only_space"]:
                    out.append(
                        Violation(f"{gid}@{d}", "women-only", f"{v} has no women-only space")
                    )
        if bool(r["women_only"]) and not vid["women_only_space"]:
            out.append(
                Violation(f"{gid}", "women-only", f"{r['venue_id']} has no women-only space")
            )
        info[gid] = (r, prog, vid, now, calendar[0][0] if calendar else None)
    alone = _one_to_one(one_to_one, bk, moved)
    for gid, (r, now) in pinned.items():  # a running group's members where a re-plan moved it
        for d, s, v, _, changed in now:
            if changed and v in venues:  # moved or made up later: reach and sentence end
                for pid in r["person_ids"]:
                    if pid in people:
                        _person_at(f"{gid}@{d}/{pid}", people[pid], venues[v], [(d, s)], bk)
                        _person_slot(f"{gid}@{d}/{pid}", people[pid], s, bk)
    if changes is not None and len(changes):
        before = None if previous is None else previous.get("changes")
        _replan(changes, before, disruptions, pinned, info, one_to_one, pre_group, out)
    if disruptions:
        _disrupted(bk, disruptions, moved, pinned, info, pre_group)
    if previous is not None:
        _kept(previous, groups, members, one_to_one, pre_group, changes, out)
    if busy:
        _one_calendar(busy, members, info, pre_group, bk)
    if pre_group is not None:
        _pre_group(pre_group, members, info, bk)
    for (vid, d, s), gids in room_use.items():
        if vid not in venues:
            continue  # named as unknown where it was used
        if len(gids) > venues[vid]["rooms"] and not set(gids) <= set(pinned):
            out.append(
                Violation(
                    f"{';'.join(gids)}",
                    "rooms",
                    f"{len(gids)} groups at {vid} on {d} {s}, {venues[vid]['rooms']} room(s)",
                )
            )
    for (f, d, s), gids in fac_use.items():
        if len(gids) > 1 and not set(gids) <= set(pinned):
            out.append(
                Violation(f"{';'.join(gids)}", "double-booked", f"facilitator {f} on {d} {s}")
            )
    new_weeks = {(f, _week(d)) for (f, d, _), gids in fac_use.items() if set(gids) - set(pinned)}
    for (f, wk), n in fac_week.items():
        if f in facs and n > facs[f]["max_sessions_per_week"] and (f, wk) in new_weeks:
            out.append(
                Violation(
                    "-",
                    "facilitator load",
                    f"{f} has {n} sessions in week {wk[0]}-W{wk[1]:02d}, at most {facs[f]['max_sessions_per_week']}",
                )
            )
    seen: dict[str, str] = {
        pid: gid for gid, (r, _) in pinned.items() for pid in r["person_ids"]
    }  # a running group's members are in it already
    for pid in sorted(alone & set(seen)):
        out.append(Violation(f"one-to-one/{pid}", "one group", f"already in {seen[pid]}"))
    seen.update({pid: "one-to-one delivery" for pid in alone})
    by_group: dict[str, list[str]] = defaultdict(list)
    for m in members.to_dict("records"):
        gid, pid = m["group_id"], m["person_id"]
        where = f"{gid}/{pid}"
        p = people.get(pid)
        if p is None or gid not in info:
            out.append(Violation(where, "unknown", "person or group not in the input"))
            continue
        if pid in seen:
            out.append(Violation(f"{where}", "one group", f"already in {seen[pid]}"))
        seen[pid] = gid
        by_group[gid].append(pid)
        r, prog, vid, now, _ = info[gid]
        sessions = sorted((d, s) for d, s, *_ in now)
        if p["programme"] != r["programme"]:
            out.append(
                Violation(
                    f"{where}", "programme", f"referred to {p['programme']}, not {r['programme']}"
                )
            )
        needed = {s for _, s in sessions}
        if needed - set(p["available_slots"]):
            out.append(
                Violation(
                    f"{where}",
                    "slots",
                    f"not available {sorted(needed - set(p['available_slots']))}",
                )
            )
        if bool(r["women_only"]) and p["sex"] != "F":
            out.append(Violation(f"{where}", "women-only", "a man in a women-only group"))
        t = _person_at(where, p, vid, sessions, bk)
        for u in sorted({v for _, _, v, _, _ in now if v != r["venue_id"] and v in venues}):
            at_u = sorted((d, s) for d, s, v, _, _ in now if v == u)  # moved by a re-plan
            _person_at(f"{where}@{u}", p, venues[u], at_u, bk)
        if t > g.target_travel_minutes and not str(m.get("travel_reason", "") or ""):
            out.append(
                Violation(
                    f"{where}", "travel reason", f"{t} min each way with no recorded rationale"
                )
            )
    for gid, (_, prog, _, _, _) in info.items():
        who = by_group.get(gid, [])
        if not prog["min_group"] <= len(who) <= min(prog["max_group"], g.max_group):
            out.append(
                Violation(
                    f"{gid}",
                    "size",
                    f"{len(who)} members, {prog['min_group']}-{prog['max_group']} allowed",
                )
            )
        women = [p for p in who if people[p]["sex"] == "F"]
        if len(women) == 1 and len(who) > 1:
            out.append(
                Violation(
                    f"{gid}/{women[0]}",
                    "lone woman",
                    f"the only woman in a group of {len(who) - 1} men",
                )
            )
        for pid in who:
            apart = set(who) & set(people[pid]["exclude_person_ids"])
            if apart:
                out.append(
                    Violation(f"{gid}/{pid}", "exclusion", f"in a group with {sorted(apart)}")
                )
    return out


def _pinned(
    ds: GroupsDataset,
    progs: dict,
    first_day: date | None,
    holidays: frozenset[date],
    groups: pd.DataFrame,
    out: list[Violation],
    moved: dict[tuple[str, date, str], dict],
) -> dict[str, tuple[dict, list[tuple]]]:
    """Each running group and its sessions left from `first_day` as a re-plan leaves them
    (date, slot, venue, facilitators, changed); a violation where the plan's RUNNING row is
    missing or gives another end date."""
    if ds.running is None or first_day is None:
        return {}
    rows = {
        r["group_id"]: r
        for r in groups.to_dict("records")
        if str(r.get("status", "NEW")) == "RUNNING"
    }
    pinned = {}
    for r in ds.running.to_dict("records"):
        gid, prog = r["group_id"], progs[r["programme"]]
        left = running_sessions(
            date.fromisoformat(str(r["start_date"])),
            list(r["slots"]),
            int(r["sessions_done"]),
            int(prog["sessions"]) - int(r["sessions_done"]),
            first_day,
            holidays,
        )
        now = _now(gid, left, r["venue_id"], tuple(r["facilitator_ids"]), moved)
        pinned[gid] = (r, now)
        row = rows.get(gid)
        end = max(now)[0].isoformat() if now else str(r["start_date"])
        if row is None:
            out.append(Violation(gid, "running", "a running group is missing from the plan"))
        elif str(row["end_date"]) != end:
            out.append(
                Violation(gid, "running", f"ends {row['end_date']}, the calendar gives {end}")
            )
    return pinned


def _one_to_one(table, bk: _Book, moved) -> set[str]:
    """Each one-to-one row's rules, its sessions booked beside the groups'; the people in it."""
    if table is None or table.empty:
        return set()
    progs, venues, facs, people, out = bk.progs, bk.venues, bk.facs, bk.people, bk.out
    g, holidays = bk.config.groups, bk.holidays
    seen: set[str] = set()
    for r in table.to_dict("records"):
        where = f"one-to-one/{r['person_id']}"
        p, prog = people.get(r["person_id"]), progs.get(r["programme"])
        vid, f = venues.get(r["venue_id"]), facs.get(r["facilitator_id"])
        if p is None or prog is None or vid is None or f is None:
            out.append(Violation(where, "unknown", "person, programme, venue or facilitator"))
            continue
        if r["person_id"] in seen:
            out.append(Violation(where, "one-to-one", "planned twice"))
        seen.add(r["person_id"])
        if prog["kind"] != "STRUCTURED" and r["programme"] not in g.one_to_one_accredited:
            out.append(Violation(where, "one-to-one", f"{r['programme']} is not delivered so"))
        if p["programme"] != r["programme"]:
            out.append(Violation(where, "programme", f"referred to {p['programme']}"))
        slots = [s for s in str(r["slot"]).split(";") if s]
        if len(slots) != prog["sessions_per_week"] or len({s[:3] for s in slots}) != len(slots):
            out.append(Violation(where, "slots", f"{r['slot']}: not the programme's week"))
        for who, free in (("venue", vid), ("facilitator", f), ("person", p)):
            if [s for s in slots if s not in free["available_slots"]]:
                out.append(Violation(where, f"{who} slots", f"not available {r['slot']}"))
        if r["programme"] not in f["trained_programmes"]:
            out.append(Violation(where, "facilitator training", f"{f['facilitator_id']}"))
        calendar = group_sessions(
            date.fromisoformat(str(r["start_date"])), slots, int(prog["sessions"]), holidays
        )
        now = _now(where, calendar, r["venue_id"], (r["facilitator_id"],), moved)
        bk.alone[where] = (r["person_id"], calendar, now)
        if not now or max(now)[0].isoformat() != str(r["end_date"]):
            out.append(Violation(where, "dates", f"{r['start_date']}..{r['end_date']}"))
        for u in sorted({v for _, _, v, _, _ in now if v in venues}):
            at_u = sorted((d, s) for d, s, v, _, _ in now if v == u)
            _person_at(where, p, venues[u], at_u, bk)
        for d, s, v, fs, changed in now:
            bk.hold(where, v, d, s, fs)
            if changed:
                fids = (r["facilitator_id"],)
                _changed_session(where, r["programme"], v, d, s, fs, fids, bk)
                _person_slot(f"{where}@{d}", p, s, bk)
    return seen


def _pre_group(table, members, info, bk: _Book) -> None:
    """Each member of a new group has one pre-group appointment, one-to-one with a facilitator
    trained for the programme, on a working day in the `pre_group_weeks` before the group's
    first session, in the person's, venue's and facilitator's slot, within the person's
    travel limits. A facilitator's half-day of appointments holds `pre_group_per_slot` at
    one venue at most, and is theirs: no group or one-to-one then, and one session of their
    week."""
    g, holidays, first_day, out = bk.config.groups, bk.holidays, bk.first_day, bk.out
    venues, facs, people = bk.venues, bk.facs, bk.people
    half_days: dict[tuple[str, date, str], list[tuple[str, str]]] = defaultdict(list)
    rows: dict[str, list[dict]] = defaultdict(list)
    for r in table.to_dict("records"):
        rows[r["person_id"]].append(r)
    group_of = {m["person_id"]: m["group_id"] for m in members.to_dict("records")}
    for pid, gid in group_of.items():
        if gid in info and not rows.get(pid):
            out.append(Violation(f"{gid}/{pid}", "pre-group", "no pre-group session"))
    for pid, mine in rows.items():
        where = f"pre-group/{pid}"
        gid = group_of.get(pid)
        if gid not in info:
            out.append(Violation(where, "pre-group", "not a member of a new group"))
            continue
        if len(mine) > 1:
            out.append(Violation(where, "pre-group", f"{len(mine)} sessions, one needed"))
        grp, prog, _, _, first = info[gid]
        r = mine[0]
        p, vid, f = people[pid], venues.get(r["venue_id"]), facs.get(r["facilitator_id"])
        if vid is None or f is None:
            out.append(Violation(where, "unknown", "venue or facilitator not in the input"))
            continue
        day, slot = date.fromisoformat(str(r["date"])), str(r["slot"])
        first = first or day  # the group's first session as planned (a re-plan may move it)
        if not first - timedelta(weeks=g.pre_group_weeks) <= day < first:
            out.append(
                Violation(
                    where,
                    "pre-group date",
                    f"{day} is not in the {g.pre_group_weeks} weeks before {gid} starts {first}",
                )
            )
        if day.weekday() > 4 or day in holidays or (first_day is not None and day < first_day):
            out.append(Violation(where, "pre-group date", f"{day}: not a working day planned"))
        if slot[:3] != day.strftime("%a"):
            out.append(Violation(where, "pre-group slot", f"{slot} is not on {day:%A}"))
        for who, free in (("venue", vid), ("facilitator", f), ("person", p)):
            if slot not in free["available_slots"]:
                out.append(Violation(where, f"{who} slots", f"not available {slot}"))
        if grp["programme"] not in f["trained_programmes"]:
            out.append(Violation(where, "facilitator training", f"{f['facilitator_id']}"))
        _person_at(where, p, vid, [(day, slot)], bk)
        half_days[(r["facilitator_id"], day, slot)].append((pid, r["venue_id"]))
    for (f, day, slot), seen in half_days.items():
        held = f"pre-group/{f}/{day}/{slot}"
        if len(seen) > g.pre_group_per_slot:
            out.append(
                Violation(
                    held, "pre-group", f"{len(seen)} appointments, {g.pre_group_per_slot} at most"
                )
            )
        if len({v for _, v in seen}) > 1:
            out.append(Violation(held, "pre-group", "one half-day at two venues"))
        bk.hold(held, None, day, slot, [f])  # the half-day is theirs, one session of their week


def _person_at(where, p, vid, sessions, bk: _Book) -> int:
    """The rules between a person and where and when they are delivered (a group or
    one-to-one): within the sentence, after the referral, accessible where needed, within the
    travel limit. Returns the minutes each way."""
    g, out = bk.config.groups, bk.out
    if sessions and sessions[-1][0] > date.fromisoformat(str(p["sentence_end"])):
        out.append(
            Violation(
                where,
                "sentence end",
                f"it ends {sessions[-1][0]}, after the sentence ends {p['sentence_end']}",
            )
        )
    if sessions and sessions[0][0] < date.fromisoformat(str(p["referral_date"])):
        out.append(
            Violation(where, "referral", f"it starts before the referral date {p['referral_date']}")
        )
    if p["needs_accessible"] and not vid["accessible"]:
        out.append(Violation(where, "accessible", f"{vid['venue_id']} is not accessible"))
    t = int(
        bk.times.matrix(
            [p["home_lat"]], [p["home_lon"]], [vid["lat"]], [vid["lon"]], p["travel_mode"]
        )[0][0, 0]
    )
    if t > g.max_travel_minutes:
        out.append(Violation(where, "travel", f"{t} min each way over {g.max_travel_minutes:g}"))
    return t


def _moved(changes: pd.DataFrame | None) -> dict[tuple[str, date, str], dict]:
    """A re-plan's change rows by the session they change (item, date, slot as planned)."""
    if changes is None or changes.empty:
        return {}
    return {
        (c["item"], date.fromisoformat(str(c["date"])), str(c["slot"])): c
        for c in changes.to_dict("records")
    }


def _now(
    item: str,
    calendar: list[tuple[date, str]],
    venue: str,
    facs: tuple[str, ...],
    moved: dict[tuple[str, date, str], dict],
) -> list[tuple[date, str, str, tuple[str, ...], bool]]:
    """A delivery's sessions where they are now: (date, slot, venue, facilitators, changed),
    each planned session moved by its change row (one left unresolved stays where it was)."""
    out = []
    for d, s in calendar:
        c = moved.get((item, d, s))
        if c is None or c["action"] == UNRESOLVED:
            out.append((d, s, venue, facs, False))
        else:
            out.append(
                (
                    date.fromisoformat(str(c["new_date"])),
                    str(c["new_slot"]),
                    str(c["new_venue_id"]),
                    tuple(f for f in str(c["new_facilitator_ids"]).split(";") if f),
                    True,
                )
            )
    return out


def _changed_session(item, programme, v, d, s, fs, planned, bk: _Book) -> None:
    """A session a re-plan moved or covered: its venue open then and its facilitators (the
    covers among them) trained, available in the slot, as many as the group had; the slot on
    its date's weekday."""
    venues, facs, out = bk.venues, bk.facs, bk.out
    where = f"{item}@{d}"
    if v not in venues:
        out.append(Violation(where, "unknown", f"venue {v} not in the input"))
    elif s not in venues[v]["available_slots"]:
        out.append(Violation(where, "venue slots", f"{v} is not available {s}"))
    if s[:3] != d.strftime("%a"):
        out.append(Violation(where, "slot", f"{s} is not on {d:%A}"))
    if len(set(fs)) != len(planned):
        out.append(Violation(where, "facilitators", f"{len(set(fs))} named, {len(planned)} needed"))
    for f in fs:
        fr = facs.get(f)
        if fr is None:
            out.append(Violation(where, "facilitators", f"unknown {f}"))
        elif programme not in fr["trained_programmes"]:
            out.append(
                Violation(where, "facilitator training", f"{f} is not trained for {programme}")
            )
        elif s not in fr["available_slots"]:
            out.append(Violation(where, "facilitator slots", f"{f} is not available {s}"))


def _person_slot(where: str, p: dict, s: str, bk: _Book) -> None:
    """A session a re-plan moved to another half-day is in one the person is available."""
    if s not in p["available_slots"]:
        bk.out.append(Violation(where, "slots", f"not available {s}"))


def _hit(disruptions: Sequence[Disruption], d: date, v: str, fs) -> list[str]:
    return [str(x) for x in disruptions if x.hits(d, v, tuple(fs))]


def _disrupted(bk: _Book, disruptions, moved, pinned, info, pre) -> None:
    """No session, group, one-to-one or pre-group, where a facilitator is off or a venue
    closed, unless the re-plan lists it unresolved; no make-up session on a bank holiday."""
    unresolved = {k for k, c in moved.items() if c["action"] == UNRESOLVED}
    out, holidays = bk.out, bk.holidays

    def judge(item: str, sessions, calendar) -> None:
        for (d, s, v, fs, changed), key in zip(sessions, calendar):
            why = _hit(disruptions, d, v, fs)
            if why and (item, *key) not in unresolved:
                out.append(Violation(f"{item}@{d}", "re-plan", f"{s} at {v}: {'; '.join(why)}"))
            if changed and d in holidays:
                out.append(Violation(f"{item}@{d}", "re-plan", "a session on a bank holiday"))

    for gid, (_, now) in pinned.items():
        judge(gid, now, [(c[0], c[1]) for c in _planned_keys(gid, now, moved)])
    for gid, (_, _, _, now, _) in info.items():
        judge(gid, now, _planned_keys(gid, now, moved))
    for item, (_, calendar, now) in bk.alone.items():
        judge(item, now, calendar)
    if pre is not None:
        for r in pre.to_dict("records"):
            d = date.fromisoformat(str(r["date"]))
            item = f"pre-group/{r['person_id']}"
            why = _hit(disruptions, d, r["venue_id"], (r["facilitator_id"],))
            if why and not any(k[0] == item for k in unresolved):
                out.append(Violation(f"{item}@{d}", "re-plan", "; ".join(why)))


def _planned_keys(item, now, moved) -> list[tuple[date, str]]:
    """The planned (date, slot) of each session now, from its change row where it moved."""
    back = {
        (date.fromisoformat(str(c["new_date"])), str(c["new_slot"])): k[1:]
        for k, c in moved.items()
        if k[0] == item and c["action"] != UNRESOLVED
    }
    return [back.get((d, s), (d, s)) if changed else (d, s) for d, s, _, _, changed in now]


def _replan(changes, before, disruptions, pinned, info, ones, pre, out) -> None:
    """Every change row names a delivery of the plan, and a repair its action describes: a
    cover keeps the time and venue, a move keeps the time, a reschedule keeps the venue and the
    week, a postponement comes later; a changed pre-group row matches the appointment now in
    pre_group. A row the re-plan adds (not in the plan re-planned, `before`) changes only a
    session a disruption hits, as that plan had it."""
    items = set(pinned) | set(info)
    if ones is not None:
        items |= {f"one-to-one/{p}" for p in ones["person_id"]}
    booked = {}
    if pre is not None:
        booked = {
            f"pre-group/{r['person_id']}": (
                str(r["date"]),
                r["slot"],
                r["venue_id"],
                r["facilitator_id"],
            )
            for r in pre.to_dict("records")
        }
    old = (
        {}
        if before is None
        else {(c["item"], str(c["date"]), c["slot"]): c for c in before.to_dict("records")}
    )
    for c in changes.to_dict("records"):
        where = f"{c['item']}@{c['date']}"
        prior = old.get((c["item"], str(c["date"]), c["slot"]))
        if prior is None or _row(prior) != _row(c):
            was = (
                (prior["new_date"], prior["new_venue_id"], prior["new_facilitator_ids"])
                if prior is not None and prior["action"] != UNRESOLVED
                else (c["date"], c["venue_id"], c["facilitator_ids"])
            )
            fs = tuple(f for f in str(was[2]).split(";") if f)
            if not _hit(disruptions, date.fromisoformat(str(was[0])), str(was[1]), fs):
                out.append(Violation(where, "re-plan", "changes a session no disruption hits"))
        same_time = (str(c["new_date"]), c["new_slot"]) == (str(c["date"]), c["slot"])
        if c["kind"] == "pre_group":
            if c["item"] not in booked:
                out.append(Violation(where, "re-plan", "no such pre-group appointment"))
            elif c["action"] != UNRESOLVED and booked[c["item"]] != (
                str(c["new_date"]),
                c["new_slot"],
                c["new_venue_id"],
                c["new_facilitator_ids"],
            ):
                out.append(Violation(where, "re-plan", "pre_group does not hold the rebooking"))
            continue
        if c["item"] not in items:
            out.append(Violation(where, "re-plan", "no such group or one-to-one"))
            continue
        bad = {
            "COVER": not same_time or c["new_venue_id"] != c["venue_id"],
            "MOVE": not same_time,
            "RESCHEDULE": same_time
            or c["new_venue_id"] != c["venue_id"]
            or _week(date.fromisoformat(str(c["new_date"])))
            != _week(date.fromisoformat(str(c["date"]))),
            "POSTPONE": str(c["new_date"]) <= str(c["date"]),
            "UNRESOLVED": False,
        }.get(c["action"], True)
        if bad:
            out.append(Violation(where, "re-plan", f"{c['action']} does not describe the change"))


def _week(d: date) -> tuple[int, int]:
    """The ISO (year, week) a date falls in: facilitators' weekly sessions, a reschedule's week."""
    return d.isocalendar()[:2]


def _row(c: dict) -> tuple:
    return tuple(
        str(c[k]) for k in ("action", "new_date", "new_slot", "new_venue_id", "new_facilitator_ids")
    )


def _kept(previous, groups, members, ones, pre, changes, out) -> None:
    """Against the plan re-planned: the same groups (only end dates may move), members,
    one-to-ones and pre-group appointments (only those a change row rebooks may differ)."""

    def rows(df, drop=()):
        if df is None or df.empty:
            return set()
        keep = [c for c in df.columns if c not in drop]
        return set(map(tuple, df[keep].astype(str).itertuples(index=False)))

    for name, now, drop in (
        ("groups", groups, ("end_date",)),
        ("members", members, ()),
        ("one_to_one", ones, ("end_date",)),
    ):
        before = previous.get(name)
        if before is not None and rows(before, drop) != rows(now, drop):
            out.append(Violation(name, "re-plan", "changed beyond the sessions a disruption hit"))
    if pre is not None and previous.get("pre_group") is not None:
        rebooked = set()
        if changes is not None and not changes.empty:
            rebooked = {
                c["item"].split("/", 1)[1]
                for c in changes.to_dict("records")
                if c["kind"] == "pre_group"
            }
        old = previous["pre_group"]
        a = rows(old[~old["person_id"].isin(rebooked)])
        b = rows(pre[~pre["person_id"].isin(rebooked)])
        if a != b:
            out.append(Violation("pre_group", "re-plan", "appointments no disruption hit changed"))


def _one_calendar(busy, members, info, pre, bk: _Book) -> None:
    """No member of a new group, one-to-one or pre-group appointment in a half-day already
    taken: by their firm Unpaid Work (a morning and an afternoon) or a supervision appointment
    (the running groups are history, not this plan's)."""
    taken: list[tuple[str, str, list[tuple[date, str]]]] = []
    for m in members.to_dict("records"):
        if m["group_id"] in info:
            now = info[m["group_id"]][3]
            taken.append((m["person_id"], m["group_id"], [(d, s) for d, s, *_ in now]))
    for pid, _, now in bk.alone.values():  # where a re-plan left them
        taken.append((pid, "one-to-one", [(d, s) for d, s, *_ in now]))
    if pre is not None:
        for r in pre.to_dict("records"):
            taken.append(
                (r["person_id"], "pre-group", [(date.fromisoformat(str(r["date"])), r["slot"])])
            )
    for pid, what, sessions in taken:
        halves = busy.get(pid, {})
        for d, s in sessions:
            other = halves.get((d, s.split("-")[1]))
            if other is not None:
                bk.out.append(Violation(f"{what}/{pid}", "one calendar", f"{d} {s}: {other} then"))
