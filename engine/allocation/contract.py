"""Data contract: read `practitioners` and `cases` (CSV or Parquet) and validate every row.

Import is all-or-nothing: any bad row fails the whole import with every problem listed by
file, row and column, and nothing is handed on (so nothing can be stored half-written).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from engine.allocation.records import Case, Practitioner
from engine.core.config import Config
from engine.core.contract import (
    DataContractError,
    Issue,
    check_duplicates,
    check_reference,
    file_hash,
    find_tables,
    read_table_or_fail,
    validate_rows,
)

PRACTITIONER_COLUMNS = [
    "practitioner_id",
    "name",
    "grade",
    "sex",
    "region",
    "pdu",
    "team",
    "contracted_hours",
    "reduction_hours",
    "skills",
    "welsh_speaker",
    "office_lat",
    "office_lon",
]
CASE_COLUMNS = [
    "case_id",
    "sex",
    "region",
    "pdu",
    "tier",
    "rosh",
    "mappa_level",
    "case_type",
    "sentence_date",
    "required_skills",
    "preferred_skills",
    "wants_female_practitioner",
    "needs_welsh",
    "home_lat",
    "home_lon",
    "current_practitioner_id",
    "conflict_practitioner_ids",
]
OPTIONAL_CASE_COLUMNS = [
    "travel_mode",
    "expected_release_date",
    "early_allocation",
    "sentence_length_months",
]


@dataclass
class Dataset:
    """Validated input for one night: practitioners and cases as typed data frames."""

    practitioners: pd.DataFrame
    cases: pd.DataFrame
    inputs_hash: str
    source: str
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def run_date(self) -> date | None:
        d = self.manifest.get("run_date")
        return date.fromisoformat(d) if d else None


def _check_skills(
    name: str, rows: list[Any], columns: list[str], known: set[str], issues: list[Issue]
) -> None:
    for row, rec in enumerate(rows, start=1):
        for col in columns:
            bad = [s for s in getattr(rec, col) if s not in known]
            if bad:
                issues.append(
                    Issue(name, row, col, f"unknown skill(s) {bad}; known: {sorted(known)}")
                )


def load_dataset(folder: str | Path, config: Config) -> Dataset:
    """Read and validate an input folder. Raises DataContractError listing every problem."""
    folder = Path(folder)
    issues: list[Issue] = []
    tables = find_tables(folder, ("practitioners", "cases"))
    ppath, cpath = tables["practitioners"], tables["cases"]
    pname, cname = ppath.name, cpath.name

    pdf, cdf = read_table_or_fail(ppath), read_table_or_fail(cpath)

    pracs = validate_rows(pname, pdf, Practitioner, PRACTITIONER_COLUMNS, issues)
    cases = validate_rows(cname, cdf, Case, CASE_COLUMNS, issues, OPTIONAL_CASE_COLUMNS)
    known = set(config.skills.known)
    if pracs:
        check_duplicates(pname, (p.practitioner_id for p in pracs), "practitioner_id", issues)
        _check_skills(pname, pracs, ["skills"], known, issues)
    if cases:
        check_duplicates(cname, (c.case_id for c in cases), "case_id", issues)
        _check_skills(cname, cases, ["required_skills", "preferred_skills"], known, issues)
    if pracs and cases:
        pids = {p.practitioner_id for p in pracs}
        for row, c in enumerate(cases, start=1):
            check_reference(
                cname,
                row,
                "current_practitioner_id",
                c.current_practitioner_id,
                pids,
                f"a practitioner not in {pname}",
                issues,
            )
            missing = [x for x in c.conflict_practitioner_ids if x not in pids]
            if missing:
                issues.append(
                    Issue(
                        cname,
                        row,
                        "conflict_practitioner_ids",
                        f"refers to practitioner(s) not in {pname}: {missing}",
                    )
                )
            if c.current_practitioner_id in c.conflict_practitioner_ids:
                issues.append(
                    Issue(
                        cname,
                        row,
                        "conflict_practitioner_ids",
                        "the current practitioner is listed as a conflict of interest",
                        c.current_practitioner_id,
                    )
                )
            if c.expected_release_date is not None and c.expected_release_date < c.sentence_date:
                issues.append(
                    Issue(
                        cname,
                        row,
                        "expected_release_date",
                        f"is before the sentence date {c.sentence_date}",
                        c.expected_release_date,
                    )
                )
            if c.tier.endswith("S") and not config.workload.s_suffix_same_tier:
                issues.append(
                    Issue(
                        cname, row, "tier", "S-suffix tiers are not enabled in the config", c.tier
                    )
                )
    if issues:
        raise DataContractError(issues)

    manifest: dict[str, Any] = {}
    mpath = folder / "manifest.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataContractError(
                [Issue(mpath.name, None, None, f"not valid JSON: {exc}")]
            ) from exc
        if not isinstance(manifest, dict):
            raise DataContractError(
                [Issue(mpath.name, None, None, 'must be a JSON object, e.g. {"run_date": ...}')]
            )
        night = manifest.get("run_date")
        try:
            if night is not None:
                date.fromisoformat(str(night))
        except ValueError:
            raise DataContractError(
                [Issue(mpath.name, None, "run_date", "is not a date (YYYY-MM-DD)", night)]
            ) from None

    return Dataset(
        practitioners=_practitioner_frame(pracs, config),
        cases=_case_frame(cases, config),
        inputs_hash=file_hash([ppath, cpath]),
        source=str(folder),
        manifest=manifest,
    )


def _practitioner_frame(pracs: list[Practitioner], config: Config) -> pd.DataFrame:
    df = pd.DataFrame([p.model_dump() for p in pracs], columns=PRACTITIONER_COLUMNS)
    df["grade"] = [p.grade.value for p in pracs]
    df["sex"] = [p.sex.value for p in pracs]
    df["available_points"] = [
        config.available_points(p.grade.value, p.contracted_hours, p.reduction_hours) for p in pracs
    ]
    return df


def _case_frame(cases: list[Case], config: Config) -> pd.DataFrame:
    df = pd.DataFrame([c.model_dump() for c in cases], columns=CASE_COLUMNS + OPTIONAL_CASE_COLUMNS)
    df["travel_mode"] = [
        c.travel_mode.value if c.travel_mode else config.travel.mode for c in cases
    ]
    for col in ("sex", "rosh", "case_type"):
        df[col] = [getattr(c, col).value for c in cases]
    df["base_tier"] = [c.base_tier for c in cases]
    df["expected_release_date"] = df["expected_release_date"].astype(object)
    df["sentence_length_months"] = df["sentence_length_months"].astype(float)
    df["points"] = [config.points_for(c.base_tier, c.case_type.value) for c in cases]
    df["current_practitioner_id"] = df["current_practitioner_id"].astype(object)
    return df
