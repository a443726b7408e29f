"""Supervisors: a GROUP or WORKSHOP session runs only with a rostered supervisor, its crew
within theirs and the crew bus's seats, one session a day each; sessions nobody can supervise
are listed with why. Each rule bites on a tiny week, for both solvers, through the production
path, and every week passes the independent checker (roster included)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from engine.core.contract import DataContractError
from engine.core.lifecycle import RunOptions
from engine.unpaid_work.check import check_week
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.pipeline import run_week
from geo.travel import TravelTimes
from tests.builders import person, placement, schedule_row, supervisor, write_upw

WEEK = "2026-W48"  # Mon 23 Nov 2026
MON, TUE = "2026-11-23", "2026-11-24"
SOLVERS = ["mip", "cpsat", "greedy"]


def _plan(tmp_path, config, people, places, sups, solver="mip", cancel=()):
    """The week through `run_week`, read back from its files and checked again as they stand."""
    data = write_upw(tmp_path, people, places, sups)
    out = tmp_path / "out"
    opts = RunOptions(
        data=data,
        out=out,
        period=WEEK,
        config=config,
        solver=solver,
        time_limit=5,
        cancel=tuple(cancel),
    )
    summary = run_week(replace(opts, force=True)).summary
    text = {"person_id": str, "placement_id": str, "date": str, "travel_reason": str}
    sched = pd.read_csv(out / "upw_schedule.csv", dtype=text, keep_default_na=False)
    files = {}
    for name in ("roster", "unsupervised"):
        path = out / f"upw_{name}.csv"
        files[name] = (
            pd.read_csv(path, dtype={"date": str}, keep_default_na=False) if path.exists() else None
        )
    ds = load_upw(data, config)
    roster = files["roster"]
    assert check_week(ds, sched, config, TravelTimes(config.travel), roster=roster) == []
    return sched, files["roster"], files["unsupervised"], summary


def _crowd(n: int, days: str = "Mon") -> list[dict]:
    return [person(f"A{k}", available_days=days) for k in range(n)]


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_supervisor_runs_one_of_two_sessions_on_a_day(tmp_path, config, solver):
    """Two group sessions on Monday and one supervisor: one runs, the other is listed as
    short of a supervisor; nobody is placed in it."""
    places = [placement("G1", days="Mon", capacity=4), placement("G2", days="Mon", capacity=4)]
    sched, roster, unsup, summary = _plan(
        tmp_path, config, _crowd(8), places, [supervisor("S1")], solver
    )
    assert len(roster) == 1 and roster["date"].tolist() == [MON]
    ran = roster["placement_id"].iat[0]
    assert set(sched["placement_id"]) == {ran} and len(sched) == 4
    other = unsup.set_index("placement_id").loc["G2" if ran == "G1" else "G1"]
    assert "rostered to other sessions that day" in other["reason"]
    assert summary["supervisors"]["sessions_unsupervised"] == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_second_supervisor_runs_both(tmp_path, config, solver):
    places = [placement("G1", days="Mon", capacity=4), placement("G2", days="Mon", capacity=4)]
    sched, roster, unsup, _ = _plan(
        tmp_path, config, _crowd(8), places, [supervisor("S1"), supervisor("S2")], solver
    )
    assert len(sched) == 8 and len(roster) == 2 and unsup.empty
    assert roster.groupby("date")["supervisor_id"].nunique().max() == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_crew_is_the_supervisors_not_the_placements(tmp_path, config, solver):
    """Capacity 8, a supervisor who takes a crew of 3: three are placed."""
    places = [placement("G1", days="Mon", capacity=8, pickup_lat="", pickup_lon="")]
    sched, roster, _, _ = _plan(
        tmp_path, config, _crowd(6), places, [supervisor("S1", max_crew=3)], solver
    )
    assert len(sched) == 3
    assert roster[["crew", "crew_limit"]].values.tolist() == [[3, 3]]


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_crew_bus_seats_bound_who_rides(tmp_path, config, solver):
    """A group reached by crew bus from a pickup point: the van's seats bound the crew."""
    places = [placement("G1", days="Mon", capacity=8)]  # the builder's placement has a pickup
    sched, roster, _, _ = _plan(
        tmp_path, config, _crowd(6), places, [supervisor("S1", max_crew=8, van_seats=4)], solver
    )
    assert len(sched) == 4
    assert roster[["crew", "crew_limit", "crew_bus"]].values.tolist() == [[4, 4, True]]


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_van_driver_no_crew_bus_session(tmp_path, config, solver):
    places = [placement("G1", days="Mon")]
    sups = [supervisor("S1", drives_van=False, van_seats="")]
    sched, roster, unsup, _ = _plan(tmp_path, config, _crowd(3), places, sups, solver)
    assert sched.empty and roster.empty
    assert "a van driver" in unsup["reason"].iat[0]
    assert unsup["people_who_could_go"].iat[0] == 3


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_supervisor_runs_one_session_a_day_and_only_their_kinds_and_days(
    tmp_path, config, solver
):
    """One supervisor, trained for groups only, working Mondays: the Monday group runs, the
    Monday workshop and the Tuesday group do not (each with its reason)."""
    places = [
        placement("G1", days="Mon;Tue", capacity=4),
        placement("W1", kind="WORKSHOP", days="Mon", capacity=4, pickup_lat="", pickup_lon=""),
    ]
    sups = [supervisor("S1", kinds="GROUP", available_days="Mon")]
    sched, roster, unsup, _ = _plan(tmp_path, config, _crowd(4, "Mon;Tue"), places, sups, solver)
    assert roster[["placement_id", "date"]].values.tolist() == [["G1", MON]]
    reasons = {(r.placement_id, r.date): r.reason for r in unsup.itertuples()}
    assert "trained for WORKSHOP" in reasons[("W1", MON)]
    assert "working on Tue" in reasons[("G1", TUE)]
    assert set(sched["date"]) == {MON}


@pytest.mark.parametrize("solver", SOLVERS)
def test_women_only_session_needs_a_woman_supervisor(tmp_path, config, solver):
    places = [placement("G1", days="Mon", women_only=True)]
    women = [person(f"W{k}", sex="F", available_days="Mon") for k in range(3)]
    sched, _, unsup, _ = _plan(tmp_path, config, women, places, [supervisor("S1")], solver)
    assert sched.empty and "a woman" in unsup["reason"].iat[0]
    sched, roster, _, _ = _plan(
        tmp_path, config, women, places, [supervisor("S1"), supervisor("S2", sex="F")], solver
    )
    assert len(sched) == 3 and roster["supervisor_id"].tolist() == ["S2"]


def test_individual_and_ete_sessions_need_no_supervisor(tmp_path, config):
    places = [
        placement("I1", kind="INDIVIDUAL", days="Mon", capacity=2, pickup_lat="", pickup_lon="")
    ]
    sched, roster, unsup, _ = _plan(
        tmp_path, config, _crowd(2), places, [supervisor("S1", available_days="Fri")]
    )
    assert len(sched) == 2 and roster.empty and unsup.empty


def test_without_a_supervisors_table_sessions_run_at_capacity_and_the_summary_says_so(
    tmp_path, config
):
    places = [placement("G1", days="Mon", capacity=6)]
    sched, roster, unsup, summary = _plan(tmp_path, config, _crowd(6), places, None)
    assert len(sched) == 6 and roster is None and unsup is None
    assert summary["supervisors"]["given"] is False
    assert "supervised at the placement's capacity" in summary["supervisors"]["note"]


def test_replan_keeps_each_supervisors_sessions(tmp_path, config):
    """Standing down Monday's G1 frees its supervisor; Tuesday's roster stays as it was."""
    places = [placement("G1", days="Mon;Tue", capacity=4), placement("G2", days="Mon", capacity=4)]
    people = _crowd(6, "Mon;Tue")
    sups = [supervisor("S1"), supervisor("S2", available_days="Mon")]
    _, before, _, _ = _plan(tmp_path, config, people, places, sups)
    _, after, _, summary = _plan(tmp_path, config, people, places, sups, cancel=[f"G1@{MON}"])
    kept = before[before["date"] == TUE][["supervisor_id", "placement_id"]].values.tolist()
    assert after[after["date"] == TUE][["supervisor_id", "placement_id"]].values.tolist() == kept
    assert f"G1@{MON}" not in set(after["placement_id"] + "@" + after["date"])


def test_checker_refuses_an_unsupervised_crew_an_overfull_crew_and_a_double_roster(
    tmp_path, config
):
    places = [placement("G1", days="Mon", capacity=8), placement("G2", days="Mon", capacity=8)]
    data = write_upw(tmp_path, _crowd(4), places, [supervisor("S1", max_crew=2, van_seats=2)])
    ds = load_upw(data, config)
    times = TravelTimes(config.travel)

    def rostered(*plids):
        return pd.DataFrame(
            [{"supervisor_id": "S1", "placement_id": p, "date": MON} for p in plids]
        )

    two = pd.DataFrame([schedule_row("A0", "G1"), schedule_row("A1", "G1")])
    assert check_week(ds, two, config, times, roster=rostered("G1")) == []
    rules = {v.rule for v in check_week(ds, two, config, times, roster=rostered())}
    assert "supervisor" in rules  # a crew with nobody rostered
    three = pd.DataFrame(
        [schedule_row("A0", "G1"), schedule_row("A1", "G1"), schedule_row("A2", "G1")]
    )
    assert "crew" in {v.rule for v in check_week(ds, three, config, times, roster=rostered("G1"))}
    both = pd.DataFrame([schedule_row("A0", "G1"), schedule_row("A1", "G2")])
    found = check_week(ds, both, config, times, roster=rostered("G1", "G2"))
    assert any("2 sessions a day" in v.message for v in found)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("kinds", "ETE", "not a supervised kind"),
        ("van_seats", 6, "does not drive the van"),
        ("max_crew", 0, "greater than or equal to 1"),
        ("available_days", "Funday", "not a day"),
    ],
)
def test_bad_supervisor_rows_are_named(tmp_path, config, field, value, says):
    sups = [supervisor("S1"), supervisor("S2", **{field: value})]
    if field == "van_seats":
        sups[1]["drives_van"] = False
    data = write_upw(tmp_path, _crowd(1), [placement("G1")], sups)
    with pytest.raises(DataContractError) as err:
        load_upw(data, config)
    (issue,) = err.value.issues
    assert (issue.file, issue.row, issue.column) == ("upw_supervisors.csv", 2, field)
    assert says in issue.message


def test_a_header_only_supervisors_file_is_refused(tmp_path, config):
    data = write_upw(tmp_path, _crowd(1), [placement("G1")], [supervisor("S1")])
    (data / "upw_supervisors.csv").write_text(
        (data / "upw_supervisors.csv").read_text().splitlines()[0] + "\n"
    )
    with pytest.raises(DataContractError) as err:
        load_upw(data, config)
    assert err.value.issues[0].file == "upw_supervisors.csv"
