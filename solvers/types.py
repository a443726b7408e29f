"""Typed solver results shared by every solver in the registry."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SolveStats:
    """What a solve reports: status, objective, best bound, relative gap and time."""

    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN | HEURISTIC
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
            "name": self.name, "status": self.status, "objective": self.objective,
            "bound": self.bound, "gap": self.gap, "seconds": round(self.seconds, 4),
        }


@dataclass
class AssignmentResult:
    """Result of a capacitated assignment: agent index per item (-1 = unassigned)."""

    agent_of_item: np.ndarray
    stats: SolveStats
    phases: list[SolveStats] = field(default_factory=list)
