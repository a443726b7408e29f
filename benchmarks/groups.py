"""Programme groups benchmark: a region's quarter (1,500 referrals across 8 programmes, 40
venues, 80 facilitators, about 150 members of groups already running) planned by `probation groups plan` end to end on 2 cores, against the
first-come-first-served greedy in the same run. Writes one CSV row per solver.

    .venv/bin/python benchmarks/groups.py --out benchmarks/results [--tight]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import compare_solvers, finish, make_instance  # noqa: E402

TARGET = 120.0
FROM = "2026-11-23"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument(
        "--tight", action="store_true", help="A tight quarter (fewer facilitators and rooms)"
    )
    args = ap.parse_args()
    name = "groups-region-east-midlands" + ("-tight" if args.tight else "")
    data = make_instance(
        args.out / "instances" / name,
        scale="region",
        region="East Midlands",
        seed=42,
        tight=args.tight,
    )
    done = compare_solvers(
        name,
        data,
        args.out,
        ["groups", "plan", "--from", FROM],
        "groups_summary.json",
        [
            "referrals",
            "started",
            "mean_wait_days",
            "travel_over_60",
            "groups",
            "running_groups",
            "one_to_one",
            "unplaced",
        ],
        lambda s: (
            f"started {s['started']}/{s['referrals']} in {s['groups']} groups, mean wait "
            f"{s['mean_wait_days']} days, travel over 60 min {s['travel_over_60']}, "
            f"one-to-one {s['one_to_one']}, unplaced {s['unplaced']}"
        ),
        TARGET,
    )
    if done is None:
        return 1
    rows, missed = done
    return finish(
        args.out / ("groups-tight.csv" if args.tight else "groups.csv"),
        rows,
        missed,
        f"over {TARGET:g} s",
    )


if __name__ == "__main__":
    raise SystemExit(main())
