"""`probation`: the one command-line door to the engine, one module per planner."""

from __future__ import annotations

import signal
import sys

from engine.core.signals import SIGNALS, RunInterrupted, exit_at_once, raise_interrupted

# Ctrl-C or SIGTERM while the modules load ends the command with a message, not a traceback;
# once it runs, the command's code sees RunInterrupted, and a run installs its own handling
# (engine.core.signals).
for _s in SIGNALS:
    signal.signal(_s, exit_at_once)

from engine.cli import allocation, bench, calendar, data, db, groups, serve, unpaid_work  # noqa: E402, F401, I001  (each registers its commands, in this order)
from engine.cli.common import app, say_error  # noqa: E402
from engine.core.contract import DataContractError  # noqa: E402
from engine.core.errors import ProbationError  # noqa: E402


def main() -> None:
    """The `probation` console script."""
    for s in SIGNALS:
        signal.signal(s, raise_interrupted)
    try:
        app()
    except RunInterrupted as exc:
        say_error(exc)
        sys.exit(exc.exit_code)
    except ProbationError as exc:  # any command: bad input exits 2, anything else the user
        say_error(exc)  # can act on (a store, a conflict) exits 1
        sys.exit(2 if isinstance(exc, DataContractError) else 1)
