"""Groups already running (`groups_running.csv`): validated by file, row and field; pinned, so
their remaining sessions hold their room and facilitators before anything new is planned;
their members not planned again; their end date recomputed with the calendar; and the checker
refusing a new group that clashes with one."""

from __future__ import annotations

from datetime import date

import pytest

from engine.core.contract import DataContractError
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import tables
from engine.groups.plan import build_plans, solve_plans, solver_params
from geo.travel import TravelTimes
from tests.builders import facilitator, programme, referral, running_group, venue, write_groups

START = date(2026, 11, 23)  # a Monday
SOLVERS = ["mip", "cpsat", "greedy"]


def _plan(tmp_path, config, refs, running, facs=None, venues=None, solver="cpsat"):
    write_groups(
        tmp_path,
        refs,
        [programme()],
        venues or [venue()],
        facs or [facilitator()],
        running,
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    groups, members, unplaced, figures = tables(
        plans, solve_plans(plans, res, solver, solver_params(config, 5.0))[0], meta, config
    )
    assert check_groups(ds, groups, members, config, times, START) == []
    return groups, members, unplaced, figures, ds


def test_a_running_group_is_validated_by_row_and_field(tmp_path):
    bad = [
        running_group("R1", venue_id="NOWHERE", facilitator_ids="F9"),
        running_group("R2", slots="Mon-AM;Tue-AM", sessions_done=6, person_ids="M1"),
        running_group("R3", person_ids="M1", programme="NOPE"),
    ]
    write_groups(tmp_path, [referral("A")], [programme()], [venue()], [facilitator()], bad)
    with pytest.raises(DataContractError) as err:
        load_groups(tmp_path)
    text = str(err.value)
    for needle in (
        "groups_running.csv row 1",
        "venue_id",
        "facilitator_ids",
        "row 2",
        "sessions_done",
        "slots",
        "row 3",
        "already a member of R2",
        "programme",
    ):
        assert needle in text, needle


@pytest.mark.parametrize(
    "broken",
    [
        ("programmes", "min_group"),
        ("venues", "rooms"),
        ("facilitators", "max_sessions_per_week"),
    ],
)
def test_a_bad_row_elsewhere_is_the_one_problem_listed(tmp_path, broken):
    """One bad row in the file a running group refers to: that row is the problem listed, not
    the running group's programme, venue and facilitators too (the file it names them in failed
    its own checks, so each of its ids would read as unknown)."""
    stem, column = broken
    progs, venues, facs = [programme()], [venue()], [facilitator()]
    table = {"programmes": progs, "venues": venues, "facilitators": facs}[stem]
    table[0] = {**table[0], column: -1}
    write_groups(tmp_path, [referral("A")], progs, venues, facs, [running_group("R1")])
    with pytest.raises(DataContractError) as err:
        load_groups(tmp_path)
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [(f"{stem}.csv", 1, column)]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_pinned_groups_facilitator_and_room_are_not_taken_by_a_new_group(
    tmp_path, config, solver
):
    """One room, one facilitator, free on Monday mornings only; a running group holds both
    until 7 December: the new group for the three waiting starts only after it ends (the next
    start week), not on 7 December (the first start after the pre-group weeks) as it would
    without it."""
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C")]
    facs = [facilitator(available_slots="Mon-AM")]
    venues = [venue(available_slots="Mon-AM")]
    groups, members, _, figures, _ = _plan(
        tmp_path, config, refs, [running_group()], facs, venues, solver
    )
    by = groups.set_index("status")
    assert sorted(groups["status"]) == ["NEW", "RUNNING"] and len(members) == 3
    assert by.loc["NEW", "start_date"] > by.loc["RUNNING", "end_date"] == "2026-12-07"
    assert figures["running_groups"] == 1 and figures["running_members"] == 3
    groups, members, _, _, _ = _plan(tmp_path, config, refs, None, facs, venues, solver)
    assert list(groups["start_date"]) == ["2026-12-07"] and len(members) == 3


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_second_facilitator_lets_a_new_group_share_the_slot(tmp_path, config, solver):
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C")]
    facs = [
        facilitator("F1", available_slots="Mon-AM"),
        facilitator("F2", available_slots="Mon-AM"),
    ]
    venues = [venue(available_slots="Mon-AM", rooms=2)]
    groups, members, _, _, _ = _plan(
        tmp_path, config, refs, [running_group()], facs, venues, solver
    )
    new = groups[groups["status"] == "NEW"]
    assert len(new) == 1 and new["facilitator_ids"].iat[0] == "F2" and len(members) == 3


def test_members_of_a_running_group_are_not_planned_again(tmp_path, config):
    refs = [referral(p) for p in ("M1", "A", "B", "C")]
    facs = [facilitator("F1"), facilitator("F2")]
    groups, members, unplaced, _, _ = _plan(
        tmp_path, config, refs, [running_group()], facs, [venue(rooms=2)]
    )
    assert "M1" not in set(members["person_id"]) and "M1" not in set(unplaced["person_id"])
    assert sorted(members["person_id"]) == ["A", "B", "C"]


def test_the_end_date_is_recomputed_with_the_calendar(tmp_path, config):
    """Six Monday sessions from 2 Nov, three done: three left from 23 Nov, so it ends on
    7 Dec; with 30 Nov a bank holiday the last session moves to 14 Dec."""
    refs = [referral("A")]
    groups, *_ = _plan(tmp_path, config, refs, [running_group()])
    row = groups.set_index("group_id").loc["R1"]
    assert row["end_date"] == "2026-12-07" and row["sessions_left"] == 3
    cal = config.calendar.model_copy(
        update={"bank_holidays": (*config.calendar.bank_holidays, date(2026, 11, 30))}
    )
    later = config.model_copy(update={"calendar": cal})
    groups, *_ = _plan(tmp_path, later, refs, [running_group()])
    assert groups.set_index("group_id").loc["R1", "end_date"] == "2026-12-14"


def test_a_group_begun_after_the_first_day_keeps_the_sessions_it_held(tmp_path, config):
    """Planned from 23 Nov with the groups as they are later: six Monday sessions from 30 Nov,
    one done, so five left after it: 7, 14 and 21 Dec, 4 Jan (28 Dec is a bank holiday) and
    11 Jan, where counting the five from its start held 30 Nov twice and ended on 4 Jan."""
    refs = [referral("A")]
    begun = running_group(start_date="2026-11-30", sessions_done=1)
    groups, *_ = _plan(tmp_path, config, refs, [begun])
    row = groups.set_index("group_id").loc["R1"]
    assert row["sessions_left"] == 5 and row["end_date"] == "2027-01-11"


def test_the_checker_refuses_a_new_group_on_a_running_groups_facilitator(tmp_path, config):
    refs = [referral(p, available_slots="Mon-AM") for p in ("M1", "A", "B", "C")]
    facs = [
        facilitator("F1", available_slots="Mon-AM"),
        facilitator("F2", available_slots="Mon-AM"),
    ]
    venues = [venue(available_slots="Mon-AM", rooms=2)]
    groups, members, _, _, ds = _plan(tmp_path, config, refs, [running_group()], facs, venues)
    times = TravelTimes(config.travel)
    clash = groups.copy()
    clash.loc[clash["status"] == "NEW", "facilitator_ids"] = "F1"
    problems = check_groups(ds, clash, members, config, times, START)
    assert any("double-booked" in str(p) and "F1" in str(p) for p in problems)
    joined = members.copy()
    joined.loc[0, "person_id"] = "M1"  # a running group's member put in the new group
    problems = check_groups(ds, groups, joined, config, times, START)
    assert any("already in R1" in str(p) for p in problems)
    wrong_end = groups.copy()
    wrong_end.loc[wrong_end["status"] == "RUNNING", "end_date"] = "2026-12-01"
    problems = check_groups(ds, wrong_end, members, config, times, START)
    assert any("the calendar gives" in str(p) for p in problems)


def test_a_new_group_never_takes_a_running_groups_id(tmp_path, config):
    """The running group is named as a new one of the last plan was (G-SI-EM-001, as
    `probation groups running` carries it): the new group is G-SI-EM-002, and the checker
    refuses two groups sharing an id (they had reached the store as a clash of keys)."""
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C")]
    facs = [facilitator("F1", available_slots="Mon-AM"), facilitator("F2")]
    venues = [venue(available_slots="Mon-AM", rooms=2)]
    carried = running_group("G-SI-EM-001", facilitator_ids="F2")
    groups, members, _, _, ds = _plan(tmp_path, config, refs, [carried], facs, venues)
    assert sorted(zip(groups["group_id"], groups["status"])) == [
        ("G-SI-EM-001", "RUNNING"),
        ("G-SI-EM-002", "NEW"),
    ]
    twice = groups.copy()
    twice["group_id"] = "G-SI-EM-001"
    problems = check_groups(ds, twice, members, config, TravelTimes(config.travel), START)
    assert any("G-SI-EM-001: group id: two groups share it" in str(p) for p in problems)


def test_a_running_group_may_be_women_only(tmp_path, config):
    """The optional `women_only` column (as `probation groups running` carries a women-only
    group) is kept on the RUNNING row; without it a running group is not women-only."""
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C")]
    groups, *_ = _plan(tmp_path, config, refs, [running_group(women_only=True)])
    assert groups.set_index("group_id").at["R1", "women_only"] == True  # noqa: E712
    groups, *_ = _plan(tmp_path, config, refs, [running_group()])
    assert groups.set_index("group_id").at["R1", "women_only"] == False  # noqa: E712
