"""Independent checker for a programme groups plan: re-verifies every hard rule from the inputs
and the three output tables alone (session dates recomputed from the slots, travel from the
travel service), never from the solver's arrays."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pandas as pd

from engine.core.check import Violation
from engine.core.config import Config
from engine.groups.contract import GroupsDataset
from engine.groups.rules import group_sessions, running_sessions
from geo.travel import TravelTimes


def check_groups(
    ds: GroupsDataset,
    groups: pd.DataFrame,
    members: pd.DataFrame,
    config: Config,
    times: TravelTimes,
    first_day: date | None = None,
    one_to_one: pd.DataFrame | None = None,
    pre_group: pd.DataFrame | None = None,
) -> list[Violation]:
    """Every broken rule as 'group/person: rule: detail' (empty: the plan is sound). The running
    groups (`ds.running`) are history: their sessions from `first_day` on hold their rooms and
    facilitators, a new group may not clash with them and their members may not join a new
    group, but clashes among running groups themselves are not the plan's to judge. Their rows
    in `groups` (status RUNNING) must carry the end the calendar gives. With `pre_group`, every
    member of a new group has their pre-group session before the group's first (without it,
    as for plans stored before there were any, that rule is not judged)."""
    g = config.groups
    holidays = frozenset(config.calendar.bank_holidays)
    progs = {r["programme"]: r for r in ds.programmes.to_dict("records")}
    venues = {r["venue_id"]: r for r in ds.venues.to_dict("records")}
    facs = {r["facilitator_id"]: r for r in ds.facilitators.to_dict("records")}
    people = {r["person_id"]: r for r in ds.referrals.to_dict("records")}
    out: list[Violation] = []
    room_use: dict[tuple[str, date, str], list[str]] = defaultdict(list)
    fac_use: dict[tuple[str, date, str], list[str]] = defaultdict(list)
    fac_week: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    info = {}
    pinned = _pinned(ds, progs, first_day, holidays, groups, out)
    for gid, (r, left) in pinned.items():
        for d, s in left:
            room_use[(r["venue_id"], d, s)].append(gid)
            for f in r["facilitator_ids"]:
                fac_use[(f, d, s)].append(gid)
                fac_week[(f, d.isocalendar()[:2])] += 1
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
        sessions = group_sessions(
            date.fromisoformat(str(r["start_date"])),
            slots,
            int(prog["sessions"]),
            frozenset(config.calendar.bank_holidays),
        )
        if (
            not sessions
            or sessions[0][0].isoformat() != str(r["start_date"])
            or sessions[-1][0].isoformat() != str(r["end_date"])
        ):
            out.append(
                Violation(
                    f"{gid}",
                    "dates",
                    f"{r['start_date']}..{r['end_date']} do not match {prog['sessions']} sessions in {r['slot']}",
                )
            )
        fids = [f for f in str(r["facilitator_ids"]).split(";") if f]
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
            for d, s in sessions:
                fac_use[(f, d, s)].append(gid)
                fac_week[(f, d.isocalendar()[:2])] += 1
        for d, s in sessions:
            room_use[(r["venue_id"], d, s)].append(gid)
        if bool(r["women_only"]) and not vid["women_only_space"]:
            out.append(
                Violation(f"{gid}", "women-only", f"{r['venue_id']} has no women-only space")
            )
        info[gid] = (r, prog, vid, sessions)
    alone = _one_to_one(
        one_to_one,
        progs,
        venues,
        facs,
        people,
        config,
        times,
        holidays,
        out,
        room_use,
        fac_use,
        fac_week,
    )
    if pre_group is not None:
        _pre_group(
            pre_group,
            members,
            info,
            venues,
            facs,
            people,
            config,
            times,
            first_day,
            out,
            fac_use,
            fac_week,
        )
    for (vid, d, s), gids in room_use.items():
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
    new_weeks = {
        (f, d.isocalendar()[:2]) for (f, d, _), gids in fac_use.items() if set(gids) - set(pinned)
    }
    for (f, wk), n in fac_week.items():
        if n > facs[f]["max_sessions_per_week"] and (f, wk) in new_weeks:
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
        r, prog, vid, sessions = info[gid]
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
        t = _person_at(where, p, vid, sessions, times, config, out)
        if t > g.target_travel_minutes and not str(m.get("travel_reason", "") or ""):
            out.append(
                Violation(
                    f"{where}", "travel reason", f"{t} min each way with no recorded rationale"
                )
            )
    for gid, (_, prog, _, _) in info.items():
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
) -> dict[str, tuple[dict, list[tuple[date, str]]]]:
    """Each running group and its sessions left from `first_day`; a violation where the plan's
    RUNNING row is missing or gives another end date."""
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
            int(prog["sessions"]) - int(r["sessions_done"]),
            first_day,
            holidays,
        )
        pinned[gid] = (r, left)
        row = rows.get(gid)
        end = left[-1][0].isoformat() if left else str(r["start_date"])
        if row is None:
            out.append(Violation(gid, "running", "a running group is missing from the plan"))
        elif str(row["end_date"]) != end:
            out.append(
                Violation(gid, "running", f"ends {row['end_date']}, the calendar gives {end}")
            )
    return pinned


def _one_to_one(
    table, progs, venues, facs, people, config, times, holidays, out, room_use, fac_use, fac_week
) -> set[str]:
    """Each one-to-one row's rules, its sessions booked beside the groups'; the people in it."""
    if table is None or table.empty:
        return set()
    g = config.groups
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
        sessions = group_sessions(
            date.fromisoformat(str(r["start_date"])), slots, int(prog["sessions"]), holidays
        )
        if not sessions or sessions[-1][0].isoformat() != str(r["end_date"]):
            out.append(Violation(where, "dates", f"{r['start_date']}..{r['end_date']}"))
        _person_at(where, p, vid, sessions, times, config, out)
        for d, s in sessions:
            room_use[(r["venue_id"], d, s)].append(where)
            fac_use[(r["facilitator_id"], d, s)].append(where)
            fac_week[(r["facilitator_id"], d.isocalendar()[:2])] += 1
    return seen


def _pre_group(
    table,
    members,
    info,
    venues,
    facs,
    people,
    config,
    times,
    first_day,
    out,
    fac_use,
    fac_week,
) -> None:
    """Each member of a new group has one pre-group appointment, one-to-one with a facilitator
    trained for the programme, on a working day in the `pre_group_weeks` before the group's
    first session, in the person's, venue's and facilitator's slot, within the person's
    travel limits. A facilitator's half-day of appointments holds `pre_group_per_slot` at
    one venue at most, and is theirs: no group or one-to-one then, and one session of their
    week."""
    g = config.groups
    holidays = frozenset(config.calendar.bank_holidays)
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
        grp, prog, _, sessions = info[gid]
        r = mine[0]
        p, vid, f = people[pid], venues.get(r["venue_id"]), facs.get(r["facilitator_id"])
        if vid is None or f is None:
            out.append(Violation(where, "unknown", "venue or facilitator not in the input"))
            continue
        day, slot = date.fromisoformat(str(r["date"])), str(r["slot"])
        first = sessions[0][0] if sessions else day
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
        _person_at(where, p, vid, [(day, slot)], times, config, out)
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
        fac_use[(f, day, slot)].append(held)  # the half-day is the facilitator's
        fac_week[(f, day.isocalendar()[:2])] += 1  # and one session of their week


def _person_at(where, p, vid, sessions, times, config, out) -> int:
    """The rules between a person and where and when they are delivered (a group or
    one-to-one): within the sentence, after the referral, accessible where needed, within the
    travel limit. Returns the minutes each way."""
    g = config.groups
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
        times.matrix(
            [p["home_lat"]], [p["home_lon"]], [vid["lat"]], [vid["lon"]], p["travel_mode"]
        )[0][0, 0]
    )
    if t > g.max_travel_minutes:
        out.append(Violation(where, "travel", f"{t} min each way over {g.max_travel_minutes:g}"))
    return t
