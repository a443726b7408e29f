"""Files out of a programme plan: the groups, who joins each, the unplaced with a reason and an
alternative, the members' pre-group sessions, the one-to-ones, the reviews due with the
programme not completed, and the summary; each written atomically, columns in the contract's
order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.export import write_csv, write_json
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


def export_plan(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
    """groups.csv, group_members.csv, pre_group.csv, unplaced.csv, group_reviews.csv,
    one_to_one.csv, changes.csv and tell.csv (a re-plan's session changes and who must be told;
    empty for a fresh plan) and groups_summary.json in `out`."""
    out = Path(out)
    return [
        write_csv(out / "groups.csv", tables["groups"][GROUP_COLUMNS]),
        write_csv(out / "group_members.csv", tables["members"][MEMBER_COLUMNS]),
        write_csv(out / "pre_group.csv", tables["pre_group"][PRE_GROUP_COLUMNS]),
        write_csv(out / "unplaced.csv", tables["unplaced"][UNPLACED_COLUMNS]),
        write_csv(out / "group_reviews.csv", tables["reviews"][REVIEW_COLUMNS]),
        write_csv(out / "one_to_one.csv", tables["one_to_one"][ONE_TO_ONE_COLUMNS]),
        write_csv(out / "changes.csv", _or_empty(tables, "changes", CHANGE_COLUMNS)),
        write_csv(out / "tell.csv", _or_empty(tables, "tell", TELL_COLUMNS)),
        write_json(out / "groups_summary.json", summary),
    ]


def _or_empty(tables: dict[str, pd.DataFrame], name: str, columns: list[str]) -> pd.DataFrame:
    """A table in the contract's columns (empty for a plan stored before it existed)."""
    got = tables.get(name)
    return pd.DataFrame(columns=columns) if got is None else got[columns]
