"""Workload-balance benchmark: the CP-SAT allocator against the greedy baselines on the same
generated tight nights. Writes one CSV row per (instance, solver) and prints the ratios.

    .venv/bin/python benchmarks/balance.py --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import finish, make_instance  # noqa: E402
from engine.batch import RunOptions, run_night  # noqa: E402
from engine.config import load_config  # noqa: E402

INSTANCES = {
    "tight-region-east-midlands": dict(scale="region", region="East Midlands", seed=42, tight=True),
    "tight-region-wales": dict(scale="region", region="Wales", seed=7, tight=True),
    "tight-pdu-london": dict(scale="pdu", region="London", seed=3, tight=True),
    "normal-region-east-midlands": dict(scale="region", region="East Midlands", seed=42),
}
SOLVERS = ["cpsat", "greedy", "greedy-grade-first"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--instances", nargs="*", default=list(INSTANCES))
    args = ap.parse_args()
    config = load_config()
    rows, failures = [], []
    for name in args.instances:
        data = make_instance(args.out / "instances" / name, **INSTANCES[name])
        by = {}
        for solver in SOLVERS:
            t0 = time.perf_counter()
            res = run_night(RunOptions(data=data, out=args.out / "runs" / name / solver, config=config,
                                       solver=solver, force=True, progress=False))
            s = res.summary
            by[solver] = s
            rows.append({
                "instance": name, "solver": solver, "cases_to_allocate": s["to_allocate"],
                "unallocated": s["unallocated"], "max_utilisation": s["max_utilisation"],
                "std_utilisation": s["std_utilisation"], "mean_utilisation": s["mean_utilisation"],
                "max_utilisation_receiving": s["max_utilisation_receiving"],
                "gap": s["gap"], "checker_ok": res.check.ok if res.check else None,
                "seconds": round(time.perf_counter() - t0, 2),
            })
        cp, g = by["cpsat"], by["greedy"]
        better_unalloc = g["unallocated"] - cp["unallocated"]
        print(f"{name}: unallocated cpsat {cp['unallocated']} vs greedy {g['unallocated']} "
              f"(-{better_unalloc}); max utilisation {cp['max_utilisation']:.2%} vs {g['max_utilisation']:.2%}; "
              f"highest receiving new work {cp['max_utilisation_receiving']:.2%} vs {g['max_utilisation_receiving']:.2%}; "
              f"std {cp['std_utilisation']:.2%} vs {g['std_utilisation']:.2%}; gap {cp['gap']:.3%}")
        if cp["unallocated"] > g["unallocated"] or cp["max_utilisation"] > g["max_utilisation"] + 1e-9:
            failures.append(name)
    return finish(args.out / "balance.csv", rows, failures, "solver worse than greedy")


if __name__ == "__main__":
    raise SystemExit(main())
