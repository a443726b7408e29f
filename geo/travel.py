"""Travel times for the engine: the road network where it covers both ends, the labelled
straight-line estimate everywhere else, and a method label for every figure."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geo.settings import TravelSettings
from geo.straight_line import LABEL as FALLBACK_LABEL
from geo.straight_line import travel_minutes as straight_minutes

MODES = ("car", "walk", "public_transport")
NETWORK, FALLBACK, UNREACHABLE = 0, 1, 2


@dataclass
class TravelTimes:
    """Minutes by mode between points. `networks` maps mode -> RoadNetwork (may be empty)."""

    settings: TravelSettings
    networks: dict = field(default_factory=dict)

    def label(self, mode: str, method: int) -> str:
        t = self.settings
        if method == FALLBACK or mode not in self.networks:
            return f"{FALLBACK_LABEL} ({mode}, x{t.detour_factor:g} detour, {t.speed_kmh[mode]:g} km/h)"
        lab = self.networks[mode].label
        return lab if method == NETWORK else f"{lab}: unreachable within {t.cutoff_minutes:g} min"

    def _merge(self, est: np.ndarray, mode: str, network_call) -> tuple[np.ndarray, np.ndarray]:
        """Put network minutes over the straight-line estimate where the network covers a pair;
        public transport takes walking instead where that is quicker."""
        t = self.settings
        method = np.full(est.shape, FALLBACK, dtype=np.int8)
        if mode not in self.networks or est.size == 0:
            return est, method
        minutes, covered = network_call(self.networks[mode])
        if mode == "public_transport" and "walk" in self.networks:
            walk, walk_cov = network_call(self.networks["walk"])
            minutes = np.where(covered & walk_cov, np.minimum(minutes, walk), minutes)
        reach = covered & np.isfinite(minutes)
        out = est.copy()
        out[reach] = np.ceil(minutes[reach]).astype(np.int64)
        out[covered & ~reach] = int(t.cutoff_minutes) + 1
        method[reach] = NETWORK
        method[covered & ~reach] = UNREACHABLE
        return out, method

    def matrix(
        self, from_lat, from_lon, to_lat, to_lon, mode: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Whole minutes [from x to] and the method of each (NETWORK, FALLBACK, UNREACHABLE).
        An unreachable pair gets the cut-off plus one minute."""
        from geo.matrix import travel_minutes

        t = self.settings
        flat, flon = np.asarray(from_lat, float), np.asarray(from_lon, float)
        tlat, tlon = np.asarray(to_lat, float), np.asarray(to_lon, float)
        est = straight_minutes(
            flat[:, None],
            flon[:, None],
            tlat[None, :],
            tlon[None, :],
            t.speed_kmh[mode],
            t.detour_factor,
        )
        return self._merge(
            est, mode, lambda net: travel_minutes(net, flat, flon, tlat, tlon, t.cutoff_minutes)
        )

    def matrix_by_mode(
        self, from_lat, from_lon, modes, to_lat, to_lon
    ) -> tuple[np.ndarray, np.ndarray]:
        """As `matrix`, each origin travelling by its own mode."""
        modes = np.asarray(modes, dtype=object)
        minutes = np.zeros((len(modes), len(np.atleast_1d(to_lat))), dtype=np.int64)
        method = np.zeros(minutes.shape, dtype=np.int8)
        for mode in np.unique(modes) if len(modes) else []:
            rows = np.nonzero(modes == mode)[0]
            m, k = self.matrix(
                np.asarray(from_lat)[rows], np.asarray(from_lon)[rows], to_lat, to_lon, str(mode)
            )
            minutes[rows], method[rows] = m, k
        return minutes, method

    def pairwise(self, from_lat, from_lon, modes, to_lat, to_lon) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and method for each (from[i], to[i]) pair, each by its own mode."""
        from geo.matrix import pair_minutes

        t = self.settings
        flat, flon = np.asarray(from_lat, float), np.asarray(from_lon, float)
        tlat, tlon = np.asarray(to_lat, float), np.asarray(to_lon, float)
        modes = np.asarray(modes, dtype=object)
        minutes = np.zeros(len(flat), dtype=np.int64)
        method = np.zeros(len(flat), dtype=np.int8)
        for mode in np.unique(modes) if len(modes) else []:
            r = np.nonzero(modes == mode)[0]
            mode = str(mode)
            est = straight_minutes(
                flat[r], flon[r], tlat[r], tlon[r], t.speed_kmh[mode], t.detour_factor
            )
            minutes[r], method[r] = self._merge(
                est,
                mode,
                lambda net, r=r: pair_minutes(
                    net, flat[r], flon[r], tlat[r], tlon[r], t.cutoff_minutes
                ),
            )
        return minutes, method

    def network_hashes(self) -> list[str]:
        """The SHA-256 of each road network file in use (part of a run's key)."""
        return sorted({n.source_sha256 for n in self.networks.values()})

    def labels(self, modes, methods) -> list[str]:
        cache: dict = {}
        return [
            cache.setdefault((md, int(k)), self.label(md, int(k))) for md, k in zip(modes, methods)
        ]


def travel_service(settings: TravelSettings, osm_file: str | None = None) -> TravelTimes:
    """The service for a run: networks from `osm_file` (or the settings' file) when one is given."""
    path = osm_file if osm_file is not None else settings.osm_file
    if not path:
        return TravelTimes(settings, {})
    from geo.network import NetworkParams, load_networks

    t = settings
    params = NetworkParams(
        walk_kmh=t.speed_kmh["walk"],
        bus_kmh=t.bus_kmh,
        bus_wait_minutes=t.bus_wait_minutes,
        car_access_kmh=t.car_access_kmh,
        max_snap_m=t.max_snap_m,
        hwy_speeds=dict(t.hwy_speeds),
    )
    return TravelTimes(settings, load_networks(path, params, t.cache_dir))
