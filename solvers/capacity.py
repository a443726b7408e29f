"""The fewest extra hours that cover the cases falling due: a small LP per PDU.

Week by week, the cases coming due need points: those needing a PO from the POs' room, the
rest from anyone's. Extra PO hours add `po_points_per_hour` of room to the first and to the
total; extra hours of the other grades (PSO) add to the total only. The LP finds the fewest
hours in all (HiGHS through scipy); its bound is its optimum, so its gap is 0 when solved.
Pooled within the PDU: a planning figure, not a case-by-case promise (skills and travel are the
nightly run's business)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from solvers.types import SolveStats


@dataclass(frozen=True)
class CapacityParams:
    po_points_per_hour: float  # available points one PO hour adds
    other_points_per_hour: float  # ... one PSO hour


@dataclass(frozen=True)
class ExtraHours:
    po_hours: float
    other_hours: float
    stats: SolveStats


def fewest_extra_hours(
    due_po: np.ndarray,
    due_all: np.ndarray,
    room_po: np.ndarray,
    room_all: np.ndarray,
    params: CapacityParams,
) -> ExtraHours:
    """Per week (arrays aligned by week): points due needing a PO, points due in all, the
    POs' room and everyone's room. Minimise PO hours + other hours such that every week
    due_po <= room_po + a*po and due_all <= room_all + a*po + b*other."""
    start = time.perf_counter()
    short_po = np.asarray(due_po, float) - np.asarray(room_po, float)
    short_all = np.asarray(due_all, float) - np.asarray(room_all, float)
    if (short_po <= 0).all() and (short_all <= 0).all():
        return ExtraHours(0.0, 0.0, SolveStats("OPTIMAL", 0.0, 0.0, 0.0, "capacity-lp"))
    a, b = params.po_points_per_hour, params.other_points_per_hour
    n = len(short_po)
    a_ub = np.vstack([np.column_stack([-a * np.ones(n), np.zeros(n)]),
                      np.column_stack([-a * np.ones(n), -b * np.ones(n)])])  # fmt: skip
    b_ub = -np.concatenate([short_po, short_all])
    res = linprog([1.0, 1.0], A_ub=a_ub, b_ub=b_ub, bounds=[(0, None), (0, None)],
                  method="highs")  # fmt: skip
    seconds = time.perf_counter() - start
    if res.status != 0:
        return ExtraHours(float("nan"), float("nan"),
                          SolveStats("INFEASIBLE", None, None, seconds, "capacity-lp"))  # fmt: skip
    po, other = (float(max(0.0, x)) for x in res.x)
    stats = SolveStats("OPTIMAL", float(res.fun), float(res.fun), seconds, "capacity-lp")
    return ExtraHours(po, other, stats)
