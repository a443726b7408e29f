"""Travel settings: geo's own type, so travel times need nothing from the planners."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TravelSettings(BaseModel):
    """The `[travel]` section of the config: modes and speeds, the road network file and its
    cache, the cut-off, and the targets the planners price travel against."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: str
    target_minutes: float = Field(gt=0)
    hard_max_minutes: float = Field(ge=0)
    osm_file: str = ""
    cache_dir: str = "~/.cache/probation-engine"
    cutoff_minutes: float = Field(gt=0)
    max_snap_m: float = Field(gt=0)
    bus_kmh: float = Field(gt=0)
    bus_wait_minutes: float = Field(ge=0)
    car_access_kmh: float = Field(gt=0)
    detour_factor: float = Field(ge=1)
    speed_kmh: dict[str, float]
    hwy_speeds: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _modes_have_speeds(self) -> TravelSettings:
        for mode in ("car", "walk", "public_transport"):
            if mode not in self.speed_kmh:
                raise ValueError(f"travel.speed_kmh lacks mode {mode!r}")
        if self.mode not in self.speed_kmh:
            raise ValueError(f"travel.mode {self.mode!r} has no travel.speed_kmh entry")
        return self
