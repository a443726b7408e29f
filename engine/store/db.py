"""Opening the database: URLs (SQLite by default, PostgreSQL by URL) and the conflict error."""

from __future__ import annotations

from pathlib import Path

from engine.core.errors import ProbationError


def default_url(folder: str | Path) -> str:
    return f"sqlite:///{Path(folder) / 'probation.sqlite'}"


def normalise_url(url: str) -> str:
    """A plain postgresql:// URL uses the psycopg 3 driver this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class StoreError(ProbationError, ValueError):
    """The database cannot be opened or used (a bad URL, a missing driver, no server)."""


class RunConflict(ProbationError, ValueError):
    """Another run with the same key (same inputs, config, night, scope and solver) committed
    first: this one is refused and nothing of it is written."""
