"""One calendar per person: someone with both an Unpaid Work requirement and a programme
requirement is never booked in two places at once, whichever is planned first, and both
checkers refuse the clash."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import create_engine

from engine.core.lifecycle import RunOptions
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.pipeline import run_groups
from engine.store.calendar import person_calendar, programme_half_days, upw_days, upw_half_days
from engine.store.db import normalise_url
from engine.unpaid_work.check import check_week
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.pipeline import run_week
from geo.travel import TravelTimes
from tests.builders import (
    facilitator,
    person,
    placement,
    programme,
    referral,
    schedule_row,
    venue,
    write_groups,
    write_upw,
)

MONDAY = date(2026, 12, 7)  # the first Monday a group starts (after the pre-group weeks)


def _folder(tmp_path):
    """P1 is on both: Unpaid Work on Mondays only, and a programme on Monday mornings only,
    with A, B and C, who have no Unpaid Work."""
    write_upw(
        tmp_path,
        [person("P1", available_days="Mon")],
        [placement("PL1", days="Mon")],
    )
    refs = [referral(p, available_slots="Mon-AM") for p in ("A", "B", "C", "P1")]
    write_groups(
        tmp_path,
        refs,
        [programme()],
        [venue(available_slots="Mon-AM")],
        [facilitator("F1", available_slots="Mon-AM"), facilitator("F2", available_slots="Mon-AM")],
    )
    return tmp_path


def _opts(tmp_path, config, period, solver="greedy"):
    return RunOptions(
        data=tmp_path, out=tmp_path / "out", period=period, config=config, solver=solver,
        progress=False,
    )  # fmt: skip


def _group_days(tables, pid) -> set[date]:
    cal = tables["calendar"]
    return {date.fromisoformat(d) for d in cal.loc[cal["person_id"] == pid, "date"]}


def test_unpaid_work_first_then_the_programme_keeps_off_that_day(tmp_path, config):
    _folder(tmp_path)
    week = run_week(_opts(tmp_path, config, "2026-W50"))
    sched = week.tables["schedule"]
    assert list(sched.loc[sched["person_id"] == "P1", "date"].astype(str)) == ["2026-12-07"]
    quarter = run_groups(_opts(tmp_path, config, "2026-11-23"))
    assert MONDAY not in _group_days(quarter.tables, "P1")
    assert {"A", "B", "C"} <= set(quarter.tables["members"]["person_id"])
    url = f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}"
    assert upw_days(create_engine(normalise_url(url)), MONDAY, MONDAY)["P1"] == {MONDAY: "PL1"}


def test_the_programme_first_then_unpaid_work_keeps_off_that_day(tmp_path, config):
    _folder(tmp_path)
    quarter = run_groups(_opts(tmp_path, config, "2026-11-23"))
    assert MONDAY in _group_days(quarter.tables, "P1")  # P1 starts with the others on the 7th
    url = f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}"
    taken = programme_half_days(create_engine(normalise_url(url)), MONDAY, MONDAY)
    assert taken["P1"] == {(MONDAY, "AM"): quarter.tables["members"]["group_id"].iat[0]}
    week = run_week(_opts(tmp_path, config, "2026-W50"))
    sched = week.tables["schedule"]
    assert (sched["person_id"] == "P1").sum() == 0
    assert "P1" in set(week.tables["unplaced"]["person_id"])


def test_both_checkers_refuse_the_clash(tmp_path, config):
    _folder(tmp_path)
    times = TravelTimes(config.travel)
    upw = load_upw(tmp_path, config)
    sched = pd.DataFrame([schedule_row("P1", "PL1", day=MONDAY.isoformat())])
    busy = {"P1": {(MONDAY, "AM"): "G-SI-EM-001"}}
    assert check_week(upw, sched, config, times) == []
    rules = {v.rule for v in check_week(upw, sched, config, times, busy=busy)}
    assert rules == {"one calendar"}
    ds = load_groups(tmp_path)
    quarter = run_groups(_opts(tmp_path, config, "2026-11-23")).tables
    args = (ds, quarter["groups"], quarter["members"], config, times, date(2026, 11, 23))
    assert check_groups(*args, quarter["one_to_one"], quarter["pre_group"]) == []
    said = check_groups(
        *args, quarter["one_to_one"], quarter["pre_group"],
        busy=upw_half_days({"P1": {MONDAY: "PL1"}}),
    )  # fmt: skip
    assert {v.rule for v in said} == {"one calendar"}


def test_a_persons_calendar_across_services_from_the_cli(tmp_path, config):
    """`probation calendar` lists P1's Unpaid Work Monday and their programme Mondays after it,
    never the same morning."""
    from typer.testing import CliRunner

    from engine.cli import app

    _folder(tmp_path)
    run_week(_opts(tmp_path, config, "2026-W50"))
    run_groups(_opts(tmp_path, config, "2026-11-23"))
    url = f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}"
    res = CliRunner().invoke(
        app, ["calendar", "--person", "P1", "--db", url, "--from", "2026-11-23"]
    )
    assert res.exit_code == 0, res.output
    (line,) = [ln for ln in res.output.splitlines() if "2026-12-07" in ln]  # one booking
    assert "AM-PM" in line and "Unpaid Work" in line and "PL1" in line
    later = [ln for ln in res.output.splitlines() if "programme" in ln]
    assert later and all("2026-12-07" not in ln for ln in later)


def _supervision(folder, rows: list[tuple[str, str, str]]) -> None:
    pd.DataFrame(
        [{"person_id": p, "date": d, "slot": s, "practitioner_id": "PP1", "location": "Oakham"}
         for p, d, s in rows]
    ).to_csv(folder / "supervision.csv", index=False)  # fmt: skip


def test_a_supervision_appointment_takes_its_half_day_in_both_planners(tmp_path, config):
    """Given supervision.csv: P1's Monday-afternoon appointment keeps them off Unpaid Work that
    day (a working day takes the afternoon); the week stores it; the quarter planned next (its
    folder without the file) reads it from the store, and P1 still starts the Monday-morning
    group (the appointment takes the afternoon only). The calendar shows it with its reason."""
    _folder(tmp_path)
    _supervision(tmp_path, [("P1", MONDAY.isoformat(), "PM"), ("B", "2026-12-14", "EVE")])
    week = run_week(_opts(tmp_path, config, "2026-W50"))
    assert (week.tables["schedule"]["person_id"] == "P1").sum() == 0
    assert "P1" in set(week.tables["unplaced"]["person_id"])
    (tmp_path / "supervision.csv").unlink()  # the quarter reads them from the stored week
    quarter = run_groups(_opts(tmp_path, config, "2026-11-23"))
    assert MONDAY in _group_days(quarter.tables, "P1")
    url = f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}"
    cal = person_calendar(create_engine(normalise_url(url)), "P1", MONDAY, MONDAY)
    assert [(r["when"], r["service"]) for r in cal] == [
        ("Mon-AM", "programme"),
        ("Mon-PM", "supervision"),
    ]
    assert "PP1" in cal[1]["what"] and cal[1]["where"] == "Oakham"


def test_a_morning_appointment_keeps_a_person_out_of_that_morning_group(tmp_path, config):
    """A's appointment on the first Monday morning: no group session of A's falls on it (the
    group starts a week later, with everyone)."""
    _folder(tmp_path)
    _supervision(tmp_path, [("A", MONDAY.isoformat(), "AM")])
    quarter = run_groups(_opts(tmp_path, config, "2026-11-23"))
    days = _group_days(quarter.tables, "A")
    assert days and MONDAY not in days


def test_both_checkers_refuse_a_session_over_a_supervision_appointment(tmp_path, config):
    _folder(tmp_path)
    times = TravelTimes(config.travel)
    upw = load_upw(tmp_path, config)
    sched = pd.DataFrame([schedule_row("P1", "PL1", day=MONDAY.isoformat())])
    appt = {"P1": {(MONDAY, "PM"): "supervision with PP1"}}
    said = check_week(upw, sched, config, times, busy=appt)
    assert [v.rule for v in said] == ["one calendar"] and "supervision" in said[0].message
    quarter = run_groups(_opts(tmp_path, config, "2026-11-23")).tables
    ds = load_groups(tmp_path)
    args = (ds, quarter["groups"], quarter["members"], config, times, date(2026, 11, 23))
    evening = {"P1": {(MONDAY, "EVE"): "supervision with PP1"}}  # the group is a morning one
    assert check_groups(*args, quarter["one_to_one"], quarter["pre_group"], busy=evening) == []
    morning = {"P1": {(MONDAY, "AM"): "supervision with PP1"}}
    said = check_groups(*args, quarter["one_to_one"], quarter["pre_group"], busy=morning)
    assert {v.rule for v in said} == {"one calendar"}


def test_a_bad_supervision_file_is_named_by_row_and_field(tmp_path, config):
    from engine.core.contract import DataContractError
    from engine.core.supervision import load_supervision

    _supervision(tmp_path, [("P1", "2026-12-07", "AM"), ("P2", "2026-13-01", "NOON")])
    with pytest.raises(DataContractError) as err:
        load_supervision(tmp_path)
    where = {(i.file, i.row, i.column) for i in err.value.issues}
    assert where == {("supervision.csv", 2, "date"), ("supervision.csv", 2, "slot")}
    assert load_supervision(tmp_path / "nowhere").empty  # no file: no appointments
