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
