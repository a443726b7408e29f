"""Inductions: someone who has not started is inducted in a slot (within 60 minutes each way)
before any work session, within 15 working days of sentence; late or unplaceable inductions
are listed with why; a woman is never alone among men at induction unless she agreed. Each
rule bites on a tiny week, for both solvers, and every week passes the independent checker."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.core.contract import DataContractError
from engine.core.lifecycle import RunOptions
from engine.unpaid_work.check import check_week
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.pipeline import run_week
from geo.travel import TravelTimes
from tests.builders import induction, person, placement, schedule_row, write_upw

WEEK = "2026-W48"  # Mon 23 Nov 2026
MON, TUE, WED = "2026-11-23", "2026-11-24", "2026-11-25"
SOLVERS = ["mip", "cpsat", "greedy"]
NEW = {"hours_completed": 0, "sentence_date": "2026-11-16"}  # due by 7 Dec: in time this week


def _plan(tmp_path, config, people, places, slots, solver="mip"):
    data = write_upw(tmp_path, people, places, inductions=slots)
    out = tmp_path / "out"
    opts = RunOptions(
        data=data, out=out, period=WEEK, config=config, solver=solver, time_limit=5, force=True
    )
    summary = run_week(opts).summary
    text = {"person_id": str, "placement_id": str, "date": str, "travel_reason": str}
    sched = pd.read_csv(out / "upw_schedule.csv", dtype=text, keep_default_na=False)
    path = out / "upw_induction_plan.csv"
    plan = (
        pd.read_csv(path, dtype=str, keep_default_na=False).set_index("person_id", drop=False)
        if path.exists()
        else None
    )
    ds = load_upw(data, config)
    assert check_week(ds, sched, config, TravelTimes(config.travel), inductions=plan) == []
    return sched, plan, summary


@pytest.mark.parametrize("solver", SOLVERS)
def test_induction_comes_before_the_first_work_session(tmp_path, config, solver):
    """Free Mon and Wed, a Monday slot, a placement on both days: inducted Monday, works
    Wednesday (never Monday's session, the induction day)."""
    people = [person("A", available_days="Mon;Wed", **NEW)]
    places = [placement("G1", days="Mon;Wed", pickup_lat="", pickup_lon="")]
    sched, plan, summary = _plan(tmp_path, config, people, places, [induction("I1")], solver)
    assert plan.loc["A", "status"] == "PLANNED" and plan.loc["A", "date"] == MON
    assert sched["date"].tolist() == [WED]
    assert summary["inductions"] == {
        "given": True, "needed": 1, "planned": 1, "late": 0, "not_planned": 0
    }  # fmt: skip


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_work_before_a_later_induction(tmp_path, config, solver):
    """The only slot is on Wednesday: Monday's and Tuesday's sessions wait for next week."""
    people = [person("A", available_days="Mon;Tue;Wed", **NEW)]
    places = [placement("G1", days="Mon;Tue", pickup_lat="", pickup_lon="")]
    sched, plan, _ = _plan(tmp_path, config, people, places, [induction("I1", days="Wed")], solver)
    assert sched.empty and plan.loc["A", "date"] == WED


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_slot_over_an_hour_away_is_not_used_and_nobody_works_uninducted(tmp_path, config, solver):
    people = [person("A", available_days="Mon;Wed", **NEW)]
    places = [placement("G1", days="Wed", pickup_lat="", pickup_lon="")]
    far = induction("I1", lat=53.9, lon=-1.1)  # York, from Rutland
    sched, plan, _ = _plan(tmp_path, config, people, places, [far], solver)
    assert sched.empty and plan.loc["A", "status"] == "NOT_PLANNED"
    assert "within 60 minutes" in plan.loc["A", "reason"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_woman_is_not_inducted_alone_among_men_unless_she_agreed(tmp_path, config, solver):
    men = [person(f"M{k}", available_days="Mon", **NEW) for k in range(3)]
    her = person("W", sex="F", available_days="Mon", **NEW)
    places = [placement("G1", days="Wed", pickup_lat="", pickup_lon="")]
    _, plan, _ = _plan(tmp_path, config, men + [her], places, [induction("I1")], solver)
    inducted = set(plan[plan["status"] == "PLANNED"]["person_id"])
    assert "W" not in inducted or not inducted & {"M0", "M1", "M2"}
    assert "a woman alone among men" in plan.loc["W", "reason"] or "W" in inducted
    her_ok = dict(her, lone_woman_ok=True)
    _, plan, _ = _plan(tmp_path, config, men + [her_ok], places, [induction("I1")], solver)
    assert (plan["status"] == "PLANNED").all()


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_late_induction_is_flagged(tmp_path, config, solver):
    people = [person("A", available_days="Mon", hours_completed=0, sentence_date="2026-09-01")]
    places = [placement("G1", days="Wed", pickup_lat="", pickup_lon="")]
    _, plan, _ = _plan(tmp_path, config, people, places, [induction("I1")], solver)
    assert plan.loc["A", "status"] == "LATE" and "2026-09-22" in plan.loc["A", "reason"]


def test_someone_already_inducted_works_at_once(tmp_path, config):
    people = [person("A", available_days="Mon", inducted=True, **NEW)]
    places = [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    sched, plan, _ = _plan(tmp_path, config, people, places, [induction("I1")])
    assert sched["date"].tolist() == [MON] and plan.empty


def test_without_slots_the_first_session_is_the_induction(tmp_path, config):
    people = [person("A", available_days="Mon", **NEW)]
    places = [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    sched, plan, summary = _plan(tmp_path, config, people, places, None)
    assert sched["date"].tolist() == [MON] and plan is None
    assert summary["inductions"]["given"] is False


def test_checker_refuses_work_before_induction_and_an_induction_nobody_needs(tmp_path, config):
    people = [person("A", available_days="Mon;Wed", **NEW), person("B", available_days="Mon")]
    places = [placement("G1", days="Mon;Wed", pickup_lat="", pickup_lon="")]
    data = write_upw(tmp_path, people, places, inductions=[induction("I1", days="Wed")])
    ds = load_upw(data, config)
    times = TravelTimes(config.travel)
    work = pd.DataFrame([schedule_row("A", "G1", MON)])
    inducted = pd.DataFrame([{"person_id": "A", "induction_id": "I1", "date": WED}])
    found = check_week(ds, work, config, times, inductions=inducted)
    assert any(v.rule == "induction" and "before the" in v.message for v in found)
    found = check_week(ds, work.iloc[:0], config, times, inductions=inducted.assign(person_id="B"))
    assert any("does not need an induction" in v.message for v in found)
    assert check_week(ds, work.iloc[:0], config, times, inductions=inducted) == []


def test_a_slot_with_neither_days_nor_date_is_named(tmp_path, config):
    data = write_upw(tmp_path, [person("A")], [placement("G1")], inductions=[
        induction("I1"), induction("I2", days="", date="")
    ])  # fmt: skip
    with pytest.raises(DataContractError) as err:
        load_upw(data, config)
    (issue,) = err.value.issues
    assert (issue.file, issue.row, issue.column) == ("upw_inductions.csv", 2, "date")


def test_checker_refuses_a_lone_woman_and_an_overfull_induction(tmp_path, config):
    men = [person(f"M{k}", available_days="Mon", **NEW) for k in range(2)]
    her = person("W", sex="F", available_days="Mon", **NEW)
    places = [placement("G1", days="Wed", pickup_lat="", pickup_lon="")]
    data = write_upw(tmp_path, men + [her], places, inductions=[induction("I1", capacity=2)])
    ds = load_upw(data, config)
    none = pd.DataFrame(columns=["person_id", "placement_id", "date", "hours", "credited_hours"])
    inducted = pd.DataFrame(
        [{"person_id": p, "induction_id": "I1", "date": MON} for p in ("M0", "M1", "W")]
    )
    rules = {
        v.rule
        for v in check_week(ds, none, config, TravelTimes(config.travel), inductions=inducted)
    }
    assert {"women", "capacity"} <= rules
