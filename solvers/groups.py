"""Forming programme groups for one programme over a planning horizon: which candidate groups
(venue, weekly slots, start week) run, who joins each, and which trained facilitators run them,
with rooms and facilitators shared across programmes through `Resources` (planned one
programme after another, each taking what is left).

The CP-SAT model is the facility-location model of `solvers/facility.py` (people are clients,
candidate groups are sites with a minimum viable and a maximum size, each group opened at a
price so the fewest groups serve the people), with the group rules added as side constraints:
no group with exactly one woman, co-defendants apart, facilitators trained, free and within
their weekly sessions, rooms. The first-come-first-served greedy is both the baseline and the
CP-SAT hint, so the model never starts fewer people than it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from solvers.assignment import CoreParams, keep_apart, partners, run
from solvers.facility import FacilityModel, FacilityProblem
from solvers.types import SearchObserver, SolveStats


@dataclass(frozen=True)
class GroupsParams:
    """How the groups model searches and what it weighs (built from the config's [groups] by
    `engine.groups.plan.solver_params`). The defaults are the shipped config's."""

    time_limit_seconds: float = 10.0
    workers: int = 1  # threads of one solve
    # mip: processes solving the programmes alone at once (each with `workers` threads); the
    # engine gives the machine's cores (config solver.parallel_processes, 0 = all)
    processes: int = 1
    random_seed: int = 7
    start_value: int = 10_000  # one more person started outweighs every other term of theirs
    wait_per_day: int = 10
    travel_per_minute: int = 1
    target_travel_minutes: int = (
        60  # each way: each minute over it costs `over_target_per_minute` more
    )
    over_target_per_minute: int = 20
    group_cost: int = 1_500  # fewest groups for the people served; far below one person started
    women_only_value: int = 600  # per woman in a women-only group: outweighs one more group
    # The joint MIP (solvers/groups_mip.py): `time_limit_seconds` is each programme's own
    # solve, then this for all programmes together over the rooms and facilitators they share
    joint_seconds: float = 26.0
    # mip: the first joint model's MIP runs on past `joint_seconds` by up to this many seconds
    # (by the deadline less `final_proof_seconds`) while it has nothing better than its start
    # (solvers.groups_mip._joint)
    joint_patience_seconds: float = 26.0
    # mip: after the first round of programmes solved again beside the others' groups, later
    # rounds run only until this many seconds into the solve (solvers.groups_rounds.AGAIN_ROUNDS)
    deadline_seconds: float = 95.0
    # mip: the last seconds before that deadline, kept for proving again, by their presolved
    # LP alone, the bounds of programmes whose bound beside the others' groups another's gain
    # undid (0: none kept; solvers.groups_rounds._improve)
    final_proof_seconds: float = 5.0
    # mip: the cut pool's soft limit of each MIP beside the others' groups (HiGHS's
    # `mip_pool_soft_limit`; 0: HiGHS's default): solvers.groups_rounds._given_others
    beside_cut_pool: int = 30
    # mip: at most this many seconds for one MIP settling a round's gains beside the others'
    # groups that do not all fit together (solvers.groups_rounds._settle; 0: none)
    settle_seconds: float = 5.0
    # mip: a job of any step (in a process of its own) still running this long past its
    # step's planned end is given up, its plans kept as they were (solvers.processes.Runner.map,
    # solvers.groups_mip._held_until)
    late_seconds: float = 5.0
    processes_from_pairs: int = 5000  # below this many person-group pairs in all: one process
    # mip: the joint step's wider model only below this many person-group pairs in all; from
    # it, that process bounds the whole quarter from the programmes' step's end
    # (solvers.groups_mip._widen)
    wider_model_pairs: int = 32000
    # mip: of `time_limit_seconds` a programme, the share split evenly among the programmes;
    # the rest goes by their person-group pairs (solvers.groups_mip._budgets)
    even_share: float = 0.33
    # mip: the programme needing the most facilitators' time is bounded alone together with
    # those competing most with it for rooms and facilitators, in a block of at most this many
    # person-group pairs, the pairs left filled with the smallest other programmes (0: each
    # one alone; solvers.groups_mip._block)
    block_pairs: int = 8000
    # mip: the whole quarter's presolved LP bounds all programmes together, each held to its
    # bound alone, on a spare core or in what the deadline leaves (solvers.groups_mip.
    # _presolved_bound); False: not run
    quarter_lp: bool = True
    # mip: after the solve, at most this long for the booking's repair, the programmes that
    # lost people solved again (engine.groups.pre_group.book_solved; 0: never), then at most
    # `booked_proof_seconds` for bounding again those short of their bound beside the rest as
    # booked (engine.groups.booked_proof; 0: never): scaled with the solve's time as the
    # deadline is, so that a plan asked for in less time ends sooner in all its steps
    rebook_seconds: float = 10.0
    booked_proof_seconds: float = 6.0
    # mip: where set, the solve, the booking's repair and that proof all end within this many
    # seconds of the quarter's start (the run's `groups.run_seconds` less what came before:
    # reading the folder, the candidates, the travel); None: the deadline and the steps' own
    # seconds alone (engine.groups.pipeline._quarter)
    quarter_seconds: float | None = None


@dataclass
class Resources:
    """Rooms and facilitators already taken, by (venue|facilitator, slot, week)."""

    rooms: np.ndarray  # [venues] rooms
    room_used: np.ndarray  # [venues, slots, weeks]
    fac_busy: np.ndarray  # [facilitators, slots, weeks] bool
    fac_load: np.ndarray  # [facilitators, weeks] sessions
    fac_max: np.ndarray  # [facilitators] sessions a week at most

    def copy(self) -> Resources:
        return Resources(
            self.rooms,
            self.room_used.copy(),
            self.fac_busy.copy(),
            self.fac_load.copy(),
            self.fac_max,
        )


@dataclass
class GroupsProblem:
    """One programme. People i, candidate groups c, eligible pairs k (slots, travel at most 90
    minutes, finishing before the sentence ends, accessibility, women-only groups held)."""

    person_ids: list[str]
    person_female: np.ndarray
    person_order: np.ndarray  # first come first served: rank by referral date
    exclusions: list[tuple[int, int]]
    cand_venue: np.ndarray
    cand_slots: list[tuple[int, ...]]
    cand_start: np.ndarray  # week index
    cand_weeks: np.ndarray  # weeks the group runs
    cand_women_only: np.ndarray
    cand_facilitators: list[np.ndarray]  # trained and available in the slots
    cand_fac_cost: list[np.ndarray]  # minutes from base to venue, per eligible facilitator
    min_group: int
    max_group: int
    facilitators_needed: int
    sessions_per_week: int
    pair_person: np.ndarray
    pair_cand: np.ndarray
    pair_travel: np.ndarray
    pair_wait_days: np.ndarray
    # Pre-group sessions: each member meets, one to one, a facilitator trained for the
    # programme within their drive of the venue in the `pre_group_weeks` before the start
    cand_pre_facilitators: list[np.ndarray] = field(default_factory=list)
    pre_group_weeks: int = 0
    pre_group_per_slot: int = 1  # appointments in one half-day, which is one session of the week

    def with_pairs(self, keep: np.ndarray) -> GroupsProblem:
        """The same programme offering only the person-group pairs marked in `keep`."""
        return replace(
            self,
            pair_person=self.pair_person[keep],
            pair_cand=self.pair_cand[keep],
            pair_travel=self.pair_travel[keep],
            pair_wait_days=self.pair_wait_days[keep],
        )


@dataclass
class GroupsResult:
    cand_of_person: np.ndarray  # -1 when not placed
    facilitators: dict[int, list[int]]  # open candidate -> facilitator indices
    stats: SolveStats
    resources: Resources | None = field(repr=False, default=None)
    # Proved (None where the solver proves nothing): no plan starts more of this programme
    # given the rooms and facilitators the other programmes' groups hold (once booked, for a
    # programme short of it, given also their facilitators and their members' pre-group
    # appointments as booked: engine.groups.booked_proof), or given them all
    started_bound: float | None = None
    started_bound_alone: float | None = None
    # Proved once booked (engine.groups.booked_proof; None where not run or nothing proved):
    # no plan starts more of this programme beside the rest of the plan as booked
    started_bound_booked: float | None = None
    # why a person left a group after the solve (the engine's reason, which the solver never reads)
    reasons: dict[int, Any] = field(default_factory=dict)
    # The programmes (indices in the order given) solved alone as one block with this one, given
    # every room and facilitator, and the bound on their people started together (tighter than
    # the sum of their own bounds alone where they compete): None where it was solved alone
    together: tuple[tuple[int, ...], float | None] | None = None
    # The programme in the plans before a settlement of gains that did not fit together
    # (solvers.groups_rounds._settle), which the booking of pre-group appointments keeps
    # where more then start (engine.groups.pre_group.book_best): None where nothing was settled
    alternative: GroupsResult | None = None

    def spent(self, seconds: float) -> GroupsResult:
        """The same result with `seconds` more of solving counted in its stats (work done for
        it after its solve: the booking's repair, the proof beside the rest as booked)."""
        return replace(self, stats=replace(self.stats, seconds=self.stats.seconds + seconds))


def active_sessions(pr: GroupsProblem, c: int) -> list[tuple[int, int]]:
    """(slot, week) pairs a candidate group occupies."""
    w0 = int(pr.cand_start[c])
    return [(s, w) for w in range(w0, w0 + int(pr.cand_weeks[c])) for s in pr.cand_slots[c]]


def _weeks(pr: GroupsProblem, c: int) -> range:
    return range(int(pr.cand_start[c]), int(pr.cand_start[c] + pr.cand_weeks[c]))


def pair_value(pr: GroupsProblem, params: GroupsParams) -> np.ndarray:
    """What placing each pair is worth (started, less wait and travel, plus women-only)."""
    over = np.maximum(pr.pair_travel - params.target_travel_minutes, 0)
    women_only = pr.cand_women_only[pr.pair_cand] & pr.person_female[pr.pair_person]
    return (
        params.start_value
        - params.wait_per_day * pr.pair_wait_days
        - params.travel_per_minute * pr.pair_travel
        - params.over_target_per_minute * over
        + params.women_only_value * women_only
    ).astype(np.int64)


def free_facilitators(pr: GroupsProblem, res: Resources, c: int) -> list[int]:
    """Eligible facilitators free in every (slot, week) of the candidate with weekly room,
    nearest base first."""
    act = active_sessions(pr, c)
    out = []
    for j, _cost in sorted(
        zip(pr.cand_facilitators[c].tolist(), pr.cand_fac_cost[c].tolist()),
        key=lambda t: (t[1], t[0]),
    ):
        if any(res.fac_busy[j, s, w] for s, w in act):
            continue
        if any(res.fac_load[j, w] + pr.sessions_per_week > res.fac_max[j] for w in _weeks(pr, c)):
            continue
        out.append(j)
    return out


def room_free(pr: GroupsProblem, res: Resources, c: int) -> bool:
    v = int(pr.cand_venue[c])
    return all(res.room_used[v, s, w] < res.rooms[v] for s, w in active_sessions(pr, c))


def book(pr: GroupsProblem, res: Resources, c: int, facs: list[int], sign: int = 1) -> None:
    v = int(pr.cand_venue[c])
    for s, w in active_sessions(pr, c):
        res.room_used[v, s, w] += sign
        for j in facs:
            res.fac_busy[j, s, w] = sign > 0
    for w in _weeks(pr, c):
        for j in facs:
            res.fac_load[j, w] += sign * pr.sessions_per_week


def booked(
    problems: list[GroupsProblem],
    res: Resources,
    groups: list[dict[int, list[int]]],
    but: int | None = None,
) -> Resources:
    """What `res` leaves once the programmes' `groups` (each programme's group ->
    facilitators) are booked: all of them, or all but programme `but`'s (what is left for it
    beside the others' groups)."""
    left = res.copy()
    for q, (pq, facs) in enumerate(zip(problems, groups)):
        if q != but:
            for c, js in facs.items():
                book(pq, left, c, js)
    return left


def solve_greedy(pr: GroupsProblem, res: Resources, params: GroupsParams) -> GroupsResult:
    """First come first served: in referral order each person joins the forming group that
    suits them best (earliest start, then nearest), or starts a new one where a room and
    trained facilitators are free. Groups that never reach the minimum size are dropped, as is
    a lone woman (then the group again if it falls below the minimum)."""
    t0 = time.perf_counter()
    res = res.copy()
    value = pair_value(pr, params)
    by_person: list[list[int]] = [[] for _ in pr.person_ids]
    for k in np.argsort(-value, kind="stable"):
        by_person[int(pr.pair_person[k])].append(int(k))
    excluded = partners(pr.exclusions)
    members: dict[int, list[int]] = {}
    facs: dict[int, list[int]] = {}
    for i in np.argsort(pr.person_order, kind="stable").tolist():
        joined = False
        for k in by_person[i]:  # an existing group first
            c = int(pr.pair_cand[k])
            if (
                c in members
                and len(members[c]) < pr.max_group
                and not excluded.get(i, set()) & set(members[c])
            ):
                members[c].append(i)
                joined = True
                break
        if joined:
            continue
        for k in by_person[i]:
            c = int(pr.pair_cand[k])
            if c in members or not room_free(pr, res, c):
                continue
            free = free_facilitators(pr, res, c)
            if len(free) >= pr.facilitators_needed:
                facs[c] = free[: pr.facilitators_needed]
                book(pr, res, c, facs[c])
                members[c] = [i]
                break
    for c in list(members):
        if int(pr.person_female[members[c]].sum()) == 1:
            members[c] = [i for i in members[c] if not pr.person_female[i]]
        if len(members[c]) < pr.min_group:
            book(pr, res, c, facs.pop(c), -1)
            del members[c]
    cand_of = np.full(len(pr.person_ids), -1, np.int64)
    for c, who in members.items():
        cand_of[who] = c
    stats = SolveStats("HEURISTIC", None, None, time.perf_counter() - t0, "groups-greedy")
    return GroupsResult(cand_of, facs, stats, res)


def solve_cpsat(
    pr: GroupsProblem,
    res: Resources,
    params: GroupsParams,
    observer: SearchObserver | None = None,
) -> GroupsResult:
    """Choose groups (venue, slot pattern, start week), members and facilitators with CP-SAT:
    people started first, then shorter waits, travel, women-only groups, fewest groups,
    facilitators' travel; the greedy plan is the hint. Returns the resources it left."""
    t0 = time.perf_counter()
    greedy = solve_greedy(pr, res, params)
    n_p, n_c = len(pr.person_ids), len(pr.cand_venue)
    if len(pr.pair_person) == 0:
        return GroupsResult(
            greedy.cand_of_person,
            {},
            SolveStats("OPTIMAL", 0.0, 0.0, 0.0, "groups-cpsat"),
            res.copy(),
        )
    fp = FacilityProblem(
        n_p,
        n_c,
        pr.pair_person,
        pr.pair_cand,
        -pair_value(pr, params),
        np.ones(len(pr.pair_person), np.int64),
        np.full(n_c, pr.max_group, np.int64),
        site_min_load=np.full(n_c, pr.min_group, np.int64),
        site_open_cost=np.full(n_c, params.group_cost, np.int64),
        must_assign=False,
    )
    fm = FacilityModel(fp, (pr.person_ids, [f"group{c}" for c in range(n_c)]))
    m, x, opened = fm.model, fm.core.x, fm.open
    for c in range(n_c):  # never exactly one woman
        women = [x[k] for k in fm.core.agent_pairs[c] if pr.person_female[pr.pair_person[k]]]
        if women:
            m.add(sum(women) != 1)
    keep_apart(m, x, pr.pair_person, pr.pair_cand, pr.exclusions)
    room_rows: dict[tuple[int, int, int], list] = {}
    busy_rows: dict[tuple[int, int, int], list] = {}
    load_rows: dict[tuple[int, int], list] = {}
    fvar: dict[tuple[int, int], cp_model.IntVar] = {}
    fac_cost = []
    for c in range(n_c):
        if not fm.core.agent_pairs[c]:
            continue
        act = active_sessions(pr, c)
        v = int(pr.cand_venue[c])
        if not room_free(pr, res, c):
            m.add(opened[c] == 0)
            continue
        for s, w in act:
            room_rows.setdefault((v, s, w), []).append(opened[c])
        usable = free_facilitators(pr, res, c)
        cost = dict(zip(pr.cand_facilitators[c].tolist(), pr.cand_fac_cost[c].tolist()))
        fs = []
        for j in usable:
            f = fvar[(c, j)] = m.new_bool_var(f"runs[group{c},fac{j}]")
            fs.append(f)
            fac_cost.append((f, cost[j]))
            for s, w in act:
                busy_rows.setdefault((j, s, w), []).append(f)
            for w in _weeks(pr, c):
                load_rows.setdefault((j, w), []).append(f)
        m.add(sum(fs) == pr.facilitators_needed * opened[c]) if fs else m.add(opened[c] == 0)
    for (v, s, w), terms in room_rows.items():
        if len(terms) > res.rooms[v] - res.room_used[v, s, w]:
            m.add(sum(terms) <= int(res.rooms[v] - res.room_used[v, s, w]))
    for terms in busy_rows.values():
        if len(terms) > 1:
            m.add_at_most_one(terms)
    for (j, w), terms in load_rows.items():
        room = int(res.fac_max[j] - res.fac_load[j, w]) // pr.sessions_per_week
        if len(terms) > room:
            m.add(sum(terms) <= room)
    m.minimize(
        fm.cost()
        + cp_model.LinearExpr.weighted_sum([f for f, _ in fac_cost], [int(q) for _, q in fac_cost])
    )
    fm.hint(greedy.cand_of_person)
    for (c, j), f in fvar.items():
        m.add_hint(f, j in greedy.facilitators.get(c, ()))
    solver, st = run(
        m,
        CoreParams(
            params.time_limit_seconds, params.workers, params.random_seed, observer=observer
        ),
        "groups",
    )
    if st.objective is None:
        stats = SolveStats(st.status, None, st.bound, time.perf_counter() - t0, "groups-cpsat")
        return GroupsResult(greedy.cand_of_person, greedy.facilitators, stats, greedy.resources)
    cand_of, is_open = fm.decode(solver)
    facs = {
        c: sorted(j for (cc, j), f in fvar.items() if cc == c and solver.boolean_value(f))
        for c in np.nonzero(is_open)[0].tolist()
    }
    out = res.copy()
    for c, js in facs.items():
        book(pr, out, c, js)
    stats = SolveStats(
        st.status,
        -st.objective,
        -st.bound if st.bound is not None else None,
        time.perf_counter() - t0,
        "groups-cpsat",
    )
    return GroupsResult(cand_of, facs, stats, out)


def in_turn(solve):
    """A solver of one programme as a quarter solver: each programme in turn (the order
    given) takes the rooms and facilitators the previous ones left. Returns each programme's
    result and the resources left."""

    def quarter(
        problems: list[GroupsProblem], res: Resources, params: GroupsParams, observer=None
    ) -> tuple[list[GroupsResult], Resources]:
        out = []
        for n, pr in enumerate(problems):
            part = observer.for_part(f"programme {n + 1}") if observer is not None else None
            r = solve(pr, res, params, observer=part)
            if part is not None:
                part.report("done", None, None, force=True)
            assert r.resources is not None, "a groups solve hands on the resources it left"
            res = r.resources
            out.append(r)
        return out, res

    return quarter


def people_started(results: list[GroupsResult]) -> int:
    """People started by every programme's results."""
    return sum(int((r.cand_of_person >= 0).sum()) for r in results)


def quarter_bound(results: list[GroupsResult]) -> float | None:
    """The bound on the quarter's people started: each block solved alone together bounds its
    programmes (`together`), each other programme its bound alone; their sum drops only the
    competition between them for rooms and facilitators. None where one is unknown."""
    total, counted = 0.0, set[int]()
    for p, r in enumerate(results):
        if p in counted:
            continue
        block, bound = r.together if r.together is not None else ((p,), r.started_bound_alone)
        if bound is None:
            return None
        total += bound
        counted.update(block)
    return total
