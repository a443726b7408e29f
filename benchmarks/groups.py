"""Programme groups benchmark: a region's quarter (1,500 referrals across 8 programmes, 40
venues, 80 facilitators) planned by `probation groups plan` end to end on 2 cores, against the
first-come-first-served greedy in the same run. Writes one CSV row per solver.

    .venv/bin/python benchmarks/groups.py --out benchmarks/results [--tight]
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

TARGET = 120.0
FROM = "2026-11-23"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--tight", action="store_true", help="A tight quarter (fewer facilitators and rooms)")
    args = ap.parse_args()
    name = "groups-region-east-midlands" + ("-tight" if args.tight else "")
    data = make_instance(args.out / "instances" / name, scale="region", region="East Midlands", seed=42, tight=args.tight)
    exe = Path(sys.executable).with_name("probation")
    rows, missed = [], []
    for solver in ("cpsat", "greedy"):
        out = args.out / "runs" / name / solver
        t0 = time.perf_counter()
        proc = subprocess.run([str(exe), "groups", "plan", "--data", str(data), "--from", FROM, "--out", str(out),
                               "--solver", solver, "--force"], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            return 1
        s = json.loads((out / "groups_summary.json").read_text())
        rows.append({"instance": name, "solver": solver, "referrals": s["referrals"], "started": s["started"],
                     "mean_wait_days": s["mean_wait_days"], "travel_over_60": s["travel_over_60"], "groups": s["groups"],
                     "seconds": round(seconds, 2)})
        print(f"{name} {solver}: {seconds:.1f}s, started {s['started']}/{s['referrals']} in {s['groups']} groups, "
              f"mean wait {s['mean_wait_days']} days, travel over 60 min {s['travel_over_60']}")
        if solver == "cpsat" and seconds > TARGET:
            missed.append(name)
    return finish(args.out / ("groups-tight.csv" if args.tight else "groups.csv"), rows, missed, f"over {TARGET:g} s")


if __name__ == "__main__":
    raise SystemExit(main())
