"""Name-to-solver registry, so the CLI, the API and the benchmarks can swap allocators."""
from __future__ import annotations

from typing import Callable

import numpy as np

from solvers.allocation import AllocationParams, AllocationProblem, AllocationResult
from solvers.allocation_cpsat import solve_cpsat
from solvers.greedy import solve_grade_first, solve_least_loaded, solve_random_eligible

Solver = Callable[[AllocationProblem, AllocationParams], AllocationResult]

SOLVERS: dict[str, Solver] = {
    "cpsat": solve_cpsat,
    "greedy": solve_least_loaded,
    "greedy-grade-first": solve_grade_first,
    "random-eligible": solve_random_eligible,
}


def get_solver(name: str) -> Solver:
    try:
        return SOLVERS[name]
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {sorted(SOLVERS)}") from None


# The public benchmark problems: the same cores the product runs, a HiGHS MIP and a greedy
# baseline, each taking (instance data, seconds) and returning a typed result.
def _gap_cpsat(cost, weight, capacity, seconds):
    from solvers.assignment import CoreParams, solve_gap

    return solve_gap(cost, weight, capacity, CoreParams(seconds))


def _gap_highs(cost, weight, capacity, seconds):
    from solvers.highs import solve_gap_highs

    return solve_gap_highs(cost, weight, capacity, seconds)


def _gap_greedy(cost, weight, capacity, seconds):
    from solvers.gap_greedy import solve_gap_greedy

    return solve_gap_greedy(cost, weight, capacity)


GAP_SOLVERS = {"cpsat": _gap_cpsat, "highs": _gap_highs, "greedy": _gap_greedy}


def _pmed_cpsat(dist, demand, p, capacity, seconds):
    from solvers.assignment import CoreParams
    from solvers.facility import pmedian_problem, solve_facility

    return solve_facility(pmedian_problem(dist, demand, p, capacity), CoreParams(seconds, 1, linearization_level=2))


def _pmed_highs(dist, demand, p, capacity, seconds):
    from solvers.facility import pmedian_problem
    from solvers.highs import solve_facility_highs

    return solve_facility_highs(pmedian_problem(dist, demand, p, capacity), seconds)


def _pmed_greedy(dist, demand, p, capacity, seconds):
    import time

    from solvers.facility import FacilityResult, pmedian_greedy
    from solvers.types import SolveStats

    t0 = time.perf_counter()
    site = pmedian_greedy(dist, demand, p, capacity)
    ok = (site >= 0).all()
    cost = float(dist[np.arange(len(site)), site].sum()) if ok else None
    stats = SolveStats("HEURISTIC" if ok else "INFEASIBLE", cost, None, time.perf_counter() - t0, "pmedian-greedy")
    return FacilityResult(site, np.isin(np.arange(len(site)), site), stats)


PMEDCAP_SOLVERS = {"cpsat": _pmed_cpsat, "highs": _pmed_highs, "greedy": _pmed_greedy}
