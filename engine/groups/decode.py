"""A programme plan's answer as tables with reasons: the groups, who joins each (a long trip
with its rationale), and the unplaced with a reason and an alternative."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.groups import reasons as why
from engine.groups.contract import running_one_to_ones
from engine.groups.plan import ProgrammePlan, session_dates
from engine.groups.reasons import Why
from engine.groups.records import SLOTS
from engine.groups.rules import co_defendants
from solvers.groups import GroupsResult

GROUP_COLUMNS = [
    "group_id",
    "programme",
    "venue_id",
    "slot",
    "start_date",
    "end_date",
    "facilitator_ids",
    "women_only",
    "status",  # NEW (planned now) | RUNNING (pinned from groups_running, end date recomputed)
    "sessions_left",
]

MEMBER_COLUMNS = ["group_id", "person_id", "travel_minutes", "travel_reason"]

UNPLACED_COLUMNS = ["person_id", "programme", "reason_code", "reason", "alternative"]

ONE_TO_ONE_COLUMNS = [
    "person_id",
    "programme",
    "venue_id",
    "slot",
    "start_date",
    "end_date",
    "sessions",
    "facilitator_id",
    "travel_minutes",
]

PRE_GROUP_COLUMNS = [
    "person_id",
    "programme",
    "group_id",
    "date",
    "slot",
    "venue_id",
    "facilitator_id",
    "travel_minutes",
]

CHANGE_COLUMNS = [
    "item",  # a group_id, one-to-one/PERSON or pre-group/PERSON
    "kind",  # group | one_to_one | pre_group
    "programme",
    "date",  # the session as first planned: the key of the change
    "slot",
    "venue_id",
    "facilitator_ids",
    "action",  # COVER | MOVE | RESCHEDULE | POSTPONE | REBOOK | UNRESOLVED
    "new_date",
    "new_slot",
    "new_venue_id",
    "new_facilitator_ids",
    "people_affected",
    "reason",
]

TELL_COLUMNS = ["who", "role", "item", "message"]  # role: person | facilitator

# A re-plan's repairs of a session: another facilitator at the same time and place; another
# venue at the same time; another day of the same week at the same venue; a make-up session
# after the last; a pre-group appointment at another time; none found (the Interventions Team
# arranges it).
COVER, MOVE, POSTPONE, REBOOK, UNRESOLVED = "COVER", "MOVE", "POSTPONE", "REBOOK", "UNRESOLVED"
RESCHEDULE = "RESCHEDULE"
REVIEW_COLUMNS = [
    "person_id",
    "programme",
    "sentence_end",
    "review",  # months before the sentence ends
    "review_date",
    "status",  # WAITING | IN_GROUP | ONE_TO_ONE | NO_GROUP_FITS
    "group_id",
    "group_end",
    "reason",
]


def tables(plans: list[ProgrammePlan], results: list[GroupsResult], meta: dict, config: Config):
    """groups, members and unplaced tables, and the figures of the plan."""
    groups, members, unplaced = [], [], []
    waits, over60 = [], 0
    taken = {str(g["group_id"]) for g in meta.get("running", [])}
    for plan, r in zip(plans, results):
        pr, prog = plan.problem, plan.programme["programme"]
        gid: dict[int, str] = {}
        numbers = (f"G-{prog}-{k:03d}" for k in itertools.count(1))
        for c in sorted(r.facilitators, key=lambda c: (pr.cand_start[c], pr.cand_venue[c], c)):
            # never a running group's id (one carried from the last plan has a new one's)
            gid[c] = next(name for name in numbers if name not in taken)
            groups.append(
                {
                    "group_id": gid[c],
                    "programme": prog,
                    "venue_id": meta["venue_ids"][pr.cand_venue[c]],
                    "slot": ";".join(SLOTS[s] for s in plan.cand_pattern[c]),
                    "start_date": plan.cand_dates[c][0].isoformat(),
                    "end_date": plan.cand_dates[c][-1].isoformat(),
                    "facilitator_ids": ";".join(
                        meta["facilitator_ids"][j] for j in r.facilitators[c]
                    ),
                    "women_only": bool(pr.cand_women_only[c]),
                    "status": "NEW",
                    "sessions_left": len(plan.cand_dates[c]),
                }
            )
        pair = {(int(i), int(c)): k for k, (i, c) in enumerate(zip(pr.pair_person, pr.pair_cand))}
        for i, c in enumerate(r.cand_of_person.tolist()):
            pid = pr.person_ids[i]
            if c >= 0:
                t = int(pr.pair_travel[pair[(i, c)]])
                over60 += t > config.groups.target_travel_minutes
                waits.append(int(pr.pair_wait_days[pair[(i, c)]]))
                members.append(
                    {
                        "group_id": gid[c],
                        "person_id": pid,
                        "travel_minutes": t,
                        "travel_reason": _travel_reason(plan, i, t, config),
                    }
                )
            else:
                reason, alt = _unplaced(plan, r, i, meta, config, gid)
                unplaced.append(
                    {
                        "person_id": pid,
                        "programme": prog,
                        "reason_code": reason.code,
                        "reason": reason.text,
                        "alternative": alt,
                    }
                )
    new_groups = len(groups)
    running = meta.get("running", [])
    for g in running:
        groups.append(_running_row(g))
    figures = {
        "running_groups": sum(not g.get("one_to_one") for g in running),
        "running_members": int(
            sum(len(g["person_ids"]) for g in running if not g.get("one_to_one"))
        ),
        "running_one_to_one": sum(bool(g.get("one_to_one")) for g in running),
        "referrals": int(sum(len(p.people) for p in plans)),
        "started": len(members),
        "unplaced": len(unplaced),
        "groups": new_groups,
        "mean_wait_days": round(float(np.mean(waits)), 1) if waits else None,
        "travel_over_60": int(over60),
    }
    return (
        pd.DataFrame(groups, columns=GROUP_COLUMNS),
        pd.DataFrame(members, columns=MEMBER_COLUMNS),
        pd.DataFrame(unplaced, columns=UNPLACED_COLUMNS),
        figures,
    )


def _running_row(g: dict) -> dict:
    """A running group as the plan keeps it: its own start, the end the calendar now gives."""
    left = g["left"]
    return {
        "group_id": g["group_id"],
        "programme": g["programme"],
        "venue_id": g["venue_id"],
        "slot": ";".join(g["slots"]),
        "start_date": str(g["start_date"]),
        "end_date": left[-1][0].isoformat() if left else str(g["start_date"]),
        "facilitator_ids": ";".join(g["facilitator_ids"]),
        "women_only": bool(g.get("women_only", False)),
        "status": "RUNNING",
        "sessions_left": int(g["sessions_left"]),
    }


def _travel_reason(plan: ProgrammePlan, i: int, t: int, config: Config) -> str:
    target = config.groups.target_travel_minutes
    if t <= target:
        return ""
    prog = plan.programme["programme"]
    if not plan.near[i]:
        return f"{t} min each way: no venue within {target:g} minutes runs {prog} in their slots before their sentence ends"
    return (
        f"{t} min each way: the {prog} groups within {target:g} minutes were full or could not run"
    )


def _unplaced(
    plan: ProgrammePlan,
    r: GroupsResult,
    i: int,
    meta: dict,
    config: Config,
    gid: dict[int, str],
) -> tuple[Why, str]:
    prog = plan.programme["programme"]
    pr = plan.problem
    ends = plan.people["sentence_end"].iat[i]
    if i in r.reasons:
        reason = r.reasons[i]  # left the group after the solve (no pre-group session)
    else:
        reason = plan.reasons[i] or _not_taken(plan, r, i, gid)
    if reason.code == why.SENTENCE_ENDS:
        return reason, f"one-to-one delivery of {prog} before the sentence ends on {ends}"
    # the nearest later group: one planned that they can reach, in their slots, whose next run
    # ends before their sentence does
    last = pd.Timestamp(ends).date()
    holidays = frozenset(config.calendar.bank_holidays)
    again = {
        c: _run_again(plan, c, holidays)
        for c in r.facilitators
        if plan.reach[i, pr.cand_venue[c]] and plan.slots[i, list(plan.cand_pattern[c])].all()
    }
    later = [c for c, dates in again.items() if dates[-1] <= last]
    if later:
        c = min(later, key=lambda c: (again[c][-1], c))
        return reason, (
            f"the next {prog} group at {meta['venue_ids'][pr.cand_venue[c]]} "
            f"({';'.join(SLOTS[s] for s in plan.cand_pattern[c])}) after this one ends on "
            f"{plan.cand_dates[c][-1].isoformat()}: run again from {again[c][0].isoformat()}, "
            f"it would end on {again[c][-1].isoformat()}, before the sentence ends on {ends}"
        )
    return reason, f"one-to-one or remote delivery of {prog}"


def _run_again(plan: ProgrammePlan, c: int, holidays: frozenset[date]) -> list[date]:
    """The session dates of candidate group `c` run again in its room and slots from the
    Monday after its last session: the next group a person it could not take might join."""
    end = plan.cand_dates[c][-1]
    monday = end + timedelta(days=7 - end.weekday())
    return session_dates(monday, plan.cand_pattern[c], int(plan.programme["sessions"]), holidays)


def _not_taken(plan: ProgrammePlan, r: GroupsResult, i: int, gid: dict[int, str]) -> Why:
    """Why person `i`, whom candidate groups could take, is in none: none of those runs, or
    each that runs is full, would leave her its only woman, or has a co-defendant of theirs,
    naming the groups; where one had a place and no rule against them, no pre-group
    appointment was free for them before it (the booking offers such a place to whoever
    waits: engine.groups.pre_group._waiting)."""
    pr = plan.problem
    mine = sorted({int(c) for c in pr.pair_cand[pr.pair_person == i].tolist()})
    runs = [c for c in mine if c in r.facilitators]
    if not runs:
        return why.not_run(len(mine), plan.programme["programme"])
    apart = co_defendants(pr.exclusions, i)
    named: dict[str, list[str]] = {}  # what stands in the way (its code) -> the groups
    for c in runs:
        members = np.nonzero(r.cand_of_person == c)[0]
        if len(members) >= pr.max_group:
            named.setdefault(why.GROUP_FULL, []).append(gid[c])
        elif pr.person_female[i] and not pr.person_female[members].any():
            named.setdefault(why.ONLY_WOMAN, []).append(gid[c])
        elif apart & set(members.tolist()):
            named.setdefault(why.CO_DEFENDANT, []).append(gid[c])
        else:
            named.setdefault(why.PRE_GROUP_FULL, []).append(gid[c])
    if why.PRE_GROUP_FULL in named:
        return why.pre_group_full(_listed(named[why.PRE_GROUP_FULL]))
    return why.barred({code: _listed(groups) for code, groups in named.items()})


def _listed(names: list[str], most: int = 3) -> str:
    """Up to `most` names, then how many more."""
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def one_to_one_table(plans: list[ProgrammePlan], ones: list, meta: dict) -> pd.DataFrame:
    """The one-to-ones planned, one row each (the slots, dates and facilitator)."""
    by_name = {p.programme["programme"]: p for p in plans}
    rows = []
    for o in ones:
        plan = by_name[o.programme]
        rows.append(
            {
                "person_id": plan.people["person_id"].iat[o.person],
                "programme": o.programme,
                "venue_id": meta["venue_ids"][o.venue],
                "slot": ";".join(SLOTS[s] for s in o.pattern),
                "start_date": o.dates[0].isoformat(),
                "end_date": o.dates[-1].isoformat(),
                "sessions": len(o.dates),
                "facilitator_id": meta["facilitator_ids"][o.facilitator],
                "travel_minutes": int(plan.travel[o.person, o.venue]),
            }
        )
    return pd.DataFrame(rows, columns=ONE_TO_ONE_COLUMNS)


def pre_group_table(
    plans: list[ProgrammePlan], sessions: list, members: pd.DataFrame, meta: dict
) -> pd.DataFrame:
    """The pre-group sessions, one row each, with the group the person starts."""
    by_name = {p.programme["programme"]: p for p in plans}
    group_of = dict(zip(members["person_id"], members["group_id"]))
    rows = []
    for s in sessions:
        plan = by_name[s.programme]
        pid = plan.people["person_id"].iat[s.person]
        rows.append(
            {
                "person_id": pid,
                "programme": s.programme,
                "group_id": group_of[pid],
                "date": s.day.isoformat(),
                "slot": SLOTS[s.slot],
                "venue_id": meta["venue_ids"][s.venue],
                "facilitator_id": meta["facilitator_ids"][s.facilitator],
                "travel_minutes": int(plan.travel[s.person, s.venue]),
            }
        )
    return pd.DataFrame(rows, columns=PRE_GROUP_COLUMNS)


def without_one_to_one(
    unplaced: pd.DataFrame,
    ones: pd.DataFrame,
    figures: dict,
    missed: dict[tuple[str, str], str] | None = None,
) -> pd.DataFrame:
    """The unplaced less those now delivered one-to-one; the figures counted again. Whoever
    may be delivered one-to-one but for whom none fits (`missed`: (person_id, programme) ->
    why, engine.groups.one_to_one.plan_one_to_one) is told so in their alternative, not sent
    to look for a one-to-one the planner could not find."""
    left = unplaced[~unplaced["person_id"].isin(ones["person_id"])].reset_index(drop=True)
    if missed:
        for k, (pid, prog) in enumerate(zip(left["person_id"], left["programme"])):
            if (pid, prog) in missed:
                left.loc[k, "alternative"] = (
                    f"remote delivery of {prog}: no one-to-one fits ({missed[pid, prog]})"
                )
    figures["one_to_one"] = len(ones)
    figures["unplaced"] = len(left)
    return left


def no_group_fits(plans: list[ProgrammePlan]) -> set[str]:
    """The people for whom the planner found no candidate group at all."""
    return {pid for p in plans for pid, r in zip(p.problem.person_ids, p.reasons) if r}


def reviews(
    ds,
    fits_none: set[str],
    groups: pd.DataFrame,
    members: pd.DataFrame,
    unplaced: pd.DataFrame,
    first_day: date,
    config: Config,
    ones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Everyone referred whose programme will not be completed at a review that falls in the
    horizon (`review_months_before_end` months before the sentence ends, 6 and 3): WAITING (no
    group yet, though one could fit), IN_GROUP (in a new or running group that ends after the
    review), ONE_TO_ONE (one-to-one sessions, new or carried under way, ending after it) or
    NO_GROUP_FITS (nothing within the limits, in their slots, before the sentence
    ends), each with the reason. Someone whose group ends by the review is not listed."""
    g = config.groups
    last = first_day + timedelta(weeks=g.horizon_weeks)
    ends = dict(zip(groups["group_id"], groups["end_date"]))
    group_of = dict(zip(members["person_id"], members["group_id"]))
    alone = {} if ones is None else dict(zip(ones["person_id"], ones["end_date"]))
    carried = running_one_to_ones(ds.running)  # one-to-ones under way, carried in
    for r in [] if ds.running is None else ds.running.to_dict("records"):
        gid = r["group_id"]
        for pid in r["person_ids"]:
            if gid in carried:
                alone[pid] = ends[gid]
            else:
                group_of[pid] = gid
    why = dict(zip(unplaced["person_id"], unplaced["reason"]))
    rows = []
    for p in ds.referrals.to_dict("records"):
        end = date.fromisoformat(str(p["sentence_end"]))
        for months in g.review_months_before_end:
            on = (pd.Timestamp(end) - pd.DateOffset(months=months)).date()
            if not first_day <= on < last:
                continue
            gid = group_of.get(p["person_id"])
            if p["person_id"] in alone:
                if date.fromisoformat(str(alone[p["person_id"]])) <= on:
                    continue  # completed by the review
                status, reason = "ONE_TO_ONE", f"one-to-one until {alone[p['person_id']]}"
                gid = None
            elif gid is not None and gid in ends:
                if date.fromisoformat(str(ends[gid])) <= on:
                    continue  # completed by the review
                status, reason = "IN_GROUP", f"in {gid}, which ends {ends[gid]}, after the review"
            elif p["person_id"] in fits_none:
                status, reason = "NO_GROUP_FITS", why.get(p["person_id"], "")
            else:
                status, reason = "WAITING", why.get(p["person_id"], "no group started yet")
            rows.append(
                {
                    "person_id": p["person_id"],
                    "programme": p["programme"],
                    "sentence_end": end.isoformat(),
                    "review": months,
                    "review_date": on.isoformat(),
                    "status": status,
                    "group_id": gid or "",
                    "group_end": str(ends.get(gid, "")) if gid else alone.get(p["person_id"], ""),
                    "reason": reason,
                }
            )
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)
