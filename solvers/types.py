"""Typed solver results shared by every solver in the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class SearchObserver(Protocol):
    """What a caller may hand a solver to watch and stop a long search: the solver asks
    `stopped()` (then ends the search, keeping the best solution found so far) and tells
    `report()` each improving solution. Solvers never do I/O themselves; the observer may."""

    def stopped(self) -> bool: ...

    def report(
        self, phase: str, objective: float | None, bound: float | None, force: bool = False
    ) -> None: ...


def stop_asked(observer: SearchObserver | None) -> bool:
    """Whether a solve's observer (if it has one) asks it to stop."""
    return observer is not None and observer.stopped()


@dataclass(frozen=True)
class SolveStats:
    """What a solve reports: status, objective, best bound, relative gap and time."""

    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN | HEURISTIC | STOPPED (asked to stop before it began)
    objective: float | None
    bound: float | None
    seconds: float
    name: str = ""

    @property
    def gap(self) -> float | None:
        """Relative gap |objective - bound| / max(1, |objective|); None without a bound."""
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class AssignmentResult:
    """Result of a capacitated assignment: agent index per item (-1 = unassigned)."""

    agent_of_item: np.ndarray
    stats: SolveStats
    phases: list[SolveStats] = field(default_factory=list)
