"""The reusable capacitated assignment core (CP-SAT).

Items (cases, people, jobs) go to agents (practitioners, placements, machines) over a sparse
list of allowed pairs, each item at most (or exactly) once, each agent within its capacity.
The allocator, the GAP benchmark and the planners all build on `AssignmentCore`; the classic
generalised assignment problem is solved by `solve_gap` so the core can be checked against
public instances with known optima.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from solvers.gap_greedy import solve_gap_greedy
from solvers.gap_lp import gap_lp_prices, gap_mip, lp_desirability
from solvers.gap_moves import descend
from solvers.highs import HighsParams
from solvers.lagrange import LagrangeBound, lagrange_bound
from solvers.types import AssignmentResult, SearchObserver, SolveStats, stop_asked

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


@dataclass
class CoreParams:
    """Search parameters for one CP-SAT solve."""

    time_limit_seconds: float = 10.0
    workers: int = 1
    random_seed: int = 7
    log: bool = False
    linearization_level: int | None = None  # 2: more LP cuts (pays on facility location)
    observer: SearchObserver | None = None  # progress reports and stop requests (the API's jobs)
    # The whole solve's end (time.perf_counter()): no search of any phase runs past it, however
    # long the phase's own limit (None: only that limit). Set once, by the solve's entry.
    deadline: float | None = None

    def left(self) -> float:
        """Seconds to the deadline (the time limit where there is none)."""
        if self.deadline is None:
            return float(self.time_limit_seconds)
        return max(0.0, self.deadline - time.perf_counter())


@dataclass
class AssignmentCore:
    """A CP-SAT model with one Boolean per allowed (item, agent) pair and the core constraints."""

    model: cp_model.CpModel
    pair_item: np.ndarray
    pair_agent: np.ndarray
    x: list[cp_model.IntVar]
    item_pairs: list[list[int]]
    agent_pairs: list[list[int]]

    def assigned(self, item: int) -> cp_model.LinearExpr:
        """1 when the item is assigned to some agent."""
        return cp_model.LinearExpr.sum([self.x[k] for k in self.item_pairs[item]])

    def load(self, agent: int, weight: np.ndarray) -> cp_model.LinearExpr:
        """Total weight of the items given to an agent; `weight` is per pair."""
        return cp_model.LinearExpr.weighted_sum(
            [self.x[k] for k in self.agent_pairs[agent]],
            [int(weight[k]) for k in self.agent_pairs[agent]],
        )

    def decode(self, solver: cp_model.CpSolver, n_items: int) -> np.ndarray:
        out = np.full(n_items, -1, dtype=np.int64)
        for k, var in enumerate(self.x):
            if solver.boolean_value(var):
                out[self.pair_item[k]] = self.pair_agent[k]
        return out

    def hint(self, agent_of_item: np.ndarray) -> None:
        """Warm start from a known assignment (e.g. the greedy baseline)."""
        for k, var in enumerate(self.x):
            self.model.add_hint(var, int(agent_of_item[self.pair_item[k]] == self.pair_agent[k]))


def partners(pairs: list[tuple[int, int]]) -> dict[int, set[int]]:
    """Who each item must be kept apart from (both ways), from a list of pairs."""
    out: dict[int, set[int]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def keep_apart(
    model: cp_model.CpModel,
    x: list,
    pair_item: np.ndarray,
    pair_agent: np.ndarray,
    pairs: list[tuple[int, int]],
) -> None:
    """Items of each pair never with the same agent (co-defendants never in one session or group)."""
    by_item: dict[int, dict[int, int]] = {}
    for k, (i, a) in enumerate(zip(pair_item.tolist(), pair_agent.tolist())):
        by_item.setdefault(i, {})[a] = k
    for a, b in pairs:
        ka, kb = by_item.get(a, {}), by_item.get(b, {})
        for agent in sorted(ka.keys() & kb.keys()):
            model.add(x[ka[agent]] + x[kb[agent]] <= 1)


def build_core(
    n_items: int,
    n_agents: int,
    pair_item: np.ndarray,
    pair_agent: np.ndarray,
    pair_weight: np.ndarray,
    capacity: np.ndarray,
    *,
    must_assign: bool,
    item_names: list[str] | None = None,
    agent_names: list[str] | None = None,
) -> AssignmentCore:
    """Variables x[item->agent] for each allowed pair; each item assigned at most once (or
    exactly once when `must_assign`); each agent's summed pair weight within its capacity."""
    model = cp_model.CpModel()
    pair_item = np.asarray(pair_item, dtype=np.int64)
    pair_agent = np.asarray(pair_agent, dtype=np.int64)
    item_pairs: list[list[int]] = [[] for _ in range(n_items)]
    agent_pairs: list[list[int]] = [[] for _ in range(n_agents)]
    x = []
    for k, (i, a) in enumerate(zip(pair_item.tolist(), pair_agent.tolist())):
        iname = item_names[i] if item_names else str(i)
        aname = agent_names[a] if agent_names else str(a)
        x.append(model.new_bool_var(f"x[{iname}->{aname}]"))
        item_pairs[i].append(k)
        agent_pairs[a].append(k)
    core = AssignmentCore(model, pair_item, pair_agent, x, item_pairs, agent_pairs)
    for i in range(n_items):
        terms = [x[k] for k in item_pairs[i]]
        if must_assign:
            model.add_exactly_one(terms)
        elif len(terms) > 1:
            model.add_at_most_one(terms)
    for a in range(n_agents):
        if agent_pairs[a]:
            model.add(core.load(a, pair_weight) <= int(capacity[a]))
    return core


def make_solver(params: CoreParams) -> cp_model.CpSolver:
    """A CP-SAT solver for one search: its own time limit, cut to the solve's deadline."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        0.0, min(float(params.time_limit_seconds), params.left())
    )
    solver.parameters.num_workers = int(params.workers)
    solver.parameters.random_seed = int(params.random_seed)
    solver.parameters.log_search_progress = params.log
    # A signal is the caller's to handle (it stops the search through the observer): CP-SAT
    # catching SIGINT itself would end the search and let a cut-short answer pass as finished.
    solver.parameters.catch_sigint_signal = False
    # Probing costs more than it pays on these assignment models (measured on PDU nights).
    solver.parameters.cp_model_probing_level = 0
    if params.linearization_level is not None:
        solver.parameters.linearization_level = params.linearization_level
    return solver


class _Watch(cp_model.CpSolverSolutionCallback):
    """Tells the observer each improving solution, and stops the search when it asks."""

    def __init__(self, observer: SearchObserver, name: str):
        super().__init__()
        self.observer, self.name = observer, name

    def on_solution_callback(self) -> None:
        self.observer.report(
            self.name, float(self.objective_value), _finite(self.best_objective_bound)
        )
        if self.observer.stopped():
            self.stop_search()


def run(
    model: cp_model.CpModel, params: CoreParams, name: str = ""
) -> tuple[cp_model.CpSolver, SolveStats]:
    """Solve and report status, objective, best bound and time. With an observer, a stop
    request ends the search early (the best solution found so far is kept: status FEASIBLE),
    and a phase asked to stop before it begins is not searched at all (status STOPPED)."""
    solver = make_solver(params)
    obs = params.observer
    if stop_asked(obs):
        return solver, SolveStats("STOPPED", None, None, 0.0, name)
    t0 = time.perf_counter()
    if obs is None:
        code = solver.solve(model)
    else:  # the search runs in a thread while this one watches for a stop request, so a stop
        # (or a signal, whose handler runs only in the main thread) is seen within 0.2 s even
        # when no new solution comes
        found_code: list[Any] = []

        def search() -> None:
            try:
                found_code.append(solver.solve(model, _Watch(obs, name)))
            except BaseException as exc:  # handed to the caller's thread
                found_code.append(exc)

        searcher = threading.Thread(target=search, daemon=True)
        searcher.start()
        try:
            while searcher.is_alive():
                searcher.join(0.2)
                if obs.stopped():
                    solver.stop_search()
        finally:
            if searcher.is_alive():  # the caller's thread is leaving: end the search first
                solver.stop_search()
                searcher.join()
        if isinstance(found_code[0], BaseException):
            raise found_code[0]
        code = found_code[0]
    seconds = time.perf_counter() - t0
    status = STATUS_NAMES.get(code, "UNKNOWN")
    found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    stats = SolveStats(
        status=status,
        objective=float(solver.objective_value) if found else None,
        bound=_finite(solver.best_objective_bound) if found or code == cp_model.UNKNOWN else None,
        seconds=seconds,
        name=name,
    )
    if obs is not None:
        obs.report(name, stats.objective, stats.bound, force=True)
    return solver, stats


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) and abs(x) < 1e18 else None


MIN_PHASE_SECONDS = 0.05  # less than this left: no further phase is started

# GAP's first neighbourhood: about this many pairs per job (measured on c10200/c20200: a tight
# instance with few agents otherwise starts too narrow to hold any cheaper answer). The
# p-median search keeps half a unit: its neighbourhoods were measured with that.
GAP_PAIRS_PER_ITEM = 1.6
# From this many (agent, job) pairs, an instance the first solve does not prove is priced by
# its LP relaxation, not the Lagrangian ascent (solvers.gap_lp). The shared instances have at
# most 4,000 (20 x 200) and stay with the ascent, which proves them; gap-large seed 1
# (tuning): from 40 x 400 (16,000) the LP's did better on every D and C instance. (At 10 x 400,
# before the descent of solvers.gap_moves, the ascent proved C and E optimal where the LP's
# prices left them 0.1% above; with it, see LP_FROM_CELLS.)
LP_FROM_PAIRS = 10_000
# Below that, the LP prices too where the ascent's knapsack tables (agents x jobs x mean
# capacity) pass this many cells a step: the ascent then takes too few steps in its share.
# Gap-large D 10 x 400 (6.5 million cells; seeds 1 and 3) ended its 2 s of ascent at a bound of
# 18,000-20,000 where the LP's is 24,700-25,100, and the core 45 above HiGHS on seed 1; priced
# by the LP, 2 and 37 below it. C and E 10 x 400 (1.4-1.9 million): on seed 6 the ascent's path
# ended 2 above the optimum on both, where LP-priced all 8 of seeds 1, 3, 5 and 6 were proved
# optimal (in 8.9-17.3 s of 20). The 78 shared instances have at most 0.8 million.
LP_FROM_CELLS = 1_000_000
# The LP-priced search's MIP core and neighbourhoods: about this many pairs per job (gap-large
# seed 1, tuning: 1.6 ended at or below 2 on 11 of 13 instances from 40 x 400 up, 3 worse on
# most and 5 found nothing in the first core at 80 x 1,600).
LP_PAIRS_PER_ITEM = 1.6
# Of the limit, for HiGHS's MIP over that core from the rounded LP answer, before CP-SAT's
# neighbourhoods (gap-large seed 1: with half, E 40 x 900 ended at 94,547 where CP-SAT's
# neighbourhoods alone ended at 95,468, and E 40 x 400 at 42,405 against 43,091; HiGHS's MIP
# alone stalls at D 80 x 1,600, where CP-SAT's neighbourhoods go on from it).
MIP_SHARE = 0.5


def solve_gap(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    params: CoreParams,
    first_share: float = 0.05,
    bound_share: float = 0.10,
    step_share: float = 0.20,
    target_share: float = 0.20,
    lp_share: float = 0.50,
) -> AssignmentResult:
    """Generalised assignment: every job to exactly one agent within capacities, minimum cost.

    `cost` and `weight` are agents x jobs (the OR-Library layout); returns the agent per job.
    The whole model is solved first (`first_share` of the time): that proves the small
    instances and gives an incumbent. If it stops short, a Lagrangian bound (`solvers.lagrange`,
    `bound_share` of the time) prices every (agent, job) pair; pairs no cheaper assignment can
    use are dropped. Target solves then look for an answer at the bound (`_meet_bound`, up to
    `target_share` of the time), lifting it by one for each target proved empty, and the core
    re-solves neighbourhoods of the incumbent made of the pairs
    whose price penalty is small (the first holds about 1.6 pairs per job; each search gets
    `step_share` of the time, half as long again after one that ran out of time), widening the
    threshold when one brings nothing. Once the threshold takes in every pair left, a finished
    search proves the incumbent optimal; so does an incumbent that meets the bound.
    From `LP_FROM_PAIRS` pairs, or knapsack tables of over `LP_FROM_CELLS` cells, the
    Lagrangian ascent does not scale, and the LP relaxation
    prices the pairs instead (up to `lp_share` of the time; it ends when solved: 1-4 s at
    80 x 1,600, over 6 s there with three solves on two cores): `_search_lp`. Where the LP is
    not solved in that share, the path above is taken.
    """
    t0 = time.perf_counter()
    cost, weight, capacity = np.asarray(cost), np.asarray(weight), np.asarray(capacity)
    n = cost.shape[1]
    allowed = weight <= capacity[:, None]
    total = params.time_limit_seconds
    if (
        params.linearization_level is None
    ):  # the stronger LP: measured to close c20200 and b10200 more often
        params = CoreParams(**{**params.__dict__, "linearization_level": 2})
    if params.deadline is None:  # one deadline for every phase: the solve ends on time
        params = CoreParams(**{**params.__dict__, "deadline": t0 + total})
    agent_of, stats = _solve_gap_pairs(
        cost, weight, capacity, allowed, with_time(params, total * first_share), None, "gap"
    )
    phases = [stats]
    if stats.status != "OPTIMAL" and _priced_by_lp(weight, capacity):
        lp = gap_lp_prices(cost, weight, capacity, allowed, _highs_within(params, total * lp_share))
        phases.append(
            SolveStats(
                "BOUND", None, None if lp is None else lp.bound, time.perf_counter() - t0, "gap-lp"
            )
        )
        if lp is not None:
            return _search_lp(
                cost, weight, capacity, allowed, lp, agent_of, stats, params, phases, t0,
                total * step_share,
            )  # fmt: skip
    if stats.status == "UNKNOWN":  # no answer yet (a large instance): the whole model gets the rest
        # The regret heuristic's answer (0.1 s at 80 agents x 1,600 jobs) is kept in case the
        # whole model finds none, as it did at that size. Neither as the whole model's hint
        # nor as the later phases' start: from so poor an answer (2.5 times the optimum on
        # type C) they ended worse than on their own (gap-large seed 1: D 40 x 900 61,120
        # from it, where the whole model given the rest found 55,348).
        greedy = solve_gap_greedy(cost, weight, capacity)
        rest = with_time(params, params.left())
        agent_of, stats = _solve_gap_pairs(cost, weight, capacity, allowed, rest, None, "gap")
        phases += [greedy.stats, stats]
        if stats.objective is None and greedy.stats.objective is not None:
            agent_of = greedy.agent_of_item
            stats = replace(
                greedy.stats, status="FEASIBLE", name="gap", seconds=time.perf_counter() - t0
            )
    if stats.objective is None or stats.status == "OPTIMAL" or params.left() < MIN_PHASE_SECONDS:
        return AssignmentResult(agent_of, stats, phases)
    upper = stats.objective
    priced = np.where(
        allowed, cost, cost.max() * n + 1
    )  # pairs an agent cannot hold: never worth it
    lag = lagrange_bound(
        priced, weight, capacity, upper, seconds=min(total * bound_share, params.left())
    )
    lower = max(stats.bound if stats.bound is not None else -np.inf, lag.integer_bound())
    phases.append(SolveStats("BOUND", None, lag.bound, time.perf_counter() - t0, "gap-lagrange"))

    def solve_pairs(
        keep: np.ndarray, sub: CoreParams, hint: np.ndarray, prices: LagrangeBound
    ) -> tuple[np.ndarray, SolveStats]:
        better = (
            float(cost[hint, np.arange(n)].sum()) - 1
        )  # only answers cheaper than the incumbent
        started = time.perf_counter()
        columns = target_columns(prices, priced, weight, capacity, better, keep)
        sub = with_time(
            sub, max(0.01, sub.time_limit_seconds - (time.perf_counter() - started))
        )  # within its time
        return _solve_gap_pairs(
            priced,
            weight,
            capacity,
            keep,
            sub,
            hint,
            "gap-neighbourhood",
            None if columns is None else (better, columns),
        )

    agent_of, upper, lower, tried = _meet_bound(
        priced, weight, capacity, allowed, lag, agent_of, upper, lower, params,
        min(total * target_share, params.left()),
    )  # fmt: skip
    phases += tried

    def reprice(best: float, last: LagrangeBound) -> LagrangeBound:
        left = params.left()
        return lagrange_bound(
            priced,
            weight,
            capacity,
            best,
            seconds=min(total * bound_share, left) / 2,
            start=last.prices,
        )

    agent_of, upper, lower, searched = search_near_bound(
        lag,
        allowed,
        agent_of,
        upper,
        lower,
        solve_pairs,
        params,
        params.deadline or t0 + total,
        total * step_share,
        reprice,
        GAP_PAIRS_PER_ITEM,
    )
    return _answer(agent_of, upper, lower, t0, phases + searched)


def _polish(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    agent_of: np.ndarray,
    params: CoreParams,
    phases: list[SolveStats],
) -> tuple[np.ndarray, float]:
    """An answer (every job placed) after the shift, swap and ejection descent (`gap_moves`: a
    quarter of a second at 80 x 1,600), and its cost; the descent's stats join `phases`."""
    t0 = time.perf_counter()
    better = descend(cost, weight, capacity, allowed, agent_of, t0 + params.left())
    value = float(cost[better, np.arange(len(better))].sum())
    phases.append(SolveStats("HEURISTIC", value, None, time.perf_counter() - t0, "gap-descent"))
    return better, value


def _answer(
    agent_of: np.ndarray, upper: float, lower: float, t0: float, phases: list[SolveStats]
) -> AssignmentResult:
    """The solve's answer after its search phases: optimal once the answer meets the bound."""
    status = "OPTIMAL" if upper <= lower else "FEASIBLE"
    stats = SolveStats(
        status, float(upper), float(min(lower, upper)), time.perf_counter() - t0, "gap"
    )
    return AssignmentResult(agent_of, stats, phases + [stats])


def _priced_by_lp(weight: np.ndarray, capacity: np.ndarray) -> bool:
    """Whether the instance is too large for the Lagrangian ascent, and so priced by the LP
    (`LP_FROM_PAIRS`, `LP_FROM_CELLS`)."""
    cells = weight.size * float(np.mean(capacity)) if weight.size else 0.0
    return weight.size >= LP_FROM_PAIRS or cells > LP_FROM_CELLS


def _highs_within(params: CoreParams, seconds: float) -> HighsParams:
    """HiGHS run as the core is: its threads, seed and observer, within `seconds` and the
    solve's deadline."""
    return HighsParams(
        max(0.01, min(seconds, params.left())),
        threads=params.workers,
        random_seed=params.random_seed,
        observer=params.observer,
    )


def _search_lp(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    lp: LagrangeBound,
    agent_of: np.ndarray,
    stats: SolveStats,
    params: CoreParams,
    phases: list[SolveStats],
    t0: float,
    step_seconds: float,
) -> AssignmentResult:
    """The large instances' search, priced by the LP (`solvers.gap_lp`). The LP's answer
    rounded by the regret heuristic (`lp_desirability`) is the start, or the first solve's
    answer where that is cheaper; where neither exists, the core over the pairs of least reduced
    cost (about `LP_PAIRS_PER_ITEM` a job, with the LP's own), then the heuristic on the costs.
    Then HiGHS's MIP over that core from the start (`MIP_SHARE` of the limit), and CP-SAT's
    neighbourhoods of `search_near_bound`, widened by reduced cost, with the pairs no cheaper
    answer can use banned, for the rest. The start, the MIP's answer and each better answer of
    a neighbourhood go through the shift, swap and ejection descent (`_polish`): answers the
    exact steps prove best over a core are seldom local optima of those moves outside it. A
    finished search over every pair left proves the answer optimal."""
    n = cost.shape[1]
    lower = max(stats.bound if stats.bound is not None else -np.inf, lp.integer_bound())
    upper = stats.objective
    rounded = solve_gap_greedy(cost, weight, capacity, lp_desirability(lp))
    phases.append(replace(rounded.stats, name="gap-lp-rounded"))
    if rounded.stats.objective is not None and (upper is None or rounded.stats.objective < upper):
        agent_of, upper = rounded.agent_of_item, rounded.stats.objective
    if upper is None:
        keep = allowed & lp.near(_sized_threshold(lp, allowed, None, 0.5, LP_PAIRS_PER_ITEM * n))
        agent_of, st = _solve_gap_pairs(
            cost, weight, capacity, keep, with_time(params, step_seconds), None, "gap-lp-core"
        )
        phases.append(st)
        upper = st.objective
        if upper is None:
            greedy = solve_gap_greedy(cost, weight, capacity)
            phases.append(greedy.stats)
            agent_of, upper = greedy.agent_of_item, greedy.stats.objective
        if upper is None:
            stats = SolveStats("UNKNOWN", None, lower, time.perf_counter() - t0, "gap")
            return AssignmentResult(agent_of, stats, phases + [stats])
    agent_of, upper = _polish(cost, weight, capacity, allowed, agent_of, params, phases)

    keep = allowed & lp.near(_sized_threshold(lp, allowed, agent_of, 0.5, LP_PAIRS_PER_ITEM * n))
    keep[agent_of, np.arange(n)] = True
    found, st = gap_mip(
        cost, weight, capacity, keep, agent_of,
        _highs_within(params, params.time_limit_seconds * MIP_SHARE),
    )  # fmt: skip
    phases.append(st)
    if found is not None and st.objective is not None and st.objective < upper:
        agent_of, upper = _polish(cost, weight, capacity, allowed, found, params, phases)

    def solve_pairs(keep: np.ndarray, sub: CoreParams, hint: np.ndarray, prices: LagrangeBound):
        found, st = _solve_gap_pairs(cost, weight, capacity, keep, sub, hint, "gap-neighbourhood")
        if st.objective is None or st.objective >= float(cost[hint, np.arange(n)].sum()):
            return found, st
        found, value = _polish(cost, weight, capacity, allowed, found, params, [])
        return found, replace(st, objective=value)

    agent_of, upper, lower, searched = search_near_bound(
        lp, allowed, agent_of, float(upper), lower, solve_pairs, params,
        params.deadline or t0 + params.time_limit_seconds, step_seconds, None, LP_PAIRS_PER_ITEM,
    )  # fmt: skip
    return _answer(agent_of, upper, lower, t0, phases + searched)


def _meet_bound(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    lag: LagrangeBound,
    incumbent: np.ndarray,
    upper: float,
    lower: float,
    params: CoreParams,
    seconds: float,
):
    """Look for an answer that meets the lower bound, over every pair left, with each agent
    held to its near-optimal knapsacks (target solves of `_solve_gap_pairs`, over the parts of
    `target_parts`): one found is optimal; a proof that there is none lifts the bound by one,
    and the next target is tried, while `seconds` last. On most tight instances the optimum is
    within a unit or two of the Lagrangian bound, and these target solves settle it in a second
    or less (measured on the b, c sets with 100-200 jobs). Returns (incumbent, upper, lower,
    the solves' stats)."""
    deadline, phases = time.perf_counter() + seconds, list[SolveStats]()
    while lower < upper and deadline - time.perf_counter() > 0.05:
        usable = allowed & lag.usable(lower)
        for columns in target_parts(lag, cost, weight, capacity, lower, usable):
            if (
                columns is None
            ):  # the bound is too far below for tables: the neighbourhoods go on from here
                return incumbent, upper, lower, phases
            found, st = _solve_gap_pairs(
                cost,
                weight,
                capacity,
                usable,
                with_time(params, deadline - time.perf_counter()),
                incumbent,
                "gap-target",
                (lower, columns),
            )
            phases.append(st)
            if st.objective is not None and st.objective < upper:
                return found, st.objective, lower, phases  # at the bound: optimal
            if st.status != "INFEASIBLE":
                return incumbent, upper, lower, phases
        lower += 1  # every part proved empty
    return incumbent, upper, lower, phases


def target_parts(
    lag: LagrangeBound,
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    target: float,
    keep: np.ndarray,
) -> Iterator[Columns | None]:
    """The answers costing at most `target`, as the tables of one or more target solves that
    together take in all of them. One solve when every agent has at most `COLUMN_LIMIT`
    near-optimal loads (`target_columns`). Otherwise the answers are split by the agent that
    falls short of its knapsack optimum the most: the shortfalls add up to at most the slack
    (target - bound), so at most one agent falls short by more than half of it. First every
    agent within half the slack (the smaller tables; measured on c10200: this part gives its
    optimum in about half a second, while the whole tables hold 5,000-8,000 loads for two
    agents and a solve over them did not finish in 10 s), then, agent by agent, that agent
    beyond half (its table, or none when it has too many) with the others within half.
    Yields None where even the half tables do not fit."""
    whole = target_columns(lag, cost, weight, capacity, target, keep)
    if whole is not None:
        yield whole
        return
    slack = target - lag.bound
    agents = range(len(capacity))
    half = [lag.loads(cost, weight, capacity, keep, a, slack / 2, COLUMN_LIMIT) for a in agents]
    if any(sets is None for sets in half):
        yield None
        return
    yield half
    for a in agents:
        beyond = lag.loads(cost, weight, capacity, keep, a, slack, COLUMN_LIMIT, above=slack / 2)
        yield half[:a] + [beyond] + half[a + 1 :]


def search_near_bound(
    lag: LagrangeBound,
    allowed: np.ndarray,
    incumbent: np.ndarray,
    upper: float,
    lower: float,
    solve_pairs,
    params: CoreParams,
    deadline: float,
    step_seconds: float,
    reprice=None,
    pairs_per_item: float = 0.0,
):
    """Improve an incumbent (the agent or site of each item) with the core restricted to
    neighbourhoods the Lagrangian prices point at: the pairs some cheaper answer may still use
    whose flip penalty is at most a threshold, plus the incumbent's own pairs (a warm start).
    The first threshold is half a unit of cost, or wide enough for about `pairs_per_item`
    pairs per item when that is more.
    A neighbourhood searched through without gain doubles the threshold. One that runs out of
    time without gain widens it by half and gives the next search half as long again: on tight
    instances a cheaper answer often lies further out than any neighbourhood the core can
    search through, and finding it there is quicker than proving the narrower ones empty
    (measured on c10200, b10200, c20200; narrowing instead left c10200 one above the optimum
    in most seeds). Once the threshold takes in every pair left, a search that finishes proves
    the incumbent optimal.
    `solve_pairs(keep, params, hint, lag)` solves over the kept pairs (sites/agents x items)
    at the current prices (INFEASIBLE: nothing cheaper than the incumbent in there);
    `reprice(upper, lag)`, when given, goes on with the price ascent once the incumbent has
    closed a quarter of its distance to the bound (the ascent aims at the best known cost, so a
    much better one lifts the bound and bans more pairs).
    Returns (incumbent, upper, lower, the searches' stats)."""
    n = len(incumbent)
    threshold = _sized_threshold(
        lag, allowed & ~lag.banned(upper), incumbent, 0.5, pairs_per_item * n
    )
    seconds, phases = step_seconds, list[SolveStats]()
    while upper > lower:
        left = deadline - time.perf_counter()
        if left < 0.05 or stop_asked(params.observer):
            break
        reduced = allowed & ~lag.banned(upper)
        keep = reduced & lag.near(threshold)
        keep[incumbent, np.arange(n)] = True
        whole = not (reduced & ~keep).any()
        limit = (
            left if whole else min(left, max(0.5, seconds))
        )  # the last, whole search may take the rest
        found, st = solve_pairs(
            keep, with_time(params, limit, params.random_seed + len(phases)), incumbent, lag
        )
        phases.append(st)
        improved = st.objective is not None and st.objective < upper
        if improved:
            closed = (upper - st.objective) / max(upper - lag.bound, 1e-9)
            incumbent, upper, seconds = found, st.objective, step_seconds
            if reprice is not None and closed > 0.25 and upper > lower:
                better = reprice(upper, lag)
                if better.bound > lag.bound:
                    lag, lower = better, max(lower, better.integer_bound())
        through = st.status in ("OPTIMAL", "INFEASIBLE")  # INFEASIBLE: no cheaper answer in there
        if through:
            threshold *= 2.0  # searched through: nothing cheaper (than what it found) left in there
        elif not improved:
            threshold, seconds = (
                threshold * 1.5,
                seconds * 1.5,
            )  # ran out of time: look wider, for longer
        if whole and through:  # every pair a cheaper answer could use was searched
            lower = upper
    return incumbent, upper, lower, phases


def _sized_threshold(
    lag: LagrangeBound,
    reduced: np.ndarray,
    incumbent: np.ndarray | None,
    least: float,
    pairs: float,
) -> float:
    """The first threshold: at least `least` (in cost units), and wide enough that the
    neighbourhood holds about `pairs` pairs (with the incumbent's, where there is one), so that
    it scales with the instance rather than with its costs."""
    inside = reduced & lag.taken
    if incumbent is not None:
        inside[incumbent, np.arange(len(incumbent))] = True
    extra = np.sort(lag.penalty[reduced & ~inside])
    need = int(pairs) - int(inside.sum())
    if need <= 0 or extra.size == 0:
        return least
    return max(least, float(extra[min(need, extra.size) - 1]))


def with_time(params: CoreParams, seconds: float, seed: int | None = None) -> CoreParams:
    """The same search parameters with another time limit (and seed): one phase of a solve."""
    return CoreParams(
        **{
            **params.__dict__,
            "time_limit_seconds": seconds,
            "random_seed": params.random_seed if seed is None else seed,
        }
    )


# Most near-optimal knapsacks one agent may be given a table of. Beyond it (the incumbent is
# still far above the bound) the tables cost more than they prune: measured on c10200, where
# 2,000 per agent solved nothing in 10 s and the plain core did better.
COLUMN_LIMIT = 1000

Columns = Sequence[
    list[tuple[int, ...]] | None
]  # per agent, the job sets it may be given (None: any)


def target_columns(
    lag: LagrangeBound,
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    target: float,
    keep: np.ndarray,
) -> Columns | None:
    """Every agent's near-optimal knapsacks for answers costing at most `target`
    (`LagrangeBound.columns`), or None when some agent has more than `COLUMN_LIMIT`."""
    return lag.columns(cost, weight, capacity, target, keep, COLUMN_LIMIT)


def _solve_gap_pairs(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    keep: np.ndarray,
    params: CoreParams,
    hint: np.ndarray | None,
    name: str,
    target: tuple[float, Columns] | None = None,
) -> tuple[np.ndarray, SolveStats]:
    """The core over the kept (agent, job) pairs, minimum cost.

    With a `target` (a cost and per agent its loads, from `target_columns` or `target_parts`;
    None for an agent held to nothing but its kept pairs), only answers costing at most that
    are sought, and each agent may only be given one of its near-optimal knapsacks, as a table
    constraint: the core alone cannot see that every agent's load must be almost as good as
    its relaxed one, and on tight instances that is what finds (or rules out) the cheaper
    answer (measured on c20200: its optimum found in 0.5-2.2 s with the tables, not in 10 s
    without). INFEASIBLE then means no answer at or below the target uses these loads.
    The time limit covers building the model."""
    t0 = time.perf_counter()
    n = cost.shape[1]
    if target is not None:
        if any(
            sets is not None and not sets for sets in target[1]
        ):  # an agent has no load good enough
            return np.full(n, -1, dtype=np.int64), SolveStats(
                "INFEASIBLE", None, None, time.perf_counter() - t0, name
            )
        keep = keep.copy()
        for a, sets in enumerate(target[1]):
            if sets is not None:
                keep[a] = False
                keep[a, sorted({j for s in sets for j in s})] = True
    agents, jobs = np.nonzero(keep)
    core = build_core(
        n, cost.shape[0], jobs, agents, weight[agents, jobs], capacity, must_assign=True
    )
    objective = cp_model.LinearExpr.weighted_sum(core.x, cost[agents, jobs].tolist())
    core.model.minimize(objective)
    if target is not None:
        core.model.add(objective <= int(np.floor(target[0] + 1e-9)))
        for a, sets in enumerate(target[1]):
            if sets is None:
                continue
            own = core.agent_pairs[a]
            at = {int(core.pair_item[k]): q for q, k in enumerate(own)}
            rows = [[0] * len(own) for _ in sets]
            for row, chosen in zip(rows, sets):
                for j in chosen:
                    row[at[j]] = 1
            core.model.add_allowed_assignments([core.x[k] for k in own], rows)
    if hint is not None:
        core.hint(hint)
    solver, stats = run(
        core.model,
        with_time(params, max(0.01, params.time_limit_seconds - (time.perf_counter() - t0))),
        name,
    )
    agent_of = (
        core.decode(solver, n) if stats.objective is not None else np.full(n, -1, dtype=np.int64)
    )
    return agent_of, stats
