"""HiGHS MIP models of the public benchmark problems (generalised assignment, capacitated
facility location / p-median), so every CP-SAT figure has a MIP figure measured beside it in
the same process. highspy is pinned below 1.15, which clashes with ortools 9.15."""

from __future__ import annotations

import time

import highspy
import numpy as np
from scipy import sparse

from solvers.facility import FacilityProblem, FacilityResult
from solvers.gap_lp import gap_model
from solvers.highs import HighsParams, solve
from solvers.types import AssignmentResult, SolveStats

_STATUS = {"Optimal": "OPTIMAL", "Time limit reached": "FEASIBLE", "Infeasible": "INFEASIBLE"}


def _solve(
    cost: np.ndarray,
    a: sparse.csc_matrix,
    lower: np.ndarray,
    upper: np.ndarray,
    time_limit: float,
    name: str,
) -> tuple[np.ndarray | None, SolveStats]:
    """min cost.x, lower <= A x <= upper, x binary. Returns x (None without a solution)."""
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    lp = highspy.HighsLp()
    n = len(cost)
    lp.num_col_, lp.num_row_ = n, a.shape[0]
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.asarray(lower, float), np.asarray(upper, float)
    a = sparse.csc_matrix(a)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (
        a.indptr,
        a.indices,
        a.data.astype(float),
    )
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    h.run()
    status_text = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has = info.primal_solution_status == 2  # a feasible solution
    x = np.asarray(h.getSolution().col_value) > 0.5 if has else None
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    status = (
        _STATUS.get(status_text, "UNKNOWN") if has or status_text == "Infeasible" else "UNKNOWN"
    )
    stats = SolveStats(
        status,
        float(info.objective_function_value) if has else None,
        bound,
        time.perf_counter() - t0,
        name,
    )
    return x, stats


def solve_gap_highs(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, time_limit: float = 10.0
) -> AssignmentResult:
    """Generalised assignment (agents x jobs, OR-Library layout) as a MIP: each job to exactly
    one agent, agents within capacity, minimum cost."""
    cost, weight, capacity = np.asarray(cost), np.asarray(weight), np.asarray(capacity)
    n = cost.shape[1]
    agents, jobs = np.nonzero(weight <= capacity[:, None])
    model = gap_model(np.asarray(cost, float), weight, capacity, agents, jobs, integral=True)
    # HiGHS's own default seed (0), as this baseline has always run
    x, stats = solve(model, HighsParams(time_limit, random_seed=0), "gap-highs")
    out = np.full(n, -1, np.int64)
    if x is not None:
        on = x > 0.5
        out[jobs[on]] = agents[on]
    return AssignmentResult(out, stats, [stats])


def solve_facility_highs(pr: FacilityProblem, time_limit: float = 30.0) -> FacilityResult:
    """The facility-location model of `solvers/facility.py` as a MIP (same rules, same costs)."""
    n_k, n_s, n_c = len(pr.pair_client), pr.n_sites, pr.n_clients
    y = n_k + np.arange(n_s)  # open[site] columns after the pairs
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    up: list[float] = []

    def row(c_idx, v, lower, upper):
        r = len(lo)
        rows.extend([r] * len(c_idx))
        cols.extend(c_idx)
        vals.extend(v)
        lo.append(lower)
        up.append(upper)

    by_client: list[list[int]] = [[] for _ in range(n_c)]
    by_site: list[list[int]] = [[] for _ in range(n_s)]
    for k, (i, j) in enumerate(zip(pr.pair_client.tolist(), pr.pair_site.tolist())):
        by_client[i].append(k)
        by_site[j].append(k)
    for ks in by_client:
        row(ks, [1.0] * len(ks), 1.0 if pr.must_assign else -np.inf, 1.0)
    for j, ks in enumerate(by_site):
        load = [float(pr.pair_load[k]) for k in ks]
        row(ks + [int(y[j])], load + [-float(pr.site_capacity[j])], -np.inf, 0.0)
        if pr.site_min_load is not None and pr.site_min_load[j] > 0:
            row(ks + [int(y[j])], load + [-float(pr.site_min_load[j])], 0.0, np.inf)
        for k in ks:
            row([k, int(y[j])], [1.0, -1.0], -np.inf, 0.0)
    if pr.site_client is not None:
        pair_of = {
            (int(i), int(j)): k for k, (i, j) in enumerate(zip(pr.pair_client, pr.pair_site))
        }
        for j, i in enumerate(pr.site_client.tolist()):
            own = pair_of.get((i, j))
            row(
                [own, int(y[j])] if own is not None else [int(y[j])],
                [1.0, -1.0] if own is not None else [1.0],
                0.0,
                0.0,
            )
    if pr.open_exactly is not None:
        row(y.tolist(), [1.0] * n_s, float(pr.open_exactly), float(pr.open_exactly))
    cost = np.concatenate(
        [
            np.asarray(pr.pair_cost, float),
            np.asarray(pr.site_open_cost, float)
            if pr.site_open_cost is not None
            else np.zeros(n_s),
        ]
    )
    if not pr.must_assign and pr.unassigned_cost is not None:
        cost[:n_k] -= np.asarray(pr.unassigned_cost, float)[pr.pair_client]
    a = sparse.csc_matrix((vals, (rows, cols)), shape=(len(lo), n_k + n_s))
    x, stats = _solve(cost, a, np.array(lo), np.array(up), time_limit, "facility-highs")
    site = np.full(n_c, -1, np.int64)
    opened = np.zeros(n_s, bool)
    if x is not None:
        site[pr.pair_client[x[:n_k]]] = pr.pair_site[x[:n_k]]
        opened = x[n_k:]
    return FacilityResult(site, opened, stats)
