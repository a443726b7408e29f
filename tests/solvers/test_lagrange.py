"""The Lagrangian bound and pair pricing behind the GAP search, checked by brute force on tiny
instances: the bound never passes the optimum, each flip penalty is exactly what re-solving
that agent's knapsack with the pair forced gives, and no banned pair is used by any assignment
cheaper than the upper value given."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from solvers.lagrange import lagrange_bound
from tests.solvers.gap_answers import every_answer


def _tiny(seed: int, m: int = 3, n: int = 6):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 30, size=(m, n))
    weight = rng.integers(2, 9, size=(m, n))
    capacity = (weight.sum(axis=1) * 0.55 / m * 1.6).astype(int) + 1
    return cost, weight, capacity


def _knapsack(profit, weight, cap, forced=None):
    """Best profit of one agent by enumeration, with one job forced in (True) or out (False)."""
    best = -np.inf
    for take in itertools.product((0, 1), repeat=len(profit)):
        t = np.array(take)
        if forced is not None and t[forced[0]] != forced[1]:
            continue
        if t @ weight <= cap:
            best = max(best, float(t @ profit))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_bound_penalties_and_bans_by_brute_force(seed):
    cost, weight, capacity = _tiny(seed)
    answers = list(every_answer(cost, weight, capacity))
    if not answers:
        pytest.skip("no feasible assignment for this draw")
    optimum = min(c for _, c in answers)
    upper = optimum + 3
    lag = lagrange_bound(cost, weight, capacity, upper, seconds=2)
    assert lag.bound <= optimum + 1e-6
    m, n = cost.shape
    profit = lag.prices[None, :] - cost
    for i in range(m):
        best = _knapsack(profit[i], weight[i], capacity[i])
        for j in range(n):
            flipped = _knapsack(profit[i], weight[i], capacity[i], (j, int(not lag.taken[i, j])))
            expect = best - flipped if np.isfinite(flipped) else np.inf
            got = lag.penalty[i, j]
            assert (got > 1e12 and not np.isfinite(expect)) or got == pytest.approx(
                expect, abs=1e-6
            )
    banned = lag.banned(upper)
    for a, c in answers:
        if c < upper:
            assert not banned[a, np.arange(n)].any(), "a cheaper assignment uses a banned pair"


def test_a_tight_upper_bans_and_a_loose_one_does_not():
    cost, weight, capacity = _tiny(3)
    optimum = min(c for _, c in every_answer(cost, weight, capacity))
    lag = lagrange_bound(cost, weight, capacity, optimum, seconds=2)
    assert lag.banned(optimum).sum() > lag.banned(optimum + 1000).sum() == 0


def _pmedian_answers(dist, demand, p, capacity):
    """Every valid p-median answer (medians serve themselves, capacities held) with its cost."""
    n = len(demand)
    for medians in itertools.combinations(range(n), p):
        others = [i for i in range(n) if i not in medians]
        for choice in itertools.product(medians, repeat=len(others)):
            site = np.arange(n)
            site[others] = choice
            load = np.bincount(site, weights=demand, minlength=n)
            if (load <= capacity).all():
                yield site, int(dist[np.arange(n), site].sum())


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_bound_and_bans_by_brute_force(seed):
    from solvers.lagrange import pmedian_lagrange_bound

    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 40, size=(7, 2))
    dist = np.floor(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))).astype(np.int64)
    demand = rng.integers(1, 6, size=7)
    capacity, p = int(demand.sum() * 0.45) + 1, 3
    answers = list(_pmedian_answers(dist, demand, p, capacity))
    optimum = min(c for _, c in answers)
    upper = optimum + 4
    lag = pmedian_lagrange_bound(dist.T, demand, p, capacity, upper, seconds=2)
    assert lag.bound <= optimum + 1e-6
    banned = lag.banned(upper)  # sites x clients
    assert banned.any() or lag.bound < optimum - 4
    for site, c in answers:
        if c < upper:
            assert not banned[site, np.arange(7)].any(), "a cheaper answer uses a banned pair"
