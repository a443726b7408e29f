"""Workload-balance benchmark: the CP-SAT allocator against what a manager would do (least
loaded first; PO first as the live screen orders them) and against random eligible choices, on
the same generated nights from easy to tight, each run end to end through `run_night` (so the
independent checker counts rule breaches). Writes one CSV row per (instance, solver), a
Markdown table and a PNG chart.

    .venv/bin/python benchmarks/balance.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import finish, make_instance  # noqa: E402
from engine.allocation.check import check_files  # noqa: E402
from engine.allocation.pipeline import RunOptions, run_night  # noqa: E402
from engine.core.config import load_config  # noqa: E402

INSTANCES = {
    "easy-pdu-london": dict(scale="pdu", region="London", seed=3),
    "tight-region-east-midlands": dict(scale="region", region="East Midlands", seed=42, tight=True),
    "tight-region-wales": dict(scale="region", region="Wales", seed=7, tight=True),
    "tight-pdu-london": dict(scale="pdu", region="London", seed=3, tight=True),
    "normal-region-east-midlands": dict(scale="region", region="East Midlands", seed=42),
}
SOLVERS = ["cpsat", "greedy", "greedy-grade-first", "random-eligible"]


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
            res = run_night(
                RunOptions(
                    data=data,
                    out=args.out / "runs" / name / solver,
                    config=config,
                    solver=solver,
                    force=True,
                    progress=False,
                )
            )
            s = res.summary
            by[solver] = s
            rows.append(
                {
                    "instance": name,
                    "solver": solver,
                    "cases_to_allocate": s["to_allocate"],
                    "unallocated": s["unallocated"],
                    "max_utilisation": s["max_utilisation"],
                    "std_utilisation": s["std_utilisation"],
                    "mean_utilisation": s["mean_utilisation"],
                    "max_utilisation_receiving": s["max_utilisation_receiving"],
                    "over_100": s["over_100"],
                    "rule_breaches": len(
                        check_files(data, res.out_dir / "allocations.csv", config).violations
                    ),
                    "gap": s["gap"],
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            )
        cp, g = by["cpsat"], by["greedy"]
        better_unalloc = g["unallocated"] - cp["unallocated"]
        print(
            f"{name}: unallocated cpsat {cp['unallocated']} vs greedy {g['unallocated']} "
            f"(-{better_unalloc}); max utilisation {cp['max_utilisation']:.2%} vs {g['max_utilisation']:.2%}; "
            f"highest receiving new work {cp['max_utilisation_receiving']:.2%} vs {g['max_utilisation_receiving']:.2%}; "
            f"std {cp['std_utilisation']:.2%} vs {g['std_utilisation']:.2%}; gap {cp['gap']:.3%}"
        )
        if (
            cp["unallocated"] > g["unallocated"]
            or cp["max_utilisation"] > g["max_utilisation"] + 1e-9
        ):
            failures.append(name)
    write_report(args.out, rows)
    return finish(args.out / "balance.csv", rows, failures, "solver worse than greedy")


def write_report(out: Path, rows: list[dict]) -> None:
    """balance.md (the table) and balance.png (peak and spread of utilisation, unallocated)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [
        "instance",
        "solver",
        "cases_to_allocate",
        "unallocated",
        "max_utilisation",
        "mean_utilisation",
        "std_utilisation",
        "over_100",
        "rule_breaches",
        "seconds",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append(
            "| "
            + " | ".join(f"{r[c]:.2%}" if "utilisation" in c else str(r[c]) for c in cols)
            + " |"
        )
    (out / "balance.md").write_text("\n".join(lines) + "\n")
    names = list(dict.fromkeys(r["instance"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    width = 0.8 / len(SOLVERS)
    for k, solver in enumerate(SOLVERS):
        mine = {r["instance"]: r for r in rows if r["solver"] == solver}
        xs = [i + k * width for i in range(len(names))]
        for ax, key, scale in zip(
            axes, ("max_utilisation", "std_utilisation", "unallocated"), (100, 100, 1)
        ):
            ax.bar(
                xs, [mine[n][key] * scale if n in mine else 0 for n in names], width, label=solver
            )
    for ax, title in zip(
        axes, ("peak utilisation (%)", "spread of utilisation (std, points %)", "cases unallocated")
    ):
        ax.set_title(title)
        ax.set_xticks(
            [i + 0.4 - width / 2 for i in range(len(names))],
            names,
            rotation=20,
            ha="right",
            fontsize=8,
        )
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "balance.png", dpi=110)
    print(f"wrote {out / 'balance.md'} and {out / 'balance.png'}")


if __name__ == "__main__":
    raise SystemExit(main())
