"""Unpaid Work data contract: `upw_people` and `upw_placements` (CSV or Parquet), and the
optional `upw_supervisors`, validated row by row like the allocation inputs; all-or-nothing,
every problem named by file, row and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.core.config import Config
from engine.core.contract import (
    DataContractError,
    Issue,
    check_duplicates,
    check_exclusions,
    check_reference,
    file_hash,
    find_table,
    find_tables,
    keyed_rows,
    read_table_or_fail,
    validate_rows,
)
from engine.unpaid_work.records import UpwInduction, UpwPerson, UpwPlacement, UpwSupervisor

PEOPLE_COLUMNS = [
    "person_id",
    "sex",
    "pdu",
    "sentence_date",
    "hours_ordered",
    "hours_completed",
    "ete_hours_completed",
    "employed",
    "available_days",
    "max_hours_per_week",
    "home_lat",
    "home_lon",
    "travel_mode",
    "prefers_not_all_male",
    "lone_woman_ok",
    "needs_workshop",
    "no_public_facing",
    "carer_max_travel_minutes",
    "exclude_person_ids",
]
OPTIONAL_PEOPLE_COLUMNS = ["last_placement_id", "inducted"]
PLACEMENT_COLUMNS = [
    "placement_id",
    "kind",
    "pdu",
    "lat",
    "lon",
    "days",
    "session_hours",
    "capacity",
    "public_facing",
    "women_only",
    "pickup_lat",
    "pickup_lon",
]
SUPERVISOR_COLUMNS = [
    "supervisor_id",
    "sex",
    "pdu",
    "base_lat",
    "base_lon",
    "available_days",
    "kinds",
    "max_crew",
    "drives_van",
    "van_seats",
]

INDUCTION_COLUMNS = ["induction_id", "pdu", "lat", "lon", "days", "date", "capacity"]


@dataclass
class UpwDataset:
    people: pd.DataFrame
    placements: pd.DataFrame
    inputs_hash: str
    source: str
    # None: no upw_supervisors table, so GROUP and WORKSHOP sessions are taken as supervised
    # at the placement's capacity (the summary says so).
    supervisors: pd.DataFrame | None = None
    # None: no upw_inductions table, so someone who has not started is inducted at their
    # first work session (travel at most 60 minutes each way that week).
    inductions: pd.DataFrame | None = None


def load_upw(folder: str | Path, config: Config) -> UpwDataset:
    """Read and validate an Unpaid Work input folder. Raises DataContractError listing every problem."""
    folder = Path(folder)
    paths = find_tables(folder, ("upw_people", "upw_placements"))
    ppath, lpath = paths["upw_people"], paths["upw_placements"]
    issues: list[Issue] = []
    people = validate_rows(
        ppath.name,
        read_table_or_fail(ppath),
        UpwPerson,
        PEOPLE_COLUMNS,
        issues,
        OPTIONAL_PEOPLE_COLUMNS,
    )
    places = validate_rows(
        lpath.name, read_table_or_fail(lpath), UpwPlacement, PLACEMENT_COLUMNS, issues
    )
    u = config.upw
    if people:
        check_duplicates(ppath.name, (p.person_id for p in people), "person_id", issues)
        ids = {p.person_id for p in people}
        for row, p in enumerate(people, start=1):
            if not u.hours_ordered_min <= p.hours_ordered <= u.hours_ordered_max:
                issues.append(
                    Issue(
                        ppath.name,
                        row,
                        "hours_ordered",
                        f"courts order {u.hours_ordered_min}-{u.hours_ordered_max} hours",
                        p.hours_ordered,
                    )
                )
            if p.max_hours_per_week > u.max_hours_per_week:
                issues.append(
                    Issue(
                        ppath.name,
                        row,
                        "max_hours_per_week",
                        f"above the {u.max_hours_per_week:g}-hour weekly maximum",
                        p.max_hours_per_week,
                    )
                )
            check_exclusions(ppath.name, row, p.person_id, p.exclude_person_ids, ids, issues)
    if places:
        check_duplicates(lpath.name, (p.placement_id for p in places), "placement_id", issues)
    if people and places:
        pids = {p.placement_id for p in places}
        for row, p in enumerate(people, start=1):
            check_reference(
                ppath.name,
                row,
                "last_placement_id",
                p.last_placement_id,
                pids,
                f"a placement not in {lpath.name}",
                issues,
            )
    spath = find_table(folder, "upw_supervisors")
    sups = _supervisors(spath, issues) if spath is not None else None
    ipath = find_table(folder, "upw_inductions")
    slots = None
    if ipath is not None:
        slots = keyed_rows(ipath, UpwInduction, INDUCTION_COLUMNS, "induction_id", issues)
    if issues:
        raise DataContractError(issues)
    pdf = pd.DataFrame([p.model_dump(mode="json") for p in people])
    for col in ("available_days", "exclude_person_ids"):
        pdf[col] = [getattr(p, col) for p in people]
    ldf = pd.DataFrame([p.model_dump(mode="json") for p in places])
    ldf["days"] = [p.days for p in places]
    sdf = None
    if sups is not None and spath is not None:
        sdf = pd.DataFrame([p.model_dump(mode="json") for p in sups])
        for col in ("available_days", "kinds"):
            sdf[col] = [getattr(p, col) for p in sups]
    idf = None
    if slots is not None:
        idf = pd.DataFrame([p.model_dump(mode="json") for p in slots], columns=INDUCTION_COLUMNS)
        idf["days"] = [p.days for p in slots]
        idf["date"] = [p.date for p in slots]
    hashed = [ppath, lpath] + [p for p in (spath, ipath) if p is not None]
    return UpwDataset(pdf, ldf, file_hash(hashed), str(folder), sdf, idf)


def _supervisors(path: Path, issues: list[Issue]) -> list[UpwSupervisor]:
    """The supervisors table: each row valid and ids unique (a header alone is refused like
    any empty table: it would stand down every group and workshop session; leave the file out
    to plan without supervisors)."""
    return keyed_rows(path, UpwSupervisor, SUPERVISOR_COLUMNS, "supervisor_id", issues)
