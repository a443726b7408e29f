"""A night's answer as tables with reasons: a decision per case in scope (kept, new, moved or
unallocated, with the explanation, travel and flags), the workload, and the baseline's load."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from engine.allocation.explain import explain_component
from engine.allocation.plan import (
    FUTURE,
    KEPT,
    REALLOCATE,
    Component,
    NightPlan,
    solver_params,
)
from engine.allocation.records import STAY_ALLOWED, STAY_IF_NO_ROOM
from engine.allocation.timeline import REALLOCATION, SENTENCE, clock_text
from engine.core.config import Config
from geo.travel import TravelTimes
from solvers.allocation import AllocationResult


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


def _flags(case, run_date, minutes: int | None, target: float, over: bool) -> str:
    f = []
    if run_date > case["allocation_due"]:
        f.append("OVERDUE")
    elif run_date == case["allocation_due"]:
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
    target = config.travel.target_minutes
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
                "allocation_due": None,
                "first_appointment_due": None,
                "move_reason": None,
            }
            for c, p, m, lab in zip(kept["case_id"].to_numpy(), pid, mins, labels)
        )
    rows.extend(_future_row(c, config) for c in cases[cases["kind"] == FUTURE].to_dict("records"))
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
            holder = c["current_practitioner_id"]
            stays = c["kind"] == REALLOCATE and (
                (pid is None and c["move_code"] in STAY_IF_NO_ROOM)
                or (pid == holder and c["move_code"] in STAY_ALLOWED)
            )
            if stays:  # nobody else had room: the case stays where it is
                h = pr.prac_ids.index(holder) if holder in pr.prac_ids else -1
                rows.append(
                    _stay_row(
                        c,
                        holder,
                        int(comp.travel[j, h]) if h >= 0 else None,
                        times.label(c["travel_mode"], int(comp.travel_method[j, h]))
                        if h >= 0
                        else None,
                        target,
                    )
                )
                load[holder] += int(pr.points[j])
                b = int(base.agent_of_item[j])
                base_load[pr.prac_ids[b] if b >= 0 else holder] += int(pr.points[j])
                continue
            status = "UNALLOCATED" if p < 0 else ("MOVED" if c["kind"] == REALLOCATE else "NEW")
            reason = infos[j]["reason"]
            if "travel_rationale" in infos[j]:
                reason += "; travel: " + infos[j]["travel_rationale"]
            if c["kind"] == REALLOCATE:
                reason = f"reallocation: {c['move_reason']}. " + reason
            if c["due_basis"] not in (SENTENCE, REALLOCATION):
                reason += "; " + clock_text(c, config)
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
                    "flags": _flags(c, plan.run_date, minutes, target, j in over),
                    "explanation_json": json.dumps(infos[j]),
                    "allocation_due": _iso(c["allocation_due"]),
                    "first_appointment_due": _iso(c["first_appointment_due"]),
                    "move_reason": c["move_code"] or None if c["kind"] == REALLOCATE else None,
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


def _iso(d) -> str | None:
    return None if d is None or pd.isna(d) else d.isoformat()


def _stay_row(c, holder: str, minutes, method, target: float) -> dict:
    """A case whose move could end with it staying, and did: KEPT, with why."""
    return {
        "case_id": c["case_id"],
        "practitioner_id": holder,
        "previous_practitioner_id": holder,
        "status": "KEPT",
        "reason": f"continuity: stays with {holder}; {c['move_reason']}, and nobody eligible "
        "had room for it",
        "travel_minutes": minutes,
        "travel_method": method,
        "flags": "TRAVEL_EXCEPTION" if minutes is not None and minutes > target else "",
        "explanation_json": None,
        "allocation_due": None,
        "first_appointment_due": None,
        "move_reason": None,
    }


def _future_row(c: dict, config: Config) -> dict:
    """A custody case before its handover window: listed with its dates, allocated later."""
    return {
        "case_id": c["case_id"],
        "practitioner_id": None,
        "previous_practitioner_id": None,
        "status": FUTURE,
        "reason": "not in tonight's run yet: " + clock_text(c, config),
        "travel_minutes": None,
        "travel_method": None,
        "flags": "",
        "explanation_json": None,
        "allocation_due": _iso(c["allocation_due"]),
        "first_appointment_due": _iso(c["first_appointment_due"]),
        "move_reason": None,
    }


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
