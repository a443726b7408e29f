"""Helpers every generator shares: seeded choices, splits by weight, names, travel modes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from engine.synthetic.geography import Pdu

# How people on probation travel: most do not drive (../shared/domain.md section 5).
TRAVEL_MODES = (["public_transport", "car", "walk"], [0.65, 0.25, 0.10])


def choice(rng, opts, n):
    vals, p = opts
    return rng.choice(np.array(vals, dtype=object), size=n, p=np.array(p) / np.sum(p))


def split_by_weight(total: int, weights: np.ndarray) -> np.ndarray:
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(raw - out)[::-1][: total - out.sum()]] += 1
    return out


def slug(name: str) -> str:
    return name.split()[0][:4].upper()


@dataclass
class SyntheticSpec:
    scale: str = "region"
    region: str | None = None  # for pdu/region scale; default: the seed picks one
    pdu: str | None = None  # for pdu scale
    seed: int = 42
    run_date: date = date(2026, 11, 23)
    tight: bool = False
    n_practitioners: int | None = None
    n_new: int | None = None
    n_upw_people: int | None = None
    n_upw_placements: int | None = None
    n_referrals: int | None = None
    n_existing: int | None = (
        None  # cap on existing cases: a random sample of the dealt caseloads is kept
    )
    upw_outcomes: bool = False  # also last week's Unpaid Work outcomes (upw_attendance.csv)
    supervisors_short: bool = False  # Unpaid Work supervisors, not places, are short
    # this share of each PDU's programme referrals are people on Unpaid Work too (a community
    # order with both requirements); 0 keeps every earlier instance as it was
    both_share: float = 0.0


def pick_pdus(all_pdus: list[Pdu], spec: SyntheticSpec, rng) -> list[Pdu]:
    regions = sorted({p.region for p in all_pdus})
    if spec.scale == "national":
        return all_pdus
    region = spec.region or regions[int(rng.integers(len(regions)))]
    if region not in regions:
        raise ValueError(f"unknown region {region!r}; choose one of {regions}")
    in_region = [p for p in all_pdus if p.region == region]
    if spec.scale == "region":
        return in_region
    if spec.pdu:
        chosen = [p for p in in_region if p.name == spec.pdu]
        if not chosen:
            raise ValueError(
                f"unknown PDU {spec.pdu!r} in {region}; choose one of {[p.name for p in in_region]}"
            )
        return chosen
    return [in_region[int(rng.integers(len(in_region)))]]


def write_dataset(
    folder: str | Path, pracs: pd.DataFrame, cases: pd.DataFrame, manifest: dict, fmt: str = "csv"
) -> Path:
    """Write the night's tables (and the Unpaid Work and programme tables when generated) and the manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = dict(manifest)
    tables = {"practitioners": pracs, "cases": cases}
    tables.update(manifest.pop("_tables", {}))
    for stem, df in tables.items():
        if fmt == "parquet":
            df.to_parquet(folder / f"{stem}.parquet", index=False)
        else:
            df.to_csv(folder / f"{stem}.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder
