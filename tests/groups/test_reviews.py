"""The programme review list: everyone referred whose programme is not completed at a review
(6 and 3 months before the sentence ends) falling in the quarter, as WAITING, IN_GROUP (a new
or running group that ends after the review) or NO_GROUP_FITS, each with the reason; nobody
whose group ends by the review."""

from __future__ import annotations

from datetime import date

from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import no_group_fits, reviews, tables
from engine.groups.plan import build_plans, solve_plans, solver_params
from geo.travel import TravelTimes
from tests.builders import facilitator, programme, referral, running_group, venue, write_groups

START = date(2026, 11, 23)  # a Monday; the quarter runs to 22 February 2027


def _reviewed(folder, config, solver: str):
    """The quarter planned from `folder` by `solver`, checked, and its reviews."""
    ds, times = load_groups(folder), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    groups, members, unplaced, _ = tables(
        plans, solve_plans(plans, res, solver, solver_params(config, 5.0))[0], meta, config
    )
    assert check_groups(ds, groups, members, config, times, START) == []
    return groups, reviews(ds, no_group_fits(plans), groups, members, unplaced, START, config)


def test_each_review_in_the_quarter_with_the_programme_not_completed(tmp_path, config):
    refs = [
        referral("A", available_slots="Mon-AM", sentence_end="2027-06-10", exclude_person_ids="W"),
        referral("B", available_slots="Mon-AM", sentence_end="2027-07-20"),  # review 20 Jan
        referral("X", available_slots="Mon-AM", sentence_end="2028-01-01"),  # none this quarter
        referral(  # A's co-defendant, further away: the group takes A, W waits
            "W",
            available_slots="Mon-AM",
            sentence_end="2027-06-10",
            exclude_person_ids="A",
            home_lat=52.75,
        ),
        referral("T", available_slots="Tue-AM", sentence_end="2027-06-10"),  # alone on Tuesdays
        referral("N", available_slots="Wed-PM", sentence_end="2027-06-10"),  # no venue then
        referral("M1", available_slots="Mon-AM", sentence_end="2027-06-01"),  # review 1 Dec
    ]
    facs = [facilitator("F1"), facilitator("F2")]
    write_groups(
        tmp_path,
        refs,
        [programme()],
        [venue(rooms=2)],
        facs,
        [running_group()],  # R1: Mondays, ends 7 December
    )
    groups, due = _reviewed(tmp_path, config, "cpsat")
    due = due.set_index("person_id")
    new = groups[groups["status"] == "NEW"]
    # from 7 December (after the two pre-group weeks), 28 December a bank holiday
    assert len(new) == 1 and new["end_date"].iat[0] == "2027-01-18"
    assert sorted(due.index) == ["A", "M1", "N", "T", "W"]  # B done by 20 Jan, X no review
    assert due.loc["A", "status"] == "IN_GROUP" and due.loc["A", "review_date"] == "2026-12-10"
    assert due.loc["A", "group_end"] == "2027-01-18" and due.loc["A", "review"] == 6
    assert due.loc["M1", "status"] == "IN_GROUP" and due.loc["M1", "group_id"] == "R1"
    assert due.loc["W", "status"] == "WAITING"
    assert due.loc["W", "reason"] == "a co-defendant is in G-SI-EM-001"
    assert due.loc["N", "status"] == "NO_GROUP_FITS" and "slots" in due.loc["N", "reason"]
    assert due.loc["T", "status"] == "NO_GROUP_FITS"  # too few share Tuesday mornings


def test_a_one_to_one_under_way_is_reviewed_as_one(tmp_path, config):
    """T's one-to-one, carried into the quarter under way (as `probation groups running`
    writes it: a running row marked one_to_one, 2 of 6 sessions done), ends after T's review
    of 10 December: listed ONE_TO_ONE with its end, not IN_GROUP."""
    refs = [referral("T", available_slots="Tue-AM", sentence_end="2027-06-10")]
    carried = running_group(
        "one-to-one/T", slots="Tue-AM", person_ids="T", sessions_done=2, one_to_one=True
    )
    write_groups(tmp_path, refs, [programme()], [venue()], [facilitator("F1")], [carried])
    groups, due = _reviewed(tmp_path, config, "greedy")
    row = due.set_index("person_id").loc["T"]
    end = groups.set_index("group_id").at["one-to-one/T", "end_date"]
    assert row["status"] == "ONE_TO_ONE" and row["group_end"] == end > row["review_date"]
