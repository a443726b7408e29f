"""Shared helpers for the benchmark scripts: instance generation and CSV output."""
from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

from engine.config import load_config
from engine.synthetic import SyntheticSpec, generate, write_dataset

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PROBATION_SHARED", REPO.parent / "shared"))
BOUNDARIES = SHARED / "data" / "boundaries"
NIGHT = date(2026, 11, 23)


def make_instance(folder: Path, **spec) -> Path:
    """Generate (once) a seeded synthetic night into `folder`."""
    if (folder / "cases.csv").exists():
        return folder
    spec.setdefault("run_date", NIGHT)
    pracs, cases, manifest = generate(BOUNDARIES, SyntheticSpec(**spec), load_config())
    return write_dataset(folder, pracs, cases, manifest)


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
