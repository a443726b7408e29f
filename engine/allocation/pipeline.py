"""The nightly allocation's steps of the one run lifecycle (engine.core.lifecycle): validate
the folder, split the scope into components, solve them in parallel, decode and explain, check
independently, store inputs and results in one transaction, export."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.allocation.check import check_allocation
from engine.allocation.contract import Dataset, load_dataset
from engine.allocation.explain import explain_component
from engine.allocation.export import export_files
from engine.allocation.plan import (
    KEPT,
    REALLOCATE,
    Component,
    NightPlan,
    filter_scope,
    prepare_night,
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


def solver_params(config: Config, n_pairs: int, workers: int) -> AllocationParams:
    s = config.solver
    return AllocationParams(
        time_limit_seconds=s.component_time_limit_seconds
        + s.seconds_per_1000_pairs * n_pairs / 1000,
        workers=workers,
        random_seed=s.random_seed,
        spread_thresholds_permille=config.spread_thresholds_permille(),
        spread_weight=config.objective.spread_weight,
        never_fewer_than_greedy=config.objective.never_fewer_than_greedy,
    )


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


def _over_capacity(comp: Component, prac_of_case: np.ndarray) -> set[int]:
    """Allow-over-capacity option: each case nobody has room for goes to the least-loaded
    practitioner who passes every other rule (most urgent first); returns those cases."""
    pr = comp.problem
    load = pr.loads(prac_of_case).astype(float)
    rule_ok = comp.passes()
    flagged = set()
    for i in sorted(np.nonzero(prac_of_case < 0)[0], key=lambda i: (-pr.priority[i], i)):
        cands = np.nonzero(rule_ok[i] & (pr.available > 0))[0]
        if len(cands):
            q = int(cands[np.argmin((load[cands] + pr.points[i]) / pr.available[cands])])
            prac_of_case[i] = q
            load[q] += pr.points[i]
            flagged.add(int(i))
    return flagged


def utilisation_metrics(
    pracs: pd.DataFrame, load: pd.Series, config: Config, scope_pdus: set[str]
) -> dict[str, float]:
    """Max, mean and standard deviation of utilisation over case-holding staff in scope, and
    how many are over 100%."""
    m = (
        pracs["grade"].isin(config.eligibility.case_holding_grades)
        & (pracs["available_points"] > 0)
        & pracs["pdu"].isin(scope_pdus)
    )
    u = (load[m] / pracs.loc[m, "available_points"]).to_numpy(dtype=float)
    if not len(u):
        return {
            "max_utilisation": 0.0,
            "mean_utilisation": 0.0,
            "std_utilisation": 0.0,
            "over_100": 0,
        }
    return {
        "max_utilisation": round(float(u.max()), 4),
        "mean_utilisation": round(float(u.mean()), 4),
        "std_utilisation": round(float(u.std()), 4),
        "over_100": int((u > 1.0 + 1e-9).sum()),
    }


def _flags(
    row_elapsed: int, deadline_days: int, minutes: int | None, target: float, over: bool
) -> str:
    f = []
    if row_elapsed > deadline_days:
        f.append("OVERDUE")
    elif row_elapsed == deadline_days:
        f.append("DUE_TODAY")
    if minutes is not None and minutes > target:
        f.append("TRAVEL_EXCEPTION")
    if over:
        f.append("OVER_CAPACITY")
    return ";".join(f)


def assemble(
    plan: NightPlan,
    results: dict[str, tuple[AllocationResult, AllocationResult]],
    config: Config,
    times: TravelTimes,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Decisions for every case in scope, the workload table and the baseline comparison."""
    cases, pracs = plan.cases, plan.pracs
    dl, target = config.allocation.deadline_working_days, config.travel.target_minutes
    load = pracs.set_index("practitioner_id")["existing_load"].astype(np.int64).copy()
    base_load = load.copy()
    new_cases = pd.Series(0, index=load.index)
    rows: list[dict] = []
    kept = cases[cases["kind"] == KEPT]
    if len(kept):
        office = (
            pracs.drop_duplicates("practitioner_id")
            .set_index("practitioner_id")
            .loc[kept["current_practitioner_id"]]
        )
        mins, how = times.pairwise(
            kept["home_lat"],
            kept["home_lon"],
            kept["travel_mode"],
            office["office_lat"],
            office["office_lon"],
        )
        labels = times.labels(kept["travel_mode"], how)
        pid = kept["current_practitioner_id"].to_numpy()
        rows.extend(
            {
                "case_id": c,
                "practitioner_id": p,
                "previous_practitioner_id": p,
                "status": "KEPT",
                "reason": f"continuity: stays with {p}",
                "travel_minutes": int(m),
                "travel_method": lab,
                "flags": "TRAVEL_EXCEPTION" if m > target else "",
                "explanation_json": None,
            }
            for c, p, m, lab in zip(kept["case_id"].to_numpy(), pid, mins, labels)
        )
    stats = []
    explain_params = solver_params(
        config, 0, 1
    )  # the spread grid and weight the explanations price with
    for comp in plan.components:
        res, base = results[comp.key]
        pr = comp.problem
        assign = res.agent_of_item.copy()
        over = _over_capacity(comp, assign) if config.allocation.allow_over_capacity else set()
        final = pr.loads(assign)
        infos = explain_component(comp, assign, explain_params, final)
        stats.append(
            {
                "component": comp.key,
                "cases": pr.n_cases,
                "practitioners": pr.n_pracs,
                "pairs": int(len(pr.pair_case)),
                **res.stats.as_dict(),
                "phases": [p.as_dict() for p in res.phases],
                "allocated": int((res.agent_of_item >= 0).sum()),
                "greedy_allocated": int((base.agent_of_item >= 0).sum()),
            }
        )
        for j, i in enumerate(comp.case_rows):
            c = cases.loc[i]
            p = int(assign[j])
            pid = pr.prac_ids[p] if p >= 0 else None
            minutes = int(comp.travel[j, p]) if p >= 0 else None
            method = (
                times.label(c["travel_mode"], int(comp.travel_method[j, p])) if p >= 0 else None
            )
            if minutes is not None and minutes > target:
                infos[j]["travel_rationale"] = _travel_rationale(comp, j, p, minutes, target)
            status = "UNALLOCATED" if p < 0 else ("MOVED" if c["kind"] == REALLOCATE else "NEW")
            reason = infos[j]["reason"]
            if "travel_rationale" in infos[j]:
                reason += "; travel: " + infos[j]["travel_rationale"]
            if c["kind"] == REALLOCATE:
                reason = f"reallocation: {c['move_reason']}. " + reason
            if j in over:
                reason = "OVER CAPACITY (allowed by run option): " + reason
            rows.append(
                {
                    "case_id": c["case_id"],
                    "practitioner_id": pid,
                    "previous_practitioner_id": c["current_practitioner_id"],
                    "status": status,
                    "reason": reason,
                    "travel_minutes": minutes,
                    "travel_method": method,
                    "flags": _flags(int(c["working_days_elapsed"]), dl, minutes, target, j in over),
                    "explanation_json": json.dumps(infos[j]),
                }
            )
            if pid is not None:
                load[pid] += int(pr.points[j])
                new_cases[pid] += 1
            b = int(base.agent_of_item[j])
            if b >= 0:
                base_load[pr.prac_ids[b]] += int(pr.points[j])
    decisions = pd.DataFrame(rows)
    pr_idx = pracs.drop_duplicates("practitioner_id").set_index("practitioner_id")
    wl = pd.DataFrame(
        {
            "practitioner_id": load.index,
            "points": load.to_numpy(),
            "available_points": pr_idx.loc[load.index, "available_points"].to_numpy(),
            "new_cases": new_cases.to_numpy(),
        }
    )
    wl["utilisation"] = np.where(
        wl["available_points"] > 0,
        wl["points"] / wl["available_points"].where(wl["available_points"] > 0, 1),
        np.nan,
    ).round(4)
    greedy_unalloc = sum(int((results[c.key][1].agent_of_item < 0).sum()) for c in plan.components)
    baseline = {"load": base_load, "unallocated": greedy_unalloc, "components": stats}
    return (
        decisions.sort_values("case_id").reset_index(drop=True),
        wl.sort_values("practitioner_id").reset_index(drop=True),
        baseline,
    )


def _travel_rationale(comp: Component, j: int, p: int, minutes: int, target: float) -> str:
    """Why a trip over the target was accepted: what the nearest eligible alternative was."""
    ok = comp.passes(ignore=())[j]
    within = np.nonzero(ok & (comp.travel[j] <= target))[0]
    if not len(within):
        best = int(comp.travel[j][ok].min()) if ok.any() else minutes
        return (
            f"{minutes} min is over the {target:g}-minute target: no eligible practitioner with room is within it "
            f"(nearest eligible {best} min); rural exception recorded"
        )
    return (
        f"{minutes} min is over the {target:g}-minute target: the {len(within)} eligible practitioner(s) within it "
        f"had no room left for this case once the night's work was balanced"
    )


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
        self.plan = prepare_night(self.cases, self.pracs, self.config, self.run_date, self.times)
        jobs = night_jobs(self.plan, self.config, self.solver, self.opts.observer)
        return jobs, _solve_one, _fallback

    def decode(self, solved: dict) -> dict[str, pd.DataFrame]:
        decisions, wl, self.baseline = assemble(self.plan, solved, self.config, self.times)
        return {"decisions": decisions, "workload": wl}

    def check(self, tables: dict[str, pd.DataFrame]) -> list[Violation]:
        ds = self.ds
        scoped = Dataset(self.pracs, self.cases, ds.inputs_hash, ds.source, ds.manifest)
        return check_allocation(scoped, tables["decisions"], self.config, self.times).violations

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
    pending = decisions[decisions["status"] != "KEPT"]
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
        "counts": {k: int(counts.get(k, 0)) for k in ("KEPT", "NEW", "MOVED", "UNALLOCATED")},
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
