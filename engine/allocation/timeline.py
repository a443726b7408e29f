"""When a case falls due for allocation, and by when its first appointment is due.

A community or licence case is due 5 working days after sentence (000 ~2506). A determinate
custody case passes to the community practitioner (COM) at its handover: 7.5 months before
release, 15 months for a case meeting the Early Allocation criteria, and from the day of
sentence when less than 10 months are left to serve at sentence (000 ~2625-2636, ~3425-3470).
Before its handover window opens (a lead of working days before the handover date) a custody
case is FUTURE: listed with its dates, never allocated, never OVERDUE. The first appointment is
within a week of a community sentence, or within 24 hours of release from custody (and
for a licence case with its release date) (000 ~6828-6832).

`case_due` is the rule for one case (the checker uses it row by row); `timeline` is the same
rule for a whole frame at once (the night uses it on every case in scope); a test holds them
equal."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from engine.core.config import Config

# What each due date is counted from (the `due_basis` column).
SENTENCE = "sentence"
SHORT_TERM = "sentence: under the months to serve for a handover"
NO_RELEASE = "sentence: custody with no release date"
HANDOVER = "handover"
EARLY = "handover (Early Allocation)"
REALLOCATION = "reallocation"  # a held case that must move: due the night it is seen


@dataclass(frozen=True)
class Due:
    """One case's clock on the run date."""

    opens: date  # the day the case comes into the nightly run
    due: date  # allocated by this day
    first_appointment: date | None  # first appointment by this day (None: release unknown)
    basis: str  # SENTENCE, SHORT_TERM, NO_RELEASE, HANDOVER or EARLY
    release: date | None  # expected (or estimated) release
    release_estimated: bool  # release worked out from the sentence's length

    def future(self, run_date: date) -> bool:
        return run_date < self.opens


def months_before(d: date, months: float) -> date:
    """`months` calendar months before `d`; a fraction counts 30 days a month (7.5 months is
    7 months and 15 days)."""
    whole = int(months)
    return d - relativedelta(months=whole) - timedelta(days=round((months - whole) * 30))


def months_after(d: date, months: float) -> date:
    whole = int(months)
    return d + relativedelta(months=whole) + timedelta(days=round((months - whole) * 30))


def _working_days_after(d: date, days: int, holidays: list[date]) -> date:
    out = np.busday_offset(
        np.datetime64(d, "D"), days, roll="forward", holidays=np.array(holidays, "datetime64[D]")
    )
    return out.astype(object)


def _working_days_before(d: date, days: int, holidays: list[date]) -> date:
    out = np.busday_offset(
        np.datetime64(d, "D"), -days, roll="backward", holidays=np.array(holidays, "datetime64[D]")
    )
    return out.astype(object)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT or v == ""


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def case_due(case: Mapping[str, Any], config: Config) -> Due:
    """The clock of one case (a row of cases.csv as a mapping)."""
    a, hol = config.allocation, config.calendar.bank_holidays
    sentence = _as_date(case["sentence_date"])
    at_sentence = _working_days_after(sentence, a.deadline_working_days, hol)
    week = sentence + timedelta(days=a.first_appointment_days)
    release: date | None = None
    estimated = False
    if not _missing(case.get("expected_release_date")):
        release = _as_date(case["expected_release_date"])
    elif not _missing(case.get("sentence_length_months")):
        release = months_after(
            sentence, float(case["sentence_length_months"]) * a.release_share_of_sentence
        )
        estimated = True
    after_release = (
        release + timedelta(days=math.ceil(a.first_appointment_hours_after_release / 24))
        if release is not None
        else None
    )
    if case["case_type"] != "CUSTODY":
        first = after_release if case["case_type"] == "LICENCE" and after_release else week
        return Due(sentence, at_sentence, first, SENTENCE, release, estimated)
    if release is None:
        return Due(sentence, at_sentence, None, NO_RELEASE, None, False)
    if release < months_after(sentence, a.community_from_sentence_under_months):
        return Due(sentence, at_sentence, after_release, SHORT_TERM, release, estimated)
    early = case.get("early_allocation") in (True, "True", "true")
    handover = months_before(release, a.early_allocation_months if early else a.handover_months)
    if handover <= sentence:  # Early Allocation reaching back to sentence: due from sentence
        return Due(sentence, at_sentence, after_release, EARLY if early else HANDOVER, release,
                   estimated)  # fmt: skip
    opens = max(sentence, _working_days_before(handover, a.handover_lead_working_days, hol))
    return Due(opens, handover, after_release, EARLY if early else HANDOVER, release, estimated)


def timeline(cases: pd.DataFrame, config: Config) -> pd.DataFrame:
    """`case_due` for every row, as columns: window_opens, allocation_due,
    first_appointment_due, due_basis, release_date, release_estimated (index kept)."""
    a = config.allocation
    hol = np.array(sorted(config.calendar.bank_holidays), dtype="datetime64[D]")
    sentence = pd.to_datetime(cases["sentence_date"]).dt.normalize()
    sd = sentence.to_numpy().astype("datetime64[D]")
    at_sentence = pd.Series(
        np.busday_offset(sd, a.deadline_working_days, roll="forward", holidays=hol),
        index=cases.index,
    ).astype("datetime64[ns]")
    week = sentence + pd.Timedelta(days=a.first_appointment_days)
    given = pd.to_datetime(
        cases.get("expected_release_date", pd.Series(None, index=cases.index, dtype=object))
    )
    length = pd.to_numeric(
        cases.get("sentence_length_months", pd.Series(np.nan, index=cases.index)), errors="coerce"
    )
    estimated_release = add_months(sentence, length * a.release_share_of_sentence)
    release = given.where(given.notna(), estimated_release)
    estimated = given.isna() & release.notna()
    after_release = release + pd.Timedelta(
        days=math.ceil(a.first_appointment_hours_after_release / 24)
    )
    ctype = cases["case_type"].to_numpy()
    custody = ctype == "CUSTODY"
    has_release = release.notna().to_numpy()
    short = (release < add_months(sentence, pd.Series(a.community_from_sentence_under_months,
                                                       index=cases.index))).to_numpy()  # fmt: skip
    early = cases.get("early_allocation", pd.Series(False, index=cases.index)).astype(bool)
    months = early.map({True: a.early_allocation_months, False: a.handover_months}).astype(float)
    handover = add_months(release, -months)
    reaches_back = (handover <= sentence).to_numpy()
    lead = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    ok = handover.notna().to_numpy()
    if ok.any():
        lead[ok] = np.busday_offset(
            handover[ok].to_numpy().astype("datetime64[D]"),
            -a.handover_lead_working_days,
            roll="backward",
            holidays=hol,
        ).astype("datetime64[ns]")
    on_handover = custody & has_release & ~short & ~reaches_back
    opens = sentence.where(~on_handover, np.maximum(lead, sentence))
    due = at_sentence.where(~on_handover, handover)
    licence = (ctype == "LICENCE") & has_release
    first = week.where(~((custody & has_release) | licence), after_release)
    first = first.where(~(custody & ~has_release), pd.NaT)
    basis = np.where(
        ~custody,
        SENTENCE,
        np.where(
            ~has_release,
            NO_RELEASE,
            np.where(short, SHORT_TERM, np.where(early.to_numpy(), EARLY, HANDOVER)),
        ),
    )
    return pd.DataFrame(
        {
            "window_opens": opens.dt.date,
            "allocation_due": due.dt.date,
            "first_appointment_due": first.dt.date.astype(object).where(first.notna(), None),
            "due_basis": basis,
            "release_date": release.dt.date.astype(object).where(release.notna(), None),
            "release_estimated": estimated.to_numpy(),
        },
        index=cases.index,
    )


def add_months(dates: pd.Series, months: pd.Series) -> pd.Series:
    """Each date plus its (signed, possibly fractional) months, as `months_after` does (whole
    calendar months, the day kept or clipped to the month's end, then 30 days a month for the
    fraction); NaT where either is missing. Vectorised: a night holds many sentence lengths."""
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    ok = (dates.notna() & months.notna()).to_numpy()
    if not ok.any():
        return out
    d = pd.to_datetime(dates[ok])
    m = months[ok].to_numpy(dtype=float)
    whole = np.trunc(m).astype(np.int64)
    extra = np.round((m - whole) * 30).astype(np.int64)
    ym = d.dt.year.to_numpy() * 12 + d.dt.month.to_numpy() - 1 + whole
    first = (ym - 1970 * 12).astype("datetime64[M]")
    length = (first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")
    day = np.minimum(d.dt.day.to_numpy(), length.astype(np.int64))
    got = first.astype("datetime64[D]") + (day - 1) + extra
    out[ok] = got.astype("datetime64[ns]")
    return out


def clock_text(row: Mapping[str, Any], config: Config) -> str:
    """The case's clock in words, for its reason: what its due date is counted from."""
    a = config.allocation
    basis, due = row["due_basis"], row["allocation_due"]
    release = row.get("release_date")
    est = " (estimated from the sentence's length)" if row.get("release_estimated") else ""
    if basis == SENTENCE:
        return f"due by {due}: {a.deadline_working_days} working days from sentence"
    if basis == NO_RELEASE:
        return f"due by {due}: custody with no release date, so counted from sentence"
    if basis == SHORT_TERM:
        return (
            f"due by {due}: release {release}{est} is under "
            f"{a.community_from_sentence_under_months:g} months from sentence, so the community "
            "practitioner holds the case from sentence"
        )
    months = a.early_allocation_months if basis == EARLY else a.handover_months
    return (
        f"due by {due}: handover to the community {months:g} months before release on "
        f"{release}{est}{' (Early Allocation)' if basis == EARLY else ''}; in the nightly run "
        f"from {row['window_opens']}"
    )
