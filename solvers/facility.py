"""Capacitated facility location on the shared assignment core: open sites, assign each client
to one open site within its capacity (and above a minimum load when open), at least cost.

One model serves two users: the classic capacitated p-median (clients are also the candidate
sites, exactly p open, cost = distance; checked on the public OR-Library instances) and the
programme planner's choice of groups (sites are candidate groups at a venue and slot, loads are
group sizes with a minimum viable size, opening costs are the price of running a group). CP-SAT
with the LP relaxation proves these small instances optimal; a greedy start is given as a hint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solvers.assignment import (
    MIN_PHASE_SECONDS,
    AssignmentCore,
    CoreParams,
    build_core,
    run,
    search_near_bound,
    with_time,
)
from solvers.lagrange import LagrangeBound, pmedian_lagrange_bound
from solvers.types import SolveStats


@dataclass
class FacilityProblem:
    n_clients: int
    n_sites: int
    pair_client: np.ndarray
    pair_site: np.ndarray
    pair_cost: np.ndarray  # int
    pair_load: np.ndarray  # int: the client's demand on that site
    site_capacity: np.ndarray  # int
    site_min_load: np.ndarray | None = None  # int: when open, at least this load (0 = none)
    site_open_cost: np.ndarray | None = None  # int
    open_exactly: int | None = None  # p for p-median
    must_assign: bool = True
    unassigned_cost: np.ndarray | None = None  # int per client, when not must_assign
    site_client: np.ndarray | None = (
        None  # p-median: the client each site is (an open site serves itself)
    )


@dataclass
class FacilityResult:
    site_of_client: np.ndarray  # -1 when unassigned
    open_sites: np.ndarray  # bool
    stats: SolveStats


class FacilityModel:
    """The CP-SAT model, open for callers to add side constraints (the group planner adds the
    women's rule, exclusions, rooms and facilitators) before solving."""

    def __init__(self, pr: FacilityProblem, names: tuple[list[str], list[str]] | None = None):
        self.problem = pr
        cap = np.asarray(pr.site_capacity, np.int64)
        self.core: AssignmentCore = build_core(
            pr.n_clients,
            pr.n_sites,
            pr.pair_client,
            pr.pair_site,
            pr.pair_load,
            cap,
            must_assign=pr.must_assign,
            item_names=names[0] if names else None,
            agent_names=names[1] if names else None,
        )
        m = self.model = self.core.model
        self.open = [
            m.new_bool_var(f"open[{names[1][j] if names else j}]") for j in range(pr.n_sites)
        ]
        for j in range(pr.n_sites):
            ks = self.core.agent_pairs[j]
            if not ks:
                m.add(self.open[j] == 0)
                continue
            load = self.core.load(j, pr.pair_load)
            m.add(load <= int(cap[j]) * self.open[j])
            if pr.site_min_load is not None and pr.site_min_load[j] > 0:
                m.add(load >= int(pr.site_min_load[j]) * self.open[j])
            for k in (
                ks
            ):  # x <= open, stated per pair: a much tighter relaxation than the load row alone
                m.add_implication(self.core.x[k], self.open[j])
        if pr.site_client is not None:
            pair_of = {
                (int(i), int(j)): k for k, (i, j) in enumerate(zip(pr.pair_client, pr.pair_site))
            }
            for j, i in enumerate(pr.site_client.tolist()):
                own = pair_of.get((i, j))
                m.add(self.core.x[own] == self.open[j]) if own is not None else m.add(
                    self.open[j] == 0
                )
        if pr.open_exactly is not None:
            m.add(sum(self.open) == int(pr.open_exactly))
        self.assigned = [
            sum(self.core.x[k] for k in ks) if ks else 0 for ks in self.core.item_pairs
        ]

    def cost(self) -> cp_model.LinearExpr:
        pr = self.problem
        expr = cp_model.LinearExpr.weighted_sum(self.core.x, np.asarray(pr.pair_cost).tolist())
        if pr.site_open_cost is not None:
            expr += cp_model.LinearExpr.weighted_sum(
                self.open, np.asarray(pr.site_open_cost).tolist()
            )
        if not pr.must_assign and pr.unassigned_cost is not None:
            # unassigned cost = sum(u) - sum(u * assigned): the constant is left out
            expr -= sum(
                int(pr.unassigned_cost[i]) * a
                for i, a in enumerate(self.assigned)
                if not isinstance(a, int)
            )
        return expr

    def hint(self, site_of_client: np.ndarray) -> None:
        self.model.clear_hints()
        self.core.hint(site_of_client)
        used = set(int(j) for j in site_of_client if j >= 0)
        for j, v in enumerate(self.open):
            self.model.add_hint(v, j in used)

    def decode(self, solver: cp_model.CpSolver) -> tuple[np.ndarray, np.ndarray]:
        site = self.core.decode(solver, self.problem.n_clients)
        return site, np.array([solver.boolean_value(v) for v in self.open], bool)


def solve_facility(
    pr: FacilityProblem,
    params: CoreParams,
    start: np.ndarray | None = None,
    first_share: float = 0.4,
    medians_share: float = 0.2,
    bound_share: float = 0.1,
    step_share: float = 0.12,
) -> FacilityResult:
    """Minimum cost (one worker with the stronger LP, `linearization_level=2`, is what proves
    the public p-median instances fastest on two cores: measured against 2-8 workers). A
    p-median (sites are the clients, exactly p open, all assigned) that is not proved in
    `first_share` of the time is improved in two ways, each measured to find what the other
    misses on the public instances: re-solving the clients of a few neighbouring medians
    (`improve_medians`, `medians_share`: moves medians), then Lagrangian pricing
    (`solvers.lagrange`, `bound_share`) and the neighbourhoods the prices point at
    (`search_near_bound`, the rest: moves clients between open sites)."""
    t0 = time.perf_counter()
    if params.deadline is None:  # one deadline for every phase: the solve ends on time
        params = with_time(params, params.time_limit_seconds)
        params.deadline = t0 + params.time_limit_seconds
    fm = FacilityModel(pr)
    fm.model.minimize(fm.cost())
    if start is not None:
        fm.hint(start)
    pmedian = (
        pr.site_client is not None
        and pr.open_exactly is not None
        and pr.must_assign
        and pr.n_sites == pr.n_clients
        and (pr.site_client == np.arange(pr.n_sites)).all()
    )
    first = with_time(params, params.time_limit_seconds * first_share) if pmedian else params
    solver, stats = run(fm.model, first, name="facility")
    if stats.objective is None:
        return FacilityResult(np.full(pr.n_clients, -1), np.zeros(pr.n_sites, bool), stats)
    site, opened = fm.decode(solver)
    if not pmedian or stats.status == "OPTIMAL" or params.left() < MIN_PHASE_SECONDS:
        return FacilityResult(site, opened, stats)
    site = improve_medians(
        pr, site, min(params.time_limit_seconds * medians_share, params.left()), params.random_seed
    )
    cost = _pair_cost_matrix(pr).T  # sites x clients; pairs not allowed priced out
    allowed = np.zeros(cost.shape, dtype=bool)
    allowed[pr.pair_site, pr.pair_client] = True
    demand = np.zeros(pr.n_clients, np.int64)
    demand[pr.pair_client] = pr.pair_load
    upper = float(cost[site, np.arange(pr.n_clients)].sum())
    assert pr.open_exactly is not None, "a p-median opens exactly p sites"
    lag = pmedian_lagrange_bound(
        np.where(allowed, cost, int(np.asarray(pr.pair_cost).sum()) + 1),
        demand,
        int(pr.open_exactly),
        pr.site_capacity,
        upper,
        seconds=min(params.time_limit_seconds * bound_share, params.left()),
    )
    lower = max(stats.bound if stats.bound is not None else -np.inf, lag.integer_bound())

    def solve_pairs(keep: np.ndarray, sub: CoreParams, hint: np.ndarray, prices: LagrangeBound):
        kept = keep[pr.pair_site, pr.pair_client]
        part = FacilityProblem(
            pr.n_clients,
            pr.n_sites,
            pr.pair_client[kept],
            pr.pair_site[kept],
            pr.pair_cost[kept],
            pr.pair_load[kept],
            pr.site_capacity,
            open_exactly=pr.open_exactly,
            site_client=pr.site_client,
        )
        model = FacilityModel(part)
        model.model.minimize(model.cost())
        model.hint(hint)
        found, st = run(model.model, sub, name="pmedian-neighbourhood")
        return (model.decode(found)[0] if st.objective is not None else hint), st

    site, upper, lower, _ = search_near_bound(
        lag,
        allowed,
        site,
        upper,
        lower,
        solve_pairs,
        params,
        params.deadline,
        params.time_limit_seconds * step_share,
    )
    status = "OPTIMAL" if upper <= lower else "FEASIBLE"
    stats = SolveStats(
        status, float(upper), float(min(lower, upper)), time.perf_counter() - t0, "facility"
    )
    return FacilityResult(site, np.isin(np.arange(pr.n_sites), site), stats)


def _pair_cost_matrix(pr: FacilityProblem) -> np.ndarray:
    c = np.full((pr.n_clients, pr.n_sites), np.iinfo(np.int64).max // 4, np.int64)
    c[pr.pair_client, pr.pair_site] = pr.pair_cost
    return c


def improve_medians(
    pr: FacilityProblem, site: np.ndarray, seconds: float, seed: int = 7, k: int = 4
) -> np.ndarray:
    """Large neighbourhood search for the p-median: free the clients of a few neighbouring
    medians (one at random and its nearest open ones) and re-solve that small p-median exactly
    (any freed client may become a median); keep it when cheaper. Never worsens the answer."""
    assert pr.site_client is not None, "a p-median's sites are its clients"
    t_end = time.perf_counter() + seconds
    rng = np.random.default_rng(seed)
    cost = _pair_cost_matrix(pr)
    out = site.copy()
    while time.perf_counter() < t_end - 0.05:
        medians = np.unique(out)
        first = medians[rng.integers(len(medians))]
        near = medians[np.argsort(cost[pr.site_client[medians], first], kind="stable")][
            : min(k, len(medians))
        ]
        clients = np.nonzero(np.isin(out, near))[0]
        sub_sites = np.nonzero(np.isin(pr.site_client, clients))[0]
        keep = np.isin(pr.pair_client, clients) & np.isin(pr.pair_site, sub_sites)
        ci = np.searchsorted(clients, pr.pair_client[keep])
        sj = np.searchsorted(sub_sites, pr.pair_site[keep])
        sub = FacilityProblem(
            len(clients),
            len(sub_sites),
            ci,
            sj,
            pr.pair_cost[keep],
            pr.pair_load[keep],
            pr.site_capacity[sub_sites],
            open_exactly=len(near),
            site_client=np.searchsorted(clients, pr.site_client[sub_sites]),
        )
        fm = FacilityModel(sub)
        fm.model.minimize(fm.cost())
        fm.hint(np.searchsorted(sub_sites, out[clients]))
        limit = min(2.0, max(0.05, t_end - time.perf_counter()))
        solver, st = run(
            fm.model,
            CoreParams(limit, 1, int(rng.integers(1 << 30)), linearization_level=2),
            "pmedian-lns",
        )
        if st.objective is None:
            continue
        new, _ = fm.decode(solver)
        if (new >= 0).all() and cost[clients, sub_sites[new]].sum() < cost[
            clients, out[clients]
        ].sum():
            out[clients] = sub_sites[new]
    return out


def pmedian_problem(dist: np.ndarray, demand: np.ndarray, p: int, capacity: int) -> FacilityProblem:
    """Capacitated p-median as facility location: every point a client and a candidate site."""
    n = len(demand)
    ci, sj = np.nonzero(demand[:, None] <= capacity * np.ones((1, n), np.int64))
    return FacilityProblem(
        n,
        n,
        ci,
        sj,
        dist[ci, sj].astype(np.int64),
        demand[ci].astype(np.int64),
        np.full(n, capacity, np.int64),
        open_exactly=p,
        site_client=np.arange(n),
    )


def pmedian_greedy(dist: np.ndarray, demand: np.ndarray, p: int, capacity: int) -> np.ndarray:
    """A baseline: p medians spread by farthest-first from the heaviest point, then each point,
    largest demand first, to the nearest median with room (-1 when none has room)."""
    n = len(demand)
    medians = [int(np.argmax(demand))]
    while len(medians) < p:
        medians.append(int(np.argmax(dist[:, medians].min(axis=1))))
    left = np.full(p, capacity, np.int64)
    site = np.full(n, -1, np.int64)
    for m, j in enumerate(medians):  # a median serves itself
        site[j], left[m] = j, left[m] - demand[j]
    for i in np.argsort(-demand, kind="stable"):
        if site[i] >= 0:
            continue
        for m in np.argsort(dist[i, medians], kind="stable"):
            if demand[i] <= left[m]:
                site[i], left[m] = medians[m], left[m] - demand[i]
                break
    return site


def pmedian_cost(
    dist: np.ndarray, demand: np.ndarray, p: int, capacity: int, site: np.ndarray
) -> int | None:
    """Independent check and objective of a p-median answer: every point assigned, to a site
    that serves itself, exactly p sites, capacities held. None if any rule is broken."""
    site = np.asarray(site)
    if (site < 0).any():
        return None
    medians = np.unique(site)
    if len(medians) != p or (site[medians] != medians).any():
        return None
    load = np.bincount(site, weights=demand, minlength=len(demand))
    if (load > capacity).any():
        return None
    return int(dist[np.arange(len(site)), site].sum())
