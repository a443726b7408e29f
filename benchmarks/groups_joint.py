"""The proof side of the groups benchmark: the quarter's whole joint model (every programme,
every candidate group, the shared rooms and facilitators) solved by a plain HiGHS MIP given
the product's solve time, beside the product's plan and its bound; and the programme-order
test (the same referrals with the programmes in the opposite order)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np

from engine.core.config import Config
from engine.groups.contract import load_groups
from engine.groups.plan import (
    ProgrammePlan,
    build_plans,
    solve_plans,
    solver_params,
)
from engine.groups.pre_group import (
    plan_pre_group,
)
from geo.travel import travel_service
from solvers.groups import GroupsResult, book
from solvers.groups_model import (
    LEX,
    decode_plans,
    maximise,
    quarter_mip,
    started_vector,
    worth_vector,
)
from solvers.highs import HighsParams, solve


def _plans(data: Path, config: Config, start: date):
    ds = load_groups(data, config.groups.max_group)
    return build_plans(ds, config, travel_service(config.travel, None), start)


def compare_with_highs(
    data: Path, config: Config, start: date, summary: Path
) -> tuple[list[dict], float, float]:
    """Per programme and overall: the product's people started, its bounds and gap (from the
    run's summary), and what HiGHS's MIP on the whole model starts in the product's solve time
    (the same objective: people started first, then the rest of the weighted plan; as many
    threads as the product has processes), its plan
    then through the same pre-group booking as the product's. Returns the rows, the seconds
    HiGHS was given and the seconds it ran (HiGHS may overrun its limit in its root's cuts)."""
    s = json.loads(summary.read_text())
    seconds = sum(p["seconds"] for p in s["programmes"])
    plans, res, meta = _plans(data, config, start)
    problems = [p.problem for p in plans]
    params = solver_params(config)
    mip = quarter_mip(problems, res)
    started = started_vector(mip, problems)
    x, st = solve(
        maximise(mip, LEX * started + worth_vector(mip, problems, params), []),
        HighsParams(seconds, threads=params.processes, random_seed=params.random_seed),
        "highs-joint",
    )
    plan = (
        decode_plans(mip, problems, x)
        if x is not None
        else [(np.full(len(p.person_ids), -1), {}) for p in problems]
    )
    # then the same pre-group booking as the product's plan
    left = res.copy()
    results = []
    for pr, (cand_of, facs) in zip(problems, plan):
        for c, js in facs.items():
            book(pr, left, c, js)
        results.append(GroupsResult(cand_of, facs, st))
    results, _, _ = plan_pre_group(plans, results, left, meta["one_to_one"], config)
    highs = [int((r.cand_of_person >= 0).sum()) for r in results]
    by_name = {p["programme"]: p for p in s["programmes"]}
    rows = []
    for plan, h in zip(plans, highs):
        p = by_name[plan.programme["programme"]]
        rows.append(
            _row(
                plan.programme["programme"],
                p["started"],
                p["started_bound"],
                p["started_bound_alone"],
                h,
            )
        )
    rows.append(_row("all", s["started"], s["started_bound"], s["started_bound"], sum(highs)))
    return rows, seconds, st.seconds


def _row(name: str, started: int, bound: float | None, alone: float | None, highs: int) -> dict:
    """`bound`: given the rooms and facilitators the other programmes hold (per programme), or
    with no programme in another's way (all); `alone`: with every room and facilitator."""
    gap = None if bound is None else round(100 * (bound - started) / max(1.0, bound), 2)
    return {
        "programme": name,
        "started": started,
        "bound": bound,
        "bound_alone": alone,
        "gap_percent": gap,
        "highs_started": highs,
        "verdict": "ahead" if started > highs else "level" if started == highs else "BEHIND",
    }


def order_test(data: Path, config: Config, start: date) -> tuple[int, int]:
    """People started with the programmes in the planner's order and in the opposite one."""
    plans, res, _ = _plans(data, config, start)
    params = solver_params(config)

    def total(order: list[ProgrammePlan]) -> int:
        results, _ = solve_plans(order, res, "mip", params)
        return int(sum(int(np.sum(r.cand_of_person >= 0)) for r in results))

    return total(plans), total(plans[::-1])
