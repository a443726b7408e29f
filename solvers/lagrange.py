"""Lagrangian bound and variable fixing for generalised assignment and the capacitated p-median.

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

    def integer_bound(self) -> float:
        """The bound rounded up: costs are integers, so no answer costs less."""
        return float(np.ceil(self.bound - 1e-6))

    def banned(self, upper: float) -> np.ndarray:
        """Pairs that no assignment costing less than `upper` can use (forcing the pair the
        other way lifts the bound to `upper` or beyond; costs are integers)."""
        return ~self.usable(upper - 1)

    def columns(
        self,
        cost: np.ndarray,
        weight: np.ndarray,
        capacity: np.ndarray,
        target: float,
        keep: np.ndarray,
        limit: int,
    ) -> list[list[tuple[int, ...]]] | None:
        """Per agent, every set of its kept jobs that an answer costing at most `target` could
        give it, or None as soon as one agent has more than `limit` such sets (the rest are not
        enumerated: far from the bound that is the common case).
        An answer's cost is the bound plus what each agent's set falls short of its knapsack
        optimum at these prices, so no agent's set may fall short by more than target - bound."""
        out = []
        for a in range(len(capacity)):
            sets = self.loads(cost, weight, capacity, keep, a, target - self.bound, limit)
            if sets is None:
                return None
            out.append(sets)
        return out

    def loads(
        self,
        cost: np.ndarray,
        weight: np.ndarray,
        capacity: np.ndarray,
        keep: np.ndarray,
        agent: int,
        most: float,
        limit: int,
        above: float | None = None,
    ) -> list[tuple[int, ...]] | None:
        """The sets of the agent's kept jobs within its capacity that fall short of its knapsack
        optimum at these prices by at most `most` (and by more than `above`, when given), or
        None when there are more than `limit` (`knapsack_columns`)."""
        profit = self.prices - np.asarray(cost[agent], dtype=float)
        best = float(
            profit[self.taken[agent]].sum()
        )  # the agent's knapsack optimum at these prices
        usable = keep[agent] & (self.taken[agent] | (self.penalty[agent] <= most + 1e-6))
        return knapsack_columns(
            profit,
            np.asarray(weight[agent]),
            int(capacity[agent]),
            best,
            most,
            usable,
            limit,
            above,
        )

    def usable(self, target: float) -> np.ndarray:
        """Pairs an answer costing at most `target` may use: forcing any other pair lifts the
        bound past the target."""
        return self.taken | (self.bound + self.penalty <= target + 1e-6)

    def near(self, threshold: float) -> np.ndarray:
        """Pairs in the relaxed answer, or whose flip penalty is at most `threshold`: where a
        cheap assignment most likely lies."""
        return self.taken | (self.penalty <= threshold)


def knapsack_columns(
    profit: np.ndarray,
    weight: np.ndarray,
    capacity: int,
    best: float,
    slack: float,
    usable: np.ndarray,
    limit: int,
    above: float | None = None,
) -> list[tuple[int, ...]] | None:
    """Every set of `usable` jobs within `capacity` whose profit is at least `best - slack`
    (and below `best - above`, when given), jobs by index, ascending, or None when there are
    more than `limit`. A depth-first walk over the usable jobs, pruned by a table of the best
    profit each prefix can still add."""
    jobs = np.nonzero(usable)[0]
    w = weight[jobs].astype(np.int64)
    p = profit[jobs]
    f = np.zeros(
        (len(jobs) + 1, capacity + 1)
    )  # f[k, c]: best profit of the first k usable jobs within c
    for k in range(len(jobs)):
        f[k + 1] = f[k]
        if w[k] <= capacity:
            f[k + 1, w[k] :] = np.maximum(f[k, w[k] :], f[k, : capacity + 1 - w[k]] + p[k])
    need = best - slack - 1e-6
    under = np.inf if above is None else best - above - 1e-6
    out: list[tuple[int, ...]] = []
    stack: list[tuple[int, int, float, tuple[int, ...]]] = [(len(jobs), capacity, 0.0, ())]
    while stack:
        k, c, gained, chosen = stack.pop()
        if k == 0:
            if gained < under:
                out.append(tuple(sorted(int(jobs[i]) for i in chosen)))
                if len(out) > limit:
                    return None
            continue
        i = k - 1
        if gained + f[i, c] >= need:
            stack.append((i, c, gained, chosen))
        if w[i] <= c and gained + p[i] + f[i, c - w[i]] >= need:
            stack.append((i, c - w[i], gained + p[i], chosen + (i,)))
    return out


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


def _knapsacks(
    profit: np.ndarray, weight: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _penalties(
    profit: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    f: np.ndarray,
    value: np.ndarray,
    taken: np.ndarray,
) -> np.ndarray:
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
        with_j = (
            np.where(room >= 0, fj + gj[rows, np.maximum(room, 0)], _NEG).max(axis=1) + profit[:, j]
        )
        out[:, j] = value - np.where(taken[:, j], without, with_j)
    return np.maximum(out, 0.0)


def _ascend(
    evaluate, u: np.ndarray, upper: float, seconds: float, max_iter: int
) -> tuple[np.ndarray, int]:
    """Subgradient ascent on the prices: `evaluate(u)` gives (bound, subgradient). Polyak steps
    towards `upper`, the best known cost; the step halves when the bound stalls. Returns the
    best prices seen and the number of iterations."""
    t_end = time.perf_counter() + seconds
    best_u, best_l, step, stall, it = u.copy(), -np.inf, 2.0, 0, 0
    while it < max_iter and time.perf_counter() < t_end:
        it += 1
        bound, g = evaluate(u)
        if bound > best_l + 1e-9:
            best_u, best_l, stall = u.copy(), bound, 0
        else:
            stall += 1
            if stall >= 7:  # measured: 15 left c10200/c20200 0.5-1.5 below this after 150 steps
                step, stall = step / 2, 0
        if not g.any() or upper - bound < 1e-6 or step < 1e-4:
            break
        u = u + step * max(upper - bound, 1e-3) / float(g @ g) * g
    return best_u, it


def lagrange_bound(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    upper: float,
    seconds: float = 1.0,
    max_iter: int = 400,
    start: np.ndarray | None = None,
) -> LagrangeBound:
    """Generalised assignment (agents x jobs): one knapsack per agent at the job prices, then the
    flip penalty of every pair at the best prices found. Pairs an agent cannot hold should be
    priced out by the caller (a cost above any answer); they are never taken. `start`: the
    prices of an earlier ascent, to go on from (after the best known cost has dropped)."""
    cost = np.asarray(cost, dtype=float)
    weight = np.asarray(weight, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)

    def evaluate(u: np.ndarray) -> tuple[float, np.ndarray]:
        value, taken, _ = _knapsacks(u[None, :] - cost, weight, capacity)
        return float(u.sum() - value.sum()), 1.0 - taken.sum(axis=0)

    u, it = _ascend(evaluate, _start(cost, start), upper, seconds, max_iter)
    profit = u[None, :] - cost
    value, taken, f = _knapsacks(profit, weight, capacity)
    bound = float(u.sum() - value.sum())
    return LagrangeBound(u, bound, taken, _penalties(profit, weight, capacity, f, value, taken), it)


def _start(cost: np.ndarray, prices: np.ndarray | None) -> np.ndarray:
    """Starting prices: those given, or each job's second-cheapest cost (a price most jobs
    accept about once)."""
    if prices is not None:
        return np.asarray(prices, dtype=float).copy()
    return np.sort(cost, axis=0)[min(1, cost.shape[0] - 1)].astype(float)


def pmedian_lagrange_bound(
    cost: np.ndarray,
    demand: np.ndarray,
    p: int,
    capacity: int | np.ndarray,
    upper: float,
    seconds: float = 1.0,
    max_iter: int = 400,
) -> LagrangeBound:
    """Capacitated p-median (`cost` sites x clients, each site also the client of the same
    index, serving itself when open): each site's value is its best knapsack of clients at the
    client prices, itself included; the p cheapest sites open. Pair penalties cover both ways a
    pair can flip: within its site's knapsack, and by opening or closing the site in exchange
    for the next site in line. The returned `taken` marks the pairs of the open sites only."""
    cost = np.asarray(cost, dtype=float)
    weight = np.broadcast_to(np.asarray(demand, dtype=np.int64)[None, :], cost.shape)
    caps = np.broadcast_to(np.asarray(capacity, dtype=np.int64), cost.shape[:1]).copy()
    own = np.arange(cost.shape[0])
    big = 1e9  # a site always serves itself: its own client is priced in beyond any doubt

    def relax(u: np.ndarray):
        profit = u[None, :] - cost
        profit[own, own] += big
        value, taken, f = _knapsacks(profit, weight, caps)
        site = big - value  # the cost of opening each site with its best clients, prices aside
        order = np.argsort(site, kind="stable")
        return profit, value, taken, f, site, order

    def evaluate(u: np.ndarray) -> tuple[float, np.ndarray]:
        _, _, taken, _, site, order = relax(u)
        return float(u.sum() + site[order[:p]].sum()), 1.0 - taken[order[:p]].sum(axis=0)

    u, it = _ascend(evaluate, _start(cost, None), upper, seconds, max_iter)
    profit, value, taken, f, site, order = relax(u)
    bound = float(u.sum() + site[order[:p]].sum())
    opened = np.zeros(cost.shape[0], dtype=bool)
    opened[order[:p]] = True
    last_in = site[order[p - 1]]
    first_out = site[order[p]] if p < len(order) else np.inf
    within = _penalties(profit, weight, caps, f, value, taken)
    penalty = np.where(
        opened[:, None],
        np.where(taken, np.minimum(within, first_out - site[:, None]), within),
        site[:, None] - last_in + np.where(taken, 0.0, within),
    )
    return LagrangeBound(u, bound, taken & opened[:, None], np.maximum(penalty, 0.0), it)
