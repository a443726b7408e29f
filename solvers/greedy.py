"""Greedy baselines: what a manager does by hand, for comparison with the optimiser.

`least_loaded`: most urgent case first; give it to the eligible practitioner with room whose
utilisation is lowest (ties: lower pair cost, e.g. shorter travel).
`grade_first`: the order of the live allocation screen: PO first, then workload % ascending.
"""

from __future__ import annotations

import time

import numpy as np

from solvers.allocation import AllocationParams, AllocationProblem, AllocationResult
from solvers.types import SolveStats


def fill(
    problem: AllocationProblem, start: np.ndarray | None = None, grade_first: bool = False
) -> np.ndarray:
    """Give each unallocated case, most urgent first, to the eligible practitioner with room
    whose utilisation is lowest. From an empty start this is the greedy baseline; from a
    solver's answer it makes sure no case is left out while someone still has room."""
    out = np.full(problem.n_cases, -1, dtype=np.int64) if start is None else start.copy()
    load = problem.loads(out)
    avail = np.where(problem.available > 0, problem.available, 1).astype(float)
    cost = problem.pair_cost
    pairs_of_case: list[list[int]] = [[] for _ in range(problem.n_cases)]
    for k, i in enumerate(problem.pair_case.tolist()):
        pairs_of_case[i].append(k)
    order = sorted(
        range(problem.n_cases), key=lambda i: (-problem.priority[i], -problem.points[i], i)
    )
    for i in order:
        if out[i] >= 0:
            continue
        best, best_key = -1, None
        for k in pairs_of_case[i]:
            p = int(problem.pair_prac[k])
            if load[p] + problem.points[i] > problem.capacity[p]:
                continue
            key = (problem.grade_rank[p] if grade_first else 0, load[p] / avail[p], cost[k], p)
            if best_key is None or key < best_key:
                best, best_key = p, key
        if best >= 0:
            out[i] = best
            load[best] += problem.points[i]
    return out


def _greedy(problem: AllocationProblem, grade_first: bool, name: str) -> AllocationResult:
    t0 = time.perf_counter()
    out = fill(problem, None, grade_first)
    stats = SolveStats("HEURISTIC", None, None, time.perf_counter() - t0, name=name)
    return AllocationResult(out, stats, [stats])


def solve_least_loaded(
    problem: AllocationProblem, params: AllocationParams | None = None
) -> AllocationResult:
    """The greedy baseline: most urgent case first, to the eligible practitioner with room
    whose utilisation is lowest (`fill` from an empty start)."""
    return _greedy(problem, grade_first=False, name="greedy")


def solve_grade_first(
    problem: AllocationProblem, params: AllocationParams | None = None
) -> AllocationResult:
    """The live allocation screen's order: PO first, then the lowest workload percentage."""
    return _greedy(problem, grade_first=True, name="greedy-grade-first")


def solve_random_eligible(
    problem: AllocationProblem, params: AllocationParams | None = None
) -> AllocationResult:
    """A floor for the balance benchmark: most urgent case first, each to an eligible
    practitioner with room picked at random (seeded), as if nobody looked at workloads."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(params.random_seed if params is not None else 7)
    out = np.full(problem.n_cases, -1, dtype=np.int64)
    load = problem.loads(out)
    pairs_of_case: list[list[int]] = [[] for _ in range(problem.n_cases)]
    for k, i in enumerate(problem.pair_case.tolist()):
        pairs_of_case[i].append(k)
    for i in sorted(
        range(problem.n_cases), key=lambda i: (-problem.priority[i], -problem.points[i], i)
    ):
        room = [
            int(problem.pair_prac[k])
            for k in pairs_of_case[i]
            if load[problem.pair_prac[k]] + problem.points[i]
            <= problem.capacity[problem.pair_prac[k]]
        ]
        if room:
            p = room[int(rng.integers(len(room)))]
            out[i] = p
            load[p] += problem.points[i]
    stats = SolveStats("HEURISTIC", None, None, time.perf_counter() - t0, name="random-eligible")
    return AllocationResult(out, stats, [stats])
