"""Supervision appointments, where given: an optional `supervision.csv` (person_id, date, slot
AM|PM|EVE, and optionally practitioner_id and location) in either planner's folder. They are
part of the person's one calendar: each planner keeps the person free at those half-days (an
Unpaid Work day takes the morning and the afternoon), stores them with its plan, and reads the
other service's stored ones as busy time too; both checkers refuse a session over one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from engine.core.contract import (
    DataContractError,
    Issue,
    check_duplicates,
    find_table,
    read_table_or_fail,
    validate_rows,
)

STEM = "supervision"
COLUMNS = ["person_id", "date", "slot"]
OPTIONAL = ("practitioner_id", "location")
TABLE_COLUMNS = ["person_id", "date", "slot", "practitioner_id", "location"]


class Appointment(BaseModel):
    """One supervision appointment: who, which day, which half-day, with whom and where."""

    model_config = ConfigDict(str_strip_whitespace=True)

    person_id: str = Field(min_length=1)
    date: date
    slot: Literal["AM", "PM", "EVE"]
    practitioner_id: str = ""
    location: str = ""


def load_supervision(folder: str | Path) -> pd.DataFrame:
    """The folder's supervision appointments (none without the file), dates as text. Raises
    DataContractError naming the file, row and column of every problem."""
    path = find_table(Path(folder), STEM)
    if path is None:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    issues: list[Issue] = []
    rows = validate_rows(
        path.name, read_table_or_fail(path), Appointment, COLUMNS, issues, OPTIONAL
    )
    check_duplicates(
        path.name, (f"{r.person_id}@{r.date}@{r.slot}" for r in rows), "person_id, date, slot",
        issues,
    )  # fmt: skip
    if issues:
        raise DataContractError(issues)
    return pd.DataFrame(
        [(r.person_id, r.date.isoformat(), r.slot, r.practitioner_id, r.location) for r in rows],
        columns=TABLE_COLUMNS,
    )


def describe(practitioner: str, location: str) -> str:
    """What a supervision appointment is, as a calendar and a clash name it."""
    return (
        "supervision"
        + (f" with {practitioner}" if practitioner else "")
        + (f" at {location}" if location else "")
    )


def half_days(
    appointments: pd.DataFrame, people=None, first: date | None = None, last: date | None = None
) -> dict[str, dict[tuple[date, str], str]]:
    """person -> (date, AM|PM|EVE) -> what, for the people (and days) asked for."""
    want = None if people is None else set(people)
    out: dict[str, dict[tuple[date, str], str]] = {}
    for r in appointments.to_dict("records"):
        day = date.fromisoformat(str(r["date"]))
        if (
            (want is not None and r["person_id"] not in want)
            or (first and day < first)
            or (last and day > last)
        ):
            continue
        out.setdefault(r["person_id"], {})[(day, r["slot"])] = describe(
            r["practitioner_id"], r["location"]
        )
    return out
