"""CP-SAT allocator: three lexicographic phases on the assignment core.

1. allocate: maximise the summed priority of allocated cases (every case is worth
   `allocate_weight`, more when its deadline is nearer); hard floor: never fewer cases than the
   greedy baseline allocates.
2. peak: holding phase 1, minimise the highest utilisation (per mille) of any practitioner who
   can take new work.
3. balance and fit: holding phases 1 and 2, minimise the convex spread penalty (utilisation
   above each threshold) plus the named per-pair costs (travel, preferred skills, ...).

Variables carry names (x[case->practitioner], peak_util, spread[practitioner>threshold]) so
that a result can be traced back to the rule that decided it.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from solvers.allocation import (
    AllocationParams,
    AllocationProblem,
    AllocationResult,
    objective_terms,
)
from solvers.assignment import CoreParams, build_core, run
from solvers.greedy import fill, solve_least_loaded
from solvers.local_search import improve_by_moves
from solvers.types import SolveStats

PERMILLE = 1000


class Budget:
    """A component's time, shared by the phases; what one phase leaves passes to the next."""

    def __init__(self, total: float):
        self.left = float(total)

    def take(self, share: float) -> float:
        return max(0.05, self.left * share)

    def spent(self, seconds: float) -> None:
        self.left = max(0.0, self.left - seconds)


def _combine(phases: list[SolveStats], seconds: float) -> SolveStats:
    """The run's stats: the objective and bound of the answer it keeps, which is the last
    phase that found one (a phase skipped on a stop request, or stopped before its first
    solution, leaves the answer of the phase before it); OPTIMAL only if every phase was, and
    FEASIBLE when a later phase did not finish."""
    answered = [p for p in phases if p.objective is not None]
    if not answered:
        last = phases[-1]
        return SolveStats(last.status, None, last.bound, seconds, "cpsat")
    last = answered[-1]
    if all(p.status == "OPTIMAL" for p in phases):
        return SolveStats("OPTIMAL", last.objective, last.objective, seconds, "cpsat")
    status = last.status if last is phases[-1] else "FEASIBLE"
    return SolveStats(status, last.objective, last.bound, seconds, "cpsat")


def solve_cpsat(
    problem: AllocationProblem, params: AllocationParams | None = None
) -> AllocationResult:
    """The three lexicographic phases (allocate, peak, balance and fit), each held in the
    next; never fewer cases than greedy; a phase cut short is filled in greedily."""
    params = params or AllocationParams()
    n, m = problem.n_cases, problem.n_pracs
    greedy = solve_least_loaded(problem, params)
    if len(problem.pair_case) == 0:
        stats = SolveStats("OPTIMAL", 0.0, 0.0, 0.0, "cpsat")
        return AllocationResult(np.full(n, -1, dtype=np.int64), stats, [stats])

    pair_points = problem.points[problem.pair_case]
    core = build_core(
        n,
        m,
        problem.pair_case,
        problem.pair_prac,
        pair_points,
        problem.residual,
        must_assign=False,
        item_names=problem.case_ids,
        agent_names=problem.prac_ids,
    )
    model, x = core.model, core.x
    phases: list[SolveStats] = []
    budget = Budget(params.time_limit_seconds)

    def limits(share: float) -> CoreParams:
        return CoreParams(
            budget.take(share), params.workers, params.random_seed, observer=params.observer
        )

    # Phase 1: allocate as many cases as possible, most urgent first.
    allocated = cp_model.LinearExpr.sum(x)
    value = cp_model.LinearExpr.weighted_sum(x, problem.priority[problem.pair_case].tolist())
    greedy_count = int((greedy.agent_of_item >= 0).sum())
    if params.never_fewer_than_greedy:
        model.add(allocated >= greedy_count).with_name("floor_greedy_count")
    model.maximize(value)
    core.hint(greedy.agent_of_item)
    solver, st1 = run(model, limits(0.5), "allocate")
    budget.spent(st1.seconds)
    phases.append(st1)
    if st1.objective is None:  # no solution in time: fall back to the (feasible) greedy answer
        stats = SolveStats(st1.status, None, st1.bound, sum(p.seconds for p in phases), "cpsat")
        return AllocationResult(greedy.agent_of_item, stats, phases)
    best = core.decode(solver, n)
    model.add(value >= int(round(st1.objective))).with_name("hold_allocation")

    # Phase 2: minimise the peak utilisation among practitioners who can take new work.
    takers = [p for p in range(m) if core.agent_pairs[p]]
    avail = problem.available
    load, most = {}, {}
    for p in takers:  # one load variable per practitioner keeps the later constraints small
        lo = int(problem.existing[p])
        most[p] = max(
            lo, min(int(problem.capacity[p]), lo + int(pair_points[core.agent_pairs[p]].sum()))
        )
        load[p] = model.new_int_var(lo, most[p], f"load[{problem.prac_ids[p]}]")
        model.add(load[p] == lo + core.load(p, pair_points))
    top = max(-(-PERMILLE * most[p] // int(avail[p])) for p in takers)
    peak = model.new_int_var(0, max(top, 0), "peak_util")
    for p in takers:
        model.add(PERMILLE * load[p] <= int(avail[p]) * peak)
    model.minimize(peak)
    model.clear_hints()
    core.hint(best)
    solver, st2 = run(model, limits(0.3), "peak")
    budget.spent(st2.seconds)
    phases.append(st2)
    if st2.objective is None:
        return _completed(problem, best, params, phases)
    best = core.decode(solver, n)
    model.add(peak <= int(round(st2.objective))).with_name("hold_peak")
    best = improve_by_moves(problem, best, params, peak_permille=int(round(st2.objective)))

    # Phase 3: convex spread (points held above each utilisation threshold: the marginal cost
    # of a point grows with utilisation, equal at equal utilisation), plus named pair costs.
    terms, coefs = [], []
    for p in takers:
        lo, hi = int(problem.existing[p]), most[p]
        for t in params.spread_thresholds_permille:
            level = -(-t * int(avail[p]) // PERMILLE)
            if hi <= level:
                continue
            e = model.new_int_var(
                0, hi - min(level, lo), f"spread[{problem.prac_ids[p]}>{t / 10:g}%]"
            )
            model.add(e >= load[p] - level)
            terms.append(e)
            coefs.append(params.spread_weight)
    pair_cost = problem.pair_cost
    nz = np.nonzero(pair_cost)[0]
    terms.extend(x[k] for k in nz)
    coefs.extend(int(c) for c in pair_cost[nz])
    model.minimize(cp_model.LinearExpr.weighted_sum(terms, coefs) if terms else 0)
    model.clear_hints()
    core.hint(best)
    solver, st3 = run(model, limits(1.0), "balance")
    if st3.objective is not None:
        best = core.decode(solver, n)
    # Score the answer itself: a search cut short may leave a spread variable above the excess it
    # bounds (only minimisation pulls it down), so the solver's value can overstate the cost of
    # the assignment; out of time before any balance solution, this scores the phase-2 answer.
    value3 = float(objective_terms(problem, best, params)["balance_objective"])
    if value3 != st3.objective:
        st3 = SolveStats("FEASIBLE", value3, st3.bound, st3.seconds, st3.name)
    phases.append(st3)
    return _completed(problem, best, params, phases)


# Each phase's objective, recomputed by the independent term of `objective_terms`.
RESCORED = {"allocate": "priority", "peak": "peak_permille", "balance": "balance_objective"}


def _completed(
    problem: AllocationProblem, best: np.ndarray, params: AllocationParams, phases: list[SolveStats]
) -> AllocationResult:
    """When a phase stopped before optimality a case may be out while someone has room: fill
    such gaps (most urgent first, least loaded), then re-score the last phase that ran (a phase
    skipped on a stop request reports nothing). Filling only adds cases, so the answer still
    meets the allocate and peak phases' models and their bounds stand; the balance phase also
    held the peak, which filling may pass, so its bound is dropped."""
    filled = fill(problem, best)
    if (filled != best).any():
        k = max((i for i, p in enumerate(phases) if p.status != "STOPPED"), default=len(phases) - 1)
        last = phases[k]
        term = RESCORED.get(last.name)
        value = float(objective_terms(problem, filled, params)[term]) if term else last.objective
        bound = last.bound if last.name in ("allocate", "peak") else None
        phases[k] = SolveStats("FEASIBLE", value, bound, last.seconds, last.name)
    return AllocationResult(filled, _combine(phases, sum(p.seconds for p in phases)), phases)
