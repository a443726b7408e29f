"""The public benchmark problems' solvers by name: the same cores the product runs, a HiGHS MIP
and a greedy baseline, each taking (instance data, seconds) and returning a typed result."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.highs import solve_facility_highs, solve_gap_highs
from solvers.assignment import CoreParams, solve_gap
from solvers.facility import FacilityResult, pmedian_greedy, pmedian_problem, solve_facility
from solvers.gap_greedy import solve_gap_greedy
from solvers.types import SolveStats


def _gap_cpsat(cost, weight, capacity, seconds):
    return solve_gap(cost, weight, capacity, CoreParams(seconds))


def _gap_highs(cost, weight, capacity, seconds):
    return solve_gap_highs(cost, weight, capacity, seconds)


def _gap_greedy(cost, weight, capacity, seconds):
    return solve_gap_greedy(cost, weight, capacity)


GAP_SOLVERS = {"cpsat": _gap_cpsat, "highs": _gap_highs, "greedy": _gap_greedy}


def _pmed_cpsat(dist, demand, p, capacity, seconds):
    return solve_facility(
        pmedian_problem(dist, demand, p, capacity), CoreParams(seconds, 1, linearization_level=2)
    )


def _pmed_highs(dist, demand, p, capacity, seconds):
    return solve_facility_highs(pmedian_problem(dist, demand, p, capacity), seconds)


def _pmed_greedy(dist, demand, p, capacity, seconds):
    t0 = time.perf_counter()
    site = pmedian_greedy(dist, demand, p, capacity)
    ok = (site >= 0).all()
    cost = float(dist[np.arange(len(site)), site].sum()) if ok else None
    stats = SolveStats(
        "HEURISTIC" if ok else "INFEASIBLE", cost, None, time.perf_counter() - t0, "pmedian-greedy"
    )
    return FacilityResult(site, np.isin(np.arange(len(site)), site), stats)


PMEDCAP_SOLVERS = {"cpsat": _pmed_cpsat, "highs": _pmed_highs, "greedy": _pmed_greedy}
