"""Pre-group sessions: every member of a new group first meets a trained facilitator one to
one in the two weeks before the group's first session; whoever cannot have one does not start
(nor does a woman left as the only woman, nor a group left too small); the checker refuses a
plan without them or with one on the wrong day."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import pre_group_table, tables
from engine.groups.pipeline import _quarter
from engine.groups.plan import (
    build_plans,
    solve_plans,
    solver_params,
)
from engine.groups.pre_group import (
    _book_either,
    book_best,
    book_solved,
    plan_pre_group,
)
from geo.travel import TravelTimes
from solvers.groups import GroupsResult, book, people_started
from solvers.groups_mip import _presolved_bound
from solvers.groups_model import decode_plans, maximise, quarter_mip, started_vector
from solvers.highs import HighsParams, solve
from solvers.types import SolveStats
from tests.builders import facilitator, programme, referral, venue, write_groups

START = date(2026, 11, 23)  # a Monday: groups start from 7 December, after two pre-group weeks


def _plan(tmp_path, config, refs, facs, solver="mip"):
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM", rooms=2)], facs)
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    q = _quarter(plans, res, solver, solver_params(config, 5.0), None, meta["one_to_one"], config)
    groups, members, unplaced, _ = tables(plans, q.programmes, meta, config)
    pre = pre_group_table(plans, q.pre_group, members, meta)
    assert check_groups(ds, groups, members, config, times, START, None, pre) == []
    return groups, members, unplaced.set_index("person_id"), pre, (ds, times)


@pytest.mark.parametrize("solver", ["mip", "greedy"])
def test_each_member_meets_a_facilitator_before_the_first_session(tmp_path, config, solver):
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C", "D")]
    facs = [
        facilitator("F1", available_slots="Mon-AM"),
        facilitator("F2", available_slots="Mon-AM"),
    ]
    groups, members, _, pre, _ = _plan(tmp_path, config, refs, facs, solver)
    assert len(groups) == 1 and len(members) == 4 and sorted(pre["person_id"]) == list("ABCD")
    first = date.fromisoformat(groups["start_date"].iat[0])
    days = pd.to_datetime(pre["date"]).dt.date
    assert all(first - timedelta(weeks=2) <= d < first for d in days)
    assert set(pre["slot"]) == {"Mon-AM"} and set(pre["group_id"]) == set(groups["group_id"])
    # packed into half-days, three appointments each at most, the group's own facilitator first
    assert set(groups["facilitator_ids"]) <= set(pre["facilitator_id"])
    assert pre.groupby(["facilitator_id", "date", "slot"]).size().max() <= 3


def _booked(plans, results, res, meta, config, data):
    """The members of `results` booked (`plan_pre_group`), as tables the checker passes:
    the results kept, groups, members, unplaced (by person) and appointments."""
    ds, times = data
    kept, appts, _ = plan_pre_group(plans, results, res, meta["one_to_one"], config)
    groups, members, unplaced, _ = tables(plans, kept, meta, config)
    pre = pre_group_table(plans, appts, members, meta)
    assert check_groups(ds, groups, members, config, times, START, None, pre) == []
    return kept, groups, members, unplaced.set_index("person_id"), pre


def test_the_booking_keeps_the_plans_before_a_settlement_where_more_then_start(tmp_path, config):
    """Four people and a group for them. Settled plans that start them, whose plans before
    (`alternative`) had no group: the settled ones are booked and kept. Settled plans with no
    group, whose plans before had the group: the plans before are booked (their group's
    facilitator and room taken from what is left) and kept, as four start, not none."""
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C", "D")]
    facs = [facilitator("F1", available_slots="Mon-AM")]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM")], facs)
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    solved, left = solve_plans(plans, res, "mip", solver_params(config, 5.0))
    stats = SolveStats("FEASIBLE", 0.0, None, 0.0)
    empty = [GroupsResult(np.full(len(r.cand_of_person), -1), {}, stats) for r in solved]
    setup = meta["one_to_one"]
    as_settled = [replace(r, alternative=e) for r, e in zip(solved, empty)]
    kept, appts, _ = book_best(plans, res, as_settled, left, setup, config)
    assert people_started(kept) == 4 and len(appts) == 4
    assert all(r.alternative is None for r in kept)
    _, booked_plans = _book_either(plans, res, as_settled, left, setup, config)
    assert [r.facilitators for r in booked_plans] == [r.facilitators for r in solved]
    as_before = [replace(e, alternative=r) for r, e in zip(solved, empty)]
    kept, appts, after = book_best(plans, res, as_before, res, setup, config)
    assert people_started(kept) == 4 and len(appts) == 4
    assert [r.facilitators for r in kept] == [r.facilitators for r in solved]
    # the plans booked, from which `book_solved` tells what the booking could not keep
    _, booked_plans = _book_either(plans, res, as_before, res, setup, config)
    assert [r.facilitators for r in booked_plans] == [r.facilitators for r in solved]
    assert after.room_used.sum() > res.room_used.sum()  # the group's room is taken
    groups, members, _, _ = tables(plans, kept, meta, config)
    pre = pre_group_table(plans, appts, members, meta)
    assert check_groups(ds, groups, members, config, times, START, None, pre) == []


def _one_a_half_day(config):
    return config.model_copy(
        update={"groups": config.groups.model_copy(update={"pre_group_per_slot": 1})}
    )


def test_no_pre_group_session_no_start(tmp_path, config):
    """One facilitator free on Monday mornings, one appointment a half-day: two in the two
    weeks, so of four people two cannot start and the group (at least three) does not run.
    Three appointments a half-day (the shipped config): all four start."""
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C", "D")]
    facs = [facilitator(available_slots="Mon-AM")]
    groups, members, unplaced, pre, _ = _plan(tmp_path, _one_a_half_day(config), refs, facs)
    assert members.empty and pre.empty and groups.empty
    assert sorted(unplaced.index) == list("ABCD")
    assert unplaced["reason"].str.contains("pre-group").all()
    _, members, _, pre, _ = _plan(tmp_path, config, refs, facs)
    assert len(members) == 4 and len(pre) == 4 and set(pre["facilitator_id"]) == {"F1"}


def _late_woman() -> list[dict]:
    """Three men and W1, and W2 referred on 1 December: too late for the pre-group Mondays
    (23 and 30 November) before the 7 December group, in time for those before 4 January."""
    refs = [referral(f"M{k}", available_slots="Mon-AM") for k in range(3)]
    return refs + [
        referral("W1", sex="F", available_slots="Mon-AM"),
        referral("W2", sex="F", available_slots="Mon-AM", referral_date="2026-12-01"),
    ]


@pytest.mark.parametrize("solver", ["mip", "greedy"])
def test_a_woman_never_starts_as_the_only_woman(tmp_path, config, solver):
    """The planners know W2 cannot start on 7 December, and before 4 January there is one
    pre-group Monday (28 December is a bank holiday), three appointments: they start the men,
    and W1 not as the only woman among them. The MIP's plan, its booking leaving W1 the only
    woman, is solved again without her place there (`book_solved`): all five start on 1
    February, W1 beside W2."""
    groups, members, unplaced, pre, _ = _plan(
        tmp_path, config, _late_woman(), [facilitator()], solver
    )
    assert sorted(members["person_id"]) == sorted(pre["person_id"])
    women = members[members["person_id"].isin(["W1", "W2"])].groupby("group_id").size()
    assert (women != 1).all()
    if solver == "mip":
        assert sorted(members["person_id"]) == ["M0", "M1", "M2", "W1", "W2"]
        assert list(groups["start_date"]) == ["2027-02-01"]
    else:
        assert sorted(members["person_id"]) == ["M0", "M1", "M2"] and "W1" in unplaced.index


def _booked_early(tmp_path, config, refs, waiting=(), rooms=1):
    """Everyone of `refs` but `waiting` placed by hand in the 7 December group (one
    facilitator, Monday mornings), as a plan made without the pre-group rule or a solve
    against the clock might, then booked (`_booked`)."""
    write_groups(
        tmp_path,
        refs,
        [programme()],
        [venue(available_slots="Mon-AM", rooms=rooms)],
        [facilitator()],
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    plan = plans[0]
    pr = plan.problem
    early = next(c for c in range(len(pr.cand_venue)) if plan.cand_dates[c][0] == date(2026, 12, 7))
    cand_of = np.full(len(pr.person_ids), early, np.int64)
    for p in waiting:
        cand_of[list(pr.person_ids).index(p)] = -1
    book(pr, res, early, [0])
    planned = GroupsResult(cand_of, {early: [0]}, SolveStats("HEURISTIC", None, None, 0.0))
    return _booked(plans, [planned], res, meta, config, (ds, times))


def test_a_woman_left_the_only_woman_by_the_booking_does_not_start(tmp_path, config):
    """All five placed in the 7 December group (a plan made without the pre-group rule): W2
    cannot have her appointment, so W1 would be the only woman among men: she does not start
    either; the three men do."""
    _, _, members, unplaced, pre = _booked_early(tmp_path, config, _late_woman(), rooms=2)
    assert sorted(members["person_id"]) == ["M0", "M1", "M2"] == sorted(pre["person_id"])
    assert "pre-group" in unplaced.loc["W2", "reason"]
    assert "only woman" in unplaced.loc["W1", "reason"]


def test_the_checker_wants_each_members_pre_group_session_in_time(tmp_path, config):
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C", "D")]
    facs = [
        facilitator("F1", available_slots="Mon-AM"),
        facilitator("F2", available_slots="Mon-AM"),
    ]
    groups, members, _, pre, (ds, times) = _plan(tmp_path, config, refs, facs)

    def problems(table):
        return [
            str(v) for v in check_groups(ds, groups, members, config, times, START, None, table)
        ]

    assert any("no pre-group session" in p for p in problems(pre.iloc[1:]))
    late = pre.copy()
    late.loc[0, "date"] = groups["start_date"].iat[0]
    assert any("pre-group date" in p for p in problems(late))
    full = pre.copy()
    full["facilitator_id"], full["date"] = "F1", pre["date"].iat[0]  # four in one half-day
    assert any("4 appointments, 3 at most" in p for p in problems(full))
    clash = pre.copy()  # an appointment in a half-day the facilitator runs the group
    clash.loc[0, ["date", "facilitator_id"]] = [groups["start_date"].iat[0], "F1"]
    assert any("pre-group date" in p for p in problems(clash))


def _early_and_late(tmp_path, config, early_members: str, late_members: str):
    """Everyone on Monday mornings, X referred on 1 December (no pre-group Monday before the 7
    December group); `early_members` planned into the 7 December group with F1, `late_members`
    into the 4 January one with F2 (F3 free), then booked (`_booked`). Returns its tables,
    each person's index and the two groups."""
    people = sorted(set(early_members + late_members) - {"X"})
    refs = [referral(p, available_slots="Mon-AM") for p in people]
    refs.append(referral("X", available_slots="Mon-AM", referral_date="2026-12-01"))
    facs = [facilitator(f, available_slots="Mon-AM") for f in ("F1", "F2", "F3")]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM", rooms=2)], facs)
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    plan = plans[0]
    pr = plan.problem
    first = {plan.cand_dates[c][0].isoformat(): c for c in range(len(pr.cand_venue))}
    early, late = first["2026-12-07"], first["2027-01-04"]
    who = {p: n for n, p in enumerate(pr.person_ids)}
    cand_of = np.full(len(pr.person_ids), -1, np.int64)
    cand_of[[who[p] for p in early_members]] = early
    cand_of[[who[p] for p in late_members]] = late
    facilitators = {early: [0], late: [1]}
    for c, js in facilitators.items():
        book(pr, res, c, js)
    planned = GroupsResult(cand_of, facilitators, SolveStats("HEURISTIC", None, None, 0.0))
    booked = _booked(plans, [planned], res, meta, config, (ds, times))
    return booked, who, early, late


@pytest.mark.parametrize(
    "late, co_defendant, joins",
    [("2026-10-01", "", True), ("2026-12-01", "", False), ("2026-10-01", "A", False)],
)
def test_someone_the_solve_left_out_takes_a_place_with_an_appointment_free(
    tmp_path, config, late, co_defendant, joins
):
    """A, B and C are planned into the 7 December group, D into none (as a solve against the
    clock, or a model counting appointments by facilitator and week, may leave them): the
    group has a place and the facilitator a Monday half-day with room, so D joins with an
    appointment. Not where D is referred on 1 December (no pre-group Monday before it), nor
    where D is A's co-defendant: D is left as planned."""
    refs = [referral(p, available_slots="Mon-AM") for p in "ABC"]
    refs.append(
        referral("D", available_slots="Mon-AM", referral_date=late, exclude_person_ids=co_defendant)
    )
    kept, _, members, unplaced, pre = _booked_early(tmp_path, config, refs, waiting=("D",))
    started = ["A", "B", "C", "D"] if joins else ["A", "B", "C"]
    assert sorted(members["person_id"]) == started == sorted(pre["person_id"])
    assert people_started(kept) == len(started)
    assert ("D" in unplaced.index) is not joins


@pytest.mark.parametrize("co_defendant, started", [("", ["A", "B", "D"]), ("A", ["A", "B", "X"])])
def test_a_group_short_of_its_minimum_takes_someone_waiting(
    tmp_path, config, co_defendant, started
):
    """A, B and X are planned into the 7 December group (at least three), D into none. X,
    referred on 1 December, cannot have an appointment before it, which leaves two: D, who
    waits and has a Monday half-day free, takes the place and the group runs. Where D is A's
    co-defendant, D cannot, and the group moves to 4 January, before which all three have an
    appointment (21 December): A, B and X start, D does not."""
    refs = [referral(p, available_slots="Mon-AM") for p in "AB"]
    refs += [
        referral("X", available_slots="Mon-AM", referral_date="2026-12-01"),
        referral("D", available_slots="Mon-AM", exclude_person_ids=co_defendant),
    ]
    _, groups, members, unplaced, pre = _booked_early(tmp_path, config, refs, waiting=("D",))
    assert sorted(members["person_id"]) == started == sorted(pre["person_id"])
    assert len(groups) == 1
    assert set(unplaced.index) == {"X", "D"} - set(started)
    assert groups["start_date"].iat[0] == ("2026-12-07" if "D" in started else "2027-01-04")


def test_a_member_with_no_appointment_before_their_group_moves_to_a_later_one(tmp_path, config):
    """X is referred on 1 December: no pre-group Monday before the 7 December group, but the
    4 January group has one (21 December, with F3: F1 runs the first group then and F2's
    half-day is full with the three others) and a place: X moves there rather than not
    start."""
    (kept, _, _, _, pre), who, _, late = _early_and_late(tmp_path, config, "ABCX", "EFG")
    assert kept[0].cand_of_person[who["X"]] == late
    pre = pre.set_index("person_id")
    assert pre.loc["X", "date"] == "2026-12-21" and pre.loc["X", "facilitator_id"] == "F3"
    assert len(pre) == 7


def test_the_members_of_a_group_that_cannot_run_move_to_one_that_does(tmp_path, config):
    """A, B and X are planned into the 7 December group (at least three) and E, F and G into
    the 4 January one. X, referred on 1 December, has no pre-group Monday before the first and
    moves to the second; the first, left with two, cannot run. A and B, whose appointments
    before it are given back, move to the 4 January group too (21 December, with F3 beside X,
    or F1, freed from the first group), rather than not start: six start, where three did."""
    booked, _, _, late = _early_and_late(tmp_path, config, "ABX", "EFG")
    kept, groups, members, unplaced, pre = booked
    assert list(kept[0].facilitators) == [late] and len(groups) == 1
    assert sorted(members["person_id"]) == list("ABEFGX") == sorted(pre["person_id"])
    assert set(pre.set_index("person_id").loc[list("ABX"), "date"]) == {"2026-12-21"}
    assert unplaced.empty or not set("ABX") & set(unplaced.index)


def test_a_pre_group_appointment_may_be_at_another_venue_the_person_reaches(tmp_path, config):
    """One appointment a half-day; the group's venue V1 opens on Monday mornings only, so two
    of the four can meet F1 there in the two weeks before. V2, near them and open on Tuesday
    mornings, takes the other two; without V2 the group (at least three) cannot run."""
    refs = [referral(p, available_slots="Mon-AM;Tue-AM") for p in ("A", "B", "C", "D")]
    facs = [facilitator("F1", available_slots="Mon-AM;Tue-AM")]
    one = _one_a_half_day(config)
    v1 = venue("V1", available_slots="Mon-AM")
    v2 = venue("V2", available_slots="Tue-AM", lat=52.665)
    for venues, starts in (([v1, v2], 4), ([v1], 0)):
        write_groups(tmp_path, refs, [programme()], venues, facs)
        ds, times = load_groups(tmp_path), TravelTimes(config.travel)
        plans, res, meta = build_plans(ds, one, times, START)
        q = _quarter(plans, res, "mip", solver_params(one, 5.0), None, meta["one_to_one"], one)
        groups, members, _, _ = tables(plans, q.programmes, meta, one)
        pre = pre_group_table(plans, q.pre_group, members, meta)
        assert check_groups(ds, groups, members, one, times, START, None, pre) == []
        assert len(members) == starts
        if starts:
            assert set(groups["venue_id"]) == {"V1"}
            assert sorted(pre["venue_id"]) == ["V1", "V1", "V2", "V2"]


def _seven_and_two_facilitators(tmp_path, config, sessions: int, other: bool = False):
    """Seven referrals free on Monday mornings, F1 and F2 with `sessions` a week (and, where
    `other`, F3 trained for BBR only, with five), a quarter of two weeks with one of pre-group
    sessions before it: the dataset, travel, that config and `build_plans`' answer."""
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCDEFG"]
    facs = [
        facilitator(f, available_slots="Mon-AM", max_sessions_per_week=sessions)
        for f in ("F1", "F2")
    ]
    progs = [programme()]
    if other:
        facs.append(facilitator("F3", trained_programmes="BBR", max_sessions_per_week=5))
        progs.append(programme("BBR"))
    write_groups(tmp_path, refs, progs, [venue(available_slots="Mon-AM")], facs)
    week = config.model_copy(
        update={
            "groups": config.groups.model_copy(update={"horizon_weeks": 2, "pre_group_weeks": 1})
        }
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    return ds, times, week, build_plans(ds, week, times, START)


def test_the_model_keeps_half_days_within_a_facilitators_week(tmp_path, config):
    """F1 and F2 each have one session a week, and one of them runs the group from its
    start, so the week before it holds two half-days of three appointments: six of the seven
    can start, and the booking books all six. (F3, trained for another programme, has five
    sessions a week: before, a week whose half-days fitted once went without its row, and
    its half-days could rise to five: the model placed seven, and the booking then lost one.)"""
    ds, times, week, (plans, res, meta) = _seven_and_two_facilitators(tmp_path, config, 1, True)
    pr = plans[0].problem
    mip = quarter_mip([pr], res)
    x, st = solve(maximise(mip, started_vector(mip, [pr]), []), HighsParams(10.0))
    assert st.status == "OPTIMAL" and x is not None
    cand_of, facs_of = decode_plans(mip, [pr], x)[0]
    assert int((cand_of >= 0).sum()) == 6
    left = res.copy()
    for c, js in facs_of.items():
        book(pr, left, c, js)
    placed = [GroupsResult(cand_of, facs_of, SolveStats("OPTIMAL", 6.0, 6.0, 0.0))]
    kept, _, _, _, pre = _booked(plans, placed, left, meta, week, (ds, times))
    assert int((kept[0].cand_of_person >= 0).sum()) == 6 and len(pre) == 6


@pytest.mark.parametrize("sessions, most", [(1, 6), (2, 7)])
def test_the_pooled_model_holds_appointments_to_the_half_days_of_its_facilitators_weeks(
    tmp_path, config, sessions, most
):
    """The bound's model (`pooled`: no column an appointment) as the full one: F1 and F2
    with one session a week hold two half-days of three appointments in the week before the
    group, so at most six of seven start; with two sessions a week, three half-days hold all
    seven."""
    _, _, _, (plans, res, _) = _seven_and_two_facilitators(tmp_path, config, sessions)
    pr = plans[0].problem
    full, pooled = quarter_mip([pr], res), quarter_mip([pr], res, pooled=True)
    assert pooled.n_cols < full.n_cols and not pooled.node_cols
    x, st = solve(maximise(pooled, started_vector(pooled, [pr]), []), HighsParams(10.0))
    assert st.status == "OPTIMAL" and x is not None
    assert round(float(started_vector(pooled, [pr]) @ x)) == most
    assert _presolved_bound([pr], res, [], HighsParams(10.0)) == most


def test_no_group_is_offered_to_someone_with_no_pre_group_half_day_before_it(tmp_path, config):
    """X is free on Monday mornings only, and taken (Unpaid Work) on every Monday morning in
    the two weeks before each of the quarter's start dates (28 December is a bank holiday):
    no group is offered to X, and X is told why. Free on them, X is offered every one."""
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C", "X")]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM")], [facilitator()])
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    mondays = [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 21)]
    mondays += [date(2027, 1, 18), date(2027, 1, 25)]
    taken = {"X": {(d, "AM"): "unpaid work" for d in mondays}}
    for busy, offered in ((taken, 0), (None, 3)):
        plans, _, _ = build_plans(ds, config, times, START, busy)
        plan = plans[0]
        x = plan.problem.person_ids.index("X")
        assert int((plan.problem.pair_person == x).sum()) == offered
        why = plan.reasons[x]
        assert (why is not None and why.code == "NO_PRE_GROUP") == (offered == 0)
        assert why is None or "pre-group" in why.text


def _handed_over(tmp_path, config, da_slot: str, f1_week: int):
    """A, B and C (SI-EM, Monday mornings) planned into the 7 December group with F1, trained
    for both programmes (`f1_week` sessions a week); D, E, F and G (SI-DA, `da_slot`) into the
    4 January week's group with F2; F3 is trained for SI-EM only. Booked with no hand-over and
    with them (`config`): each booking's groups, members and appointments."""
    refs = [referral(p, available_slots="Mon-AM") for p in "ABC"]
    refs += [referral(p, programme="SI-DA", available_slots=da_slot) for p in "DEFG"]
    slots = "Mon-AM;" + da_slot if da_slot != "Mon-AM" else da_slot
    facs = [
        facilitator(
            "F1",
            trained_programmes="SI-EM;SI-DA",
            available_slots=slots,
            max_sessions_per_week=f1_week,
        ),
        facilitator("F2", trained_programmes="SI-DA", available_slots=da_slot),
        facilitator("F3", trained_programmes="SI-EM", available_slots="Mon-AM"),
    ]
    progs = [programme(), programme("SI-DA")]
    write_groups(tmp_path, refs, progs, [venue(available_slots=slots, rooms=2)], facs)
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    names = [p.programme["programme"] for p in plans]
    planned = {}
    for name, start, fac in (("SI-EM", "2026-12-07", 0), ("SI-DA", "2027-01-0", 1)):
        plan = plans[names.index(name)]
        pr = plan.problem
        (c,) = [
            c for c in range(len(pr.cand_venue)) if str(plan.cand_dates[c][0]).startswith(start)
        ]
        book(pr, res, c, [fac])
        cand_of = np.full(len(pr.person_ids), c, np.int64)
        planned[name] = GroupsResult(cand_of, {c: [fac]}, SolveStats("HEURISTIC", None, None, 0.0))
    none = config.model_copy(
        update={"groups": config.groups.model_copy(update={"pre_group_hand_overs": 0})}
    )
    return [
        _booked(plans, [planned[n] for n in names], res, meta, cfg, (ds, times))[1:]
        for cfg in (none, config)
    ]


def test_a_group_is_handed_over_to_free_a_members_only_half_day(tmp_path, config):
    """The SI-DA group's only pre-group Monday is 21 December (28 December is a bank holiday).
    F2's half-day holds three appointments, and F1 runs SI-EM's group then, so the fourth has
    none: with no hand-over three of SI-DA's start. Handed to F3, free on all its Mondays, the
    SI-EM group frees F1 on 21 December for the fourth: all seven start, and the checker
    passes the plan."""
    for (groups, members, _, pre), started, em_fac in zip(
        _handed_over(tmp_path, config, "Mon-AM", 5), (6, 7), ("F1", "F3")
    ):
        assert len(members) == started == len(pre)
        assert groups.set_index("programme").loc["SI-EM", "facilitator_ids"] == em_fac
    assert set(pre.loc[pre["date"] == "2026-12-21", "facilitator_id"]) == {"F1", "F2"}


def test_a_group_is_handed_over_to_free_a_session_of_a_members_week(tmp_path, config):
    """One appointment a half-day; SI-DA's four come on Tuesday mornings, 22 and 29 December
    before their 5 January group. F2 meets two; F1, free on those Tuesdays, has one session a
    week, and SI-EM's group holds it in both weeks (the week of the 28th, a bank holiday, too:
    its session moves on, and its facilitator's week is kept): with two, SI-DA's group (at
    least three) cannot run then. With no hand-over it moves to 2 February, before which three
    of the four have an appointment (`_another_start`): six start. Handed to F3, the SI-EM
    group leaves F1 those weeks' sessions for the other two: all seven start, SI-DA's group on
    5 January."""
    one = _one_a_half_day(config)
    for (groups, members, _, pre), started, em_fac, da_start in zip(
        _handed_over(tmp_path, one, "Tue-AM", 1),
        (6, 7),
        ("F1", "F3"),
        ("2027-02-02", "2027-01-05"),
    ):
        assert len(members) == started == len(pre)
        by_programme = groups.set_index("programme")
        assert by_programme.loc["SI-EM", "facilitator_ids"] == em_fac
        assert by_programme.loc["SI-DA", "start_date"] == da_start
    f1 = pre.set_index("person_id").loc[list("DEFG")].query("facilitator_id == 'F1'")
    assert sorted(f1["date"]) == ["2026-12-22", "2026-12-29"]


@pytest.mark.parametrize("sessions, most", [(1, 6), (2, 8)])
def test_groups_with_the_same_facilitators_and_weeks_share_their_appointments(
    tmp_path, config, sessions, most
):
    """Four people free on Monday mornings and four on Tuesday mornings, F1 and F2 free both:
    a Monday and a Tuesday group at V1, starting in the same week, have the same facilitators
    and week for their members' appointments, so the model gives both one node of appointment
    columns, one a facilitator and week. The node holds its groups to their facilitators'
    half-days together: with one session a week each, two half-days of three appointments,
    so six of the eight start; with two, all eight."""
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCD"]
    refs += [referral(p, available_slots="Tue-AM") for p in "EFGH"]
    facs = [facilitator(f, max_sessions_per_week=sessions) for f in ("F1", "F2")]
    write_groups(tmp_path, refs, [programme()], [venue()], facs)
    week = config.model_copy(
        update={
            "groups": config.groups.model_copy(update={"horizon_weeks": 2, "pre_group_weeks": 1})
        }
    )
    plans, res, _ = build_plans(load_groups(tmp_path), week, TravelTimes(config.travel), START)
    pr = plans[0].problem
    mip = quarter_mip([pr], res)
    nodes = {}
    for c, g in mip.pre_node[0].items():
        nodes.setdefault((int(pr.cand_venue[c]), int(pr.cand_start[c])), set()).add(g)
    assert len(mip.pre_node[0]) > len(nodes) and all(len(gs) == 1 for gs in nodes.values())
    assert sorted(len(cols) for cols in mip.node_cols) == [2] * len(mip.node_cols)
    x, st = solve(maximise(mip, started_vector(mip, [pr]), []), HighsParams(10.0))
    assert st.status == "OPTIMAL" and x is not None
    cand_of, facs_of = decode_plans(mip, [pr], x)[0]
    assert int((cand_of >= 0).sum()) == most and len(facs_of) == 2


def _moved_on(tmp_path, config, x_sentence_end: str):
    """C, D and E planned into the 7 December group with F1, and A, B and X, referred on 1
    December, into the 4 January one with F2 (Monday mornings, two rooms), one appointment a
    half-day: before 4 January only 21 December is a working Monday, when F1 runs the first
    group, so F2 meets one of the three and the group (at least three) cannot run as planned.
    Booked (`_booked`): its tables, and the 4 January and 1 February candidates."""
    refs = [referral(p, available_slots="Mon-AM") for p in "CDE"]
    refs += [referral(p, available_slots="Mon-AM", referral_date="2026-12-01") for p in "AB"]
    refs.append(
        referral(
            "X", available_slots="Mon-AM", referral_date="2026-12-01", sentence_end=x_sentence_end
        )
    )
    facs = [facilitator(f, available_slots="Mon-AM") for f in ("F1", "F2")]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM", rooms=2)], facs)
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    one = _one_a_half_day(config)
    plans, res, meta = build_plans(ds, one, times, START)
    plan = plans[0]
    pr = plan.problem
    first = {plan.cand_dates[c][0].isoformat(): c for c in range(len(pr.cand_venue))}
    early, late, later = first["2026-12-07"], first["2027-01-04"], first["2027-02-01"]
    who = {p: n for n, p in enumerate(pr.person_ids)}
    cand_of = np.full(len(pr.person_ids), -1, np.int64)
    cand_of[[who[p] for p in "CDE"]] = early
    cand_of[[who[p] for p in "ABX"]] = late
    facilitators = {early: [0], late: [1]}
    for c, js in facilitators.items():
        book(pr, res, c, js)
    planned = GroupsResult(cand_of, facilitators, SolveStats("HEURISTIC", None, None, 0.0))
    return _booked(plans, [planned], res, meta, one, (ds, times)), late, later


def test_a_group_that_cannot_run_as_planned_moves_to_another_start(tmp_path, config):
    """The 4 January group moves to 1 February (the same venue and slot, with F2), before
    which F2 and F1 have Mondays for all three: everyone starts, and the checker passes it."""
    (kept, groups, members, unplaced, pre), late, later = _moved_on(tmp_path, config, "2027-12-31")
    assert late not in kept[0].facilitators and kept[0].facilitators[later] == [1]
    assert sorted(members["person_id"]) == list("ABCDEX") == sorted(pre["person_id"])
    assert unplaced.empty
    dates = pre.set_index("person_id").loc[list("ABX"), "date"]
    assert set(dates) <= {"2027-01-18", "2027-01-25"}


def test_a_group_no_other_start_suits_does_not_run(tmp_path, config):
    """X's sentence ends on 28 February, before a 1 February group would end: no other start
    suits all three, so the 4 January group does not run and they do not start."""
    (kept, groups, members, unplaced, pre), late, later = _moved_on(tmp_path, config, "2027-02-28")
    assert late not in kept[0].facilitators and later not in kept[0].facilitators
    assert sorted(members["person_id"]) == list("CDE") == sorted(pre["person_id"])
    assert set("ABX") <= set(unplaced.index)


@pytest.mark.parametrize(
    "seconds, late, started",
    [(10.0, False, {"B", "C", "D", "X"}), (0.0, False, set()), (10.0, True, set())],
)
def test_a_programme_is_solved_again_without_a_group_the_booking_could_not_run(
    tmp_path, config, seconds, late, started
):
    """A, B and X planned into the 7 December group (at least three; A's sentence ends before
    a later one would), C and D (A's co-defendant) into none, as a plan made without the
    pre-group rule might. X, referred on 1 December, has no pre-group Monday before it, D
    cannot take the place beside A, and no other start suits A: the group does not run, and
    nobody starts. Solved again without it (`book_solved`), the programme places B, X, C and D
    in the 4 January group, whose one pre-group Monday (21 December; the 28th is a bank
    holiday) holds three; solved again without C's place there too, they start on 1 February
    (pre-group Mondays 18 and 25 January), all four, and the checker passes it. With no
    seconds for that, or past the time it must end by, nobody starts."""
    refs = [
        referral("A", available_slots="Mon-AM", sentence_end="2027-01-31"),
        referral("B", available_slots="Mon-AM"),
        referral("X", available_slots="Mon-AM", referral_date="2026-12-01"),
        referral("C", available_slots="Mon-AM", referral_date="2026-12-01"),
        referral("D", available_slots="Mon-AM", exclude_person_ids="A"),
    ]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM")], [facilitator()])
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    cfg = config.model_copy(
        update={"groups": config.groups.model_copy(update={"rebook_seconds": seconds})}
    )
    plans, res, meta = build_plans(ds, cfg, times, START)
    plan = plans[0]
    pr = plan.problem
    early = next(c for c in range(len(pr.cand_venue)) if plan.cand_dates[c][0] == date(2026, 12, 7))
    who = {p: n for n, p in enumerate(pr.person_ids)}
    cand_of = np.full(len(pr.person_ids), -1, np.int64)
    cand_of[[who[p] for p in "ABX"]] = early
    left = res.copy()
    book(pr, left, early, [0])
    planned = GroupsResult(cand_of, {early: [0]}, SolveStats("HEURISTIC", 3.0, None, 0.0))
    params = replace(solver_params(cfg, 5.0), processes=1)
    until = time.perf_counter() - 1.0 if late else None
    kept, appts, _ = book_solved(
        plans, res, [planned], left, meta["one_to_one"], cfg, params, None, until
    )
    groups, members, _, _ = tables(plans, kept, meta, cfg)
    pre = pre_group_table(plans, appts, members, meta)
    assert check_groups(ds, groups, members, cfg, times, START, None, pre) == []
    assert set(members["person_id"]) == started == set(pre["person_id"])
    assert kept[0].stats.objective == (4.0 if started else 3.0)
    assert list(groups["start_date"]) == (["2027-02-01"] if started else [])
    assert (kept[0].stats.seconds > 0.0) is (seconds > 0 and not late)  # solving again counts
