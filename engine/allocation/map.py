"""HTML map (folium) of offices, homes and the 60/90-minute reach of a site, with credits."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.allocation.contract import Dataset
from geo.straight_line import haversine_km
from geo.travel import TravelTimes

CREDIT = (
    "Road network and map data © OpenStreetMap contributors (ODbL 1.0); "
    "boundaries ONS, Open Government Licence v3.0"
)
MAX_HOMES = 3000
LIMITS = ((60, "#2e7d32"), (90, "#ef6c00"))


def reach_minutes(
    times: TravelTimes, site: tuple[float, float], mode: str, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, str]:
    """Minutes from the site to each point (the network where it covers them) and the method."""
    m, k = times.matrix([site[0]], [site[1]], lat, lon, mode)
    return m[0], times.label(mode, int(np.bincount(k[0]).argmax()))


def write_map(
    ds: Dataset,
    times: TravelTimes,
    out: str | Path,
    site: tuple[float, float] | None = None,
    mode: str = "public_transport",
    pdu: str | None = None,
) -> Path:
    import folium

    pracs, cases = ds.practitioners, ds.cases
    if pdu:
        pracs, cases = pracs[pracs["pdu"] == pdu], cases[cases["pdu"] == pdu]
    offices = (
        pracs.groupby(["office_lat", "office_lon"])
        .agg(pdu=("pdu", "first"), staff=("practitioner_id", "size"))
        .reset_index()
    )
    if offices.empty:
        raise ValueError("no offices to draw (check --pdu)")
    site = site or (float(offices["office_lat"].iat[0]), float(offices["office_lon"].iat[0]))
    fmap = folium.Map(location=list(site), zoom_start=11, tiles="OpenStreetMap", attr=CREDIT)

    net = times.networks.get(mode)
    if net is not None:  # the reach over the network's nodes, coloured by limit
        mins, method = reach_minutes(times, site, mode, net.lat, net.lon)
        step = max(1, len(mins) // 4000)
        for limit, colour in reversed(LIMITS):
            lo = 60 if limit == 90 else -1
            idx = np.nonzero((mins > lo) & (mins <= limit))[0][::step]
            for i in idx:
                folium.CircleMarker(
                    [float(net.lat[i]), float(net.lon[i])],
                    radius=2,
                    color=colour,
                    fill=True,
                    weight=0,
                    fill_opacity=0.6,
                ).add_to(fmap)
    else:  # fallback: straight-line radius reachable in the limit
        t = times.settings
        method = times.label(mode, 1)
        for limit, colour in reversed(LIMITS):
            km = t.speed_kmh[mode] * limit / 60 / t.detour_factor
            folium.Circle(
                list(site),
                radius=km * 1000,
                color=colour,
                fill=False,
                tooltip=f"{limit} min ({method})",
            ).add_to(fmap)

    sample = cases.sample(min(len(cases), MAX_HOMES), random_state=0) if len(cases) else cases
    for r in sample.itertuples():
        folium.CircleMarker(
            [r.home_lat, r.home_lon],
            radius=1.5,
            color="#555555",
            weight=0,
            fill=True,
            fill_opacity=0.5,
        ).add_to(fmap)
    for r in offices.itertuples():
        km = float(haversine_km(site[0], site[1], r.office_lat, r.office_lon))
        folium.Marker(
            [r.office_lat, r.office_lon],
            tooltip=f"{r.pdu}: {r.staff} staff ({km:.1f} km from the site)",
            icon=folium.Icon(color="blue", icon="briefcase"),
        ).add_to(fmap)
    folium.Marker(list(site), tooltip="site", icon=folium.Icon(color="red")).add_to(fmap)
    legend = (
        f"<div style='position:fixed;bottom:20px;left:20px;z-index:9999;background:white;padding:8px;"
        f"font:12px sans-serif;border:1px solid #999'><b>Reach of the site by {mode}</b><br>"
        f"<span style='color:{LIMITS[0][1]}'>&#9679;</span> within 60 min &nbsp;"
        f"<span style='color:{LIMITS[1][1]}'>&#9679;</span> 60-90 min<br>Travel: {method}<br>"
        f"<small>{CREDIT}</small></div>"
    )
    fmap.get_root().html.add_child(folium.Element(legend))  # type: ignore[attr-defined]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fmap.save(str(out))
    return out
