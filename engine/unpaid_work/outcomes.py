"""Outcomes fed back: what happened at last week's sessions, before the next week is planned.

`upw_attendance.csv` (optional) lists sessions held since `upw_people.csv` was brought up to
date: `person_id, date, placement_id, outcome, hours_worked`, the outcome one of ATTENDED,
ABSENT_ACCEPTABLE, ABSENT_UNACCEPTABLE, SENT_HOME. Hours worked (at an attended session, or
before being sent home) count towards the order (and towards the ETE share at an ETE
placement), never beyond the hours ordered. An unacceptable absence is a failure to comply:
Unpaid Work staff must tell the practitioner within one business day (000 ~5230), so each one
is listed with the day it is due by."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BeforeValidator, Field, model_validator

from engine.core.config import Config
from engine.core.contract import (
    DataContractError,
    Issue,
    check_reference,
    find_table,
    read_table_or_fail,
    validate_rows,
)
from engine.core.records import Id, Record, upper

ATTENDANCE_COLUMNS = ["person_id", "date", "placement_id", "outcome", "hours_worked"]
TELL_COLUMNS = ["person_id", "pdu", "date", "placement_id", "tell_by", "overdue"]


class Outcome(str, Enum):
    ATTENDED = "ATTENDED"
    ABSENT_ACCEPTABLE = "ABSENT_ACCEPTABLE"
    ABSENT_UNACCEPTABLE = "ABSENT_UNACCEPTABLE"
    SENT_HOME = "SENT_HOME"


class Attendance(Record):
    """One person at one session, as it went."""

    person_id: Id
    date: date
    placement_id: Id
    outcome: Annotated[Outcome, BeforeValidator(upper)]
    hours_worked: float = Field(ge=0, le=12)

    @model_validator(mode="after")
    def _absent_worked_nothing(self) -> Attendance:
        if self.outcome in (Outcome.ABSENT_ACCEPTABLE, Outcome.ABSENT_UNACCEPTABLE) and (
            self.hours_worked > 0
        ):
            raise ValueError(f"{self.outcome.value} with {self.hours_worked:g} hours worked")
        return self


def read_attendance(
    folder: Path, people: pd.DataFrame, places: pd.DataFrame, first_day: date
) -> pd.DataFrame | None:
    """The folder's upw_attendance table, checked against the people and placements and
    before the week planned (an outcome of a session not yet held is an error), or None."""
    path = find_table(folder, "upw_attendance")
    if path is None:
        return None
    issues: list[Issue] = []
    rows = validate_rows(path.name, read_table_or_fail(path), Attendance, ATTENDANCE_COLUMNS,
                         issues)  # fmt: skip
    persons, pids = set(people["person_id"]), set(places["placement_id"])
    seen: dict[tuple[str, date, str], int] = {}
    for row, a in enumerate(rows, start=1):
        check_reference(path.name, row, "person_id", a.person_id, persons,
                        "a person not in upw_people", issues)  # fmt: skip
        check_reference(path.name, row, "placement_id", a.placement_id, pids,
                        "a placement not in upw_placements", issues)  # fmt: skip
        if a.date >= first_day:
            issues.append(Issue(path.name, row, "date",
                                f"is not before the week planned ({first_day})", a.date))  # fmt: skip
        key = (a.person_id, a.date, a.placement_id)
        if key in seen:
            issues.append(Issue(path.name, row, "date",
                                f"the same session as row {seen[key]}", a.date))  # fmt: skip
        seen.setdefault(key, row)
    if issues:
        raise DataContractError(issues)
    df = pd.DataFrame([a.model_dump() for a in rows], columns=ATTENDANCE_COLUMNS)
    df["outcome"] = [a.outcome.value for a in rows]
    return df


def apply_outcomes(
    people: pd.DataFrame, places: pd.DataFrame, attendance: pd.DataFrame
) -> pd.DataFrame:
    """People with the hours worked added (ETE hours too, at ETE placements), capped at the
    hours ordered; `hours_from_outcomes` says how much came in."""
    out = people.copy()
    kind = places.set_index("placement_id")["kind"]
    worked = attendance.groupby("person_id")["hours_worked"].sum()
    ete = attendance[attendance["placement_id"].map(kind) == "ETE"]
    ete_worked = ete.groupby("person_id")["hours_worked"].sum()
    add = out["person_id"].map(worked).fillna(0.0).to_numpy(dtype=float)
    done = np.minimum(out["hours_completed"].to_numpy(dtype=float) + add, out["hours_ordered"])
    add_ete = out["person_id"].map(ete_worked).fillna(0.0).to_numpy(dtype=float)
    out["hours_from_outcomes"] = done - out["hours_completed"].to_numpy(dtype=float)
    out["hours_completed"] = done
    out["ete_hours_completed"] = np.minimum(
        out["ete_hours_completed"].to_numpy(dtype=float) + add_ete, done
    )
    return out


def tell_practitioner(
    people: pd.DataFrame, attendance: pd.DataFrame, config: Config, today: date
) -> pd.DataFrame:
    """Each unacceptable absence, due to be told to the practitioner within one business day
    of the session (`overdue` once that day has passed by `today`)."""
    bad = attendance[attendance["outcome"] == Outcome.ABSENT_UNACCEPTABLE.value]
    if bad.empty:
        return pd.DataFrame(columns=TELL_COLUMNS)
    hol = np.array(sorted(config.calendar.bank_holidays), dtype="datetime64[D]")
    days = pd.to_datetime(bad["date"]).to_numpy().astype("datetime64[D]")
    by = np.busday_offset(days, 1, roll="forward", holidays=hol)
    pdu = people.set_index("person_id")["pdu"]
    out = pd.DataFrame(
        {
            "person_id": bad["person_id"].to_numpy(),
            "pdu": bad["person_id"].map(pdu).to_numpy(),
            "date": bad["date"].to_numpy(),
            "placement_id": bad["placement_id"].to_numpy(),
            "tell_by": pd.to_datetime(by).date,
            "overdue": pd.to_datetime(by).date < today,
        }
    )
    return out.sort_values(["tell_by", "person_id"]).reset_index(drop=True)
