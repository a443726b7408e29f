"""Once the quarter's plan is booked, each programme that starts fewer than its bound beside
the others' groups is bounded again beside the rest of the plan as booked, its pre-group
appointments counted by half-day (solvers/groups_booked.py), where that model is small
enough, within `params.booked_proof_seconds` (the config's `groups.booked_proof_seconds`).

Why: the solve's bound for a programme beside the others is its model's, which counts
pre-group appointments by facilitator and week; where the booking then leaves out people the
model placed, the programme reads short of a number no plan beside the rest reaches (seed 42
of the East Midlands quarter: BSR 88 of 89, where 88 is the most, proved so in 4 s)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import numpy as np

from engine.core.config import Config
from engine.groups.plan import OneToOneSetup, ProgrammePlan
from engine.groups.pre_group import PreGroup, book_best, pre_group_half_days
from solvers.groups import GroupsParams, GroupsResult, Resources, booked, people_started
from solvers.groups_booked import booked_search
from solvers.groups_model import fits_together
from solvers.groups_rounds import bound_beside_others
from solvers.highs import HighsParams
from solvers.types import SearchObserver, stop_asked

# the proof runs only with this many of its seconds left
BOOKED_MIN_SECONDS = 0.5
INF = float("inf")


def prove_booked(
    plans: list[ProgrammePlan],
    res: Resources,
    kept: list[GroupsResult],
    appointments: list[PreGroup],
    left: Resources,
    setup: OneToOneSetup,
    config: Config,
    params: GroupsParams,
    observer: SearchObserver | None = None,
    until: float | None = None,
) -> tuple[list[GroupsResult], list[PreGroup], Resources]:
    """The booked plans `kept` (over `res`, with their pre-group `appointments`, leaving
    `left`), each
    programme short of its bound bounded again beside the rest as booked, within
    `params.booked_proof_seconds` and by `until` (a time.perf_counter() reading) at the
    latest: its `started_bound` the lower of the two, the seconds added to its own. On
    `params.processes` threads (HiGHS lets go of the interpreter while it solves: four of the
    tight quarter's programmes' LPs took 10.0 s on two where 14.3 s on one, and a thread needs
    no process started), the fewest person-group pairs first: each programme's presolved LP,
    then, with the time left, the MIP of each whose LP ended short of proving the plan in
    hand. Why in two passes: the LP proves at once where it proves (seed 42's BSR at 88 in 4
    s), where a MIP may take all its time (seed 5's BSR: 10.7 s to prove 96). A programme
    whose open appointment options pass `groups.booked_proof_options` keeps its bound. Where
    a MIP finds a plan of its programme starting more, it is booked and taken in the time
    left where that starts more (`_take_better`). Returns the plans, their appointments and
    what they leave of `res`."""
    t0 = time.perf_counter()
    end = t0 + params.booked_proof_seconds
    if until is not None:
        end = min(end, until)
    problems = [plan.problem for plan in plans]
    short = sorted(
        (n for n, r in enumerate(kept) if _short(r)), key=lambda n: len(problems[n].pair_person)
    )
    if not short or end - t0 < BOOKED_MIN_SECONDS or stop_asked(observer):
        return kept, appointments, left
    hp = HighsParams(end - t0, random_seed=params.random_seed, observer=observer)
    have = [_started(kept[n]) for n in short]
    jobs = [
        (plans[n], setup, config, *_beside_booked(plans, res, kept, appointments, n, setup.monday))
        + (have[k], hp, end, params)
        for k, n in enumerate(short)
    ]
    found: dict[int, float] = {}
    better: dict[int, tuple[np.ndarray, dict[int, list[int]]]] = {}
    with ThreadPoolExecutor(max(1, min(params.processes, len(short)))) as threads:
        for search in (False, True):
            todo = list(range(len(short)))
            if search:  # the MIPs only where the LP ended without proving the plan in hand
                todo = [k for k in todo if found.get(short[k], -INF) > have[k]]
            if not todo or end - time.perf_counter() < BOOKED_MIN_SECONDS:
                break
            tasks = [jobs[k] + (search, found.get(short[k])) for k in todo]
            answers = threads.map(lambda task: _bound(*task), tasks)
            for k, (bound, plan) in zip(todo, answers):
                if bound is not None:
                    found[short[k]] = min(bound, found.get(short[k], INF))
                if plan is not None:
                    better[short[k]] = plan
        spent = (time.perf_counter() - t0) / len(short)
        out = list(kept)
        for n in short:
            r = out[n]
            bound = r.started_bound
            if bound is not None and found.get(n, INF) < bound:
                bound = found[n]
            out[n] = replace(r.spent(spent), started_bound=bound, started_bound_booked=found.get(n))
        if better:
            return _take_better(
                plans,
                res,
                kept,
                (out, appointments, left),
                better,
                setup,
                config,
                params,
                hp,
                end,
                threads,
            )
    return out, appointments, left


def _bound(
    plan: ProgrammePlan,
    setup: OneToOneSetup,
    config: Config,
    beside: Resources,
    places: dict[tuple[int, int, int], int],
    have: int,
    hp: HighsParams,
    by: float,
    params: GroupsParams,
    search: bool,
    lp_bound: float | None,
) -> tuple[float | None, tuple[np.ndarray, dict[int, list[int]]] | None]:
    """One programme's bound beside the rest as booked (`booked_search`: the LP, or with
    `search` the MIP after the LP's `lp_bound`, and the MIP's plan where it starts more), its
    pre-group half-days found on the thread it runs on."""
    if by - time.perf_counter() < BOOKED_MIN_SECONDS:
        return None, None
    options = pre_group_half_days(plan, setup, config)
    most = config.groups.booked_proof_options
    return booked_search(
        plan.problem, beside, places, options, have, hp, by, most, search, lp_bound, params
    )


def _take_better(
    plans: list[ProgrammePlan],
    res: Resources,
    before: list[GroupsResult],
    booking: tuple[list[GroupsResult], list[PreGroup], Resources],
    better: dict[int, tuple[np.ndarray, dict[int, list[int]]]],
    setup: OneToOneSetup,
    config: Config,
    params: GroupsParams,
    hp: HighsParams,
    end: float,
    threads: ThreadPoolExecutor,
) -> tuple[list[GroupsResult], list[PreGroup], Resources]:
    """The `booking` (plans, appointments, resources left) with each programme's `better`
    plan found beside the rest as booked, the largest gain first, booked again (`book_best`)
    and taken where more start with every other programme's groups and members as they were,
    and where, by `end`, every other programme whose bound rests on the others' groups is
    bounded again beside them (its presolved LP beside the others' groups,
    `solvers.groups_rounds.bound_beside_others`): the bounds proved before were proved beside
    this programme's groups as they were. The programme's own bound is then its bound beside
    the others' groups (from `before`, or as proved again after an earlier gain: they have
    not changed since), the one beside the rest as booked no longer holding (the others'
    appointments are booked again). Why: the MIP is
    a search too, and seed 37's Resolve, 42 of its 44 beside the rest as booked, was found a
    plan of 44 in 0.3 s that books whole, where the rounds had not found it."""
    problems = [plan.problem for plan in plans]
    out, appointments, left = booking
    gain = {n: int((cand_of >= 0).sum()) - _started(out[n]) for n, (cand_of, _) in better.items()}
    beside_others = [r.started_bound for r in before]  # each one's, as the others' groups are
    for n, (cand_of, facs) in sorted(better.items(), key=lambda nb: -gain[nb[0]]):
        if end - time.perf_counter() < BOOKED_MIN_SECONDS:
            break
        tried = list(out)
        tried[n] = replace(out[n], cand_of_person=cand_of, facilitators=facs, alternative=None)
        plans_now = [(r.cand_of_person, r.facilitators) for r in tried]
        if not fits_together(problems, res, plans_now):  # found beside another's plan before
            continue
        rest = booked(problems, res, [r.facilitators for r in tried])
        got, got_appts, got_left = book_best(plans, res, tried, rest, setup, config)
        others = [m for m in range(len(out)) if m != n]
        if people_started(got) <= people_started(out) or any(
            not np.array_equal(got[m].cand_of_person, out[m].cand_of_person) for m in others
        ):
            continue
        stale = [m for m in others if not _unconditional(out[m])]
        now = [(r.cand_of_person, r.facilitators) for r in got]
        tasks = [(problems, res, now, m, params, hp, end) for m in stale]
        proved = list(threads.map(lambda task: bound_beside_others(*task), tasks))
        if any(b is None for b in proved):
            continue
        for m, b in zip(stale, proved):
            beside_others[m] = b
        for m in others:  # every appointment was booked again: no bound beside them holds
            bound_m = beside_others[m] if m in stale else got[m].started_bound
            got[m] = replace(got[m], started_bound=bound_m, started_bound_booked=None)
        count = float(_started(got[n]))
        bound = beside_others[n]
        status = "OPTIMAL" if bound is not None and count >= bound else "FEASIBLE"
        stats = replace(got[n].stats, status=status, objective=count)
        got[n] = replace(got[n], stats=stats, started_bound=bound, started_bound_booked=None)
        out, appointments, left = got, got_appts, got_left
    return out, appointments, left


def _unconditional(r: GroupsResult) -> bool:
    """Whether the programme's bound holds whatever the others do: its bound alone."""
    return r.started_bound is not None and r.started_bound == r.started_bound_alone


def _started(r: GroupsResult) -> int:
    return people_started([r])


def _short(r: GroupsResult) -> bool:
    """Whether the programme starts fewer than its bound."""
    return r.started_bound is not None and _started(r) < r.started_bound


def _beside_booked(
    plans: list[ProgrammePlan],
    res: Resources,
    results: list[GroupsResult],
    appointments: list[PreGroup],
    n: int,
    monday: date,
) -> tuple[Resources, dict[tuple[int, int, int], int]]:
    """What the rest of the plan leaves programme `n`: `res` less the other programmes' groups
    and the half-days their members' pre-group appointments hold (each a session of the
    facilitator's week), and per such half-day (facilitator, slot, week) the places left."""
    problems = [plan.problem for plan in plans]
    left = booked(problems, res, [r.facilitators for r in results], but=n)
    mine = plans[n].programme["programme"]
    held: dict[tuple[int, int, int], int] = {}
    for a in appointments:
        if a.programme != mine:
            h = (a.facilitator, a.slot, (a.day - monday).days // 7)
            held[h] = held.get(h, 0) + 1
    for j, s, w in held:
        if not left.fac_busy[j, s, w]:
            left.fac_busy[j, s, w] = True
            left.fac_load[j, w] += 1
    per_slot = problems[n].pre_group_per_slot
    return left, {h: max(0, per_slot - count) for h, count in held.items()}
