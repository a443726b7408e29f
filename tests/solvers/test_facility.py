"""The facility-location model shared by the programme planner: the capacitated p-median on
the public instances (known optima) and its side rules on tiny cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.instances.pmedcap_instances import read_pmedcap
from solvers.assignment import CoreParams
from solvers.facility import (
    FacilityProblem,
    pmedian_cost,
    pmedian_greedy,
    pmedian_problem,
    solve_facility,
)

PMEDCAP = Path(__file__).resolve().parents[3] / "shared" / "data" / "pmedcap"


@pytest.mark.slow
@pytest.mark.parametrize("k", range(1, 11))
def test_pmedcap_reaches_the_known_optimum(k):
    """Nine of the ten prove their optimum in under 2 s. pmedcap1-08 is never proved (its gap
    closes only by search) and uses the whole limit: it finds 820 within 30 s on a free core,
    so its limit is 60 s, not the benchmark's 30 s, to pass on a machine whose other core is
    busy (seen failing at 30 s with three loads on two cores)."""
    inst = read_pmedcap(PMEDCAP / f"pmedcap1-{k:02d}.txt")
    d = inst.distances()
    res = solve_facility(
        pmedian_problem(d, inst.demand, inst.p, inst.capacity),
        CoreParams(60.0 if k == 8 else 30.0, 1, linearization_level=2),
    )
    assert pmedian_cost(d, inst.demand, inst.p, inst.capacity, res.site_of_client) == inst.optimum
    greedy = pmedian_cost(
        d, inst.demand, inst.p, inst.capacity, pmedian_greedy(d, inst.demand, inst.p, inst.capacity)
    )
    assert greedy is None or greedy >= inst.optimum


def test_pmedian_checker_rejects_broken_answers():
    d = np.array([[0, 5, 9], [5, 0, 4], [9, 4, 0]])
    demand = np.array([1, 1, 1])
    assert pmedian_cost(d, demand, 1, 3, np.array([1, 1, 1])) == 9
    assert pmedian_cost(d, demand, 1, 2, np.array([1, 1, 1])) is None  # over capacity
    assert pmedian_cost(d, demand, 2, 3, np.array([1, 1, 1])) is None  # one median, not two
    assert (
        pmedian_cost(d, demand, 1, 3, np.array([1, 0, 1])) is None
    )  # 1 is a median not serving itself


def test_reader_names_a_bad_file(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("1 10\n3 1 5\n1 0 0 1\n")
    with pytest.raises(ValueError, match="x.txt"):
        read_pmedcap(bad)


def _tiny(**kw) -> FacilityProblem:
    """Three clients, two sites; client costs to site 0 are low, to site 1 high."""
    base = dict(
        n_clients=3,
        n_sites=2,
        pair_client=np.array([0, 0, 1, 1, 2, 2]),
        pair_site=np.array([0, 1, 0, 1, 0, 1]),
        pair_cost=np.array([1, 10, 1, 10, 1, 10]),
        pair_load=np.ones(6, np.int64),
        site_capacity=np.array([3, 3]),
    )
    base.update(kw)
    return FacilityProblem(**base)


def test_capacity_and_minimum_load():
    res = solve_facility(_tiny(site_capacity=np.array([2, 3])), CoreParams(5))
    assert sorted(np.bincount(res.site_of_client, minlength=2).tolist()) == [1, 2]
    # a site open must carry at least two: the one left over cannot open site 1 alone, so it stays out
    res = solve_facility(
        _tiny(
            site_capacity=np.array([2, 3]),
            site_min_load=np.array([2, 2]),
            must_assign=False,
            unassigned_cost=np.array([5, 5, 5]),
        ),
        CoreParams(5),
    )
    assert (
        (res.site_of_client == 0).sum() == 2
        and (res.site_of_client == -1).sum() == 1
        and not res.open_sites[1]
    )


def test_opening_cost_gathers_clients():
    # free opening: clients split by cost; costly opening: one site serves all
    cost = np.array([1, 2, 2, 1, 1, 2])
    res = solve_facility(_tiny(pair_cost=cost), CoreParams(5))
    assert res.open_sites.all()
    res = solve_facility(_tiny(pair_cost=cost, site_open_cost=np.array([10, 10])), CoreParams(5))
    assert res.open_sites.sum() == 1


@pytest.mark.slow
def test_pmedian_search_after_a_short_first_solve_reaches_the_optimum(monkeypatch):
    """A first solve cut very short leaves the median LNS, the Lagrangian pricing and the
    price-guided neighbourhoods to find the optimum (and here to prove it)."""
    import solvers.facility as facility

    calls = []
    real = facility.search_near_bound
    monkeypatch.setattr(
        facility, "search_near_bound", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    inst = read_pmedcap(PMEDCAP / "pmedcap1-07.txt")
    d = inst.distances()
    res = solve_facility(
        pmedian_problem(d, inst.demand, inst.p, inst.capacity),
        CoreParams(20.0, 1, linearization_level=2),
        first_share=0.02,
    )
    assert calls, "the whole-model solve should not have finished in 0.4 s"
    assert (
        pmedian_cost(d, inst.demand, inst.p, inst.capacity, res.site_of_client)
        == res.stats.objective
        == inst.optimum
    )
    assert res.stats.bound <= inst.optimum
    assert res.open_sites.sum() == inst.p
