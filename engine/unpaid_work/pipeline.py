"""`probation upw plan` and `probation upw replan`: the Unpaid Work week's steps of the one run
lifecycle (engine.core.lifecycle): one part per PDU, solved in parallel, checked independently,
stored in one transaction, written out."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.core.check import Violation
from engine.core.errors import RunFailed
from engine.core.lifecycle import Planner, RunOptions, RunOutcome, execute, run_key
from engine.core.parallel import failed_stats
from engine.core.progress import abandon_if_asked
from engine.core.supervision import half_days as supervision_busy
from engine.core.supervision import load_supervision
from engine.store.calendar import (
    busy_rows,
    merge_busy,
    programme_half_days,
    supervision_half_days,
)
from engine.store.runs import Snapshot
from engine.unpaid_work.check import check_week, people_at
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.decode import (
    INDUCTION_COLUMNS,
    ROSTER_COLUMNS,
    SCHEDULE_COLUMNS,
    UNPLACED_COLUMNS,
    UNSUPERVISED_COLUMNS,
    induction_rows,
    progress,
    roster_rows,
    schedule_rows,
    unsupervised_rows,
)
from engine.unpaid_work.export import export_week, ordered
from engine.unpaid_work.horizon import Horizon, horizon_dates, solve_horizon
from engine.unpaid_work.outcomes import (
    TELL_COLUMNS,
    apply_outcomes,
    read_attendance,
    tell_practitioner,
)
from engine.unpaid_work.plan import (
    BASELINE,
    DEFAULT_SOLVER,
    SOLVERS,
    PduSetup,
    build_setups,
    solver_params,
    week_dates,
)
from engine.unpaid_work.store import UpwStore
from solvers.upw import UpwResult


def _solve(pdu: str, setup: PduSetup, solver: str, params, observer, fixed) -> tuple:
    """One PDU's weeks, in order: each with the chosen solver and the baseline it starts from
    (a re-plan's `fixed` keeps week 1's sessions and supervisors)."""
    observer = observer.for_part(pdu) if observer is not None else None

    def one(week, p, k):
        abandon_if_asked(observer)
        base = SOLVERS[BASELINE](week.problem, p)
        return SOLVERS[solver](week.problem, p, observer=observer, greedy=base), base

    share = setup.config.upw.provisional_week_share
    return pdu, solve_horizon(setup, params, one, share, _fixer(fixed)), None


def _fallback(job: tuple, error: BaseException) -> tuple[Horizon, None]:
    """A PDU whose solve failed on every try gets the baseline's weeks."""

    def one(week, p, k):
        base = SOLVERS[BASELINE](week.problem, p)
        failed = UpwResult(
            base.sessions_of_person, base.chosen, failed_stats(error), [], base.roster
        )
        return failed, base

    setup, params, fixed = job[1], job[3], job[5]
    return solve_horizon(setup, params, one, 1.0, _fixer(fixed)), None


def _fixer(fixed):
    """A re-plan's adjustment of week 1: everyone else keeps their sessions and supervisors."""
    if fixed is None:
        return None
    previous, roster, cancelled = fixed

    def fix(week) -> None:
        _fix_previous([week], previous, cancelled)
        _fix_roster([week], roster, cancelled)

    return fix


def _metrics(weeks, results: dict) -> dict:
    from solvers.upw import credited

    out = {
        "people": 0,
        "placed": 0,
        "behind_pace": 0,
        "behind_pace_unplaced": 0,
        "credited_hours": 0.0,
        "travel_over_60": 0,
        "sessions_rostered": 0,
    }
    for w in weeks:
        res = results[w.pdu]
        pr = w.problem
        placed = np.zeros(len(pr.person_ids), bool)
        placed[pr.pair_person[res.chosen]] = True
        behind = pr.person_behind_weight > 0
        out["people"] += len(pr.person_ids)
        out["placed"] += int(placed.sum())
        out["behind_pace"] += int(behind.sum())
        out["behind_pace_unplaced"] += int((behind & ~placed).sum())
        out["credited_hours"] += float(credited(pr, res.chosen).sum()) / 60
        out["travel_over_60"] += int((pr.pair_travel[res.chosen] > 60).sum())
        out["sessions_rostered"] += int(res.roster.sum())
    out["credited_hours"] = round(out["credited_hours"], 1)
    return out


class WeekPlanner(Planner):
    """The Unpaid Work week: one part per PDU; a re-plan starts from the week's stored plan."""

    kind = "unpaid_work"
    what = "week"
    label = "planning Unpaid Work"

    def load(self) -> None:
        opts = self.opts
        if opts.period is None:
            raise RunFailed("an Unpaid Work plan needs its ISO week, e.g. 2026-W48")
        self.period, self.solver = opts.period, opts.solver or DEFAULT_SOLVER
        if self.solver not in SOLVERS:
            raise RunFailed(
                f"unknown Unpaid Work solver {self.solver!r}; choose one of {sorted(SOLVERS)}"
            )
        self.dates = week_dates(self.period)
        self.ds = load_upw(opts.data, self.config)
        self.attendance = read_attendance(
            Path(opts.data), self.ds.people, self.ds.placements, self.dates[0]
        )
        if self.attendance is not None:  # last week's outcomes move the hours first
            self.ds = replace(
                self.ds,
                people=apply_outcomes(self.ds.people, self.ds.placements, self.attendance),
                inputs_hash=hashlib.sha256(
                    (self.ds.inputs_hash + self.attendance.to_json(date_format="iso")).encode()
                ).hexdigest(),
            )
        self.pdus = sorted(set(self.ds.people["pdu"]))
        self.supervision = load_supervision(opts.data)  # appointments given: busy, and stored

    def key_parts(self) -> list[Any]:
        cancel = sorted(self.opts.cancel)
        parts: list[Any] = [self.ds.inputs_hash, self.config.digest(), self.period]
        parts += [self.solver, cancel] + ([self.opts.weeks] if self.opts.weeks != 1 else [])
        return parts + ([run_key(busy_rows(self.busy))] if self.busy else [])

    def open_store(self, url: str) -> UpwStore:
        """The store, and from it each person's programme sessions and supervision appointments
        over the horizon (with those this week was given): busy time."""
        store = UpwStore(url)
        days = [d for week in horizon_dates(self.dates, self.opts.weeks) for d in week]
        people, first, last = self.ds.people["person_id"], min(days), max(days)
        self.busy = merge_busy(
            supervision_busy(self.supervision, people, first, last),
            programme_half_days(store.engine, first, last, people),
            supervision_half_days(store.engine, first, last, people),
        )
        return store

    def parts(self, store) -> tuple[list[tuple], Any, Any]:
        self.horizon = horizon_dates(self.dates, self.opts.weeks)
        setups = build_setups(self.ds, self.config, self.times, self.horizon, self.busy)
        self.previous, fixed = None, None
        if self.opts.cancel:
            latest = store.latest(self.period)
            if latest is None:
                raise RunFailed(
                    f"no stored plan for {self.period} to re-plan: run `probation upw plan` first"
                )
            stored = store.load(latest)[0]
            self.previous = stored["schedule"]
            fixed = (self.previous, stored["roster"], set(self.opts.cancel))
        params = solver_params(self.config, self.opts.time_limit)
        jobs = [
            (s.pdu, s, self.solver, params, self.opts.observer, fixed)
            for s in sorted(setups, key=lambda s: -len(s.people) * len(s.places))
        ]
        return jobs, _solve, _fallback

    def decode(self, solved: dict) -> dict[str, pd.DataFrame]:
        rows, unplaced, roster, unsupervised, inducted = [], [], [], [], []
        self.solved = {pdu: h.weeks for pdu, (h, _) in solved.items()}
        self.weeks = [self.solved[pdu][0][0] for pdu in sorted(solved)]  # week 1, firm
        for pdu in sorted(solved):
            found: dict[str, dict] = {}
            for k, (w, res, _) in enumerate(self.solved[pdu]):
                r, u = schedule_rows(w, res, self.config)
                rows += r
                if k == 0:  # who is left out of the week that is acted on
                    unplaced += u
                roster += roster_rows(w, res)
                unsupervised += unsupervised_rows(w, res, self.config)
                if self.ds.inductions is not None:  # each person's first planned induction
                    for row in induction_rows(w, res, self.config):
                        have = found.get(row["person_id"])
                        if have is None or (
                            have["status"] == "NOT_PLANNED" and row["status"] != "NOT_PLANNED"
                        ):
                            found[row["person_id"]] = row
            inducted += list(found.values())
        return {
            "schedule": pd.DataFrame(rows, columns=SCHEDULE_COLUMNS),
            "unplaced": pd.DataFrame(unplaced, columns=UNPLACED_COLUMNS),
            "roster": pd.DataFrame(roster, columns=ROSTER_COLUMNS),
            "unsupervised": pd.DataFrame(unsupervised, columns=UNSUPERVISED_COLUMNS),
            "inductions": pd.DataFrame(inducted, columns=INDUCTION_COLUMNS).astype(
                {"travel_minutes": "Int64"}
            ),
            "supervision": self.supervision,  # kept with the week: part of the one calendar
        }

    def check(self, tables: dict[str, pd.DataFrame]) -> list[Violation]:
        """Each week of the horizon on its own, for the people as the plan's earlier weeks
        leave them (check.people_at); a re-plan's kept and cancelled sessions are week 1's."""
        kept = (
            frozenset()
            if self.previous is None
            else frozenset(
                (r.person_id, f"{r.placement_id}@{r.date}") for r in self.previous.itertuples()
            )
        )
        out: list[Violation] = []
        for k, dates in enumerate(self.horizon):
            first, last = dates[0].isoformat(), dates[-1].isoformat()
            out += check_week(
                people_at(self.ds, tables, self.config, first),
                _between(tables["schedule"], first, last),
                self.config,
                self.times,
                cancelled=frozenset(self.opts.cancel) if k == 0 else frozenset(),
                kept=kept if k == 0 else frozenset(),
                roster=_between(tables["roster"], first, last),
                inductions=_between(tables["inductions"], first, last),
                busy=self.busy,
            )
        return out

    def summary(self, key: str, tables: dict[str, pd.DataFrame], solved: dict) -> dict[str, Any]:
        weeks, solved = self.weeks, self.solved
        results = {pdu: parts[0][1] for pdu, parts in solved.items()}
        summary = {
            "week": self.period,
            "key": key,
            "solver": self.solver,
            "weeks": len(self.horizon),
            "sessions": int(sum(len(w.sessions) for w in weeks)),
            **_metrics(weeks, results),
            "greedy": _metrics(weeks, {pdu: parts[0][2] for pdu, parts in solved.items()}),
            "horizon": [
                {
                    "week": dates[0].strftime("%G-W%V"),
                    "firm": k == 0,
                    **_metrics(
                        [parts[k][0] for parts in solved.values()],
                        {pdu: parts[k][1] for pdu, parts in solved.items()},
                    ),
                }
                for k, dates in enumerate(self.horizon)
            ],
            "pdus": [
                {
                    "pdu": w.pdu,
                    "pairs": int(len(w.problem.pair_person)),
                    **results[w.pdu].stats.as_dict(),
                    "phases": [p.as_dict() for p in results[w.pdu].phases],
                }
                for w in weeks
            ],
        }
        if self.previous is not None:
            first, last = self.horizon[0][0].isoformat(), self.horizon[0][-1].isoformat()
            summary["tell"] = _changes(
                _between(self.previous, first, last),
                _between(tables["schedule"], first, last),
                set(self.opts.cancel),
            )
        summary["supervisors"] = _supervision(self.ds, tables)
        summary["inductions"] = _inductions(self.ds, tables["inductions"])
        summary |= _history_flags(self.ds, self.config)
        if self.attendance is not None:
            told = tell_practitioner(self.ds.people, self.attendance, self.config, self.dates[0])
            summary["outcomes"] = {
                "sessions": int(len(self.attendance)),
                "hours_added": round(float(self.ds.people["hours_from_outcomes"].sum()), 2),
                "unacceptable_absences": int(len(told)),
            }
            summary["tell_practitioner"] = [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                for r in told.to_dict("records")
            ]
        return summary

    def snapshot(self) -> Snapshot:
        ds = self.ds
        tables = {"upw_people": ds.people, "upw_placements": ds.placements}
        if self.attendance is not None:
            tables["upw_attendance"] = self.attendance
        if ds.supervisors is not None:
            tables["upw_supervisors"] = ds.supervisors
        if ds.inductions is not None:
            tables["upw_inductions"] = ds.inductions
        return Snapshot(ds.inputs_hash, ds.source, tables)

    def export(self, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
        tables = ordered(tables)
        everyone = progress(
            self.ds, tables["schedule"], self.config, self.period, summary.get("weeks", 1)
        )
        told = pd.DataFrame(summary.get("tell_practitioner", []), columns=TELL_COLUMNS)
        return export_week(self.opts.out, tables, everyone, told, summary)


def run_week(opts: RunOptions) -> RunOutcome:
    """Plan an Unpaid Work week: read and validate the folder, solve each PDU (the chosen
    solver and the greedy baseline, in parallel processes or on Dask), check the schedule
    independently, store it in one transaction and write the files. The same week asked for
    again is re-exported from the store unless forced or stored stopped early; a week another
    plan holds is refused unless forced. Raises DataContractError on bad input and RunFailed
    when the checker rejects the week (nothing stored)."""
    return execute(WeekPlanner(opts))


def _supervision(ds, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """How the week was supervised: without a supervisors table every GROUP and WORKSHOP
    session is taken as supervised at its capacity (said here, so nobody reads the plan as
    rostered)."""
    if ds.supervisors is None:
        return {
            "given": False,
            "note": "no upw_supervisors table: GROUP and WORKSHOP sessions are taken as "
            "supervised at the placement's capacity",
        }
    return {
        "given": True,
        "supervisors": int(len(ds.supervisors)),
        "rostered": int(tables["roster"]["supervisor_id"].nunique()),
        "sessions_rostered": int(len(tables["roster"])),
        "sessions_unsupervised": int(len(tables["unsupervised"])),
    }


def _inductions(ds, plan: pd.DataFrame) -> dict[str, Any]:
    """Who needed an induction and how many were planned, late or not planned; without slots
    the first work session is taken as the induction (said here)."""
    if ds.inductions is None:
        return {
            "given": False,
            "note": "no upw_inductions table: someone who has not started is inducted at "
            "their first work session (within 60 minutes each way)",
        }
    counts = plan["status"].value_counts()
    return {
        "given": True,
        "needed": int(len(plan)),
        **{k.lower(): int(counts.get(k, 0)) for k in ("PLANNED", "LATE", "NOT_PLANNED")},
    }


def _history_flags(ds, config) -> dict[str, list[str]]:
    """History that breaks today's rules, planned around rather than refused: people whose ETE
    hours already pass the share (no more ETE is planned for them), and placements with no
    session days (nothing is planned there)."""
    p = ds.people
    over = p["ete_hours_completed"] > config.upw.ete_max_share * p["hours_ordered"] + 1e-9
    idle = ds.placements[[len(d) == 0 for d in ds.placements["days"]]]
    return {
        "ete_over_share": sorted(p.loc[over, "person_id"]),
        "placements_without_days": sorted(idle["placement_id"]),
    }


def _fix_previous(weeks, previous: pd.DataFrame, cancelled: set[str]) -> None:
    """Re-planning: cancelled sessions take nobody; everyone else keeps exactly the sessions
    they had; only the people whose sessions were cancelled are planned again."""
    keep = {(r.person_id, f"{r.placement_id}@{r.date}") for r in previous.itertuples()}
    hit = {r.person_id for r in previous.itertuples() if f"{r.placement_id}@{r.date}" in cancelled}
    for w in weeks:
        pr = w.problem
        sid = np.array(pr.session_ids, dtype=object)
        pid = np.array(pr.person_ids, dtype=object)
        gone = np.isin(sid, list(cancelled))
        pr.session_capacity = np.where(gone, 0, pr.session_capacity)
        fixed = np.array(
            [
                (pid[i], sid[s]) in keep and not gone[s]
                for i, s in zip(pr.pair_person, pr.pair_session)
            ],
            dtype=bool,
        )
        free = np.isin(pid[pr.pair_person], list(hit)) & ~gone[pr.pair_session]
        mask = fixed | free
        for name in (
            "pair_person",
            "pair_session",
            "pair_minutes",
            "pair_credited",
            "pair_travel",
            "pair_cost",
        ):
            setattr(pr, name, getattr(pr, name)[mask])
        pr.pair_fixed = fixed[mask]


def _between(table: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """The rows of a plan's table dated within one week (ISO dates compare as text)."""
    if table is None or not len(table):
        return table
    day = table["date"].astype(str)
    return table[(day >= first) & (day <= last)].reset_index(drop=True)


def _fix_roster(weeks, previous: pd.DataFrame, cancelled: set[str]) -> None:
    """Re-planning: every supervisor keeps the sessions they were rostered to that still run;
    one whose session stood down is free that day for the people planned again."""
    keep = {(r.supervisor_id, f"{r.placement_id}@{r.date}") for r in previous.itertuples()}
    for w in weeks:
        pr = w.problem
        pr.roster_fixed = np.array(
            [
                (pr.supervisor_ids[j], pr.session_ids[s]) in keep
                and pr.session_ids[s] not in cancelled
                for j, s in zip(pr.roster_supervisor.tolist(), pr.roster_session.tolist())
            ],
            dtype=bool,
        )


def _changes(previous: pd.DataFrame, now: pd.DataFrame, cancelled: set[str]) -> list[dict]:
    """Who must be told: everyone whose week changed, with the old and new sessions."""

    def sessions(df):
        return (
            df.assign(s=df["placement_id"] + "@" + df["date"].astype(str))
            .groupby("person_id")["s"]
            .apply(set)
            .to_dict()
        )

    before, after = sessions(previous), sessions(now)
    out = []
    for person in sorted(set(before) | set(after)):
        b, a = before.get(person, set()), after.get(person, set())
        if a != b:
            out.append(
                {
                    "person_id": person,
                    "cancelled": sorted(b & cancelled),
                    "removed": sorted(b - a - cancelled),
                    "added": sorted(a - b),
                }
            )
    return out
