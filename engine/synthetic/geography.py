"""Real geography for synthetic data: the 12 probation regions and PDUs built from ONS
boundaries (../shared/data/boundaries, OGL v3, Crown copyright).

Regions: the 9 English ONS regions, with North West split into Greater Manchester and the rest,
South East into Kent Surrey and Sussex and South Central, plus Wales (an approximation of the
real probation regions). PDUs: clusters of neighbouring local authority districts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from scipy.cluster.vq import kmeans2
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

GREATER_MANCHESTER = {
    "Bolton",
    "Bury",
    "Manchester",
    "Oldham",
    "Rochdale",
    "Salford",
    "Stockport",
    "Tameside",
    "Trafford",
    "Wigan",
}
KENT_SURREY_SUSSEX = {
    # Kent and Medway
    "Ashford",
    "Canterbury",
    "Dartford",
    "Dover",
    "Gravesham",
    "Maidstone",
    "Sevenoaks",
    "Shepway",
    "Folkestone and Hythe",
    "Swale",
    "Thanet",
    "Tonbridge and Malling",
    "Tunbridge Wells",
    "Medway",
    # Surrey
    "Elmbridge",
    "Epsom and Ewell",
    "Guildford",
    "Mole Valley",
    "Reigate and Banstead",
    "Runnymede",
    "Spelthorne",
    "Surrey Heath",
    "Tandridge",
    "Waverley",
    "Woking",
    # East and West Sussex, Brighton and Hove
    "Brighton and Hove",
    "Eastbourne",
    "Hastings",
    "Lewes",
    "Rother",
    "Wealden",
    "Adur",
    "Arun",
    "Chichester",
    "Crawley",
    "Horsham",
    "Mid Sussex",
    "Worthing",
}
REGION_RENAME = {
    "Yorkshire and The Humber": "Yorkshire and the Humber",
    "East of England": "East of England",
}
PROBATION_REGIONS = [
    "North East",
    "North West",
    "Greater Manchester",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "Kent Surrey and Sussex",
    "South Central",
    "South West",
    "Wales",
]


@dataclass(frozen=True)
class District:
    code: str
    name: str
    region: str
    lat: float
    lon: float
    area_km2: float
    geometry: BaseGeometry  # lon/lat


@dataclass(frozen=True)
class Pdu:
    name: str
    region: str
    districts: tuple[District, ...]
    offices: tuple[tuple[str, float, float], ...]  # (town, lat, lon)


def _probation_region(ons_region: str, lad_name: str) -> str:
    if ons_region == "North West":
        return "Greater Manchester" if lad_name in GREATER_MANCHESTER else "North West"
    if ons_region == "South East":
        return "Kent Surrey and Sussex" if lad_name in KENT_SURREY_SUSSEX else "South Central"
    return REGION_RENAME.get(ons_region, ons_region)


@lru_cache(maxsize=4)
def load_districts(boundaries: str) -> tuple[District, ...]:
    """English and Welsh local authority districts, each with its probation region."""
    folder = Path(boundaries)
    regions = json.loads((folder / "england-regions-2016.geojson").read_text())["features"]
    rnames = [f["properties"]["rgn16nm"] for f in regions]
    rgeoms = [shape(f["geometry"]) for f in regions]
    lads = json.loads((folder / "uk-local-authority-districts-2017.geojson").read_text())[
        "features"
    ]
    out = []
    for f in lads:
        pr = f["properties"]
        code, name = pr["lad17cd"], pr["lad17nm"]
        if code[0] not in "EW":
            continue
        geom = shape(f["geometry"])
        pt = shapely.Point(pr["long"], pr["lat"])
        if code[0] == "W":
            region = "Wales"
        else:
            dists = [g.distance(pt) for g in rgeoms]
            region = _probation_region(rnames[int(np.argmin(dists))], name)
        out.append(
            District(
                code,
                name,
                region,
                float(pr["lat"]),
                float(pr["long"]),
                float(pr["st_areashape"]) / 1e6,
                geom,
            )
        )
    return tuple(out)


def build_pdus(boundaries: str, districts_per_pdu: float = 3.5, seed: int = 0) -> list[Pdu]:
    """Cluster each region's districts into PDUs; a PDU is named after its smallest-area
    (most urban) district, with offices in its three most urban districts."""
    districts = load_districts(boundaries)
    pdus: list[Pdu] = []
    for region in PROBATION_REGIONS:
        ds = [d for d in districts if d.region == region]
        k = int(np.clip(round(len(ds) / districts_per_pdu), 1, 18))
        pts = np.array([[d.lat, d.lon * 0.62] for d in ds])  # rough equal-distance scaling at 52N
        rng = np.random.default_rng(seed)
        _, labels = kmeans2(pts, k, seed=rng, minit="++")
        for lab in sorted(set(labels.tolist())):
            members = sorted(
                (d for d, label in zip(ds, labels) if label == lab), key=lambda d: d.area_km2
            )
            offices = tuple((d.name, d.lat, d.lon) for d in members[:3])
            pdus.append(Pdu(f"{members[0].name} PDU", region, tuple(members), offices))
    return pdus


def sample_points(districts: tuple[District, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """n (lat, lon) home locations: a district chosen uniformly (districts have broadly similar
    populations), then a point inside it drawn towards its main town."""
    out = np.empty((n, 2))
    which = rng.integers(0, len(districts), size=n)
    for k, d in enumerate(districts):
        idx = np.nonzero(which == k)[0]
        if not len(idx):
            continue
        minx, miny, maxx, maxy = d.geometry.bounds
        got: list[tuple[float, float]] = []
        while len(got) < len(idx):
            m = max(16, 3 * (len(idx) - len(got)))
            xs, ys = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
            # pull half of the points towards the district's centre (towns), keeping them inside
            pull = rng.random(m) < 0.6
            xs = np.where(pull, d.lon + (xs - d.lon) * 0.35, xs)
            ys = np.where(pull, d.lat + (ys - d.lat) * 0.35, ys)
            inside = shapely.contains_xy(d.geometry, xs, ys)
            got.extend(zip(ys[inside].tolist(), xs[inside].tolist()))
        out[idx] = np.array(got[: len(idx)])
    return out
