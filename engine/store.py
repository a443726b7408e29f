"""The run store (SQLAlchemy): SQLite by default, PostgreSQL by URL.

A run's inputs are kept once per inputs hash; a run's results (decisions, workload, stats)
are written in one transaction, so a failed run leaves nothing half-written. The run key
(inputs, config, run date, scope, solver) makes re-running the same night idempotent.
"""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (Boolean, Column, DateTime, Float, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text,
                        create_engine, delete, insert, select)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()


spo_decisions = Table(
    "spo_decisions", metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("run_ref", String(64), nullable=False, index=True),  # the API run (job) the proposals came from
    Column("case_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("proposed_practitioner_id", String(64), nullable=False),
    Column("practitioner_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("rule_breaks", Text, nullable=False),  # JSON list; non-empty = flagged
    Column("flagged", Boolean, nullable=False),
    Column("decided_by", String(128), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)


def plan_header_table(name: str, key: str, period: str) -> Table:
    """The header row of a stored plan (an Unpaid Work week, a programme quarter): its key,
    period, when, the inputs and config it was made from, and its summary."""
    return Table(
        name, metadata,
        Column(key, String(64), primary_key=True),
        Column(period, String(10), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("inputs_hash", String(64), nullable=False),
        Column("config_json", Text, nullable=False),
        Column("summary_json", Text, nullable=False),
    )

input_snapshots = Table(
    "input_snapshots", metadata,
    Column("inputs_hash", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", Text, nullable=False),
    Column("practitioners_csv_gz", LargeBinary, nullable=False),
    Column("cases_csv_gz", LargeBinary, nullable=False),
)
runs = Table(
    "runs", metadata,
    Column("run_id", String(64), primary_key=True),  # the run key: idempotent re-runs
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("run_date", String(10), nullable=False),
    Column("scope", Text, nullable=False),
    Column("solver", String(40), nullable=False),
    Column("inputs_hash", String(64), ForeignKey("input_snapshots.inputs_hash"), nullable=False),
    Column("config_json", Text, nullable=False),
    Column("summary_json", Text, nullable=False),
)
decisions = Table(
    "decisions", metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("case_id", String(64), primary_key=True),
    Column("practitioner_id", String(64)),
    Column("previous_practitioner_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("travel_minutes", Integer),
    Column("travel_method", Text),
    Column("flags", Text, nullable=False),
    Column("explanation_json", Text),
)
workload = Table(
    "workload", metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("practitioner_id", String(64), primary_key=True),
    Column("points", Integer, nullable=False),
    Column("available_points", Integer, nullable=False),
    Column("utilisation", Float),
    Column("new_cases", Integer, nullable=False),
)

DECISION_COLUMNS = ["case_id", "practitioner_id", "previous_practitioner_id", "status", "reason",
                    "travel_minutes", "travel_method", "flags", "explanation_json"]
WORKLOAD_COLUMNS = ["practitioner_id", "points", "available_points", "utilisation", "new_cases"]


def default_url(folder: str | Path) -> str:
    return f"sqlite:///{Path(folder) / 'probation.sqlite'}"


def normalise_url(url: str) -> str:
    """A plain postgresql:// URL uses the psycopg 3 driver this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class RunConflict(ValueError):
    """Another run with the same key (same inputs, config, night, scope and solver) committed
    first: this one is refused and nothing of it is written."""


class Store:
    def __init__(self, url: str):
        url = normalise_url(url)
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        metadata.create_all(self.engine)

    def save_inputs(self, inputs_hash: str, source: str, pracs: pd.DataFrame, cases: pd.DataFrame) -> None:
        """Keep the validated inputs once per hash (an audit copy of what the night saw)."""
        with self.engine.begin() as conn:
            if conn.execute(select(input_snapshots.c.inputs_hash).where(input_snapshots.c.inputs_hash == inputs_hash)).first():
                return
            conn.execute(insert(input_snapshots).values(
                inputs_hash=inputs_hash, created_at=datetime.now(timezone.utc), source=source,
                practitioners_csv_gz=gzip.compress(pracs.to_csv(index=False).encode()),
                cases_csv_gz=gzip.compress(cases.to_csv(index=False).encode()),
            ))

    def find_run(self, run_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
            return dict(row) if row else None

    def save_run(self, run: dict[str, Any], decision_rows: pd.DataFrame, workload_rows: pd.DataFrame, replace: bool = False) -> None:
        """Write a run and all its results in one transaction (replacing an earlier copy when
        `replace`); on any error nothing is written."""
        try:
            with self.engine.begin() as conn:
                self._write_run(conn, run, decision_rows, workload_rows, replace)
        except IntegrityError:
            raise RunConflict(f"run {run['run_id'][:12]} for the same inputs, night and scope was committed by another "
                              "process while this one ran: this run is refused and nothing of it was written; use the "
                              "stored one (or --force to replace it)") from None

    def _write_run(self, conn, run, decision_rows, workload_rows, replace) -> None:
        """The run row, then its decisions and workload rows, inside the caller's transaction."""
        if replace:
            for t in (decisions, workload, runs):
                conn.execute(delete(t).where(t.c.run_id == run["run_id"]))
        conn.execute(insert(runs).values(**run))
        d = decision_rows[DECISION_COLUMNS].astype(object).where(decision_rows[DECISION_COLUMNS].notna(), None)
        recs = [dict(r, run_id=run["run_id"]) for r in d.to_dict("records")]
        for k in range(0, len(recs), 5000):
            conn.execute(insert(decisions), recs[k:k + 5000])
        w = workload_rows[WORKLOAD_COLUMNS].to_dict("records")
        if w:
            conn.execute(insert(workload), [dict(r, run_id=run["run_id"]) for r in w])


    def record_decision(self, run_ref: str, decision, by: str) -> dict[str, Any]:
        """Record who decided what, when, and what changed (one row per decision, never updated)."""
        row = {"run_ref": run_ref, "case_id": decision.case_id, "action": decision.action,
               "proposed_practitioner_id": decision.proposed_practitioner_id, "practitioner_id": decision.practitioner_id,
               "reason": decision.reason, "rule_breaks": json.dumps(decision.rule_breaks), "flagged": decision.flagged,
               "decided_by": by, "decided_at": datetime.now(timezone.utc)}
        with self.engine.begin() as conn:
            row["decision_id"] = conn.execute(insert(spo_decisions).values(**row)).inserted_primary_key[0]
        return row

    def decisions_for(self, run_ref: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(spo_decisions).where(spo_decisions.c.run_ref == run_ref)
                                .order_by(spo_decisions.c.decision_id)).mappings().all()
        return [dict(r) | {"rule_breaks": json.loads(r["rule_breaks"])} for r in rows]

    def load_results(self, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        with self.engine.connect() as conn:
            d = pd.read_sql(select(decisions).where(decisions.c.run_id == run_id).order_by(decisions.c.case_id), conn)
            w = pd.read_sql(select(workload).where(workload.c.run_id == run_id).order_by(workload.c.practitioner_id), conn)
        return d.drop(columns=["run_id"]), w.drop(columns=["run_id"])

    def count(self, table: Table) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(table)).all())

    def list_runs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs.c.run_id, runs.c.created_at, runs.c.run_date, runs.c.scope, runs.c.solver,
                                       runs.c.summary_json).order_by(runs.c.created_at)).mappings().all()
        return [dict(r, summary=json.loads(r["summary_json"])) for r in rows]
