"""Programme group input records: referrals, programmes, venues and facilitators.

Field names are the CSV columns of the programmes data contract (README, "Programme groups").
A slot is a day and a part of it, `Mon-AM`, `Wed-PM` or `Thu-EVE`; lists are `;`-separated.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

from engine.core.calendar import DAYS
from engine.core.records import (
    Flag,
    Id,
    IdList,
    Latitude,
    Longitude,
    Record,
    Sex,
    TravelMode,
    upper,
)

PARTS = ("AM", "PM", "EVE")
SLOTS = tuple(f"{d}-{p}" for d in DAYS for p in PARTS)


def _slots(v: object) -> object:
    """'mon-am; Wed-PM' -> ('Mon-AM', 'Wed-PM'), checked against the week's slots."""
    if isinstance(v, str):
        out = []
        for part in (p.strip() for p in v.split(";")):
            if not part:
                continue
            day, _, when = part.partition("-")
            name = f"{day[:1].upper()}{day[1:].lower()}-{when.upper()}"
            if name not in SLOTS:
                raise ValueError(f"{part!r} is not a slot (a day and AM, PM or EVE, e.g. Mon-AM)")
            out.append(name)
        return tuple(sorted(set(out), key=SLOTS.index))
    return v


SlotList = Annotated[tuple[str, ...], BeforeValidator(_slots)]
Mode = Annotated[
    TravelMode, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)
]


def _some(v: tuple[str, ...]) -> tuple[str, ...]:
    if not v:
        raise ValueError("no slot given")
    return v


class ProgrammeKind(str, Enum):
    ACCREDITED = "ACCREDITED"
    STRUCTURED = "STRUCTURED"


class Referral(Record):
    """Someone waiting to start a programme."""

    person_id: Id
    sex: Annotated[Sex, BeforeValidator(upper)]
    pdu: Id
    programme: Id
    referral_date: date
    sentence_end: date
    home_lat: Latitude
    home_lon: Longitude
    travel_mode: Mode
    available_slots: SlotList
    exclude_person_ids: IdList = ()
    # Optional column: needs a step-free, accessible venue.
    needs_accessible: Flag = False

    _slots_given = field_validator("available_slots")(classmethod(lambda cls, v: _some(v)))

    @model_validator(mode="after")
    def _dates(self) -> Referral:
        if self.sentence_end <= self.referral_date:
            raise ValueError(
                f"sentence_end ({self.sentence_end}) is not after referral_date ({self.referral_date})"
            )
        return self


class Programme(Record):
    """An Accredited Programme or Structured Intervention and how its groups run."""

    programme: Id
    kind: Annotated[ProgrammeKind, BeforeValidator(upper)]
    sessions: int = Field(ge=1, le=200)
    sessions_per_week: int = Field(ge=1, le=5)
    session_hours: float = Field(gt=0, le=8)
    min_group: int = Field(ge=2, le=12)
    max_group: int = Field(ge=2, le=12)
    facilitators_per_session: int = Field(ge=1, le=4)

    @model_validator(mode="after")
    def _sizes(self) -> Programme:
        if self.min_group > self.max_group:
            raise ValueError(f"min_group ({self.min_group}) is above max_group ({self.max_group})")
        return self


class Venue(Record):
    venue_id: Id
    pdu: Id
    lat: Latitude
    lon: Longitude
    rooms: int = Field(ge=1, le=50)
    available_slots: SlotList
    women_only_space: Flag = False
    accessible: Flag = False

    _slots_given = field_validator("available_slots")(classmethod(lambda cls, v: _some(v)))


class Facilitator(Record):
    facilitator_id: Id
    sex: Annotated[Sex, BeforeValidator(upper)]
    pdu: Id
    trained_programmes: IdList
    available_slots: SlotList
    max_sessions_per_week: int = Field(ge=0, le=20)
    base_lat: Latitude
    base_lon: Longitude


class RunningGroup(Record):
    """A group already running (`groups_running.csv`): pinned, so its remaining sessions take
    their room and facilitators before anything new is planned, and its members are not
    planned again."""

    group_id: Id
    programme: Id
    venue_id: Id
    slots: SlotList
    start_date: date
    facilitator_ids: IdList
    person_ids: IdList
    sessions_done: int = Field(ge=0, le=200)
    women_only: bool = False  # optional column: as `probation groups running` carries it
    # optional column: a one-to-one under way (one person, one facilitator), carried as
    # `probation groups running` does so that its sessions keep their room and facilitator
    one_to_one: bool = False

    _slots_given = field_validator("slots")(classmethod(lambda cls, v: _some(v)))

    @field_validator("facilitator_ids", "person_ids")
    @classmethod
    def _named(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("none given")
        return v
