"""Straight-line travel estimate: great-circle km x detour factor / mode speed.

The honest fallback for places outside a loaded road network; results are labelled as
estimates wherever they are shown.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088
LABEL = "straight-line estimate"


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km; arguments broadcast like numpy arrays."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def travel_minutes(lat1, lon1, lat2, lon2, speed_kmh: float, detour_factor: float) -> np.ndarray:
    """Door-to-door minutes each way, rounded up to whole minutes."""
    km = haversine_km(lat1, lon1, lat2, lon2) * detour_factor
    return np.ceil(km / speed_kmh * 60.0).astype(np.int64)
