"""Outcomes fed back before the week is planned (upw_attendance.csv): hours worked move the
order on, an unacceptable absence goes on the tell-the-practitioner list, bad rows are refused
by file, row and field; and the review list holds everyone at 6 or 9 months, not only the late."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from engine.core.contract import DataContractError
from engine.core.lifecycle import RunOptions
from engine.unpaid_work.pipeline import run_week
from tests.builders import person, placement, write_upw

WEEK = "2026-W48"  # Mon 23 Nov 2026


def _week(folder, config, tmp_path):
    return run_week(
        RunOptions(data=folder, out=tmp_path / "out", config=config, period=WEEK,
                   progress=False, solver="greedy", force=True)
    )  # fmt: skip


def _attendance(folder, rows):
    cols = ["person_id", "date", "placement_id", "outcome", "hours_worked"]
    pd.DataFrame(rows, columns=cols).to_csv(folder / "upw_attendance.csv", index=False)


@pytest.fixture
def folder(tmp_path):
    people = [
        person("A", hours_completed=20, sentence_date="2026-05-25"),  # 6-month review 25 Nov
        person("B", hours_completed=20),
        person("C", hours_completed=20, ete_hours_completed=5),
    ]
    places = [placement("CREW"), placement("COLLEGE", kind="ETE", pickup_lat="", pickup_lon="")]
    return write_upw(tmp_path, people, places)


def test_hours_worked_move_the_order_on_and_absences_are_told(folder, config, tmp_path):
    _attendance(
        folder,
        [
            ("A", "2026-11-16", "CREW", "ATTENDED", 7),
            ("A", "2026-11-17", "CREW", "SENT_HOME", 2.5),
            ("B", "2026-11-19", "CREW", "ABSENT_UNACCEPTABLE", 0),  # Thursday: tell by Friday
            ("B", "2026-11-20", "CREW", "ABSENT_UNACCEPTABLE", 0),  # Friday: tell by Monday
            ("C", "2026-11-18", "COLLEGE", "ATTENDED", 3.5),
            ("C", "2026-11-16", "CREW", "ABSENT_ACCEPTABLE", 0),
        ],
    )
    res = _week(folder, config, tmp_path)
    s = res.summary
    assert s["outcomes"] == {"sessions": 6, "hours_added": 13.0, "unacceptable_absences": 2}
    told = pd.read_csv(res.out_dir / "upw_tell_practitioner.csv", dtype=str)
    assert told[["person_id", "date", "tell_by"]].values.tolist() == [
        ["B", "2026-11-19", "2026-11-20"],
        ["B", "2026-11-20", "2026-11-23"],
    ]
    assert told["overdue"].tolist() == ["True", "False"]  # the week starts 23 Nov
    # the week was planned from the new hours: the review list shows them
    rv = pd.read_csv(res.out_dir / "upw_reviews.csv").set_index("person_id")
    assert rv.loc["A", "hours_done"] == 29.5 and rv.loc["A", "hours_left"] == 70.5
    everyone = pd.read_csv(res.out_dir / "upw_progress.csv").set_index("person_id")
    assert set(everyone.index) == {"A", "B", "C"}  # all still working off hours
    assert everyone.loc["C", "hours_done"] == 23.5


def test_the_hours_reach_the_plan(folder, config, tmp_path):
    from engine.unpaid_work.contract import load_upw
    from engine.unpaid_work.outcomes import apply_outcomes, read_attendance

    _attendance(folder, [("C", "2026-11-18", "COLLEGE", "ATTENDED", 3.5),
                         ("A", "2026-11-16", "CREW", "ATTENDED", 200)])  # fmt: skip
    ds = load_upw(folder, config)
    with pytest.raises(DataContractError):  # 200 hours in a session: refused, named
        read_attendance(folder, ds.people, ds.placements, date(2026, 11, 23))
    _attendance(folder, [("C", "2026-11-18", "COLLEGE", "ATTENDED", 3.5),
                         ("A", "2026-11-16", "CREW", "ATTENDED", 7)])  # fmt: skip
    att = read_attendance(folder, ds.people, ds.placements, date(2026, 11, 23))
    people = apply_outcomes(ds.people, ds.placements, att).set_index("person_id")
    assert people.loc["A", "hours_completed"] == 27 and people.loc["A", "ete_hours_completed"] == 0
    assert people.loc["C", "hours_completed"] == 23.5
    assert people.loc["C", "ete_hours_completed"] == 8.5
    assert people.loc["B", "hours_completed"] == 20


@pytest.mark.parametrize(
    "row, field",
    [
        (("NOBODY", "2026-11-16", "CREW", "ATTENDED", 7), "person_id"),
        (("A", "2026-11-16", "NOWHERE", "ATTENDED", 7), "placement_id"),
        (("A", "2026-11-16", "CREW", "ABSENT_ACCEPTABLE", 3), None),  # absent, yet worked
        (("A", "2026-11-16", "CREW", "LATE", 7), "outcome"),
        (("A", "2026-11-24", "CREW", "ATTENDED", 7), "date"),  # a session not yet held
    ],
)
def test_bad_outcomes_are_refused_by_row_and_field(folder, config, tmp_path, row, field):
    _attendance(folder, [row])
    with pytest.raises(DataContractError) as err:
        _week(folder, config, tmp_path)
    issue = err.value.issues[0]
    assert (issue.file, issue.row, issue.column) == ("upw_attendance.csv", 1, field)
    assert not (tmp_path / "out" / "upw_schedule.csv").exists()


def test_the_review_list_holds_everyone_at_six_or_nine_months(tmp_path, config):
    from engine.unpaid_work.contract import load_upw
    from engine.unpaid_work.decode import reviews

    people = [
        person("SIX", sentence_date="2026-05-25", hours_completed=60),  # 6 months on 25 Nov
        person("NINE", sentence_date="2026-02-27", hours_completed=80),  # 9 months on 27 Nov
        person("FIVE", sentence_date="2026-06-20", hours_completed=60),  # no review this week
    ]
    ds = load_upw(write_upw(tmp_path, people, [placement("CREW")]), config)
    planned = pd.DataFrame(
        {"person_id": ["SIX", "NINE", "FIVE"], "credited_hours": [14.0, 14.0, 14.0]}
    )
    rv = reviews(ds, planned, config, WEEK).set_index("person_id")
    assert set(rv.index) == {"SIX", "NINE"}  # on pace, but at their review points
    assert rv.loc["SIX", "review"] == "6-month review 2026-11-25"
    assert rv.loc["NINE", "review"] == "9-month review 2026-11-27"
    assert rv.loc["SIX", "hours_done"] == 60 and rv.loc["SIX", "hours_left"] == 40
    assert rv.loc["SIX", "projected_completion"] == "2026-12-14"  # 40 h at 14 a week: 3 weeks
    assert not rv.loc["SIX", "late"]


def test_history_over_todays_rules_is_planned_around_and_flagged(tmp_path, config):
    """ETE hours already over the 20% share on a 40-hour order, and a placement with no session
    days: the week plans (the checker judges only what it adds) and flags both."""
    people = [
        person("ETE1", hours_ordered=40, hours_completed=15, ete_hours_completed=12),
        person("ETE2", hours_ordered=40, hours_completed=10, ete_hours_completed=9),
        person("PLAIN"),
    ]
    places = [
        placement("CREW"),
        placement("COLLEGE", kind="ETE", pickup_lat="", pickup_lon=""),
        placement("IDLE", days=""),
    ]
    res = _week(write_upw(tmp_path, people, places), config, tmp_path)
    s = res.summary
    assert s["ete_over_share"] == ["ETE1", "ETE2"]
    assert s["placements_without_days"] == ["IDLE"]
    sched = res.tables["schedule"]
    ete_people = set(sched.loc[sched["placement_id"] == "COLLEGE", "person_id"])
    assert not ete_people & {"ETE1", "ETE2"}  # no more ETE for them
    assert {"ETE1", "ETE2"} & set(sched["person_id"])  # yet they are planned work


def test_who_cannot_finish_whatever_is_planned(tmp_path, config):
    from engine.unpaid_work.contract import load_upw
    from engine.unpaid_work.decode import reviews

    people = [  # due 2026-12-01: 8 days left, 14 hours a week at most
        person("HOPELESS", sentence_date="2025-12-01", hours_completed=60, max_hours_per_week=14),
        person("TIGHT", sentence_date="2025-12-01", hours_completed=90, max_hours_per_week=14),
    ]
    ds = load_upw(write_upw(tmp_path, people, [placement("CREW")]), config)
    none = pd.DataFrame({"person_id": [], "credited_hours": []})
    rv = reviews(ds, none, config, WEEK).set_index("person_id")
    assert (
        not rv.loc["HOPELESS", "can_finish"]
        and rv.loc["HOPELESS", "hours_per_week_needed"] == 35  # 40 h in 8 days
    )
    assert rv.loc["TIGHT", "can_finish"] and rv.loc["TIGHT", "late"]


def test_the_generator_writes_outcomes_the_week_takes(shared, tmp_path, config):
    from engine.synthetic import SyntheticSpec, generate, write_dataset

    spec = SyntheticSpec(scale="pdu", region="East Midlands", pdu="Rutland PDU", seed=4,
                         run_date=date(2026, 11, 23), n_practitioners=8, n_new=4,
                         n_upw_people=80, n_upw_placements=6, upw_outcomes=True)  # fmt: skip
    folder = write_dataset(tmp_path / "d", *generate(shared / "data" / "boundaries", spec, config))
    outcomes = pd.read_csv(folder / "upw_attendance.csv")
    assert len(outcomes) and (outcomes["date"] < "2026-11-23").all()
    res = _week(folder, config, tmp_path)
    assert res.summary["outcomes"]["sessions"] == len(outcomes)
    assert res.summary["outcomes"]["unacceptable_absences"] == int(
        (outcomes["outcome"] == "ABSENT_UNACCEPTABLE").sum()
    )
