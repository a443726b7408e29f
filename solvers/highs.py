"""One HiGHS solve of a model given as sparse rows: minimise cost.x with row and column bounds,
the columns integral where asked, from an optional starting solution, within a time limit, and
stoppable by the caller's observer. Both the product (the Unpaid Work phases) and the
benchmarks' MIP baselines call it, so the MIP figures measure the same solver the product runs.
highspy is pinned below 1.15, which clashes with ortools 9.15 in one process."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
from scipy import sparse

from solvers.types import SearchObserver, SolveStats, stop_asked

_STATUS = {"Optimal": "OPTIMAL", "Time limit reached": "FEASIBLE", "Infeasible": "INFEASIBLE"}
_WATCH_EVERY_SECONDS = 0.2  # how often a running solve asks the observer whether to stop
# A solve still running this long past its time limit is interrupted in HiGHS's callbacks, as
# HiGHS 1.14 does not check its own limit everywhere. Not in a MIP's root cut round, where no
# callback is called either: there the wide joint model of solvers.groups_mip once ran 35.7 s
# of its 16 s (seed 5), and a programme's MIP alone 10.5 s of 8 s
_OVERRUN_SECONDS = 0.5
# A MIP's `stall` counts only its search seen in callbacks: a gap between two callbacks longer
# than this (a root's cut rounds, where the sub-MIP heuristic that finds the next plan comes
# only after them; seed 29's joint model went 11.5 s between two plans there) restarts it
_STALL_GAP_SECONDS = 1.0


@dataclass(frozen=True)
class HighsParams:
    """How one HiGHS solve runs."""

    time_limit_seconds: float
    mip_rel_gap: float = 0.0  # stop once proved within this relative gap (0: to optimality)
    threads: int = 1
    random_seed: int = 7
    observer: SearchObserver | None = None
    lp_method: str = "choose"  # HiGHS's `solver`: choose | simplex | ipm (an LP's method)
    # stop once the MIP's dual bound reaches this (minimising: nothing below it exists), as
    # when a plan in hand already has it: proving what is known to be proved wastes the time
    stop_at_bound: float | None = None
    # (seconds, objective): a MIP stops that many seconds in once its best solution is at or
    # below that objective; without one it runs on to `time_limit_seconds` (a search that has
    # found nothing yet is better given the rest of the time than stopped empty-handed)
    enough: tuple[float, float] | None = None
    # (seconds, idle, objective): a MIP stops that many seconds in once its best solution is at
    # or below that objective and no better one has come for `idle` seconds (a search that has
    # gone quiet after a plan better than its start: the time is worth more to what runs next)
    stall: tuple[float, float, float] | None = None
    # HiGHS's `mip_pool_soft_limit` (None: its default, 10,000 rows): a small cut pool ends a
    # MIP's root cut rounds sooner, so its sub-MIP heuristics run earlier
    cut_pool: int | None = None


@dataclass(frozen=True)
class LinearModel:
    """min cost.x subject to row_lower <= A x <= row_upper, col_lower <= x <= col_upper, the
    columns marked in `integral` integer."""

    cost: np.ndarray
    a: sparse.spmatrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integral: np.ndarray  # bool per column


class Rows:
    """Sparse rows a.x <= b."""

    def __init__(self) -> None:
        self.i: list[int] = []
        self.j: list[int] = []
        self.v: list[float] = []
        self.b: list[float] = []

    def add(self, cols, vals, bound: float) -> None:
        cols = [int(c) for c in cols]
        self.i += [len(self.b)] * len(cols)
        self.j += cols
        self.v += [float(v) for v in vals]
        self.b.append(float(bound))

    def add_matrix(self, a) -> None:
        """The rows of a sparse matrix, each <= 0."""
        a = a.tocoo()
        n = len(self.b)
        self.i += (a.row + n).tolist()
        self.j += a.col.tolist()
        self.v += a.data.tolist()
        self.b += [0.0] * a.shape[0]

    def matrix(self, n_cols: int) -> sparse.csr_matrix:
        return sparse.coo_matrix((self.v, (self.i, self.j)), shape=(len(self.b), n_cols)).tocsr()

    def copy(self) -> Rows:
        out = Rows()
        out.i, out.j, out.v, out.b = list(self.i), list(self.j), list(self.v), list(self.b)
        return out


def solve(
    model: LinearModel, params: HighsParams, name: str = "", start: np.ndarray | None = None
) -> tuple[np.ndarray | None, SolveStats]:
    """Solve `model` (from `start`, a feasible point, when given). Returns the columns' values
    (None without a feasible solution) and the stats: the objective and HiGHS's dual bound (for
    a model with no integer column, the LP optimum is both). A stop request ends the solve with
    the best solution found (status FEASIBLE), or before it begins (STOPPED)."""
    if stop_asked(params.observer):
        return None, SolveStats("STOPPED", None, None, 0.0, name)
    t0 = time.perf_counter()
    h = _highs(model, params)
    if start is not None:
        h.setSolution(_solution(start))
    h.run()
    return _result(h, model, name, time.perf_counter() - t0)


@dataclass(frozen=True)
class LpOptimum:
    """An LP's optimum with its duals: what prices the pairs of a model too large to search
    whole (each column's reduced cost: how far the LP bound rises per unit of it)."""

    x: np.ndarray
    row_dual: np.ndarray
    reduced_cost: np.ndarray


def solve_lp(
    model: LinearModel, params: HighsParams, name: str = ""
) -> tuple[LpOptimum | None, SolveStats]:
    """Solve `model`'s LP relaxation; its optimum and duals (None unless proved optimal: duals
    of a stopped simplex price nothing)."""
    if stop_asked(params.observer):
        return None, SolveStats("STOPPED", None, None, 0.0, name)
    t0 = time.perf_counter()
    model = replace(model, integral=np.zeros(len(model.cost), bool))
    h = _highs(model, params)
    h.run()
    x, stats = _result(h, model, name, time.perf_counter() - t0)
    if x is None or stats.status != "OPTIMAL":
        return None, stats
    sol = h.getSolution()
    return LpOptimum(x, np.asarray(sol.row_dual), np.asarray(sol.col_dual)), stats


# An interior point stops within 1e-8 of the optimum (HiGHS's ipm_optimality_tolerance, relative
# to the objective), so its value less this share of (1 + |value|) is below the optimum
_IPM_MARGIN = 1e-7


def presolved_lp_bound(model: LinearModel, params: HighsParams, name: str = "") -> SolveStats:
    """A dual bound on the MIP `model` (minimising): the LP relaxation of HiGHS's MIP presolve
    of it, by interior point without crossover (only its value is wanted), within the time
    limit. Why: the presolve tightens what the plain LP leaves loose, and in seconds where the
    MIP's own search takes minutes. Four programmes of the East Midlands quarter (seed 42)
    whose LP bounds 372 people started (355 with each held to its own proved bound) are bounded
    at 349.3 this way in 4 s, where their MIP's root reaches 349.6 at 13 s and its proof 348 at
    40 s; the whole quarter with each programme held to its own bound, 950.5 on seed 17 (the
    programmes' sum 956) in 20-40 s. Presolve keeps an optimum of the MIP, not every solution,
    so the bound holds for the MIP's optimum, which is all a bound is for. Status OPTIMAL with
    the bound, else UNKNOWN (or STOPPED) without one."""
    if stop_asked(params.observer):
        return SolveStats("STOPPED", None, None, 0.0, name)
    t0 = time.perf_counter()
    h = _highs(model, params)
    h.presolve()
    kind = h.getModelPresolveStatus()
    if kind == highspy.HighsPresolveStatus.kInfeasible:  # no plan at all: nothing to bound
        return SolveStats("INFEASIBLE", None, None, time.perf_counter() - t0, name)
    if kind == highspy.HighsPresolveStatus.kReducedToEmpty:  # presolve solved it
        h.run()
        return _bound_of(h.getInfo().mip_dual_bound, t0, name)
    if kind == highspy.HighsPresolveStatus.kReduced:
        lp = h.getPresolvedLp()
    elif kind == highspy.HighsPresolveStatus.kNotReduced:
        lp = _lp(model)
    else:  # out of time (or HiGHS could not say): no bound
        return SolveStats("UNKNOWN", None, None, time.perf_counter() - t0, name)
    lp.integrality_ = []
    left = params.time_limit_seconds - (time.perf_counter() - t0)
    relaxed = _load(lp, replace(params, time_limit_seconds=left, lp_method="ipm"), True)
    relaxed.setOptionValue("run_crossover", "off")
    relaxed.run()
    optimal = relaxed.modelStatusToString(relaxed.getModelStatus()) == "Optimal"
    value = relaxed.getInfo().objective_function_value if optimal else None
    return _bound_of(value, t0, name)


def _bound_of(value: float | None, t0: float, name: str) -> SolveStats:
    """A presolved LP's stats: its value less the interior point's margin as the bound."""
    seconds = time.perf_counter() - t0
    if value is None or not np.isfinite(value):
        return SolveStats("UNKNOWN", None, None, seconds, name)
    bound = float(value) - _IPM_MARGIN * (1.0 + abs(float(value)))
    return SolveStats("OPTIMAL", None, bound, seconds, name)


def _highs(model: LinearModel, params: HighsParams) -> highspy.Highs:
    """A HiGHS instance holding `model`, set up by `params` (and watched by its observer)."""
    return _load(_lp(model), params, not np.any(model.integral))


def _load(lp: highspy.HighsLp, params: HighsParams, relaxed: bool) -> highspy.Highs:
    """A HiGHS instance holding `lp`, set up by `params` (`lp_method` where it is `relaxed`, an
    LP) and watched by its observer."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.01, float(params.time_limit_seconds)))
    h.setOptionValue("threads", int(params.threads))
    h.setOptionValue("random_seed", int(params.random_seed))
    h.setOptionValue("mip_rel_gap", float(params.mip_rel_gap))
    if relaxed:
        h.setOptionValue("solver", params.lp_method)
    elif params.cut_pool is not None:
        h.setOptionValue("mip_pool_soft_limit", int(params.cut_pool))
    h.passModel(lp)
    _watch(h, params.observer, params)
    return h


class OpenLp:
    """An LP relaxation kept open, so that rows (cutting planes) can be added and the LP
    solved again from its last basis (the dual simplex then needs a few iterations, not a
    fresh solve)."""

    def __init__(self, model: LinearModel, params: HighsParams, name: str = "") -> None:
        self.name, self.params = name, params
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("threads", int(params.threads))
        self.model = replace(model, integral=np.zeros(len(model.cost), bool))
        self.h.passModel(_lp(self.model))
        if params.observer is not None:
            _watch(self.h, params.observer)

    def solve(self, time_limit: float) -> tuple[np.ndarray | None, SolveStats]:
        """Solve (again) within `time_limit` seconds: the optimum, or None and UNKNOWN."""
        if stop_asked(self.params.observer):
            return None, SolveStats("STOPPED", None, None, 0.0, self.name)
        t0 = time.perf_counter()
        self.h.setOptionValue("time_limit", max(0.01, float(time_limit)))
        self.h.run()
        return _result(self.h, self.model, self.name, time.perf_counter() - t0)

    def add_rows(self, a: sparse.spmatrix, upper: np.ndarray) -> None:
        """Rows a.x <= upper."""
        a = sparse.csr_matrix(a)
        n = a.shape[0]
        lower = np.full(n, -highspy.kHighsInf)
        self.h.addRows(
            n,
            lower,
            np.asarray(upper, float),
            a.nnz,
            a.indptr[:-1].astype(np.int32),
            a.indices.astype(np.int32),
            a.data.astype(float),
        )


def _lp(model: LinearModel) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    a = sparse.csc_matrix(model.a)
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.asarray(model.cost, float)
    lp.col_lower_ = np.asarray(model.col_lower, float)
    lp.col_upper_ = np.asarray(model.col_upper, float)
    lp.row_lower_ = np.asarray(model.row_lower, float)
    lp.row_upper_ = np.asarray(model.row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data.astype(float)
    if np.any(model.integral):
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if f else kinds.kContinuous for f in model.integral]
    return lp


def _solution(values: np.ndarray) -> highspy.HighsSolution:
    sol = highspy.HighsSolution()
    sol.col_value = np.asarray(values, float).tolist()
    sol.value_valid = True
    return sol


def _watch(h: highspy.Highs, obs: SearchObserver | None, limits: HighsParams | None = None) -> None:
    """Interrupt the solve when the observer is asked to stop (asked at most every 0.2 s), and
    by `limits` (none for an LP kept open, whose solves each have their own time): a MIP once
    its dual bound reaches `stop_at_bound` (read only in the MIP's callbacks: a simplex's has
    no MIP bound) or, `enough` = (seconds, objective) from now on, once its best solution is at
    or below that objective, or, `stall` = (seconds, idle, objective) from now on, once its
    best solution is at or below that objective and has not improved in `idle` seconds of
    search between callbacks (HiGHS calls back nowhere in a root's cut rounds, after which its
    sub-MIP may find the next plan: a gap between callbacks restarts the count), or anything
    still running `_OVERRUN_SECONDS` past `time_limit_seconds` from now (HiGHS's own limit is
    not checked everywhere)."""
    stop_at_bound = limits.stop_at_bound if limits is not None else None
    time_limit = limits.time_limit_seconds if limits is not None else None
    enough = limits.enough if limits is not None else None
    stall = limits.stall if limits is not None else None
    last = [0.0]
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit + _OVERRUN_SECONDS
    # the best solution's objective, and since when the search has looked on without a better
    # one (moved on past any gap between callbacks: `_STALL_GAP_SECONDS`)
    best = [np.inf, start]
    seen = [start]  # the last callback

    def asked(event) -> None:
        now = time.perf_counter()
        if deadline is not None and now > deadline:
            event.interrupt()
        elif obs is not None and now - last[0] >= _WATCH_EVERY_SECONDS:
            last[0] = now
            if obs.stopped():
                event.interrupt()

    def mip(event) -> None:
        out = event.data_out
        now = time.perf_counter()
        if out.mip_primal_bound < best[0] or now - seen[0] > _STALL_GAP_SECONDS:
            best[1] = now
        best[0], seen[0] = min(best[0], out.mip_primal_bound), now
        if stop_at_bound is not None and out.mip_dual_bound >= stop_at_bound:
            event.interrupt()
        elif enough is not None and now - start >= enough[0] and out.mip_primal_bound <= enough[1]:
            event.interrupt()
        elif (
            stall is not None
            and now - start >= stall[0]
            and out.mip_primal_bound <= stall[2]
            and now - best[1] >= stall[1]
        ):
            event.interrupt()
        else:
            asked(event)

    h.cbMipInterrupt += mip
    h.cbSimplexInterrupt += asked
    h.cbIpmInterrupt += asked


def _result(
    h: highspy.Highs, model: LinearModel, name: str, seconds: float
) -> tuple[np.ndarray | None, SolveStats]:
    text = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has = info.primal_solution_status == 2  # a feasible solution
    x = np.asarray(h.getSolution().col_value) if has else None
    objective = float(info.objective_function_value) if has else None
    if np.any(model.integral):
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    else:
        bound = objective if text == "Optimal" else None
    status = _STATUS.get(text, "FEASIBLE" if has else "UNKNOWN")
    if status == "INFEASIBLE" or not has:
        status = "INFEASIBLE" if text == "Infeasible" else "UNKNOWN"
    return x, SolveStats(status, objective, bound, seconds, name)
