"""The weekly Unpaid Work problem as arrays, its greedy first-fit baseline and its CP-SAT model.

Why CP-SAT and not min-cost flow: the week is an assignment of people to sessions, but the
women's rules (never the only woman in a crew unless she agrees; never in an all-male session
when she asks), co-defendants who must not meet and the per-person ETE and weekly-hour budgets
tie sessions together in ways a flow network cannot express. The model is small per PDU
(people x sessions they can reach on days they are free), so CP-SAT solves it directly.

Hours are in minutes throughout (integers). Two phases, the first held in the second:
1. hours, most behind first: maximise credited minutes, each person's weighted by 1 + the
   hours they are behind the pace needed to finish within 12 months (so an hour for someone
   40 hours behind counts 41 times an hour for someone on pace), plus four sessions' worth
   (same weight) for each person placed at all, so the week reaches more people;
2. travel and stability: minimise travel minutes (heavily over 60 each way) and moves away
   from last week's placement.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solvers.assignment import CoreParams, run
from solvers.types import SolveStats


@dataclass
class UpwProblem:
    """One PDU's week. People i, sessions s, eligible pairs k (every per-pair rule already held:
    day available, kind, public facing, women only, travel limits, ETE budget)."""

    person_ids: list[str]
    session_ids: list[str]
    session_day: np.ndarray  # day index 0..6
    session_capacity: np.ndarray
    session_is_ete: np.ndarray  # bool
    session_needs_company: np.ndarray  # bool: a GROUP/WORKSHOP/ETE session (people work together)
    session_is_group: np.ndarray  # bool
    person_female: np.ndarray  # bool
    person_lone_ok: np.ndarray  # bool: a woman content to be the only woman in a crew
    person_prefers_not_all_male: np.ndarray  # bool
    person_max_minutes: np.ndarray  # weekly planned minutes at most
    person_remaining_minutes: np.ndarray  # hours still to work, in minutes
    person_ete_budget_minutes: np.ndarray  # ETE minutes still allowed
    person_behind_weight: np.ndarray  # int >= 0: how far behind pace (0 = on pace)
    exclusions: list[tuple[int, int]]  # people who must never share a session
    pair_person: np.ndarray
    pair_session: np.ndarray
    pair_minutes: np.ndarray  # session minutes (work)
    pair_credited: np.ndarray  # work minutes + supervised travel credited (both ways, capped)
    pair_travel: np.ndarray  # travel minutes each way
    pair_cost: np.ndarray  # phase-2 cost: travel (penalised over 60) + move from last week's placement
    pair_fixed: np.ndarray | None = None  # bool: pairs that must stay (re-planning keeps everyone else)


@dataclass
class UpwResult:
    sessions_of_person: list[list[int]]  # pair indices chosen, per person
    chosen: np.ndarray  # bool per pair
    stats: SolveStats
    phases: list[SolveStats] = field(default_factory=list)


def needs_company(problem: UpwProblem, i: int, s: int) -> bool:
    """A woman who must not be the only woman (or among men only) in this session."""
    if not problem.person_female[i] or not problem.session_needs_company[s]:
        return False
    return bool((problem.session_is_group[s] and not problem.person_lone_ok[i]) or problem.person_prefers_not_all_male[i])


def _pairs_by(problem: UpwProblem):
    by_person: list[list[int]] = [[] for _ in problem.person_ids]
    by_session: list[list[int]] = [[] for _ in problem.session_ids]
    for k, (i, s) in enumerate(zip(problem.pair_person.tolist(), problem.pair_session.tolist())):
        by_person[i].append(k)
        by_session[s].append(k)
    return by_person, by_session


def fits(problem: UpwProblem, state: dict, k: int) -> bool:
    """Would adding pair k to the week in `state` keep every hard rule: room, one session a
    day, weekly and ETE budgets, exclusions and women's company (used by the greedy and the
    repair; the CP-SAT model states the same rules as constraints)."""
    i, s = int(problem.pair_person[k]), int(problem.pair_session[k])
    if state["count"][s] >= problem.session_capacity[s] or state["days"][i] & (1 << int(problem.session_day[s])):
        return False
    if state["minutes"][i] + problem.pair_minutes[k] > problem.person_max_minutes[i]:
        return False
    if problem.session_is_ete[s] and state["ete"][i] + problem.pair_minutes[k] > problem.person_ete_budget_minutes[i]:
        return False
    if any(j in state["members"][s] for j in state["excluded"].get(i, ())):
        return False
    return _women_ok(problem, state["members"][s] | {i}, s)


def _women_ok(problem: UpwProblem, members: set[int], s: int) -> bool:
    women = [i for i in members if problem.person_female[i]]
    men = len(members) - len(women)
    return not (men > 0 and len(women) < 2 and any(needs_company(problem, i, s) for i in women))


def solve_greedy(problem: UpwProblem) -> UpwResult:
    """First fit, most behind first: each person takes the nearest sessions that still fit."""
    t0 = time.perf_counter()
    by_person, _ = _pairs_by(problem)
    chosen = problem.pair_fixed.copy() if problem.pair_fixed is not None else np.zeros(len(problem.pair_person), bool)
    state = _state(problem, chosen)
    order = sorted(range(len(problem.person_ids)), key=lambda i: (-problem.person_behind_weight[i], i))
    for i in order:
        for k in sorted(by_person[i], key=lambda k: (problem.pair_cost[k], k)):
            if state["minutes"][i] >= problem.person_remaining_minutes[i]:
                break
            if fits(problem, state, k):
                _apply(problem, state, chosen, k, +1)
    stats = SolveStats("HEURISTIC", None, None, time.perf_counter() - t0, "upw-greedy")
    return UpwResult(_per_person(problem, chosen), chosen, stats, [stats])


def _state(problem: UpwProblem, chosen: np.ndarray) -> dict:
    n_s, n_p = len(problem.session_ids), len(problem.person_ids)
    state = {"count": np.zeros(n_s, int), "days": np.zeros(n_p, np.int64), "minutes": np.zeros(n_p, np.int64),
             "ete": np.zeros(n_p, np.int64), "members": [set() for _ in range(n_s)], "excluded": _excluded_map(problem)}
    for k in np.nonzero(chosen)[0]:
        _apply(problem, state, None, int(k), +1)
    return state


def shorten_long_trips(problem: UpwProblem, chosen: np.ndarray, limit: int = 60) -> np.ndarray:
    """Move anyone travelling over `limit` minutes to a session within it that fits (room, day,
    weekly and ETE budgets, exclusions, women's company on both sides) and credits no fewer
    hours; a trip stays long only when no such session exists."""
    out = chosen.copy()
    state = _state(problem, out)
    by_person, _ = _pairs_by(problem)
    fixed = problem.pair_fixed if problem.pair_fixed is not None else np.zeros(len(out), bool)
    for k in sorted(np.nonzero(out & (problem.pair_travel > limit) & ~fixed)[0], key=lambda k: -problem.pair_travel[k]):
        i, s = int(problem.pair_person[k]), int(problem.pair_session[k])
        if not _women_ok(problem, state["members"][s] - {i}, s):
            continue  # she keeps company for another woman there
        _apply(problem, state, out, int(k), -1)
        options = [k2 for k2 in by_person[i] if not out[k2] and problem.pair_travel[k2] <= limit
                   and problem.pair_credited[k2] >= problem.pair_credited[k] and fits(problem, state, k2)]
        best = min(options, key=lambda k2: (problem.pair_cost[k2], k2)) if options else int(k)
        _apply(problem, state, out, best, +1)
    return out


def _excluded_map(problem: UpwProblem) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in problem.exclusions:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def _apply(problem: UpwProblem, state: dict, chosen: np.ndarray | None, k: int, sign: int) -> None:
    """Add (+1) or remove (-1) pair k from the week's running totals (and from `chosen`)."""
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


def _per_person(problem: UpwProblem, chosen: np.ndarray) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in problem.person_ids]
    for k in np.nonzero(chosen)[0]:
        out[int(problem.pair_person[k])].append(int(k))
    return out


OVER_60_WEIGHT = 5  # per minute over 60 each way, in the hours phase
PLACED_BONUS = 1680  # minutes: four full sessions, so reaching one more person beats a longer week for another


def _placed(problem: UpwProblem, chosen: np.ndarray) -> np.ndarray:
    out = np.zeros(len(problem.person_ids), dtype=np.int64)
    out[problem.pair_person[chosen]] = 1
    return out


def credited(problem: UpwProblem, chosen: np.ndarray) -> np.ndarray:
    """Credited minutes per person: supervised work and travel, never beyond the hours left."""
    got = np.zeros(len(problem.person_ids), dtype=np.int64)
    np.add.at(got, problem.pair_person[chosen], problem.pair_credited[chosen])
    return np.minimum(got, problem.person_remaining_minutes)


def solve_cpsat(problem: UpwProblem, time_limit: float = 10.0, workers: int = 1, seed: int = 7) -> UpwResult:
    t_start = time.perf_counter()
    n_p, n_s, n_k = len(problem.person_ids), len(problem.session_ids), len(problem.pair_person)
    greedy = solve_greedy(problem)
    if n_k == 0:
        st = SolveStats("OPTIMAL", 0.0, 0.0, 0.0, "upw-cpsat")
        return UpwResult([[] for _ in range(n_p)], np.zeros(0, bool), st, [st])
    by_person, by_session = _pairs_by(problem)
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x[{problem.person_ids[i]}@{problem.session_ids[s]}]")
         for i, s in zip(problem.pair_person.tolist(), problem.pair_session.tolist())]
    if problem.pair_fixed is not None:
        for k in np.nonzero(problem.pair_fixed)[0]:
            m.add(x[k] == 1)
    for s in range(n_s):  # capacity
        if by_session[s]:
            m.add(sum(x[k] for k in by_session[s]) <= int(problem.session_capacity[s]))
    for i in range(n_p):
        ks = by_person[i]
        if not ks:
            continue
        for d in range(7):  # one session a day
            day = [x[k] for k in ks if problem.session_day[problem.pair_session[k]] == d]
            if len(day) > 1:
                m.add_at_most_one(day)
        m.add(sum(int(problem.pair_minutes[k]) * x[k] for k in ks) <= int(problem.person_max_minutes[i]))
        ete = [k for k in ks if problem.session_is_ete[problem.pair_session[k]]]
        if ete:
            m.add(sum(int(problem.pair_minutes[k]) * x[k] for k in ete) <= int(problem.person_ete_budget_minutes[i]))
    pair_of = {(int(i), int(s)): k for k, (i, s) in enumerate(zip(problem.pair_person, problem.pair_session))}
    for a, b in problem.exclusions:  # co-defendants never together
        for s in range(n_s):
            if (a, s) in pair_of and (b, s) in pair_of:
                m.add(x[pair_of[(a, s)]] + x[pair_of[(b, s)]] <= 1)
    for s in range(n_s):  # women's company rules
        ks = by_session[s]
        guarded = [k for k in ks if needs_company(problem, int(problem.pair_person[k]), s)]
        if not guarded:
            continue
        women = [x[k] for k in ks if problem.person_female[problem.pair_person[k]]]
        men = [x[k] for k in ks if not problem.person_female[problem.pair_person[k]]]
        if not men:
            continue
        has_men = m.new_bool_var(f"has_men[{problem.session_ids[s]}]")
        m.add(sum(men) <= len(men) * has_men)
        for k in guarded:
            m.add(sum(women) >= 2).only_enforce_if([x[k], has_men])
    # credited minutes per person, capped at what is left to work
    cred = []
    for i in range(n_p):
        ks = by_person[i]
        c = m.new_int_var(0, int(problem.person_remaining_minutes[i]), f"credited[{problem.person_ids[i]}]")
        m.add(c <= sum(int(problem.pair_credited[k]) * x[k] for k in ks) if ks else c == 0)
        cred.append(c)
    phases = []
    per_phase = time_limit / 2

    def solve(name: str, hint: np.ndarray) -> tuple[cp_model.CpSolver | None, SolveStats]:
        m.clear_hints()
        for k, v in enumerate(x):
            m.add_hint(v, bool(hint[k]))
        solver, st = run(m, CoreParams(per_phase, workers, seed), name)
        phases.append(st)
        return (solver if st.objective is not None else None), st

    def chosen_of(solver) -> np.ndarray:
        return np.array([solver.boolean_value(v) for v in x], dtype=bool)

    # Each phase's result is held in the next at the value of the best schedule known, so a
    # phase cut short can never let a later one give hours away.
    best = greedy.chosen
    weight = 1 + problem.person_behind_weight
    # Placing someone at all is worth a full session on top, so hours spread to more people.
    placed = []
    for i in range(n_p):
        y = m.new_bool_var(f"placed[{problem.person_ids[i]}]")
        m.add(y <= sum(x[k] for k in by_person[i])) if by_person[i] else m.add(y == 0)
        placed.append(y)
    # Minutes over 60 each way (both ways) count against a session even here, so that among
    # schedules with the same hours the closer sessions win; far smaller than a session's hours.
    over = OVER_60_WEIGHT * 2 * np.maximum(problem.pair_travel - 60, 0)
    value = (cp_model.LinearExpr.weighted_sum(cred, weight.tolist())
             + cp_model.LinearExpr.weighted_sum(placed, (PLACED_BONUS * weight).tolist())
             - cp_model.LinearExpr.weighted_sum(x, over.tolist()))
    m.maximize(value)
    solver, st = solve("hours", best)
    if solver is not None:
        best = chosen_of(solver)
    m.add(value >= int((credited(problem, best) * weight).sum() + (PLACED_BONUS * weight * _placed(problem, best)).sum()
                       - over[best].sum()))
    m.minimize(cp_model.LinearExpr.weighted_sum(x, problem.pair_cost.tolist()))
    solver, st = solve("travel", best)
    if solver is not None:
        best = chosen_of(solver)
    best = shorten_long_trips(problem, best)
    status = "OPTIMAL" if all(p.status == "OPTIMAL" for p in phases) else "FEASIBLE"
    last = phases[-1]
    stats = SolveStats(status, last.objective, last.bound, time.perf_counter() - t_start, "upw-cpsat")
    return UpwResult(_per_person(problem, best), best, stats, phases)
