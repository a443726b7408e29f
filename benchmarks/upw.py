"""Unpaid Work benchmark: a region's weeks ahead (3,000 people, 150 placements, 120
supervisors, ~650 sessions a week, induction slots; 4 weeks unless --weeks) planned by
`probation upw plan` end to end on 2 cores, against the greedy first-fit baseline in the same
run. Writes one CSV row per solver; the figures are week 1's (the firm week), the seconds the
whole horizon's. The target: the 4-week horizon within 120 s.

    .venv/bin/python benchmarks/upw.py --out benchmarks/results [--weeks 1] [--tight] [--seed N]

The solver was tuned on seed 42; other seeds are instances it never saw while tuning.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import compare_solvers, finish, make_instance, write_csv  # noqa: E402
from benchmarks.upw_phases import TARGET_GAP, compare_phases  # noqa: E402
from engine.core.config import load_config  # noqa: E402

TARGET = 120.0
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
    ap.add_argument("--weeks", type=int, default=4, help="Weeks planned ahead (default 4)")
    ap.add_argument(
        "--seed", type=int, default=42, help="Generator seed (42: the instance tuned on)"
    )
    ap.add_argument(
        "--no-phases", action="store_true", help="Skip the per-PDU proof against HiGHS's MIP"
    )
    args = ap.parse_args()
    name = (
        "upw-region-east-midlands"
        + ("-tight" if args.tight else "")
        + ("-supervisors-short" if args.supervisors_short else "")
        + ("" if args.seed == 42 else f"-seed{args.seed}")
    )
    run = name + ("" if args.weeks == 4 else f"-{args.weeks}w")
    data = make_instance(
        args.out / "instances" / name,
        scale="region",
        region="East Midlands",
        seed=args.seed,
        tight=args.tight,
        supervisors_short=args.supervisors_short,
    )
    done = compare_solvers(
        run,
        data,
        args.out,
        ["upw", "plan", "--week", WEEK, "--weeks", str(args.weeks)],
        "upw_summary.json",
        [
            "weeks",
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
        ("mip", "greedy"),
    )
    if done is None:
        return 1
    rows, missed = done
    if not args.no_phases:
        missed += _phases(
            data, args.out / f"{name.replace('upw-region-east-midlands', 'upw')}-phases.csv"
        )
    return finish(
        args.out / f"{run.replace('upw-region-east-midlands', 'upw')}.csv",
        rows,
        missed,
        f"over {TARGET:g} s, over {100 * TARGET_GAP:g}% or behind HiGHS",
    )


def _phases(data: Path, path: Path) -> list[str]:
    """The per-PDU proof: rows to `path`, and the PDUs that miss a target."""
    rows = compare_phases(data, load_config(), WEEK)
    print(f"wrote {write_csv(path, rows)}")
    missed = []
    for r in rows:
        gaps = [r[f"{n}_mip_gap_pct"] for n in ("reach", "hours") if r[f"{n}_mip"] is not None]
        worst = max((g for g in gaps if g is not None), default=None)
        print(
            f"{r['pdu']}: reach {r['reach_mip']} (HiGHS {r['reach_highs']}), hours "
            f"{r['hours_mip']} (HiGHS {r['hours_highs']}), worst gap {worst}%, {r['verdict']}"
        )
        if r["verdict"] == "behind" or worst is None or worst > 100 * TARGET_GAP:
            missed.append(r["pdu"])
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
