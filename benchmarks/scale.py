"""Scale benchmark: the nightly batch end to end (the `probation allocate` command, process
start to files written) on a PDU, a region and the nation, against the targets, with the peak
memory of the whole process tree (sampled from /proc) and a log-log plot of time against cases.
Writes one CSV row per run.

    .venv/bin/python benchmarks/scale.py --out benchmarks/results                 # PDU and region
    .venv/bin/python benchmarks/scale.py --out benchmarks/results --instances national-night
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from benchmarks.common import finish, make_instance  # noqa: E402

INSTANCES = {
    # name: (generator spec, target seconds end to end)
    "pdu-night": (
        dict(
            scale="pdu",
            region="East Midlands",
            pdu="Lincoln PDU",
            seed=42,
            tight=True,
            n_practitioners=60,
            n_new=60,
        ),
        5.0,
    ),
    "region-night": (
        dict(scale="region", region="East Midlands", seed=42, n_practitioners=700, n_new=600),
        60.0,
    ),
    # about 250,000 cases and 10,000 staff (8,900 case holders and the SPOs), 2,500 new; on Dask
    "national-night": (
        dict(scale="national", seed=1, n_practitioners=8900, n_new=2500, n_existing=247_500),
        600.0,
    ),
}
ENGINE = {"national-night": "dask"}


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    parent, rss = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                parent[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{d}/statm") as fh:
                rss[int(d)] = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = {root}, [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        todo += kids
    return sum(rss.get(p, 0) for p in tree) / 1e6


def run_measured(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; its wall time and the peak memory of its process tree (sampled 5 times a second)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    th.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), seconds, peak[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--instances", nargs="*", default=list(INSTANCES))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("probation")
    rows, missed = [], []
    for name in args.instances:
        spec, target = INSTANCES[name]
        data = make_instance(args.out / "instances" / name, **spec)
        manifest = json.loads((data / "manifest.json").read_text())
        for k in range(args.repeat):
            out = args.out / "runs" / f"scale-{name}"
            proc, seconds, peak_mb = run_measured(
                [
                    str(exe),
                    "allocate",
                    "--data",
                    str(data),
                    "--out",
                    str(out),
                    "--force",
                    "--quiet",
                    "--engine",
                    ENGINE.get(name, "processes"),
                ]
            )
            if proc.returncode != 0:
                print(proc.stdout, proc.stderr)
                return 1
            s = json.loads((out / "summary.json").read_text())
            dec = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
            future = dec["status"] == "FUTURE"
            rows.append(
                {
                    "instance": name,
                    "repeat": k,
                    "practitioners": manifest["practitioners"],
                    "existing_cases": manifest["existing_cases"],
                    "new_cases": manifest["new_cases"],
                    "engine": ENGINE.get(name, "processes"),
                    "seconds_end_to_end": round(seconds, 2),
                    "peak_memory_mb": round(peak_mb),
                    "solve_seconds": s["solve_seconds"],
                    "target_seconds": target,
                    "rule_breaches": 0,  # the run stores nothing unless the independent checker passed it
                    "unallocated": s["unallocated"],
                    "greedy_unallocated": s["greedy"]["unallocated"],
                    "max_utilisation": s["max_utilisation"],
                    "greedy_max_utilisation": s["greedy"]["max_utilisation"],
                    "std_utilisation": s["std_utilisation"],
                    "greedy_std_utilisation": s["greedy"]["std_utilisation"],
                    "status": s["status"],
                    "gap": s["gap"],
                    # the custody clock: cases before their handover window, never placed early
                    # (the checker refuses that) and never flagged overdue
                    "future": int(future.sum()),
                    "future_placed": int((future & (dec["practitioner_id"] != "")).sum()),
                    "future_overdue": int((future & dec["flags"].str.contains("OVERDUE")).sum()),
                    "overdue_unallocated": s["overdue_unallocated"],
                }
            )
            print(
                f"{name}: {seconds:.2f}s end to end (target {target:g}s), solve {s['solve_seconds']}s, "
                f"unallocated {s['unallocated']} (greedy {s['greedy']['unallocated']}), gap {s['gap']:.3%}; "
                f"custody not yet due {int(future.sum())}, of them placed {rows[-1]['future_placed']}, "
                f"flagged overdue {rows[-1]['future_overdue']}"
            )
            if seconds > target:
                missed.append(name)
    path = args.out / "scale.csv"
    if path.exists():  # keep the other instances' rows from earlier runs, for the plot
        import csv

        with path.open() as fh:
            rows = [r for r in csv.DictReader(fh) if r["instance"] not in args.instances] + rows
    plot(rows, args.out / "scale.png")
    return finish(path, rows, missed, "over the time target")


def plot(rows: list[dict], path: Path) -> None:
    """Seconds end to end against cases (existing + new), log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [int(r["existing_cases"]) + int(r["new_cases"]) for r in rows]
    ys = [float(r["seconds_end_to_end"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.loglog(xs, ys, "o")
    for r, x, y in zip(rows, xs, ys):
        ax.annotate(r["instance"], (x, y), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("cases in the night (existing + new)")
    ax.set_ylabel("seconds end to end (2 cores)")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
