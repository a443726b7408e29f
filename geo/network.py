"""Road networks from a local OpenStreetMap XML file (osmnx), one per mode, as CSR graphs.

Built once from the file (never from the internet) and cached on disk as compressed arrays,
keyed by the SHA-256 of the file's bytes and every parameter that shapes the graph, so a
nightly run loads the cache in milliseconds and a changed file or setting rebuilds it.

Modes: `car` (osmnx speeds by road type, one-way streets respected), `walk` (every road and
path but motorways, both directions, at walking speed) and `public_transport` (no timetables:
a bus on the car network at a configured speed, plus walking to and from the road and a wait;
always labelled as an estimate).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

CACHE_VERSION = 1
NOT_DRIVABLE = {
    "footway",
    "cycleway",
    "bridleway",
    "path",
    "steps",
    "pedestrian",
    "track",
    "corridor",
    "elevator",
    "proposed",
    "construction",
    "bus_guideway",
    "escape",
    "raceway",
    "busway",
    "platform",
    "abandoned",
    "disused",
}
NOT_WALKABLE = {
    "motorway",
    "motorway_link",
    "proposed",
    "construction",
    "raceway",
    "abandoned",
    "disused",
}
NO_ACCESS = {"no", "private"}
EARTH_M = 6_371_008.8


class NetworkError(RuntimeError):
    """The OSM file is missing, unreadable or holds no usable road network."""


@dataclass(frozen=True)
class NetworkParams:
    """Everything that shapes a built network (part of the cache key)."""

    walk_kmh: float = 4.8
    bus_kmh: float = 22.0
    bus_wait_minutes: float = 10.0
    car_access_kmh: float = 15.0  # from the door to the nearest road node by car
    max_snap_m: float = 1500.0  # farther from the network than this: use the fallback
    hwy_speeds: dict = field(default_factory=dict)

    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class RoadNetwork:
    """One mode's graph: CSR edge weights in seconds, node coordinates and a KD-tree for snapping."""

    mode: str
    graph: csr_matrix  # [nodes x nodes] seconds
    lat: np.ndarray
    lon: np.ndarray
    access_kmh: float  # speed of the leg from a point to its nearest node
    fixed_seconds: float  # added to every trip that uses the network (the bus wait)
    max_snap_m: float
    source_sha256: str
    from_cache: bool = False
    _tree: cKDTree | None = None
    _nodes: np.ndarray | None = None
    _lat0: float = 0.0

    @property
    def label(self) -> str:
        base = {
            "car": "road network (car)",
            "walk": "road network (walk)",
            "public_transport": "road network estimate (bus speed on roads, no timetables)",
        }
        return base[self.mode]

    def _xy(self, lat, lon) -> np.ndarray:
        lat0 = np.radians(self._lat0)
        return np.column_stack(
            [
                EARTH_M * np.cos(lat0) * np.radians(np.asarray(lon, float)),
                EARTH_M * np.radians(np.asarray(lat, float)),
            ]
        )

    def segments(
        self, south: float, north: float, west: float, east: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The roads within a box, for drawing a map: (lat1, lon1, lat2, lon2) of each edge
        that reaches into it, each road once (not once per direction)."""
        a = self.graph.tocoo()
        keep = a.row < a.col  # one direction of each two-way road
        one_way = self.graph.T.tocsr()[a.row, a.col].A1 == 0  # and the one-way roads
        u, v = a.row[keep | one_way], a.col[keep | one_way]
        la1, la2, lo1, lo2 = self.lat[u], self.lat[v], self.lon[u], self.lon[v]
        sel = (  # the road's own box meets the box: it crosses it, or an end lies in it
            (np.minimum(la1, la2) <= north) & (np.maximum(la1, la2) >= south)
            & (np.minimum(lo1, lo2) <= east) & (np.maximum(lo1, lo2) >= west)
        )  # fmt: skip
        u, v = u[sel], v[sel]
        return self.lat[u], self.lon[u], self.lat[v], self.lon[v]

    def snap(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point and the straight distance to it (metres, projected).

        Only nodes of this mode's largest strongly connected component are candidates: a
        footway node has no car edges, and a private road cut off from the rest would make
        every trip from it "unreachable"."""
        if self._tree is None:
            from scipy.sparse.csgraph import connected_components

            _, label = connected_components(self.graph, directed=True, connection="strong")
            self._nodes = np.nonzero(label == np.bincount(label).argmax())[0]
            self._lat0 = float(np.mean(self.lat))
            self._tree = cKDTree(self._xy(self.lat[self._nodes], self.lon[self._nodes]))
        assert self._nodes is not None
        dist, k = self._tree.query(self._xy(lat, lon))
        return self._nodes[k].astype(np.int64), dist


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _first(v):
    return v[0] if isinstance(v, list) else v


def _edges_to_csr(n: int, u: np.ndarray, v: np.ndarray, sec: np.ndarray) -> csr_matrix:
    """Keep the fastest of parallel edges; CSR of seconds (an explicit tiny value for 0 s)."""
    sec = np.maximum(sec, 1e-3)
    order = np.lexsort((sec, v, u))
    u, v, sec = u[order], v[order], sec[order]
    keep = np.ones(len(u), dtype=bool)
    keep[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return csr_matrix((sec[keep], (u[keep], v[keep])), shape=(n, n))


def _parse(path: Path, params: NetworkParams):
    """Parse the OSM XML with osmnx; returns node arrays and per-mode edge arrays."""
    import osmnx as ox  # imported here: only building (not loading a cache) needs it

    try:
        G = ox.graph_from_xml(path, simplify=True, retain_all=True)
    except Exception as exc:  # malformed XML, truncated bz2, not OSM at all
        raise NetworkError(
            f"{path}: cannot read OpenStreetMap XML ({exc.__class__.__name__}: {exc})"
        ) from exc
    if G.number_of_edges() == 0:
        raise NetworkError(f"{path}: no roads found in the file")
    G = ox.add_edge_speeds(G, hwy_speeds=params.hwy_speeds or None, fallback=30.0)
    G = ox.add_edge_travel_times(G)
    nodes = list(G.nodes)
    index = {node: k for k, node in enumerate(nodes)}
    lat = np.array([G.nodes[x]["y"] for x in nodes])
    lon = np.array([G.nodes[x]["x"] for x in nodes])
    u, v, length, tt, hwy, access = [], [], [], [], [], []
    for a, b, d in G.edges(data=True):
        u.append(index[a])
        v.append(index[b])  # noqa: E702
        length.append(float(d["length"]))
        tt.append(float(d["travel_time"]))  # noqa: E702
        hwy.append(str(_first(d.get("highway", "road"))))
        access.append(str(_first(d.get("access", ""))))  # noqa: E702
    return (
        lat,
        lon,
        np.array(u),
        np.array(v),
        np.array(length),
        np.array(tt),
        np.array(hwy),
        np.array(access),
    )


def build_networks(path: Path, params: NetworkParams, sha: str) -> dict[str, RoadNetwork]:
    lat, lon, u, v, length, tt, hwy, access = _parse(path, params)
    n = len(lat)
    drive = ~np.isin(hwy, list(NOT_DRIVABLE)) & ~np.isin(access, list(NO_ACCESS))
    walk = ~np.isin(hwy, list(NOT_WALKABLE))
    walk_s = length / (params.walk_kmh / 3.6)
    bus_s = np.maximum(tt, length / (params.bus_kmh / 3.6))  # a bus is never faster than a car
    both = lambda m, w: _edges_to_csr(n, np.r_[u[m], v[m]], np.r_[v[m], u[m]], np.r_[w[m], w[m]])  # noqa: E731
    common = dict(lat=lat, lon=lon, max_snap_m=params.max_snap_m, source_sha256=sha)
    return {
        "car": RoadNetwork(
            "car",
            _edges_to_csr(n, u[drive], v[drive], tt[drive]),
            access_kmh=params.car_access_kmh,
            fixed_seconds=0.0,
            **common,
        ),
        "walk": RoadNetwork(
            "walk", both(walk, walk_s), access_kmh=params.walk_kmh, fixed_seconds=0.0, **common
        ),
        "public_transport": RoadNetwork(
            "public_transport",
            both(drive, bus_s),
            access_kmh=params.walk_kmh,
            fixed_seconds=60.0 * params.bus_wait_minutes,
            **common,
        ),
    }


def _cache_file(cache_dir: Path, sha: str, params: NetworkParams) -> Path:
    return cache_dir / f"osm-{sha[:16]}-{params.key()}-v{CACHE_VERSION}.npz"


def _save(path: Path, nets: dict[str, RoadNetwork]) -> None:
    arrays: dict[str, np.ndarray] = {}
    for mode, net in nets.items():
        g = net.graph
        arrays |= {
            f"{mode}.data": g.data,
            f"{mode}.indices": g.indices,
            f"{mode}.indptr": g.indptr,
            f"{mode}.meta": np.array([net.access_kmh, net.fixed_seconds, net.max_snap_m]),
        }
    any_net = next(iter(nets.values()))
    arrays |= {"lat": any_net.lat, "lon": any_net.lon, "sha": np.array(any_net.source_sha256)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)  # atomic: a crash never leaves half a cache


def _load(path: Path) -> dict[str, RoadNetwork]:
    z = np.load(path)
    n = len(z["lat"])
    out = {}
    for mode in ("car", "walk", "public_transport"):
        g = csr_matrix((z[f"{mode}.data"], z[f"{mode}.indices"], z[f"{mode}.indptr"]), shape=(n, n))
        a, f, s = z[f"{mode}.meta"]
        out[mode] = RoadNetwork(
            mode,
            g,
            z["lat"],
            z["lon"],
            float(a),
            float(f),
            float(s),
            str(z["sha"]),
            from_cache=True,
        )
    return out


def load_networks(
    osm_file: str | Path, params: NetworkParams, cache_dir: str | Path
) -> dict[str, RoadNetwork]:
    """All three modes' networks for a local OSM file, from the cache when it is current."""
    path = Path(osm_file)
    if not path.is_file():
        raise NetworkError(f"{path}: OpenStreetMap file not found")
    sha = _sha256(path)
    cache = _cache_file(Path(cache_dir).expanduser(), sha, params)
    if cache.exists():
        try:
            return _load(cache)
        except Exception:  # a damaged cache is rebuilt, never trusted
            cache.unlink(missing_ok=True)
    nets = build_networks(path, params, sha)
    _save(cache, nets)
    return nets
