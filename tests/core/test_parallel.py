"""The night on Dask distributed: a LocalCluster gives the same checked proposals as the
process pool; a part that keeps failing is retried, then reported with the greedy fallback,
and the other parts are kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.allocation.check import check_files
from engine.allocation.pipeline import (
    RunOptions,
    _fallback,
    _solve_one,
    run_night,
    solver_params,
)
from engine.core.parallel import PART_FAILED, solve_on_dask
from engine.core.progress import RunAbandoned
from engine.synthetic import SyntheticSpec, generate, write_dataset
from tests.builders import NIGHT

pytestmark = pytest.mark.slow  # Dask


@pytest.fixture(scope="module")
def small_region(shared, tmp_path_factory, config):
    """A small East Midlands night: several PDUs, so several parts."""
    spec = SyntheticSpec(
        scale="region",
        region="East Midlands",
        seed=11,
        tight=True,
        run_date=NIGHT,
        n_practitioners=70,
        n_new=40,
    )
    pracs, cases, manifest = generate(shared / "data" / "boundaries", spec, config)
    return write_dataset(tmp_path_factory.mktemp("region"), pracs, cases, manifest)


CALLS: dict[str, int] = {}


def test_night_on_a_local_dask_cluster_matches_the_process_pool(small_region, tmp_path, config):
    dask = run_night(
        RunOptions(
            data=small_region, out=tmp_path / "d", config=config, progress=False, engine="dask"
        )
    )
    local = run_night(
        RunOptions(data=small_region, out=tmp_path / "p", config=config, progress=False, force=True)
    )
    assert check_files(small_region, tmp_path / "d" / "allocations.csv", config).ok
    assert dask.summary["failed_parts"] == []
    cols = ["case_id", "status", "practitioner_id"]
    a = dask.tables["decisions"][cols].sort_values("case_id").reset_index(drop=True)
    b = local.tables["decisions"][cols].sort_values("case_id").reset_index(drop=True)
    assert a.equals(b)  # one worker per part and a fixed seed: the same answer either way


def _flaky(key, solver_name, problem, params):
    """Fails every time for one part, works for the others."""
    CALLS[key] = CALLS.get(key, 0) + 1
    if key == FAILING[0]:
        raise RuntimeError("worker lost")
    return _solve_one(key, solver_name, problem, params)


FAILING = [""]


def test_failed_part_is_retried_reported_and_others_kept(small_region, config):
    from engine.allocation.contract import load_dataset
    from engine.allocation.plan import filter_scope, prepare_night
    from geo.travel import TravelTimes

    ds = load_dataset(small_region, config)
    cases, pracs = filter_scope(ds, None, None)
    plan = prepare_night(cases, pracs, config, ds.run_date, TravelTimes(config.travel))
    jobs = [
        (c.key, "cpsat", c.problem, solver_params(config, len(c.problem.pair_case), 1))
        for c in plan.components
    ]
    FAILING[0] = jobs[0][0]
    got = {}
    failed = solve_on_dask(
        jobs,
        _flaky,
        lambda k, r, b: got.__setitem__(k, (r, b)),
        _fallback,
        2,
        None,
        retries=2,
        processes=False,
    )
    assert [f["part"] for f in failed] == [FAILING[0]] and "worker lost" in failed[0]["error"]
    assert CALLS[FAILING[0]] == 3  # the first try and two retries
    assert set(got) == {j[0] for j in jobs}
    res, base = got[FAILING[0]]
    assert res.stats.status == PART_FAILED and np.array_equal(res.agent_of_item, base.agent_of_item)
    assert all(got[k][0].stats.status != PART_FAILED for k in got if k != FAILING[0])


def test_week_and_quarter_on_dask_match_the_process_pool(small_region, tmp_path, config):
    """The Unpaid Work week (one part per PDU) and the programme quarter (one part) take the
    same Dask path as the night, and give the same plans as on this machine."""
    from engine.core.lifecycle import RunOptions
    from engine.groups.pipeline import run_groups
    from engine.unpaid_work.pipeline import run_week

    def options(kind, engine, period):
        return RunOptions(
            small_region,
            tmp_path / f"{kind}-{engine}",
            config,
            period,
            solver="greedy",
            progress=False,
            engine=engine,
        )

    def week(engine):
        run_week(options("upw", engine, "2026-W48"))
        return pd.read_csv(tmp_path / f"upw-{engine}" / "upw_schedule.csv")

    def quarter(engine):
        s = run_groups(options("groups", engine, NIGHT.isoformat())).summary
        out = tmp_path / f"groups-{engine}"
        return s, pd.read_csv(out / "group_members.csv")

    on_dask, here = week("dask"), week("processes")
    assert len(on_dask) and on_dask.equals(here)
    (s_dask, m_dask), (s_here, m_here) = quarter("dask"), quarter("processes")
    assert len(m_dask) and m_dask.equals(m_here) and s_dask["started"] == s_here["started"]


def _abandoned(key, *args):
    raise RunAbandoned


def test_an_abandoned_part_on_dask_ends_the_batch_without_its_fallback(config):
    """A part that abandons its work (a signal, nothing to be kept) is not a failure to cover
    with the baseline: the batch ends there, and no fallback is planned."""
    fell_back = []
    with pytest.raises(RunAbandoned):
        solve_on_dask(
            [("quarter", None)],
            _abandoned,
            lambda k, r, b: None,
            lambda job, err: fell_back.append(job) or (None, None),
            1,
            None,
            retries=0,
            processes=False,
        )
    assert fell_back == []
