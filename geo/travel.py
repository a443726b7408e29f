"""Travel-time provider used by the engine. Road-network times come with the geo issue; until
then (and for places outside a loaded network) the labelled straight-line estimate is used."""
from __future__ import annotations

import numpy as np

from engine.config import Config
from geo.straight_line import LABEL, travel_minutes


def minutes_matrix(config: Config, from_lat, from_lon, to_lat, to_lon) -> np.ndarray:
    """[from x to] whole minutes each way by the configured mode."""
    t = config.travel
    return travel_minutes(
        np.asarray(from_lat, dtype=float)[:, None], np.asarray(from_lon, dtype=float)[:, None],
        np.asarray(to_lat, dtype=float)[None, :], np.asarray(to_lon, dtype=float)[None, :],
        t.speed_kmh[t.mode], t.detour_factor,
    )


def method_label(config: Config) -> str:
    return f"{LABEL} ({config.travel.mode}, x{config.travel.detour_factor} detour, {config.travel.speed_kmh[config.travel.mode]:g} km/h)"
