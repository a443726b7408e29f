"""The run store (SQLAlchemy): SQLite by default, PostgreSQL by URL.

A run's inputs are kept once per inputs hash; a run's results (decisions, workload, stats)
are written in one transaction, so a failed run leaves nothing half-written. The run key
(inputs, config, run date, scope, solver) makes re-running the same night idempotent.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

import pandas as pd
from sqlalchemy import Table, create_engine, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from engine.core.signals import interruption
from engine.store.db import RunConflict, StoreError, normalise_url
from engine.store.migrate import upgrade
from engine.store.schema import (
    decisions,
    input_snapshots,
    input_tables,
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
    "allocation_due",
    "first_appointment_due",
    "move_reason",
]
# What each kind of run holds for its PDUs, as the refusals name it.
PERIOD_NAMES = {"allocation": "night", "unpaid_work": "week", "groups": "quarter"}
WORKLOAD_COLUMNS = ["practitioner_id", "points", "available_points", "utilisation", "new_cases"]


@dataclass(frozen=True)
class Snapshot:
    """The validated inputs a run saw, kept once per inputs hash (an audit copy)."""

    inputs_hash: str
    source: str
    tables: dict[str, pd.DataFrame]


def write_snapshot(conn: Connection, snap: Snapshot) -> None:
    """Keep the snapshot's header and each of its tables once, inside the caller's transaction.
    Two runs of the same inputs (say two PDUs of one file) may both get here: the second adds
    nothing, and a table already kept is not written out and compressed again."""
    kept = set(
        conn.execute(
            select(input_tables.c.name).where(input_tables.c.inputs_hash == snap.inputs_hash)
        ).scalars()
    )
    missing = {name: frame for name, frame in snap.tables.items() if name not in kept}
    if not missing:
        return
    now = datetime.now(UTC)
    _insert_new(
        conn,
        input_snapshots,
        [{"inputs_hash": snap.inputs_hash, "created_at": now, "source": snap.source}],
    )
    _insert_new(
        conn,
        input_tables,
        [
            {
                "inputs_hash": snap.inputs_hash,
                "name": name,
                "rows": int(len(frame)),
                "csv_gz": gzip.compress(frame.to_csv(index=False).encode()),
            }
            for name, frame in sorted(missing.items())
        ],
    )


def _insert_new(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose primary key is not there yet (first writer wins)."""
    keys = [c.name for c in table.primary_key.columns]
    rows = [
        r
        for r in rows
        if conn.execute(
            select(*table.primary_key.columns).where(*(table.c[k] == r[k] for k in keys))
        ).first()
        is None
    ]
    if not rows:
        return
    dialect_insert = {"sqlite": sqlite_insert, "postgresql": pg_insert}.get(conn.dialect.name)
    if dialect_insert is None:
        conn.execute(insert(table), rows)
    else:
        conn.execute(dialect_insert(table).on_conflict_do_nothing(), rows)  # type: ignore[attr-defined]


class Store:
    """The run store: night runs, their decisions and workload, input snapshots, night locks and
    the SPOs' decisions. Opening it brings the database to the newest schema revision."""

    def __init__(self, url: str):
        url = normalise_url(url)
        if url.startswith("sqlite") and not url.startswith("sqlite:///"):
            raise StoreError(f"{url!r} is an in-memory database: nothing of a run would be kept")
        if url.startswith("sqlite:///"):
            folder = Path(url.removeprefix("sqlite:///")).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a file where the folder should be, no permission
                raise StoreError(f"cannot make the folder {folder} for {url!r}: {exc}") from None
        # A writer on SQLite waits (up to two minutes) for another process's transaction rather
        # than failing at once with 'database is locked'.
        args = {"timeout": 120} if url.startswith("sqlite") else {}
        try:
            self.engine: Engine = create_engine(url, future=True, connect_args=args)
            upgrade(self.engine)
        except (SQLAlchemyError, ImportError, OSError) as exc:  # a bad URL, driver or server
            stop = interruption(exc)
            if stop is not None:  # Ctrl-C or SIGTERM while a statement ran: the user's stop,
                # not a fault of the database (exit 143, not 1: tests/reliability/
                # test_signals.py, SIGTERM 3 s into a night)
                raise stop from None
            raise StoreError(f"cannot open the database {url!r}: {exc}") from None

    @classmethod
    def sharing(cls, other: Store) -> Self:
        """This kind of store on `other`'s database and engine (one pool, already brought to
        the newest revision): the service reads a quarter's plan through its own store."""
        store = cls.__new__(cls)
        store.engine = other.engine
        return store

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
        inputs: Snapshot | None = None,
    ) -> None:
        """Write a run, its input snapshot, its results and its claim on each PDU's night in one
        transaction (replacing an earlier copy of the same run when `replace`; taking the night
        from another run when `supersede`). On any error nothing is written; when another run
        holds the night (or commits it while this one is writing), RunConflict says which."""
        self._commit(
            "allocation",
            run["run_id"],
            run["run_date"],
            pdus,
            supersede or replace,
            inputs,
            lambda conn: self._write_run(conn, run, decision_rows, workload_rows, replace),
        )

    def _commit(
        self,
        kind: str,
        key: str,
        period: str,
        pdus: Sequence[str],
        supersede: bool,
        inputs: Snapshot | None,
        write: Callable[[Connection], None],
    ) -> None:
        """One transaction for every kind of run: its input snapshot, its claim on each PDU's
        period, then `write` (its own rows). On any error nothing is written; when another run
        holds the period (or commits it while this one is writing), RunConflict says which."""
        try:
            with self.engine.begin() as conn:
                if inputs is not None:
                    write_snapshot(conn, inputs)
                self._claim(conn, kind, pdus, period, key, supersede)
                write(conn)
        except IntegrityError as exc:
            holders = self.night_holders(pdus, period, kind)
            held = self._held(holders, period, key, "while this one ran", kind)
            if held:
                raise RunConflict(held) from None
            if pdus and key not in holders.values():  # no run holds it: its own rows clash
                raise StoreError(
                    f"run {key[:12]} could not be stored, its rows breaking a rule of the "
                    f"store ({str(exc.orig).splitlines()[0]}); nothing of it was written"
                ) from None
            raise RunConflict(
                f"run {key[:12]} for the same inputs, {PERIOD_NAMES[kind]} and scope was "
                "committed by another process while this one ran: this run is refused and "
                "nothing of it was written; use the stored one (or --force to replace it)"
            ) from None

    def check_night(
        self, pdus: Sequence[str], period: str, run_id: str, kind: str = "allocation"
    ) -> None:
        """Refuse (RunConflict) a run whose PDUs' night (week, quarter) another run has
        committed already."""
        held = self._held(self.night_holders(pdus, period, kind), period, run_id, kind=kind)
        if held:
            raise RunConflict(held)

    @staticmethod
    def _held(
        holders: dict[str, str],
        period: str,
        run_id: str,
        when: str = "already",
        kind: str = "allocation",
    ) -> str | None:
        """What to tell a run whose PDUs' period (night, week, quarter) other runs hold (None
        when none does)."""
        held = {p: r for p, r in holders.items() if r != run_id}
        if not held:
            return None
        names = ", ".join(f"{p} (run {r[:12]})" for p, r in sorted(held.items()))
        return (
            f"the {period} {PERIOD_NAMES.get(kind, 'period')} of {names} was committed by another "
            f"run {when}: this run is refused and nothing of it was written; review the stored "
            "run, or pass --force to supersede it"
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
        held = self._held(holders, period, run_id, kind=kind)
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


class PlanStore(Store):
    """A keyed store of one kind of plan (an Unpaid Work week, a programme quarter): a header
    row per run key and child tables of its rows, in the same database as the nights, saved in
    one transaction with its input snapshot and its claim on each PDU's period. A domain
    declares only its tables (`kind`, `header`, `key`, `period`, `children`)."""

    kind: str
    header: Table
    key: str  # the header's key column, also the children's
    period: str  # the header's period column
    children: dict[str, Table]

    def find(self, key: str) -> dict[str, Any] | None:
        """The stored plan's header row (summary JSON included), or None."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(self.header).where(self.header.c[self.key] == key))
                .mappings()
                .first()
            )
            return dict(row) if row else None

    def save(
        self,
        key: str,
        period: str,
        inputs: Snapshot,
        config: Any,
        summary: dict[str, Any],
        frames: dict[str, pd.DataFrame],
        replace: bool = False,
        pdus: Sequence[str] = (),
        supersede: bool = False,
    ) -> None:
        """Write the plan, its rows, its input snapshot and its claim on each PDU's period in
        one transaction (replacing an earlier copy of the same key when `replace`; taking the
        period from another run when `supersede`): on any error nothing is written."""

        def write(conn: Connection) -> None:
            if replace:
                for t in (*self.children.values(), self.header):
                    conn.execute(delete(t).where(t.c[self.key] == key))
            conn.execute(
                insert(self.header).values(
                    {
                        self.key: key,
                        self.period: period,
                        "created_at": datetime.now(UTC),
                        "inputs_hash": inputs.inputs_hash,
                        "config_json": json.dumps(config.as_dict()),
                        "summary_json": json.dumps(summary, default=str),
                    }
                )
            )
            for name, table in self.children.items():
                rows = _records(frames[name], self.key, key)
                if rows:
                    conn.execute(insert(table), rows)

        self._commit(self.kind, key, period, pdus, supersede or replace, inputs, write)

    def load(self, key: str) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """The stored plan's tables (by the names of `children`) and its summary."""
        with self.engine.connect() as conn:
            frames = {
                name: pd.read_sql(select(t).where(t.c[self.key] == key), conn).drop(
                    columns=[self.key]
                )
                for name, t in self.children.items()
            }
            summary = json.loads(
                conn.execute(
                    select(self.header.c.summary_json).where(self.header.c[self.key] == key)
                ).scalar_one()
            )
        return frames, summary

    def latest(self, period: str) -> str | None:
        """The key of the most recently stored plan of a period (the one a re-plan starts
        from), or None."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(self.header.c[self.key])
                    .where(self.header.c[self.period] == period)
                    .order_by(self.header.c.created_at.desc())
                )
                .scalars()
                .first()
            )


def _records(frame: pd.DataFrame, key_column: str, key: str) -> list[dict[str, Any]]:
    """A child table's rows for insertion: the plan's key added, dates as ISO text."""
    return [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()} | {key_column: key}
        for r in frame.to_dict("records")
    ]
