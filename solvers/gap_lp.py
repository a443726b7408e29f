"""Prices for generalised assignment from its LP relaxation (HiGHS), where the Lagrangian
ascent of `solvers.lagrange` does not scale.

The ascent solves one 0-1 knapsack per agent by dynamic programming at every step, over tables
of jobs x agents x capacity: at 80 agents x 1,600 jobs (capacity about 800) that is 10^8 cells a
step and 1.6 GB of tables for the flip penalties, and on D 40 x 900 it ended at a bound of 9,186
where the optimum is near 54,900 (gap-large seed 1). The LP relaxation is solved by the dual
simplex in 1-2 s at that size, and it gives what the neighbourhood search needs:
- a lower bound (the LP optimum; the Lagrangian dual is at least as tight, but on these
  instances the LP bound is within 1% of the best answers found);
- for every pair, its reduced cost: an answer that uses a pair the LP leaves at zero costs at
  least the LP optimum plus that pair's reduced cost (LP reduced-cost fixing), the same
  meaning as the ascent's flip penalty, so the same `LagrangeBound` carries it and the core's
  neighbourhoods and pair bans work on it unchanged.
Numpy and HiGHS only; no I/O."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import sparse

from solvers.highs import HighsParams, LinearModel, solve, solve_lp
from solvers.lagrange import LagrangeBound
from solvers.types import SolveStats

SUPPORT = 1e-6  # an LP value above this: the pair is in the relaxed answer


def gap_lp_prices(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    params: HighsParams,
) -> LagrangeBound | None:
    """The LP of generalised assignment (agents x jobs; only `allowed` pairs) as prices: the
    jobs' duals, the LP bound, the pairs in the LP's answer (`taken`) and every other pair's
    reduced cost (`penalty`). None when the LP is not solved to optimality in the time (no
    valid reduced costs), or is infeasible."""
    cost = np.asarray(cost, float)
    m, n = cost.shape
    agents, jobs = np.nonzero(allowed)
    model = gap_model(cost, weight, capacity, agents, jobs, integral=False)
    lp, stats = solve_lp(model, replace(params, lp_method="simplex"))
    if lp is None or stats.objective is None:
        return None
    taken = np.zeros((m, n), bool)
    taken[agents, jobs] = lp.x > SUPPORT
    penalty = np.full((m, n), np.inf)
    penalty[agents, jobs] = np.maximum(lp.reduced_cost, 0.0)
    penalty[taken] = 0.0
    return LagrangeBound(lp.row_dual[:n].copy(), float(stats.objective), taken, penalty, 0)


def lp_desirability(lp: LagrangeBound) -> np.ndarray:
    """What the regret heuristic (`solvers.gap_greedy`) is given to round the LP's answer by,
    lower being better: the pairs of the LP's answer first, then by reduced cost. A job the
    LP gives whole to one agent has a regret of one and is placed first, where the LP put it;
    the split jobs follow. Measured on gap-large seed 1 (tuning): within 0.5-3.2% of the LP
    bound on E 40 x 400 to 80 x 1,600, D and C 80 x 1,600, where the heuristic on the costs is
    2.5-7 times the bound and on the reduced costs alone fails on C and D."""
    rc = lp.penalty.copy()
    finite = np.isfinite(rc)
    rc[~finite] = rc[finite].max() + 1.0 if finite.any() else 0.0  # pairs no agent can hold: last
    return -lp.taken.astype(float) + RC_TIE * rc


RC_TIE = 1e-4  # reduced costs only order the pairs the LP's answer leaves level


def gap_mip(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    keep: np.ndarray,
    start: np.ndarray,
    params: HighsParams,
) -> tuple[np.ndarray | None, SolveStats]:
    """HiGHS's MIP over the kept pairs only, from `start` (an agent per job, on kept pairs):
    the agent per job of the best answer found (None without one). Its dual bound holds for
    those pairs alone, so it is not reported as a bound."""
    n = np.asarray(cost).shape[1]
    agents, jobs = np.nonzero(keep)
    model = gap_model(np.asarray(cost, float), weight, capacity, agents, jobs, integral=True)
    x, stats = solve(model, params, "gap-lp-mip", (start[jobs] == agents).astype(float))
    stats = replace(stats, bound=None)
    if x is None:
        return None, stats
    agent_of = np.full(n, -1, np.int64)
    on = x > 0.5
    agent_of[jobs[on]] = agents[on]
    return agent_of, stats


def gap_model(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    agents: np.ndarray,
    jobs: np.ndarray,
    integral: bool,
) -> LinearModel:
    """Generalised assignment over the pairs (agents[k], jobs[k]): each job once, each agent
    within capacity (the product's LP and MIP here, and the benchmark's HiGHS baseline)."""
    m, n = cost.shape
    k = np.arange(len(agents))
    a = sparse.csc_matrix(
        (
            np.concatenate([np.ones(len(k)), weight[agents, jobs].astype(float)]),
            (np.concatenate([jobs, n + agents]), np.concatenate([k, k])),
        ),
        shape=(n + m, len(k)),
    )
    return LinearModel(
        cost=cost[agents, jobs],
        a=a,
        row_lower=np.concatenate([np.ones(n), np.full(m, -np.inf)]),
        row_upper=np.concatenate([np.ones(n), np.asarray(capacity, float)]),
        col_lower=np.zeros(len(k)),
        col_upper=np.ones(len(k)),
        integral=np.full(len(k), integral),
    )
