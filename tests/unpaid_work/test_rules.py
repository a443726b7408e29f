"""The Unpaid Work pair rules, each with a pair that passes and one that fails: one person and
the week's sessions of one or two placements (Mon 23 Nov 2026 to Sun 29 Nov)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.plan import sessions_of, week_dates
from engine.unpaid_work.rules import eligible, starting
from tests.builders import person, placement, write_upw

WEEK = week_dates("2026-W48")


def _ok(tmp_path, config, who: dict, place: dict, minutes: int = 20) -> np.ndarray:
    """Whether the person may take each of the placement's sessions this week."""
    ds = load_upw(write_upw(tmp_path, [person("A", **who)], [placement("P", **place)]), config)
    sess = sessions_of(ds.placements, WEEK)
    return eligible(ds.people, sess, np.full((1, len(sess)), minutes), config)[0]


def test_available_days(tmp_path, config):
    assert _ok(tmp_path, config, {"available_days": "Mon"}, {"days": "Mon"}).all()
    assert not _ok(tmp_path, config, {"available_days": "Wed"}, {"days": "Mon"}).any()


def test_workshop_and_public_facing(tmp_path, config):
    assert not _ok(tmp_path, config, {"needs_workshop": True}, {"days": "Mon"}).any()
    workshop = {"days": "Mon", "kind": "WORKSHOP", "pickup_lat": "", "pickup_lon": ""}
    assert _ok(tmp_path, config, {"needs_workshop": True}, workshop).all()
    assert not _ok(tmp_path, config, {"no_public_facing": True}, {"public_facing": True}).any()


def test_women_only_placement(tmp_path, config):
    assert not _ok(tmp_path, config, {"sex": "M"}, {"days": "Mon", "women_only": True}).any()
    assert _ok(tmp_path, config, {"sex": "F"}, {"days": "Mon", "women_only": True}).all()


@pytest.mark.parametrize(
    "who, minutes, allowed",
    [
        ({}, 90, True),  # the hard limit itself
        ({}, 91, False),
        ({"carer_max_travel_minutes": 30}, 30, True),
        ({"carer_max_travel_minutes": 30}, 31, False),
        ({"hours_completed": 0}, 60, True),  # induction week: at most 60 minutes each way
        ({"hours_completed": 0}, 61, False),
    ],
)
def test_travel_limits(tmp_path, config, who, minutes, allowed):
    assert _ok(tmp_path, config, who, {"days": "Mon"}, minutes).all() == allowed


def test_ete_within_its_share_of_the_order(tmp_path, config):
    """ETE sessions count towards at most 20% of the hours ordered (20 of 100 here)."""
    ete = {"days": "Mon", "kind": "ETE", "session_hours": 7, "pickup_lat": "", "pickup_lon": ""}
    assert _ok(tmp_path, config, {"ete_hours_completed": 13}, ete).all()  # 13 + 7 = 20
    assert not _ok(tmp_path, config, {"ete_hours_completed": 14}, ete).any()


def test_order_done_and_weekly_maximum(tmp_path, config):
    assert not _ok(tmp_path, config, {"hours_completed": 100}, {"days": "Mon"}).any()
    assert not _ok(tmp_path, config, {"max_hours_per_week": 6}, {"days": "Mon"}).any()


def test_starting_is_no_hour_worked(tmp_path, config):
    ds = load_upw(
        write_upw(tmp_path, [person("A", hours_completed=0), person("B")], [placement("P")]),
        config,
    )
    assert starting(ds.people).tolist() == [True, False]
