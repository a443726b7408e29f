"""The custody clock: a case is allocated at its handover to the community, not 5 working days
from sentence; before its window it is FUTURE (listed with its dates, never OVERDUE)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from engine.allocation.check import check_allocation
from engine.allocation.contract import load_dataset
from engine.allocation.timeline import EARLY, HANDOVER, NO_RELEASE, SHORT_TERM, case_due, timeline
from tests.builders import RUN_DATE, case, practitioner


def custody(cid: str, release: str | None, sentence: str = "2026-11-16", **kw) -> dict:
    return case(
        cid,
        case_type="CUSTODY",
        sentence_date=sentence,
        expected_release_date=release or "",
        **kw,
    )


def test_twelve_months_before_release_is_future_with_its_window(config):
    # release 2027-11-23: handover 7 months 15 days before, 2027-04-08; the window opens 10
    # working days before that (Easter Monday 2027-03-29 and Good Friday 2027-03-26 skipped)
    due = case_due(custody("C", "2027-11-23"), config)
    assert due.basis == HANDOVER
    assert due.due == date(2027, 4, 8)
    assert due.opens == date(2027, 3, 23)
    assert due.future(RUN_DATE)
    assert due.first_appointment == date(2027, 11, 24)  # within 24 hours of release


def test_eight_months_left_at_sentence_is_due_at_once(config):
    due = case_due(custody("C", "2027-07-16"), config)  # 8 months after the 2026-11-16 sentence
    assert due.basis == SHORT_TERM and not due.future(RUN_DATE)
    assert due.due == date(2026, 11, 23)  # 5 working days from sentence


def test_early_allocation_opens_at_fifteen_months(config):
    release = "2028-02-23"
    plain = case_due(custody("C", release), config)
    early = case_due(custody("C", release, early_allocation=True), config)
    assert early.basis == EARLY and early.due == date(2026, 11, 23)  # 15 months before
    assert plain.due == date(2027, 7, 8)  # 7.5 months before
    assert not early.future(RUN_DATE) and plain.future(RUN_DATE)


def test_custody_without_a_release_date_is_counted_from_sentence(config):
    due = case_due(custody("C", None), config)
    assert due.basis == NO_RELEASE and due.due == date(2026, 11, 23)
    assert due.first_appointment is None
    est = case_due(custody("C", None, sentence_length_months=48), config)
    assert est.release_estimated and est.release == date(2028, 11, 16)  # half of 48 months


def test_the_frame_rule_is_the_row_rule(config):
    """`timeline` over a frame gives what `case_due` gives row by row."""
    rows = [
        custody("A", "2027-11-23"),
        custody("B", "2027-07-16"),
        custody("C", "2028-02-23", early_allocation=True),
        custody("D", None),
        custody("E", None, sentence_length_months=30),
        custody("F", "2027-10-01", sentence="2026-06-01", early_allocation=True),
        case("G", case_type="LICENCE", expected_release_date="2026-11-20"),
        case("H"),
    ]
    frame = pd.DataFrame(rows).replace("", None)
    frame["early_allocation"] = frame["early_allocation"].fillna(False).astype(bool)
    got = timeline(frame, config)
    for k, row in enumerate(frame.to_dict("records")):
        due = case_due(row, config)
        assert got["window_opens"].iat[k] == due.opens, row["case_id"]
        assert got["allocation_due"].iat[k] == due.due, row["case_id"]
        assert got["first_appointment_due"].iat[k] == due.first_appointment, row["case_id"]
        assert got["due_basis"].iat[k] == due.basis, row["case_id"]


@pytest.fixture
def custody_night(night):
    pracs = [practitioner("PO1"), practitioner("PO2")]
    cases = [
        custody("LATER", "2027-11-23"),
        custody("SHORT", "2027-07-16"),
        custody("EARLY", "2028-02-23", early_allocation=True),
        custody("OLD", None, sentence="2026-11-02"),  # no release date: overdue from sentence
    ]
    dec, res = night(pracs, cases)
    return dec, res


def test_the_night_lists_future_cases_and_allocates_the_rest(custody_night, config):
    dec, res = custody_night
    assert dec.loc["LATER", "status"] == "FUTURE"
    assert pd.isna(dec.loc["LATER", "practitioner_id"]) or not dec.loc["LATER", "practitioner_id"]
    assert "OVERDUE" not in dec.loc["LATER", "flags"]
    assert dec.loc["LATER", "allocation_due"] == "2027-04-08"
    assert "2027-03-23" in dec.loc["LATER", "reason"]
    assert {dec.loc[c, "status"] for c in ("SHORT", "EARLY", "OLD")} == {"NEW"}
    assert dec.loc["OLD", "flags"] == "OVERDUE" or "OVERDUE" in dec.loc["OLD", "flags"]
    assert "OVERDUE" not in dec.loc["EARLY", "flags"]
    assert res.summary["counts"]["FUTURE"] == 1


def test_the_checker_knows_the_clock(custody_night, config):
    dec, res = custody_night
    ds = load_dataset(res.out_dir.parent / "in", config)
    d = dec.reset_index()
    assert check_allocation(ds, d, config, run_date=RUN_DATE).ok

    def broken(cid, **changes):
        b = d.copy()
        for k, v in changes.items():
            b.loc[b["case_id"] == cid, k] = v
        return [x.rule for x in check_allocation(ds, b, config, run_date=RUN_DATE).violations]

    early = broken("LATER", status="NEW", practitioner_id="PO1")  # allocated before its window
    assert "timeliness" in early
    assert "timeliness" in broken("SHORT", status="FUTURE", practitioner_id=None)
    assert "timeliness" in broken("OLD", flags="")  # overdue, not flagged
    assert "timeliness" in broken("EARLY", flags="OVERDUE")  # flagged, not overdue
    assert "timeliness" in broken("SHORT", allocation_due="2027-01-01")


def test_a_release_before_sentence_is_refused(tmp_path, config):
    from engine.core.contract import DataContractError
    from tests.builders import write_night

    folder = write_night(
        tmp_path, [practitioner("PO1")], [custody("C", "2026-01-01", sentence="2026-11-16")]
    )
    with pytest.raises(DataContractError) as err:
        load_dataset(folder, config)
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [
        ("cases.csv", 1, "expected_release_date")
    ]


def test_months_added_to_a_frame_are_the_row_rule():
    """`add_months` (vectorised) against `months_after`/`months_before`, on 2,000 random dates
    and signed half-month lengths, month ends included."""
    import numpy as np

    from engine.allocation.timeline import add_months, months_after, months_before

    rng = np.random.default_rng(7)
    days = pd.Series(pd.Timestamp("2020-01-31") + pd.to_timedelta(rng.integers(0, 2500, 2000), "D"))
    months = pd.Series(np.round(rng.uniform(-60, 60, 2000) * 2) / 2)
    got = add_months(days, months)
    for d, m, g in zip(days, months, got):
        rule = months_after if m >= 0 else months_before
        assert g.date() == rule(d.date(), abs(m)), (d, m)
