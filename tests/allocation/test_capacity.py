"""Capacity ahead, checked by hand on one practitioner: a custody case turns to licence points
the week of its release, a sentence that ends drops out, a dated reduction holds only between
its dates, and a case due that fits nowhere needs its points in extra hours."""

from __future__ import annotations

from datetime import date

import pytest

from engine.allocation.capacity import project
from engine.allocation.contract import load_dataset
from tests.builders import case, practitioner, write_night

START = date(2026, 11, 23)  # weeks start 11-23, 11-30, 12-07, 12-14, 12-21, 12-28


@pytest.fixture
def one_po(tmp_path):
    pracs = [
        practitioner(
            "PO1", reduction_hours=18.5, reduction_from="2026-12-01", reduction_to="2026-12-20"
        )
    ]
    cases = [
        case(
            "CUST",
            tier="A3",
            case_type="CUSTODY",
            current_practitioner_id="PO1",
            sentence_date="2026-01-05",
            expected_release_date="2026-12-10",
        ),  # fmt: skip
        case(
            "ENDS",
            tier="C2",
            current_practitioner_id="PO1",
            sentence_date="2025-12-24",
            sentence_length_months=12,
        ),  # ends 2026-12-24  # fmt: skip
    ]
    return write_night(tmp_path, pracs, cases)


def test_release_to_licence_sentence_end_and_dated_reduction(one_po, config):
    ds = load_dataset(one_po, config)
    plan = project(ds, config, START, 6)
    week = plan.practitioners.set_index("week")
    custody, licence = config.points_for("A3", "CUSTODY"), config.points_for("A3", "LICENCE")
    community = config.points_for("C2", "COMMUNITY")
    assert custody != licence
    expected = [
        custody + community,  # 11-23
        custody + community,  # 11-30
        custody + community,  # 12-07: release on 12-10 is later in the week
        licence + community,  # 12-14: out on licence
        licence + community,  # 12-21: the order ends 12-24
        licence,  # 12-28: ended
    ]
    assert week["points"].tolist() == expected
    full, half = config.available_points("PO", 37, 0), config.available_points("PO", 37, 18.5)
    assert week["available_points"].tolist() == [full, full, half, half, full, full]


def test_a_case_due_that_fits_nowhere_needs_its_points_in_hours(tmp_path, config):
    pracs = [practitioner("PO1", contracted_hours=1)]  # about 58 points: no room for 206
    cases = [case("DUE", tier="A3", sentence_date="2026-11-20")]
    ds = load_dataset(write_night(tmp_path, pracs, cases), config)
    plan = project(ds, config, START, 2)
    need = plan.needs.iloc[0]
    per_hour = config.workload.available_points["PO"] / config.workload.full_time_hours
    pts = config.points_for("A3", "COMMUNITY")
    assert need["extra_po_hours"] == pytest.approx(pts / per_hour, abs=0.05)
    assert need["extra_pso_hours"] == 0 and need["first_week_short"] == START
    assert need["status"] == "OPTIMAL" and need["gap"] == 0
    roomy = load_dataset(write_night(tmp_path / "b", [practitioner("PO1")], cases), config)
    assert project(roomy, config, START, 2).needs["first_week_short"].isna().all()
