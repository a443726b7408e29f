"""The assignment core reaches the known optimum on public GAP instances."""

from __future__ import annotations

import time

import numpy as np
import pytest

from benchmarks.instances.gap_instances import gap_cost, read_gap, read_optima
from solvers.assignment import CoreParams, solve_gap

SMALL = [f"gap{k}-{j}" for k in range(1, 13) for j in range(5)]
CHU_EASY = ["a05100", "a10100", "b05100"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SMALL + CHU_EASY)
def test_gap_core_reaches_known_optimum(shared, name):
    folder = shared / "data" / "gap"
    inst = read_gap(folder / name, read_optima(folder)[name])
    res = solve_gap(
        inst.cost, inst.weight, inst.capacity, CoreParams(time_limit_seconds=30, workers=2)
    )
    assert res.stats.status == "OPTIMAL"
    assert gap_cost(inst, res.agent_of_item) == inst.optimum
    assert res.stats.objective == inst.optimum
    assert res.stats.gap == 0


def test_gap_checker_rejects_capacity_break():
    from benchmarks.instances.gap_instances import GapInstance

    inst = GapInstance(
        "tiny", np.array([[1, 2], [3, 4]]), np.array([[5, 5], [5, 5]]), np.array([5, 10])
    )
    assert gap_cost(inst, np.array([1, 1])) == 7
    with pytest.raises(ValueError, match="over capacity"):
        gap_cost(inst, np.array([0, 0]))
    with pytest.raises(ValueError, match="unassigned"):
        gap_cost(inst, np.array([0, -1]))


def test_gap_reader_rejects_truncated_file(tmp_path):
    p = tmp_path / "bad"
    p.write_text("2 3\n1 2 3\n")
    with pytest.raises(ValueError, match="expected"):
        read_gap(p)


class _Observer:
    """Stops after `after` reports (or at once with after=0); records what it was told."""

    def __init__(self, after: int):
        self.after, self.seen = after, []

    def stopped(self) -> bool:
        return len(self.seen) >= self.after

    def report(self, phase, objective, bound, force=False):
        self.seen.append((phase, objective, bound))


def test_stop_request_ends_the_search_with_the_best_solution_so_far():
    from ortools.sat.python import cp_model

    from solvers.assignment import CoreParams, run

    # A type-D generalised assignment (cost falls as weight rises, tight capacities): far more
    # than a minute's search to prove.
    rng = np.random.default_rng(1)
    agents, jobs = 10, 120
    w = rng.integers(1, 101, (agents, jobs))
    c = 111 - w + rng.integers(-10, 11, (agents, jobs))
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{a}_{j}") for j in range(jobs)] for a in range(agents)]
    for j in range(jobs):
        model.add_exactly_one(x[a][j] for a in range(agents))
    for a in range(agents):
        model.add(
            cp_model.LinearExpr.weighted_sum(x[a], w[a].tolist())
            <= int(0.8 * w.sum() / agents / agents)
        )
    model.minimize(
        sum(cp_model.LinearExpr.weighted_sum(x[a], c[a].tolist()) for a in range(agents))
    )
    obs = _Observer(after=1)
    solver, st = run(model, CoreParams(time_limit_seconds=60, observer=obs), "knapsack")
    assert st.status == "FEASIBLE" and st.objective is not None and st.seconds < 10
    assert obs.seen and obs.seen[0][0] == "knapsack"
    # asked to stop before it begins: no search at all
    _, st = run(model, CoreParams(time_limit_seconds=60, observer=_Observer(after=0)), "late")
    assert st.status == "STOPPED" and st.objective is None and st.seconds == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("target_share, last", [(0.0, "gap-neighbourhood"), (0.2, "gap-target")])
def test_gap_lagrangian_search_proves_what_the_first_solve_leaves_open(shared, target_share, last):
    """With a first solve too short to finish, the Lagrangian pricing and either the
    neighbourhood searches alone or the target solves at the bound (near-optimal knapsack
    tables) reach the optimum and prove it (c20100: 100 jobs, 20 tight agents; its Lagrangian
    bound rounds up to 1,242, one below the optimum, so the first target is proved empty)."""
    folder = shared / "data" / "gap"
    inst = read_gap(folder / "c20100", read_optima(folder)["c20100"])
    for first_share in (0.01, 0.025, 0.05):  # a busy machine may find nothing in the first
        res = solve_gap(  # 0.2 s: give the first solve more until it has an incumbent
            inst.cost,
            inst.weight,
            inst.capacity,
            CoreParams(time_limit_seconds=20),
            first_share=first_share,
            target_share=target_share,
        )
        if res.phases[0].status != "UNKNOWN":
            break
    names = [p.name for p in res.phases]
    assert "gap-lagrange" in names and names[-2] == last
    assert gap_cost(inst, res.agent_of_item) == res.stats.objective == inst.optimum
    assert res.stats.status == "OPTIMAL" and res.stats.bound == inst.optimum
    if target_share:
        targets = [p.status for p in res.phases if p.name == "gap-target"]
        assert targets[-1] == "OPTIMAL" and set(targets[:-1]) <= {"INFEASIBLE"}


def test_knapsack_columns_are_every_load_within_the_slack():
    """The enumeration against brute force on one agent (5 jobs): every subset within
    capacity whose profit is at most `slack` below the best, no other; None past the limit."""
    from itertools import combinations

    from solvers.lagrange import knapsack_columns

    profit = np.array([4.0, 3.0, 2.5, -0.5, 1.0])
    weight = np.array([3, 2, 2, 1, 4])
    usable = np.array([True, True, True, True, False])  # job 4 is not in this neighbourhood
    best = 4.0 + 3.0 + 2.5  # jobs 0, 1, 2 fill capacity 7
    for slack in (0.0, 0.6, 3.1):
        got = knapsack_columns(profit, weight, 7, best, slack, usable, 100)
        want = {
            s
            for r in range(5)
            for s in combinations(range(4), r)
            if weight[list(s)].sum() <= 7 and profit[list(s)].sum() >= best - slack - 1e-9
        }
        assert set(got) == want and len(got) == len(want)
    assert knapsack_columns(profit, weight, 7, best, 0.0, usable, 100) == [(0, 1, 2)]
    assert knapsack_columns(profit, weight, 7, best, 3.1, usable, 2) is None


def test_knapsack_columns_between_two_shortfalls():
    """With `above`, only the loads that fall short by more than `above` and at most `slack`
    (brute force on the same agent); the two sides of a split add up to the whole."""
    from itertools import combinations

    from solvers.lagrange import knapsack_columns

    profit = np.array([4.0, 3.0, 2.5, -0.5, 1.0])
    weight = np.array([3, 2, 2, 1, 4])
    usable = np.ones(5, dtype=bool)
    best = 9.5
    got = knapsack_columns(profit, weight, 7, best, 3.1, usable, 100, above=1.0)
    want = {
        s
        for r in range(6)
        for s in combinations(range(5), r)
        if weight[list(s)].sum() <= 7 and best - 3.1 - 1e-9 <= profit[list(s)].sum() < best - 1.0
    }
    assert set(got) == want and len(got) == len(want) > 0
    lower = knapsack_columns(profit, weight, 7, best, 1.0, usable, 100)
    assert sorted(lower + got) == sorted(
        knapsack_columns(profit, weight, 7, best, 3.1, usable, 100)
    )


def _every_answer(inst) -> list[tuple[int, tuple[int, ...]]]:
    """Brute force: (cost, agent per job) of every assignment the independent checker accepts."""
    from itertools import product

    out = []
    for agents in product(range(inst.cost.shape[0]), repeat=inst.cost.shape[1]):
        try:
            out.append((gap_cost(inst, np.array(agents)), agents))
        except ValueError:  # over some agent's capacity
            continue
    return out


def _split_instance():
    """A seeded 3 x 7 GAP whose loads at the optimum's cost are too many for tables of some
    `limit`, while the loads within half the slack fit: (instance, lag, every answer, limit)."""
    from dataclasses import replace

    from benchmarks.instances.gap_instances import GapInstance
    from solvers.lagrange import lagrange_bound

    for seed in range(200):
        rng = np.random.default_rng(seed)
        weight = rng.integers(2, 9, (3, 7))
        inst = GapInstance(
            f"split-{seed}",
            rng.integers(5, 25, (3, 7)),
            weight,
            (weight.sum(axis=1) * 0.45).astype(int),
        )
        answers = _every_answer(inst)
        inst = replace(inst, optimum=min(answers)[0])
        lag = lagrange_bound(inst.cost, inst.weight, inst.capacity, inst.optimum + 5.0, seconds=0.5)
        keep = lag.usable(inst.optimum)
        slack = inst.optimum - lag.bound
        full, half = (
            [
                len(lag.loads(inst.cost, inst.weight, inst.capacity, keep, g, most, 10_000))
                for g in range(3)
            ]
            for most in (slack, slack / 2)
        )
        if max(half) < max(full) and slack > 0.5:
            return inst, lag, answers, max(half)
    raise AssertionError("no seeded instance needs the split")


def test_target_parts_split_by_the_agent_that_falls_short_most(monkeypatch):
    """Where the whole tables do not fit, the parts (every agent within half the slack; then
    each agent beyond half, the others within) take in every answer at or below the target
    (brute force over all 3^7 assignments), and `_meet_bound` meets the optimum through them."""
    import solvers.assignment as core

    inst, lag, answers, limit = _split_instance()
    cost, weight, capacity, optimum = inst.cost, inst.weight, inst.capacity, inst.optimum
    monkeypatch.setattr(core, "COLUMN_LIMIT", limit)
    keep = lag.usable(optimum)
    assert (
        core.target_columns(lag, cost, weight, capacity, optimum, keep) is None
    )  # too many for one solve
    parts = list(core.target_parts(lag, cost, weight, capacity, optimum, keep))
    assert len(parts) == 4 and all(p is not None for p in parts)
    for a in [a for total, a in answers if total <= optimum]:
        loads = [tuple(j for j in range(7) if a[j] == g) for g in range(3)]
        assert any(all(p[g] is None or loads[g] in p[g] for g in range(3)) for p in parts), a
    allowed = np.ones_like(cost, dtype=bool)
    found, upper, lower, tried = core._meet_bound(
        cost,
        weight,
        capacity,
        allowed,
        lag,
        np.zeros(7, dtype=np.int64),
        optimum + 3,
        lag.integer_bound(),
        CoreParams(),
        30.0,
    )
    assert upper == lower == optimum == gap_cost(inst, found)
    assert tried[-1].status == "OPTIMAL" and {t.status for t in tried[:-1]} <= {"INFEASIBLE"}


def test_a_target_below_the_optimum_is_proved_empty_and_one_at_it_is_met():
    """Target solves on 2 agents x 3 jobs (optimum 6: jobs 0, 1 to agent 0, job 2 to agent 1):
    a target of 5 has no answer (INFEASIBLE), a target of 6 gives the optimum."""
    from solvers.assignment import _solve_gap_pairs, target_columns
    from solvers.lagrange import lagrange_bound

    cost = np.array([[1, 2, 9], [5, 6, 3]])
    weight = np.array([[2, 2, 2], [2, 2, 2]])
    capacity = np.array([4, 4])
    lag = lagrange_bound(cost, weight, capacity, 8.0, seconds=1.0)
    keep = np.ones_like(cost, dtype=bool)
    assert lag.bound <= 6 + 1e-6
    for target, status in ((5, "INFEASIBLE"), (6, "OPTIMAL")):
        columns = target_columns(lag, cost, weight, capacity, target, keep)
        found, st = _solve_gap_pairs(
            cost,
            weight,
            capacity,
            keep,
            CoreParams(time_limit_seconds=5),
            None,
            "t",
            (target, columns),
        )
        assert st.status == status
    assert found.tolist() == [0, 0, 1] and st.objective == 6


@pytest.mark.slow
def test_gap_bound_never_passes_the_optimum(shared):
    folder = shared / "data" / "gap"
    inst = read_gap(folder / "c10200", read_optima(folder)["c10200"])
    res = solve_gap(inst.cost, inst.weight, inst.capacity, CoreParams(time_limit_seconds=3))
    assert (
        res.stats.bound <= inst.optimum <= gap_cost(inst, res.agent_of_item) == res.stats.objective
    )


def test_neighbourhoods_widen_after_a_timeout_and_a_finished_whole_search_proves():
    """The search loop's rule, on a made-up pricing (2 agents, 4 jobs, all in agent 0's
    relaxed answer; agent 1's pairs cost 0.4, 0.7, 1.0 and 3.0 to flip): the first
    neighbourhood holds about 1.6 pairs per job, a search that runs out of time without gain
    is followed by a wider one with more time, a finished one without gain by a wider one,
    and a finished search over every pair left proves the incumbent."""
    from solvers.assignment import search_near_bound
    from solvers.lagrange import LagrangeBound
    from solvers.types import SolveStats

    taken = np.array([[True] * 4, [False] * 4])
    penalty = np.array([[0.0] * 4, [0.4, 0.7, 1.0, 3.0]])
    lag = LagrangeBound(np.zeros(4), 10.0, taken, penalty, 0)
    incumbent, upper = np.zeros(4, dtype=np.int64), 20.0
    answers = iter(["FEASIBLE", "FEASIBLE", "OPTIMAL", "OPTIMAL"])
    seen = []

    def solve_pairs(keep, params, hint, prices):
        seen.append((int(keep.sum()), round(params.time_limit_seconds, 2)))
        return hint, SolveStats(next(answers), upper, 10.0, 0.0, "fake")

    out, best, lower, phases = search_near_bound(
        lag,
        np.ones((2, 4), dtype=bool),
        incumbent,
        upper,
        11.0,
        solve_pairs,
        CoreParams(),
        time.perf_counter() + 60,
        1.0,
        pairs_per_item=1.6,
    )
    assert [k for k, _ in seen] == [
        6,
        7,
        7,
        8,
    ]  # 0.7 (6 of 6.4 pairs) -> 1.05 -> 1.575 (timed out twice) -> 3.15
    assert [s for _, s in seen[:3]] == [1.0, 1.5, 2.25]  # time grows only after a timeout
    assert seen[3][1] > 50  # the last, whole search may take the rest
    assert best == lower == upper and len(phases) == 4 and (out == incumbent).all()
    seen.clear()
    answers = iter(["OPTIMAL"] * 4)
    search_near_bound(
        lag,
        np.ones((2, 4), dtype=bool),
        incumbent,
        upper,
        11.0,
        solve_pairs,
        CoreParams(),
        time.perf_counter() + 60,
        1.0,
    )
    assert [k for k, _ in seen] == [
        5,
        7,
        7,
        8,
    ]  # unsized (the p-median search): 0.5 -> 1.0 -> 2.0 -> 4.0 (whole)


@pytest.mark.parametrize(
    "kind, agents, jobs", [("D", 40, 400), pytest.param("E", 20, 900, marks=pytest.mark.slow)]
)
def test_the_whole_solve_keeps_its_time_limit(kind, agents, jobs):
    """One deadline for every phase (the whole model, the Lagrangian ascent, the target and
    neighbourhood searches): a solve too big to finish ends within 5% of its limit (or 0.5 s),
    where it ran on for seconds when each phase took its own share of the limit."""
    from benchmarks.instances.gap_instances import generate_gap

    inst = generate_gap(kind, agents, jobs, 7)
    limit = 3.0
    t0 = time.perf_counter()
    res = solve_gap(inst.cost, inst.weight, inst.capacity, CoreParams(time_limit_seconds=limit))
    took = time.perf_counter() - t0
    assert took <= limit + max(0.05 * limit, 0.5), took
    assert res.stats.objective is None or gap_cost(inst, res.agent_of_item) == res.stats.objective
