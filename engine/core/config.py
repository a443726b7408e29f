"""Engine configuration: the shipped `config.toml`, optionally overlaid by a user's file.

The numbers the sources do not fix live here: each planner's rules, weights and time budgets.
Every solver gets them as a typed params object built from this config, never as a constant of
its own.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.core.errors import ProbationError
from geo.settings import TravelSettings

DEFAULT_CONFIG_PATH = Path(__file__).with_name("config.toml")

TIERS = [f"{p}{c}" for p in "ABCD" for c in "3210"]
CASE_TYPES = ["COMMUNITY", "LICENCE", "CUSTODY"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Points = Annotated[int, Field(ge=0)]
MAX_SPREAD_THRESHOLDS = 200  # the balance phase holds one variable per threshold and person


class WorkloadConfig(_Section):
    full_time_hours: float = Field(gt=0)
    s_suffix_same_tier: bool = True
    available_points: dict[str, Points]
    points: dict[str, dict[str, Points]]

    @field_validator("points")
    @classmethod
    def _every_tier_and_type(cls, v: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for ct in CASE_TYPES:
            if ct not in v:
                raise ValueError(f"workload.points lacks case type {ct}")
            missing = [t for t in TIERS if t not in v[ct]]
            if missing:
                raise ValueError(f"workload.points.{ct} lacks tiers {missing}")
        return v


class EligibilityConfig(_Section):
    case_holding_grades: list[str]
    high_risk_grades: list[str]
    high_risk_rosh: list[str]
    high_risk_mappa_min_level: int = Field(ge=1, le=4)
    high_risk_protect_levels: list[str]


class SkillsConfig(_Section):
    known: list[str]
    women_concentrator_skill: str


class AllocationConfig(_Section):
    deadline_working_days: int = Field(ge=1)
    max_utilisation: float = Field(gt=0, le=3)
    allow_over_capacity: bool = False
    allow_neighbouring_pdus: bool = False
    neighbour_max_km: float = Field(ge=0)
    # the custody clock: responsibility passes to the community practitioner before release
    handover_months: float = Field(default=7.5, gt=0, le=60)
    early_allocation_months: float = Field(default=15.0, gt=0, le=60)
    community_from_sentence_under_months: float = Field(default=10.0, ge=0, le=60)
    handover_lead_working_days: int = Field(default=10, ge=0, le=130)
    release_share_of_sentence: float = Field(default=0.5, gt=0, le=1)
    first_appointment_days: int = Field(default=7, ge=0, le=60)
    first_appointment_hours_after_release: int = Field(default=24, ge=0, le=720)
    long_absence_days: int = Field(default=28, ge=1, le=3650)

    @model_validator(mode="after")
    def _early_before_standard(self) -> AllocationConfig:
        if self.early_allocation_months < self.handover_months:
            raise ValueError(
                f"early_allocation_months ({self.early_allocation_months:g}) must not be below "
                f"handover_months ({self.handover_months:g}): Early Allocation hands over sooner"
            )
        return self


class ObjectiveConfig(_Section):
    allocate_weight: int = Field(ge=1)
    urgency_weight: int = Field(ge=0)
    never_fewer_than_greedy: bool = True
    spread_from: float = Field(ge=0)
    spread_to: float = Field(gt=0)
    spread_step: float = Field(gt=0)
    spread_weight: int = Field(ge=0)
    preferred_skill_weight: int = Field(ge=0)
    women_concentrator_weight: int = Field(ge=0)
    travel_minute_weight: int = Field(ge=0)
    travel_over_target_weight: int = Field(ge=0)
    other_team_weight: int = Field(default=80, ge=0)
    returning_weight: int = Field(default=150, ge=0)
    case_mix_weight: int = Field(default=1, ge=0)
    case_mix_high_share: float = Field(default=0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _spread_grid(self) -> ObjectiveConfig:
        if self.spread_from >= self.spread_to:
            raise ValueError(
                f"spread_from ({self.spread_from:g}) must be below spread_to ({self.spread_to:g})"
            )
        n = (self.spread_to - self.spread_from) / self.spread_step
        if n > MAX_SPREAD_THRESHOLDS:
            raise ValueError(
                f"spread_step {self.spread_step:g} gives {n:.0f} thresholds from spread_from to "
                f"spread_to; at most {MAX_SPREAD_THRESHOLDS}: make the step larger"
            )
        return self


class SolverConfig(_Section):
    name: str = "cpsat"
    component_time_limit_seconds: float = Field(gt=0)
    seconds_per_1000_pairs: float = Field(ge=0)
    workers_per_component: int = Field(ge=1)
    parallel_processes: int = Field(ge=0)
    part_retries: int = Field(ge=0)
    random_seed: int = 7


class UpwConfig(_Section):
    max_hours_per_week: float = Field(gt=0, le=60)
    ete_max_share: float = Field(ge=0, le=1)
    complete_within_months: int = Field(ge=1)
    review_months: list[int]
    max_travel_minutes: float = Field(gt=0)
    credited_travel_max_minutes: float = Field(ge=0)
    induction_max_travel_minutes: float = Field(gt=0)
    first_session_working_days: int = Field(ge=1)
    hours_ordered_min: int = Field(ge=1)
    hours_ordered_max: int = Field(ge=1)
    seconds_per_pdu: float = Field(gt=0)
    proof_gap: float = Field(ge=0, lt=1)
    target_travel_minutes: int = Field(gt=0)
    over_target_cost: int = Field(ge=0)
    move_cost: int = Field(ge=0)
    over_target_hours_weight: int = Field(ge=0)
    induction_hours: float = Field(gt=0, le=8)
    provisional_week_share: float = Field(gt=0, le=1)
    supervisor_max_travel_minutes: float = Field(gt=0)
    supervisor_travel_cost: int = Field(ge=0)


class CalendarConfig(_Section):
    bank_holidays: list[date]


class GroupsConfig(_Section):
    horizon_weeks: int = Field(ge=1, le=52)
    start_every_weeks: int = Field(ge=1)
    pre_group_weeks: int = Field(ge=1)
    pre_group_per_slot: int = Field(ge=1)
    pre_group_other_venues: int = Field(ge=0)
    pre_group_hand_overs: int = Field(ge=0)
    rebook_seconds: float = Field(ge=0)
    booked_proof_seconds: float = Field(ge=0)
    booked_proof_options: int = Field(ge=0)
    max_group: int = Field(ge=2, le=12)
    max_travel_minutes: float = Field(gt=0)
    target_travel_minutes: float = Field(gt=0)
    facilitator_max_travel_minutes: float = Field(gt=0)
    patterns_per_venue: int = Field(ge=1)
    pairs_per_person: int = Field(ge=1)
    seconds_per_programme: float = Field(gt=0)
    joint_seconds: float = Field(gt=0)
    joint_patience_seconds: float = Field(ge=0)
    deadline_seconds: float = Field(gt=0)
    run_seconds: float = Field(ge=0)
    final_proof_seconds: float = Field(ge=0)
    beside_cut_pool: int = Field(ge=0)
    settle_seconds: float = Field(ge=0)
    late_seconds: float = Field(gt=0)
    processes_from_pairs: int = Field(ge=0)
    wider_model_pairs: int = Field(ge=0)
    even_share: float = Field(ge=0, le=1)
    block_pairs: int = Field(ge=0)
    quarter_lp: bool
    start_value: int = Field(ge=0)
    wait_per_day: int = Field(ge=0)
    travel_per_minute: int = Field(ge=0)
    over_target_per_minute: int = Field(ge=0)
    group_cost: int = Field(ge=0)
    women_only_value: int = Field(ge=0)
    replan_person_cost: float = Field(ge=0)
    replan_facilitator_cost: float = Field(ge=0)
    replan_cover_cost: float = Field(ge=0)
    replan_move_cost: float = Field(ge=0)
    replan_reschedule_cost: float = Field(ge=0)
    replan_postpone_cost: float = Field(ge=0)
    replan_unresolved_cost: float = Field(ge=0)
    replan_seconds: float = Field(gt=0)
    review_months_before_end: list[int]
    one_to_one_accredited: list[str]


class Config(_Section):
    workload: WorkloadConfig
    eligibility: EligibilityConfig
    skills: SkillsConfig
    allocation: AllocationConfig
    travel: TravelSettings
    objective: ObjectiveConfig
    solver: SolverConfig
    calendar: CalendarConfig
    upw: UpwConfig
    groups: GroupsConfig

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        """Cross-section checks: every grade named is one the workload gives points to, and
        each range runs the right way."""
        known = set(self.workload.available_points)
        for name in ("case_holding_grades", "high_risk_grades"):
            unknown = sorted(set(getattr(self.eligibility, name)) - known)
            if unknown:
                raise ValueError(
                    f"eligibility.{name} names {unknown}, not grades of "
                    f"workload.available_points {sorted(known)}"
                )
        if self.upw.hours_ordered_min > self.upw.hours_ordered_max:
            raise ValueError("upw.hours_ordered_min is above upw.hours_ordered_max")
        return self

    def spread_thresholds_permille(self) -> tuple[int, ...]:
        o = self.objective
        n = int(round((o.spread_to - o.spread_from) / o.spread_step)) + 1
        return tuple(
            int(round(1000 * (o.spread_from + k * o.spread_step))) for k in range(max(n, 0))
        )

    def points_for(self, tier: str, case_type: str) -> int:
        """Workload points of one case (tier already normalised to A3..D0)."""
        return self.workload.points[case_type][tier]

    def available_points(self, grade: str, contracted_hours: float, reduction_hours: float) -> int:
        """hmpps-workload rule: points x (contracted - reduction) / full time, truncated."""
        full = self.workload.available_points.get(grade, 0)
        hours = max(0.0, contracted_hours - reduction_hours)
        return int(full * hours / self.workload.full_time_hours)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """Stable hash of the effective configuration (part of a run's identity)."""
        blob = json.dumps(self.as_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


class ConfigError(ProbationError, ValueError):
    """A configuration file that cannot be read or does not validate."""


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Shipped defaults, overlaid by `path` (a partial TOML file) and then `overrides`."""
    with DEFAULT_CONFIG_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    if path is not None:
        p = Path(path)
        try:
            with p.open("rb") as fh:
                data = _deep_merge(data, tomllib.load(fh))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{p}: {exc}") from exc
    if overrides:
        data = _deep_merge(data, overrides)
    try:
        return Config.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError, with the file named
        raise ConfigError(f"{path or DEFAULT_CONFIG_PATH}: {exc}") from exc
