"""The weekly Unpaid Work scheduler: each hard rule bites on a tiny week, for the CP-SAT model
and the greedy baseline, and every output passes the independent checker."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from engine.core.lifecycle import RunOptions
from engine.unpaid_work.check import check_week
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.decode import reviews
from engine.unpaid_work.pipeline import run_week
from geo.travel import TravelTimes
from tests.builders import person, placement, schedule_row, write_upw

WEEK = "2026-W48"  # Mon 23 Nov 2026
SOLVERS = ["mip", "cpsat", "greedy"]


def _plan(tmp_path, config, people, places, solver):
    """The week through the production path (`run_week`: plan, check, store, export), read
    back from the files it wrote, and checked again as the files stand."""
    data = write_upw(tmp_path, people, places)
    out = tmp_path / "out"
    opts = RunOptions(data=data, out=out, period=WEEK, config=config, solver=solver, time_limit=5)
    run_week(replace(opts, force=True))
    ds = load_upw(data, config)
    text = {"person_id": str, "placement_id": str, "date": str, "travel_reason": str}
    sched = pd.read_csv(out / "upw_schedule.csv", dtype=text, keep_default_na=False)
    unplaced = pd.read_csv(out / "upw_unplaced.csv", dtype={"person_id": str, "reason": str})
    assert check_week(ds, sched, config, TravelTimes(config.travel)) == []
    return sched, unplaced.set_index("person_id") if len(unplaced) else unplaced, ds


def _sessions(sched, pid):
    return sched[sched["person_id"] == pid]


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity_and_one_a_day(tmp_path, config, solver):
    places = [placement("P1", capacity=1, days="Mon"), placement("P2", capacity=5, days="Mon")]
    sched, _, _ = _plan(
        tmp_path,
        config,
        [person("A", available_days="Mon"), person("B", available_days="Mon")],
        places,
        solver,
    )
    assert len(sched) == 2 and sched.groupby("date").size().max() == 2
    taken = sched.groupby("placement_id").size()
    assert taken.get("P1", 0) <= 1 and taken.get("P2", 0) <= 5  # each session within its capacity
    assert (sched.groupby("person_id").size() == 1).all()


@pytest.mark.parametrize("solver", SOLVERS)
def test_weekly_hours_and_availability(tmp_path, config, solver):
    places = [placement("P1", days="Mon;Tue;Wed;Thu;Fri", capacity=3)]
    sched, _, _ = _plan(
        tmp_path,
        config,
        [person("A", available_days="Mon;Wed;Fri", max_hours_per_week=14)],
        places,
        solver,
    )
    days = pd.to_datetime(sched["date"]).dt.day_name().str[:3]
    assert len(sched) == 2 and set(days) <= {"Mon", "Wed", "Fri"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_lone_woman_and_all_male(tmp_path, config, solver):
    places = [placement("CREW", days="Mon", capacity=5)]
    people = [
        person("W", sex="F", available_days="Mon"),
        person("M1", available_days="Mon"),
        person("M2", available_days="Mon"),
    ]
    sched, unplaced, _ = _plan(tmp_path, config, people, places, solver)
    placed = set(sched["person_id"])
    assert not ("W" in placed and placed & {"M1", "M2"})  # never the only woman among men
    assert len(placed) >= 1 and len(unplaced) >= 1
    people[0]["lone_woman_ok"] = True
    sched, _, _ = _plan(tmp_path, config, people, places, solver)
    assert set(sched["person_id"]) == {"W", "M1", "M2"}
    people.append(person("W2", sex="F", available_days="Mon"))  # with another woman both can go
    people[0]["lone_woman_ok"] = False
    sched, _, _ = _plan(tmp_path, config, people, places, solver)
    assert {"W", "W2"} <= set(sched["person_id"])


@pytest.mark.parametrize("solver", SOLVERS)
def test_exclusions_never_share_a_session(tmp_path, config, solver):
    places = [placement("CREW", days="Mon", capacity=5)]
    people = [
        person("A", available_days="Mon", exclude_person_ids="B"),
        person("B", available_days="Mon", exclude_person_ids="A"),
    ]
    sched, unplaced, _ = _plan(tmp_path, config, people, places, solver)
    assert len(sched) == 1 and len(unplaced) == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_restrictions(tmp_path, config, solver):
    places = [
        placement(
            "SHOP", kind="INDIVIDUAL", public_facing=True, pickup_lat="", pickup_lon="", days="Mon"
        ),
        placement("WS", kind="WORKSHOP", pickup_lat="", pickup_lon="", days="Tue"),
        placement("WO", women_only=True, days="Wed"),
    ]
    people = [
        person("NPF", no_public_facing=True, available_days="Mon;Tue"),
        person("WSO", needs_workshop=True, available_days="Mon;Tue"),
        person("MAN", available_days="Wed"),
    ]
    sched, unplaced, _ = _plan(tmp_path, config, people, places, solver)
    assert set(_sessions(sched, "NPF")["placement_id"]) <= {"WS"}
    assert set(_sessions(sched, "WSO")["placement_id"]) == {"WS"}
    assert "MAN" in unplaced.index


@pytest.mark.parametrize("solver", SOLVERS)
def test_travel_limits_and_ete_budget(tmp_path, config, solver):
    far = placement(
        "FAR", lat=52.95, lon=-0.30, pickup_lat="", pickup_lon="", days="Mon"
    )  # ~45 km away
    ete = placement("ETE1", kind="ETE", session_hours=3.5, pickup_lat="", pickup_lon="", days="Tue")
    people = [
        person("BUS", available_days="Mon"),
        person("CARER", available_days="Tue", carer_max_travel_minutes=5),
        person(
            "ETEFULL",
            available_days="Tue",
            hours_ordered=100,
            hours_completed=30,
            ete_hours_completed=18,
        ),
    ]
    sched, unplaced, _ = _plan(tmp_path, config, people, [far, ete], solver)
    assert "BUS" in unplaced.index  # over 90 minutes by public transport
    assert "CARER" in unplaced.index  # over the carer's limit
    assert "ETEFULL" in unplaced.index  # 18 + 3.5 > 20% of 100


def test_crew_bus_credits_supervised_travel(tmp_path, config):
    crew = placement("CREW", lat=52.60, lon=-0.55, pickup_lat=52.67, pickup_lon=-0.72, days="Mon")
    sched, _, _ = _plan(tmp_path, config, [person("A", available_days="Mon")], [crew], "mip")
    row = sched.iloc[0]
    assert row["supervised_travel_minutes"] > 0
    assert row["credited_hours"] == pytest.approx(
        7 + 2 * min(row["supervised_travel_minutes"], 60) / 60, abs=0.01
    )


def test_most_behind_goes_first(tmp_path, config):
    places = [placement("CREW", days="Mon", capacity=1)]
    people = [
        person("ONPACE", available_days="Mon", sentence_date="2026-06-01", hours_completed=60),
        person("BEHIND", available_days="Mon", sentence_date="2026-01-05", hours_completed=5),
    ]
    sched, _, ds = _plan(tmp_path, config, people, places, "mip")
    assert list(sched["person_id"]) == ["BEHIND"]
    rv = reviews(ds, sched, config, WEEK).set_index("person_id")
    assert (
        "ONPACE" in rv.index
        and rv.loc["ONPACE", "projected_completion"] == "not planned in the weeks ahead"
    )


def test_checker_catches_broken_weeks(tmp_path, config):
    places = [placement("CREW", days="Mon", capacity=1)]
    people = [person("A", available_days="Mon"), person("B", available_days="Tue")]
    sched, _, ds = _plan(tmp_path, config, people, places, "greedy")
    times = TravelTimes(config.travel)
    extra = sched.iloc[[0]].assign(person_id="B")
    problems = check_week(ds, pd.concat([sched, extra]), config, times)
    assert any("capacity" in str(p) for p in problems) and any(
        "availability" in str(p) for p in problems
    )


def test_long_trip_moved_when_a_closer_session_fits(tmp_path, config):
    from engine.unpaid_work.plan import build_week, week_dates
    from solvers.upw import shorten_long_trips

    far = placement(
        "FAR", lat=52.95, lon=-0.70, pickup_lat="", pickup_lon="", days="Mon"
    )  # about 30 km north
    near = placement("NEAR", lat=52.67, lon=-0.71, pickup_lat="", pickup_lon="", days="Mon")
    pd.DataFrame([person("A", available_days="Mon", travel_mode="car")]).to_csv(
        tmp_path / "upw_people.csv", index=False
    )
    pd.DataFrame([far, near]).to_csv(tmp_path / "upw_placements.csv", index=False)
    ds = load_upw(tmp_path, config)
    (week,) = build_week(ds, config, TravelTimes(config.travel), week_dates(WEEK))
    pr = week.problem
    sess = [week.sessions["placement_id"].iat[s] for s in pr.pair_session]
    k_far, k_near = sess.index("FAR"), sess.index("NEAR")
    assert pr.pair_travel[k_far] > 60 >= pr.pair_travel[k_near]
    start = np.zeros(len(sess), bool)
    start[k_far] = True
    target = config.upw.target_travel_minutes
    assert shorten_long_trips(pr, start, target)[0].tolist() == [
        i == k_near for i in range(len(sess))
    ]
    pr.session_capacity = np.where(
        np.arange(len(pr.session_ids)) == pr.pair_session[k_near], 0, pr.session_capacity
    )  # no room near
    assert shorten_long_trips(pr, start, target)[0][k_far]


def test_checker_rejects_a_long_trip_when_a_closer_session_had_room(tmp_path, config):
    # 73 min each way by public transport to MID, a few minutes to NEAR; both Monday, same hours
    mid = placement("MID", lat=52.82, lon=-0.70, pickup_lat="", pickup_lon="", days="Mon")
    near = placement(
        "NEAR", lat=52.67, lon=-0.71, pickup_lat="", pickup_lon="", days="Mon", capacity=1
    )
    write_upw(
        tmp_path,
        [person("A", available_days="Mon"), person("B", available_days="Mon")],
        [mid, near],
    )
    ds, times = load_upw(tmp_path, config), TravelTimes(config.travel)
    needless = pd.DataFrame([schedule_row("A", "MID", travel=73, reason="far")])
    problems = check_week(ds, needless, config, times)
    assert any("travel over 60" in str(p) and "NEAR" in str(p) for p in problems)
    full = pd.DataFrame(
        [schedule_row("A", "MID", travel=73, reason="far"), schedule_row("B", "NEAR")]
    )  # NEAR taken: the trip stands
    assert check_week(ds, full, config, times) == []
    # a re-plan keeps others' sessions as they were: a kept long trip is not questioned
    assert check_week(ds, needless, config, times, kept=frozenset({("A", "MID@2026-11-23")})) == []
    # nobody may be in a session that was stood down
    assert any(
        "cancelled" in str(p)
        for p in check_week(ds, full, config, times, cancelled=frozenset({"NEAR@2026-11-23"}))
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_induction_within_60_minutes(tmp_path, config, solver):
    mid = placement(
        "MID", lat=52.82, lon=-0.70, pickup_lat="", pickup_lon="", days="Mon"
    )  # 73 min by bus
    people = [
        person("NEW", available_days="Mon", hours_completed=0),
        person("STARTED", available_days="Mon", hours_completed=5),
    ]
    sched, unplaced, _ = _plan(tmp_path, config, people, [mid], solver)
    assert set(sched["person_id"]) == {"STARTED"} and "induction" in unplaced.loc["NEW", "reason"]
    assert sched["travel_reason"].str.contains("60 minutes").all()
    ds = load_upw(tmp_path, config)
    first_week = pd.DataFrame([schedule_row("NEW", "MID", travel=73, reason="far")])
    assert any(
        "induction" in str(p)
        for p in check_week(ds, first_week, config, TravelTimes(config.travel))
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_stays_at_last_weeks_placement(tmp_path, config, solver):
    # two alike placements a minute or two apart: the closer one wins unless last week was the other
    a = placement("A1", lat=52.668, lon=-0.718, pickup_lat="", pickup_lon="", days="Mon")
    b = placement("B1", lat=52.675, lon=-0.725, pickup_lat="", pickup_lon="", days="Mon")
    people = [person("P", available_days="Mon", travel_mode="car")]
    sched, _, _ = _plan(tmp_path, config, people, [a, b], solver)
    first = sched["placement_id"].iat[0]
    other = "B1" if first == "A1" else "A1"
    people[0]["last_placement_id"] = other
    sched, _, _ = _plan(tmp_path, config, people, [a, b], solver)
    assert list(sched["placement_id"]) == [other]
    people[0]["last_placement_id"] = first
    sched, _, _ = _plan(tmp_path, config, people, [a, b], solver)
    assert list(sched["placement_id"]) == [first]


@pytest.mark.parametrize("solver", SOLVERS)
def test_behind_pace_reached_before_more_hours_for_others(tmp_path, config, solver):
    # one place on Monday: the person behind gets it even though the other could work more hours
    crew = placement("CREW", days="Mon;Tue;Wed", capacity=1)
    people = [
        person(
            "ONPACE",
            available_days="Mon;Tue;Wed",
            sentence_date="2026-06-01",
            hours_completed=60,
            max_hours_per_week=21,
        ),
        person("BEHIND", available_days="Mon", sentence_date="2026-01-05", hours_completed=5),
    ]
    sched, _, _ = _plan(tmp_path, config, people, [crew], solver)
    assert "BEHIND" in set(sched["person_id"])
    assert set(sched.loc[sched["person_id"] == "ONPACE", "date"]) == {"2026-11-24", "2026-11-25"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_ete_history_over_its_share_does_not_fail_the_week(tmp_path, config, solver):
    """25 ETE hours of a 100-hour order already done (over the 20% share, as the contract
    allows): the week still plans and passes the checker with other work; only more ETE is
    refused, because the checker judges what the plan adds."""
    near = placement("NEAR", lat=52.67, lon=-0.71, pickup_lat="", pickup_lon="", days="Mon")
    ete = placement(
        "ETE", kind="ETE", lat=52.67, lon=-0.71, pickup_lat="", pickup_lon="", days="Mon"
    )
    who = person("A", available_days="Mon", hours_completed=30, ete_hours_completed=25)
    sched, _, ds = _plan(tmp_path, config, [who], [near], solver)
    assert sched["placement_id"].tolist() == ["NEAR"]
    write_upw(tmp_path, [who], [near, ete])
    ds, times = load_upw(tmp_path, config), TravelTimes(config.travel)
    assert check_week(ds, pd.DataFrame([schedule_row("A", "NEAR")]), config, times) == []
    more = check_week(ds, pd.DataFrame([schedule_row("A", "ETE")]), config, times)
    assert [v.rule for v in more] == ["ETE"]
