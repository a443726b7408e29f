"""Alembic environment for the store. The engine runs migrations itself (engine/migrate.py),
handing over its connection; `probation db upgrade --db URL` is the door for people."""

from __future__ import annotations

from alembic import context

from engine.store.schema import metadata


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine

    from engine.store.db import normalise_url

    engine = create_engine(normalise_url(context.config.get_main_option("sqlalchemy.url") or ""))
    with engine.begin() as conn:
        _run(conn)
else:
    _run(connection)
