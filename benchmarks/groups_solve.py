"""The groups solver alone on a benchmark quarter, as `probation groups plan` runs it (every
programme together, `solvers.groups_mip.solve_quarter_mip`, in the configured processes), with
each step's report timed: the first-come-first-served plan, the programmes alone, the plan
shared, then the people started against the bound. No booking of pre-group appointments, no
one-to-ones and nothing stored: a replay of the solve on the same folder, for comparing one
commit's solve with another's on the same inputs (the tuning log's "replays").

    .venv/bin/python benchmarks/groups_solve.py benchmarks/results/instances/<name>
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.groups import FROM  # noqa: E402
from benchmarks.groups_joint import _plans  # noqa: E402
from engine.core.config import load_config  # noqa: E402
from engine.groups.plan import solver_params  # noqa: E402
from solvers.groups import people_started, quarter_bound  # noqa: E402
from solvers.groups_mip import solve_quarter_mip  # noqa: E402


class _Timed:
    """An observer that never asks the solve to stop and prints each step it reports, with
    the seconds since the solve began (it crosses to the solver's processes: picklable)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def stopped(self) -> bool:
        return False

    def report(self, phase: str, objective, bound, force: bool = False) -> None:
        if force:
            at = time.perf_counter() - self.t0
            print(f"{at:6.1f} s  {phase}: {objective} (bound {bound})", flush=True)

    def for_part(self, name: str) -> _Timed:
        return self


def main() -> int:
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        print(__doc__)
        return 2
    config = load_config()
    plans, res, _ = _plans(Path(sys.argv[1]), config, date.fromisoformat(FROM))
    t = time.perf_counter()
    out, _ = solve_quarter_mip([p.problem for p in plans], res, solver_params(config), _Timed())
    seconds = time.perf_counter() - t
    print(f"solved in {seconds:.1f} s: {people_started(out)} started, bound {quarter_bound(out)}")
    for plan, r in zip(plans, out):
        started = int((r.cand_of_person >= 0).sum())
        print(f"  {plan.programme['programme']}: {started} (bound {r.stats.bound})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
