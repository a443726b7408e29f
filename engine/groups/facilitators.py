"""Each facilitator's weeks as the plan stands (earlier re-plans applied): the group sessions,
one-to-one sessions and half-days of pre-group appointments each week holds, against the most
sessions a week they may run. Why: the team sees who is at their limit, and where sessions are
spare for another group or one-to-one, before it asks anyone to take more (the checker proves
no week is over; this says how near each is)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pandas as pd

from engine.core.config import Config
from engine.groups.contract import GroupsDataset
from engine.groups.decode import UNRESOLVED
from engine.groups.replan import deliveries

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
