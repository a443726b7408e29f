"""`probation db`: the store's schema migrations."""

from __future__ import annotations

import typer

from engine.cli.common import app, command_group

db_app = command_group("The store's database: schema migrations (alembic).")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    db: str = typer.Option(
        ..., help="SQLAlchemy URL, e.g. sqlite:///demo/probation.sqlite or postgresql://..."
    ),
    revision: str = typer.Option("head", help="Target revision"),
) -> None:
    """Bring a store to the newest schema (runs also do this themselves when they open it)."""
    from engine.store.migrate import current, upgrade

    engine = _db_engine(db)
    before = current(engine)
    upgrade(engine, revision)
    print(f"{db}: schema {before or 'empty'} -> {current(engine)}")


@db_app.command("current")
def db_current(db: str = typer.Option(..., help="SQLAlchemy URL")) -> None:
    """Which schema revision a store is at, and the newest this version knows."""
    from engine.store.migrate import current, head

    print(f"{db}: schema {current(_db_engine(db)) or 'empty'} (newest {head()})")


def _db_engine(db: str):
    from sqlalchemy import create_engine

    from engine.store.db import normalise_url

    return create_engine(normalise_url(db))
