"""Greedy baseline for the generalised assignment problem: the regret heuristic of Martello and
Toth (each round, the job that would lose most if it missed its cheapest feasible agent goes to
that agent). Minimisation, OR-Library layout (agents x jobs)."""

from __future__ import annotations

import time

import numpy as np

from solvers.types import AssignmentResult, SolveStats


def solve_gap_greedy(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray
) -> AssignmentResult:
    """MTHG: the regret heuristic under four measures of how good an agent is for a job (cost,
    cost per unit of weight, weight, share of the agent's capacity), the cheapest feasible
    answer kept; reported INFEASIBLE when every measure strands a job."""
    t0 = time.perf_counter()
    cost, weight = np.asarray(cost, float), np.asarray(weight, float)
    capacity = np.asarray(capacity, float)
    measures = [cost, cost / np.maximum(weight, 1e-9), weight, weight / capacity[:, None]]
    best = None
    for f in measures:
        agent = _regret(f, weight, capacity)
        if agent is not None:
            obj = float(cost[agent, np.arange(cost.shape[1])].sum())
            if best is None or obj < best[1]:
                best = (agent, obj)
    stats = SolveStats(
        "HEURISTIC" if best else "INFEASIBLE",
        best[1] if best else None,
        None,
        time.perf_counter() - t0,
        "gap-greedy",
    )
    agent = best[0] if best else np.full(cost.shape[1], -1, np.int64)
    return AssignmentResult(agent, stats, [stats])


def _regret(f: np.ndarray, weight: np.ndarray, capacity: np.ndarray) -> np.ndarray | None:
    """Each round, the job with the largest gap between its best and second-best feasible agent
    (by f, lower is better) goes to its best; None when a job fits nowhere."""
    left = capacity.copy()
    m, n = f.shape
    agent = np.full(n, -1, np.int64)
    todo = np.ones(n, bool)
    while todo.any():
        c = np.where((weight <= left[:, None]) & todo[None, :], f, np.inf)
        order = np.sort(c, axis=0)
        first = order[0]
        if (todo & ~np.isfinite(first)).any():
            return None
        second = order[1] if m > 1 else np.full(n, np.inf)
        with np.errstate(invalid="ignore"):
            regret = np.where(np.isfinite(second), second - first, np.inf)
        regret = np.where(todo, regret, -np.inf)
        j = int(np.argmax(regret))
        i = int(np.argmin(c[:, j]))
        agent[j], left[i], todo[j] = i, left[i] - weight[i, j], False
    return agent
