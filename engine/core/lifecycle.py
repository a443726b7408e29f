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
from typing import Any

from solvers.types import SearchObserver


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
