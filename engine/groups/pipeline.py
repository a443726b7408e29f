"""`probation groups plan`: plan a quarter's programme groups, check the plan independently,
store it in one transaction, write the files."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from engine.core.check import rejected
from engine.core.errors import RunFailed
from engine.core.lifecycle import RunOptions, reusable, run_key, stopped_early
from engine.core.parallel import PartsSettings, failed_stats, solve_parts
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.plan import (
    BASELINE,
    DEFAULT_SOLVER,
    GROUP_COLUMNS,
    MEMBER_COLUMNS,
    SOLVERS,
    UNPLACED_COLUMNS,
    build_plans,
    horizon_start,
    solve_plans,
    solver_params,
    tables,
)
from engine.groups.store import GroupsStore
from engine.store.runs import Snapshot
from geo.travel import travel_service
from solvers.groups import GroupsResult
from solvers.types import SolveStats

QUARTER = "quarter"  # the one part of a plan: programmes share rooms and facilitators


@dataclass
class QuarterResult:
    """Every programme's groups, planned in turn, each taking the rooms and facilitators left."""

    programmes: list[GroupsResult]

    @property
    def stats(self) -> SolveStats:
        """The quarter as one solve: objectives and bounds summed over the programmes (None
        where any lacks one), OPTIMAL or HEURISTIC only when every programme is."""
        st = [r.stats for r in self.programmes]
        obj = [s.objective for s in st]
        bnd = [s.bound for s in st]
        kinds = {s.status for s in st} or {"OPTIMAL"}
        return SolveStats(
            kinds.pop() if len(kinds) == 1 else "FEASIBLE",
            None if None in obj else float(sum(o for o in obj if o is not None)),
            None if None in bnd else float(sum(b for b in bnd if b is not None)),
            sum(s.seconds for s in st),
            "groups-quarter",
        )


def _solve_quarter(
    key: str, plans, res, solver: str, params, observer
) -> tuple[str, QuarterResult, QuarterResult]:
    """The quarter's programmes with the chosen solver, and with the baseline."""
    results = QuarterResult(solve_plans(plans, res, solver, params, observer))
    base = (
        results if solver == BASELINE else QuarterResult(solve_plans(plans, res, BASELINE, params))
    )
    return key, results, base


def _fallback(job: tuple, error: BaseException) -> tuple[QuarterResult, QuarterResult]:
    """A quarter whose solve failed on every try gets the baseline's plan."""
    base = QuarterResult(solve_plans(job[1], job[2], BASELINE, job[4]))
    failed = [replace(r, stats=failed_stats(error)) for r in base.programmes]
    return QuarterResult(failed), base


def run_groups(opts: RunOptions) -> dict:
    """Plan a quarter's programme groups: read and validate the folder, solve each programme in
    turn (most referrals first, each taking the rooms and facilitators left), check the plan
    independently, store it in one transaction and write the files. The same plan asked for
    again is re-exported from the store unless forced or stored stopped early. Raises
    DataContractError on bad input and RunFailed when the checker rejects the plan."""
    t0 = time.perf_counter()
    config = opts.config
    try:
        start = date.fromisoformat(opts.period or "")
    except ValueError:
        raise RunFailed(
            f"a programme plan needs its first day (YYYY-MM-DD), not {opts.period!r}"
        ) from None
    solver = opts.solver or DEFAULT_SOLVER
    if solver not in SOLVERS:
        raise RunFailed(f"unknown groups solver {solver!r}; choose one of {sorted(SOLVERS)}")
    ds = load_groups(opts.data, config.groups.max_group)
    times = travel_service(config.travel, opts.osm_file)
    store = GroupsStore(opts.db_url or f"sqlite:///{Path(opts.out) / 'probation.sqlite'}")
    key = run_key(
        ds.inputs_hash, config.digest(), start.isoformat(), solver, times.network_hashes()
    )
    stored = store.find(key)
    if stored is not None and reusable(json.loads(stored["summary_json"]), opts.force):
        frames, summary = store.load(key)
        _export(opts.out, frames, summary)
        return summary | {"reused": True}
    pdus = sorted(set(ds.referrals["pdu"]))
    period = horizon_start(start).isoformat()
    if not opts.force:  # a quarter another run holds is refused before solving, not after
        store.check_night(pdus, period, key, store.kind)
    plans, res, meta = build_plans(ds, config, times, start)
    params = solver_params(config, opts.time_limit)
    settings = PartsSettings(
        "planning programme groups",
        config.solver.parallel_processes,
        opts.engine,
        opts.scheduler,
        config.solver.part_retries,
        opts.progress,
    )
    job = (QUARTER, plans, res, solver, params, opts.observer)
    solved, base = solve_parts([job], _solve_quarter, _fallback, settings, opts.observer)[QUARTER]
    results = solved.programmes
    groups, members, unplaced, figures = tables(plans, results, meta, config)
    problems = check_groups(ds, groups, members, config, times)
    if problems:
        raise RunFailed(rejected("plan", problems))
    baseline = tables(plans, base.programmes, meta, config)[3] if solver != BASELINE else figures
    summary = {
        "from": meta["monday"].isoformat(),
        "key": key,
        "solver": solver,
        **figures,
        "greedy": baseline,
        "programmes": [
            {
                "programme": p.programme["programme"],
                "referrals": len(p.people),
                "candidate_groups": int(len(p.problem.cand_venue)),
                "pairs": int(len(p.problem.pair_person)),
                **r.stats.as_dict(),
            }
            for p, r in zip(plans, results)
        ],
    }
    summary["stopped_early"] = stopped_early(opts.observer)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    frames = {"groups": groups, "members": members, "unplaced": unplaced}
    store.save(
        key,
        period,
        Snapshot(
            ds.inputs_hash,
            ds.source,
            {
                "referrals": ds.referrals,
                "programmes": ds.programmes,
                "venues": ds.venues,
                "facilitators": ds.facilitators,
            },
        ),
        config,
        summary,
        frames,
        replace=stored is not None,
        pdus=pdus,
        supersede=opts.force,
    )
    _export(opts.out, frames, summary)
    return summary | {"reused": False}


def _export(out: Path, frames: dict, summary: dict) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames["groups"][GROUP_COLUMNS].to_csv(out / "groups.csv", index=False)
    frames["members"][MEMBER_COLUMNS].to_csv(out / "group_members.csv", index=False)
    frames["unplaced"][UNPLACED_COLUMNS].to_csv(out / "unplaced.csv", index=False)
    (out / "groups_summary.json").write_text(json.dumps(summary, indent=2, default=str))
