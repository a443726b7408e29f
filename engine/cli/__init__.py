"""`probation`: the one command-line door to the engine, one module per planner."""

from __future__ import annotations

from engine.cli import allocation, bench, data, db, groups, serve, unpaid_work  # noqa: F401, I001  (each registers its commands, in this order)
from engine.cli.common import app


def main() -> None:
    """The `probation` console script."""
    app()
