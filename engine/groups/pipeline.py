"""`probation groups plan`: plan a quarter's programme groups, check the plan independently,
store it in one transaction, write the files."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from engine.core.check import rejected
from engine.core.config import Config
from engine.core.errors import RunFailed
from engine.core.lifecycle import reusable, run_key, stopped_early
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.plan import (
    BASELINE,
    GROUP_COLUMNS,
    MEMBER_COLUMNS,
    UNPLACED_COLUMNS,
    build_plans,
    solve_plans,
    solver_params,
    tables,
)
from engine.groups.store import GroupsStore
from geo.travel import travel_service


@dataclass
class GroupsOptions:
    data: Path
    out: Path
    start: date
    config: Config
    db_url: str | None = None
    osm_file: str | None = None
    solver: str = "cpsat"
    time_limit: float | None = None  # seconds per programme
    force: bool = False
    observer: Any = None  # progress and stop requests (engine/progress.py): the API's jobs


def run_groups(opts: GroupsOptions) -> dict:
    """Plan a quarter's programme groups: read and validate the folder, solve each programme in
    turn (most referrals first, each taking the rooms and facilitators left), check the plan
    independently, store it in one transaction and write the files. The same plan asked for
    again is re-exported from the store unless forced or stored stopped early. Raises
    DataContractError on bad input and RunFailed when the checker rejects the plan."""
    t0 = time.perf_counter()
    config = opts.config
    ds = load_groups(opts.data, config.groups.max_group)
    times = travel_service(config.travel, opts.osm_file)
    store = GroupsStore(opts.db_url or f"sqlite:///{Path(opts.out) / 'probation.sqlite'}")
    key = run_key(
        ds.inputs_hash, config.digest(), opts.start.isoformat(), opts.solver, times.network_hashes()
    )
    stored = store.find(key)
    if stored is not None and reusable(json.loads(stored["summary_json"]), opts.force):
        frames, summary = store.load(key)
        _export(opts.out, frames, summary)
        return summary | {"reused": True}
    plans, res, meta = build_plans(ds, config, times, opts.start)
    params = solver_params(config, opts.time_limit)
    results = solve_plans(plans, res, opts.solver, params, opts.observer)
    groups, members, unplaced, figures = tables(plans, results, meta, config)
    problems = check_groups(ds, groups, members, config, times)
    if problems:
        raise RunFailed(rejected("plan", problems))
    baseline = (
        tables(plans, solve_plans(plans, res, BASELINE, params), meta, config)[3]
        if opts.solver != BASELINE
        else figures
    )
    summary = {
        "from": meta["monday"].isoformat(),
        "key": key,
        "solver": opts.solver,
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
        meta["monday"].isoformat(),
        ds.inputs_hash,
        config,
        summary,
        frames,
        replace=stored is not None,
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
