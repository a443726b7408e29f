"""Unpaid Work input records: people with hours to work, and placements with sessions.

Field names are the CSV columns of the Unpaid Work data contract (README, "Unpaid Work").
"""

from __future__ import annotations

from datetime import date
from datetime import date as Date  # a field below is named `date`
from enum import Enum
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from engine.core.records import (
    DayList,
    Flag,
    Id,
    IdList,
    Latitude,
    Longitude,
    Record,
    Sex,
    TravelMode,
    empty_to_none,
    upper,
)

OptionalNumber = Annotated[float | None, BeforeValidator(empty_to_none)]
OptionalLat = Annotated[Latitude | None, BeforeValidator(empty_to_none)]
OptionalLon = Annotated[Longitude | None, BeforeValidator(empty_to_none)]


class PlacementKind(str, Enum):
    GROUP = "GROUP"
    INDIVIDUAL = "INDIVIDUAL"
    WORKSHOP = "WORKSHOP"
    ETE = "ETE"


class UpwPerson(Record):
    """Someone with an Unpaid Work requirement."""

    person_id: Id
    sex: Annotated[Sex, BeforeValidator(upper)]
    pdu: Id
    sentence_date: date
    hours_ordered: int = Field(ge=1, le=1000)
    hours_completed: float = Field(ge=0)
    ete_hours_completed: float = Field(ge=0)
    employed: Flag = False
    available_days: DayList
    max_hours_per_week: float = Field(gt=0, le=60)
    home_lat: Latitude
    home_lon: Longitude
    travel_mode: Annotated[
        TravelMode, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)
    ]
    prefers_not_all_male: Flag = False
    lone_woman_ok: Flag = False
    needs_workshop: Flag = False
    no_public_facing: Flag = False
    carer_max_travel_minutes: OptionalNumber = None
    exclude_person_ids: IdList = ()
    # Optional column: where the person worked last week (kept if it still fits).
    last_placement_id: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    # Optional column: inducted already, though no hours are worked yet (no induction needed).
    inducted: Flag = False

    @field_validator("available_days")
    @classmethod
    def _some_day(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("no available day given")
        return v

    @field_validator("carer_max_travel_minutes")
    @classmethod
    def _positive(cls, v: float | None) -> float | None:
        if v is not None and v <= 0:
            raise ValueError("must be a positive number of minutes, or empty")
        return v

    @model_validator(mode="after")
    def _hours_consistent(self) -> UpwPerson:
        self.at_most("hours_completed", "hours_ordered")
        self.at_most("ete_hours_completed", "hours_completed")
        return self


class UpwPlacement(Record):
    """A placement and its weekly sessions (one per listed day)."""

    placement_id: Id
    kind: Annotated[PlacementKind, BeforeValidator(upper)]
    pdu: Id
    lat: Latitude
    lon: Longitude
    days: DayList
    session_hours: float = Field(gt=0, le=12)
    capacity: int = Field(ge=1, le=60)
    public_facing: Flag = False
    women_only: Flag = False
    pickup_lat: OptionalLat = None
    pickup_lon: OptionalLon = None

    @model_validator(mode="after")
    def _pickup(self) -> UpwPlacement:
        if (self.pickup_lat is None) != (self.pickup_lon is None):
            raise ValueError("pickup_lat and pickup_lon must be given together")
        if self.pickup_lat is not None and self.kind != PlacementKind.GROUP:
            raise ValueError(
                f"only GROUP placements have a crew-bus pickup point, not {self.kind.value}"
            )
        return self  # a placement with no days is data: it has no sessions this week


SUPERVISED_KINDS = ("GROUP", "WORKSHOP")
INDUCTION = "INDUCTION"  # the kind an induction slot's sessions have in the week's problem


def _kinds(v: object) -> object:
    """'group; Workshop' -> ('GROUP', 'WORKSHOP'); only the kinds a supervisor runs."""
    if isinstance(v, str):
        out = []
        for part in (p.strip().upper() for p in v.split(";")):
            if not part:
                continue
            if part not in SUPERVISED_KINDS:
                raise ValueError(f"{part!r} is not a supervised kind (use GROUP;WORKSHOP)")
            out.append(part)
        return tuple(sorted(set(out), key=SUPERVISED_KINDS.index))
    return v


class UpwSupervisor(Record):
    """A Community Payback supervisor: the GROUP and WORKSHOP sessions they are trained for,
    the days they work, the largest crew they take, and whether they drive the crew bus (and
    how many it seats besides them)."""

    supervisor_id: Id
    sex: Annotated[Sex, BeforeValidator(upper)]
    pdu: Id
    base_lat: Latitude
    base_lon: Longitude
    available_days: DayList
    kinds: Annotated[tuple[str, ...], BeforeValidator(_kinds)]
    max_crew: int = Field(ge=1, le=60)
    drives_van: Flag = False
    van_seats: Annotated[int, BeforeValidator(lambda v: 0 if empty_to_none(v) is None else v)] = (
        Field(default=0, ge=0, le=60)
    )

    @field_validator("available_days", "kinds")
    @classmethod
    def _not_empty(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("none given")
        return v

    @field_validator("van_seats")
    @classmethod
    def _van(cls, v: int, info: ValidationInfo) -> int:
        """Seats go with driving the van (checked on the seats, so the error names them)."""
        drives = info.data.get("drives_van")
        if v and drives is False:
            raise ValueError("van_seats given for a supervisor who does not drive the van")
        if drives and not v:
            raise ValueError("a van driver needs van_seats (the crew the bus carries)")
        return v


class UpwInduction(Record):
    """An induction slot: where, on which weekdays (or on one date), for how many. Someone
    who has not started is inducted before any work session."""

    induction_id: Id
    pdu: Id
    lat: Latitude
    lon: Longitude
    days: DayList = ()
    date: Annotated[Date | None, BeforeValidator(empty_to_none)] = None
    capacity: int = Field(ge=1, le=60)

    @field_validator("date")
    @classmethod
    def _days_or_date(cls, v: Date | None, info: ValidationInfo) -> Date | None:
        """One of the two (checked on the date, so the error names a column)."""
        days = info.data.get("days")
        if v is None and not days:
            raise ValueError("give the slot's weekdays (days) or its date")
        if v is not None and days:
            raise ValueError("give the slot's weekdays (days) or its date, not both")
        return v
