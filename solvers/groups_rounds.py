"""Programmes solved again beside the other programmes' groups (`_given_others`), in rounds
until the solve's deadline (`_improve`): each one's bound given the others' groups and the
better plans that still fit beside them. Step 3 of solvers/groups_mip.py's solve, whose
docstring says why."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from solvers.groups import (
    GroupsParams,
    GroupsProblem,
    GroupsResult,
    Resources,
)
from solvers.groups_model import (
    decode_plans,
    encode_plans,
    fits_together,
    groups_used,
    maximise,
    placed_count,
    placed_total,
    proving_bound,
    put_together,
    quarter_mip,
    share_of_time,
    started_vector,
    tighter_bound,
    whole_people,
    worth_vector,
)
from solvers.highs import HighsParams, presolved_lp_bound, solve
from solvers.processes import Runner
from solvers.types import SolveStats, stop_asked

# Of a programme's own time, for its solve beside the others' groups: seed 42's TSP there needs
# 5.8 s to prove its 201 (the whole model, the others' groups held) and at 0.5 of 12 s had
# 6.4 s (it once stopped unproved); at 1.0 seed 7 took 114.6 s end to end, where programmes
# short of their bound used all of it
GIVEN_OTHERS_SHARE = 0.6
# Of that, at most, for its presolved LP before its MIP: seed 13's TSP needs 3 s of its 5.4 s
# there (at 0.5 its LP was cut short and its bound stayed unproved: 275 alone, 267 at 0.8)
GIVEN_OTHERS_LP_SHARE = 0.8
# Of what that LP leaves, for the MIP searching for more (the rest improves the waits and
# travel with that many started); programmes solved together (`_pairs`) search longer: seed
# 42's TSP and BSR beside the others' groups found and proved 953 (of 951) in 10 s of MIP,
# where their 16 s left 11 s at 0.8 and found nothing
GIVEN_OTHERS_MIP_SHARE = 0.8
PAIRS_MIP_SHARE = 0.95
# At most this many rounds of that solve (`_improve`): the first for every programme short of
# its bound alone; each later one, for a gain that did not fit beside another's and each
# programme short of its bound given the others' groups, only while the solve has
# `GroupsParams.deadline_seconds` left, AGAIN_MIN_SECONDS at least. On seed 42 a joint plan of
# 948 went to 950 in the first round and 951 in the third, one of 949 to 952 and then 953 in a
# second round from the same random seed (not from the next ones); the tight quarter's second
# round (8.5 s) found nothing, hence the deadline.
AGAIN_ROUNDS = 3
AGAIN_MIN_SECONDS = 3.0
# The first round is held to the deadline too, and begins only with this many seconds left
# before the rounds' end (a proof beside the others' groups needs a few); with fewer, each
# programme is only bounded beside the others' groups by its presolved LP, by the solve's
# deadline (`_prove_again`). Seed 5's quarter (217a40b) came out of the joint step 88.7 s in,
# 6.3 s before the deadline, and its first round, held only to each programme's own time, ran
# to 110.9 s and found nothing: the quarter took 116.7 s end to end of the 120 s. Until a ninth
# session such a round still ran, unheld, each solve given this floor: seed 71's (the joint
# step to 89.6 s) ran 12.1 s and found nothing, and the 3,000 quarter's 25.1 s (the solve
# 113.1 s, 131.7 s end to end).
FIRST_ROUND_MIN_SECONDS = 3.0
# `_settle` begins only with this many seconds left before the deadline (its MIP over a few
# hundred groups found seed 53's settlement in 1.9 s)
SETTLE_MIN_SECONDS = 1.0
# Two competing programmes are solved together beside the others' groups (`_pairs`) only with
# this many seconds left before the rounds' end: seed 42's TSP and BSR found their 2 more in
# 12 s of MIP after a 2 s LP, and SI-DA with BSR proved its 1 more in 8 s
PAIRS_MIN_SECONDS = 6.0


def _improve(
    rounds: _Rounds,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    short: list[int],
    t0: float,
) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], dict[int, float | None]]:
    """Rounds of the programmes `short` of their bound alone solved again beside the others'
    groups (`_Rounds.beside`), each solve cut so that its round ends by the deadline of the
    solve begun at `t0` (`params.deadline_seconds`) less `params.final_proof_seconds`: the
    first for all of them (`_first_round`; where fewer than `FIRST_ROUND_MIN_SECONDS` are left
    for it, each only bounded there by its presolved LP, `_prove_again`), each later one,
    while the deadline leaves time, for a gain that did not fit beside another's (both took
    the same free room or facilitator; each round's gains are first settled together by
    `_settle`, by the deadline) and each
    programme still short of its bound given the others' groups as they are now, beside the
    plans as they are now; then, in the seconds kept, the bounds that a gain undid
    (`_prove_again`). Returns the plans and each programme's bound given the others' groups in
    those plans (`_Proofs.now`)."""
    params, hps = rounds.params, rounds.hps
    deadline = t0 + params.deadline_seconds
    by = deadline - params.final_proof_seconds  # the rounds' end; then `_prove_again`
    remaining = by - time.perf_counter()
    if remaining < FIRST_ROUND_MIN_SECONDS:  # no time to search: bounds alone, by the deadline
        _prove_again(rounds, plans, short, deadline)
        return plans, rounds.proofs.now(plans, short)
    first = _first_round(hps, short, rounds.runner, remaining)
    plans, missed = rounds.beside(plans, short, first, by, settle_by=deadline)
    for k in range(1, AGAIN_ROUNDS):
        now = rounds.proofs.now(plans, short)
        todo = sorted(set(missed) | {p for p in short if _unproved(plans[p], now[p])})
        remaining = by - time.perf_counter()
        if not todo or remaining < AGAIN_MIN_SECONDS or _stop_asked(hps):
            break
        capped = _by_deadline(hps, todo, rounds.runner.free, remaining, k, 0.0)
        plans, missed = rounds.beside(plans, todo, capped, by, settle_by=deadline)
    plans = _pairs(rounds, plans, by)
    if params.final_proof_seconds > 0:
        _prove_again(rounds, plans, short, deadline)
    return plans, rounds.proofs.now(plans, short)


def _first_round(
    hps: list[HighsParams], short: list[int], runner: Runner, remaining: float
) -> list[HighsParams]:
    """The first round's params beside the others' groups: with more than one process, the
    programme of `short` with the most time of its own has one to itself for the `remaining`
    seconds, and the others share the rest (`_by_deadline`); with one, all share it. Why:
    shared by their own time on the one process the whole quarter's bound leaves, seed 5's TSP
    had 6.5 s beside the others' groups in a replay and stayed at 239 of its 244 there, which
    30 s found and proved (20 s did not). Given the round, replays of the whole solve with the
    programmes in their given order started seed 5 992-993 where 988, seed 19 935 where 934,
    the tight quarter 875 where 874, seed 37 962 as before (TSP proved at 242, not 244); in the
    planner's own order (`solve_quarter_mip`), as the product runs, seed 5 985 as before (TSP
    239 in its 20 s), seed 23 947 as before, seed 42 952 (docs/groups-tuning.md, 2026-12-05)."""
    if runner.processes < 2 or len(short) < 2:
        return _by_deadline(hps, short, runner.free, remaining, 0, FIRST_ROUND_MIN_SECONDS)
    big = max(short, key=lambda p: hps[p].time_limit_seconds)
    rest = [p for p in short if p != big]
    out = _by_deadline(hps, rest, runner.processes - 1, remaining, 0, FIRST_ROUND_MIN_SECONDS)
    out[big] = replace(hps[big], time_limit_seconds=remaining / GIVEN_OTHERS_SHARE)
    return out


def _prove_again(
    rounds: _Rounds,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    short: list[int],
    deadline: float,
) -> None:
    """The programmes of `short` with no bound beside the others' groups as they are now
    (another's gain, taken after theirs was proved, changed them) bounded there again by
    their presolved LP alone, by the `deadline` (`params.final_proof_seconds` are kept for
    it): replaying seed 5, after TSP's gain, BBR 142 again (145 alone), SI-EM 165, BSR 97 and
    SI-DA 114 (each its bound alone), Horizon not in time, in 3.4 s on two processes."""
    now = rounds.proofs.now(plans, short)
    stale = [p for p in short if now[p] is None]
    left = deadline - time.perf_counter()
    if not stale or left <= 0 or _stop_asked(rounds.hps):
        return
    lp = [replace(h, time_limit_seconds=left / GIVEN_OTHERS_SHARE) for h in rounds.hps]
    rounds.beside(plans, stale, lp, deadline, False)


@dataclass
class _Proofs:
    """Each programme's bounds given the others' groups, by the others' groups and members
    they were proved beside. A bound holds only there: once another programme's gain is taken
    its groups differ, and the rooms and facilitators it let go may start more of this one.
    So a programme's bound is the tightest proved beside the others' groups as they are now
    (on seed 23 TSP was proved at 247 beside them in one round and its next round, beside the
    same groups, stopped with none: its bound had fallen back to 251, its own alone), and
    none where they have changed since."""

    found: dict[int, dict[tuple[bytes, ...], float]] = field(default_factory=dict)

    def add(self, p: int, plans: list[tuple[np.ndarray, dict]], bound: float | None) -> None:
        """A bound on `p` proved beside the others' groups of `plans` (None: nothing proved)."""
        if bound is not None:
            key = _others_key(plans, p)
            mine = self.found.setdefault(p, {})
            mine[key] = min(mine.get(key, bound), bound)

    def now(self, plans: list[tuple[np.ndarray, dict]], todo: list[int]) -> dict[int, float | None]:
        """The bound of each of `todo` given the others' groups of `plans` (None: unproved)."""
        return {p: self.found.get(p, {}).get(_others_key(plans, p)) for p in todo}


def _others_key(plans: list[tuple[np.ndarray, dict]], p: int) -> tuple[bytes, ...]:
    """The other programmes' groups and members in `plans` (each one's group per person: the
    groups that run are those with members), which a bound given them holds for; their
    facilitators are free in that solve, so they do not count."""
    return tuple(plan[0].tobytes() for q, plan in enumerate(plans) if q != p)


@dataclass
class _Rounds:
    """What every round beside the others' groups shares: the processes, the quarter, the
    solve's params, each programme's own HiGHS params and the bounds proved so far."""

    runner: Runner
    problems: list[GroupsProblem]
    res: Resources
    params: GroupsParams
    hps: list[HighsParams]
    proofs: _Proofs = field(default_factory=_Proofs)
    # the plans before the first settlement (`_settle`) that changed them, which the booking
    # of pre-group appointments may keep instead (engine/groups/pre_group.py): None where none did
    unsettled: list[tuple[np.ndarray, dict[int, list[int]]]] | None = None
    # pairs of programmes that compete for rooms and facilitators, the most first, and each
    # programme's bound alone: what `_pairs` tries, where the pair is short of its bounds
    pairs: list[tuple[int, int]] = field(default_factory=list)
    own: list[float | None] = field(default_factory=list)

    def beside(
        self,
        plans: list[tuple[np.ndarray, dict[int, list[int]]]],
        todo: list[int],
        hps: list[HighsParams],
        by: float | None = None,
        search: bool = True,
        settle_by: float | None = None,
    ) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], list[int]]:
        """Each programme of `todo` solved again beside the others' groups of `plans`, all at
        once, by `hps` (`_given_others`, each by `by`; only bounded where not `search`), and
        the gains taken (`_take_gains`), settled by one MIP by `settle_by` where they do not
        all fit together (`_settle`). Adds each one's bound beside `plans` to `proofs` and
        returns the plans and the programmes whose gain did not fit beside the others'."""
        if not todo:
            return plans, []
        problems, res, params = self.problems, self.res, self.params
        found = self.runner.map(
            _given_others,
            [
                (problems, res, plans, p, params, hps[p], GIVEN_OTHERS_SHARE, by, search)
                for p in todo
            ],
            [len(problems[p].pair_person) for p in todo],
            **_late_after(by, params),
        )
        for p, (_, bound) in zip(todo, found):
            self.proofs.add(p, plans, bound)
        better = [(p, new) for p, (new, _) in zip(todo, found)]
        taken = _take_gains(problems, res, plans, better)
        if settle_by is not None and _gains_left_out(plans, better, taken):
            settled = _settle(problems, res, plans, better, taken, params, self.hps[0], settle_by)
            if settled is not taken and self.unsettled is None:
                self.unsettled = taken
            taken = settled
        return taken, [p for p, new in better if placed_count(new[p]) > placed_count(taken[p])]


def _pairs(
    rounds: _Rounds, plans: list[tuple[np.ndarray, dict[int, list[int]]]], by: float
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """Once the rounds have nothing left to try, and while `PAIRS_MIN_SECONDS` are left before
    `by`, two programmes that compete (`rounds.pairs`, the most first) solved together beside
    the others' groups, as many pairs at once as there are processes, each until `by`; the
    best plan found is taken where it starts more, and then the pairs are tried again beside
    it. Only pairs short of their bounds alone are tried. Why: each programme solved again
    beside the others' groups ends at a plan no one programme can better alone, where two
    moving together still can, one giving up a room or facilitator the other starts more
    with. Beside the plans a replay of seed 42 ended with (949 started), TSP and BSR together
    found 951 (12 s of MIP), as HiGHS on the whole model found 953 in 92 s; SI-DA and BSR 950
    (docs/groups-tuning.md, 2026-12-06)."""
    problems, params, hps = rounds.problems, rounds.params, rounds.hps
    tried: set[tuple[int, int]] = set()
    while True:
        remaining = by - time.perf_counter()
        if remaining < PAIRS_MIN_SECONDS or _stop_asked(hps):
            return plans
        todo = [
            pq for pq in rounds.pairs if pq not in tried and _short_of_own(plans, rounds.own, pq)
        ][: rounds.runner.processes]
        if not todo:
            return plans
        tried.update(todo)
        seconds = remaining / GIVEN_OTHERS_SHARE
        found = rounds.runner.map(
            _given_others,
            [
                (
                    problems,
                    rounds.res,
                    plans,
                    pq,
                    params,
                    replace(hps[pq[0]], time_limit_seconds=seconds),
                    GIVEN_OTHERS_SHARE,
                    by,
                )
                for pq in todo
            ],
            [sum(len(problems[p].pair_person) for p in pq) for pq in todo],
            **_late_after(by, params),
        )
        best = max((new for new, _ in found), key=placed_total)
        if placed_total(best) > placed_total(plans):
            plans = best
            tried.clear()  # beside the plan now, each pair may find more again


def _late_after(by: float | None, params: GroupsParams) -> dict:
    """`Runner.map`'s hold on solves that end `by` (none where they have no common end): each
    still running `params.late_seconds` past it is given up, with nothing found or proved."""
    if by is None:
        return {}
    return {"until": by + params.late_seconds, "late": _nothing_found}


def _nothing_found(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    *rest,
) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], float | None]:
    """What a solve beside the others' groups given up (`_late_after`) answers: the plans as
    they were, no bound."""
    return plans, None


def _short_of_own(
    plans: list[tuple[np.ndarray, dict]], own: list[float | None], pq: tuple[int, ...]
) -> bool:
    """Whether the programmes `pq` start fewer together than their bounds alone add up to."""
    bounds = [own[p] if p < len(own) else None for p in pq]
    if any(b is None for b in bounds):
        return True
    return sum(placed_count(plans[p]) for p in pq) < sum(b for b in bounds if b is not None)


def _by_deadline(
    hps: list[HighsParams],
    todo: list[int],
    processes: int,
    remaining: float,
    k: int,
    least: float,
) -> list[HighsParams]:
    """The params of round `k` beside the others' groups: the `remaining` seconds before the
    deadline shared among `todo` by their own time (`_budgets`), so that the round ends in
    time on `processes` with the largest first, yet each at least `least` seconds. Why by their
    time: shared evenly, seed 42's TSP had 2.5 s beside the others' groups, as many as Resolve,
    and left its bound unproved (it needs about 5 s)."""
    own = [hps[p].time_limit_seconds for p in todo]
    if not own or max(own) <= 0:
        return [_again(h, max(least, remaining) / GIVEN_OTHERS_SHARE, k) for h in hps]
    scale = min(remaining * processes / sum(own), remaining / max(own))
    return [
        _again(h, max(least, h.time_limit_seconds * scale) / GIVEN_OTHERS_SHARE, k) for h in hps
    ]


def _stop_asked(hps: list[HighsParams]) -> bool:
    """Whether the solves' observer asks them to stop (then no later round begins)."""
    return bool(hps) and stop_asked(hps[0].observer)


def _unproved(plan: tuple[np.ndarray, dict], bound: float | None) -> bool:
    """Whether a programme's plan is short of its bound (or has none)."""
    return bound is None or placed_count(plan) < bound


def _again(hp: HighsParams, seconds: float, k: int) -> HighsParams:
    """A programme's params for round `k` beside the others' groups: at most `seconds`, and
    another random seed (the same search from the same plan would end where it did)."""
    return replace(
        hp, time_limit_seconds=min(hp.time_limit_seconds, seconds), random_seed=hp.random_seed + k
    )


def _take_gains(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    found: list[tuple[int, list[tuple[np.ndarray, dict[int, list[int]]]]]],
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """The programmes' plans found beside the same `plans` ((programme, every programme's
    plans)), the largest gain first: the first whole (its programme's new groups, the others'
    facilitators as it moved them), each later one where it still fits: its programme's new
    groups beside the plans so far, or its whole answer with the programmes already improved
    kept as they are now, or else as many of its new groups as `_fitted` fits beside the plans
    so far, where they start more than its plan so far."""
    gain = {p: placed_count(new[p]) - placed_count(plans[p]) for p, new in found}
    improved: list[int] = []
    for p, new in sorted(found, key=lambda pf: -gain[pf[0]]):
        if gain[p] <= 0:
            continue
        own = [new[p] if q == p else plan for q, plan in enumerate(plans)]
        whole = [plans[q] if q in improved else plan for q, plan in enumerate(new)]
        fits = next((o for o in (own, whole) if fits_together(problems, res, o)), None)
        if fits is None:
            fitted = _fitted(problems, res, own, p)
            if placed_count(fitted[p]) > placed_count(plans[p]):
                fits = fitted
        if fits is not None:
            plans = fits
            improved.append(p)
    return plans


def _gains_left_out(
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    better: list[tuple[int, list[tuple[np.ndarray, dict[int, list[int]]]]]],
    taken: list[tuple[np.ndarray, dict[int, list[int]]]],
) -> bool:
    """Whether `taken` holds less than every gain of `better` (programme, the plans it found
    beside `plans`) added up: some did not fit beside another's."""
    gains = sum(max(0, placed_count(new[p]) - placed_count(plans[p])) for p, new in better)
    return placed_total(taken) < placed_total(plans) + gains


def _settle(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    better: list[tuple[int, list[tuple[np.ndarray, dict[int, list[int]]]]]],
    taken: list[tuple[np.ndarray, dict[int, list[int]]]],
    params: GroupsParams,
    hp: HighsParams,
    by: float,
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """A round's gains that do not all fit together (`_take_gains` kept `taken`) settled by
    one MIP: every programme over the groups of `plans` and of each programme's better plan
    found beside them (`better`), members free among those groups and every facilitator
    free, from `taken`, by the placements' worth (`worth_vector`: a person started outweighs
    every other term of their placement); by `by`, at most `params.settle_seconds`, and kept
    only where it starts more. Why: the gains are found beside the same plans, each moving
    the others' facilitators its own way, so two may need the same one; `_take_gains` keeps
    the largest whole and of the others only the groups that still fit, where a choice among
    all their groups keeps more. Replayed from saved rounds: the tight quarter's first round
    found gains of 2, 1, 1 and 1 beside 867, of which 869 fitted, and this MIP over 186
    groups proved 872 the best in 3.5 s; seed 53's found 2 and 1 beside 917, 919 fitted, 920
    in 1.9 s. Why by worth, not people started first and then worth with that number held
    (as `_given_others`): that second step had only the seconds left, and seed 53's quarter
    ended with 380 people over the target travel where 298 (docs/groups-tuning.md,
    2026-12-05, evening)."""
    end = min(by, time.perf_counter() + params.settle_seconds)
    if params.settle_seconds <= 0 or end - time.perf_counter() < SETTLE_MIN_SECONDS:
        return taken
    groups = [[list(plan[1]) for plan in new] for _, new in better]
    mip = quarter_mip(
        problems, res, groups_used(problems, [list(plan[1]) for plan in plans], *groups)
    )
    started = started_vector(mip, problems)
    have = placed_total(taken)
    now = [GroupsResult(*plan, SolveStats("HEURISTIC", None, None, 0.0)) for plan in taken]
    worth = maximise(mip, worth_vector(mip, problems, params), [])
    x, _ = solve(worth, share_of_time(hp, end, 1.0), "", encode_plans(mip, problems, now))
    if x is None or started @ x < have + 0.5:
        return taken
    settled = decode_plans(mip, problems, x)
    return settled if fits_together(problems, res, settled) else taken


def _fitted(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    p: int,
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """`plans`, whose programmes but `p` fit together, with `p`'s groups put in after all of
    theirs as `put_together` puts groups in: each where its room is still free, with its own
    facilitators where free and other trained ones where not, and dropped with its members
    where neither will do. Two programmes solved again beside the same plan may take the same
    free room or facilitator at one time, and the later round that would look again may not
    have the time: on seed 7 Horizon's two more starts were lost so, beside BSR's four."""
    order = [q for q in range(len(problems)) if q != p] + [p]
    put = put_together([problems[q] for q in order], res, [plans[q] for q in order])[-1]
    return [
        (put.cand_of_person, put.facilitators) if q == p else plan for q, plan in enumerate(plans)
    ]


def bound_beside_others(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    p: int,
    params: GroupsParams,
    hp: HighsParams,
    by: float,
) -> float | None:
    """Programme `p`'s bound beside the others' groups of `plans` by its presolved LP alone
    (`_given_others` without its search), by `by` (None where it does not end in time)."""
    return _given_others(problems, res, plans, p, params, hp, 1.0, by, False)[1]


def _given_others(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    p: int | tuple[int, ...],
    params: GroupsParams,
    hp: HighsParams,
    share: float,
    by: float | None = None,
    search: bool = True,
) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], float | None]:
    """Programme `p` (or the programmes `p` together, `_pairs`; the bound then is on their
    people started together) with every candidate group, beside the other programmes' groups of
    `plans` held (their slots, start weeks, venues and members) with their facilitators free
    to change: the bound on `p`'s people started given the others' groups (a MIP from the
    plan so far, which is feasible there: on the seed 7 quarter 933 and 936 started in two
    runs with it, 930 without; stopped once the plan in hand is proved), and the plans of
    every programme, replaced where `p` starts more (then the waits and travel improved with
    that number held). Why the facilitators free: holding them too, as this step did, left
    BSR's bound on seed 42 at 85 in one run of four and 86 in the others, as the joint
    plan's facilitators happened to fall; with them free it found 86 in 2 s. Before the MIP,
    the model's presolved LP (`_presolved_bound`'s kind): where it proves the plan in hand,
    nothing more is searched, and else it bounds `p` where the MIP does not reach its root
    (seed 13's TSP beside the others: 267 in 3 s, where its MIP given 8 s bounded nothing
    and the plain LP 274). It ends by `by` (a time.perf_counter() reading: a job that waited
    for a process has less time), and without `search` after that LP, with its bound.
    The MIP's cut pool is held small (`params.beside_cut_pool`): HiGHS's root cut rounds took
    seed 5's TSP here from 4 s to 19 s for a bound a person lower, and its sub-MIP heuristic,
    which found the better plans, ran only after them. Beside seed 5's final plans (random
    seeds 1-3, 30 s) TSP was proved at 244 from 239 in 16-17 s in 3 runs of 3 with 30, and
    found it in 1 of 3 (at 23 s) with HiGHS's default. Twelve other programmes short beside
    seed 37's, 19's, 5's and the tight quarter's final plans (30 s each): as many started or
    more in each (seed 37's TSP one more), ended sooner in eight (seed 37's BBR proved in
    18 s, where unproved in 25 s), the same in one, later in three by 0.3-1.0 s."""
    t0 = time.perf_counter()
    end = t0 + hp.time_limit_seconds * share
    if by is not None:
        end = min(end, by)
    free = (p,) if isinstance(p, int) else p
    allowed = [
        np.ones(len(pr.cand_venue), bool)
        if q in free
        else groups_used([pr], [list(plans[q][1])])[0]
        for q, pr in enumerate(problems)
    ]
    mip = quarter_mip(problems, res, allowed)
    lower, upper = np.zeros(mip.n_cols), mip.upper.copy()
    for q, pr in enumerate(problems):
        if q not in free:  # the others' groups run, with the members they have
            ys = slice(mip.y0[q], mip.y0[q] + len(pr.cand_venue))
            xs = slice(mip.x0[q], mip.x0[q] + len(pr.pair_person))
            lower[ys][list(plans[q][1])] = 1
            placed = plans[q][0][pr.pair_person] == pr.pair_cand
            lower[xs][placed] = 1
            upper[xs][~placed] = 0
    started = started_vector(mip, problems)
    have = int(placed_total(plans))
    others = have - sum(placed_count(plans[q]) for q in free)
    now = [GroupsResult(*plan, SolveStats("HEURISTIC", None, None, 0.0)) for plan in plans]
    model = replace(maximise(mip, started, []), col_lower=lower, col_upper=upper)
    first = whole_people(
        presolved_lp_bound(model, share_of_time(hp, end, GIVEN_OTHERS_LP_SHARE)).bound
    )
    if not search or (first is not None and first <= have):  # (or proved: none starts more)
        return plans, None if first is None else first - others
    pool = params.beside_cut_pool or None
    x, st = solve(
        model,
        replace(
            share_of_time(hp, end, GIVEN_OTHERS_MIP_SHARE if len(free) == 1 else PAIRS_MIP_SHARE),
            stop_at_bound=proving_bound(have),
            cut_pool=pool,
        ),
        "",
        encode_plans(mip, problems, now),
    )
    whole = tighter_bound(whole_people(st.bound), first)
    bound = None if whole is None else whole - others
    if x is None or started @ x < have + 0.5:
        return plans, bound
    held = float(round(started @ x))
    better = replace(
        maximise(mip, worth_vector(mip, problems, params), [(started, held)]),
        col_lower=lower,
        col_upper=upper,
    )
    y, _ = solve(better, replace(hp, time_limit_seconds=max(0.5, end - time.perf_counter())), "", x)
    if y is not None and started @ y >= held - 0.5:
        x = y
    return decode_plans(mip, problems, x), bound
