"""An Unpaid Work week's answer as tables with reasons: the schedule (each long trip with why
nothing closer would do), the unplaced (with why), and the reviews falling due."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.unpaid_work.contract import UpwDataset
from engine.unpaid_work.plan import PduWeek, week_dates
from engine.unpaid_work.records import INDUCTION
from engine.unpaid_work.rules import supervisor_rules
from solvers.upw import UpwResult

SCHEDULE_COLUMNS = [
    "person_id",
    "placement_id",
    "date",
    "hours",
    "credited_hours",
    "travel_minutes",
    "supervised_travel_minutes",
    "travel_reason",
]
UNPLACED_COLUMNS = ["person_id", "pdu", "behind_pace_hours", "reason"]
INDUCTION_COLUMNS = [
    "person_id",
    "pdu",
    "sentence_date",
    "due_by",
    "induction_id",
    "date",
    "travel_minutes",
    "status",
    "reason",
]


def induction_rows(week: PduWeek, result: UpwResult, config: Config) -> list[dict]:
    """Everyone of the PDU who needs an induction: their slot this week (PLANNED), or LATE
    when it falls after the day the first session is due (15 working days from sentence), or
    NOT_PLANNED with why (OVERDUE in the reason when that day has passed)."""
    from engine.core.calendar import deadline
    from engine.unpaid_work.rules import needs_induction

    pr, sess, people = week.problem, week.sessions, week.people
    due = deadline(
        people["sentence_date"].astype(str).to_numpy(),
        config.upw.first_session_working_days,
        config.calendar.bank_holidays,
    )
    induction = (sess["kind"] == INDUCTION).to_numpy()
    slot = {
        int(pr.pair_person[k]): int(k)
        for k in np.nonzero(result.chosen)[0]
        if induction[pr.pair_session[k]]
    }
    first_day = sess["date"].min() if len(sess) else None
    rows = []
    for i in np.nonzero(needs_induction(people))[0]:
        by = due[i].astype(object)
        row = {
            "person_id": people["person_id"].iat[i],
            "pdu": week.pdu,
            "sentence_date": str(people["sentence_date"].iat[i]),
            "due_by": by.isoformat(),
            "induction_id": "",
            "date": "",
            "travel_minutes": None,
            "status": "NOT_PLANNED",
            "reason": "",
        }
        k = slot.get(int(i))
        if k is not None:
            s = int(pr.pair_session[k])
            when = sess["date"].iat[s]
            late = when > by
            row |= {
                "induction_id": sess["placement_id"].iat[s],
                "date": when.isoformat(),
                "travel_minutes": int(pr.pair_travel[k]),
                "status": "LATE" if late else "PLANNED",
                "reason": f"after the {by.isoformat()} limit (15 working days from sentence)"
                if late
                else "",
            }
        else:
            overdue = first_day is not None and by < first_day
            row["reason"] = _no_induction(week, int(i), config) + (
                f" (OVERDUE: due by {by.isoformat()})" if overdue else ""
            )
        rows.append(row)
    return rows


def _no_induction(week: PduWeek, i: int, config: Config) -> str:
    sess = week.sessions
    induction = (sess["kind"] == INDUCTION).to_numpy()
    if not induction.any():
        return "no induction slot in the PDU this week"
    if not (week.within_limits[i] & induction).any():
        p = week.people.iloc[i]
        return (
            f"no induction slot on their days ({';'.join(p['available_days'])}) within "
            f"{config.upw.induction_max_travel_minutes:g} minutes each way"
        )
    return (
        "every induction slot that fits was full, or sharing it would break a rule "
        "(exclusions, a woman alone among men)"
    )


ROSTER_COLUMNS = [
    "supervisor_id",
    "date",
    "placement_id",
    "kind",
    "crew",
    "crew_limit",
    "crew_bus",
    "drive_minutes",
]
UNSUPERVISED_COLUMNS = ["placement_id", "date", "kind", "people_who_could_go", "reason"]


def roster_rows(week: PduWeek, result: UpwResult) -> list[dict]:
    """Who supervises which session: the crew placed, the most it may take, whether it rides
    the crew bus from a pickup point, and the supervisor's drive."""
    pr, sess, r = week.problem, week.sessions, week.roster
    if r is None:
        return []
    crew = np.bincount(pr.pair_session[result.chosen], minlength=len(pr.session_ids))
    rows = []
    for q in np.nonzero(result.roster)[0]:
        j, s = int(pr.roster_supervisor[q]), int(pr.roster_session[q])
        rows.append(
            {
                "supervisor_id": pr.supervisor_ids[j],
                "date": sess["date"].iat[s].isoformat(),
                "placement_id": sess["placement_id"].iat[s],
                "kind": sess["kind"].iat[s],
                "crew": int(crew[s]),
                "crew_limit": int(pr.roster_crew[q]),
                "crew_bus": bool(r.pickup[s]),
                "drive_minutes": int(r.drive[j, s]),
            }
        )
    return rows


def unsupervised_rows(week: PduWeek, result: UpwResult, config: Config) -> list[dict]:
    """The GROUP and WORKSHOP sessions that do not run for want of a supervisor, with why:
    nobody of the PDU may run them (the first rule that rules everyone out), or everyone who
    may is rostered elsewhere that day while people who could go there were left without it.
    A session a free supervisor could have run but nobody needed is not listed."""
    pr, sess, r = week.problem, week.sessions, week.roster
    if r is None:
        return []
    ran = np.zeros(len(pr.session_ids), bool)
    ran[pr.roster_session[result.roster]] = True
    busy = {
        (int(pr.roster_supervisor[q]), int(pr.session_day[pr.roster_session[q]]))
        for q in np.nonzero(result.roster)[0]
    }
    could_go = week.within_limits.sum(axis=0)
    rows = []
    for s in np.nonzero(pr.session_supervised & ~ran)[0]:
        able = np.nonzero(r.can_run[:, s])[0]
        if len(able):
            if not could_go[s] or any((int(j), int(pr.session_day[s])) not in busy for j in able):
                continue
            reason = (
                f"the {len(able)} supervisor(s) who could run it are rostered to other "
                "sessions that day"
            )
        else:
            reason = _no_supervisor(week, int(s), config)
        rows.append(
            {
                "placement_id": sess["placement_id"].iat[s],
                "date": sess["date"].iat[s].isoformat(),
                "kind": sess["kind"].iat[s],
                "people_who_could_go": int(could_go[s]),
                "reason": reason,
            }
        )
    return rows


def _no_supervisor(week: PduWeek, s: int, config: Config) -> str:
    """Why no supervisor of the PDU may run session s: the rules (rules.supervisor_rules) in
    turn, each narrowing who is left, naming them up to the first that leaves nobody."""
    sess, r = week.sessions, week.roster
    assert r is not None
    if not len(r.supervisors):
        return "the PDU has no supervisors"
    one = sess.iloc[[s]]
    rules = supervisor_rules(r.supervisors, one, r.pickup[[s]], r.drive[:, [s]], config)
    words = {"kind": one["kind"].iat[0], "day": one["date"].iat[0].strftime("%a")}
    left = np.ones(len(r.supervisors), bool)
    wanted = []
    for what, mask in rules:
        wanted.append(what.format(**words))
        left &= mask[:, 0]
        if not left.any():
            break
    named = ", ".join(wanted[:-1]) + " and " + wanted[-1] if len(wanted) > 1 else wanted[0]
    return f"no supervisor of the PDU is {named}"


def schedule_rows(
    week: PduWeek, result: UpwResult, config: Config
) -> tuple[list[dict], list[dict]]:
    """The schedule rows and the unplaced people (with reasons) of one PDU."""
    pr, sess, people = week.problem, week.sessions, week.people
    induction = (sess["kind"] == INDUCTION).to_numpy()
    rows, unplaced = [], []
    for i, ks in enumerate(result.sessions_of_person):
        pid = pr.person_ids[i]
        if not ks:
            unplaced.append(
                {
                    "person_id": pid,
                    "pdu": week.pdu,
                    "behind_pace_hours": round(float(people["_behind"].iat[i]), 1),
                    "reason": _unplaced_reason(week, i, config),
                }
            )
            continue
        left = int(pr.person_remaining_minutes[i])
        for k in sorted(ks, key=lambda k: pr.session_day[pr.pair_session[k]]):
            s = int(pr.pair_session[k])
            cred = min(int(pr.pair_credited[k]), left)
            left -= cred
            if induction[s]:  # on the induction list (induction_rows), not the schedule
                continue
            t = int(pr.pair_travel[k])
            rows.append(
                {
                    "person_id": pid,
                    "placement_id": sess["placement_id"].iat[s],
                    "date": sess["date"].iat[s].isoformat(),
                    "hours": float(sess["hours"].iat[s]),
                    "credited_hours": round(cred / 60, 2),
                    "travel_minutes": t,
                    "supervised_travel_minutes": int(week.supervised[week.session_place[s]]),
                    "travel_reason": _travel_reason(week, i, s, t, config)
                    if t > config.upw.target_travel_minutes
                    else "",
                }
            )
    return rows, unplaced


def _travel_reason(week: PduWeek, i: int, s: int, t: int, config: Config) -> str:
    target = config.upw.target_travel_minutes
    near = np.nonzero(week.within_limits[i] & (week.travel[i, week.session_place] <= target))[0]
    if not len(near):
        return f"{t} min each way: no placement within {target} minutes fits this person (days, kind or restrictions)"
    return f"{t} min each way: the {len(near)} session(s) within {target} minutes that fit were full or clashed"


def _unplaced_reason(week: PduWeek, i: int, config: Config) -> str:
    p = week.people.iloc[i]
    if p["hours_ordered"] - p["hours_completed"] <= 0:
        return "hours complete"
    if not week.within_limits.shape[1]:
        return "no placement sessions in the PDU this week"
    if not week.within_limits[i].any():
        first = p["hours_completed"] <= 0
        limit = config.upw.induction_max_travel_minutes if first else config.upw.max_travel_minutes
        return (
            f"no session on their days ({';'.join(p['available_days'])}) within {limit:g} minutes"
            f"{' (induction week)' if first else ''} that meets their restrictions"
        )
    short = ", had no supervisor free" if week.roster is not None else ""
    return (
        f"every session that fits was full{short}, or sharing it would break a rule "
        "(exclusions, women's company)"
    )


REVIEW_COLUMNS = [
    "person_id",
    "pdu",
    "review",
    "hours_ordered",
    "hours_done",
    "hours_left",
    "due_date",
    "planned_hours_this_week",
    "planned_hours_per_week",
    "projected_completion",
    "late",
    "hours_per_week_needed",
    "can_finish",
]


def reviews(ds: UpwDataset, schedule: pd.DataFrame, config: Config, week: str) -> pd.DataFrame:
    """The review list: everyone still working off hours whose 6- or 9-month review falls in
    the week (000 ~5226), and everyone whose projected completion at this week's planned pace
    falls after the 12-month limit (`progress`, those rows)."""
    return review_rows(progress(ds, schedule, config, week))


def review_rows(progress: pd.DataFrame) -> pd.DataFrame:
    """The rows of `progress` at a review in the week, or late."""
    due = (progress["review"] != "") | progress["late"].astype(bool)
    return progress[due].reset_index(drop=True)


def progress(
    ds: UpwDataset, schedule: pd.DataFrame, config: Config, week: str, weeks: int = 1
) -> pd.DataFrame:
    """Everyone still working off hours: hours done and left, the projected completion at the
    pace planned over the `weeks` ahead (hours planned a week, on average), their review if it
    falls in the first week, when late the hours a week they would need, and whether they can
    finish in time at all (`can_finish` false: not even at their most hours a week, every
    week left)."""
    u = config.upw
    days = week_dates(week)
    start, end = days[0], days[0] + timedelta(days=6)
    if len(schedule):
        first = schedule
        if "date" in schedule:  # a horizon's schedule: its first week's rows
            day = schedule["date"].astype(str)
            first = schedule[(day >= start.isoformat()) & (day <= end.isoformat())]
        this_week = first.groupby("person_id")["credited_hours"].sum()
        planned = schedule.groupby("person_id")["credited_hours"].sum() / max(weeks, 1)
    else:
        this_week = planned = pd.Series(dtype=float)
    rows = []
    for p in ds.people.itertuples():
        sentence = date.fromisoformat(str(p.sentence_date))
        due = _add_months(sentence, u.complete_within_months)
        left = round(float(p.hours_ordered) - float(p.hours_completed), 2)
        if left <= 0:
            continue
        pace = float(planned.get(p.person_id, 0.0))
        weeks_left = max((due - start).days / 7, 0.0)
        projected = start + timedelta(weeks=math.ceil(left / pace)) if pace > 0 else None
        review = next(
            (
                f"{m}-month review {_add_months(sentence, m).isoformat()}"
                for m in sorted(u.review_months)
                if start <= _add_months(sentence, m) <= end
            ),
            "",
        )
        late = projected is None or projected > due
        most = min(float(p.max_hours_per_week), u.max_hours_per_week)  # a week at most
        can_finish = left <= weeks_left * most + 1e-9  # whatever is planned from now on
        rows.append(
            {
                "person_id": p.person_id,
                "pdu": p.pdu,
                "review": review,
                "hours_ordered": p.hours_ordered,
                "hours_done": round(float(p.hours_completed), 2),
                "hours_left": left,
                "due_date": due.isoformat(),
                "planned_hours_this_week": round(float(this_week.get(p.person_id, 0.0)), 2),
                "planned_hours_per_week": round(pace, 2),
                "projected_completion": projected.isoformat()
                if projected
                else "not planned in the weeks ahead",
                "late": late,
                "hours_per_week_needed": (round(left / weeks_left, 1) if weeks_left > 0 else left)
                if late
                else None,
                "can_finish": can_finish,
            }
        )
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)
