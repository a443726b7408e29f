"""Scale benchmark: the nightly batch end to end (the `probation allocate` command, process
start to files written) on a PDU night and a region night, against the issue's targets.
Writes one CSV row per instance.

    .venv/bin/python benchmarks/scale.py --out benchmarks/results
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

INSTANCES = {
    # name: (generator spec, target seconds end to end)
    "pdu-night": (dict(scale="pdu", region="East Midlands", pdu="Lincoln PDU", seed=42, tight=True,
                       n_practitioners=60, n_new=60), 5.0),
    "region-night": (dict(scale="region", region="East Midlands", seed=42, n_practitioners=700, n_new=600), 60.0),
}


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
            t0 = time.perf_counter()
            proc = subprocess.run([str(exe), "allocate", "--data", str(data), "--out", str(out), "--force", "--quiet"],
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            if proc.returncode != 0:
                print(proc.stdout, proc.stderr)
                return 1
            s = json.loads((out / "summary.json").read_text())
            rows.append({
                "instance": name, "repeat": k, "practitioners": manifest["practitioners"],
                "existing_cases": manifest["existing_cases"], "new_cases": manifest["new_cases"],
                "seconds_end_to_end": round(seconds, 2), "solve_seconds": s["solve_seconds"], "target_seconds": target,
                "unallocated": s["unallocated"], "greedy_unallocated": s["greedy"]["unallocated"],
                "max_utilisation": s["max_utilisation"], "greedy_max_utilisation": s["greedy"]["max_utilisation"],
                "std_utilisation": s["std_utilisation"], "greedy_std_utilisation": s["greedy"]["std_utilisation"],
                "status": s["status"], "gap": s["gap"],
            })
            print(f"{name}: {seconds:.2f}s end to end (target {target:g}s), solve {s['solve_seconds']}s, "
                  f"unallocated {s['unallocated']} (greedy {s['greedy']['unallocated']}), gap {s['gap']:.3%}")
            if seconds > target:
                missed.append(name)
    return finish(args.out / "scale.csv", rows, missed, "over the time target")


if __name__ == "__main__":
    raise SystemExit(main())
