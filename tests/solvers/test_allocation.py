"""The allocation solvers on plain arrays: reported objective = recomputed objective,
the greedy floor holds, and the calendar behind urgency counts working days."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from engine.core.calendar import deadline, working_days_elapsed
from solvers.allocation import AllocationParams, AllocationProblem, objective_terms
from solvers.registry import SOLVERS, get_solver


def random_problem(seed: int, n: int = 25, m: int = 8) -> AllocationProblem:
    rng = np.random.default_rng(seed)
    avail = rng.integers(800, 2200, m)
    existing = (avail * rng.uniform(0.7, 0.97, m)).astype(int)
    mask = rng.random((n, m)) < 0.6
    pc, pp = np.nonzero(mask)
    return AllocationProblem(
        case_ids=[f"c{i}" for i in range(n)],
        prac_ids=[f"p{j}" for j in range(m)],
        points=rng.choice([29, 50, 63, 115, 146], n),
        priority=100 + 20 * rng.integers(0, 6, n),
        available=avail,
        existing=existing,
        capacity=avail.copy(),
        grade_rank=rng.integers(0, 2, m),
        pair_case=pc,
        pair_prac=pp,
        pair_terms={"travel": rng.integers(5, 90, len(pc))},
    )


def _feasible(pr: AllocationProblem, a: np.ndarray) -> bool:
    pairs = set(zip(pr.pair_case.tolist(), pr.pair_prac.tolist()))
    ok_pairs = all((i, int(a[i])) in pairs for i in np.nonzero(a >= 0)[0])
    load = pr.loads(a)
    took = np.unique(a[a >= 0])
    return ok_pairs and bool((load[took] <= pr.capacity[took]).all())


@pytest.mark.parametrize("seed", range(5))
def test_cpsat_objective_matches_recomputation(seed):
    pr = random_problem(seed)
    params = AllocationParams(time_limit_seconds=1.5, workers=2)
    res = get_solver("cpsat")(pr, params)
    terms = objective_terms(pr, res.agent_of_item, params)
    assert _feasible(pr, res.agent_of_item)
    # Later phases hold earlier results as constraints, so they can only match or improve them.
    assert terms["priority"] >= res.phases[0].objective
    assert terms["peak_permille"] <= res.phases[1].objective
    assert res.phases[2].objective == terms["balance_objective"] == res.stats.objective
    if res.stats.status == "OPTIMAL":
        assert res.stats.gap == 0


@pytest.mark.parametrize("seed", range(5))
def test_cpsat_dominates_greedy(seed):
    pr = random_problem(seed, n=30)
    params = AllocationParams(time_limit_seconds=1.5, workers=2)
    cp = objective_terms(pr, get_solver("cpsat")(pr, params).agent_of_item, params)
    for name in ("greedy", "greedy-grade-first"):
        g_assign = get_solver(name)(pr, params).agent_of_item
        assert _feasible(pr, g_assign)
        g = objective_terms(pr, g_assign, params)
        assert cp["allocated"] >= g["allocated"]
        assert cp["priority"] >= g["priority"]


def test_registry_rejects_unknown_name():
    assert {"cpsat", "greedy", "greedy-grade-first"} <= set(SOLVERS)
    with pytest.raises(ValueError, match="unknown solver"):
        get_solver("magic")


def test_working_days_skip_weekends_and_bank_holidays(config):
    hol = config.calendar.bank_holidays
    sd = np.array(["2026-12-22", "2026-11-20"], dtype="datetime64[D]")
    # Tue 22 Dec + 5 working days skips Christmas Day and the Boxing Day substitute (28th).
    assert str(deadline(sd, 5, hol)[0]) == "2026-12-31"
    assert working_days_elapsed(sd, date(2026, 11, 23), hol).tolist() == [0, 1]


def test_local_search_moves_work_to_the_less_loaded():
    from solvers.local_search import improve_by_moves

    # Two practitioners, both eligible; the case starts with the busier one.
    pr = AllocationProblem(
        case_ids=["c"],
        prac_ids=["busy", "free"],
        points=np.array([100]),
        priority=np.array([100]),
        available=np.array([2000, 2000]),
        existing=np.array([1800, 1000]),
        capacity=np.array([2000, 2000]),
        grade_rank=np.array([0, 0]),
        pair_case=np.array([0, 0]),
        pair_prac=np.array([0, 1]),
        pair_terms={"travel": np.array([0, 30])},
    )
    params = AllocationParams()
    assert improve_by_moves(pr, np.array([0]), params).tolist() == [1]
    # ... but not past a peak it must hold, nor when travel outweighs the balance gain.
    assert improve_by_moves(pr, np.array([0]), params, peak_permille=520).tolist() == [0]
    pr.pair_terms = {"travel": np.array([0, 10**6])}
    assert improve_by_moves(pr, np.array([0]), params).tolist() == [0]


def _stopped_in_phase_one(pr: AllocationProblem):
    """The phases of a search stopped during phase 1 (the peak phase was then never run)."""
    from solvers.types import SolveStats

    upper = float(pr.priority.sum())
    return [
        SolveStats("FEASIBLE", 0.0, upper, 0.1, "allocate"),
        SolveStats("STOPPED", None, None, 0.0, "peak"),
    ], upper


def test_a_search_stopped_before_the_peak_phase_reports_the_filled_answer_with_its_bound():
    from solvers.allocation_cpsat import _completed

    pr = random_problem(3)
    params = AllocationParams(time_limit_seconds=1.0)
    phases, upper = _stopped_in_phase_one(pr)
    res = _completed(pr, np.full(pr.n_cases, -1), params, phases)
    assert (res.agent_of_item >= 0).any() and _feasible(pr, res.agent_of_item)
    terms = objective_terms(pr, res.agent_of_item, params)
    assert res.stats.objective == terms["priority"] and res.stats.bound == upper
    assert res.phases[1].status == "STOPPED"  # the phase never run is not made to report


def test_a_filled_balance_phase_drops_its_bound():
    from solvers.allocation_cpsat import _completed
    from solvers.types import SolveStats

    pr = random_problem(3)
    params = AllocationParams(time_limit_seconds=1.0)
    phases = [SolveStats("FEASIBLE", 1.0, 5.0, 0.1, "balance")]
    res = _completed(pr, np.full(pr.n_cases, -1), params, phases)
    terms = objective_terms(pr, res.agent_of_item, params)
    assert res.stats.objective == terms["balance_objective"] and res.stats.bound is None


def test_a_phase_stopped_before_its_first_solution_leaves_the_answer_before_it():
    """Stopped after the allocate phase's answer but before the peak phase found any: the run
    reports the allocate phase's objective and bound (the answer it keeps), as FEASIBLE."""
    from solvers.allocation_cpsat import _combine
    from solvers.types import SolveStats

    phases = [
        SolveStats("OPTIMAL", 40.0, 40.0, 0.5, "allocate"),
        SolveStats("UNKNOWN", None, 12.0, 0.2, "peak"),
        SolveStats("STOPPED", None, None, 0.0, "balance"),
    ]
    st = _combine(phases, 0.7)
    assert (st.status, st.objective, st.bound) == ("FEASIBLE", 40.0, 40.0)
    done = [SolveStats("OPTIMAL", 40.0, 40.0, 0.5, "allocate")] * 3
    assert _combine(done, 1.5).status == "OPTIMAL"
    nothing = [SolveStats("UNKNOWN", None, 50.0, 0.5, "allocate")]
    assert (_combine(nothing, 0.5).objective, _combine(nothing, 0.5).bound) == (None, 50.0)
