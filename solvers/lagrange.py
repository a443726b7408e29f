"""Lagrangian bound and variable fixing for generalised assignment.

Relaxing "each job to exactly one agent" with a price u[j] per job leaves one 0-1 knapsack per
agent: take the jobs whose price beats their cost, within capacity. The sum of those knapsacks
bounds the optimum from below (at least as tight as the linear relaxation, since the knapsacks
keep their integrality), and the dynamic-programming tables give, for every (agent, job) pair,
how much the bound rises if that pair is forced the other way. A pair whose forced bound passes
the best known cost cannot be part of any cheaper assignment, so the search can drop it
(classic reduced-cost fixing, Martello & Toth; Savelsbergh 1997). What is left is a much smaller
model for the CP-SAT core. Numpy only; no I/O.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

_NEG = -1e18


@dataclass
class LagrangeBound:
    """Prices, the bound they give, and each pair's agent-in-knapsack state and flip penalty."""

    prices: np.ndarray  # per job
    bound: float
    taken: np.ndarray  # agents x jobs, bool: the pair is in its agent's knapsack at these prices
    penalty: np.ndarray  # agents x jobs: rise of the bound when the pair is forced the other way
    iterations: int

    def banned(self, upper: float) -> np.ndarray:
        """Pairs that no assignment costing less than `upper` can use (forcing the pair the
        other way lifts the bound to `upper` or beyond; costs are integers)."""
        return (self.bound + self.penalty > upper - 1 + 1e-6) & ~self.taken

    def near(self, threshold: float) -> np.ndarray:
        """Pairs in the relaxed answer, or whose flip penalty is at most `threshold`: where a
        cheap assignment most likely lies."""
        return self.taken | (self.penalty <= threshold)


def _forward(profit: np.ndarray, weight: np.ndarray, cap: int) -> np.ndarray:
    """F[j, a, c]: best profit of agent a's knapsack from jobs < j within capacity c."""
    m, n = profit.shape
    f = np.zeros((n + 1, m, cap + 1))
    cs = np.arange(cap + 1)
    rows = np.arange(m)[:, None]
    for j in range(n):
        idx = cs[None, :] - weight[:, j][:, None]
        take = np.where(idx >= 0, f[j][rows, np.maximum(idx, 0)] + profit[:, j][:, None], _NEG)
        f[j + 1] = np.maximum(f[j], take)
    return f


def _knapsacks(profit: np.ndarray, weight: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each agent's best knapsack: (value per agent, taken agents x jobs, forward tables)."""
    m, n = profit.shape
    cap = int(capacity.max())
    f = _forward(profit, weight, cap)
    rows = np.arange(m)
    c = capacity.astype(np.int64).copy()
    value = f[n][rows, c]
    taken = np.zeros((m, n), dtype=bool)
    for j in range(n - 1, -1, -1):
        t = f[j + 1][rows, c] != f[j][rows, c]
        taken[:, j] = t
        c = c - np.where(t, weight[:, j], 0)
    return value, taken, f


def _penalties(profit: np.ndarray, weight: np.ndarray, capacity: np.ndarray, f: np.ndarray,
               value: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """For each pair, the knapsack value lost when the job is forced out of (if taken) or into
    (if not) its agent's knapsack, from forward and backward tables."""
    m, n = profit.shape
    cap = int(capacity.max())
    g = _forward(profit[:, ::-1], weight[:, ::-1], cap)[::-1]  # g[j]: jobs >= j (reversed build)
    rows = np.arange(m)[:, None]
    cs = np.arange(cap + 1)[None, :]
    out = np.zeros((m, n))
    for j in range(n):
        fj, gj = f[j], g[j + 1]
        # without job j: split the capacity between jobs before and after it
        rest = capacity[:, None] - cs
        without = np.where(rest >= 0, fj + gj[rows, np.maximum(rest, 0)], _NEG).max(axis=1)
        room = capacity[:, None] - weight[:, j][:, None] - cs
        with_j = np.where(room >= 0, fj + gj[rows, np.maximum(room, 0)], _NEG).max(axis=1) + profit[:, j]
        out[:, j] = value - np.where(taken[:, j], without, with_j)
    return np.maximum(out, 0.0)


def lagrange_bound(cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, upper: float,
                   seconds: float = 1.0, max_iter: int = 400, start: np.ndarray | None = None) -> LagrangeBound:
    """Subgradient ascent on the job prices (Polyak steps towards `upper`, the best known
    cost; the step halves when the bound stalls), then the flip penalty of every pair at the
    best prices found. Pairs an agent cannot hold at all should be priced out by the caller
    (a cost above any answer); they are never taken."""
    t_end = time.perf_counter() + seconds
    cost = np.asarray(cost, dtype=float)
    weight = np.asarray(weight, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    m, n = cost.shape
    # second-cheapest agent: a price most jobs accept once; or the prices of an earlier ascent
    u = np.sort(cost, axis=0)[min(1, m - 1)] if start is None else np.asarray(start, dtype=float).copy()
    best_u, best_l, step, stall, it = u.copy(), -np.inf, 2.0, 0, 0
    while it < max_iter and time.perf_counter() < t_end:
        it += 1
        value, taken, _ = _knapsacks(u[None, :] - cost, weight, capacity)
        bound = float(u.sum() - value.sum())
        if bound > best_l + 1e-9:
            best_u, best_l, stall = u.copy(), bound, 0
        else:
            stall += 1
            if stall >= 15:
                step, stall = step / 2, 0
        g = 1.0 - taken.sum(axis=0)
        if not g.any() or upper - bound < 1e-6 or step < 1e-4:
            break
        u = u + step * max(upper - bound, 1e-3) / float(g @ g) * g
    profit = best_u[None, :] - cost
    value, taken, f = _knapsacks(profit, weight, capacity)
    bound = float(best_u.sum() - value.sum())
    return LagrangeBound(best_u, bound, taken, _penalties(profit, weight, capacity, f, value, taken), it)
