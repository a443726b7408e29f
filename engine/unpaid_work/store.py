"""Stored Unpaid Work weeks (same database as the allocation runs): one transaction a week."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, insert, select

from engine.store.runs import Store
from engine.store.schema import upw_sessions, upw_unplaced, upw_weeks


class UpwStore(Store):
    """Stored Unpaid Work weeks, keyed by the week's run key, in the same database as the night runs."""

    def find(self, key: str) -> dict | None:
        """The stored week's header row (summary JSON included), or None."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(upw_weeks).where(upw_weeks.c.week_key == key))
                .mappings()
                .first()
            )
            return dict(row) if row else None

    def save(
        self,
        key,
        week,
        inputs_hash,
        config,
        summary,
        sched: pd.DataFrame,
        unpl: pd.DataFrame,
        replace=False,
    ) -> None:
        """Write the week, its sessions and its unplaced people in one transaction (replacing an
        earlier copy of the same key when `replace`): on any error nothing is written."""
        with self.engine.begin() as conn:
            if replace:
                for t in (upw_sessions, upw_unplaced, upw_weeks):
                    conn.execute(delete(t).where(t.c.week_key == key))
            conn.execute(
                insert(upw_weeks).values(
                    week_key=key,
                    week=week,
                    created_at=datetime.now(UTC),
                    inputs_hash=inputs_hash,
                    config_json=json.dumps(config.as_dict()),
                    summary_json=json.dumps(summary, default=str),
                )
            )
            if len(sched):
                conn.execute(
                    insert(upw_sessions),
                    [dict(r, week_key=key, date=str(r["date"])) for r in sched.to_dict("records")],
                )
            if len(unpl):
                conn.execute(
                    insert(upw_unplaced), [dict(r, week_key=key) for r in unpl.to_dict("records")]
                )

    def load(self, key: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        """The stored week's schedule, unplaced people and summary."""
        with self.engine.connect() as conn:
            s = pd.read_sql(select(upw_sessions).where(upw_sessions.c.week_key == key), conn).drop(
                columns=["week_key"]
            )
            u = pd.read_sql(select(upw_unplaced).where(upw_unplaced.c.week_key == key), conn).drop(
                columns=["week_key"]
            )
            summ = json.loads(
                conn.execute(
                    select(upw_weeks.c.summary_json).where(upw_weeks.c.week_key == key)
                ).scalar_one()
            )
        return s, u, summ

    def latest_schedule(self, week: str) -> pd.DataFrame | None:
        """The most recently stored plan of a week (the one a re-plan starts from)."""
        with self.engine.connect() as conn:
            key = (
                conn.execute(
                    select(upw_weeks.c.week_key)
                    .where(upw_weeks.c.week == week)
                    .order_by(upw_weeks.c.created_at.desc())
                )
                .scalars()
                .first()
            )
        return None if key is None else self.load(key)[0]
