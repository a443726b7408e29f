"""Schema migrations (alembic) for the store, on SQLite and PostgreSQL alike.

Every Store brings its database to the newest revision when it opens it. Two processes opening
a fresh database at once must not both migrate: on PostgreSQL an advisory lock, on SQLite a
file lock beside the database, makes the second wait and then find nothing to do. A database
made before migrations existed (tables but no alembic_version) is stamped at the first
revision, which is exactly that schema, and then upgraded.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

SCRIPTS = Path(__file__).parent / "migrations"
BASELINE = "0001"
_PG_LOCK = 0x70726F62  # any constant shared by every process of this application
logging.getLogger("alembic").setLevel(
    logging.WARNING
)  # a line per migration step is noise in the service log


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _exclusive(engine: Engine):
    """Hold the migration lock for this database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                conn.commit()
        return
    db = engine.url.database
    if engine.dialect.name != "sqlite" or not db or db == ":memory:":
        yield
        return
    with open(f"{db}.migrate-lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (normally the newest); cheap when it is there already."""
    if revision == "head" and current(engine) == head():
        return
    with _exclusive(engine):
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            if MigrationContext.configure(conn).get_current_revision() is None and inspect(
                conn
            ).has_table("runs"):
                command.stamp(
                    cfg, BASELINE
                )  # a store from before migrations: its schema is the baseline
            command.upgrade(cfg, revision)
