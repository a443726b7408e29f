"""Stored programme plans (same database as the allocation runs): one transaction a plan."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, insert, select

from engine.store.runs import Store
from engine.store.schema import groups_groups, groups_members, groups_plans, groups_unplaced

CHILDREN = {"groups": groups_groups, "members": groups_members, "unplaced": groups_unplaced}


class GroupsStore(Store):
    """Stored programme plans, keyed by the plan's run key, in the same database as the night runs."""

    def find(self, key: str) -> dict | None:
        """The stored plan's header row (summary JSON included), or None."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(groups_plans).where(groups_plans.c.plan_key == key))
                .mappings()
                .first()
            )
            return dict(row) if row else None

    def save(
        self,
        key: str,
        from_date: str,
        inputs_hash: str,
        config,
        summary: dict,
        frames: dict[str, pd.DataFrame],
        replace: bool = False,
    ) -> None:
        """Write the plan, its groups, members and unplaced people in one transaction (replacing
        an earlier copy of the same key when `replace`): on any error nothing is written."""
        with self.engine.begin() as conn:
            if replace:
                for t in (*CHILDREN.values(), groups_plans):
                    conn.execute(delete(t).where(t.c.plan_key == key))
            conn.execute(
                insert(groups_plans).values(
                    plan_key=key,
                    from_date=from_date,
                    created_at=datetime.now(UTC),
                    inputs_hash=inputs_hash,
                    config_json=json.dumps(config.as_dict()),
                    summary_json=json.dumps(summary, default=str),
                )
            )
            for name, table in CHILDREN.items():
                if len(frames[name]):
                    conn.execute(
                        insert(table),
                        [dict(r, plan_key=key) for r in frames[name].to_dict("records")],
                    )

    def load(self, key: str) -> tuple[dict[str, pd.DataFrame], dict]:
        """The stored plan's tables (groups, members, unplaced) and summary."""
        with self.engine.connect() as conn:
            frames = {
                name: pd.read_sql(select(t).where(t.c.plan_key == key), conn).drop(
                    columns=["plan_key"]
                )
                for name, t in CHILDREN.items()
            }
            summary = json.loads(
                conn.execute(
                    select(groups_plans.c.summary_json).where(groups_plans.c.plan_key == key)
                ).scalar_one()
            )
        return frames, summary
