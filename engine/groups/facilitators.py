"""The facilitators as a plan leaves them: each one's weeks as the plan stands (earlier
re-plans applied), the group sessions, one-to-one sessions and half-days of pre-group
appointments each week holds against the most sessions a week they may run; and where too few
trained facilitators kept a group from being offered at all. Why: the team sees who is at their
limit and where sessions are spare before it asks anyone to take more (the checker proves no
week is over; this says how near each is), and where more trained facilitators would start
people."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pandas as pd

from engine.core.config import Config
from engine.groups.contract import GroupsDataset
from engine.groups.decode import UNRESOLVED
from engine.groups.plan import ProgrammePlan
from engine.groups.records import SLOTS
from engine.groups.replan import deliveries
from solvers.groups import GroupsResult

FACILITATOR_WEEK_COLUMNS = [
    "facilitator_id",
    "week",  # ISO week, YYYY-Www
    "week_start",  # its Monday
    "group_sessions",
    "one_to_one_sessions",
    "pre_group_half_days",
    "sessions",  # what counts against the week's most: the three together
    "most",  # max_sessions_per_week
    "spare",
]


def facilitator_weeks(
    ds: GroupsDataset, tables: dict[str, pd.DataFrame], first_day: date, config: Config
) -> pd.DataFrame:
    """Every facilitator, every week from `first_day`'s to the last with a session of theirs
    (at least the quarter's `horizon_weeks`): a row each, with what the week holds. A session
    left for the team (unresolved) is not held; a half-day of pre-group appointments counts
    once, however many it holds, as the planner and the checker count it."""
    held: Counter = Counter()  # (facilitator, Monday, kind) -> sessions or half-days
    half_days: set[tuple[str, date, str]] = set()
    monday = first_day - timedelta(days=first_day.weekday())
    last = monday + timedelta(weeks=config.groups.horizon_weeks - 1)
    for d in deliveries(ds, tables, first_day, config):
        for s in d.sessions:
            if s.day < first_day or (s.change is not None and s.change["action"] == UNRESOLVED):
                continue
            week = s.day - timedelta(days=s.day.weekday())
            last = max(last, week)
            for f in s.facilitators:
                if d.kind == "pre_group":
                    if (f, s.day, s.slot) in half_days:
                        continue
                    half_days.add((f, s.day, s.slot))
                held[(f, week, d.kind)] += 1
    most = dict(zip(ds.facilitators["facilitator_id"], ds.facilitators["max_sessions_per_week"]))
    rows = []
    for f in sorted(most):
        week = monday
        while week <= last:
            group, one, pre = (held[(f, week, k)] for k in ("group", "one_to_one", "pre_group"))
            iso = week.isocalendar()
            rows.append(
                (f, f"{iso.year}-W{iso.week:02d}", week.isoformat(), group, one, pre)
                + (group + one + pre, int(most[f]), int(most[f]) - (group + one + pre))
            )
            week += timedelta(weeks=1)
    return pd.DataFrame(rows, columns=FACILITATOR_WEEK_COLUMNS)


def load_figures(weeks: pd.DataFrame, horizon_weeks: int) -> dict[str, int]:
    """The quarter's (its first `horizon_weeks`) facilitator-weeks at their most, and the
    sessions left spare in it: what another group or one-to-one could still take."""
    starts = sorted(weeks["week_start"].unique())[:horizon_weeks]
    quarter = weeks[weeks["week_start"].isin(starts)]
    return {
        "weeks_at_most": int((quarter["spare"] <= 0).sum()),
        "sessions_spare": int(quarter["spare"].clip(lower=0).sum()),
    }


def facilitator_gaps(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    venue_ids: list[str],
    one_to_one: set[str],
    most: int,
) -> list[dict[str, Any]]:
    """Where more trained facilitators would let a group be offered: each venue and set of
    half-days offered for a programme with too few trained facilitators free then (within
    their travel limit), how many referrals share it and how many of those wait (in no group,
    nor delivered one-to-one), the most waiting first, at most `most`. Why: a team choosing
    whom to train, or whose hours to change, sees where that would start people (no group can
    be planned there, so the plan's bound says nothing of them)."""
    rows = []
    for plan, r in zip(plans, results):
        alone = plan.people["person_id"].isin(one_to_one).to_numpy()
        waiting = (r.cand_of_person < 0) & ~alone
        for s in plan.short:
            n = int(waiting[s.people].sum())
            if n:
                rows.append(
                    {
                        "programme": plan.programme["programme"],
                        "venue_id": venue_ids[s.venue],
                        "slots": ";".join(SLOTS[k] for k in s.pattern),
                        "referrals": len(s.people),
                        "waiting": n,
                        "facilitators_free": s.free,
                        "facilitators_needed": s.need,
                    }
                )
    rows.sort(key=lambda g: (-g["waiting"], g["programme"], g["venue_id"], g["slots"]))
    return rows[:most]
