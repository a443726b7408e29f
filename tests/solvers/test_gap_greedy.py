"""The regret heuristic (MTHG) for the generalised assignment problem: the same answers as
rescanning every job each round, fast enough to start the core on large instances."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solvers.assignment as assignment
from benchmarks.instances.gap_instances import GapInstance, gap_cost, generate_gap
from solvers.assignment import CoreParams, solve_gap
from solvers.gap_greedy import regret_assign, solve_gap_greedy


def _rescan(f: np.ndarray, weight: np.ndarray, capacity: np.ndarray) -> np.ndarray | None:
    """The textbook rule, every job's best two agents found again each round."""
    left = capacity.astype(float).copy()
    m, n = f.shape
    agent = np.full(n, -1, np.int64)
    todo = np.ones(n, bool)
    while todo.any():
        c = np.where((weight <= left[:, None]) & todo[None, :], f, np.inf)
        order = np.sort(c, axis=0)
        if (todo & ~np.isfinite(order[0])).any():
            return None
        with np.errstate(invalid="ignore"):  # inf - inf where a job has one agent left
            regret = np.where(np.isfinite(order[1]), order[1] - order[0], np.inf)
        j = int(np.argmax(np.where(todo, regret, -np.inf)))
        i = int(np.argmin(c[:, j]))
        agent[j], left[i], todo[j] = i, left[i] - weight[i, j], False
    return agent


@pytest.mark.parametrize("seed", range(5))
def test_keeping_each_jobs_best_two_gives_the_rescans_answer(seed):
    rng = np.random.default_rng(seed)
    m, n = 6, 60
    weight = rng.uniform(5, 25, (m, n))
    f = rng.uniform(10, 50, (m, n))  # no ties, so one answer
    capacity = 0.8 * weight.sum(axis=1) / m
    assert np.array_equal(regret_assign(f, weight, capacity), _rescan(f, weight, capacity))


def test_a_job_that_fits_nowhere_leaves_no_answer():
    inst = GapInstance(
        "tiny", np.array([[1, 2], [3, 4]]), np.array([[5, 9], [5, 9]]), np.array([5, 5])
    )
    res = solve_gap_greedy(inst.cost, inst.weight, inst.capacity)
    assert res.stats.status == "INFEASIBLE" and (res.agent_of_item == -1).all()


def test_the_regret_rule_puts_first_the_job_that_loses_most():
    """Job 1 loses 9 away from agent 0, job 0 only 1: job 1 takes agent 0's one place."""
    inst = GapInstance(
        "two", np.array([[1, 1], [2, 10]]), np.array([[5, 5], [5, 5]]), np.array([5, 5])
    )
    res = solve_gap_greedy(inst.cost, inst.weight, inst.capacity)
    assert res.agent_of_item.tolist() == [1, 0] and gap_cost(inst, res.agent_of_item) == 3


def test_eighty_agents_and_1600_jobs_in_well_under_a_second_per_measure():
    inst = generate_gap("C", 80, 1600, 3)
    t0 = time.perf_counter()
    res = solve_gap_greedy(inst.cost, inst.weight, inst.capacity)
    assert time.perf_counter() - t0 < 4.0  # four measures
    assert gap_cost(inst, res.agent_of_item) == res.stats.objective


def test_the_core_answers_with_the_heuristic_when_the_whole_model_finds_nothing(monkeypatch):
    """At 80 agents x 1,600 jobs the whole model finds no answer in a short time: where the LP
    is not solved in its share either, the core answers with the regret heuristic's (it
    answered nothing before)."""
    monkeypatch.setattr(assignment, "gap_lp_prices", lambda *args: None)
    inst = generate_gap("C", 80, 1600, 3)
    greedy = solve_gap_greedy(inst.cost, inst.weight, inst.capacity)
    res = solve_gap(inst.cost, inst.weight, inst.capacity, CoreParams(time_limit_seconds=2.0))
    names = [p.name for p in res.phases]
    assert names[:4] == ["gap", "gap-lp", "gap-greedy", "gap"] and res.phases[3].objective is None
    assert res.stats.objective == greedy.stats.objective
    assert gap_cost(inst, res.agent_of_item) == res.stats.objective
