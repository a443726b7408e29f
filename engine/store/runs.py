"""The run store (SQLAlchemy): SQLite by default, PostgreSQL by URL.

A run's inputs are kept once per inputs hash; a run's results (decisions, workload, stats)
are written in one transaction, so a failed run leaves nothing half-written. The run key
(inputs, config, run date, scope, solver) makes re-running the same night idempotent.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Table, create_engine, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from engine.store.db import RunConflict, normalise_url
from engine.store.migrate import upgrade
from engine.store.schema import (
    decisions,
    input_snapshots,
    night_locks,
    runs,
    spo_decisions,
    workload,
)

DECISION_COLUMNS = [
    "case_id",
    "practitioner_id",
    "previous_practitioner_id",
    "status",
    "reason",
    "travel_minutes",
    "travel_method",
    "flags",
    "explanation_json",
]
WORKLOAD_COLUMNS = ["practitioner_id", "points", "available_points", "utilisation", "new_cases"]


class Store:
    """The run store: night runs, their decisions and workload, input snapshots, night locks and
    the SPOs' decisions. Opening it brings the database to the newest schema revision."""

    def __init__(self, url: str):
        url = normalise_url(url)
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # A writer on SQLite waits (up to two minutes) for another process's transaction rather
        # than failing at once with 'database is locked'.
        args = {"timeout": 120} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, future=True, connect_args=args)
        upgrade(self.engine)

    @staticmethod
    def _write_inputs(
        conn, inputs_hash: str, source: str, pracs: pd.DataFrame, cases: pd.DataFrame
    ) -> None:
        """Keep the validated inputs once per hash (an audit copy of what the night saw)."""
        if conn.execute(
            select(input_snapshots.c.inputs_hash).where(
                input_snapshots.c.inputs_hash == inputs_hash
            )
        ).first():
            return
        # Two runs for different PDUs of the same file may both get here: the second adds nothing.
        dialect_insert = {"sqlite": sqlite_insert, "postgresql": pg_insert}.get(conn.dialect.name)
        values = dict(
            inputs_hash=inputs_hash,
            created_at=datetime.now(UTC),
            source=source,
            practitioners_csv_gz=gzip.compress(pracs.to_csv(index=False).encode()),
            cases_csv_gz=gzip.compress(cases.to_csv(index=False).encode()),
        )
        if dialect_insert is None:
            conn.execute(insert(input_snapshots).values(**values))
        else:
            conn.execute(
                dialect_insert(input_snapshots).values(**values).on_conflict_do_nothing()  # type: ignore[attr-defined]
            )

    def night_holders(
        self, pdus: Sequence[str], period: str, kind: str = "allocation"
    ) -> dict[str, str]:
        """PDU -> the run that holds its night (committed for that PDU and date)."""
        with self.engine.connect() as conn:
            return self._holders(conn, kind, pdus, period)

    @staticmethod
    def _holders(conn, kind: str, pdus: Sequence[str], period: str) -> dict[str, str]:
        rows = conn.execute(
            select(night_locks.c.pdu, night_locks.c.run_id).where(
                night_locks.c.kind == kind,
                night_locks.c.period == period,
                night_locks.c.pdu.in_(list(pdus)),
            )
        ).all()
        return {r.pdu: r.run_id for r in rows}

    def find_run(self, run_id: str) -> dict[str, Any] | None:
        """The stored run's row (summary JSON included), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
            return dict(row) if row else None

    def save_run(
        self,
        run: dict[str, Any],
        decision_rows: pd.DataFrame,
        workload_rows: pd.DataFrame,
        replace: bool = False,
        pdus: Sequence[str] = (),
        supersede: bool = False,
        inputs: tuple | None = None,
    ) -> None:
        """Write a run, its input snapshot, its results and its claim on each PDU's night in one
        transaction (replacing an earlier copy of the same run when `replace`; taking the night
        from another run when `supersede`). On any error nothing is written; when another run
        holds the night (or commits it while this one is writing), RunConflict says which."""
        try:
            with self.engine.begin() as conn:
                if inputs is not None:
                    self._write_inputs(conn, *inputs)
                self._claim(
                    conn, "allocation", pdus, run["run_date"], run["run_id"], supersede or replace
                )
                self._write_run(conn, run, decision_rows, workload_rows, replace)
        except IntegrityError:
            held = self._held(
                self.night_holders(pdus, run["run_date"]),
                run["run_date"],
                run["run_id"],
                "while this one ran",
            )
            raise RunConflict(
                held
                or f"run {run['run_id'][:12]} for the same inputs, night and scope was committed by "
                "another process while this one ran: this run is refused and nothing of it was written; "
                "use the stored one (or --force to replace it)"
            ) from None

    def check_night(self, pdus: Sequence[str], period: str, run_id: str) -> None:
        """Refuse (RunConflict) a run whose PDUs' night another run has committed already."""
        held = self._held(self.night_holders(pdus, period), period, run_id)
        if held:
            raise RunConflict(held)

    @staticmethod
    def _held(
        holders: dict[str, str], period: str, run_id: str, when: str = "already"
    ) -> str | None:
        """What to tell a run whose PDUs' night other runs hold (None when none does)."""
        held = {p: r for p, r in holders.items() if r != run_id}
        if not held:
            return None
        names = ", ".join(f"{p} (run {r[:12]})" for p, r in sorted(held.items()))
        return (
            f"the {period} night of {names} was committed by another run {when}: this run is refused and nothing "
            "of it was written; review the stored run, or pass --force to supersede it"
        )

    def _claim(
        self, conn, kind: str, pdus: Sequence[str], period: str, run_id: str, supersede: bool
    ) -> None:
        """Take each PDU's night for this run. The primary key (kind, pdu, period) is what makes
        two concurrent runs unable to both commit: the second insert fails (after waiting for
        the first transaction on SQLite, or blocking on the row on PostgreSQL)."""
        if not pdus:
            return
        if supersede:
            conn.execute(
                delete(night_locks).where(
                    night_locks.c.kind == kind,
                    night_locks.c.period == period,
                    night_locks.c.pdu.in_(list(pdus)),
                )
            )
        holders = self._holders(conn, kind, pdus, period)
        held = self._held(holders, period, run_id)
        if held:
            raise RunConflict(held)
        now = datetime.now(UTC)
        rows = [
            {"kind": kind, "pdu": p, "period": period, "run_id": run_id, "locked_at": now}
            for p in sorted(set(pdus) - set(holders))
        ]
        if rows:
            conn.execute(insert(night_locks), rows)

    def _write_run(self, conn, run, decision_rows, workload_rows, replace) -> None:
        """The run row, then its decisions and workload rows, inside the caller's transaction."""
        if replace:
            for t in (decisions, workload, runs):
                conn.execute(delete(t).where(t.c.run_id == run["run_id"]))
        conn.execute(insert(runs).values(**run))
        d = (
            decision_rows[DECISION_COLUMNS]
            .astype(object)
            .where(decision_rows[DECISION_COLUMNS].notna(), None)
        )
        recs = [dict(r, run_id=run["run_id"]) for r in d.to_dict("records")]
        for k in range(0, len(recs), 5000):
            conn.execute(insert(decisions), recs[k : k + 5000])
        w = workload_rows[WORKLOAD_COLUMNS].to_dict("records")
        if w:
            conn.execute(insert(workload), [dict(r, run_id=run["run_id"]) for r in w])

    def record_decision(self, run_ref: str, decision, by: str) -> dict[str, Any]:
        """Record who decided what, when, and what changed (one row per decision, never updated)."""
        return self.record_decisions(run_ref, [decision], by)[0]

    def record_decisions(self, run_ref: str, decisions_: list, by: str) -> list[dict[str, Any]]:
        """Several decisions at once (a bulk confirmation), all or none."""
        now = datetime.now(UTC)
        rows = [
            {
                "run_ref": run_ref,
                "case_id": d.case_id,
                "action": d.action,
                "proposed_practitioner_id": d.proposed_practitioner_id,
                "practitioner_id": d.practitioner_id,
                "reason": d.reason,
                "rule_breaks": json.dumps(d.rule_breaks),
                "flagged": d.flagged,
                "decided_by": by,
                "decided_at": now,
            }
            for d in decisions_
        ]
        with self.engine.begin() as conn:
            for row in rows:
                row["decision_id"] = conn.execute(
                    insert(spo_decisions).values(**row)
                ).inserted_primary_key[0]  # type: ignore[index]
        return rows

    def decisions_for(self, run_ref: str) -> list[dict[str, Any]]:
        """Every SPO decision on a run, oldest first, with the rule breaks decoded."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(spo_decisions)
                    .where(spo_decisions.c.run_ref == run_ref)
                    .order_by(spo_decisions.c.decision_id)
                )
                .mappings()
                .all()
            )
        return [dict(r) | {"rule_breaks": json.loads(r["rule_breaks"])} for r in rows]

    def load_results(self, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A stored run's decisions and workload tables."""
        with self.engine.connect() as conn:
            d = pd.read_sql(
                select(decisions).where(decisions.c.run_id == run_id).order_by(decisions.c.case_id),
                conn,
            )
            w = pd.read_sql(
                select(workload)
                .where(workload.c.run_id == run_id)
                .order_by(workload.c.practitioner_id),
                conn,
            )
        return d.drop(columns=["run_id"]), w.drop(columns=["run_id"])

    def count(self, table: Table) -> int:
        """How many rows a table holds (the store tests count what a run wrote)."""
        with self.engine.connect() as conn:
            return len(conn.execute(select(table)).all())

    def list_runs(self) -> list[dict[str, Any]]:
        """Every stored run, oldest first, with the PDUs whose night it holds (none: superseded)."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(
                        runs.c.run_id,
                        runs.c.created_at,
                        runs.c.run_date,
                        runs.c.scope,
                        runs.c.solver,
                        runs.c.summary_json,
                    ).order_by(runs.c.created_at)
                )
                .mappings()
                .all()
            )
            held: dict[str, list[str]] = {}
            for lock in conn.execute(
                select(night_locks.c.run_id, night_locks.c.pdu).order_by(night_locks.c.pdu)
            ):
                held.setdefault(lock.run_id, []).append(lock.pdu)
        return [
            dict(r, summary=json.loads(r["summary_json"]), holds=held.get(r["run_id"], []))
            for r in rows
        ]
