"""The rules every planner's run follows, written once: how a run is keyed, when a stored run
is reused, and whether a run was stopped before it finished.

A run's key is a hash of everything that decides its answer (the inputs, the config, the
period, the scope, the solver, the road networks), so re-running the same work re-exports the
stored answer instead of solving again. A run stopped early (a user asked it to stop and it
stored its best answer so far) is kept for audit but never reused as if it were finished: the
same work is solved again and replaces it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.config import Config
from solvers.types import SearchObserver


@dataclass
class RunOptions:
    """What a user asks of any planner's run (the night, the Unpaid Work week, the programme
    quarter): one type, so the CLI, the API and the benchmarks drive all three the same way."""

    data: Path  # the validated input folder
    out: Path  # where the files go (and the SQLite store by default)
    config: Config
    # The night (YYYY-MM-DD; default the folder's manifest, else today), the ISO week
    # (2026-W48), or the quarter's first day (YYYY-MM-DD; groups start on the Monday).
    period: str | None = None
    db_url: str | None = None  # SQLAlchemy URL; default sqlite:///OUT/probation.sqlite
    region: str | None = None  # only this region (the night)
    pdu: str | None = None  # only this PDU (the night)
    solver: str | None = None  # a name in the planner's registry; default its first choice
    osm_file: str | None = None  # road network; None = the config's travel.osm_file
    time_limit: float | None = None  # seconds per part (week, programme); default the config's
    cancel: tuple[str, ...] = ()  # Unpaid Work sessions (PLACEMENT@DATE) that stand down: re-plan
    force: bool = False  # solve again, and take the period from the run that holds it
    progress: bool = True  # a progress bar on the terminal
    engine: str = "processes"  # processes (one machine) | dask (LocalCluster, or `scheduler`)
    scheduler: str | None = None  # address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786
    observer: Any = None  # progress and stop requests (engine/core/progress.py): the API's jobs


def run_key(*parts: Any) -> str:
    """The stored key of a run: the first 32 hex digits of the SHA-256 of its parts as JSON."""
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()[:32]


def stopped_early(observer: SearchObserver | None) -> bool:
    """Whether the run was asked to stop (its answer is the best found so far, not finished)."""
    return observer is not None and observer.stopped()


def reusable(summary: dict[str, Any] | None, force: bool) -> bool:
    """A stored run answers again for the same key unless `force` asks for a new solve or the
    stored run was stopped before it finished."""
    return summary is not None and not force and not summary.get("stopped_early", False)
