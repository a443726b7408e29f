"""All programmes planned together (`mip`): a facilitator trained for two programmes goes to
the programme that starts more people, whatever order the programmes come in, and each
programme's people started are proved against a bound (every plan through the checker)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from engine.core.progress import FileProgress
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import tables
from engine.groups.plan import build_plans, solve_plans, solver_params
from geo.travel import TravelTimes
from solvers import groups_mip, groups_rounds
from solvers import processes as processes_module
from solvers.groups import GroupsParams, GroupsResult, quarter_bound, solve_greedy
from solvers.groups_mip import (
    JOINT_ENOUGH_OF_LP,
    _block,
    _budgets,
    _competing,
    _enough,
    _fill,
    _pair_losses,
    _WholeBound,
    solve_again_without,
)
from solvers.groups_model import (
    LEX,
    _appointment_flow,
    fits_together,
    placed_count,
    placed_total,
    proving_bound,
    put_together,
    tighter_bound,
    whole_people,
)
from solvers.groups_rounds import (
    FIRST_ROUND_MIN_SECONDS,
    GIVEN_OTHERS_SHARE,
    _by_deadline,
    _first_round,
    _given_others,
    _improve,
    _Proofs,
    _Rounds,
    _settle,
    _take_gains,
)
from solvers.highs import HighsParams
from solvers.processes import Runner
from solvers.types import SolveStats
from tests.builders import facilitator, programme, referral, running_group, venue, write_groups

START = date(2026, 11, 23)  # a Monday


def _quarter(tmp_path, config):
    """SI-EM has the more referrals, so it is planned first in turn, but only three of them
    can come on Monday mornings; all five SI-DA referrals can. The one facilitator trained in
    both runs one session a week, so only one of the two 20-week groups can run."""
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(3)]
    refs += [referral(f"W{k}", available_slots="Wed-PM") for k in range(3)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(5)]
    write_groups(
        tmp_path,
        refs,
        [programme(sessions=20), programme("SI-DA", sessions=20)],
        [venue(available_slots="Mon-AM;Wed-PM")],
        [
            facilitator(
                trained_programmes="SI-EM;SI-DA", available_slots="Mon-AM", max_sessions_per_week=1
            )
        ],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    assert [p.programme["programme"] for p in plans] == ["SI-EM", "SI-DA"]
    return ds, times, plans, res, meta


def started_vector(ds, times, plans, results, meta, config) -> dict[str, int]:
    groups, members, _, _ = tables(plans, results, meta, config)
    assert check_groups(ds, groups, members, config, times) == []
    if members.empty:
        return {}
    programme_of = groups.set_index("group_id")["programme"]
    return members["group_id"].map(programme_of).value_counts().to_dict()


def test_a_shared_facilitator_goes_to_the_programme_that_starts_more(tmp_path, config):
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    params = solver_params(config, 5.0)
    in_turn, _ = solve_plans(plans, res, "cpsat", params)
    assert started_vector(ds, times, plans, in_turn, meta, config) == {"SI-EM": 3}
    joint, _ = solve_plans(plans, res, "mip", params)
    assert started_vector(ds, times, plans, joint, meta, config) == {"SI-DA": 5}
    # proved: with every room and facilitator SI-EM could start its three Monday people and
    # SI-DA its five; given the facilitator runs the SI-DA group, SI-EM can start nobody
    assert [r.started_bound_alone for r in joint] == [3.0, 5.0]
    assert [r.started_bound for r in joint] == [0.0, 5.0]


def test_programmes_competing_for_a_facilitator_are_bounded_together(tmp_path, config):
    """Alone, SI-EM could start 3 and SI-DA 5: the sum, 8, drops their competition for the one
    facilitator. Solved alone together as one block they are proved at 5 (the plan's 5)."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    joint, _ = solve_plans(plans, res, "mip", solver_params(config, 5.0))
    assert [set(r.together[0]) for r in joint if r.together is not None] == [{0, 1}, {0, 1}]
    assert quarter_bound(joint) == 5.0
    no_block = replace(solver_params(config, 5.0), block_pairs=0, quarter_lp=False)
    alone, _ = solve_plans(plans, res, "mip", no_block)
    assert [r.together for r in alone] == [None, None] and quarter_bound(alone) == 8.0
    quarter, _ = solve_plans(plans, res, "mip", replace(no_block, quarter_lp=True))
    assert [(set(r.together[0]), r.together[1]) for r in quarter] == [({0, 1}, 5.0)] * 2
    assert quarter_bound(quarter) == 5.0  # the whole quarter's presolved LP, without a block


@pytest.mark.parametrize("mip_proves, bound", [(True, 5.0), (False, 5.0)])
def test_a_blocks_lp_bounds_it_where_its_mip_proves_nothing_in_time(
    tmp_path, config, monkeypatch, mip_proves, bound
):
    """The block's MIP (SI-EM's, with SI-DA) proving nothing in its time, as on a slow
    machine, its presolved LP still bounds the two together at 5 (the one facilitator's
    week), where their sum alone is 8; the whole quarter's LP is off, so nothing else does."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    real = groups_mip._alone

    def no_block_bound(*args):
        found = real(*args)
        return found if mip_proves else replace(found, together=None)

    monkeypatch.setattr(groups_mip, "_alone", no_block_bound)
    params = replace(solver_params(config, 5.0), quarter_lp=False)
    joint, _ = solve_plans(plans, res, "mip", params)
    assert [(set(r.together[0]), r.together[1]) for r in joint] == [({0, 1}, bound)] * 2
    assert quarter_bound(joint) == bound


@pytest.mark.parametrize("room, with_bbr", [(10_000, True), (0, False)])
def test_the_blocks_pairs_left_take_the_smallest_other_programmes(tmp_path, config, room, with_bbr):
    """SI-EM and SI-DA compete for one facilitator, so they form the block; BBR, on a venue,
    slot and facilitator of its own, loses nothing beside them, yet joins the block where its
    pairs fit within `block_pairs`, and not where they do not. The pairs the rounds try
    together (`_competing`) begin with SI-EM and SI-DA."""
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(3)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(5)]
    refs += [referral(f"B{k}", programme="BBR", available_slots="Tue-AM") for k in range(3)]
    write_groups(
        tmp_path,
        refs,
        [programme(sessions=20), programme("SI-DA", sessions=20), programme("BBR")],
        [venue(available_slots="Mon-AM"), venue("V2", available_slots="Tue-AM")],
        [
            facilitator(
                trained_programmes="SI-EM;SI-DA", available_slots="Mon-AM", max_sessions_per_week=1
            ),
            facilitator("F2", trained_programmes="BBR", available_slots="Tue-AM"),
        ],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, _ = build_plans(ds, config, times, START)
    problems = [p.problem for p in plans]
    names = [p.programme["programme"] for p in plans]
    pairs = {n: len(pr.pair_person) for n, pr in zip(names, problems)}
    two = pairs["SI-EM"] + pairs["SI-DA"]
    params = replace(solver_params(config, 5.0), block_pairs=two + room)
    block = [names[q] for q in _block(problems, res, params)]
    assert set(block) == ({"SI-EM", "SI-DA", "BBR"} if with_bbr else {"SI-EM", "SI-DA"})
    # the pairs the rounds try together: the two that compete first, then the others
    competing = [{names[a], names[b]} for a, b in _competing(_pair_losses(problems, res, params))]
    assert competing[0] == {"SI-EM", "SI-DA"} and len(competing) == 3


@pytest.mark.parametrize("processes, bound", [(2, 5.0), (1, 8.0)])
def test_the_whole_quarters_bound_runs_on_a_process_of_the_pool_after_the_joint_step(
    tmp_path, config, monkeypatch, processes, bound
):
    """No core spare beside the pool's two, and the deadline never leaving the bound time
    after the rounds: with two processes it is begun on one of them once the joint step ends
    (the rounds on the other) and proves the 5; with one process nothing proves less than
    the sum alone, 8."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    monkeypatch.setattr(processes_module, "_cores", lambda: 2)
    monkeypatch.setattr(groups_mip, "QUARTER_LP_SECONDS_PER_PAIR", 1e9)
    params = replace(
        solver_params(config, 5.0),
        block_pairs=0,
        processes=processes,
        processes_from_pairs=0,
    )
    results, _ = solve_plans(plans, res, "mip", params)
    assert quarter_bound(results) == bound
    assert started_vector(ds, times, plans, results, meta, config) == {"SI-DA": 5}


@pytest.mark.parametrize("wider_pairs, widened", [(10**6, True), (0, False)])
def test_a_quarter_too_large_for_the_wider_model_bounds_the_whole_quarter_from_step_one(
    tmp_path, config, monkeypatch, wider_pairs, widened
):
    """Two processes, no core spare beside them. Below `wider_model_pairs`, the settled start
    has each programme's LP given the others' beside it (the wider joint model's groups) and
    the whole quarter's bound waits for the joint step; from it, none, and the whole quarter's
    bound holds a process from the settled start on. Either way it proves the 5."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    monkeypatch.setattr(processes_module, "_cores", lambda: 2)
    monkeypatch.setattr(groups_mip, "QUARTER_LP_SECONDS_PER_PAIR", 1e9)
    seen: list[tuple[list[str], int]] = []
    real = Runner.map

    def map_seen(self, fn, jobs, *args, **kwargs):
        names = [job[0].__name__ if fn is groups_mip._call else fn.__name__ for job in jobs]
        seen.append((names, sum(not f.done() for f in self.started)))
        return real(self, fn, jobs, *args, **kwargs)

    monkeypatch.setattr(Runner, "map", map_seen)
    params = replace(
        solver_params(config, 5.0),
        block_pairs=0,
        processes=2,
        processes_from_pairs=0,
        wider_model_pairs=wider_pairs,
    )
    results, _ = solve_plans(plans, res, "mip", params)
    settled = next(k for k, (names, _) in enumerate(seen) if "_own_together" in names)
    names, holding = seen[settled]
    assert ("_support_given" in names) is widened and holding == (0 if widened else 1)
    assert len(seen[settled + 1][0]) == (2 if widened else 1)  # the joint models
    assert quarter_bound(results) == 5.0
    assert started_vector(ds, times, plans, results, meta, config) == {"SI-DA": 5}


def test_a_programme_solved_again_without_its_group_keeps_its_bounds(tmp_path, config):
    """SI-DA's five start in the one group the shared facilitator can run. Solved again
    without that group's candidate (as where the booking could not run it), SI-DA starts its
    five in another of its candidate groups, beside SI-EM's plan (the checker passes it), and
    keeps its bounds; without every SI-DA candidate, nobody of SI-DA starts."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    params = solver_params(config, 5.0)
    results, _ = solve_plans(plans, res, "mip", params)
    (group,) = results[1].facilitators
    again = solve_again_without(
        [p.problem for p in plans], res, results, {1: ({group}, set())}, params, 5.0
    )
    assert group not in again[1].facilitators
    assert started_vector(ds, times, plans, again, meta, config) == {"SI-DA": 5}
    assert again[1].started_bound == results[1].started_bound
    assert again[1].stats.objective == 5.0
    pr = plans[1].problem
    every = {int(c) for c in pr.pair_cand}
    none = solve_again_without(
        [p.problem for p in plans], res, results, {1: (every, set())}, params, 5.0
    )
    assert none[1].facilitators == {} and none[1].stats.objective == 0.0


def test_programmes_that_share_nothing_are_bounded_one_by_one(tmp_path, config):
    """Two programmes with their own venues, slots and facilitators: their plans alone lose
    nobody put together, so no block is formed and the quarter's bound is their sum alone."""
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(4)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Tue-AM") for k in range(4)]
    write_groups(
        tmp_path,
        refs,
        [programme(), programme("SI-DA")],
        [venue(available_slots="Mon-AM"), venue("V2", available_slots="Tue-AM")],
        [
            facilitator(available_slots="Mon-AM"),
            facilitator("F2", trained_programmes="SI-DA", available_slots="Tue-AM"),
        ],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    params = solver_params(config, 5.0)
    assert _block([p.problem for p in plans], res, params) == []
    results, _ = solve_plans(plans, res, "mip", params)
    assert [r.together for r in results] == [None, None]
    assert quarter_bound(results) == 8.0 == sum(r.started_bound_alone for r in results)


def test_the_order_programmes_come_in_does_not_decide_who_starts(tmp_path, config):
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    params = solver_params(config, 5.0)
    for solver, changes in (("cpsat", True), ("greedy", True), ("mip", False)):
        given = started_vector(
            ds, times, plans, solve_plans(plans, res, solver, params)[0], meta, config
        )
        back = plans[::-1]
        other = started_vector(
            ds, times, back, solve_plans(back, res, solver, params)[0], meta, config
        )
        assert (sum(given.values()) != sum(other.values())) == changes, solver


def test_running_groups_over_a_facilitators_week_leave_the_model_solvable(tmp_path, config):
    """History may overbook: two running groups give F1 two sessions in weeks where F1 has one.
    F1 can take nothing more (no group, no pre-group appointment), but the others still plan."""
    refs = [referral(f"P{k}") for k in range(4)]
    running = [
        running_group("R1"),
        running_group("R2", slots="Tue-AM", person_ids="M4;M5;M6"),
    ]
    write_groups(
        tmp_path,
        refs,
        [programme()],
        [venue(rooms=3)],
        [facilitator("F1", max_sessions_per_week=1), facilitator("F2")],
        running,
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    results, _ = solve_plans(plans, res, "mip", solver_params(config, 5.0))
    groups, members, _, _ = tables(plans, results, meta, config)
    assert check_groups(ds, groups, members, config, times, START) == []
    assert len(members) == 4 and results[0].started_bound == 4.0
    assert set(groups.loc[groups["status"] == "NEW", "facilitator_ids"]) == {"F2"}


def _in_processes(config, seconds: float = 5.0):
    """The params of a quarter large enough for the programmes to be solved in two processes
    (every quarter is, from 0 pairs)."""
    return replace(solver_params(config, seconds), processes=2, processes_from_pairs=0)


def test_programmes_solved_in_two_processes_plan_as_in_one(tmp_path, config):
    """Two processes: the programmes alone in parallel, and the narrow and wide joint models
    side by side. The same proved plan as one process (the small quarter is solved exactly)."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    joint, _ = solve_plans(plans, res, "mip", _in_processes(config))
    assert started_vector(ds, times, plans, joint, meta, config) == {"SI-DA": 5}
    assert [r.started_bound_alone for r in joint] == [3.0, 5.0]
    assert [r.started_bound for r in joint] == [0.0, 5.0]


def test_an_observer_that_cannot_cross_to_a_process_keeps_the_solve_here():
    class InMemory:
        def __init__(self) -> None:
            self.stop = lambda: False  # a lambda does not pickle

    with Runner(2, InMemory()) as runner:  # type: ignore[arg-type]
        assert not runner.parallel
        assert runner.map(divmod, [(7, 2), (9, 4)]) == [(3, 1), (2, 1)]
    with Runner(2, FileProgress("/nonexistent")) as runner:
        assert runner.parallel
        assert runner.map(divmod, [(7, 2), (9, 4)], [1, 5]) == [(3, 1), (2, 1)]


def test_a_stop_request_reaches_the_programmes_in_other_processes(tmp_path, config):
    """A stop already asked for reaches the solves in the processes: none proves a bound (run
    to the end they prove 3 and 5), and the plan kept is still a checked one."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    observer = FileProgress(str(tmp_path))
    observer.request_stop()
    results, _ = solve_plans(plans, res, "mip", _in_processes(config), observer)
    assert [r.started_bound_alone for r in results] == [None, None]
    started_vector(ds, times, plans, results, meta, config)  # through the checker


class _Reports:
    """Records each report; asks for a stop once `after` have come (None: never)."""

    def __init__(self, after: int | None = None) -> None:
        self.seen: list[tuple[str, float | None]] = []
        self.after = after

    def stopped(self) -> bool:
        return self.after is not None and len(self.seen) >= self.after

    def report(self, phase, objective, bound, force=False) -> None:
        self.seen.append((phase, objective))

    def for_part(self, part: str) -> _Reports:
        return self


def test_the_first_come_first_served_plan_is_reported_first_and_kept_on_a_stop(tmp_path, config):
    """The first-come-first-served plan (in the solver's own programme order: SI-DA's five
    first) is reported before any MIP runs, so a stop that comes then (a Ctrl-C with
    --keep-best) has a plan to keep: that one, checked."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    seen = _Reports()
    solve_plans(plans, res, "mip", solver_params(config), seen)
    assert seen.seen[0] == ("started, first come first served", 5.0)
    assert seen.seen[-1][1] == 5.0  # here the MIPs find no more
    stop = _Reports(after=1)
    results, _ = solve_plans(plans, res, "mip", solver_params(config), stop)
    assert stop.seen[0] == ("started, first come first served", 5.0)
    assert started_vector(ds, times, plans, results, meta, config) == {"SI-DA": 5}


def test_each_programme_has_time_by_its_pairs_beyond_an_even_share():
    """A programme of 4,500 person-group pairs (the seed 11 quarter's TSP, whose LP alone takes
    3.6 s) has more of the time than one of 400, and the programmes' total is unchanged."""
    params = GroupsParams(time_limit_seconds=12.0, even_share=0.33)
    big, small = _budgets([4500, 400], params)
    assert big + small == pytest.approx(24.0)
    assert big > 3 * small and small >= 24.0 * 0.33 / 2
    assert _budgets([0, 0], params) == [12.0, 12.0]
    assert whole_people(-245.4) == 245.0 and whole_people(None) is None  # people started are whole


def test_a_result_and_its_alternative_name_their_block_in_the_order_given():
    """Programmes solved in the order [2, 0, 1]: a block of the first two solved is programmes
    2 and 0 as given, in the result and in the plans before a settlement beside it."""
    stats = SolveStats("FEASIBLE", None, None, 0.0)
    before = GroupsResult(np.array([-1]), {}, stats, together=((0, 1), 5.0))
    r = GroupsResult(np.array([-1]), {}, stats, together=((0, 1), 5.0), alternative=before)
    out = groups_mip._given_order(r, [2, 0, 1])
    assert out.together == ((2, 0), 5.0)
    assert out.alternative is not None and out.alternative.together == ((2, 0), 5.0)


def test_the_starts_appointments_cover_every_group_where_some_order_does():
    """Two groups of three, the first able to meet F0 or F1 in week 0, the second only F0;
    each has one half-day left (3 appointments). Taking the first group's first option, F0,
    would leave the second none; the flow gives the first F1 and the second F0. Where F1 has
    no half-day left, only one group is covered (the start left short)."""
    edges = [(0, (0, 0), 10), (0, (1, 0), 11), (1, (0, 0), 12)]
    left = np.array([[1], [1]])
    assert _appointment_flow([3, 3], edges, left, 3) == [0, 3, 3]
    short = _appointment_flow([3, 3], edges, np.array([[1], [0]]), 3)
    assert sum(short) == 3


def test_a_bound_proves_a_plan_as_soon_as_it_rules_out_one_more_start():
    """The bound MIPs stop at `proving_bound(n)`: a dual bound there proves n people started the
    most (none of n + 1), one a little below it does not."""
    assert whole_people(proving_bound(7)) == 7.0
    assert whole_people(proving_bound(7) + 0.4) == 7.0
    assert (
        whole_people(-7.7) == 7.0 and proving_bound(7) < -7.7
    )  # a fractional bound below 8 proves 7
    assert whole_people(proving_bound(7) - 1e-5) == 8.0


def test_a_programmes_bound_given_the_others_is_never_above_its_bound_alone():
    """A solve beside the others' groups stopped before it proved much leaves the bound alone
    (every room and facilitator) the tighter; with none beside the others, the one alone."""
    assert tighter_bound(346.0, 242.0) == 242.0
    assert tighter_bound(240.0, 242.0) == 240.0
    assert tighter_bound(None, 242.0) == 242.0 and tighter_bound(240.0, None) == 240.0
    assert tighter_bound(None, None) is None


def test_a_plan_found_beside_the_others_fits_only_where_their_plans_leave_room(tmp_path, config):
    """Each programme solved again beside the same plan may take what it left free: SI-EM's
    Monday group fits beside an SI-DA plan with no group, not beside one whose group has the
    one facilitator both need (one session a week)."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    params = solver_params(config, 5.0)
    in_turn, _ = solve_plans(plans, res, "cpsat", params)
    joint, _ = solve_plans(plans, res, "mip", params)
    problems = [p.problem for p in plans]
    em = (in_turn[0].cand_of_person, in_turn[0].facilitators)
    assert em[1] and not joint[0].facilitators and joint[1].facilitators
    with_da = [em, (joint[1].cand_of_person, joint[1].facilitators)]
    assert not fits_together(problems, res, with_da)
    without_da = [em, (joint[1].cand_of_person * 0 - 1, {})]
    assert fits_together(problems, res, without_da)


def _one_facilitator_for_both(tmp_path, config):
    """Three SI-EM and three SI-DA referrals on Monday mornings, a venue with two rooms, F1
    trained for both programmes and F2 for SI-EM only: the joint plan runs both groups, SI-DA's
    with F1 and SI-EM's with F2; `given` is that plan with SI-EM's group on F1 and no SI-DA
    group (20 sessions: every start overlaps)."""
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(3)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(3)]
    write_groups(
        tmp_path,
        refs,
        [programme(sessions=20), programme("SI-DA", sessions=20)],
        [venue(rooms=2, available_slots="Mon-AM")],
        [
            facilitator("F1", trained_programmes="SI-EM;SI-DA", available_slots="Mon-AM"),
            facilitator("F2", available_slots="Mon-AM"),
        ],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    params = solver_params(config, 5.0)
    em, da = [[p.programme["programme"] for p in plans].index(n) for n in ("SI-EM", "SI-DA")]
    joint, _ = solve_plans(plans, res, "mip", params)
    assert all(len(r.facilitators) == 1 for r in joint)
    (da_fac,) = next(iter(joint[da].facilitators.values()))
    em_group = next(iter(joint[em].facilitators))
    given = [(r.cand_of_person, r.facilitators) for r in joint]
    given[em] = (joint[em].cand_of_person, {em_group: [da_fac]})
    given[da] = (joint[da].cand_of_person * 0 - 1, {})
    return (ds, times, plans, res, meta, params), (em, da), joint, given


def test_a_programme_solved_again_may_move_the_others_facilitators(tmp_path, config):
    """Beside a plan whose SI-EM group has the one facilitator trained for SI-DA too, SI-DA
    solved again starts its group by giving SI-EM's the other facilitator (the SI-EM group
    kept: its time, venue and members), and its bound given the others' groups is 3, not 0
    as when their facilitators were held too."""
    (ds, times, plans, res, meta, params), (em, da), joint, given = _one_facilitator_for_both(
        tmp_path, config
    )
    problems = [p.problem for p in plans]
    new, bound = _given_others(problems, res, given, da, params, HighsParams(5.0), 1.0)
    assert bound == 3
    assert new[em][1] == joint[em].facilitators  # on F2 again
    assert (new[em][0] == joint[em].cand_of_person).all()
    assert int((new[da][0] >= 0).sum()) == 3
    stats = SolveStats("FEASIBLE", None, None, 0.0)
    results = [GroupsResult(cand_of, facs, stats) for cand_of, facs in new]
    assert started_vector(ds, times, plans, results, meta, config) == {"SI-EM": 3, "SI-DA": 3}


@pytest.mark.parametrize("on_for", [None, 30.0])
def test_the_first_joint_model_runs_on_past_its_seconds_while_it_has_nothing_better(
    tmp_path, config, monkeypatch, on_for
):
    """From a start with nobody placed and no seconds of its own (`joint_seconds` 0), the
    joint model given `on_until` has the seconds to it for its MIP over the LP's groups (and
    places all six), then no whole-model solve (its own seconds are gone); without it, that
    MIP has the least a solve is given, as the second model beside it would."""
    (_, _, plans, res, _, params), _, joint, _ = _one_facilitator_for_both(tmp_path, config)
    problems = [p.problem for p in plans]
    nobody = [replace(r, cand_of_person=r.cand_of_person * 0 - 1, facilitators={}) for r in joint]
    allowed = [np.ones(len(pr.cand_venue), bool) for pr in problems]
    limits: dict[str, float] = {}
    real = groups_mip.solve

    def recorded(model, hp, name="lp", *args):
        limits[name] = hp.time_limit_seconds
        return real(model, hp, name, *args)

    monkeypatch.setattr(groups_mip, "solve", recorded)
    params = replace(params, joint_seconds=0.0)
    on_until = None if on_for is None else time.perf_counter() + on_for
    out = groups_mip._joint(problems, res, allowed, nobody, params, HighsParams(5.0), on_until)
    if on_for is None:
        assert limits["groups-joint-support"] < 0.2
    else:  # the MIP stops once it has a better plan: the long limit costs the test nothing
        assert 15.0 < limits["groups-joint-support"] < on_for
        assert sum(placed_count(plan) for plan in out.plans) == 6
    assert "groups-joint" not in limits


@pytest.mark.parametrize("pool, asked", [(30, 30), (0, None)])
def test_a_search_beside_the_others_holds_its_cut_pool_to_the_config(
    tmp_path, config, monkeypatch, pool, asked
):
    """The MIP beside the others' groups runs with the cut pool `beside_cut_pool` sets (the
    shipped config: 30), or HiGHS's own where it is 0; and finds SI-DA's group either way."""
    (_, _, plans, res, _, params), (em, da), _, given = _one_facilitator_for_both(tmp_path, config)
    assert solver_params(config).beside_cut_pool == config.groups.beside_cut_pool == 30
    problems = [p.problem for p in plans]
    pools = []
    real = groups_rounds.solve

    def recorded(model, hp, *args):
        if hp.stop_at_bound is not None:  # the search for more started (then the waits)
            pools.append(hp.cut_pool)
        return real(model, hp, *args)

    monkeypatch.setattr(groups_rounds, "solve", recorded)
    params = replace(params, beside_cut_pool=pool)
    new, bound = _given_others(problems, res, given, da, params, HighsParams(5.0), 1.0)
    assert pools == [asked]
    assert bound == 3 and int((new[da][0] >= 0).sum()) == 3


def test_a_plan_its_presolved_lp_proves_beside_the_others_is_not_searched(
    tmp_path, config, monkeypatch
):
    """Beside the joint plan (both groups running), SI-DA's three are all it can start: its
    presolved LP proves it, so no MIP runs and the plans stay as they are; beside a plan with
    no SI-DA group the MIP runs (the test above)."""
    (_, _, plans, res, _, params), (em, da), joint, _ = _one_facilitator_for_both(tmp_path, config)
    problems = [p.problem for p in plans]
    now = [(r.cand_of_person, r.facilitators) for r in joint]

    def no_search(*args, **kwargs):
        raise AssertionError("a MIP searched a plan already proved")

    monkeypatch.setattr(groups_rounds, "solve", no_search)
    new, bound = _given_others(problems, res, now, da, params, HighsParams(5.0), 1.0)
    assert bound == 3 and new is now


def test_an_answer_that_moved_the_others_facilitators_is_taken_whole(tmp_path, config):
    """SI-DA's new group does not fit beside the plan as it was (SI-EM's group holds the one
    facilitator trained for both), so its answer is taken whole, SI-EM's group moved to the
    other facilitator; an answer starting no more is not taken."""
    (_, _, plans, res, _, _), (em, da), joint, given = _one_facilitator_for_both(tmp_path, config)
    problems = [p.problem for p in plans]
    new = [(r.cand_of_person, r.facilitators) for r in joint]
    assert _take_gains(problems, res, given, [(da, new)]) == new
    assert _take_gains(problems, res, given, [(em, new)]) == given  # SI-EM gains nothing


def test_a_gain_that_took_the_same_facilitator_is_fitted_with_another(tmp_path, config):
    """Solved again beside a plan with no groups, SI-DA starts its three with F1 and SI-EM
    its three with F1 too, at the same time. SI-DA's gain is taken first; SI-EM's group, which
    neither its answer nor its own plan fits beside it, is fitted with F2, the other
    facilitator trained for it, and runs: the joint plan."""
    (_, _, plans, res, _, _), (em, da), joint, given = _one_facilitator_for_both(tmp_path, config)
    problems = [p.problem for p in plans]
    empty = [(r.cand_of_person * 0 - 1, {}) for r in joint]
    with_da = [
        (joint[q].cand_of_person, joint[q].facilitators) if q == da else empty[q] for q in range(2)
    ]
    with_em = [given[q] if q == em else empty[q] for q in range(2)]
    taken = _take_gains(problems, res, empty, [(da, with_da), (em, with_em)])
    assert [facs for _, facs in taken] == [r.facilitators for r in joint]
    assert [placed_count(plan) for plan in taken] == [3, 3]


def _one_room_two_gains(tmp_path, config):
    """Three SI-EM referrals on Monday mornings (two can come on Tuesdays too; groups of two
    or more) and six SI-DA ones, three on Monday mornings and three on Wednesday afternoons,
    a venue with one room, F1 trained for SI-EM and F2 for SI-DA; and a plan with no groups."""
    refs = [referral(f"E{k}", available_slots="Mon-AM;Tue-AM") for k in range(2)]
    refs += [referral("E2", available_slots="Mon-AM")]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(3)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Wed-PM") for k in range(3, 6)]
    write_groups(
        tmp_path,
        refs,
        [programme(sessions=20, min_group=2), programme("SI-DA", sessions=20)],
        [venue(available_slots="Mon-AM;Tue-AM;Wed-PM")],
        [
            facilitator("F1", available_slots="Mon-AM;Tue-AM"),
            facilitator("F2", trained_programmes="SI-DA", available_slots="Mon-AM;Wed-PM"),
        ],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    params = replace(solver_params(config, 5.0), processes=1)
    problems = [p.problem for p in plans]
    em, da = [[p.programme["programme"] for p in plans].index(n) for n in ("SI-EM", "SI-DA")]
    empty = [(np.full(len(pr.person_ids), -1, np.int64), {}) for pr in problems]
    return (ds, times, plans, res, meta, params), (em, da), empty


def test_a_gain_that_did_not_fit_is_sought_again_beside_the_plans_taken(tmp_path, config):
    """Beside the plan with no groups, SI-DA solved again starts six (Monday morning and
    Wednesday afternoon groups) and SI-EM three on Monday morning, in the one room. SI-DA's
    larger gain is taken, so SI-EM's does not fit and is missed; solved once more beside
    SI-DA's groups, SI-EM starts the two who can come on Tuesday mornings, its bound given
    the others' groups now 2 (it was 3 beside the empty plan)."""
    (ds, times, plans, res, meta, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    hps = [HighsParams(5.0)] * len(problems)
    with Runner(1, None) as runner:
        rounds = _Rounds(runner, problems, res, params, hps)
        proofs = rounds.proofs
        first, missed = rounds.beside(empty, [em, da], hps)
        assert missed == [em] and proofs.now(empty, [em, da]) == {em: 3.0, da: 6.0}
        assert [placed_count(plan) for plan in first] == [0 if p == em else 6 for p in range(2)]
        # SI-DA's bound still holds beside SI-EM's groups (none); SI-EM's not beside SI-DA's
        assert proofs.now(first, [em, da]) == {em: None, da: 6.0}
        again, missed = rounds.beside(first, [em], hps)
    assert missed == [] and proofs.now(again, [em, da]) == {em: 2.0, da: None}
    stats = SolveStats("FEASIBLE", None, None, 0.0)
    results = [GroupsResult(cand_of, facs, stats) for cand_of, facs in again]
    assert started_vector(ds, times, plans, results, meta, config) == {"SI-DA": 6, "SI-EM": 2}


def _one_room_three_gains(tmp_path, config):
    """One room on Monday and Tuesday mornings and 20-week groups (every start overlaps):
    SI-EM's six (three Monday-only, three Tuesday-only) can fill both mornings, SI-DA's four
    only Monday's and SI-ATB's four only Tuesday's, each programme with a facilitator of its
    own; and a plan with no groups."""
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(3)]
    refs += [referral(f"T{k}", available_slots="Tue-AM") for k in range(3)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(4)]
    refs += [referral(f"A{k}", programme="SI-ATB", available_slots="Tue-AM") for k in range(4)]
    names = ("SI-EM", "SI-DA", "SI-ATB")
    write_groups(
        tmp_path,
        refs,
        [programme(name, sessions=20) for name in names],
        [venue()],
        [facilitator(f"F{k}", trained_programmes=name) for k, name in enumerate(names)],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    params = replace(solver_params(config, 5.0), processes=1)
    problems = [p.problem for p in plans]
    at = [[p.programme["programme"] for p in plans].index(n) for n in names]
    empty = [(np.full(len(pr.person_ids), -1, np.int64), {}) for pr in problems]
    return (ds, times, plans, res, meta, params), at, empty


@pytest.mark.parametrize("settle", [False, True])
def test_gains_that_do_not_all_fit_are_settled_by_one_model(tmp_path, config, settle):
    """Beside the plan with no groups, SI-EM solved again starts six in both mornings, SI-DA
    four on Monday and SI-ATB four on Tuesday, all in the one room. Taken largest first,
    SI-EM's six leave no room for the others; settled by one model over all their groups,
    SI-DA's and SI-ATB's eight start instead (and SI-EM's gain is then the one missed), the
    plans before the settlement kept beside them."""
    (ds, times, plans, res, meta, params), (em, da, atb), empty = _one_room_three_gains(
        tmp_path, config
    )
    problems = [p.problem for p in plans]
    hps = [HighsParams(5.0)] * len(problems)
    settle_by = time.perf_counter() + 60.0 if settle else None
    with Runner(1, None) as runner:
        rounds = _Rounds(runner, problems, res, params, hps)
        found, missed = rounds.beside(empty, [em, da, atb], hps, settle_by=settle_by)
    stats = SolveStats("FEASIBLE", None, None, 0.0)
    results = [GroupsResult(cand_of, facs, stats) for cand_of, facs in found]
    started = started_vector(ds, times, plans, results, meta, config)
    if settle:
        assert started == {"SI-DA": 4, "SI-ATB": 4} and missed == [em]
        # the plans before the settlement are kept for the booking to choose
        assert rounds.unsettled is not None
        assert [placed_count(plan) for plan in rounds.unsettled] == [
            6 if p == em else 0 for p in range(3)
        ]
    else:
        assert started == {"SI-EM": 6} and sorted(missed) == sorted([da, atb])
        assert rounds.unsettled is None


def test_a_settlement_that_starts_no_more_keeps_the_gains_taken(tmp_path, config):
    """Settling SI-EM's six against nothing better (no other programme gained) keeps the plan
    taken as it is; with no seconds for it (`settle_seconds` 0), nothing is tried."""
    (_, _, plans, res, _, params), (em, da, atb), empty = _one_room_three_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    new, _ = _given_others(problems, res, empty, em, params, HighsParams(5.0), 1.0)
    assert placed_count(new[em]) == 6
    by = time.perf_counter() + 60.0
    assert _settle(problems, res, empty, [(em, new)], new, params, HighsParams(5.0), by) is new
    none = replace(params, settle_seconds=0.0)
    assert _settle(problems, res, empty, [(em, new)], empty, none, HighsParams(5.0), by) is empty


def test_whom_the_plans_put_together_leave_out_start_where_rooms_are_left(tmp_path, config):
    """SI-DA's plan alone (its Monday morning and Wednesday afternoon groups) put together
    with an SI-EM plan that lost its Monday group to SI-DA's (the one room): SI-EM's two who
    can come on Tuesday mornings start there, first come first served, and SI-DA's groups
    stay; where SI-EM's plan already holds its people, nothing changes."""
    (ds, times, plans, res, meta, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    none = GroupsResult(*empty[em], SolveStats("HEURISTIC", None, None, 0.0))
    alone = [solve_greedy(pr, res, params) for pr in problems]
    assert placed_count((alone[da].cand_of_person, {})) == 6
    put = [none if p == em else replace(alone[p], resources=None) for p in range(2)]
    filled = _fill(problems, res, put, params)
    assert filled[da].facilitators == alone[da].facilitators
    assert (filled[da].cand_of_person == alone[da].cand_of_person).all()
    assert fits_together(problems, res, [(r.cand_of_person, r.facilitators) for r in filled])
    assert started_vector(ds, times, plans, filled, meta, config) == {"SI-DA": 6, "SI-EM": 2}
    (tuesday,) = filled[em].facilitators
    assert problems[em].cand_slots[tuesday] == (3,)  # Tue-AM
    again = _fill(problems, res, filled, params)
    assert [r.facilitators for r in again] == [r.facilitators for r in filled]
    assert all((a.cand_of_person == b.cand_of_person).all() for a, b in zip(again, filled))


def test_the_programmes_own_plans_settled_together_keep_the_one_that_starts_more(tmp_path, config):
    """Alone, SI-EM starts 3 and SI-DA 5 with the one facilitator; their plans put together
    in the programmes' order keep SI-EM's group and lose SI-DA's (3 started, filled first come
    first served: no facilitator is left). Settled together over their own groups, SI-DA's 5
    start, and the joint step starts from that; where nothing starts more than the plans put
    together (SI-DA alone given no groups), those are kept as they are."""
    ds, times, plans, res, meta = _quarter(tmp_path, config)
    problems = [p.problem for p in plans]
    params = solver_params(config, 5.0)
    hp = HighsParams(5.0)
    greedy = [solve_greedy(pr, res, params) for pr in problems]
    alone = [groups_mip._alone(pr, res, g, params, hp) for pr, g in zip(problems, greedy)]
    assert [placed_count(a.plan) for a in alone] == [3, 5]
    plans_alone = [a.plan for a in alone]
    put = _fill(problems, res, put_together(problems, res, plans_alone), params)
    assert [placed_count((r.cand_of_person, {})) for r in put] == [3, 0]
    own = groups_mip._own_together(problems, res, plans_alone, greedy, put, params, hp)
    assert [placed_count((r.cand_of_person, {})) for r in own] == [0, 5]
    assert fits_together(problems, res, [(r.cand_of_person, r.facilitators) for r in own])
    assert started_vector(ds, times, plans, own, meta, config) == {"SI-DA": 5}
    nothing = [(np.full(len(pr.person_ids), -1), {}) for pr in problems]
    none = [
        replace(g, cand_of_person=np.full(len(g.cand_of_person), -1), facilitators={})
        for g in greedy
    ]
    kept = groups_mip._own_together(
        problems, res, [plans_alone[0], nothing[1]], none, put, params, hp
    )
    assert kept is put


@pytest.mark.parametrize("deadline, em_started, da_started", [(0.0, 0, 0), (60.0, 2, 6)])
def test_later_rounds_beside_the_others_run_only_before_the_deadline(
    tmp_path, config, deadline, em_started, da_started
):
    """The rounds from the plan with no groups: the first starts SI-DA's six and misses
    SI-EM's gain; a second, where the deadline leaves time for it, starts SI-EM's two, and a
    third proves SI-DA's bound again beside them. Past the deadline none runs."""
    (_, _, plans, res, _, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    params = replace(params, deadline_seconds=deadline)
    hps = [HighsParams(5.0)] * len(problems)
    with Runner(1, None) as runner:
        found, bounds = _improve(
            _Rounds(runner, problems, res, params, hps), empty, [em, da], time.perf_counter()
        )
    assert (placed_count(found[em]), placed_count(found[da])) == (em_started, da_started)
    # each bound given the others' groups as they end: with time, SI-DA is proved again
    # beside SI-EM's new group (a third round); past the deadline, none proved
    assert bounds == ({em: None, da: None} if deadline == 0 else {em: 2.0, da: 6.0})


class _GivesUpEveryJob:
    """A runner whose processes never answer in time: each job held to an end is given up
    (its `late` answer); one with none runs here. Records each map's hold."""

    processes, parallel, free = 2, True, 2

    def __init__(self) -> None:
        self.held: list[float | None] = []

    def map(self, fn, jobs, sizes=None, until=None, late=None):
        self.held.append(until)
        return [fn(*job) if late is None else late(*job) for job in jobs]


def test_the_programmes_alone_given_up_past_their_planned_end_keep_the_greedys_plans(
    tmp_path, config
):
    """Five SI-DA referrals on Monday mornings, groups of at most four, one facilitator with
    one session a week for 20-week groups: one group of four can run. The first step's job
    (the programme alone, 5 s) is held to its planned end, 5 s, and the config's
    `late_seconds`. Where it runs on past it (HiGHS in a MIP's root cut rounds), the programme
    keeps the first-come-first-served plan, with no LP groups, bounded by everyone with a
    group to join (5); run to its time, its bound is proved at 4."""
    refs = [referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(5)]
    write_groups(
        tmp_path,
        refs,
        [programme("SI-DA", sessions=20, max_group=4)],
        [venue(available_slots="Mon-AM")],
        [
            facilitator(
                trained_programmes="SI-DA", available_slots="Mon-AM", max_sessions_per_week=1
            )
        ],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, _ = build_plans(ds, config, times, START)
    params = replace(solver_params(config, 5.0), block_pairs=0)
    problems = [p.problem for p in plans]
    greedy = [solve_greedy(pr, res, params) for pr in problems]
    hps = [HighsParams(5.0)]
    runner = _GivesUpEveryJob()
    t = time.perf_counter()
    alone = groups_mip._programmes_alone
    found = alone(runner, problems, res, greedy, params, hps, [])  # type: ignore[arg-type]
    (held,) = runner.held
    assert held is not None
    assert t + 5.0 + params.late_seconds <= held <= time.perf_counter() + 5.0 + params.late_seconds
    assert [a.bound for a in found] == [5.0]
    assert [a.plan[0].tolist() for a in found] == [g.cand_of_person.tolist() for g in greedy]
    assert [len(a.support) for a in found] == [0]
    with Runner(1, None) as one:
        proved = alone(one, problems, res, greedy, params, hps, [])
    assert [a.bound for a in proved] == [4.0]
    assert placed_count(proved[0].plan) == 4


def test_the_settled_start_and_the_lps_beside_it_given_up_answer_what_they_started_from():
    """The second step's jobs given up: the settled start is the plans put together it began
    from, a programme's LP given the others names no groups, a presolved bound proves
    nothing."""
    merged = [GroupsResult(np.array([0, -1]), {0: [1]}, SolveStats("HEURISTIC", 2.0, None, 0))]
    args = (None, None, None, None, merged)
    assert groups_mip._given_up(groups_mip._own_together, args) is merged
    assert len(groups_mip._given_up(groups_mip._support_given, (None,) * 3)) == 0
    assert groups_mip._given_up(groups_mip._presolved_bound, (None,) * 4) is None


def test_a_round_whose_solves_run_past_their_end_keeps_the_plans_as_they_were(tmp_path, config):
    """Beside the plan with no groups, SI-DA solved again starts six and SI-EM three (a gain
    that does not fit beside SI-DA's: `test_a_gain_that_did_not_fit_...`); here their
    processes run on past the round's end by more than the config's `late_seconds`, so both
    are given up: the plans stay as they were, nothing is proved, and neither counts as a
    gain missed. A round with no common end holds nobody: run, SI-DA's six are taken."""
    (_, _, plans, res, _, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    hps = [HighsParams(5.0)] * len(problems)
    runner = _GivesUpEveryJob()
    rounds = _Rounds(runner, problems, res, params, hps)  # type: ignore[arg-type]
    by = time.perf_counter() + 60
    found, missed = rounds.beside(empty, [em, da], hps, by)
    assert found is empty and missed == []
    assert rounds.proofs.now(empty, [em, da]) == {em: None, da: None}
    assert runner.held == [by + params.late_seconds]
    found, missed = rounds.beside(empty, [em, da], hps)  # no `by`: run here, to their time
    assert runner.held[-1] is None and placed_total(found) == 6 and missed == [em]


@pytest.mark.parametrize("left", [None, 1.0, 1e4])
def test_the_first_round_beside_the_others_is_held_to_the_deadline(tmp_path, config, left):
    """Each programme has 500 s of its own. With the deadline far off (`left` seconds before the
    rounds' end), the first round's solves search for their own time's share; with fewer than
    `FIRST_ROUND_MIN_SECONDS` left, none searches (held to their own time, seed 5's quarter
    once ran 16 s past the deadline, the 3,000 quarter 18 s): each is only bounded by its
    presolved LP, in the seconds left before the solve's deadline; past it (None), none runs."""
    (_, _, plans, res, _, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    kept = params.final_proof_seconds
    params = replace(params, deadline_seconds=0.0 if left is None else kept + left)
    hps = [HighsParams(500.0)] * len(problems)
    given: list[tuple[float, bool]] = []

    class Recording(Runner):
        def map(self, fn, jobs, sizes=None, **hold):
            given.extend((job[5].time_limit_seconds * job[6], job[8]) for job in jobs)
            return super().map(fn, jobs, sizes, **hold)

    with Recording(1, None) as runner:
        _improve(_Rounds(runner, problems, res, params, hps), empty, [em, da], time.perf_counter())
    if left is None:
        assert given == []
    elif left < FIRST_ROUND_MIN_SECONDS:
        assert [search for _, search in given] == [False, False]
        assert [wall for wall, _ in given] == pytest.approx([kept + left] * 2, abs=0.5)
    else:
        assert [search for _, search in given[:2]] == [True, True]
        assert [wall for wall, _ in given[:2]] == pytest.approx([500.0 * GIVEN_OTHERS_SHARE] * 2)


def test_a_bound_given_the_others_holds_while_their_groups_stay_as_they_were():
    """Programme 0 proved at 5 beside programme 1's groups, then a round that proved nothing
    beside the same groups, then 4: its bound is 4, whatever its own plan does; once
    programme 1's members move, none (the rooms they left may start more)."""
    plans = [(np.array([-1, 2]), {2: [0]}), (np.array([1, 1, -1]), {1: [3]})]
    proofs = _Proofs()
    proofs.add(0, plans, 5.0)
    proofs.add(0, plans, None)
    assert proofs.now(plans, [0, 1]) == {0: 5.0, 1: None}
    proofs.add(0, plans, 4.0)
    proofs.add(0, plans, 6.0)
    own_moved = [(np.array([3, 3]), {3: [0]}), plans[1]]
    assert proofs.now(own_moved, [0]) == {0: 4.0}
    others_moved = [plans[0], (np.array([1, 0, -1]), {0: [3], 1: [3]})]
    assert proofs.now(others_moved, [0]) == {0: None}


def test_a_round_beside_the_others_shares_its_time_by_the_programmes_own():
    """10 s left on one process, for a programme with 20 s of its own and one with 5 s: 8 s
    and 2 s (shared evenly, the large one had 5 s, too few for seed 42's TSP to prove its
    bound there), the small one raised to a floor of 3 s."""
    hps = [HighsParams(20.0), HighsParams(5.0)]
    walls = [
        h.time_limit_seconds * GIVEN_OTHERS_SHARE
        for h in _by_deadline(hps, [0, 1], 1, 10.0, 1, 0.0)
    ]
    assert walls == pytest.approx([8.0, 2.0])
    floored = _by_deadline(hps, [0, 1], 1, 10.0, 1, 3.0)
    assert [h.time_limit_seconds * GIVEN_OTHERS_SHARE for h in floored] == pytest.approx([8.0, 3.0])
    assert [h.random_seed for h in floored] == [hps[0].random_seed + 1] * 2


@pytest.mark.parametrize("kept, da_bound", [(0.0, None), (5.0, 6.0)])
def test_a_bound_a_later_gain_undid_is_proved_again_in_the_seconds_kept(
    tmp_path, config, monkeypatch, kept, da_bound
):
    """Two rounds only: the first starts SI-DA's six (proved) and misses SI-EM's gain, the
    second starts SI-EM's two beside them, so SI-DA's bound, proved beside no SI-EM group,
    no longer holds. With seconds kept before the deadline its presolved LP proves it again
    beside SI-EM's group; with none kept it is left unproved."""
    (_, _, plans, res, _, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    monkeypatch.setattr(groups_rounds, "AGAIN_ROUNDS", 2)
    params = replace(params, deadline_seconds=1e4, final_proof_seconds=kept)
    hps = [HighsParams(5.0)] * len(problems)
    with Runner(1, None) as runner:
        found, bounds = _improve(
            _Rounds(runner, problems, res, params, hps), empty, [em, da], time.perf_counter()
        )
    assert (placed_count(found[em]), placed_count(found[da])) == (2, 6)
    assert bounds == {em: 2.0, da: da_bound}


def _one_room_two_programmes_stuck(tmp_path, config):
    """One room on Monday and Tuesday mornings and 20-week groups (every start overlaps):
    SI-EM's three can come either morning, SI-DA's three only on Tuesdays, each programme
    with a facilitator of its own; and a plan whose SI-EM group took Tuesday's room."""
    refs = [referral(f"E{k}") for k in range(3)]
    refs += [referral(f"D{k}", programme="SI-DA", available_slots="Tue-AM") for k in range(3)]
    write_groups(
        tmp_path,
        refs,
        [programme(sessions=20), programme("SI-DA", sessions=20)],
        [venue()],
        [facilitator("F1"), facilitator("F2", trained_programmes="SI-DA")],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    params = replace(solver_params(config, 5.0), processes=1, deadline_seconds=1e4)
    problems = [p.problem for p in plans]
    em, da = [[p.programme["programme"] for p in plans].index(n) for n in ("SI-EM", "SI-DA")]
    pr = problems[em]
    tuesday = min(
        (c for c in range(len(pr.cand_venue)) if pr.cand_slots[c] == (3,)),  # Tue-AM
        key=lambda c: pr.cand_start[c],
    )
    stuck = [(np.full(len(q.person_ids), -1, np.int64), {}) for q in problems]
    stuck[em] = (
        np.full(len(pr.person_ids), tuesday),
        {tuesday: [int(pr.cand_facilitators[tuesday][0])]},
    )
    return (ds, times, plans, res, meta, params), (em, da), stuck


@pytest.mark.parametrize("pairs", [False, True])
def test_two_programmes_stuck_beside_each_other_move_together(tmp_path, config, pairs):
    """SI-EM's group on Tuesday leaves SI-DA no room, and each alone is at its best beside the
    other's groups (SI-EM starts all three; SI-DA none where SI-EM's group is): the rounds
    change nothing. The pair solved together beside the others' groups moves SI-EM's group to
    Monday and starts SI-DA's three on Tuesday; without pairs to try, the plan stays."""
    (ds, times, plans, res, meta, params), (em, da), stuck = _one_room_two_programmes_stuck(
        tmp_path, config
    )
    problems = [p.problem for p in plans]
    hps = [HighsParams(5.0)] * len(problems)
    tried = [(min(em, da), max(em, da))] if pairs else []
    with Runner(1, None) as runner:
        rounds = _Rounds(runner, problems, res, params, hps, pairs=tried, own=[3.0, 3.0])
        found, bounds = _improve(rounds, stuck, [da], time.perf_counter())
    stats = SolveStats("FEASIBLE", None, None, 0.0)
    results = [GroupsResult(cand_of, facs, stats) for cand_of, facs in found]
    started = started_vector(ds, times, plans, results, meta, config)
    assert started == ({"SI-EM": 3, "SI-DA": 3} if pairs else {"SI-EM": 3})
    # SI-DA's bound beside SI-EM's group: 0 where it holds Tuesday, none proved once it moved
    # SI-DA's bound beside SI-EM's group: 0 where it holds Tuesday; proved again at 3 in the
    # seconds kept once it moved to Monday
    assert bounds == {da: 3.0 if pairs else 0.0}


def test_pairs_are_tried_only_with_the_seconds_for_them(tmp_path, config):
    """The same stuck plan with the deadline passed: no pair is solved."""
    (_, _, plans, res, _, params), (em, da), stuck = _one_room_two_programmes_stuck(
        tmp_path, config
    )
    problems = [p.problem for p in plans]
    params = replace(params, deadline_seconds=0.0)
    hps = [HighsParams(5.0)] * len(problems)
    with Runner(1, None) as runner:
        rounds = _Rounds(runner, problems, res, params, hps, pairs=[(0, 1)], own=[3.0, 3.0])
        found, _ = _improve(rounds, stuck, [da], time.perf_counter())
    assert [placed_count(plan) for plan in found] == [placed_count(plan) for plan in stuck]


@pytest.mark.parametrize("processes", [1, 2])
def test_the_largest_programme_short_of_its_bound_has_a_process_to_itself_first(processes):
    """6 s before the rounds' end, programmes with 20, 10 and 5 s of their own: on two
    processes the first has all 6 s to itself and the others share one process by their own
    time (4 s, and 2 s raised to the floor of 3 s); on one, all three share it."""
    hps = [HighsParams(20.0), HighsParams(10.0), HighsParams(5.0)]
    with Runner(1, None) as runner:
        runner.processes = processes
        walls = [
            h.time_limit_seconds * GIVEN_OTHERS_SHARE
            for h in _first_round(hps, [0, 1, 2], runner, 6.0)
        ]
    alone = _by_deadline(hps, [0, 1, 2], 1, 6.0, 0, FIRST_ROUND_MIN_SECONDS)
    want = (
        [6.0, 4.0, 3.0]
        if processes == 2
        else [h.time_limit_seconds * GIVEN_OTHERS_SHARE for h in alone]
    )
    assert walls == pytest.approx(want)


def test_a_stop_request_ends_the_rounds_beside_the_others(tmp_path, config):
    """With a stop asked for, the first round's solves stop before they begin (no bound), and
    no later round is tried, though the deadline is far and both programmes are unproved."""
    (_, _, plans, res, _, params), (em, da), empty = _one_room_two_gains(tmp_path, config)
    problems = [p.problem for p in plans]
    observer = FileProgress(str(tmp_path))
    observer.request_stop()
    hps = [HighsParams(5.0, observer=observer)] * len(problems)
    rounds: list[int] = []

    class Counting(Runner):
        def map(self, fn, jobs, sizes=None, **hold):
            rounds.append(len(jobs))
            return super().map(fn, jobs, sizes, **hold)

    with Counting(1, None) as runner:
        params = replace(params, deadline_seconds=60.0)
        found, bounds = _improve(
            _Rounds(runner, problems, res, params, hps), empty, [em, da], time.perf_counter()
        )
    assert rounds == [2] and bounds == {em: None, da: None}
    assert found == empty


def test_the_joint_mip_stops_early_only_once_it_has_gone_half_way_in_people():
    """Values are people started (LEX each) and the rest of the objective. From a start of
    899 started with the LP at 1,000, a plan of 903 is better than the start but not enough to
    stop the MIP over the LP's groups before its time (seed 29 stopped there and ended at 903
    of 1,000); 987 is. Half way is in people, towards the LP or the quarter's bound, the lower:
    from seed 5's start of 969 with its LP at 1,034 and its bound at 1,007, its plan of 994
    is enough (half way to the LP's value, the rest of the objective counted, it ran on to
    its patience's end). Where the LP promises no more than the start, any better plan is."""
    assert JOINT_ENOUGH_OF_LP == 0.5

    def value(people: float, rest: float = 60.0) -> float:
        return LEX * people + rest

    enough = _enough(value(899), 899, 1000)
    assert value(903, 70) < enough <= value(987, 70)
    assert value(994, 70) >= _enough(value(969), 969, min(1034, 1007))
    assert value(994, 70) < _enough(value(969), 969, 1034)
    assert _enough(value(899), 899, 899) == value(899) + 0.5 < value(899, 61)


class _Pool:
    """A stand-in for solvers.processes.Runner: counts the jobs begun on the pool; `spare`
    says whether a core is left beside it."""

    def __init__(self, spare: bool) -> None:
        self.spare, self.renewed, self.begun = spare, 0, 0

    def beside(self, fn, job):
        return (lambda: 1.0) if self.spare else None

    def start(self, fn, job, until=None):
        self.begun += 1
        return lambda: 1.0


@pytest.mark.parametrize("spare, begun", [(False, 2), (True, 0)])
def test_the_whole_quarters_lp_is_begun_once_again_only_where_a_late_job_ended_it(
    tmp_path, config, spare, begun
):
    """Begun on the pool while the joint models run (`Runner.map`'s `then`), and asked again
    at the joint step's end: not begun twice, unless a late joint model was given up since
    (its processes ended, the LP with them); begun beside the pool, the pool's ends leave it."""
    _, _, plans, res, _ = _quarter(tmp_path, config)
    pool = _Pool(spare)
    problems = [plan.problem for plan in plans]
    whole = _WholeBound(pool, problems, res, [], solver_params(config), HighsParams(5.0), 0.0)
    whole.begin(pool)
    whole.begin(pool)
    assert pool.begun == (0 if spare else 1)
    pool.renewed += 1  # a late joint model given up
    whole.begin(pool)
    assert pool.begun == begun and whole.result() == 1.0
