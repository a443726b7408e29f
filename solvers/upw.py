"""The weekly Unpaid Work problem's solvers: the greedy first-fit baseline, the LP-guided MIP
(`solve_mip`, the default: each phase a HiGHS MIP, solvers/upw_mip.py, whose docstring says why)
and the CP-SAT model (`solve_cpsat`, kept as the alternative, and proving small PDUs' phases
where the LP is loose).

Why not min-cost flow: the week is an assignment of people to sessions, but the
women's rules (never the only woman in a crew unless she agrees; never in an all-male session
when she asks), co-defendants who must not meet and the per-person ETE and weekly-hour budgets
tie sessions together in ways a flow network cannot express. The model is small per PDU
(people x sessions they can reach on days they are free), so an exact solver takes it whole.

Supervisors (when the week has them): a GROUP or WORKSHOP session runs only with one rostered
supervisor, one Boolean per (supervisor, session) they may run; its crew is at most that
supervisor's crew (and the crew bus's seats when it leaves from a pickup point), a supervisor
runs at most one session a day, and nobody is rostered to a session with no crew.

Inductions (when the week has slots): INDUCTION sessions take only people who need one, at
most one each, and each of their work sessions comes on a later day than their induction.

Hours are in minutes throughout (integers). Three phases, each held in the next:
1. reach: place as many as possible of the people who come first (behind the pace needed to
   finish within 12 months, or due to start), the furthest behind weighing most;
2. hours: maximise the total credited minutes (the people who come first win ties);
3. travel and stability: minimise travel minutes (heavily over 60 each way), moves away
   from last week's placement and the rostered supervisors' drives.
Then anyone still travelling over 60 minutes is moved to a closer session that fits, if any.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.sat.python import cp_model

from solvers.assignment import CoreParams, keep_apart, partners, run
from solvers.types import SearchObserver, SolveStats, stop_asked
from solvers.upw_mip import CUT_ROUNDS, PhaseParams, lp_bound, solve_phase, week_mip
from solvers.upw_problem import (
    UpwProblem,
    company_sessions,
    credited,
    induction_sessions,
    needs_company,
    placed,
    supervised,
)


@dataclass
class UpwResult:
    sessions_of_person: list[list[int]]  # pair indices chosen, per person
    chosen: np.ndarray  # bool per pair
    stats: SolveStats
    phases: list[SolveStats] = field(default_factory=list)
    roster: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # bool per roster pair


def _roster_by(problem: UpwProblem) -> list[list[int]]:
    """Roster pairs per session."""
    out: list[list[int]] = [[] for _ in problem.session_ids]
    for q, s in enumerate(problem.roster_session.tolist()):
        out[s].append(q)
    return out


def _pairs_by(problem: UpwProblem):
    by_person: list[list[int]] = [[] for _ in problem.person_ids]
    by_session: list[list[int]] = [[] for _ in problem.session_ids]
    for k, (i, s) in enumerate(zip(problem.pair_person.tolist(), problem.pair_session.tolist())):
        by_person[i].append(k)
        by_session[s].append(k)
    return by_person, by_session


def fits(problem: UpwProblem, state: dict, k: int) -> bool:
    """Would adding pair k to the week in `state` keep every hard rule: room (in the session
    and in its supervisor's crew, or a supervisor free to take it), one session a day, weekly
    and ETE budgets, exclusions and women's company (used by the greedy and the repair; the
    CP-SAT model states the same rules as constraints)."""
    i, s = int(problem.pair_person[k]), int(problem.pair_session[k])
    if state["count"][s] >= _room(problem, state, s) or state["days"][i] & (
        1 << int(problem.session_day[s])
    ):
        return False
    if state["minutes"][i] + problem.pair_minutes[k] > problem.person_max_minutes[i]:
        return False
    if (
        problem.session_is_ete[s]
        and state["ete"][i] + problem.pair_minutes[k] > problem.person_ete_budget_minutes[i]
    ):
        return False
    if any(j in state["members"][s] for j in state["excluded"].get(i, ())):
        return False
    if not _induction_order_ok(problem, state, i, s):
        return False
    return _women_ok(problem, state["members"][s] | {i}, s)


def _induction_order_ok(problem: UpwProblem, state: dict, i: int, s: int) -> bool:
    """Induction before work: one induction, before any work session of the week; work only
    after it (for whoever needs one)."""
    if problem.person_needs_induction is None or not problem.person_needs_induction[i]:
        return True
    d = int(problem.session_day[s])
    if induction_sessions(problem)[s]:
        return state["ind_day"][i] < 0 and not state["work_days"][i] & ((2 << d) - 1)
    return 0 <= state["ind_day"][i] < d


def _room(problem: UpwProblem, state: dict, s: int) -> int:
    """Places in session s: its capacity, and when it needs a supervisor the crew of the one
    rostered (or of the best one free that day; none free: no room)."""
    cap = int(problem.session_capacity[s])
    if not state["supervised"][s]:
        return cap
    q = state["sup_of"][s]
    if q < 0:
        q = _free_supervisor(problem, state, s)
    return min(cap, int(problem.roster_crew[q])) if q >= 0 else 0


def _free_supervisor(problem: UpwProblem, state: dict, s: int) -> int:
    """The roster pair that would take session s: a supervisor not rostered that day, the
    largest crew first, then the shortest drive (-1 if none is free)."""
    bit = 1 << int(problem.session_day[s])
    free = [
        q
        for q in state["roster_of"][s]
        if not state["sup_days"][problem.roster_supervisor[q]] & bit
    ]
    if not free:
        return -1
    return min(free, key=lambda q: (-problem.roster_crew[q], problem.roster_cost[q], q))


def _women_ok(problem: UpwProblem, members: set[int], s: int) -> bool:
    women = [i for i in members if problem.person_female[i]]
    men = len(members) - len(women)
    return not (men > 0 and len(women) < 2 and any(needs_company(problem, i, s) for i in women))


@dataclass(frozen=True)
class UpwParams:
    """How the Unpaid Work model searches and what it weighs (built from the config's [upw] by
    `engine.unpaid_work.plan.solver_params`)."""

    time_limit_seconds: float
    target_travel_minutes: int  # each way: longer trips are penalised, then repaired
    over_target_hours_weight: (
        int  # hours phase, per minute over the target each way (10 a credited minute)
    )
    workers: int = 1
    random_seed: int = 7
    lp_bounds: bool = True  # CP-SAT: prove the reach and hours phases with the LP's bound too
    proof_gap: float = 0.002  # MIP: a phase stops once proved within this relative gap
    support_tolerance: float = 1e-6  # MIP: pairs the LP gives less are left out at first
    cut_rounds: int = CUT_ROUNDS  # MIP: rounds of supervisor cuts on each phase's LP
    proof_target: float = 0.01  # MIP: a maximised phase further than this from its LP bound...
    proof_seconds: float = 0.5  # ...gets this long with CP-SAT, whose bound is sound


def solve_greedy(problem: UpwProblem, params: UpwParams) -> UpwResult:
    """First fit, most behind first: each person takes the nearest sessions that still fit;
    then the long-trip repair, since a later arrival can make a closer session fit (company)."""
    t0 = time.perf_counter()
    start = (
        problem.pair_fixed.copy()
        if problem.pair_fixed is not None
        else np.zeros(len(problem.pair_person), bool)
    )
    roster = (
        problem.roster_fixed.copy()
        if problem.roster_fixed is not None
        else np.zeros(len(problem.roster_session), bool)
    )
    chosen, roster = fill(problem, start, roster)
    chosen, roster = shorten_long_trips(problem, chosen, params.target_travel_minutes, roster)
    stats = SolveStats("HEURISTIC", None, None, time.perf_counter() - t0, "upw-greedy")
    return UpwResult(_per_person(problem, chosen), chosen, stats, [stats], roster)


def fill(
    problem: UpwProblem, chosen: np.ndarray, roster: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Keep `chosen` (and its `roster`) and add sessions first-fit: people in priority order
    (then most behind), each taking the nearest sessions that still fit until their hours are
    covered; a supervised session's first member brings its supervisor."""
    by_person, _ = _pairs_by(problem)
    out = chosen.copy()
    state = _state(problem, out, roster)
    order = sorted(
        range(len(problem.person_ids)),
        key=lambda i: (-problem.person_priority[i], -problem.person_behind_weight[i], i),
    )
    induction = induction_sessions(problem)
    for i in order:
        for k in sorted(by_person[i], key=lambda k: _fill_order(problem, induction, k)):
            if state["minutes"][i] >= problem.person_remaining_minutes[i]:
                break
            if not out[k] and fits(problem, state, k):
                _apply(problem, state, out, k, +1)
    return out, _roster_of(problem, state)


def _fill_order(problem: UpwProblem, induction: np.ndarray, k: int) -> tuple:
    """The induction first (the earliest), then the nearest sessions."""
    s = int(problem.pair_session[k])
    if induction[s]:
        return (0, int(problem.session_day[s]), int(problem.pair_cost[k]), k)
    return (1, 0, int(problem.pair_cost[k]), k)


def _state(problem: UpwProblem, chosen: np.ndarray, roster: np.ndarray | None = None) -> dict:
    """The week's running totals for `chosen`: the supervisors in `roster` first, then each
    supervised session still without one gets the best free supervisor."""
    n_s, n_p = len(problem.session_ids), len(problem.person_ids)
    kept: set[int] = set()  # sessions whose supervisor a re-plan keeps even if emptied
    state = {
        "count": np.zeros(n_s, int),
        "days": np.zeros(n_p, np.int64),
        "minutes": np.zeros(n_p, np.int64),
        "ete": np.zeros(n_p, np.int64),
        "members": [set() for _ in range(n_s)],
        "excluded": partners(problem.exclusions),
        "supervised": supervised(problem),
        "sup_of": np.full(n_s, -1, np.int64),  # roster pair running each session
        "sup_days": np.zeros(len(problem.supervisor_ids), np.int64),  # day bits rostered
        "roster_of": _roster_by(problem),
        "sup_fixed": kept,
        "induction": induction_sessions(problem),
        "ind_day": np.full(n_p, -1, np.int64),  # day of the person's induction, if any
        "work_days": np.zeros(n_p, np.int64),  # day bits of work sessions
    }
    if roster is not None:
        fixed = problem.roster_fixed
        for q in np.nonzero(roster)[0]:
            _roster(problem, state, int(q), +1)
            if fixed is not None and fixed[q]:
                kept.add(int(problem.roster_session[q]))
    for k in np.nonzero(chosen)[0]:
        _apply(problem, state, None, int(k), +1)
    return state


def _roster(problem: UpwProblem, state: dict, q: int, sign: int) -> None:
    s = int(problem.roster_session[q])
    state["sup_of"][s] = q if sign > 0 else -1
    bit = 1 << int(problem.session_day[s])
    j = int(problem.roster_supervisor[q])
    state["sup_days"][j] = state["sup_days"][j] | bit if sign > 0 else state["sup_days"][j] & ~bit


def _roster_of(problem: UpwProblem, state: dict) -> np.ndarray:
    out = np.zeros(len(problem.roster_session), bool)
    q = state["sup_of"]
    out[q[q >= 0]] = True
    return out


def shorten_long_trips(
    problem: UpwProblem, chosen: np.ndarray, limit: int, roster: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Move anyone travelling over `limit` minutes to a session within it that fits (room, day,
    weekly and ETE budgets, exclusions, women's company on both sides, a supervisor) and
    credits no fewer hours; a trip stays long only when no such session exists. Repeated until
    nothing moves, since one move can open room or company for another (each move removes a
    long trip, so it ends). Returns the schedule and its roster."""
    out = chosen.copy()
    state = _state(problem, out, roster)
    by_person, _ = _pairs_by(problem)
    fixed = problem.pair_fixed if problem.pair_fixed is not None else np.zeros(len(out), bool)
    moved = True
    while moved:
        moved = False
        for k in sorted(
            np.nonzero(out & (problem.pair_travel > limit) & ~fixed)[0],
            key=lambda k: -problem.pair_travel[k],
        ):
            i, s = int(problem.pair_person[k]), int(problem.pair_session[k])
            if not _women_ok(problem, state["members"][s] - {i}, s):
                continue  # she keeps company for another woman there
            _apply(problem, state, out, int(k), -1)
            options = [
                k2
                for k2 in by_person[i]
                if not out[k2]
                and problem.pair_travel[k2] <= limit
                and problem.pair_credited[k2] >= problem.pair_credited[k]
                and fits(problem, state, k2)
            ]
            best = min(options, key=lambda k2: (problem.pair_cost[k2], k2)) if options else int(k)
            _apply(problem, state, out, best, +1)
            moved |= best != k
    return out, _roster_of(problem, state)


def _apply(problem: UpwProblem, state: dict, chosen: np.ndarray | None, k: int, sign: int) -> None:
    """Add (+1) or remove (-1) pair k from the week's running totals (and from `chosen`); a
    supervised session's first member rosters its supervisor, its last one releases them
    (unless a re-plan keeps that supervisor there)."""
    i, s = int(problem.pair_person[k]), int(problem.pair_session[k])
    if chosen is not None:
        chosen[k] = sign > 0
    bit = 1 << int(problem.session_day[s])
    state["count"][s] += sign
    state["days"][i] = state["days"][i] | bit if sign > 0 else state["days"][i] & ~bit
    state["minutes"][i] += sign * problem.pair_minutes[k]
    if problem.session_is_ete[s]:
        state["ete"][i] += sign * problem.pair_minutes[k]
    (state["members"][s].add if sign > 0 else state["members"][s].discard)(i)
    if state["induction"][s]:
        state["ind_day"][i] = int(problem.session_day[s]) if sign > 0 else -1
    else:
        w = state["work_days"]
        w[i] = w[i] | bit if sign > 0 else w[i] & ~bit
    if state["supervised"][s]:
        if sign > 0 and state["sup_of"][s] < 0:
            q = _free_supervisor(problem, state, s)
            if q >= 0:  # none free only for a schedule given from outside (the checker says)
                _roster(problem, state, q, +1)
        elif (
            sign < 0
            and state["count"][s] == 0
            and state["sup_of"][s] >= 0
            and s not in state["sup_fixed"]
        ):
            _roster(problem, state, int(state["sup_of"][s]), -1)


def _per_person(problem: UpwProblem, chosen: np.ndarray) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in problem.person_ids]
    for k in np.nonzero(chosen)[0]:
        out[int(problem.pair_person[k])].append(int(k))
    return out


SHARES = {"reach": 0.25, "hours": 0.5, "travel": 0.25}  # of a week's time, by phase


def phases(problem: UpwProblem, params: UpwParams) -> list[tuple[str, int, tuple]]:
    """The three lexicographic phases: (name, sense +1 max / -1 min, objective terms
    (w_credit, w_placed, w_pair, w_roster)). No reach phase when nobody comes first."""
    n_p, n_q = len(problem.person_ids), len(problem.roster_session)
    none_q = np.zeros(n_q, np.int64)
    steps = [
        ("reach", +1, (*_reach_terms(problem), none_q)),
        ("hours", +1, (*_hours_terms(problem, params), none_q)),
        (
            "travel",
            -1,
            (
                np.zeros(n_p, np.int64),
                np.zeros(n_p, np.int64),
                problem.pair_cost.astype(np.int64),
                problem.roster_cost.astype(np.int64),
            ),
        ),
    ]
    if not problem.person_priority.any():
        return steps[1:]  # nobody behind pace or due to start: nothing to put first
    return steps


def solve_mip(
    problem: UpwProblem,
    params: UpwParams,
    observer: SearchObserver | None = None,
    greedy: UpwResult | None = None,
) -> UpwResult:
    """The three phases, each an LP-guided MIP (solvers/upw_mip.py, HiGHS; why a MIP is in
    its docstring), each held in the next at the value of the schedule kept, from the greedy
    schedule; then the long-trip repair. A phase that proves its gap early leaves its time to
    the phases after it. Never worse than greedy on the first phase."""
    t_start = time.perf_counter()
    greedy = greedy or solve_greedy(problem, params)
    if len(problem.pair_person) == 0:
        return _nothing(problem, "upw-mip")
    best, roster = greedy.chosen, greedy.roster
    mip = week_mip(problem)
    model: _UpwModel | None = None  # CP-SAT's, built only if a phase needs its proof
    steps = phases(problem, params)
    held: list[tuple[tuple, float | None]] = []
    stats: list[SolveStats] = []
    for n, (name, sense, terms) in enumerate(steps):
        share = SHARES[name] / sum(SHARES[m] for m, _, _ in steps[n:])
        left = params.time_limit_seconds - (time.perf_counter() - t_start)
        phase = PhaseParams(
            max(0.05, left * share),
            params.proof_gap,
            support_tolerance=params.support_tolerance,
            cut_rounds=params.cut_rounds,
            random_seed=params.random_seed,
            observer=observer,
        )
        got, st = solve_phase(mip, [*held, (terms, None)], sense, phase, name, (best, roster))
        if got is not None and _holds(problem, *got, held):
            best, roster = got
        stopped = stop_asked(observer)  # then the best so far, at once
        if sense > 0 and not stopped and (st.gap is None or st.gap > params.proof_target):
            model = model or _UpwModel(problem)
            st, (best, roster) = _prove(
                model, problem, params, held, terms, st, best, roster, observer
            )
            st = replace(st, seconds=time.perf_counter() - t_start - sum(p.seconds for p in stats))
        if name == "reach":  # the reach phase values nobody else: give the others their sessions
            best, roster = fill(problem, best, roster)
        value = evaluate(problem, best, roster, *terms)
        stats.append(_kept(st, value, sense))
        held.append((terms, value))
        if observer is not None:
            observer.report(name, float(value), stats[-1].bound, force=True)
    best, roster = shorten_long_trips(problem, best, params.target_travel_minutes, roster)
    status = "OPTIMAL" if all(p.status == "OPTIMAL" for p in stats) else "FEASIBLE"
    last = stats[-1]
    total = SolveStats(status, last.objective, last.bound, time.perf_counter() - t_start, "upw-mip")
    return UpwResult(_per_person(problem, best), best, total, stats, roster)


def _nothing(problem: UpwProblem, name: str) -> UpwResult:
    """A week with no eligible pair: nothing to plan, proved."""
    st = SolveStats("OPTIMAL", 0.0, 0.0, 0.0, name)
    none = np.zeros(len(problem.roster_session), bool)
    return UpwResult([[] for _ in problem.person_ids], np.zeros(0, bool), st, [st], none)


def _prove(
    model: _UpwModel,
    problem: UpwProblem,
    params: UpwParams,
    held: list[tuple[tuple, float | None]],
    terms: tuple,
    st: SolveStats,
    best: np.ndarray,
    roster: np.ndarray,
    observer: SearchObserver | None = None,
) -> tuple[SolveStats, tuple[np.ndarray, np.ndarray]]:
    """A maximised phase the LP left more than `proof_target` from its bound: CP-SAT searches
    the same phase from the schedule kept (earlier phases held) for `proof_seconds`. On small
    PDUs it proves the optimum in hundredths of a second where the LP stays a few percent
    above it (supervisors split fractionally); its bound is sound, so the phase keeps the
    better of the two bounds, and a better schedule if CP-SAT finds one. A stop request ends
    it (before, these searches ran on after a Ctrl-C: on the East Midlands region's weeks,
    87 of them, 28 s before a stopped run ended)."""
    model.hint(best, roster)
    with_held = model.model.clone()  # the rules and the hint; the phases go on the copy
    for t, v in held:
        with_held.add(model.expression(*t) >= int(v or 0))
    with_held.maximize(model.expression(*terms))
    core = CoreParams(params.proof_seconds, params.workers, params.random_seed, observer=observer)
    solver, got = run(with_held, core, st.name + "-cpsat")
    if got.objective is not None:
        chosen = np.array([solver.boolean_value(v) for v in model.x], dtype=bool)
        rostered = np.array([solver.boolean_value(v) for v in model.r], dtype=bool)
        if _holds(problem, chosen, rostered, held) and evaluate(
            problem, chosen, rostered, *terms
        ) > evaluate(problem, best, roster, *terms):
            best, roster = chosen, rostered
    value = evaluate(problem, best, roster, *terms)
    bounds = [b for b in (st.bound, got.bound) if b is not None]
    bound = min(bounds) if bounds else None
    return replace(st, objective=float(value), bound=bound), (best, roster)


def _holds(problem: UpwProblem, chosen, roster, held: list[tuple[tuple, float | None]]) -> bool:
    """Does a schedule keep every earlier phase at its value (computed exactly, not within the
    MIP's tolerances)?"""
    return all(evaluate(problem, chosen, roster, *t) >= (v or 0) for t, v in held)


def _kept(st: SolveStats, value: int, sense: int) -> SolveStats:
    """A phase's stats for the schedule kept (after the reach phase's fill): its objective,
    and the bound rounded to an integer (every phase's objective is one), never on the wrong
    side of the value (LP tolerances)."""
    bound = st.bound
    if bound is not None:
        bound = float(np.floor(bound + 1e-6) if sense > 0 else np.ceil(bound - 1e-6))
        bound = max(bound, value) if sense > 0 else min(bound, value)
    status = st.status
    if bound is not None and bound == value:
        status = "OPTIMAL"
    elif status == "OPTIMAL":
        status = "FEASIBLE"
    return replace(st, objective=float(value), bound=bound, status=status)


def solve_cpsat(
    problem: UpwProblem,
    params: UpwParams,
    observer: SearchObserver | None = None,
    greedy: UpwResult | None = None,
) -> UpwResult:
    """Three lexicographic phases, each held in the next at the value of the best schedule
    known (so a phase cut short never lets a later one give anything away), then the long-trip
    repair. The greedy schedule is the first hint, so the result is never worse than greedy on
    the first phase."""
    t_start = time.perf_counter()
    n_k = len(problem.pair_person)
    greedy = greedy or solve_greedy(problem, params)  # the caller's baseline, when it has one
    if n_k == 0:
        return _nothing(problem, "upw-cpsat")
    mod = _UpwModel(problem)
    best, roster = greedy.chosen, greedy.roster
    done: list[SolveStats] = []
    steps = phases(problem, params)
    total = sum(SHARES[name] for name, _, _ in steps)
    held: list[tuple[tuple, int]] = []  # each maximised phase's terms and the value kept
    for name, sense, terms in steps:
        expr = mod.expression(*terms)
        (mod.model.maximize if sense > 0 else mod.model.minimize)(expr)
        mod.hint(best, roster)
        limit = max(0.05, params.time_limit_seconds * SHARES[name] / total)
        core = CoreParams(limit, params.workers, params.random_seed, observer=observer)
        solver, st = run(mod.model, core, name)
        if st.objective is not None:
            best = np.array([solver.boolean_value(v) for v in mod.x], dtype=bool)
            roster = np.array([solver.boolean_value(v) for v in mod.r], dtype=bool)
        if (
            name == "reach"
        ):  # the reach phase values nobody else: give the others their sessions back
            best, roster = fill(problem, best, roster)
        value = evaluate(problem, best, roster, *terms)
        if sense > 0 and params.lp_bounds:  # prove it: the LP relaxation's bound, if tighter
            st = tighter(st, lp_bound(problem, [*held, (terms, value)]), value)
        done.append(st)
        held.append((terms, value))
        mod.model.add(expr >= value if sense > 0 else expr <= value)
    best, roster = shorten_long_trips(problem, best, params.target_travel_minutes, roster)
    status = "OPTIMAL" if all(p.status == "OPTIMAL" for p in done) else "FEASIBLE"
    last = done[-1]
    stats = SolveStats(
        status, last.objective, last.bound, time.perf_counter() - t_start, "upw-cpsat"
    )
    return UpwResult(_per_person(problem, best), best, stats, done, roster)


def tighter(st: SolveStats, lp: float | None, value: int) -> SolveStats:
    """A maximised phase's stats with the better of CP-SAT's bound and the LP's (rounded
    down: the objective is an integer), and the objective of the schedule kept."""
    bounds = [
        b for b in (st.bound, None if lp is None else float(np.floor(lp + 1e-6))) if b is not None
    ]
    bound = min(bounds) if bounds else None
    if bound is not None and bound < value:  # never below what was found (LP tolerance)
        bound = float(value)
    status = "OPTIMAL" if bound is not None and bound <= value else st.status
    return replace(st, objective=float(value), bound=bound, status=status)


def _reach_terms(problem: UpwProblem):
    """Phase 1: reach the people who come first (behind pace, or due to start): a weight per
    person placed at all; nothing per credited minute or per pair."""
    n_p = len(problem.person_ids)
    return (
        np.zeros(n_p, np.int64),
        problem.person_priority.astype(np.int64),
        np.zeros(len(problem.pair_person), np.int64),
    )


def _hours_terms(problem: UpwProblem, params: UpwParams):
    """Phase 2: total credited minutes (ten units a minute, eleven for the people who come
    first, so among equal totals theirs win); each minute over the travel target each way costs
    `over_target_hours_weight` units per pair, so among schedules with the same hours the closer
    sessions win."""
    weight = 10 + (problem.person_priority > 0).astype(np.int64)
    target = params.target_travel_minutes
    over = params.over_target_hours_weight * 2 * np.maximum(problem.pair_travel - target, 0)
    return weight, np.zeros(len(problem.person_ids), np.int64), -over.astype(np.int64)


def evaluate(
    problem: UpwProblem, chosen: np.ndarray, roster: np.ndarray, w_credit, w_placed, w_pair, w_q
) -> int:
    """The phase objective of a schedule and its roster, computed outside the solver (for
    holding it)."""
    return int(
        (credited(problem, chosen) * w_credit).sum()
        + (placed(problem, chosen) * w_placed).sum()
        + w_pair[chosen].sum()
        + w_q[roster].sum()
    )


class _UpwModel:
    """The hard rules as CP-SAT constraints over one Boolean per eligible (person, session)
    pair, with per-person credited minutes and a placed flag, named for the explanations."""

    def __init__(self, problem: UpwProblem):
        self.problem = pr = problem
        n_p, n_s = len(pr.person_ids), len(pr.session_ids)
        by_person, by_session = _pairs_by(pr)
        m = self.model = cp_model.CpModel()
        x = self.x = [
            m.new_bool_var(f"x[{pr.person_ids[i]}@{pr.session_ids[s]}]")
            for i, s in zip(pr.pair_person.tolist(), pr.pair_session.tolist())
        ]
        if pr.pair_fixed is not None:
            for k in np.nonzero(pr.pair_fixed)[0]:
                m.add(x[k] == 1)
        for s in range(n_s):  # capacity
            if by_session[s]:
                m.add(sum(x[k] for k in by_session[s]) <= int(pr.session_capacity[s]))
        for i in range(n_p):
            ks = by_person[i]
            if not ks:
                continue
            for d in range(7):  # one session a day
                day = [x[k] for k in ks if pr.session_day[pr.pair_session[k]] == d]
                if len(day) > 1:
                    m.add_at_most_one(day)
            m.add(sum(int(pr.pair_minutes[k]) * x[k] for k in ks) <= int(pr.person_max_minutes[i]))
            ete = [k for k in ks if pr.session_is_ete[pr.pair_session[k]]]
            if ete:
                m.add(
                    sum(int(pr.pair_minutes[k]) * x[k] for k in ete)
                    <= int(pr.person_ete_budget_minutes[i])
                )
        keep_apart(
            m, x, pr.pair_person, pr.pair_session, pr.exclusions
        )  # co-defendants never together
        self.has_men: dict[int, cp_model.IntVar] = {}
        for s, men, women, guarded in company_sessions(pr):  # women's company rules
            has_men = self.has_men[s] = m.new_bool_var(f"has_men[{pr.session_ids[s]}]")
            m.add(sum(x[k] for k in men) <= len(men) * has_men)
            for g in guarded:
                m.add(sum(x[w] for w in women) >= 2).only_enforce_if([x[g], has_men])
        self.r = self._roster(by_session)
        self._inductions(by_person)
        self.cred, self.placed = [], []
        for i in range(n_p):  # credited minutes, capped at what is left to work; placed at all
            ks = by_person[i]
            c = m.new_int_var(
                0, int(pr.person_remaining_minutes[i]), f"credited[{pr.person_ids[i]}]"
            )
            y = m.new_bool_var(f"placed[{pr.person_ids[i]}]")
            m.add(c <= sum(int(pr.pair_credited[k]) * x[k] for k in ks) if ks else c == 0)
            m.add(y <= sum(x[k] for k in ks)) if ks else m.add(y == 0)
            self.cred.append(c)
            self.placed.append(y)

    def _roster(self, by_session: list[list[int]]) -> list[cp_model.IntVar]:
        """One Boolean per (supervisor, session) they may run: a supervised session runs with
        one supervisor, its crew within theirs; one session a day each; nobody rostered to an
        empty session; a re-plan keeps its rostered pairs."""
        pr, m, x = self.problem, self.model, self.x
        r = [
            m.new_bool_var(f"roster[{pr.supervisor_ids[j]}@{pr.session_ids[s]}]")
            for j, s in zip(pr.roster_supervisor.tolist(), pr.roster_session.tolist())
        ]
        by_sess = _roster_by(pr)
        for s in np.nonzero(supervised(pr))[0]:
            crew = [x[k] for k in by_session[s]]
            rs = by_sess[s]
            if not rs:  # nobody can supervise it: it does not run
                for v in crew:
                    m.add(v == 0)
                continue
            m.add_at_most_one(r[q] for q in rs)
            m.add(sum(crew) <= sum(int(pr.roster_crew[q]) * r[q] for q in rs))
            m.add(sum(r[q] for q in rs) <= sum(crew))
        days: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for q, (j, s) in enumerate(zip(pr.roster_supervisor.tolist(), pr.roster_session.tolist())):
            days.setdefault((j, int(pr.session_day[s])), []).append(r[q])
        for vs in days.values():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        if pr.roster_fixed is not None:
            for f in np.nonzero(pr.roster_fixed)[0]:
                m.add(r[int(f)] == 1)
        return r

    def _inductions(self, by_person: list[list[int]]) -> None:
        """Whoever needs an induction has at most one, and each work session only on a day
        after it."""
        pr, m, x = self.problem, self.model, self.x
        if pr.person_needs_induction is None:
            return
        ind = induction_sessions(pr)
        for i in np.nonzero(pr.person_needs_induction)[0]:
            ks = by_person[i]
            inds = [k for k in ks if ind[pr.pair_session[k]]]
            if len(inds) > 1:
                m.add_at_most_one(x[k] for k in inds)
            for k in ks:
                if ind[pr.pair_session[k]]:
                    continue
                d = pr.session_day[pr.pair_session[k]]
                before = [x[k2] for k2 in inds if pr.session_day[pr.pair_session[k2]] < d]
                if before:
                    m.add(x[k] <= sum(before))
                else:  # no induction before that day: no work that day
                    m.add(x[k] == 0)

    def expression(self, w_credit, w_placed, w_pair, w_q) -> cp_model.LinearExpr:
        return (
            cp_model.LinearExpr.weighted_sum(self.cred, np.asarray(w_credit).tolist())
            + cp_model.LinearExpr.weighted_sum(self.placed, np.asarray(w_placed).tolist())
            + cp_model.LinearExpr.weighted_sum(self.x, np.asarray(w_pair).tolist())
            + cp_model.LinearExpr.weighted_sum(self.r, np.asarray(w_q).tolist())
        )

    def hint(self, chosen: np.ndarray, roster: np.ndarray) -> None:
        """A complete hint (every variable), so the solver starts from this schedule at once."""
        pr, m = self.problem, self.model
        m.clear_hints()
        for k, v in enumerate(self.x):
            m.add_hint(v, bool(chosen[k]))
        for q, v in enumerate(self.r):
            m.add_hint(v, bool(roster[q]))
        for c, val in zip(self.cred, credited(pr, chosen).tolist()):
            m.add_hint(c, int(val))
        for y, val in zip(self.placed, placed(pr, chosen).tolist()):
            m.add_hint(y, bool(val))
        men = np.zeros(len(pr.session_ids), bool)
        men[pr.pair_session[chosen & ~pr.person_female[pr.pair_person]]] = True
        for s, v in self.has_men.items():
            m.add_hint(v, bool(men[s]))
