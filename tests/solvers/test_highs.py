"""solvers.highs: a MIP stopped once its dual bound reaches what a plan in hand already has, or
once it runs past its time limit, or once it has a good enough plan after a while, or once its
search has gone quiet after a plan good enough."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse

from solvers import highs
from solvers.highs import HighsParams, LinearModel, solve


def _knapsacks(seed: int = 3, items: int = 60, rows: int = 6) -> LinearModel:
    """A multi-dimensional knapsack (maximise value as min -value): presolve cannot settle it,
    so HiGHS reaches its MIP search, where the bound is watched."""
    rng = np.random.default_rng(seed)
    a = rng.integers(5, 60, size=(rows, items)).astype(float)
    return LinearModel(
        -rng.integers(10, 100, size=items).astype(float),
        sparse.csr_matrix(a),
        np.full(rows, -np.inf),
        a.sum(axis=1) / 3,
        np.zeros(items),
        np.ones(items),
        np.ones(items, bool),
    )


def test_a_mip_runs_to_its_proof_without_a_bound_to_stop_at():
    x, st = solve(_knapsacks(), HighsParams(30.0))
    assert x is not None and st.status == "OPTIMAL"
    assert st.bound is not None and abs(st.bound - st.objective) < 1e-6


def test_a_mips_cut_pool_is_held_to_the_soft_limit_asked():
    """`cut_pool` sets HiGHS's cut pool soft limit (else HiGHS's own, 10,000), and a MIP run
    with a small pool is still proved at the same optimum."""
    for asked, held in ((7, 7), (None, 10_000)):
        h = highs._highs(_knapsacks(), HighsParams(1.0, cut_pool=asked))
        assert h.getOptionValue("mip_pool_soft_limit")[1] == held
    _, default = solve(_knapsacks(), HighsParams(30.0))
    _, small = solve(_knapsacks(), HighsParams(30.0, cut_pool=7))
    assert small.status == default.status == "OPTIMAL"
    assert small.objective is not None and default.objective is not None
    assert abs(small.objective - default.objective) < 1e-6


def test_a_mip_stops_once_its_bound_reaches_the_value_asked():
    _, proved = solve(_knapsacks(), HighsParams(30.0))
    # asked to stop at a bound every search has from its first node: it stops unproved there
    _, st = solve(_knapsacks(), HighsParams(30.0, stop_at_bound=-1e12))
    assert st.status != "OPTIMAL"
    assert st.bound is not None and st.bound >= -1e12 and st.bound < proved.objective - 1e-6


def test_a_solve_past_its_time_limit_is_interrupted_by_the_watch(monkeypatch):
    # the watch's deadline moved to 29.8 s before HiGHS's own 30 s limit: the watch ends it
    monkeypatch.setattr(highs, "_OVERRUN_SECONDS", -29.8)
    t0 = time.perf_counter()
    _, st = solve(_knapsacks(items=400, rows=30), HighsParams(30.0))
    assert time.perf_counter() - t0 < 5.0
    assert st.status != "OPTIMAL"


@pytest.mark.parametrize(
    "after, objective, proved",
    [(0.0, 0.0, False), (0.0, -1e12, True), (1e3, 0.0, True)],
)
def test_a_mip_stops_once_it_has_enough_after_the_seconds_asked(after, objective, proved):
    """Asked to stop from the first second once it has a solution at or below 0 (any has): it
    stops unproved; asked for an objective no solution reaches, or only after 1,000 s, it runs
    to its proof."""
    params = HighsParams(30.0, enough=(after, objective))
    x, st = solve(_knapsacks(), params)
    assert x is not None and (st.status == "OPTIMAL") == proved


@pytest.mark.parametrize(
    "after, idle, objective, proved",
    [(0.0, 0.0, 0.0, False), (0.0, 0.0, -1e12, True), (0.0, 1e3, 0.0, True), (1e3, 0.0, 0.0, True)],
)
def test_a_mip_stops_once_its_search_has_gone_quiet_after_a_good_enough_plan(
    after, idle, objective, proved
):
    """Asked to stop from the first second once it has a solution at or below 0 (any has) and
    none better for 0 s: it stops unproved; asked for an objective no solution reaches, or to
    wait 1,000 s without a better one, or to begin only after 1,000 s, it runs to its proof."""
    x, st = solve(_knapsacks(), HighsParams(30.0, stall=(after, idle, objective)))
    assert x is not None and (st.status == "OPTIMAL") == proved


def _two_binaries_at_most(total: float) -> LinearModel:
    """max x1 + x2 over binaries with x1 + x2 <= total."""
    return LinearModel(
        -np.ones(2),
        sparse.csr_matrix(np.ones((1, 2))),
        np.array([-np.inf]),
        np.array([total]),
        np.zeros(2),
        np.ones(2),
        np.ones(2, bool),
    )


def test_the_presolved_lp_bounds_tighter_than_the_lp_where_presolve_rounds():
    """x1 + x2 <= 1.5 over binaries: the LP's bound is 1.5, the presolve's 1 (the row rounded
    down, as its columns are whole), which is the MIP's optimum."""
    model = _two_binaries_at_most(1.5)
    _, lp = solve(replace(model, integral=np.zeros(2, bool)), HighsParams(5))
    st = highs.presolved_lp_bound(model, HighsParams(5))
    assert lp.bound == pytest.approx(-1.5)
    assert st.status == "OPTIMAL" and st.bound == pytest.approx(-1.0, abs=1e-6)
    assert st.bound <= -1.0  # never above the optimum: the interior point's margin taken off


def test_the_presolved_lp_bound_lies_between_the_mip_optimum_and_the_lp():
    model = _knapsacks()
    _, mip = solve(model, HighsParams(30))
    _, lp = solve(replace(model, integral=np.zeros(60, bool)), HighsParams(5))
    st = highs.presolved_lp_bound(model, HighsParams(10))
    assert mip.status == "OPTIMAL" and st.status == "OPTIMAL"
    assert lp.bound - 1e-3 <= st.bound <= mip.objective  # the margin: 1e-7 of the value


def test_the_presolved_lp_bound_is_not_begun_once_a_stop_is_asked():
    class Stopped:
        def stopped(self) -> bool:
            return True

        def report(self, *a, **k) -> None:
            pass

    st = highs.presolved_lp_bound(_knapsacks(), HighsParams(5, observer=Stopped()))
    assert st.status == "STOPPED" and st.bound is None


class _Event:
    """What HiGHS hands a MIP callback: its bounds so far, and the interrupt it may ask."""

    def __init__(self, primal: float) -> None:
        self.data_out = type("Out", (), {"mip_primal_bound": primal, "mip_dual_bound": -1e9})
        self.stopped = False

    def interrupt(self) -> None:
        self.stopped = True


class _Registry:
    """One callback list of a stand-in for highspy.Highs: `+=` keeps the function."""

    def __init__(self) -> None:
        self.fns: list = []

    def __iadd__(self, fn):
        self.fns.append(fn)
        return self


class _Callbacks:
    """A stand-in for highspy.Highs, for `_watch` to register its callbacks on."""

    def __init__(self) -> None:
        self.cbMipInterrupt = _Registry()
        self.cbSimplexInterrupt = _Registry()
        self.cbIpmInterrupt = _Registry()


def _stall_watch(monkeypatch, clock: list[float]):
    """`_watch`'s MIP callback with `stall` = (0 s, 5 s idle, at or below 0), on `clock` (an
    hour's limit: never reached)."""
    monkeypatch.setattr(highs.time, "perf_counter", lambda: clock[0])
    h = _Callbacks()
    highs._watch(h, None, HighsParams(3600.0, stall=(0.0, 5.0, 0.0)))
    return h.cbMipInterrupt.fns[0]


def test_a_stall_counts_the_search_seen_in_callbacks_not_a_gap_between_them(monkeypatch):
    """A plan at -1 (better than 0) at 1 s, then callbacks every half second with nothing
    better: stopped once 5 s of them have passed. The same with a 10 s gap without callbacks
    (a root's cut rounds) after the plan: the count starts again after it, so not stopped at
    the first callback after the gap, only 5 s of search later."""
    clock = [0.0]
    mip = _stall_watch(monkeypatch, clock)
    stops = []
    for t in [1.0 + 0.5 * k for k in range(12)]:
        clock[0] = t
        e = _Event(-1.0)
        mip(e)
        stops.append((t, e.stopped))
    assert [t for t, s in stops if s][0] == 6.0

    clock = [0.0]
    mip = _stall_watch(monkeypatch, clock)
    stops = []
    for t in [1.0, 11.0] + [11.0 + 0.5 * k for k in range(1, 12)]:
        clock[0] = t
        e = _Event(-1.0)
        mip(e)
        stops.append((t, e.stopped))
    assert [t for t, s in stops if s][0] == 16.0
