"""Shared helpers for the benchmark scripts: instance generation and CSV output."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from engine.core.config import load_config
from engine.synthetic import SyntheticSpec, generate, write_dataset

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PROBATION_SHARED", REPO.parent / "shared"))
BOUNDARIES = SHARED / "data" / "boundaries"
NIGHT = date(2026, 11, 23)


def make_instance(folder: Path, **spec) -> Path:
    """Generate a seeded synthetic night into `folder`, once: the folder is reused only while
    the spec and the generator's code are the same (a key of both kept beside it), so a
    benchmark never measures an instance an older generator wrote."""
    spec.setdefault("run_date", NIGHT)
    key = _instance_key(spec)
    if (folder / "cases.csv").exists() and _read(folder / ".instance-key") == key:
        return folder
    pracs, cases, manifest = generate(BOUNDARIES, SyntheticSpec(**spec), load_config())
    out = write_dataset(folder, pracs, cases, manifest)
    (folder / ".instance-key").write_text(key)
    return out


def _instance_key(spec: dict) -> str:
    h = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode())
    for src in sorted((REPO / "engine" / "synthetic").glob("*.py")):
        h.update(src.read_bytes())
    return h.hexdigest()


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


def write_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def finish(path: Path, rows: list[dict], missed: list[str], what: str) -> int:
    """Write the CSV, say where, and fail (exit 1) when a target was missed."""
    print(f"wrote {write_csv(path, rows)}")
    if missed:
        print(f"TARGET MISSED ({what}) on: {missed}")
        return 1
    return 0


def compare_solvers(
    name: str,
    data: Path,
    out_root: Path,
    command: list[str],
    summary_file: str,
    columns: list[str],
    describe,
    target: float,
    solvers: tuple[str, ...] = ("cpsat", "greedy"),
) -> tuple[list[dict], list[str]] | None:
    """Run a `probation` command once per solver (the product's first, then the baseline) on
    the same data, end to end in a fresh process, and collect `columns` from each run's summary
    with the seconds. Returns the rows and the instances over `target` seconds (the product's
    solver), or None if a run failed."""
    exe = Path(sys.executable).with_name("probation")
    rows, missed = [], []
    for solver in solvers:
        out = out_root / "runs" / name / solver
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                str(exe),
                *command,
                "--data",
                str(data),
                "--out",
                str(out),
                "--solver",
                solver,
                "--force",
            ],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            return None
        s = json.loads((out / summary_file).read_text())
        rows.append(
            {
                "instance": name,
                "solver": solver,
                **{c: s[c] for c in columns},
                "seconds": round(seconds, 2),
            }
        )
        print(f"{name} {solver}: {seconds:.1f}s, {describe(s)}")
        if solver == solvers[0] and seconds > target:
            missed.append(name)
    return rows, missed
