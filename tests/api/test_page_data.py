"""What the pages show, without a browser or a service: the coordinator's calendar cells, the
quarter's rooms, the clash check of a person's calendar, the analyst's charts and the maps."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from api.maps import CREDIT, Point, road_map
from api.page_data import (
    balance_charts,
    clashes,
    detail_text,
    facilitator_grid,
    room_lanes,
    upw_calendar,
)
from geo.network import RoadNetwork


def _group(gid, slot, start, end, venue="V1"):
    return {"group_id": gid, "programme": "TSP", "venue_id": venue, "slot": slot,
            "start_date": start, "end_date": end}  # fmt: skip


def test_groups_sharing_a_slot_while_both_run_need_two_rooms():
    groups = pd.DataFrame(
        [
            _group("A", "Mon-AM", "2026-12-07", "2027-01-25"),
            _group("B", "Mon-AM;Wed-AM", "2026-12-14", "2027-02-01"),  # Mon-AM while A runs
            _group("C", "Tue-PM", "2026-12-07", "2027-01-26"),  # another slot: A's room
            _group("D", "Mon-AM", "2027-02-08", "2027-03-29"),  # after A ends: A's room
        ]
    )
    rows, ticks = room_lanes(groups, date(2026, 11, 23))
    room = {r["group"]: r["room"] for r in rows}
    assert room == {"A": 1, "C": 1, "D": 1, "B": 2}
    assert [r["group"] for r in rows if r["first_in_room"]] == ["A", "B"]
    assert ticks[0]["x"] == 0 and all(r["w"] > 0 for r in rows)


def test_the_calendar_puts_each_crew_under_its_placement_and_day():
    schedule = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "placement_id": ["PL1", "PL1", "PL2"],
            "date": ["2026-12-07", "2026-12-07", "2026-12-08"],
            "hours": ["7.0", "7.0", "6.0"],
            "firm": ["True", "True", "False"],
        }
    )
    roster = pd.DataFrame(
        {"supervisor_id": ["S1"], "date": ["2026-12-07"], "placement_id": ["PL1"],
         "kind": ["GROUP"], "crew_bus": ["True"], "drive_minutes": ["12"]}
    )  # fmt: skip
    days, rows = upw_calendar(schedule, roster)
    assert [d["firm"] for d in days] == [True, False]
    pl1 = rows[0]["cells"]["2026-12-07"]
    assert pl1["crew"] == ["P1", "P2"] and pl1["supervisor"] == "S1" and pl1["van"]
    assert rows[1]["cells"]["2026-12-08"]["supervisor"] == ""  # nobody rostered: none shown


def test_a_half_day_booked_twice_is_a_clash():
    work = {"date": "2026-12-07", "when": "AM-PM"}
    assert clashes([work, {"date": "2026-12-07", "when": "Mon-EVE"}]) == []
    assert clashes([work, {"date": "2026-12-07", "when": "Mon-PM"}]) == ["2026-12-07 PM"]


def test_the_analysts_bars_scale_to_the_highest_night():
    series = [
        {"night": "2026-11-23", "scope": "X", "peak": 1.0, "greedy_peak": 1.2, "spread": 0.02,
         "greedy_spread": 0.03, "unallocated": 2, "greedy_unallocated": 6},
    ]  # fmt: skip
    charts = balance_charts(series)
    bars = charts["unallocated"]["bars"]
    assert [b["engine"] for b in bars] == [True, False]
    assert abs(bars[1]["h"] - 3 * bars[0]["h"]) < 0.5 and charts["unallocated"]["top"] == "6"


def test_field_errors_read_as_one_line():
    assert detail_text([{"field": "cancel", "message": "not a session"}]) == "cancel: not a session"
    assert detail_text("plain") == "plain"


def _square() -> RoadNetwork:
    """Four junctions round a square, two-way roads on three sides and a one-way on the fourth."""
    lat = np.array([52.60, 52.60, 52.70, 52.70])
    lon = np.array([-0.70, -0.60, -0.60, -0.70])
    u = [0, 1, 1, 2, 2, 3, 3]
    v = [1, 0, 2, 1, 3, 2, 0]
    graph = csr_matrix((np.full(len(u), 60.0), (u, v)), shape=(4, 4))
    return RoadNetwork("car", graph, lat, lon, 20.0, 0.0, 500.0, "test")


def test_each_road_is_drawn_once_and_only_near_the_points():
    net = _square()
    la1, _, la2, _ = net.segments(52.55, 52.75, -0.75, -0.55)
    assert len(la1) == 4  # three two-way roads once each, and the one-way
    la1, _, _, _ = net.segments(52.55, 52.65, -0.65, -0.55)  # the corner at junction 1
    assert len(la1) == 2
    assert len(net.segments(52.80, 52.90, -0.75, -0.55)[0]) == 0  # north of every road


def test_a_map_draws_roads_with_the_credit_or_points_alone():
    pts = [Point(52.605, -0.695, "home", "home of P1"), Point(52.695, -0.605, "site", "venue V1")]
    drawn = road_map(_square(), pts)
    assert drawn["roads"].count("M") >= 4 and drawn["credit"] == CREDIT
    assert [p["kind"] for p in drawn["points"]] == ["home", "site"]
    assert all(
        0 <= p["x"] <= drawn["width"] and 0 <= p["y"] <= drawn["height"] for p in drawn["points"]
    )
    bare = road_map(None, pts)
    assert bare["roads"] == "" and bare["credit"] is None and len(bare["points"]) == 2


def test_the_facilitators_grid_shows_the_quarters_weeks_and_who_is_full():
    """Two facilitators over three weeks, the grid cut to two: F1 full in the second week
    (its cell marked), F2 with sessions to spare; a plan made before the file has no grid."""
    rows = [
        ("F1", "2026-11-23", "1", "2"),
        ("F1", "2026-11-30", "2", "2"),
        ("F1", "2026-12-07", "0", "2"),
        ("F2", "2026-11-23", "0", "3"),
        ("F2", "2026-11-30", "1", "3"),
        ("F2", "2026-12-07", "3", "3"),
    ]
    weeks = pd.DataFrame(rows, columns=["facilitator_id", "week_start", "sessions", "most"])
    starts, grid = facilitator_grid(weeks, 2)
    assert starts == ["2026-11-23", "2026-11-30"]
    assert [r["facilitator"] for r in grid] == ["F1", "F2"]
    assert [(c["held"], c["most"], c["full"]) for c in grid[0]["cells"]] == [
        (1, 2, False),
        (2, 2, True),
    ]
    assert [c["full"] for c in grid[1]["cells"]] == [False, False]
    assert facilitator_grid(pd.DataFrame(), 13) == ([], [])
