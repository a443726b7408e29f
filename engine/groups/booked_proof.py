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

from engine.core.config import Config
from engine.groups.plan import OneToOneSetup, ProgrammePlan
from engine.groups.pre_group import PreGroup, pre_group_half_days
from solvers.groups import GroupsParams, GroupsResult, Resources, booked, people_started
from solvers.groups_booked import booked_bound
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
    setup: OneToOneSetup,
    config: Config,
    params: GroupsParams,
    observer: SearchObserver | None = None,
    until: float | None = None,
) -> list[GroupsResult]:
    """The booked plans `kept` (over `res`, with their pre-group `appointments`), each
    programme short of its bound bounded again beside the rest as booked, within
    `params.booked_proof_seconds` and by `until` (a time.perf_counter() reading) at the
    latest: its `started_bound` the lower of the two, the seconds added to its own. On
    `params.processes` threads (HiGHS lets go of the interpreter while it solves: four of the
    tight quarter's programmes' LPs took 10.0 s on two where 14.3 s on one, and a thread needs
    no process started), the fewest person-group pairs first: each programme's presolved LP,
    then, with the time left, the MIP of each whose LP ended short of proving the plan in
    hand. Why in two passes: the LP proves at once where it proves (seed 42's BSR at 88 in 4
    s), where a MIP may take all its time (seed 5's BSR: 10.7 s to prove 96). A programme
    whose open appointment options pass `groups.booked_proof_options` keeps its bound."""
    t0 = time.perf_counter()
    end = t0 + params.booked_proof_seconds
    if until is not None:
        end = min(end, until)
    problems = [plan.problem for plan in plans]
    short = sorted(
        (n for n, r in enumerate(kept) if _short(r)), key=lambda n: len(problems[n].pair_person)
    )
    if not short or end - t0 < BOOKED_MIN_SECONDS or stop_asked(observer):
        return kept
    hp = HighsParams(end - t0, random_seed=params.random_seed, observer=observer)
    have = [_started(kept[n]) for n in short]
    jobs = [
        (plans[n], setup, config, *_beside_booked(plans, res, kept, appointments, n, setup.monday))
        + (have[k], hp, end)
        for k, n in enumerate(short)
    ]
    found: dict[int, float] = {}
    with ThreadPoolExecutor(max(1, min(params.processes, len(short)))) as threads:
        for search in (False, True):
            todo = list(range(len(short)))
            if search:  # the MIPs only where the LP ended without proving the plan in hand
                todo = [k for k in todo if found.get(short[k], -INF) > have[k]]
            if not todo or end - time.perf_counter() < BOOKED_MIN_SECONDS:
                break
            tasks = [jobs[k] + (search, found.get(short[k])) for k in todo]
            answers = threads.map(lambda task: _bound(*task), tasks)
            for k, bound in zip(todo, answers):
                if bound is not None:
                    found[short[k]] = min(bound, found.get(short[k], INF))
    spent = (time.perf_counter() - t0) / len(short)
    out = list(kept)
    for n in short:
        r = out[n]
        bound = r.started_bound
        if bound is not None and found.get(n, INF) < bound:
            bound = found[n]
        out[n] = replace(r.spent(spent), started_bound=bound, started_bound_booked=found.get(n))
    return out


def _bound(
    plan: ProgrammePlan,
    setup: OneToOneSetup,
    config: Config,
    beside: Resources,
    places: dict[tuple[int, int, int], int],
    have: int,
    hp: HighsParams,
    by: float,
    search: bool,
    lp_bound: float | None,
) -> float | None:
    """One programme's bound beside the rest as booked (`booked_bound`: the LP, or with
    `search` the MIP after the LP's `lp_bound`), its pre-group half-days found on the thread
    it runs on."""
    if by - time.perf_counter() < BOOKED_MIN_SECONDS:
        return None
    options = pre_group_half_days(plan, setup, config)
    most = config.groups.booked_proof_options
    return booked_bound(plan.problem, beside, places, options, have, hp, by, most, search, lp_bound)


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
