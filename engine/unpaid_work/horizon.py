"""The weeks ahead: a rolling horizon of N weeks planned one after another, each from the
people as the weeks before left them (hours credited, inductions done, last placement). Week 1
is firm; the later weeks are provisional (planned with less search time, re-planned next
time) and give each person's pace, so the projected completion looks past one week.

Why one week after another rather than one model over N weeks: the weekly rules (hours a
week, one session a day, company, supervisors) are all within a week; what links the weeks is
each person's hours left, induction and pace. Solving the weeks in order keeps each model the
size of one week (the region's week already takes its budget), and week 1, the one that is
acted on, is solved first with the full budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.unpaid_work.plan import PduSetup, PduWeek
from solvers.types import SolveStats
from solvers.upw import UpwParams, UpwResult, credited, induction_sessions

Solve = Callable[[PduWeek, UpwParams, int], tuple[UpwResult, UpwResult]]


@dataclass
class Horizon:
    """One PDU's weeks as solved, week 1 first: (week, result, baseline) each. It reports week
    1's search (the firm week) to the run's progress."""

    weeks: list[tuple[PduWeek, UpwResult, UpwResult]]

    @property
    def stats(self) -> SolveStats:
        return self.weeks[0][1].stats

    @property
    def phases(self) -> list[SolveStats]:
        return self.weeks[0][1].phases


def horizon_dates(first: list[date], weeks: int) -> list[list[date]]:
    """The dates of each week of the horizon, starting with `first`."""
    return [[d + timedelta(weeks=k) for d in first] for k in range(weeks)]


def solve_horizon(
    setup: PduSetup,
    params: UpwParams,
    solve: Solve,
    provisional_share: float,
    first_week: Callable[[PduWeek], None] | None = None,
) -> Horizon:
    """Each week of the PDU in order: build it for the people as they stand, solve it (week 1
    with the full time, later weeks with `provisional_share` of it), and carry the hours on.
    `first_week` adjusts week 1's problem before it is solved (a re-plan fixes its sessions)."""
    people = setup.people
    out = []
    for k in range(len(setup.weeks)):
        week = setup.week(k, people)
        if k == 0 and first_week is not None:
            first_week(week)
        p = params if k == 0 else _shorter(params, provisional_share)
        result, base = solve(week, p, k)
        out.append((week, result, base))
        people = advance(week, result)
    return Horizon(out)


def _shorter(params: UpwParams, share: float) -> UpwParams:
    return replace(params, time_limit_seconds=max(0.5, params.time_limit_seconds * share))


def advance(week: PduWeek, result: UpwResult) -> pd.DataFrame:
    """The people after the week as planned: credited hours added (never past the order),
    ETE hours, inductions done, and the placement they worked at last."""
    pr = week.problem
    people = week.people.drop(columns=["_behind", "_start_due"]).copy()
    got = credited(pr, result.chosen) / 60.0
    people["hours_completed"] = np.minimum(
        people["hours_completed"].to_numpy(float) + got, people["hours_ordered"].to_numpy(float)
    )
    chosen = np.nonzero(result.chosen)[0]
    ete = np.zeros(len(people))
    np.add.at(
        ete,
        pr.pair_person[chosen],
        pr.pair_minutes[chosen] * pr.session_is_ete[pr.pair_session[chosen]] / 60.0,
    )
    people["ete_hours_completed"] = people["ete_hours_completed"].to_numpy(float) + ete
    inducted = people["inducted"].to_numpy(bool).copy()
    induction = induction_sessions(pr)
    last = people["last_placement_id"].to_numpy(object).copy()
    for k in sorted(chosen, key=lambda k: pr.session_day[pr.pair_session[k]]):
        i, s = int(pr.pair_person[k]), int(pr.pair_session[k])
        if induction[s]:
            inducted[i] = True
        else:
            last[i] = week.sessions["placement_id"].iat[s]
    people["inducted"] = inducted
    people["last_placement_id"] = last
    return people
