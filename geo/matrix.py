"""Origin-destination travel-time matrices on a CSR road network.

One compiled multi-source Dijkstra (scipy.sparse.csgraph) from whichever side has fewer
distinct snapped nodes, stopped at the cut-off: pairs past it come back as "unreachable"
(infinity), never as a number.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geo.network import RoadNetwork


def node_seconds(
    net: RoadNetwork, sources: np.ndarray, targets: np.ndarray, limit_s: float
) -> np.ndarray:
    """[sources x targets] shortest seconds between network nodes (inf past `limit_s`)."""
    us, inv_s = np.unique(sources, return_inverse=True)
    ut, inv_t = np.unique(targets, return_inverse=True)
    if len(us) <= len(ut):
        d = dijkstra(net.graph, directed=True, indices=us, limit=limit_s)[:, ut]
    else:  # search backwards from the targets on the reversed graph
        d = dijkstra(net.graph.T.tocsr(), directed=True, indices=ut, limit=limit_s)[:, us].T
    return d[np.ix_(inv_s, inv_t)]


def travel_minutes(
    net: RoadNetwork, from_lat, from_lon, to_lat, to_lon, cutoff_minutes: float
) -> tuple[np.ndarray, np.ndarray]:
    """Door-to-door minutes [from x to] by the network's mode, and a mask of pairs the network
    covers (both ends within `max_snap_m` of it). Past the cut-off: inf."""
    o_node, o_dist = net.snap(from_lat, from_lon)
    d_node, d_dist = net.snap(to_lat, to_lon)
    access = net.access_kmh / 3.6
    o_s, d_s = o_dist / access, d_dist / access
    limit = 60.0 * cutoff_minutes
    sec = node_seconds(net, o_node, d_node, max(0.0, limit - net.fixed_seconds))
    total = o_s[:, None] + sec + d_s[None, :] + net.fixed_seconds
    covered = (o_dist <= net.max_snap_m)[:, None] & (d_dist <= net.max_snap_m)[None, :]
    minutes = total / 60.0
    minutes[minutes > cutoff_minutes] = np.inf
    return minutes, covered


def pair_minutes(
    net: RoadNetwork, from_lat, from_lon, to_lat, to_lon, cutoff_minutes: float
) -> tuple[np.ndarray, np.ndarray]:
    """Door-to-door minutes for each (from[i], to[i]) pair and whether the network covers it:
    one backward search per distinct destination node, so memory grows with the destinations,
    not with pairs x destinations."""
    o_node, o_dist = net.snap(from_lat, from_lon)
    d_node, d_dist = net.snap(to_lat, to_lon)
    covered = (o_dist <= net.max_snap_m) & (d_dist <= net.max_snap_m)
    minutes = np.full(len(o_node), np.inf)
    if covered.any():
        limit = max(0.0, 60.0 * cutoff_minutes - net.fixed_seconds)
        ud, inv = np.unique(d_node[covered], return_inverse=True)
        back = net.graph.T.tocsr()
        sec = np.empty(int(covered.sum()))
        rows = np.nonzero(covered)[0]
        for start in range(0, len(ud), 256):  # bounded blocks of searches
            block = ud[start : start + 256]
            d = dijkstra(back, directed=True, indices=block, limit=limit)
            mask = (inv >= start) & (inv < start + len(block))
            sec[mask] = d[inv[mask] - start, o_node[rows[mask]]]
        access = net.access_kmh / 3.6
        minutes[rows] = (
            o_dist[rows] / access + sec + d_dist[rows] / access + net.fixed_seconds
        ) / 60.0
    minutes[minutes > cutoff_minutes] = np.inf
    return minutes, covered
