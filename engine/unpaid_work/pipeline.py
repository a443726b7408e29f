"""`probation upw plan` and `probation upw replan`: plan a week per PDU (in parallel), check it
independently, store it in one transaction, write the files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine.core.check import rejected
from engine.core.errors import RunFailed
from engine.core.lifecycle import RunOptions, reusable, run_key, stopped_early
from engine.core.parallel import PartsSettings, failed_stats, solve_parts
from engine.store.runs import Snapshot
from engine.unpaid_work.check import check_week
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.plan import (
    BASELINE,
    DEFAULT_SOLVER,
    SOLVERS,
    build_week,
    reviews,
    schedule_rows,
    solver_params,
    week_dates,
)
from engine.unpaid_work.store import UpwStore
from geo.travel import travel_service
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


def _solve(pdu: str, problem, solver: str, params, observer) -> tuple[str, UpwResult, UpwResult]:
    """One PDU's week: the chosen solver, and the baseline it starts from."""
    observer = observer.for_part(pdu) if observer is not None else None
    base = SOLVERS[BASELINE](problem, params)
    return pdu, SOLVERS[solver](problem, params, observer=observer, greedy=base), base


def _fallback(job: tuple, error: BaseException) -> tuple[UpwResult, UpwResult]:
    """A PDU whose solve failed on every try gets the baseline's week."""
    base = SOLVERS[BASELINE](job[1], job[3])
    return UpwResult(base.sessions_of_person, base.chosen, failed_stats(error), []), base


def _metrics(weeks, results: dict) -> dict:
    from solvers.upw import credited

    out = {
        "people": 0,
        "placed": 0,
        "behind_pace": 0,
        "behind_pace_unplaced": 0,
        "credited_hours": 0.0,
        "travel_over_60": 0,
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
    out["credited_hours"] = round(out["credited_hours"], 1)
    return out


def run_week(opts: RunOptions) -> dict:
    """Plan an Unpaid Work week: read and validate the folder, solve each PDU (the chosen
    solver and the greedy baseline, in parallel processes), check the schedule independently,
    store it in one transaction and write the files. The same week asked for again is re-exported
    from the store unless forced or stored stopped early. Raises DataContractError on bad input
    and RunFailed when the checker rejects the week (nothing stored)."""
    t0 = time.perf_counter()
    config = opts.config
    if opts.period is None:
        raise RunFailed("an Unpaid Work plan needs its ISO week, e.g. 2026-W48")
    week, solver = opts.period, opts.solver or DEFAULT_SOLVER
    if solver not in SOLVERS:
        raise RunFailed(f"unknown Unpaid Work solver {solver!r}; choose one of {sorted(SOLVERS)}")
    dates = week_dates(week)
    ds = load_upw(opts.data, config)
    times = travel_service(config.travel, opts.osm_file)
    store = UpwStore(opts.db_url or f"sqlite:///{Path(opts.out) / 'probation.sqlite'}")
    key = run_key(
        ds.inputs_hash,
        config.digest(),
        week,
        solver,
        sorted(opts.cancel),
        times.network_hashes(),
    )
    stored = store.find(key)
    if stored is not None and reusable(json.loads(stored["summary_json"]), opts.force):
        frames, summary = store.load(key)
        sched = frames["schedule"]
        _export(opts.out, sched, frames["unplaced"], reviews(ds, sched, config, week), summary)
        return summary | {"reused": True}
    pdus = sorted(set(ds.people["pdu"]))
    if not opts.force:  # a week another run holds is refused before solving, not after
        store.check_night(pdus, week, key, store.kind)
    weeks = build_week(ds, config, times, dates)
    previous = None
    if opts.cancel:
        latest = store.latest(week)
        if latest is None:
            raise RunFailed(f"no stored plan for {week} to re-plan: run `probation upw plan` first")
        previous = store.load(latest)[0]["schedule"]
        _fix_previous(weeks, previous, set(opts.cancel))
    params = solver_params(config, opts.time_limit)
    jobs = [(w.pdu, w.problem, solver, params, opts.observer) for w in weeks]
    jobs.sort(key=lambda j: -len(j[1].pair_person))
    settings = PartsSettings(
        "planning Unpaid Work",
        config.solver.parallel_processes,
        opts.engine,
        opts.scheduler,
        config.solver.part_retries,
        opts.progress,
    )
    solved = solve_parts(jobs, _solve, _fallback, settings, opts.observer)
    results = {pdu: res for pdu, (res, _) in solved.items()}
    baseline = {pdu: base for pdu, (_, base) in solved.items()}
    rows, unplaced = [], []
    for w in weeks:
        r, u = schedule_rows(w, results[w.pdu], config)
        rows += r
        unplaced += u
    sched = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)
    unpl = pd.DataFrame(unplaced, columns=["person_id", "pdu", "behind_pace_hours", "reason"])
    kept = (
        frozenset()
        if previous is None
        else frozenset((r.person_id, f"{r.placement_id}@{r.date}") for r in previous.itertuples())
    )
    problems = check_week(ds, sched, config, times, cancelled=frozenset(opts.cancel), kept=kept)
    if problems:
        raise RunFailed(rejected("week", problems))
    summary = {
        "week": week,
        "key": key,
        "solver": solver,
        "sessions": int(sum(len(w.sessions) for w in weeks)),
        **_metrics(weeks, results),
        "greedy": _metrics(weeks, baseline),
        "pdus": [
            {
                "pdu": w.pdu,
                "pairs": int(len(w.problem.pair_person)),
                **results[w.pdu].stats.as_dict(),
            }
            for w in weeks
        ],
    }
    if previous is not None:
        summary["tell"] = _changes(previous, sched, set(opts.cancel))
    summary["stopped_early"] = stopped_early(opts.observer)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    store.save(
        key,
        week,
        Snapshot(
            ds.inputs_hash, ds.source, {"upw_people": ds.people, "upw_placements": ds.placements}
        ),
        config,
        summary,
        {"schedule": sched, "unplaced": unpl},
        replace=stored is not None,
        pdus=pdus,
        supersede=opts.force,
    )
    _export(opts.out, sched, unpl, reviews(ds, sched, config, week), summary)
    return summary | {"reused": False}


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


def _export(
    out: Path, sched: pd.DataFrame, unpl: pd.DataFrame, rv: pd.DataFrame, summary: dict
) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sched.to_csv(out / "upw_schedule.csv", index=False)
    unpl.to_csv(out / "upw_unplaced.csv", index=False)
    rv.to_csv(out / "upw_reviews.csv", index=False)
    (out / "upw_summary.json").write_text(json.dumps(summary, indent=2, default=str))
