"""Ctrl-C (SIGINT) and SIGTERM end a run cleanly: nothing half-stored, a clear message, a
non-zero exit. Outside the solve a signal ends the run at once; during the solve it asks every
part to stop (through the run's observer, which reaches the solver processes), then the run
ends with nothing stored (the parts abandon what is left of their work at their next check:
engine.core.progress.abandon_if_asked), or, when the user asked to keep the best, stores the
best answer found so far marked stopped early (never reused as finished). The solvers never
catch a signal themselves (CP-SAT's own SIGINT catch is off), so a signal can never pass for
a finished run.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.core.errors import ProbationError

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(ProbationError):
    """The run was ended by a signal; nothing of it was stored."""

    def __init__(self, signum: int):
        self.signum = signum
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}: the run ended and nothing of it was stored")

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (130 for Ctrl-C, 143 for TERM)."""
        return 128 + self.signum


def interruption(exc: BaseException) -> RunInterrupted | None:
    """The signal's RunInterrupted that `exc` wraps, if any: SQLAlchemy wraps an exception
    raised inside a statement (StatementError, the exception its `orig`), so a signal that
    lands while the store is read or written reaches the run as a database error."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, RunInterrupted) else None


def raise_interrupted(signum: int, frame: Any) -> None:
    raise RunInterrupted(signum)


def exit_at_once(signum: int, frame: Any) -> None:
    """While a command is still loading (nothing started, nothing to undo): say so and end."""
    sys.stderr.write(f"{RunInterrupted(signum)}\n")
    sys.stderr.flush()
    os._exit(128 + signum)


class RunSignals:
    """The signal handling of one run (`with RunSignals(observer, keep_best) as sig:`)."""

    def __init__(self, observer: Any, keep_best: bool = False):
        self.observer = observer
        self.keep_best = keep_best
        self.signum: int | None = None
        self._solving = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> RunSignals:
        if threading.current_thread() is threading.main_thread():  # only there can Python
            for s in SIGNALS:  # handle signals; elsewhere (a test's thread) they stay as set
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        self.signum = signum
        if not self._solving:
            raise RunInterrupted(signum)
        if self.observer is None:
            return
        if not self.keep_best and hasattr(self.observer, "abandon"):
            self.observer.abandon()  # nothing will be kept: the parts end where they stand
        self.observer.request_stop()  # every part ends its search; the run decides after

    @contextmanager
    def solving(self) -> Iterator[None]:
        """While the parts are solved, a signal asks them to stop instead of ending at once."""
        self._solving = True
        try:
            yield
        except BaseException:
            if self.signum is not None:  # a part ended by the same signal: the run was stopped
                raise RunInterrupted(self.signum) from None
            raise
        finally:
            self._solving = False

    def check(self) -> None:
        """End the run here if a signal came (nothing stored)."""
        if self.signum is not None:
            raise RunInterrupted(self.signum)
