"""One-move local search on the phase-3 objective (spread + pair costs).

Used between CP-SAT's phases: the peak phase leaves the distribution below the peak
arbitrary, and on large components the balance phase may stop before it finds a better
answer. Moving single cases to a cheaper practitioner (keeping every case allocated, every
capacity and the peak held) gives the balance phase a good start and a safe fallback.
"""

from __future__ import annotations

import numpy as np

from solvers.allocation import AllocationParams, AllocationProblem


def improve_by_moves(
    problem: AllocationProblem,
    assign: np.ndarray,
    params: AllocationParams,
    peak_permille: int | None = None,
    max_passes: int = 30,
) -> np.ndarray:
    """Best-improvement single moves until none improves the phase-3 objective."""
    out = assign.copy()
    load = problem.loads(out).astype(np.int64)
    avail = np.maximum(problem.available, 1).astype(np.int64)
    t = np.asarray(params.spread_thresholds_permille, dtype=np.int64)
    levels = -(-t[None, :] * avail[:, None] // 1000)  # [pracs x thresholds]
    limit = problem.capacity.astype(np.int64)
    if peak_permille is not None:
        limit = np.minimum(limit, (peak_permille * avail) // 1000)
    cost = problem.pair_cost
    pairs_of_case: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * problem.n_cases
    order = np.argsort(problem.pair_case, kind="stable")
    bounds = np.searchsorted(problem.pair_case[order], np.arange(problem.n_cases + 1))
    for i in range(problem.n_cases):
        pairs_of_case[i] = order[bounds[i] : bounds[i + 1]]
    w = params.spread_weight

    def spread(p: np.ndarray, load: np.ndarray) -> np.ndarray:
        return w * np.maximum(load[:, None] - levels[p], 0).sum(axis=1)

    for _ in range(max_passes):
        moved = False
        for i in np.nonzero(out >= 0)[0].tolist():
            ks = pairs_of_case[i]
            if len(ks) < 2:
                continue
            pts = int(problem.points[i])
            p = int(out[i])
            qs = problem.pair_prac[ks]
            k_here = ks[qs == p][0]
            pp = np.array([p])
            here = spread(pp, load[pp])[0] - spread(pp, load[pp] - pts)[0] + cost[k_here]
            room = (qs != p) & (load[qs] + pts <= limit[qs])
            if not room.any():
                continue
            qs, kq = qs[room], ks[room]
            there = spread(qs, load[qs] + pts) - spread(qs, load[qs]) + cost[kq]
            j = int(np.argmin(there))
            if there[j] < here:
                q = int(qs[j])
                out[i] = q
                load[p] -= pts
                load[q] += pts
                moved = True
        if not moved:
            break
    return out
