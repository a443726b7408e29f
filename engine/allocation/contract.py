"""Data contract: read `practitioners` and `cases` (CSV or Parquet) and validate every row.

Import is all-or-nothing: any bad row fails the whole import with every problem listed by
file, row and column, and nothing is handed on (so nothing can be stored half-written).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from engine.allocation.records import Case, Practitioner, Reallocation
from engine.core.config import Config
from engine.core.contract import (
    DataContractError,
    Issue,
    check_duplicates,
    check_reference,
    file_hash,
    find_table,
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
    "transfer_in",
    "previous_pdu",
    "address_changed",
    "previous_practitioner_id",
]
OPTIONAL_PRACTITIONER_COLUMNS = ["reduction_from", "reduction_to"]
REALLOCATION_COLUMNS = ["practitioner_id", "reason", "case_id", "from_date", "to_date"]


def no_requests() -> pd.DataFrame:
    return pd.DataFrame(columns=REALLOCATION_COLUMNS)


@dataclass
class Dataset:
    """Validated input for one night: practitioners and cases as typed data frames."""

    practitioners: pd.DataFrame
    cases: pd.DataFrame
    inputs_hash: str
    source: str
    manifest: dict[str, Any] = field(default_factory=dict)
    # the SPOs' reallocation requests (reallocations.csv, `probation reallocate`)
    reallocations: pd.DataFrame = field(default_factory=no_requests)

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

    pracs = validate_rows(
        pname, pdf, Practitioner, PRACTITIONER_COLUMNS, issues, OPTIONAL_PRACTITIONER_COLUMNS
    )
    cases = validate_rows(cname, cdf, Case, CASE_COLUMNS, issues, OPTIONAL_CASE_COLUMNS)
    known = set(config.skills.known)
    if pracs:
        check_duplicates(pname, (p.practitioner_id for p in pracs), "practitioner_id", issues)
        _check_skills(pname, pracs, ["skills"], known, issues)
        for row, p in enumerate(pracs, start=1):
            if p.reduction_from and p.reduction_to and p.reduction_to < p.reduction_from:
                issues.append(
                    Issue(pname, row, "reduction_to", f"is before reduction_from {p.reduction_from}",
                          p.reduction_to)
                )  # fmt: skip
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
    requests: list[Reallocation] = []
    rpath = find_table(folder, "reallocations")
    if rpath is not None and pracs and cases:
        requests = read_requests(
            rpath.name,
            read_table_or_fail(rpath),
            {p.practitioner_id for p in pracs},
            {c.case_id: c.current_practitioner_id for c in cases},
            issues,
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
        inputs_hash=file_hash([ppath, cpath] + ([rpath] if rpath is not None else [])),
        source=str(folder),
        manifest=manifest,
        reallocations=request_frame(requests),
    )


def read_requests(
    name: str, df: pd.DataFrame, pids: set[str], holder: dict[str, Any], issues: list[Issue]
) -> list[Reallocation]:
    """Reallocation requests, each naming a practitioner of the night (and, for one case, a
    case they hold: `holder` maps case to practitioner)."""
    got = validate_rows(name, df, Reallocation, REALLOCATION_COLUMNS[:2], issues,
                        REALLOCATION_COLUMNS[2:])  # fmt: skip
    for row, r in enumerate(got, start=1):
        check_reference(name, row, "practitioner_id", r.practitioner_id, pids,
                        "a practitioner not in practitioners.csv", issues)  # fmt: skip
        if r.case_id is not None and holder.get(r.case_id, "") != r.practitioner_id:
            issues.append(
                Issue(name, row, "case_id", f"is not a case {r.practitioner_id} holds", r.case_id)
            )
    return got


def request_frame(requests: list[Reallocation]) -> pd.DataFrame:
    if not requests:
        return no_requests()
    df = pd.DataFrame([r.model_dump() for r in requests], columns=REALLOCATION_COLUMNS)
    df["reason"] = [r.reason.value for r in requests]
    return df


def with_requests(ds: Dataset, rows: tuple[dict[str, Any], ...]) -> Dataset:
    """The dataset with more reallocation requests (`probation reallocate`), checked like the
    file's (named 'the request'); the inputs hash then covers them too."""
    if not rows:
        return ds
    issues: list[Issue] = []
    df = pd.DataFrame(list(rows)).reindex(columns=REALLOCATION_COLUMNS).astype(object)
    df = df.where(df.notna(), "")
    holder = dict(zip(ds.cases["case_id"], ds.cases["current_practitioner_id"]))
    got = read_requests("the request", df, set(ds.practitioners["practitioner_id"]), holder, issues)
    if issues:
        raise DataContractError(issues)
    both = pd.concat([ds.reallocations, request_frame(got)], ignore_index=True)
    digest = hashlib.sha256(
        (ds.inputs_hash + both.to_json(orient="records", date_format="iso")).encode()
    ).hexdigest()
    return replace(ds, reallocations=both, inputs_hash=digest)


def on_night(ds: Dataset, night: date, config: Config) -> Dataset:
    """The dataset as it stands on `night`: a reduction with dates holds only between them
    (outside, the practitioner's available points are their contracted hours')."""
    p = ds.practitioners
    start, end = pd.to_datetime(p["reduction_from"]), pd.to_datetime(p["reduction_to"])
    day = pd.Timestamp(night)
    off = (start.notna() & (start > day)) | (end.notna() & (end < day))
    if not off.any():
        return ds
    p = p.copy()
    p.loc[off, "available_points"] = [
        config.available_points(g, h, 0.0)
        for g, h in zip(p.loc[off, "grade"], p.loc[off, "contracted_hours"])
    ]
    return replace(ds, practitioners=p)


def _practitioner_frame(pracs: list[Practitioner], config: Config) -> pd.DataFrame:
    df = pd.DataFrame(
        [p.model_dump() for p in pracs],
        columns=PRACTITIONER_COLUMNS + OPTIONAL_PRACTITIONER_COLUMNS,
    )
    for col in OPTIONAL_PRACTITIONER_COLUMNS:
        df[col] = df[col].astype(object)
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
    for col in ("previous_pdu", "previous_practitioner_id"):
        df[col] = df[col].astype(object)
    df["sentence_length_months"] = df["sentence_length_months"].astype(float)
    df["points"] = [config.points_for(c.base_tier, c.case_type.value) for c in cases]
    df["current_practitioner_id"] = df["current_practitioner_id"].astype(object)
    return df
