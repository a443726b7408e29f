"""Travel-matrix benchmark: the product's CSR Dijkstra matrix (geo.matrix) against a plain
networkx per-source Dijkstra loop on the same Rutland car network, in the same run.
1,000 origins x 50 destinations by car; the figures must match and the target is 20x.

    .venv/bin/python benchmarks/travel.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import SHARED, finish  # noqa: E402
from engine.core.config import load_config  # noqa: E402
from geo.matrix import node_seconds, travel_minutes  # noqa: E402
from geo.travel import travel_service  # noqa: E402

OSM = SHARED / "data" / "osm" / "rutland-highways.osm.bz2"
TARGET = 20.0


def networkx_matrix(net, o_node, d_node, limit_s: float) -> np.ndarray:
    """The plain way: one networkx Dijkstra per origin node, with the same cut-off."""
    import networkx as nx

    g = net.graph
    G = nx.DiGraph()
    G.add_nodes_from(range(g.shape[0]))
    r, c = g.nonzero()
    G.add_weighted_edges_from(zip(r.tolist(), c.tolist(), np.asarray(g[r, c]).ravel().tolist()))
    out = np.full((len(o_node), len(d_node)), np.inf)
    for a, s in enumerate(o_node.tolist()):
        dist = nx.single_source_dijkstra_path_length(G, s, cutoff=limit_s)
        out[a] = [dist.get(int(d), np.inf) for d in d_node]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--origins", type=int, default=1000)
    ap.add_argument("--destinations", type=int, default=50)
    ap.add_argument("--cutoff-minutes", type=float, default=90.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    config = load_config()
    net = travel_service(config.travel, str(OSM)).networks["car"]
    rng = np.random.default_rng(args.seed)
    pick = lambda n: rng.choice(len(net.lat), n, replace=False)  # noqa: E731
    o, d = pick(args.origins), pick(args.destinations)
    jitter = lambda n: rng.normal(0, 0.002, n)  # noqa: E731  points near roads, not on nodes
    olat, olon = net.lat[o] + jitter(len(o)), net.lon[o] + jitter(len(o))
    dlat, dlon = net.lat[d] + jitter(len(d)), net.lon[d] + jitter(len(d))

    t0 = time.perf_counter()
    ours, _ = travel_minutes(
        net, olat, olon, dlat, dlon, args.cutoff_minutes
    )  # what the product runs
    ours_s = time.perf_counter() - t0

    o_node, o_dist = net.snap(olat, olon)
    d_node, d_dist = net.snap(dlat, dlon)
    limit = 60 * args.cutoff_minutes
    t0 = time.perf_counter()
    ref_nodes = networkx_matrix(net, o_node, d_node, limit)
    nx_s = time.perf_counter() - t0
    access = net.access_kmh / 3.6
    ref = (o_dist[:, None] / access + ref_nodes + d_dist[None, :] / access) / 60.0
    ref[ref > args.cutoff_minutes] = np.inf

    same_inf = bool((np.isinf(ours) == np.isinf(ref)).all())
    fin = np.isfinite(ours) & np.isfinite(ref)
    max_diff = float(np.abs(ours[fin] - ref[fin]).max()) if fin.any() else 0.0
    nodes_equal = bool(
        np.allclose(
            node_seconds(net, o_node, d_node, limit), ref_nodes, rtol=0, atol=1e-9, equal_nan=True
        )
    )
    speedup = nx_s / ours_s
    print(
        f"{args.origins} x {args.destinations} by car, cut-off {args.cutoff_minutes:g} min: csgraph {ours_s:.3f}s, "
        f"networkx loop {nx_s:.3f}s, {speedup:.1f}x faster (target {TARGET:g}x); "
        f"max difference {max_diff:.2e} min, unreachable pairs agree: {same_inf}, node times equal: {nodes_equal}"
    )
    row = {
        "origins": args.origins,
        "destinations": args.destinations,
        "cutoff_minutes": args.cutoff_minutes,
        "csgraph_seconds": round(ours_s, 4),
        "networkx_seconds": round(nx_s, 3),
        "speedup": round(speedup, 1),
        "max_abs_difference_minutes": max_diff,
        "unreachable_agree": same_inf,
        "node_times_equal": nodes_equal,
        "reachable_pairs": int(fin.sum()),
    }
    missed = (
        []
        if (speedup >= TARGET and same_inf and nodes_equal and max_diff < 1e-9)
        else ["rutland-car"]
    )
    return finish(args.out / "travel.csv", [row], missed, f"under {TARGET:g}x or figures differ")


if __name__ == "__main__":
    raise SystemExit(main())
