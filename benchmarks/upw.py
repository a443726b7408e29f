"""Unpaid Work benchmark: a region's week (3,000 people, 150 placements, 120 supervisors,
~600 sessions, induction slots) planned
by `probation upw plan` end to end on 2 cores, against the greedy first-fit baseline in the
same run. Writes one CSV row per solver.

    .venv/bin/python benchmarks/upw.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import compare_solvers, finish, make_instance  # noqa: E402

TARGET = 60.0
WEEK = "2026-W48"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--tight", action="store_true", help="A tight week (less placement capacity)")
    ap.add_argument(
        "--supervisors-short",
        action="store_true",
        help="A week where supervisors, not places, are short (fewer than half of them)",
    )
    args = ap.parse_args()
    name = (
        "upw-region-east-midlands"
        + ("-tight" if args.tight else "")
        + ("-supervisors-short" if args.supervisors_short else "")
    )
    data = make_instance(
        args.out / "instances" / name,
        scale="region",
        region="East Midlands",
        seed=42,
        tight=args.tight,
        supervisors_short=args.supervisors_short,
    )
    done = compare_solvers(
        name,
        data,
        args.out,
        ["upw", "plan", "--week", WEEK],
        "upw_summary.json",
        [
            "people",
            "sessions",
            "placed",
            "credited_hours",
            "behind_pace_unplaced",
            "behind_pace",
            "travel_over_60",
            "sessions_rostered",
        ],
        lambda s: (
            f"placed {s['placed']}/{s['people']}, {s['credited_hours']:g} h credited, behind pace unplaced "
            f"{s['behind_pace_unplaced']}/{s['behind_pace']}, travel over 60 min {s['travel_over_60']}"
        ),
        TARGET,
    )
    if done is None:
        return 1
    rows, missed = done
    return finish(
        args.out / f"{name.replace('upw-region-east-midlands', 'upw')}.csv",
        rows,
        missed,
        f"over {TARGET:g} s",
    )


if __name__ == "__main__":
    raise SystemExit(main())
