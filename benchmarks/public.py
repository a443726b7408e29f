"""Public-instance benchmarks over whole folders, one CSV row per instance and solver, with a
per-solver summary (instances within the target gap to the optimum, mean gap, wins).

    .venv/bin/python benchmarks/public.py gap --out benchmarks/results          # 10 s each
    .venv/bin/python benchmarks/public.py pmedcap --out benchmarks/results      # 30 s each
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import SHARED, write_csv  # noqa: E402
from engine.public_bench import bench_gap, bench_pmedcap, read_optima_csv  # noqa: E402

TARGETS = {"gap": (10.0, 0.5), "pmedcap": (30.0, 1.0)}  # seconds per instance, allowed gap to the optimum (%)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("kind", choices=sorted(TARGETS))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--time-limit", type=float, default=None)
    args = ap.parse_args()
    seconds, allowed = TARGETS[args.kind]
    seconds = args.time_limit or seconds
    folder = SHARED / "data" / args.kind
    if args.kind == "gap":
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("LICENSE", "optima")))
        rows_iter = bench_gap(files, ["cpsat", "highs", "greedy"], seconds, read_optima_csv(folder / "optima.csv"))
    else:
        rows_iter = bench_pmedcap(sorted(folder.glob("*.txt")), ["cpsat", "highs", "greedy"], seconds)
    rows = []
    for r in rows_iter:
        rows.append(r)
        print(r, flush=True)
    write_csv(args.out / f"public-{args.kind}.csv", rows)
    by = {}
    for r in rows:
        by.setdefault(r["instance"], {})[r["solver"]] = r["objective"]
    for s in ("cpsat", "highs", "greedy"):
        mine = [r for r in rows if r["solver"] == s]
        ok = [r for r in mine if r["gap_percent"] is not None and r["gap_percent"] <= allowed]
        gaps = [r["gap_percent"] for r in mine if r["gap_percent"] is not None]
        print(f"{s}: {len(ok)}/{len(mine)} within {allowed}% of the optimum; mean gap "
              f"{sum(gaps) / max(1, len(gaps)):.3f}%; failures {sum(r['objective'] is None for r in mine)}")
    differ = [i for i, v in by.items() if len({v.get('cpsat'), v.get('highs')}) > 1]
    ahead = [i for i in differ if by[i].get("cpsat") is not None and (by[i].get("highs") is None or by[i]["cpsat"] < by[i]["highs"])]
    print(f"CP-SAT and HiGHS differ on {len(differ)} instances; CP-SAT ahead on {len(ahead)}: {sorted(set(differ) - set(ahead))} not")
    misses = [r["instance"] for r in rows if r["solver"] == "cpsat" and (r["gap_percent"] is None or r["gap_percent"] > allowed)]
    if misses:
        print(f"TARGET MISSED (CP-SAT within {allowed}%) on: {misses}")
    return 1 if misses or len(ahead) < len(differ) else 0


if __name__ == "__main__":
    raise SystemExit(main())
