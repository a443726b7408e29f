"""Public-instance benchmarks: OR-Library generalised assignment and capacitated p-median
files solved by the cores the product runs (CP-SAT), a HiGHS MIP and a greedy baseline in the
same process, each answer checked independently and its cost recomputed before it is reported.
A failure (no answer, or an answer that breaks a rule) is reported as a failure."""

from __future__ import annotations

import csv
import time
from pathlib import Path

from benchmarks.instances.gap_instances import gap_cost, read_gap
from benchmarks.instances.pmedcap_instances import read_pmedcap
from benchmarks.registry import GAP_SOLVERS, PMEDCAP_SOLVERS
from solvers.facility import pmedian_cost

ROW_KEYS = [
    "instance",
    "solver",
    "status",
    "objective",
    "bound",
    "seconds",
    "wall_seconds",
    "optimum",
    "gap_percent",
]


def read_optima_csv(path: str | Path) -> dict[str, int]:
    """Optima by instance file name from a CSV with the columns of ../shared/data/gap/optima.csv
    (`Path`, `Optimum`)."""
    out = {}
    with Path(path).open() as fh:
        for row in csv.DictReader(fh):
            if row.get("Optimum"):
                out[Path(row["Path"]).name] = int(float(row["Optimum"]))
    return out


def _row(
    instance: str,
    solver: str,
    stats,
    checked: int | None,
    optimum: int | None,
    wall: float | None = None,
) -> dict:
    status = (
        stats.status
        if checked is not None
        else ("INVALID" if stats.objective is not None else stats.status)
    )
    gap = (
        round(100.0 * (checked - optimum) / optimum, 3) if checked is not None and optimum else None
    )
    return {
        "instance": instance,
        "solver": solver,
        "status": status,
        "objective": checked,
        "bound": round(stats.bound, 3) if stats.bound is not None else None,
        "seconds": round(stats.seconds, 3),
        "wall_seconds": None if wall is None else round(wall, 3),  # the call, as a caller waits
        "optimum": optimum,
        "gap_percent": gap,
    }


def _checked(check, *args) -> int | None:
    try:
        return check(*args)
    except ValueError:  # the answer breaks a rule: reported INVALID
        return None


def bench_gap(
    files: list[Path], solvers: list[str], seconds: float, optima: dict[str, int] | None = None
):
    """One row per instance and solver (a generator, so progress shows as it goes)."""
    for f in files:
        inst = read_gap(f)
        for name in solvers:
            t0 = time.perf_counter()
            res = GAP_SOLVERS[name](inst.cost, inst.weight, inst.capacity, seconds)
            wall = time.perf_counter() - t0
            checked = (
                _checked(gap_cost, inst, res.agent_of_item)
                if res.stats.objective is not None
                else None
            )
            yield _row(inst.name, name, res.stats, checked, (optima or {}).get(inst.name), wall)


def bench_pmedcap(files: list[Path], solvers: list[str], seconds: float):
    for f in files:
        inst = read_pmedcap(f)
        d = inst.distances()
        for name in solvers:
            res = PMEDCAP_SOLVERS[name](d, inst.demand, inst.p, inst.capacity, seconds)
            ok = res.stats.objective is not None
            checked = (
                pmedian_cost(d, inst.demand, inst.p, inst.capacity, res.site_of_client)
                if ok
                else None
            )
            yield _row(inst.name, name, res.stats, checked, inst.optimum)
