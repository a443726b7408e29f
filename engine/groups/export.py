"""Files out of a programme plan: the groups, who joins each, the unplaced with a reason and an
alternative, the members' pre-group sessions, the one-to-ones, the reviews due with the
programme not completed, and the summary; each written atomically, columns in the contract's
order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.export import in_order, write_csv, write_json
from engine.groups.decode import (
    CHANGE_COLUMNS,
    GROUP_COLUMNS,
    MEMBER_COLUMNS,
    ONE_TO_ONE_COLUMNS,
    PRE_GROUP_COLUMNS,
    REVIEW_COLUMNS,
    TELL_COLUMNS,
    UNPLACED_COLUMNS,
)
from engine.groups.facilitators import FACILITATOR_WEEK_COLUMNS


def export_plan(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
    """groups.csv, group_members.csv, pre_group.csv, unplaced.csv, group_reviews.csv,
    one_to_one.csv, changes.csv and tell.csv (a re-plan's session changes and who must be told;
    empty for a fresh plan), facilitator_weeks.csv and groups_summary.json in `out`."""
    out = Path(out)
    return [
        *(
            write_csv(out / file, _in_order(tables, name, columns, order))
            for file, (name, columns, order) in FILES.items()
        ),
        write_json(out / "groups_summary.json", summary),
    ]


# file -> (table, its columns, the rows' order): the same plan writes the same files whether
# just planned or read back from the store, whose rows come in no set order (PostgreSQL)
FILES = {
    "groups.csv": ("groups", GROUP_COLUMNS, ["programme", "start_date", "group_id"]),
    "group_members.csv": ("members", MEMBER_COLUMNS, ["group_id", "person_id"]),
    "pre_group.csv": ("pre_group", PRE_GROUP_COLUMNS, ["programme", "group_id", "person_id"]),
    "unplaced.csv": ("unplaced", UNPLACED_COLUMNS, ["programme", "person_id"]),
    "group_reviews.csv": ("reviews", REVIEW_COLUMNS, ["review_date", "person_id", "review"]),
    "one_to_one.csv": ("one_to_one", ONE_TO_ONE_COLUMNS, ["programme", "person_id"]),
    "changes.csv": ("changes", CHANGE_COLUMNS, ["date", "slot", "item"]),
    "tell.csv": ("tell", TELL_COLUMNS, ["role", "who", "item"]),
    "facilitator_weeks.csv": (
        "facilitator_weeks",
        FACILITATOR_WEEK_COLUMNS,
        ["facilitator_id", "week_start"],
    ),
}


def _in_order(
    tables: dict[str, pd.DataFrame], name: str, columns: list[str], order: list[str]
) -> pd.DataFrame:
    """A table in the contract's columns and `order` (empty where a plan stored before it
    existed has none: a fresh plan's changes and tell)."""
    got = tables.get(name)
    return pd.DataFrame(columns=columns) if got is None else in_order(got, columns, order)
