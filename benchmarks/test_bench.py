"""Fast seeded benchmarks (`make bench`): the products' own code paths, each timed beside the
baseline it is compared with in the same run.

- GAP core (CP-SAT) on public instances, with the optimum asserted, beside the HiGHS MIP.
- The facility-location model on a public p-median instance, beside HiGHS.
- One PDU allocation problem: CP-SAT allocator against the greedy baseline on the same arrays.
"""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.common import BOUNDARIES, SHARED
from benchmarks.instances.gap_instances import gap_cost, read_gap, read_optima
from engine.allocation.contract import load_dataset
from engine.allocation.plan import prepare_night, solver_params
from engine.core.config import load_config
from engine.synthetic import SyntheticSpec, generate, write_dataset
from solvers.allocation import objective_terms
from solvers.assignment import CoreParams, solve_gap
from solvers.registry import get_solver

GAP = SHARED / "data" / "gap"


@pytest.mark.parametrize("name", ["gap8-0", "gap12-0", "c05100"])
def test_gap_core(benchmark, name):
    inst = read_gap(GAP / name, read_optima(GAP)[name])
    res = benchmark.pedantic(
        solve_gap, args=(inst.cost, inst.weight, inst.capacity, CoreParams(30, 2)), rounds=3
    )
    assert gap_cost(inst, res.agent_of_item) == inst.optimum


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_gap_c05100(benchmark, solver):
    from benchmarks.registry import GAP_SOLVERS

    inst = read_gap(GAP / "c05100", read_optima(GAP)["c05100"])
    res = benchmark.pedantic(
        GAP_SOLVERS[solver], args=(inst.cost, inst.weight, inst.capacity, 30.0), rounds=3
    )
    assert gap_cost(inst, res.agent_of_item) == inst.optimum


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_pmedcap_01(benchmark, solver):
    from benchmarks.instances.pmedcap_instances import read_pmedcap
    from benchmarks.registry import PMEDCAP_SOLVERS
    from solvers.facility import pmedian_cost

    inst = read_pmedcap(SHARED / "data" / "pmedcap" / "pmedcap1-01.txt")
    d = inst.distances()
    res = benchmark.pedantic(
        PMEDCAP_SOLVERS[solver], args=(d, inst.demand, inst.p, inst.capacity, 30.0), rounds=3
    )
    assert pmedian_cost(d, inst.demand, inst.p, inst.capacity, res.site_of_client) == inst.optimum


@pytest.fixture(scope="module")
def pdu_problem(tmp_path_factory):
    cfg = load_config()
    folder = tmp_path_factory.mktemp("pdu")
    spec = SyntheticSpec(
        scale="pdu",
        region="East Midlands",
        pdu="Lincoln PDU",
        seed=42,
        tight=True,
        n_practitioners=60,
        n_new=60,
        run_date=date(2026, 11, 23),
    )
    write_dataset(folder, *generate(BOUNDARIES, spec, cfg))
    ds = load_dataset(folder, cfg)
    plan = prepare_night(ds.cases, ds.practitioners, cfg, date(2026, 11, 23))
    comp = plan.components[0]
    return comp.problem, solver_params(cfg, len(comp.problem.pair_case), 2)


@pytest.mark.parametrize("solver", ["greedy", "cpsat"])
def test_pdu_allocation(benchmark, pdu_problem, solver):
    problem, params = pdu_problem
    res = benchmark.pedantic(get_solver(solver), args=(problem, params), rounds=3)
    terms = objective_terms(problem, res.agent_of_item, params)
    greedy = objective_terms(problem, get_solver("greedy")(problem, params).agent_of_item, params)
    benchmark.extra_info.update(
        {k: terms[k] for k in ("allocated", "peak_permille", "spread", "travel")}
    )
    benchmark.extra_info["allocated_vs_greedy"] = terms["allocated"] - greedy["allocated"]
    assert terms["allocated"] >= greedy["allocated"]
    assert terms["peak_permille"] <= greedy["peak_permille"]


def test_travel_matrix_1000x50(benchmark):
    """The product's CSR travel matrix on the Rutland car network (`benchmarks/travel.py`
    times the networkx loop beside it and checks the figures match)."""
    import numpy as np

    from geo.matrix import travel_minutes
    from geo.travel import travel_service

    net = travel_service(
        load_config().travel, str(SHARED / "data" / "osm" / "rutland-highways.osm.bz2")
    ).networks["car"]
    rng = np.random.default_rng(1)
    o, d = rng.choice(len(net.lat), 1000), rng.choice(len(net.lat), 50)
    minutes, covered = benchmark(
        travel_minutes, net, net.lat[o], net.lon[o], net.lat[d], net.lon[d], 90.0
    )
    assert covered.mean() > 0.99 and np.isfinite(minutes).mean() > 0.99
