"""Progress and stop requests for a run, through its job folder, so they cross process
boundaries (the API's worker, the solver processes under it) without any shared memory.

The solver sees only the two-method observer protocol of solvers/types.py (`stopped()`,
`report(phase, objective, bound)`); this is the engine's file-backed implementation. A stop is
a file named STOP in the folder; each part reports into parts/<n>.json (at most twice a
second); the batch writes progress.json as parts finish.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.core.export import write_text

STOP = "STOP"
ABANDON = "ABANDON"  # beside STOP: nothing of the run is kept, so its parts need not finish


class RunAbandoned(Exception):
    """A part ends where it stands: a signal came and nothing of the run is kept (no
    --keep-best), so what is left of its work (the booking of a quarter, its baseline, an
    Unpaid Work week's later weeks) is not done only to be thrown away."""


def abandon_if_asked(observer: object) -> None:
    """Raise RunAbandoned where the run's observer says it is abandoned (a caller's own
    observer, without `abandoned`, never is)."""
    abandoned = getattr(observer, "abandoned", None)
    if abandoned is not None and abandoned():
        raise RunAbandoned


class RunObserver(Protocol):
    """What a run hands its parts: the solver's observer per part, and where the run tells how
    many parts are done (FileProgress is the engine's; tests pass their own)."""

    def stopped(self) -> bool: ...

    def report(
        self, phase: str, objective: float | None, bound: float | None, force: bool = False
    ) -> None: ...

    def for_part(self, part: str) -> RunObserver: ...

    def parts_done(
        self, done: int, total: int, objective: float | None, bound: float | None
    ) -> None: ...


def _write(path: Path, data: dict) -> None:
    write_text(path, json.dumps(data, default=str))


@dataclass
class FileProgress:
    folder: str
    part: str = ""
    _last: float = field(default=0.0, compare=False, repr=False)

    def stopped(self) -> bool:
        return os.path.exists(os.path.join(self.folder, STOP))

    def request_stop(self) -> None:
        Path(self.folder, STOP).write_text(str(time.time()))

    def abandon(self) -> None:
        """Mark the run abandoned (then stop it): its parts end at their next check."""
        Path(self.folder, ABANDON).write_text(str(time.time()))

    def abandoned(self) -> bool:
        return os.path.exists(os.path.join(self.folder, ABANDON))

    def stop_requested_at(self) -> float | None:
        try:
            return float(Path(self.folder, STOP).read_text())
        except (OSError, ValueError):
            return None

    def for_part(self, part: str) -> FileProgress:
        return FileProgress(self.folder, part)

    def report(
        self, phase: str, objective: float | None, bound: float | None, force: bool = False
    ) -> None:
        """The best solution and bound of this part's current phase (throttled)."""
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        parts = Path(self.folder, "parts")
        parts.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(self.part.encode()).hexdigest()[:12]
        _write(
            parts / f"{name}.json",
            {
                "part": self.part,
                "phase": phase,
                "objective": objective,
                "bound": bound,
                "at": time.time(),
            },
        )

    def parts_done(
        self, done: int, total: int, objective: float | None, bound: float | None
    ) -> None:
        Path(self.folder).mkdir(parents=True, exist_ok=True)
        _write(
            Path(self.folder, "progress.json"),
            {
                "parts_done": done,
                "parts_total": total,
                "objective": objective,
                "bound": bound,
                "at": time.time(),
            },
        )

    def read(self) -> dict:
        """What a poller sees: parts done of total, the summed objective and bound of the finished
        parts, and the phase, objective and bound of each part still searching."""
        out: dict = {"parts_done": 0, "parts_total": None, "objective": None, "bound": None}
        try:
            out.update(json.loads(Path(self.folder, "progress.json").read_text()))
        except (OSError, ValueError):
            pass
        searching = []
        for f in (
            sorted(Path(self.folder, "parts").glob("*.json"))
            if Path(self.folder, "parts").exists()
            else []
        ):
            try:
                searching.append(json.loads(f.read_text()))
            except (OSError, ValueError):
                continue
        out["searching"] = [s for s in searching if s.get("phase") != "done"]
        out["stop_requested"] = self.stopped()
        return out
