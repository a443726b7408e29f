"""Name-to-solver registry, so the CLI, the API and the benchmarks can swap allocators."""

from __future__ import annotations

from collections.abc import Callable

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
