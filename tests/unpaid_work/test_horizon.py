"""The weeks ahead: each week planned from the people as the weeks before leave them (hours
carried on, inductions done), week 1 firm and the rest provisional, and each person's
projected completion at the pace planned; every week passes the checker for the people as the
plan's earlier weeks leave them."""

from __future__ import annotations

import pandas as pd

from engine.core.lifecycle import RunOptions
from engine.unpaid_work.pipeline import run_week
from tests.builders import induction, person, placement, write_upw

WEEK = "2026-W48"  # Mon 23 Nov 2026


def _plan(tmp_path, config, people, places, weeks, slots=None):
    data = write_upw(tmp_path, people, places, inductions=slots)
    out = tmp_path / "out"
    opts = RunOptions(
        data=data,
        out=out,
        period=WEEK,
        config=config,
        solver="mip",
        time_limit=3,
        force=True,
        weeks=weeks,
    )
    summary = run_week(opts).summary  # the checker passed every week, or it would raise
    sched = pd.read_csv(out / "upw_schedule.csv", dtype={"date": str}, keep_default_na=False)
    prog = pd.read_csv(out / "upw_progress.csv", keep_default_na=False).set_index("person_id")
    return sched, prog, summary


def test_hours_carry_on_and_stop_when_the_order_is_done(tmp_path, config):
    """12 hours left, a 7-hour session each Monday: 7 in week 1, the last 5 in week 2,
    nothing in weeks 3 and 4 (credited never past the order)."""
    people = [person("A", available_days="Mon", hours_ordered=40, hours_completed=28)]
    places = [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    sched, prog, summary = _plan(tmp_path, config, people, places, 4)
    assert sched["date"].tolist() == ["2026-11-23", "2026-11-30"]
    assert sched["credited_hours"].tolist() == [7.0, 5.0]
    assert sched["firm"].tolist() == [True, False]
    assert [h["placed"] for h in summary["horizon"]] == [1, 1, 0, 0]
    assert prog.loc["A", "planned_hours_this_week"] == 7.0
    assert prog.loc["A", "planned_hours_per_week"] == 3.0  # 12 hours over 4 weeks


def test_inducted_in_week_one_works_in_week_two(tmp_path, config):
    """Only Mondays, a Monday slot and a Monday session: the induction takes week 1's Monday,
    work starts the Monday after."""
    people = [person("A", available_days="Mon", hours_completed=0, sentence_date="2026-11-16")]
    places = [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    sched, _, summary = _plan(tmp_path, config, people, places, 2, [induction("I1")])
    assert sched["date"].tolist() == ["2026-11-30"]
    assert summary["inductions"]["planned"] == 1


def test_one_week_is_still_one_week(tmp_path, config):
    people = [person("A", available_days="Mon")]
    places = [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    sched, _, summary = _plan(tmp_path, config, people, places, 1)
    assert summary["weeks"] == 1 and set(sched["week"]) == {WEEK} and sched["firm"].all()


def test_who_cannot_finish_in_time_whatever_is_planned(tmp_path, config):
    """Sentenced eleven months ago with 200 hours left at most 7 a week: cannot finish, and
    the hours a week they would need are given."""
    people = [
        person(
            "LATE",
            available_days="Mon",
            hours_ordered=240,
            hours_completed=40,
            max_hours_per_week=7,
            sentence_date="2026-01-05",
        )
    ]
    places = [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    _, prog, _ = _plan(tmp_path, config, people, places, 4)
    assert not prog.loc["LATE", "can_finish"] and prog.loc["LATE", "late"]
    assert prog.loc["LATE", "hours_per_week_needed"] > 7
