"""Road networks from the shared Rutland OpenStreetMap extract: plausible times, cut-offs,
the on-disk cache, clear errors, the fallback, and the hook into the allocator."""

from __future__ import annotations

import bz2
import shutil
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.cli import app
from geo.matrix import travel_minutes
from geo.network import NetworkError, NetworkParams, load_networks
from geo.travel import FALLBACK, NETWORK, UNREACHABLE, TravelTimes
from tests.builders import case, filler, practitioner

PLACES = {  # Rutland towns and villages (lat, lon)
    "Oakham": (52.6702, -0.7270),
    "Uppingham": (52.5887, -0.7236),
    "Empingham": (52.6660, -0.5950),
    "Cottesmore": (52.7127, -0.6660),
    "Ketton": (52.6270, -0.5530),
}
LONDON = (51.5072, -0.1276)


@pytest.fixture(scope="session")
def osm(shared):
    return shared / "data" / "osm" / "rutland-highways.osm.bz2"


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("netcache")


@pytest.fixture(scope="session")
def cached_config(config, cache):
    return config.model_copy(
        update={"travel": config.travel.model_copy(update={"cache_dir": str(cache)})}
    )


@pytest.fixture(scope="session")
def times(osm, cached_config):
    from geo.travel import travel_service

    return travel_service(
        cached_config.travel, str(osm)
    )  # built once here, then read from the cache


@pytest.fixture(scope="session")
def nets(times):
    return times.networks


def _arrays(names):
    return np.array([PLACES[n][0] for n in names]), np.array([PLACES[n][1] for n in names])


def test_oakham_to_uppingham_drive_is_plausible(times):
    m, k = times.matrix(
        [PLACES["Oakham"][0]],
        [PLACES["Oakham"][1]],
        [PLACES["Uppingham"][0]],
        [PLACES["Uppingham"][1]],
        "car",
    )
    assert k[0, 0] == NETWORK
    assert 7 <= m[0, 0] <= 25


def test_walk_slower_than_drive_for_every_pair(nets, config):
    lat, lon = _arrays(list(PLACES))
    car, cov_c = travel_minutes(nets["car"], lat, lon, lat, lon, 600)
    walk, cov_w = travel_minutes(nets["walk"], lat, lon, lat, lon, 600)
    off = ~np.eye(len(lat), dtype=bool)
    assert cov_c.all() and cov_w.all()
    assert (walk[off] > car[off]).all()
    bus, _ = travel_minutes(nets["public_transport"], lat, lon, lat, lon, 600)
    assert (bus[off] >= car[off]).all()  # a bus is never faster than a car


def test_cutoff_returns_unreachable_not_a_number(nets, times, config):
    lat, lon = _arrays(["Oakham", "Uppingham"])
    m, _ = travel_minutes(nets["walk"], lat[:1], lon[:1], lat[1:], lon[1:], cutoff_minutes=30)
    assert np.isinf(m[0, 0])
    short = TravelTimes(config.travel.model_copy(update={"cutoff_minutes": 30}), nets)
    mm, k = short.matrix(lat[:1], lon[:1], lat[1:], lon[1:], "walk")
    assert k[0, 0] == UNREACHABLE and mm[0, 0] == 31
    assert "unreachable within 30 min" in short.label("walk", UNREACHABLE)


def test_outside_the_network_uses_the_labelled_fallback(times):
    m, k = times.matrix(
        [PLACES["Oakham"][0]], [PLACES["Oakham"][1]], [LONDON[0]], [LONDON[1]], "car"
    )
    assert k[0, 0] == FALLBACK and m[0, 0] > 120
    assert "straight-line estimate" in times.label("car", FALLBACK)


@pytest.mark.slow
def test_cache_reused_and_invalidated_when_the_file_changes(osm, tmp_path):
    copy = tmp_path / "rutland.osm.bz2"
    shutil.copy(osm, copy)
    cache = tmp_path / "cache"
    first = load_networks(copy, NetworkParams(), cache)
    assert not first["car"].from_cache
    t0 = time.perf_counter()
    second = load_networks(copy, NetworkParams(), cache)
    assert second["car"].from_cache and time.perf_counter() - t0 < 1.0
    assert (second["car"].graph != first["car"].graph).nnz == 0
    # The same roads with a different file content: a new hash, so the cache is rebuilt.
    xml = bz2.decompress(copy.read_bytes()).replace(b"<osm ", b"<!-- edited --><osm ", 1)
    copy.write_bytes(bz2.compress(xml))
    third = load_networks(copy, NetworkParams(), cache)
    assert not third["car"].from_cache
    assert len(list(cache.glob("*.npz"))) == 2
    # ... and a changed parameter is a different cache entry too.
    assert not load_networks(copy, NetworkParams(bus_kmh=30.0), cache)["car"].from_cache


def test_missing_or_corrupt_file_is_a_clear_error(tmp_path):
    with pytest.raises(NetworkError, match="not found"):
        load_networks(tmp_path / "nope.osm", NetworkParams(), tmp_path)
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='52.6' lon='-0.7'><broken")
    with pytest.raises(NetworkError, match="bad.osm: cannot read OpenStreetMap XML"):
        load_networks(bad, NetworkParams(), tmp_path)
    trunc = tmp_path / "trunc.osm.bz2"
    trunc.write_bytes(b"BZh91AY&SY garbage")
    with pytest.raises(NetworkError, match="cannot read"):
        load_networks(trunc, NetworkParams(), tmp_path)


def test_matrix_matches_networkx_dijkstra(nets):
    import networkx as nx

    from geo.matrix import node_seconds

    g = nets["car"].graph
    G = nx.DiGraph()
    G.add_nodes_from(range(g.shape[0]))
    rows, cols = g.nonzero()
    G.add_weighted_edges_from(
        zip(rows.tolist(), cols.tolist(), np.asarray(g[rows, cols]).ravel().tolist())
    )
    rng = np.random.default_rng(0)
    src, dst = rng.choice(g.shape[0], 20), rng.choice(g.shape[0], 15)
    ours = node_seconds(nets["car"], src, dst, np.inf)
    for a, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(G, int(s))
        for b, d in enumerate(dst):
            assert ours[a, b] == pytest.approx(ref.get(int(d), np.inf), abs=1e-6)


def test_allocation_uses_road_times_and_says_so(night, osm, times, cached_config):
    cfg = cached_config
    oak, upp = PLACES["Oakham"], PLACES["Uppingham"]
    pracs = [practitioner("OAK", office_lat=oak[0], office_lon=oak[1])]
    cases = [
        case("NEAR", home_lat=upp[0], home_lon=upp[1], travel_mode="car"),
        case("FAR", home_lat=52.95, home_lon=-0.30),
    ] + filler("OAK", 300)
    dec, res = night(pracs, cases, cfg=cfg, osm_file=str(osm))
    assert dec.loc["NEAR", "travel_method"] == "road network (car)"
    assert 7 <= dec.loc["NEAR", "travel_minutes"] <= 25
    assert dec.loc["FAR", "travel_method"].startswith("straight-line estimate")
    assert dec.loc["FAR", "travel_minutes"] > 60
    assert "over the 60-minute target" in dec.loc["FAR", "reason"]
    assert res.summary["travel_network"]


@pytest.mark.slow  # the CLI parses the Rutland network afresh: about 9 s
def test_cli_travel_and_map(osm, cache, tmp_path, shared, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the default cache under ~ stays inside the test
    r = CliRunner()
    out = r.invoke(
        app,
        [
            "travel",
            "--from",
            "52.6702,-0.7270",
            "--to",
            "52.5887,-0.7236",
            "--mode",
            "car",
            "--osm",
            str(osm),
        ],
    )
    assert out.exit_code == 0 and "by car; method: road network (car)" in out.output
    minutes = int(out.output.split()[0])
    assert 7 <= minutes <= 25
    bad = r.invoke(app, ["travel", "--from", "-0.72,52.67", "--to", "52.5887,-0.7236"])
    assert bad.exit_code != 0 and "not in the UK" in bad.output
    data = tmp_path / "data"
    g = r.invoke(
        app,
        [
            "generate",
            "--scale",
            "pdu",
            "--region",
            "East Midlands",
            "--pdu",
            "Rutland PDU",
            "--practitioners",
            "12",
            "--new-cases",
            "5",
            "--date",
            "2026-11-23",
            "--out",
            str(data),
            "--boundaries",
            str(shared / "data" / "boundaries"),
        ],
    )
    assert g.exit_code == 0, g.output
    html = tmp_path / "map.html"
    m = r.invoke(
        app,
        [
            "map",
            "--data",
            str(data),
            "--osm",
            str(osm),
            "--out",
            str(html),
            "--site",
            "52.6702,-0.7270",
        ],
    )
    assert m.exit_code == 0, m.output
    text = html.read_text()
    assert "OpenStreetMap contributors" in text and "within 60 min" in text


def test_pairwise_equals_the_matrix_diagonal(times):
    names = list(PLACES)
    lat, lon = _arrays(names)
    lat = np.r_[lat, LONDON[0]]
    lon = np.r_[lon, LONDON[1]]
    to_lat, to_lon = lat[::-1], lon[::-1]
    for mode in ("car", "walk", "public_transport"):
        modes = [mode] * len(lat)
        pm, pk = times.pairwise(lat, lon, modes, to_lat, to_lon)
        mm, mk = times.matrix(lat, lon, to_lat, to_lon, mode)
        assert pm.tolist() == np.diagonal(mm).tolist()
        assert pk.tolist() == np.diagonal(mk).tolist()
    assert pk[0] == FALLBACK and pk[1] == NETWORK  # London at either end falls back


def test_car_trips_start_on_the_road_network_not_a_footway(nets, times):
    car, walk = nets["car"], nets["walk"]
    car.snap([52.67], [-0.72]), walk.snap([52.67], [-0.72])  # build the snapping sets
    footway_only = np.setdiff1d(walk._nodes, car._nodes)
    assert len(footway_only)
    i = int(footway_only[0])
    node, _ = car.snap([walk.lat[i]], [walk.lon[i]])
    assert node[0] != i and node[0] in set(car._nodes.tolist())
    m, k = times.matrix(
        [walk.lat[i]], [walk.lon[i]], [PLACES["Oakham"][0]], [PLACES["Oakham"][1]], "car"
    )
    assert k[0, 0] in (NETWORK, FALLBACK) and m[0, 0] < 60
