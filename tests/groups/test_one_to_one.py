"""One-to-one delivery: whoever no group takes, on a structured intervention (or an accredited
programme the config names), gets their sessions scheduled with a trained facilitator and a
room, counted against the facilitator's week; the checker refuses a one-to-one that breaks a
rule or clashes with a group."""

from __future__ import annotations

from collections import Counter
from datetime import date

from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import one_to_one_table, tables, without_one_to_one
from engine.groups.one_to_one import (
    plan_one_to_one,
)
from engine.groups.plan import (
    build_plans,
    solve_plans,
    solver_params,
)
from engine.groups.rules import group_sessions
from geo.travel import TravelTimes
from tests.builders import facilitator, programme, referral, running_group, venue, write_groups

START = date(2026, 11, 23)  # a Monday


def _plan(tmp_path, config, refs, progs=None, facs=None, venues=None, running=None):
    write_groups(
        tmp_path,
        refs,
        progs or [programme()],
        venues or [venue()],
        facs or [facilitator()],
        running,
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    results, left = solve_plans(plans, res, "mip", solver_params(config, 5.0))
    groups, members, unplaced, figures = tables(plans, results, meta, config)
    planned, _, missed = plan_one_to_one(plans, results, left, meta["one_to_one"], config)
    ones = one_to_one_table(plans, planned, meta)
    unplaced = without_one_to_one(unplaced, ones, figures, missed)
    assert check_groups(ds, groups, members, config, times, START, ones) == []
    return groups, members, unplaced, ones, ds


def test_someone_no_group_fits_gets_one_to_one_sessions(tmp_path, config):
    """Alone on Tuesday mornings: too few for a group; the structured intervention is delivered
    one-to-one at the venue with the trained facilitator, from the first week."""
    groups, members, unplaced, ones, _ = _plan(
        tmp_path, config, [referral("T", available_slots="Tue-AM")]
    )
    assert groups.empty and members.empty and unplaced.empty
    row = ones.set_index("person_id").loc["T"]
    assert row["slot"] == "Tue-AM" and row["facilitator_id"] == "F1" and row["venue_id"] == "V1"
    assert row["start_date"] == "2026-11-24" and row["sessions"] == 6


def test_an_accredited_programme_only_when_the_config_allows_it(tmp_path, config):
    acc = [programme("ACC", kind="ACCREDITED")]
    refs = [referral("T", programme="ACC", available_slots="Tue-AM")]
    facs = [facilitator(trained_programmes="ACC")]
    _, _, unplaced, ones, _ = _plan(tmp_path, config, refs, acc, facs)
    assert ones.empty and list(unplaced["person_id"]) == ["T"]
    allowed = config.model_copy(
        update={"groups": config.groups.model_copy(update={"one_to_one_accredited": ["ACC"]})}
    )
    _, _, unplaced, ones, _ = _plan(tmp_path, allowed, refs, acc, facs)
    assert list(ones["person_id"]) == ["T"] and unplaced.empty


def test_one_to_ones_count_against_the_facilitators_week(tmp_path, config):
    """One facilitator with one session a week and two people alone: the second one-to-one
    starts only when the first has ended, never two sessions in one week."""
    refs = [
        referral("T", available_slots="Tue-AM", sentence_end="2027-12-31"),
        referral("U", available_slots="Mon-AM", sentence_end="2028-06-30"),
    ]
    facs = [facilitator(max_sessions_per_week=1)]
    _, _, _, ones, _ = _plan(tmp_path, config, refs, facs=facs)
    assert sorted(ones["person_id"]) == ["T", "U"]  # T first: the sooner sentence end
    weeks: Counter = Counter()
    holidays = frozenset(config.calendar.bank_holidays)
    for r in ones.to_dict("records"):
        for d, _ in group_sessions(date.fromisoformat(r["start_date"]), [r["slot"]], 6, holidays):
            weeks[d.isocalendar()[:2]] += 1
    assert max(weeks.values()) == 1


def test_the_checker_refuses_a_broken_one_to_one(tmp_path, config):
    refs = [referral(p, available_slots="Mon-AM") for p in ("M1", "T")]
    facs = [facilitator("F1"), facilitator("F2")]
    groups, members, _, ones, ds = _plan(
        tmp_path, config, refs, facs=facs, venues=[venue(rooms=2)], running=[running_group()]
    )
    assert ones.set_index("person_id").loc["T", "facilitator_id"] == "F2"  # F1 runs R1
    times = TravelTimes(config.travel)

    def problems(table):
        return [str(p) for p in check_groups(ds, groups, members, config, times, START, table)]

    clash = ones.assign(facilitator_id="F1")  # on the running group's facilitator
    assert any("double-booked" in p and "F1" in p for p in problems(clash))
    late = ones.assign(end_date="2026-12-28")  # the calendar gives 4 Jan (28 Dec a holiday)
    assert any("dates" in p for p in problems(late))
    twice = ones.assign(person_id="M1")  # a running group's member
    assert any("one-to-one/M1" in p and "already in R1" in p for p in problems(twice))


def test_whom_no_one_to_one_fits_are_told_why_not_sent_to_look_for_one(tmp_path, config):
    """T and U, alone on Tuesday mornings, may each be delivered one-to-one, and their
    sentences end on 20 January. The one facilitator gives U (the sooner end) six sessions
    to 29 December; T's would end after the sentence, so T is told why none fits (once told
    to look for a one-to-one the planner could not find). Where no facilitator works Tuesday
    mornings at all, that is the reason; with one room, U's sessions take it first."""
    refs = [
        referral("T", available_slots="Tue-AM", sentence_end="2027-01-20"),
        referral("U", available_slots="Tue-AM", sentence_end="2027-01-19"),
    ]
    _, _, unplaced, ones, _ = _plan(tmp_path, config, refs, venues=[venue(rooms=2)])
    assert list(ones["person_id"]) == ["U"] and list(unplaced["person_id"]) == ["T"]
    assert unplaced["alternative"].iat[0] == (
        "remote delivery of SI-EM: no one-to-one fits (every trained facilitator who could is "
        "booked or at their weekly sessions)"
    )
    facs = [facilitator(available_slots="Mon-AM;Wed-AM")]
    _, _, unplaced, ones, _ = _plan(tmp_path, config, refs[:1], facs=facs)
    assert ones.empty and unplaced.set_index("person_id")["alternative"].to_dict() == {
        "T": "remote delivery of SI-EM: no one-to-one fits (no trained facilitator works their "
        "half-days within driving distance of a venue in reach)"
    }
    _, _, unplaced, _, _ = _plan(tmp_path, config, refs)
    assert (
        unplaced["alternative"]
        .iat[0]
        .endswith("(the rooms at the venues in reach are taken on their half-days)")
    )
