"""The allocation problem as plain arrays: what every allocation solver takes and returns.

Built by `engine.encode` from validated data; decoded back to ids afterwards. Index spaces:
cases 0..n_cases-1, practitioners 0..n_pracs-1, pairs 0..n_pairs-1 (eligible pairs only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from solvers.types import AssignmentResult, SearchObserver


@dataclass
class AllocationParams:
    """How to solve: time budget per component, CP-SAT workers, seed, phase-3 spread grid."""

    time_limit_seconds: float = 3.0
    workers: int = 1
    random_seed: int = 7
    spread_thresholds_permille: tuple[int, ...] = tuple(range(500, 1201, 25))
    spread_weight: int = 1
    never_fewer_than_greedy: bool = True
    observer: SearchObserver | None = None  # progress and stop requests (solvers/types.py)


@dataclass
class AllocationProblem:
    """One component (a PDU, or neighbouring PDUs) of one night.

    points[i]      workload points case i adds
    priority[i]    phase-1 value of allocating case i (allocation + urgency)
    available[p]   available points of practitioner p (100% utilisation)
    existing[p]    points already held (kept cases)
    capacity[p]    most points p may hold after the night (max utilisation x available)
    grade_rank[p]  0 for the grade a manager offers first (PO), 1 otherwise
    pair_case, pair_prac   the eligible pairs (every hard rule but joint capacity already held)
    pair_terms     named, already weighted phase-3 costs per pair (travel, preferred skills...)
    """

    case_ids: list[str]
    prac_ids: list[str]
    points: np.ndarray
    priority: np.ndarray
    available: np.ndarray
    existing: np.ndarray
    capacity: np.ndarray
    grade_rank: np.ndarray
    pair_case: np.ndarray
    pair_prac: np.ndarray
    pair_terms: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    @property
    def n_pracs(self) -> int:
        return len(self.prac_ids)

    @property
    def pair_cost(self) -> np.ndarray:
        """Total phase-3 cost of each pair: the sum of its named terms."""
        total = np.zeros(len(self.pair_case), dtype=np.int64)
        for arr in self.pair_terms.values():
            total += arr
        return total

    @property
    def residual(self) -> np.ndarray:
        return np.maximum(self.capacity - self.existing, 0)

    def loads(self, prac_of_case: np.ndarray) -> np.ndarray:
        """Points held by each practitioner after an assignment (-1 = unallocated)."""
        load = self.existing.astype(np.int64).copy()
        mask = prac_of_case >= 0
        np.add.at(load, prac_of_case[mask], self.points[mask])
        return load

    def utilisation(self, prac_of_case: np.ndarray) -> np.ndarray:
        avail = np.where(self.available > 0, self.available, 1)
        return self.loads(prac_of_case) / avail


AllocationResult = AssignmentResult


def objective_terms(
    problem: AllocationProblem, prac_of_case: np.ndarray, params: AllocationParams
) -> dict[str, int]:
    """Recompute every objective term of an assignment, phase by phase, independently of any
    solver: allocated count and priority (phase 1), peak per mille among practitioners who
    could take new work (phase 2), spread (points above each utilisation threshold) and the
    named pair costs (phase 3)."""
    prac_of_case = np.asarray(prac_of_case)
    alloc = prac_of_case >= 0
    takers = np.unique(problem.pair_prac)
    load = problem.loads(prac_of_case)
    avail = np.maximum(problem.available, 1)
    permille = -(-1000 * load // avail)  # ceiling, as the model's integer peak
    out = {
        "allocated": int(alloc.sum()),
        "priority": int(problem.priority[alloc].sum()),
        "peak_permille": int(permille[takers].max()) if len(takers) else 0,
    }
    spread = 0
    for p in takers:
        for t in params.spread_thresholds_permille:
            spread += max(0, int(load[p]) - (-(-t * int(avail[p]) // 1000)))
    out["spread"] = params.spread_weight * spread
    index = {
        (int(i), int(p)): k for k, (i, p) in enumerate(zip(problem.pair_case, problem.pair_prac))
    }
    chosen = [index[(int(i), int(prac_of_case[i]))] for i in np.nonzero(alloc)[0]]
    for name, arr in problem.pair_terms.items():
        out[name] = int(arr[chosen].sum())
    out["balance_objective"] = out["spread"] + sum(out[n] for n in problem.pair_terms)
    return out
