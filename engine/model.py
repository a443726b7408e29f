"""Domain model: one pydantic model per input record, validated field by field.

Field names are the CSV column names of the data contract (see README "Data contract").
"""
from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

# A box around the United Kingdom (with a margin for the coast): coordinates outside it are
# almost always swapped or mistyped columns.
UK_LAT = (49.8, 60.95)
UK_LON = (-8.7, 1.9)

TIER_RE = re.compile(r"^[A-D][0-3]S?$")


class Grade(str, Enum):
    PO = "PO"
    PSO = "PSO"
    PQIP = "PQIP"
    SPO = "SPO"


class Sex(str, Enum):
    F = "F"
    M = "M"


class Rosh(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    VERY_HIGH = "VERY_HIGH"


class TravelMode(str, Enum):
    car = "car"
    walk = "walk"
    public_transport = "public_transport"


class CaseType(str, Enum):
    COMMUNITY = "COMMUNITY"
    LICENCE = "LICENCE"
    CUSTODY = "CUSTODY"


def _split_list(v: object) -> object:
    """';'-separated list cell -> sorted tuple of trimmed, lower-case names."""
    if v is None:
        return ()
    if isinstance(v, str):
        parts = [p.strip().lower().replace(" ", "_") for p in v.split(";")]
        return tuple(sorted({p for p in parts if p}))
    if isinstance(v, (list, tuple, set, frozenset)):
        return tuple(sorted({str(p).strip() for p in v if str(p).strip()}))
    return v


def _split_ids(v: object) -> object:
    if isinstance(v, str):
        return tuple(sorted({p.strip() for p in v.split(";") if p.strip()}))
    return _split_list(v)


def _upper(v: object) -> object:
    return v.strip().upper() if isinstance(v, str) else v


def _empty_to_none(v: object) -> object:
    if isinstance(v, str) and not v.strip():
        return None
    return v.strip() if isinstance(v, str) else v


def _bool(v: object) -> object:
    if isinstance(v, str) and not v.strip():
        return False
    return v


SkillList = Annotated[tuple[str, ...], BeforeValidator(_split_list)]
IdList = Annotated[tuple[str, ...], BeforeValidator(_split_ids)]
Flag = Annotated[bool, BeforeValidator(_bool)]
Id = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v), Field(min_length=1)]
Latitude = Annotated[float, Field(ge=UK_LAT[0], le=UK_LAT[1])]
Longitude = Annotated[float, Field(ge=UK_LON[0], le=UK_LON[1])]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class Practitioner(_Record):
    """A member of staff who may hold cases (PO, PSO, PQiP) or confirm them (SPO)."""

    practitioner_id: Id
    name: str
    grade: Annotated[Grade, BeforeValidator(_upper)]
    sex: Annotated[Sex, BeforeValidator(_upper)]
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
    def _reduction_within_hours(self) -> "Practitioner":
        if self.reduction_hours > self.contracted_hours:
            raise ValueError(
                f"reduction_hours ({self.reduction_hours}) exceeds contracted_hours "
                f"({self.contracted_hours})"
            )
        return self


class Case(_Record):
    """A person under supervision: new (no current practitioner) or already held."""

    case_id: Id
    sex: Annotated[Sex, BeforeValidator(_upper)]
    region: Id
    pdu: Id
    tier: Annotated[str, BeforeValidator(_upper)]
    rosh: Annotated[Rosh, BeforeValidator(_upper)]
    mappa_level: int = Field(ge=0, le=3)
    case_type: Annotated[CaseType, BeforeValidator(_upper)]
    sentence_date: date
    required_skills: SkillList = ()
    preferred_skills: SkillList = ()
    wants_female_practitioner: Flag = False
    needs_welsh: Flag = False
    home_lat: Latitude
    home_lon: Longitude
    current_practitioner_id: Annotated[str | None, BeforeValidator(_empty_to_none)] = None
    conflict_practitioner_ids: IdList = ()
    # Optional column: how the person travels (empty = the configured default mode).
    travel_mode: Annotated[TravelMode | None, BeforeValidator(lambda v: _empty_to_none(v.lower() if isinstance(v, str) else v))] = None

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
