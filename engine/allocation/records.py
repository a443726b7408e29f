"""Domain model: one pydantic model per input record, validated field by field.

Field names are the CSV column names of the data contract (see README "Data contract").
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

from engine.core.records import (
    Flag,
    Id,
    IdList,
    Latitude,
    Longitude,
    Record,
    Sex,
    SkillList,
    TravelMode,
    empty_to_none,
    upper,
)

TIER_RE = re.compile(r"^[A-D][0-3]S?$")


class Grade(str, Enum):
    PO = "PO"
    PSO = "PSO"
    PQIP = "PQIP"
    SPO = "SPO"


class Rosh(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    VERY_HIGH = "VERY_HIGH"


class CaseType(str, Enum):
    COMMUNITY = "COMMUNITY"
    LICENCE = "LICENCE"
    CUSTODY = "CUSTODY"


class Practitioner(Record):
    """A member of staff who may hold cases (PO, PSO, PQiP) or confirm them (SPO)."""

    practitioner_id: Id
    name: str
    grade: Annotated[Grade, BeforeValidator(upper)]
    sex: Annotated[Sex, BeforeValidator(upper)]
    region: Id
    pdu: Id
    team: str
    contracted_hours: float = Field(ge=0, le=60)
    reduction_hours: float = Field(ge=0, le=60)
    skills: SkillList = ()
    welsh_speaker: Flag = False
    office_lat: Latitude
    office_lon: Longitude
    # Optional: the days the reduction holds (either end open). Outside them the practitioner
    # works their contracted hours; a 100% reduction held long enough moves their cases.
    reduction_from: Annotated[date | None, BeforeValidator(empty_to_none)] = None
    reduction_to: Annotated[date | None, BeforeValidator(empty_to_none)] = None

    @model_validator(mode="after")
    def _reduction_within_hours(self) -> Practitioner:
        self.at_most("reduction_hours", "contracted_hours")
        return self


class Case(Record):
    """A person under supervision: new (no current practitioner) or already held."""

    case_id: Id
    sex: Annotated[Sex, BeforeValidator(upper)]
    region: Id
    pdu: Id
    tier: Annotated[str, BeforeValidator(upper)]
    rosh: Annotated[Rosh, BeforeValidator(upper)]
    mappa_level: int = Field(ge=0, le=3)
    case_type: Annotated[CaseType, BeforeValidator(upper)]
    sentence_date: date
    required_skills: SkillList = ()
    preferred_skills: SkillList = ()
    wants_female_practitioner: Flag = False
    needs_welsh: Flag = False
    home_lat: Latitude
    home_lon: Longitude
    current_practitioner_id: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    conflict_practitioner_ids: IdList = ()
    # Optional column: how the person travels (empty = the configured default mode).
    travel_mode: Annotated[
        TravelMode | None,
        BeforeValidator(lambda v: empty_to_none(v.lower() if isinstance(v, str) else v)),
    ] = None
    # Optional columns of the custody clock: when the person is expected out, whether the case
    # meets the Early Allocation criteria, and the sentence's length (release estimated from it
    # when no date is given).
    expected_release_date: Annotated[date | None, BeforeValidator(empty_to_none)] = None
    early_allocation: Flag = False
    sentence_length_months: Annotated[float | None, BeforeValidator(empty_to_none)] = None
    # Optional columns of reallocation: a case transferred in from another PDU (held by a
    # practitioner there, or by nobody yet), a home address changed since allocation, and the
    # practitioner who last supervised a person now back on a new sentence.
    transfer_in: Flag = False
    previous_pdu: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    address_changed: Flag = False
    previous_practitioner_id: Annotated[str | None, BeforeValidator(empty_to_none)] = None

    @field_validator("sentence_length_months")
    @classmethod
    def _length(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 1200:
            raise ValueError(f"sentence_length_months {v:g} is not between 0 and 1200")
        return v

    @field_validator("tier")
    @classmethod
    def _tier(cls, v: str) -> str:
        if not TIER_RE.match(v):
            raise ValueError(f"tier {v!r} is not one of A3..D0 (optionally with an S suffix)")
        return v

    @property
    def base_tier(self) -> str:
        """The tier without the newer tiering's S suffix."""
        return self.tier[:2]

    @property
    def protect_level(self) -> str:
        return self.tier[0]

    @property
    def change_level(self) -> int:
        return int(self.tier[1])


# Why a held case moves (decisions.move_reason), as engine.allocation.moves finds them.
GRADE = "grade"
LEFT, ABSENCE, RISK = "left", "absence", "risk-to-staff"
TRANSFER, ADDRESS, CASELOAD = "transfer-in", "change-of-address", "caseload-adjustment"
MOVE_REASONS = (GRADE, LEFT, ABSENCE, TRANSFER, ADDRESS, RISK, CASELOAD)
STAY_ALLOWED = (ADDRESS,)  # a move that may end with the case staying where it is
# ... and those whose case stays (KEPT) when nobody else has room for it; the rest are then
# UNALLOCATED for the SPO, their practitioner being unable to keep them.
STAY_IF_NO_ROOM = (ADDRESS, CASELOAD)


class MoveReason(str, Enum):
    """What an SPO may ask to move a practitioner's cases for (reallocations.csv, `probation
    reallocate`). The night finds the other reasons itself (grade, transfer in, change of
    address, a long 100% reduction)."""

    LEFT = "left"
    ABSENCE = "absence"
    RISK_TO_STAFF = "risk-to-staff"
    CASELOAD_ADJUSTMENT = "caseload-adjustment"


class Reallocation(Record):
    """One request: move the cases of a practitioner (one case, for risk to staff) for a reason,
    while the request holds (from_date..to_date, either end open)."""

    practitioner_id: Id
    reason: Annotated[MoveReason, BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)]
    case_id: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    from_date: Annotated[date | None, BeforeValidator(empty_to_none)] = None
    to_date: Annotated[date | None, BeforeValidator(empty_to_none)] = None

    @model_validator(mode="after")
    def _dates_and_case(self) -> Reallocation:
        if self.from_date and self.to_date and self.to_date < self.from_date:
            raise ValueError(f"to_date {self.to_date} is before from_date {self.from_date}")
        if self.reason == MoveReason.RISK_TO_STAFF and not self.case_id:
            raise ValueError("risk-to-staff names the case_id the risk is from")
        return self

    def holds_on(self, night: date) -> bool:
        return (self.from_date is None or self.from_date <= night) and (
            self.to_date is None or night <= self.to_date
        )
