"""Shift, swap and ejection descent (solvers.gap_moves): each move taken where it pays and
fits, left where it does not, and on random instances an answer never worse, always feasible,
and with no improving move left (checked by brute force)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from solvers.gap_moves import descend

LATER = 1e12  # a deadline that never comes


def _cost(cost: np.ndarray, agent_of: np.ndarray) -> int:
    return int(cost[agent_of, np.arange(len(agent_of))].sum())


def _feasible(weight: np.ndarray, capacity: np.ndarray, agent_of: np.ndarray) -> bool:
    load = np.bincount(
        agent_of, weights=weight[agent_of, np.arange(len(agent_of))], minlength=len(capacity)
    )
    return bool((load <= capacity).all())


def _run(cost, weight, capacity, start, deadline=LATER) -> np.ndarray:
    cost, weight, capacity = np.array(cost), np.array(weight), np.array(capacity)
    return descend(cost, weight, capacity, weight <= capacity[:, None], np.array(start), deadline)


def test_a_job_shifts_to_a_cheaper_agent_with_room():
    assert _run([[9], [2]], [[4], [4]], [5, 5], [0]).tolist() == [1]


def test_a_job_stays_where_the_cheaper_agent_has_no_room():
    # agent 1 holds job 1 (weight 4 of 5): job 0 (weight 4) does not fit beside it
    assert _run([[9, 9], [2, 1]], [[4, 4], [4, 4]], [8, 5], [0, 1]).tolist() == [0, 1]


def test_two_jobs_swap_where_neither_can_shift():
    # each agent holds one job of weight 4 in a capacity of 5; each job is cheaper at the other
    assert _run([[9, 1], [1, 9]], [[4, 4], [4, 4]], [5, 5], [0, 1]).tolist() == [1, 0]


def test_two_jobs_do_not_swap_when_the_exchange_overfills_an_agent():
    # job 1 weighs 6 at agent 0, whose capacity is 5: the swap does not fit
    assert _run([[9, 1], [1, 9]], [[4, 6], [4, 4]], [5, 5], [0, 1]).tolist() == [0, 1]


# job 0 is cheaper at agent 1, which job 1 fills; job 1 costs 100 at agent 0 (no swap) and 3 at
# agent 2, where it fits only if agent 2 holds 4
EJECT_COST = [[10, 100], [1, 1], [10, 3]]
EJECT_WEIGHT = [[4, 4], [4, 4], [4, 4]]


def test_a_job_ejects_another_that_has_somewhere_to_go():
    assert _run(EJECT_COST, EJECT_WEIGHT, [5, 5, 5], [0, 1]).tolist() == [1, 2]


def test_no_ejection_where_the_ejected_job_has_nowhere_to_go():
    assert _run(EJECT_COST, EJECT_WEIGHT, [5, 5, 3], [0, 1]).tolist() == [0, 1]


def test_a_pair_an_agent_cannot_hold_is_never_used():
    # agent 1 is cheaper for job 0 but the job's weight exceeds its capacity
    assert _run([[9], [1]], [[4], [9]], [5, 5], [0]).tolist() == [0]


def test_an_answer_with_an_unplaced_job_and_a_passed_deadline_are_returned_as_given():
    assert _run([[9], [2]], [[4], [4]], [5, 5], [-1]).tolist() == [-1]
    assert _run([[9], [2]], [[4], [4]], [5, 5], [0], deadline=time.perf_counter() - 1).tolist() == [
        0
    ]


@pytest.mark.parametrize("seed", range(6))
def test_random_answers_end_at_a_feasible_local_optimum_never_worse(seed):
    rng = np.random.default_rng(seed)
    m, n = 4, 30
    cost = rng.integers(10, 60, (m, n))
    weight = rng.integers(5, 25, (m, n))
    capacity = (weight.mean(axis=0).sum() / m * 1.3 * np.ones(m)).astype(np.int64)
    start = np.arange(n) % m
    while not _feasible(weight, capacity, start):  # a feasible start: rebalance at random
        start = rng.integers(0, m, n)
    a = _run(cost, weight, capacity, start)
    assert _feasible(weight, capacity, a)
    assert _cost(cost, a) <= _cost(cost, start)
    base = _cost(cost, a)
    for j in range(n):  # no improving shift
        for b in range(m):
            t = a.copy()
            t[j] = b
            assert not (_feasible(weight, capacity, t) and _cost(cost, t) < base)
    for j in range(n):  # no improving swap, and no improving ejection (j into k's agent, k out)
        for i in range(j + 1, n):
            t = a.copy()
            t[j], t[i] = a[i], a[j]
            assert not (_feasible(weight, capacity, t) and _cost(cost, t) < base)
        for k in range(n):
            for b in range(m):
                if a[k] != a[j] and b != a[k]:
                    t = a.copy()
                    t[j], t[k] = a[k], b
                    assert not (_feasible(weight, capacity, t) and _cost(cost, t) < base)
