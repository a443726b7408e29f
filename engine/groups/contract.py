"""Programme groups data contract: `referrals`, `programmes`, `venues`, `facilitators` (CSV or
Parquet), validated row by row like the allocation inputs; all-or-nothing, every problem named
by file, row and column, cross-references checked (programmes named, people excluded)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.core.contract import (
    DataContractError,
    Issue,
    check_duplicates,
    check_exclusions,
    file_hash,
    find_tables,
    read_table_or_fail,
    validate_rows,
)
from engine.groups.records import Facilitator, Programme, Referral, Venue

COLUMNS = {
    "referrals": [
        "person_id",
        "sex",
        "pdu",
        "programme",
        "referral_date",
        "sentence_end",
        "home_lat",
        "home_lon",
        "travel_mode",
        "available_slots",
        "exclude_person_ids",
    ],
    "programmes": [
        "programme",
        "kind",
        "sessions",
        "sessions_per_week",
        "session_hours",
        "min_group",
        "max_group",
        "facilitators_per_session",
    ],
    "venues": [
        "venue_id",
        "pdu",
        "lat",
        "lon",
        "rooms",
        "available_slots",
        "women_only_space",
        "accessible",
    ],
    "facilitators": [
        "facilitator_id",
        "sex",
        "pdu",
        "trained_programmes",
        "available_slots",
        "max_sessions_per_week",
        "base_lat",
        "base_lon",
    ],
}
OPTIONAL = {"referrals": ["needs_accessible"]}
MODELS = {
    "referrals": Referral,
    "programmes": Programme,
    "venues": Venue,
    "facilitators": Facilitator,
}
KEYS = {
    "referrals": "person_id",
    "programmes": "programme",
    "venues": "venue_id",
    "facilitators": "facilitator_id",
}
LISTS = {
    "referrals": ["available_slots", "exclude_person_ids"],
    "venues": ["available_slots"],
    "facilitators": ["trained_programmes", "available_slots"],
}


@dataclass
class GroupsDataset:
    referrals: pd.DataFrame
    programmes: pd.DataFrame
    venues: pd.DataFrame
    facilitators: pd.DataFrame
    inputs_hash: str
    source: str


def load_groups(folder: str | Path, max_group: int = 12) -> GroupsDataset:
    """Read and validate a programme groups folder. Raises DataContractError listing every problem."""
    folder = Path(folder)
    paths = find_tables(folder, COLUMNS)
    issues: list[Issue] = []
    recs = {
        stem: validate_rows(
            p.name,
            read_table_or_fail(p),
            MODELS[stem],
            COLUMNS[stem],
            issues,
            OPTIONAL.get(stem, ()),
        )
        for stem, p in paths.items()
    }
    for stem, rows in recs.items():
        check_duplicates(
            paths[stem].name, (getattr(r, KEYS[stem]) for r in rows), KEYS[stem], issues
        )
    name = {stem: p.name for stem, p in paths.items()}
    programmes = {p.programme for p in recs["programmes"]}
    for row, p in enumerate(recs["programmes"], start=1):
        if p.max_group > max_group:
            issues.append(
                Issue(
                    name["programmes"],
                    row,
                    "max_group",
                    f"groups run with at most {max_group}",
                    p.max_group,
                )
            )
    if recs["programmes"]:
        people = {r.person_id for r in recs["referrals"]}
        for row, r in enumerate(recs["referrals"], start=1):
            if r.programme not in programmes:
                issues.append(
                    Issue(
                        name["referrals"],
                        row,
                        "programme",
                        f"not in {name['programmes']}",
                        r.programme,
                    )
                )
            check_exclusions(
                name["referrals"], row, r.person_id, r.exclude_person_ids, people, issues
            )
        for row, f in enumerate(recs["facilitators"], start=1):
            bad = [x for x in f.trained_programmes if x not in programmes]
            if bad:
                issues.append(
                    Issue(
                        name["facilitators"],
                        row,
                        "trained_programmes",
                        f"not in {name['programmes']}: {bad}",
                    )
                )
    if issues:
        raise DataContractError(issues)
    frames = {}
    for stem, rows in recs.items():
        df = pd.DataFrame(
            [r.model_dump(mode="json") for r in rows],
            columns=COLUMNS[stem] + OPTIONAL.get(stem, []),
        )
        for col in LISTS.get(stem, []):
            df[col] = [getattr(r, col) for r in rows]
        frames[stem] = df
    if (
        "needs_accessible" not in frames["referrals"]
        or frames["referrals"]["needs_accessible"].isna().any()
    ):
        frames["referrals"]["needs_accessible"] = [r.needs_accessible for r in recs["referrals"]]
    return GroupsDataset(
        frames["referrals"],
        frames["programmes"],
        frames["venues"],
        frames["facilitators"],
        file_hash(list(paths.values())),
        str(folder),
    )
