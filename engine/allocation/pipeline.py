"""The nightly allocation's steps of the one run lifecycle (engine.core.lifecycle): validate
the folder, split the scope into components, solve them in parallel, decode and explain, check
independently, store inputs and results in one transaction, export."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from engine.allocation.check import check_allocation
from engine.allocation.contract import Dataset, load_dataset, on_night, with_requests
from engine.allocation.decode import assemble, utilisation_metrics
from engine.allocation.export import export_files
from engine.allocation.plan import (
    NightPlan,
    filter_scope,
    prepare_night,
    solver_params,
)
from engine.allocation.store import NightStore
from engine.core.check import Violation
from engine.core.config import Config
from engine.core.errors import RunFailed
from engine.core.lifecycle import Planner, RunOptions, RunOutcome, execute
from engine.core.parallel import PART_FAILED, failed_stats
from engine.store.runs import Snapshot
from geo.travel import TravelTimes
from solvers.allocation import AllocationParams, AllocationResult
from solvers.greedy import solve_least_loaded
from solvers.registry import get_solver


def _solve_one(
    key: str, solver_name: str, problem, params: AllocationParams
) -> tuple[str, AllocationResult, AllocationResult]:
    result = get_solver(solver_name)(problem, params)
    baseline = solve_least_loaded(problem, params)
    return key, result, baseline


def _fallback(job: tuple, error: BaseException) -> tuple[AllocationResult, AllocationResult]:
    """A part whose solve failed on every try gets the least-loaded greedy proposal."""
    base = solve_least_loaded(job[2], job[3])
    stats = failed_stats(error)
    return AllocationResult(base.agent_of_item, stats, [stats]), base


def night_jobs(plan: NightPlan, config: Config, solver_name: str, observer) -> list:
    """One job per component (longest first keeps the processes busy), each with its solver's
    params; when there are fewer components than cores, each gets the spare cores as workers
    (on this machine; on Dask each part keeps the configured workers)."""
    cores = config.solver.parallel_processes or os.cpu_count() or 1
    procs = max(1, min(cores, len(plan.components)))
    workers = (
        max(config.solver.workers_per_component, cores // procs)
        if procs < cores
        else config.solver.workers_per_component
    )
    jobs = [
        (
            c.key,
            solver_name,
            c.problem,
            replace(
                solver_params(config, len(c.problem.pair_case), workers),
                observer=observer and observer.for_part(c.key),
            ),
        )
        for c in plan.components
    ]
    jobs.sort(key=lambda j: -len(j[2].pair_case))
    return jobs


class NightPlanner(Planner):
    """The nightly allocation: one part per component (a PDU, or a connected part of one)."""

    kind = "allocation"
    what = "allocation"
    label = "allocating"

    def load(self) -> None:
        opts, config = self.opts, self.config
        self.solver = opts.solver or config.solver.name
        get_solver(self.solver)  # unknown names fail before any work
        self.ds = load_dataset(opts.data, config)
        self.run_date = (
            (date.fromisoformat(opts.period) if opts.period else None)
            or self.ds.run_date
            or date.today()
        )
        self.ds = with_requests(on_night(self.ds, self.run_date, config), opts.reallocations)
        self.period = self.run_date.isoformat()
        self.scope = f"region={opts.region or '*'};pdu={opts.pdu or '*'}"
        self.cases, self.pracs = filter_scope(self.ds, opts.region, opts.pdu)
        if self.cases.empty:
            raise RunFailed(f"no cases in scope {self.scope} of {opts.data}")
        self.pdus = sorted(set(self.cases["pdu"]))

    def key_parts(self) -> list[Any]:
        ds, config = self.ds, self.config
        return [ds.inputs_hash, config.digest(), self.period, self.scope, self.solver]

    def open_store(self, url: str) -> NightStore:
        return NightStore(url)

    def parts(self, store) -> tuple[list[tuple], Any, Any]:
        self.plan = prepare_night(
            self.cases, self.pracs, self.config, self.run_date, self.times, self.ds.reallocations
        )
        jobs = night_jobs(self.plan, self.config, self.solver, self.opts.observer)
        return jobs, _solve_one, _fallback

    def decode(self, solved: dict) -> dict[str, pd.DataFrame]:
        decisions, wl, self.baseline = assemble(self.plan, solved, self.config, self.times)
        return {"decisions": decisions, "workload": wl}

    def check(self, tables: dict[str, pd.DataFrame]) -> list[Violation]:
        ds = self.ds
        scoped = Dataset(
            self.pracs, self.cases, ds.inputs_hash, ds.source, ds.manifest, ds.reallocations
        )
        return check_allocation(
            scoped, tables["decisions"], self.config, self.times, self.run_date
        ).violations

    def summary(self, key: str, tables: dict[str, pd.DataFrame], solved: dict) -> dict[str, Any]:
        return _summary(
            key,
            self.plan,
            tables["decisions"],
            tables["workload"],
            self.baseline,
            self.config,
            self.solver,
            self.scope,
            self.run_date,
            self.ds,
            self.solve_seconds,
            self.times,
        )

    def snapshot(self) -> Snapshot:
        ds = self.ds
        tables = {"practitioners": ds.practitioners, "cases": ds.cases}
        if len(ds.reallocations):
            tables["reallocations"] = ds.reallocations
        return Snapshot(ds.inputs_hash, ds.source, tables)

    def export(self, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
        return export_files(self.opts.out, tables["decisions"], tables["workload"], summary)


def run_night(opts: RunOptions) -> RunOutcome:
    """Run the nightly allocation: read and validate the folder, split the scope into
    components, solve each (the chosen solver and the greedy baseline, on processes or Dask),
    decode and explain, check independently, store inputs, results and the PDUs' night claims
    in one transaction, then write the files. The same night asked for again is re-exported
    from the store unless forced or stored stopped early; a night another run holds is refused
    (RunConflict) before solving. Raises DataContractError on bad input and RunFailed when the
    checker rejects the answer (nothing stored)."""
    return execute(NightPlanner(opts))


def _summary(
    rid,
    plan: NightPlan,
    decisions,
    wl,
    baseline,
    config: Config,
    solver_name,
    scope,
    run_date,
    ds,
    solve_seconds,
    times: TravelTimes,
) -> dict:
    scope_pdus = set(plan.cases["pdu"])
    counts = decisions["status"].value_counts().to_dict()
    pending = decisions[~decisions["status"].isin(["KEPT", "FUTURE"])]
    load = wl.set_index("practitioner_id")["points"]
    pracs = plan.pracs.drop_duplicates("practitioner_id").set_index("practitioner_id")
    comps = baseline["components"]
    # Objective and bound of the final (balance) phase, summed over the components that have
    # both; a component whose search was cut short before any bound is counted apart.
    bounded = [c for c in comps if c["objective"] is not None and c["bound"] is not None]
    total_obj = float(sum(c["objective"] for c in bounded)) if bounded else None
    total_bnd = float(sum(c["bound"] for c in bounded)) if bounded else None
    gap = (
        abs(total_obj - total_bnd) / max(1.0, abs(total_obj))
        if total_obj is not None and total_bnd is not None
        else (0.0 if not comps else None)
    )
    overdue = pending["flags"].str.contains("OVERDUE")
    return {
        "run_id": rid,
        "run_date": run_date.isoformat(),
        "scope": scope,
        "solver": solver_name,
        "inputs_hash": ds.inputs_hash,
        "source": ds.source,
        "cases": int(len(decisions)),
        "practitioners": int(len(pracs)),
        "counts": {
            k: int(counts.get(k, 0)) for k in ("KEPT", "NEW", "MOVED", "UNALLOCATED", "FUTURE")
        },
        "to_allocate": int(len(pending)),
        "unallocated": int(counts.get("UNALLOCATED", 0)),
        "overdue_unallocated": int((overdue & (pending["status"] == "UNALLOCATED")).sum()),
        "travel_exceptions": int(pending["flags"].str.contains("TRAVEL_EXCEPTION").sum()),
        "over_capacity": int(pending["flags"].str.contains("OVER_CAPACITY").sum()),
        **utilisation_metrics(
            pracs.reset_index(),
            load.reindex(pracs.index).fillna(0).reset_index(drop=True),
            config,
            scope_pdus,
        ),
        "max_utilisation_receiving": _max_receiving(wl),
        "objective": total_obj,
        "bound": total_bnd,
        "gap": gap,
        "max_component_gap": max((c["gap"] or 0.0) for c in bounded) if bounded else None,
        "components_without_bound": len(comps) - len(bounded),
        "failed_parts": [
            {"component": c.get("component"), "error": c.get("name")}
            for c in comps
            if c["status"] == PART_FAILED
        ],
        "status": _overall_status(comps),
        "solve_seconds": round(solve_seconds, 3),
        "travel_methods": {
            str(k): int(v) for k, v in pending["travel_method"].value_counts().items()
        },
        "travel_network": sorted({n.label for n in times.networks.values()}) or None,
        "greedy": {
            "unallocated": int(baseline["unallocated"]),
            **utilisation_metrics(
                pracs.reset_index(),
                baseline["load"].reindex(pracs.index).fillna(0).reset_index(drop=True),
                config,
                scope_pdus,
            ),
        },
        "components": comps,
    }


def _max_receiving(wl: pd.DataFrame) -> float | None:
    """Highest utilisation among the practitioners given new work tonight."""
    got = wl[(wl["new_cases"] > 0) & wl["utilisation"].notna()]
    return round(float(got["utilisation"].max()), 4) if len(got) else None


def _overall_status(comps: list[dict]) -> str:
    """OPTIMAL when every component is; HEURISTIC for baselines; else FEASIBLE (or the worst)."""
    statuses = {c["status"] for c in comps} or {"OPTIMAL"}
    for status in ("OPTIMAL", "HEURISTIC"):
        if statuses == {status}:
            return status
    return "FEASIBLE" if statuses & {"OPTIMAL", "FEASIBLE"} else sorted(statuses)[0]
