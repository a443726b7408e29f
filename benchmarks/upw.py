"""Unpaid Work benchmark: a region's week (3,000 people, 150 placements, ~600 sessions) planned
by `probation upw plan` end to end on 2 cores, against the greedy first-fit baseline in the
same run. Writes one CSV row per solver.

    .venv/bin/python benchmarks/upw.py --out benchmarks/results
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import finish, make_instance  # noqa: E402

TARGET = 60.0
WEEK = "2026-W48"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--tight", action="store_true", help="A tight week (less placement capacity)")
    args = ap.parse_args()
    name = "upw-region-east-midlands" + ("-tight" if args.tight else "")
    data = make_instance(args.out / "instances" / name, scale="region", region="East Midlands", seed=42, tight=args.tight)
    exe = Path(sys.executable).with_name("probation")
    rows, missed = [], []
    for solver in ("cpsat", "greedy"):
        out = args.out / "runs" / name / solver
        t0 = time.perf_counter()
        proc = subprocess.run([str(exe), "upw", "plan", "--data", str(data), "--week", WEEK, "--out", str(out),
                               "--solver", solver, "--force"], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            return 1
        s = json.loads((out / "upw_summary.json").read_text())
        rows.append({"instance": name, "solver": solver, "people": s["people"], "sessions": s["sessions"],
                     "placed": s["placed"], "credited_hours": s["credited_hours"],
                     "behind_pace_unplaced": s["behind_pace_unplaced"], "behind_pace": s["behind_pace"],
                     "travel_over_60": s["travel_over_60"], "seconds": round(seconds, 2)})
        print(f"{name} {solver}: {seconds:.1f}s, placed {s['placed']}/{s['people']}, {s['credited_hours']:g} h credited, "
              f"behind pace unplaced {s['behind_pace_unplaced']}/{s['behind_pace']}, travel over 60 min {s['travel_over_60']}")
        if solver == "cpsat" and seconds > TARGET:
            missed.append(name)
    return finish(args.out / ("upw-tight.csv" if args.tight else "upw.csv"), rows, missed, f"over {TARGET:g} s")


if __name__ == "__main__":
    raise SystemExit(main())
