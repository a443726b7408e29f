"""`probation calendar`: one person's bookings across services, from the store."""

from __future__ import annotations

from datetime import date, timedelta

import typer

from engine.cli.common import app, console, no_store, say_error


@app.command("calendar")
def calendar(
    person: str = typer.Option(..., help="The person's id (the same in every service's files)"),
    db: str = typer.Option(
        ..., help="SQLAlchemy URL of the store, e.g. sqlite:///demo/probation.sqlite"
    ),
    from_: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD); default today"),
    weeks: int = typer.Option(13, min=1, max=104, help="Weeks shown from the first day"),
) -> None:
    """One person's calendar: their firm Unpaid Work sessions and their programme sessions
    (groups, one-to-ones, pre-group appointments) from the plans stored, never two at once."""
    from sqlalchemy import create_engine

    from engine.store.calendar import person_calendar
    from engine.store.db import normalise_url
    from engine.store.migrate import upgrade

    try:
        first = date.fromisoformat(from_) if from_ else date.today()
    except ValueError:
        raise typer.BadParameter(f"--from {from_!r} is not a date like 2026-11-23") from None
    if no_store(db):
        say_error(f"no store at {db}: give the --db the plans were stored in")
        raise typer.Exit(1)
    engine = create_engine(normalise_url(db))
    upgrade(engine)  # a store from before the calendar gains its table (empty)
    rows = person_calendar(engine, person, first, first + timedelta(weeks=weeks))
    if not rows:
        print(f"{person}: nothing booked from {first} for {weeks} weeks in {db}")
        return
    from rich.table import Table

    table = Table(title=f"{person} from {first}")
    for col in ("date", "when", "service", "what", "where"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["date"], r["when"], r["service"], r["what"], r["where"])
    console.print(table)
