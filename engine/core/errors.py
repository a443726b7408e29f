"""The errors a user is shown: each says what went wrong and where (file, row, field, or the
run), and the CLI and the API turn every one of them into a message, never a traceback."""

from __future__ import annotations


class ProbationError(Exception):
    """Base of every error the engine reports to its user."""


class ExportFailed(ProbationError, OSError):
    """The run is stored, whole, but its files could not be written where asked (a full or
    read-only folder): `probation export` writes them again from the store."""


class RunFailed(ProbationError, RuntimeError):
    """A run (a night, a week, a quarter's plan) could not be completed soundly; nothing of it
    was stored."""
