"""Explanations an SPO can read: why this practitioner, which rules excluded the others, and
what would have to change when nobody fits.

Works from the component's rule matrices and the final assignment, whatever solver made it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.allocation.plan import Component
from solvers.allocation import AllocationParams

RULE_LABELS = {
    "pdu": "other PDU",
    "not_case_holding": "not case-holding / no available points",
    "grade": "grade (needs PO)",
    "required_skills": "lacks required skill",
    "female_practitioner": "not female (requested)",
    "welsh": "not a Welsh speaker",
    "conflict": "conflict of interest",
    "travel_limit": "over travel limit",
    "away": "left or away",
    "move": "the practitioner it leaves (or not nearer)",
    "capacity": "no room",
    "rejected": "rejected for it by the SPO",
}
TERM_LABELS = {
    "spread": "lower utilisation",
    "travel": "shorter travel",
    "preferred_skills": "has preferred skills",
    "women_concentrator": "women concentrator",
    "other_team": "the same team",
    "returning": "supervised them before",
    "case_mix": "keeps the PO's mix of risk",
}


def marginal_spread(load_before: int, pts: int, avail: int, params: AllocationParams) -> int:
    """Phase-3 spread cost of adding `pts` to a practitioner holding `load_before`."""
    cost = 0
    for t in params.spread_thresholds_permille:
        level = -(-t * avail // 1000)
        cost += max(0, load_before + pts - level) - max(0, load_before - level)
    return params.spread_weight * cost


def _excluded_counts(comp: Component, i: int) -> dict[str, int]:
    return {r: int(m[i].sum()) for r, m in comp.excluded.items() if m[i].any() and r != "pdu"}


def _near_misses(comp: Component, i: int) -> dict[str, int]:
    """Practitioners in the case's own PDUs excluded by exactly one rule, per rule."""
    stack = np.array([m[i] for m in comp.excluded.values()])
    names = list(comp.excluded)
    in_reach = ~comp.excluded["pdu"][i]
    only = (stack.sum(axis=0) == 1) & in_reach
    out = {}
    for k, r in enumerate(names):
        c = int((only & stack[k]).sum())
        if c:
            out[r] = c
    return out


def explain_component(
    comp: Component, prac_of_case: np.ndarray, params: AllocationParams, final_load: np.ndarray
) -> list[dict]:
    """One explanation per pending case of the component (same order as comp.case_rows)."""
    pr = comp.problem
    out = []
    rule_ok = comp.passes()
    cost = np.zeros_like(comp.travel)
    for arr in comp.terms.values():
        cost = cost + arr
    for i in range(pr.n_cases):
        pts = int(pr.points[i])
        in_reach = int((~comp.excluded["pdu"][i]).sum())
        eligible = np.nonzero(rule_ok[i])[0]
        excl = _excluded_counts(comp, i)
        p = int(prac_of_case[i])
        info: dict = {
            "points": pts,
            "in_reach": in_reach,
            "eligible_by_rules": int(len(eligible)),
            "excluded": excl,
        }
        if p >= 0:
            before = int(final_load[p]) - pts

            def score(q: int, base: int, i: int = i, pts: int = pts) -> int:
                return marginal_spread(base, pts, int(pr.available[q]), params) + int(cost[i, q])

            alts = []
            for q in eligible.tolist():
                if q == p:
                    continue
                room = int(final_load[q]) + pts <= int(pr.capacity[q])
                alts.append((score(q, int(final_load[q])), int(q), room))
            alts.sort()
            chosen: dict[str, Any] = {
                "practitioner_id": pr.prac_ids[p],
                "utilisation_before": round(before / max(1, int(pr.available[p])), 4),
                "utilisation_after": round(int(final_load[p]) / max(1, int(pr.available[p])), 4),
                "travel_minutes": int(comp.travel[i, p]),
                "terms": {n: int(comp.terms[n][i, p]) for n in comp.terms},
                "spread_cost": marginal_spread(before, pts, int(pr.available[p]), params),
            }
            info["chosen"] = chosen
            runner = next(((s, q, room) for s, q, room in alts if room), None)
            if runner is not None:
                _, q, _ = runner
                alt: dict[str, Any] = {
                    "practitioner_id": pr.prac_ids[q],
                    "utilisation_after": round(
                        (int(final_load[q]) + pts) / max(1, int(pr.available[q])), 4
                    ),
                    "travel_minutes": int(comp.travel[i, q]),
                    "terms": {n: int(comp.terms[n][i, q]) for n in comp.terms},
                    "spread_cost": marginal_spread(
                        int(final_load[q]), pts, int(pr.available[q]), params
                    ),
                }
                info["runner_up"] = alt
                decided = []
                if alt["spread_cost"] > chosen["spread_cost"]:
                    decided.append("spread")
                decided += [n for n in comp.terms if alt["terms"][n] > chosen["terms"][n]]
                info["decided_by"] = decided or ["joint optimum (moving it would cost elsewhere)"]
            info["no_room"] = sum(1 for _, _, room in alts if not room)
        else:
            info["near_misses"] = _near_misses(comp, i)
            if len(eligible):
                short = [int(final_load[q]) + pts - int(pr.capacity[q]) for q in eligible]
                k = int(np.argmin(short))
                info["extra_points_needed"] = int(short[k])
                info["closest"] = pr.prac_ids[int(eligible[k])]
        info["reason"] = reason_text(info)
        out.append(info)
    return out


def _fmt_excluded(excl: dict[str, int]) -> str:
    return ", ".join(
        f"{RULE_LABELS.get(r, r)} {n}" for r, n in sorted(excl.items(), key=lambda kv: -kv[1])
    )


def reason_text(info: dict) -> str:
    """The one-line reason written to allocations.csv."""
    base = f"{info['eligible_by_rules']} of {info['in_reach']} pass the rules"
    excl = _fmt_excluded({k: v for k, v in info["excluded"].items() if k != "capacity"})
    if "chosen" in info:
        c = info["chosen"]
        txt = (
            f"{c['practitioner_id']} {c['utilisation_before']:.0%}->{c['utilisation_after']:.0%}, "
            f"{c['travel_minutes']} min"
        )
        if "runner_up" in info:
            r = info["runner_up"]
            why = ", ".join(TERM_LABELS.get(d, d) for d in info["decided_by"])
            txt += f"; runner-up {r['practitioner_id']} would be {r['utilisation_after']:.0%}, {r['travel_minutes']} min; decided by {why}"
        else:
            txt += "; the only eligible practitioner with room"
        txt += f"; {base}"
        return txt + (f" (excluded: {excl})" if excl else "")
    if info["eligible_by_rules"] == 0:
        near = info.get("near_misses", {})
        fix = (
            f"; relaxing '{RULE_LABELS.get(max(near, key=near.get), '')}' would open {max(near.values())}"
            if near
            else ""
        )
        return f"no practitioner passes the rules (excluded: {excl or 'no practitioners in reach'}){fix}"
    return (
        f"no eligible practitioner has room: {base} but all are full; needs "
        f"{info['extra_points_needed']} more points of capacity (closest: {info['closest']})"
    )
