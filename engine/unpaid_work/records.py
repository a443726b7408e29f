"""Unpaid Work input records: people with hours to work, and placements with sessions.

Field names are the CSV columns of the Unpaid Work data contract (README, "Unpaid Work").
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

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
