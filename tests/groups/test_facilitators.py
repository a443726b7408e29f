"""Each facilitator's weeks as the plan stands (facilitator_weeks.csv): what each week holds
against the most they may run."""

from __future__ import annotations

from datetime import date

import pandas as pd

from engine.groups.contract import load_groups
from engine.groups.decode import CHANGE_COLUMNS
from engine.groups.facilitators import facilitator_gaps, facilitator_weeks, load_figures
from tests.builders import facilitator, programme, referral, venue, write_groups

START = date(2026, 11, 23)  # a Monday


def _weeks(tmp_path, config, unresolved: bool) -> pd.DataFrame:
    """F1 runs G1 (Mondays from 7 December) and gives A and B their pre-group appointments in
    one half-day (30 November); F2 gives C's on 1 December and D a one-to-one (Tuesdays from
    8 December). With `unresolved`, G1's session of 14 December is left for the team."""
    refs = [referral(p, available_slots="Mon-AM;Tue-AM") for p in "ABCD"]
    facs = [facilitator("F1", max_sessions_per_week=2), facilitator("F2", max_sessions_per_week=3)]
    write_groups(tmp_path, refs, [programme()], [venue()], facs)
    ds = load_groups(tmp_path)
    group = {
        "group_id": "G1",
        "programme": "SI-EM",
        "venue_id": "V1",
        "slot": "Mon-AM",
        "start_date": "2026-12-07",
        "end_date": "2027-01-11",
        "facilitator_ids": "F1",
        "women_only": False,
        "status": "NEW",
        "sessions_left": 6,
    }
    pre = [
        ("A", "G1", "2026-11-30", "Mon-AM", "F1"),
        ("B", "G1", "2026-11-30", "Mon-AM", "F1"),
        ("C", "G1", "2026-12-01", "Tue-AM", "F2"),
    ]
    changes = pd.DataFrame(columns=CHANGE_COLUMNS)
    if unresolved:
        changes = pd.DataFrame(
            [{"item": "G1", "date": "2026-12-14", "slot": "Mon-AM", "action": "UNRESOLVED"}],
            columns=CHANGE_COLUMNS,
        )
    tables = {
        "groups": pd.DataFrame([group]),
        "members": pd.DataFrame({"group_id": ["G1"] * 3, "person_id": list("ABC")}),
        "pre_group": pd.DataFrame(
            [
                {"person_id": p, "programme": "SI-EM", "group_id": g, "date": d, "slot": s}
                | {"venue_id": "V1", "facilitator_id": f, "travel_minutes": 5}
                for p, g, d, s, f in pre
            ]
        ),
        "one_to_one": pd.DataFrame(
            [
                {
                    "person_id": "D",
                    "programme": "SI-EM",
                    "venue_id": "V1",
                    "slot": "Tue-AM",
                    "start_date": "2026-12-08",
                    "end_date": "2027-01-12",
                    "sessions": 6,
                    "facilitator_id": "F2",
                    "travel_minutes": 5,
                }
            ]
        ),
        "changes": changes,
    }
    return facilitator_weeks(ds, tables, START, config).set_index(["facilitator_id", "week"])


def test_each_week_holds_its_sessions_against_the_most(tmp_path, config):
    weeks = _weeks(tmp_path, config, unresolved=False)
    held = ["group_sessions", "one_to_one_sessions", "pre_group_half_days", "sessions", "spare"]
    assert weeks.loc[("F1", "2026-W48"), held].tolist() == [0, 0, 0, 0, 2]
    assert weeks.loc[("F1", "2026-W49"), held].tolist() == [0, 0, 1, 1, 1]  # A and B: one
    assert weeks.loc[("F1", "2026-W50"), held].tolist() == [1, 0, 0, 1, 1]
    assert weeks.loc[("F2", "2026-W49"), held].tolist() == [0, 0, 1, 1, 2]
    assert weeks.loc[("F2", "2026-W50"), held].tolist() == [0, 1, 0, 1, 2]
    assert weeks.loc[("F1", "2026-W51"), "group_sessions"] == 1
    # every facilitator, every week of the quarter (13) at least
    assert len(weeks) == 2 * 13 and set(weeks["most"]) == {2, 3}
    assert load_figures(weeks.reset_index(), 13) == {"weeks_at_most": 0, "sessions_spare": 51}


def test_a_session_left_for_the_team_is_not_held(tmp_path, config):
    weeks = _weeks(tmp_path, config, unresolved=True)
    assert weeks.loc[("F1", "2026-W51"), "group_sessions"] == 0
    assert weeks.loc[("F1", "2026-W50"), "group_sessions"] == 1


def test_a_week_at_the_most_is_counted(tmp_path, config):
    weeks = _weeks(tmp_path, config, unresolved=False).reset_index()
    weeks.loc[weeks["week"] == "2026-W50", "spare"] = 0  # as if both were full that week
    assert load_figures(weeks, 13)["weeks_at_most"] == 2


def test_where_a_facilitator_is_lacking_the_gap_is_listed_with_who_waits(tmp_path, config):
    """Four people share Monday mornings at V1, and a session needs two facilitators: with one
    trained, no group can be offered, and the gap lists all four waiting (three where one of
    them is delivered one-to-one); with a second trained, the group runs and nothing is
    listed."""
    from engine.groups.plan import build_plans, solve_plans, solver_params
    from geo.travel import TravelTimes

    refs = [referral(f"P{k}", available_slots="Mon-AM") for k in range(4)]
    gaps = {}
    for name, facs in (("one", ["F1"]), ("two", ["F1", "F2"])):
        (tmp_path / name).mkdir()
        write_groups(
            tmp_path / name,
            refs,
            [programme(facilitators_per_session=2)],
            [venue()],
            [facilitator(f) for f in facs],
        )
        ds = load_groups(tmp_path / name)
        plans, res, meta = build_plans(ds, config, TravelTimes(config.travel), START)
        results = solve_plans(plans, res, "greedy", solver_params(config, 5.0))[0]
        assert int((results[0].cand_of_person >= 0).sum()) == (0 if name == "one" else 4)
        gaps[name] = [
            facilitator_gaps(plans, results, meta["venue_ids"], alone, 10)
            for alone in (set(), {"P0"})
        ]
    lacking = {
        "programme": "SI-EM",
        "venue_id": "V1",
        "slots": "Mon-AM",
        "referrals": 4,
        "waiting": 4,
        "facilitators_free": 1,
        "facilitators_needed": 2,
    }
    assert gaps["one"] == [[lacking], [lacking | {"waiting": 3}]]
    assert gaps["two"] == [[], []]
