"""Programme groups for every programme of the quarter at once, as mixed-integer programs
(HiGHS), with a proved bound on the people started, per programme and overall.

The model: columns x (a person in a candidate group), y (a candidate group runs), h (a group
has women: then at least two), f (a trained facilitator runs a group), p (pre-group
appointments a facilitator gives in a week to the members of the groups that share their
facilitators and weeks: `groups_model._appointment_nodes`) and d (a facilitator's whole
half-days of appointments in a week); rows for one group a person, group sizes between the
minimum and the maximum, co-defendants apart, the facilitators each group needs, an
appointment for each member, and the rooms, facilitators' slots and facilitators' weekly
sessions that all programmes share (what the running groups took is already gone).

Why a decomposition, and why this one (measured on the East Midlands quarter: the README's
Programme groups, and docs/groups-tuning.md):
- The whole model (all 8 programmes: 49,000 columns, 87,000 rows) is too big to solve in the
  time: its LP relaxation alone took HiGHS 25 s, and its MIP found 6 people started in 60 s.
- The rooms and facilitators the programmes share are not what limits how many start: it is
  whether enough people share a venue, slots and start for a viable group. Each programme
  alone, given every room and facilitator, is a MIP HiGHS proves optimal in about 5 s (the
  largest, TSP, within 1%), where CP-SAT on the weighted model stayed 15-37% from its bound.
- Dropping the competition between programmes for rooms and facilitators is a relaxation of
  the whole model that splits by programme. So each programme alone, given everything,
  bounds that programme's starts in any plan, and their sum bounds the quarter's: the
  overall bound the summary reports. It is tight where rooms and facilitators are not short
  (0.7% on the East Midlands quarter before pre-group appointments were required) and loose
  where they are (the tight quarter: 10.8%, most of it the bound's, as every programme was
  optimal given what the others hold). Where the competition centres on one programme, that
  one is bounded together with those it competes with most, as one block (`_block`): on seed
  42 TSP, BSR, Horizon and Resolve sum to 355 alone and are proved at 348 together, so the
  quarter's bound fell from 961 to 954 where its plans start 949-952. The block's MIP is
  bounded in size (TSP with BBR, BSR and Horizon had not solved its root LP in 60 s) and runs
  beside the other programmes' own solves, so the first step takes about as long as before.
- Then the whole model restricted to the candidate groups those solutions, their LPs and the
  first-come-first-served plan use settles who gets a shared room or facilitator by people
  started (not by the order the programmes come in), then the rest of the objective: shorter
  waits and travel, women-only groups, fewest groups, facilitators' driving. Which groups to
  allow is a trade: more alternatives hold better plans, but the root of a larger model can
  take the whole time (seed 11: 64,000 columns kept the start, 55,000 found 1,019 started).
  So with two processes both run at once, the narrow model and a wider one that adds each
  programme's LP groups given what the others' groups hold, and the better plan is kept.
  Each first solves its LP and a MIP over only the groups that LP uses: HiGHS's own root on
  the whole restricted model can take the time before its heuristics find anything
  (`_joint`); on a quarter twice as large the wider model's LP does not end in its share,
  so there its process bounds the whole quarter instead (`_widen`). Both start from the
  better of the programmes' plans put together and the same plans settled together
  (`_own_together`), which is what they keep where they find nothing better.
- Last, each programme short of its own bound is solved again, with every candidate group,
  beside the other programmes' groups in the joint plan (their times, venues and members
  held, their facilitators free to change), in both processes at once. That proves the
  per-programme bound the summary reports (no programme could start more without another
  giving up a group), and it replaces the plans where it finds a better one that still fits
  beside the others' (two may take the same free room; then the later one's groups that
  still fit, where they start more), the largest gain first (`_take_gains`). One after
  another these solves took 21-24 s with a core idle. While the solve's deadline leaves time,
  a later round tries again a gain that did not fit and each programme still short of its
  bound there, beside the plans taken (`_improve`).
- Bounds without a search come from HiGHS's presolve: the LP of the presolved model is as
  strong as a MIP's root and takes seconds (`_presolved_bound`). It bounds the block's centre
  alone (whose own MIP gives way to the block's), the block itself where its MIP does not
  reach its root in time (seeds 42 and 13 on a slower day), each programme beside the others'
  groups before its MIP (which then runs only where the LP leaves the plan unproved), and the
  whole quarter with each programme held to its bound alone, on the first of the two processes
  the joint models leave, to the deadline, while the rounds take the other (`_WholeBound`).
- The programmes' time is shared by their size (`_budgets`), and a programme's bound alone
  is its MIP's or its LP's, the lower. Each bound MIP stops once it proves the plan in hand
  (`proving_bound`): on the East Midlands quarter that took 36-37 s of the programmes' time down
  to 25-27 s, as most of it went on finding again a plan as good as the one in hand.
A programme's bound alone is taken only from a solve given no start (given one, HiGHS 1.14
once claimed optimality for a worse schedule: solvers/upw_mip.py); the bound given the
others' groups comes from a solve from the joint plan, which must be feasible there, and
the quarter's bound does not rest on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from solvers.groups import (
    GroupsParams,
    GroupsProblem,
    GroupsResult,
    Resources,
    booked,
    in_turn,
    people_started,
    quarter_bound,
    solve_greedy,
)
from solvers.groups_model import (
    LEX,
    decode_plans,
    encode_plans,
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
from solvers.groups_rounds import (
    _improve,
    _Rounds,
)
from solvers.highs import HighsParams, presolved_lp_bound, solve
from solvers.processes import Runner, planned_end
from solvers.types import SearchObserver, SolveStats

SUPPORT = 1e-6  # an LP value above this puts its candidate group in the restricted model
# Of a programme's time, at most this for its LP: the LP's groups are what the programme's
# own MIP and the joint model choose from, so an LP stopped unsolved leaves only the greedy's
# (seed 11's TSP needs 3.6-4.1 s of interior point: solvers.groups_mip._budgets)
ALONE_LP_SHARE = 0.4
# Of a programme's time left after its LP, for the MIP over the LP's groups: the plan the joint
# model starts from. At 0.3, seed 11's TSP (an IPM support of 164 groups) needed 3.3 s and had
# 2.7 s: it stopped at 155 started where 242 were there, and the quarter at 897 (936 at 0.6,
# seed 42 unchanged at 951); the full MIP after it gives the bound, found at its root. At 0.6
# seed 42's TSP left its bound MIP 5 s, short of the 6.4 s its root needs (its bound was then
# the LP's 220, not 205, and the quarter's gap 2.4%); its MIP over the LP's groups finds the
# same plan in 5 s as in 7.7 s.
SMALL_SHARE = 0.4
# Of the joint model's time: at most this for its LP, then this of the time left for the MIP
# over the LP's groups (seed 11's narrow model: the LP 10 s, that MIP proved in 10 s), or more
# while it has found nothing better than its start: on seed 5 (e6c6916) HiGHS's root cut rounds
# on that MIP took 14 s, and one of the two joint models, its LP 14.4 s, had 15 s for it and kept
# the start (769 started beside the other model's 984); run on, it found 985 at 25.5 s. On the
# joint step's saved inputs, three random seeds each, both models at once: seed 5 769 -> 984-985
# in all three; seeds 42, 7 and 17 the same in 8 of 9 (the 9th: seed 17's 934 -> 931)
JOINT_LP_SHARE = 0.5
JOINT_SUPPORT_SHARE = 0.5
# Past its share of the time, the MIP over the joint LP's groups stops once its plan has gone
# this far in people started from its start towards the LP's people or the quarter's bound
# so far, the lower (`_enough`), not at its first plan better than its start: from the
# programmes' own plans settled together (899 started on seed 29) both joint models stopped at
# 903 in one run of two (the whole model after them found nothing, and the solve ended at 903
# of 1,000 where the commit before the settled start found 991); held to half the way, from
# the same saved inputs, 987 and 992, and seeds 5, 11 and the tight quarter as before (987
# and 925, 1,016 and 931, 865 and 817). Towards the LP's value (people and the rest of the
# objective, as at c3d806f) half the way was seldom reached: the first joint model ran on to
# its patience's end (52 s of the joint step on seeds 5, 19 and 71, where its plan came
# 15-25 s in), and the solve past its deadline (98.8-99.1 s of 95)
JOINT_ENOUGH_OF_LP = 0.5
# Past its share of the time, the MIP over the joint LP's groups also stops once it has a plan
# better than its start and no better one has come for this many seconds: seed 71's first
# joint model found its plan 8.6 s in and nothing in the 43 s after it (short of half way to
# the bound); seed 29's went from its first better plan to its last in 11.5 s
JOINT_IDLE_SECONDS = 15.0
# The MIP over the joint LP's groups stops within this relative gap: a plan's value is about
# 1e8 (LEX a person), so 1e-4 is a tenth of one more person started, and what it leaves is the
# waits and travel the whole model then improves. Proving the last of it took seed 42's narrow
# model 4-12 s of its 19 (the plan in hand from 7 s): the whole restricted model then had 19-23 s
# and kept 943 started in 3 runs of 4; stopped at the gap, it had 25-31 s and reached 945-950
JOINT_SUPPORT_GAP = 1e-4
# The whole restricted joint model runs from the plan in hand only where this many seconds of
# the joint step are left (its presolve alone takes about a second on the East Midlands quarter)
JOINT_WHOLE_MIN_SECONDS = 1.0
# Of its programmes' own time, for the bound of the block solved together (`_block`): on seed
# 42 TSP, BSR, Horizon and Resolve have 40 s, and their MIP together had its root bound (349)
# at 13 s and 348 at 21 s of one core, where the other programmes' own solves took 25 s
BLOCK_BOUND_SHARE = 0.5
# The programmes' own plans settled together (`_own_together`) take at most the joint step's
# seconds, and after this share of a programme's seconds (6 s by default) only until they start
# more than the plans put together: seed 5's and the tight quarter's plans were found by 5 s,
# the quarter of 3,000 referrals' by 10-14 s in replays and after 15.6 s (its cap then, the
# seconds fitting the programmes in turn could take) in a run of the product
OWN_TOGETHER_ENOUGH_SHARE = 0.45
# The whole quarter's bound (`_presolved_bound`) after the rounds, where no core was spare for it,
# only with this many seconds a person-group pair left before the deadline (and one more): on
# the East Midlands quarter (21,000-24,000 pairs) it took 20-40 s of one core, so 1-1.6 ms a
# pair, with a column for each pre-group appointment (12-15 s pooled: `_pooled`); with 13.5 s
# left on seed 42 it ran to the deadline and bounded nothing
QUARTER_LP_SECONDS_PER_PAIR = 0.002
# Of a programme's seconds, its LP given the others' groups in the plans put together
# (`_support_given`: the wider joint model's groups)
SUPPORT_GIVEN_LP_SHARE = 0.3


@dataclass
class _Alone:
    """A programme given every room and facilitator left: its best plan found, its bound, the
    candidate groups its LP uses, and where others joined its bound MIP (`_block`), the bound
    on all of them together."""

    plan: tuple[np.ndarray, dict[int, list[int]]]
    bound: float | None
    support: np.ndarray  # candidate group indices
    seconds: float
    together: float | None = None


def _alone(
    pr: GroupsProblem,
    res: Resources,
    greedy: GroupsResult,
    params: GroupsParams,
    hp: HighsParams,
    block: list[GroupsProblem] | None = None,
    block_seconds: float = 0.0,
) -> _Alone:
    """The programme's LP and a MIP over its groups for a plan (`_start_alone`), then, unless
    its LP proves that plan best, the whole MIP given no start for the bound (and its plan
    when better): its bound or the LP's, the lower. With a `block` (the programmes competing
    most with it for rooms and facilitators), that MIP is theirs and its own together, given
    `block_seconds` more: it bounds them all together, and the programme's own bound is its
    LP's here (`_solve` tightens it by its presolved LP's, and the block's by the block's, jobs
    of their own: `_presolved_bound`). On seeds 42 and 7 TSP's own MIP had found no better
    plan than its MIP over its LP's groups, and it is short of its bound alone in every joint
    plan, so its bound is proved beside the others' groups (`_improve`)."""
    t0 = time.perf_counter()
    plan, support, lp_bound = _start_alone(pr, res, greedy, params, hp)
    best = placed_count(plan)
    if block is None and lp_bound is not None and lp_bound <= best:  # proved best already
        return _Alone(plan, lp_bound, support, time.perf_counter() - t0)
    prs = [pr] + (block or [])
    mip = quarter_mip(prs, res)
    started = started_vector(mip, prs)
    end = t0 + hp.time_limit_seconds + block_seconds
    stop = None if block else proving_bound(best)
    x, st = solve(
        maximise(mip, started, []), share_of_time(replace(hp, stop_at_bound=stop), end, 1.0)
    )
    own = started_vector(mip, [pr])  # its own people, of the block's
    if x is not None and own @ x > best + 0.5:
        plan = decode_plans(mip, prs, x)[0]
    found = whole_people(st.bound)  # with a block, theirs together: its own is still below it
    seconds = time.perf_counter() - t0
    return _Alone(plan, tighter_bound(found, lp_bound), support, seconds, found if block else None)


def _start_alone(
    pr: GroupsProblem, res: Resources, greedy: GroupsResult, params: GroupsParams, hp: HighsParams
) -> tuple[tuple[np.ndarray, dict[int, list[int]]], np.ndarray, float | None]:
    """The programme's LP for the candidate groups worth offering the shared model, and a MIP
    restricted to those and the greedy plan's groups for a good plan fast, each within a share
    of the programme's own time: its plan, the LP's groups and the LP's bound."""
    if len(pr.pair_person) == 0:  # nobody has a group to join: nobody can start
        none: tuple[np.ndarray, dict[int, list[int]]] = (
            np.full(len(pr.person_ids), -1, np.int64),
            {},
        )
        return none, np.zeros(0, np.int64), 0.0
    end = time.perf_counter() + hp.time_limit_seconds
    mip = quarter_mip([pr], res)
    model = maximise(mip, started_vector(mip, [pr]), [])
    ys = slice(mip.y0[0], mip.y0[0] + len(pr.cand_venue))
    lp, lp_st = solve(
        replace(model, integral=np.zeros(mip.n_cols, bool)),
        replace(share_of_time(hp, end, ALONE_LP_SHARE), lp_method="ipm"),  # 5x the simplex here
    )
    support = np.nonzero(lp[ys] > SUPPORT)[0] if lp is not None else np.zeros(0, np.int64)
    allowed = groups_used([pr], [support], [list(greedy.facilitators)])
    (plan,) = _plan_over([pr], res, allowed, [greedy], params, share_of_time(hp, end, SMALL_SHARE))
    # the LP bounds it too, where the MIP stopped before its root did (seed 42's TSP: 322)
    lp_bound = whole_people(lp_st.objective) if lp_st.status == "OPTIMAL" else None
    return plan, support, lp_bound


def _plan_over(
    problems: list[GroupsProblem],
    res: Resources,
    allowed: list[np.ndarray],
    start: list[GroupsResult],
    params: GroupsParams,
    hp: HighsParams,
    more_after: float | None = None,
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """The programmes' plans over only the `allowed` candidate groups, with what `res` leaves,
    people started first, from `start` (kept where HiGHS hands back nothing); where
    `more_after` is given, the solve stops once that many seconds have passed and it has a
    plan starting more people than `start`."""
    mip = quarter_mip(problems, res, allowed)
    value = LEX * started_vector(mip, problems) + worth_vector(mip, problems, params)
    first = encode_plans(mip, problems, start)
    if more_after is not None:
        hp = replace(hp, enough=(more_after, -float(value @ first) - LEX / 2))
    x, _ = solve(maximise(mip, value, []), hp, "", first)
    if x is None:
        return [(s.cand_of_person, s.facilitators) for s in start]
    return decode_plans(mip, problems, x)


def _budgets(sizes: list[int], params: GroupsParams) -> list[float]:
    """Each programme's seconds of its own: of `time_limit_seconds` a programme, `even_share`
    split evenly and the rest by person-group pairs, as its LP and MIPs grow with them. Even
    budgets were a cliff: on the seed 11 quarter TSP's LP (4,500 pairs) takes 3.6 s and had
    0.3 of 12 s, so it stopped unsolved in one run and TSP's plan kept the greedy's groups
    (171 started against 242 alone; the quarter 949 where it was 1,009 with the LP solved),
    while Resolve (400 pairs) was proved in 5.5 s of its 12."""
    total, pairs = params.time_limit_seconds * len(sizes), sum(sizes)
    if pairs == 0:
        return [params.time_limit_seconds] * len(sizes)
    even = params.even_share / len(sizes)
    return [total * (even + (1.0 - params.even_share) * s / pairs) for s in sizes]


def _fill(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[GroupsResult],
    params: GroupsParams,
) -> list[GroupsResult]:
    """`plans` (which fit together) with the people they leave out planned first come first
    served (`solve_greedy`) into new groups where rooms and facilitators are left, programme
    by programme. Why: the programmes' own plans put together (`put_together`) lose every group
    whose room or facilitators another took, with its members, and that start is the plan a
    joint step that finds nothing better keeps (on a busy machine, or stopped). Measured from
    the joint step's saved inputs: seed 5 of the East Midlands quarter 769 started -> 831
    (one programme kept none of its 121), seed 42 750 -> 797, seed 17 708 -> 756, seed 7 776
    -> 820; the joint step from it ended where it did (seed 5 984 and 982, where 984 and 985;
    seed 42 951 and 953, where 945 and 953)."""
    left = booked(problems, res, [r.facilitators for r in plans])
    out = []
    for pr, r in zip(problems, plans):
        rest = (r.cand_of_person[pr.pair_person] < 0) & ~np.isin(pr.pair_cand, list(r.facilitators))
        more = solve_greedy(pr.with_pairs(rest), left, params)
        left = more.resources if more.resources is not None else left
        placed = np.where(r.cand_of_person >= 0, r.cand_of_person, more.cand_of_person)
        facs = {**r.facilitators, **more.facilitators}
        out.append(replace(r, cand_of_person=placed, facilitators=facs))
    return out


def _own_together(
    problems: list[GroupsProblem],
    res: Resources,
    alone: list[tuple[np.ndarray, dict[int, list[int]]]],
    greedy: list[GroupsResult],
    merged: list[GroupsResult],
    params: GroupsParams,
    hp: HighsParams,
) -> list[GroupsResult]:
    """The programmes' own plans settled together: every programme at once over only the
    groups of its plan alone, the greedy plan's and `merged`'s (the plans put together and
    filled), people started first, every facilitator free, from `merged`; HiGHS's cut pool
    held small (`params.beside_cut_pool`), for at most `params.joint_seconds` and, once
    `OWN_TOGETHER_ENOUGH_SHARE` of a programme's seconds have passed, until it has a plan
    starting more than `merged`. Returns `merged` where it finds none.

    Why: the joint step starts from the better of this and `merged`, and keeps its start
    where its MIP finds nothing better in time, as on a slower day (seed 13 of the East
    Midlands quarter started 739) and on a quarter twice as large (3,000 referrals: the joint
    step's LP, 68,000 columns, needs 40 s, so it ended with its start, 1,450-1,502 started
    against the greedy's 1,381-1,428). From the joint step's saved inputs (2026-12-06, a
    fifth session, one core): seed 13 895 started in 2 s (proved; the programmes fitted in
    turn, which this replaced, 809 in 6.5 s), seed 5 977 in 5 s (in turn 905; the product
    ends at 984-989), the tight quarter 817 in 5 s (in turn 641, put together 697), the
    quarter of 3,000 1,749 in 10 s (in turn 1,212 in 13 s, put together 1,447). Without the
    small cut pool it found nothing in 5 s on seed 5 and the tight quarter: its plans come
    after the root's cut rounds."""
    allowed = groups_used(
        problems,
        [list(plan[1]) for plan in alone],
        [list(g.facilitators) for g in greedy],
        [list(m.facilitators) for m in merged],
    )
    plans = _plan_over(
        problems,
        res,
        allowed,
        merged,
        params,
        replace(
            hp, time_limit_seconds=params.joint_seconds, cut_pool=params.beside_cut_pool or None
        ),
        OWN_TOGETHER_ENOUGH_SHARE * params.time_limit_seconds,
    )
    if placed_total(plans) < people_started(merged) + 0.5:
        return merged
    stats = SolveStats("HEURISTIC", None, None, 0.0)
    return [GroupsResult(*plan, stats) for plan in plans]


def solve_quarter_mip(
    problems: list[GroupsProblem],
    res: Resources,
    params: GroupsParams,
    observer: SearchObserver | None = None,
) -> tuple[list[GroupsResult], Resources]:
    """Every programme's groups at once (module docstring). The programmes are taken in one
    order of their own (by their people), so the order they are given in changes nothing.
    Returns each programme's result, in the order given, and the resources left."""
    order = sorted(range(len(problems)), key=lambda p: sorted(problems[p].person_ids))
    results, left = _solve([problems[p] for p in order], res, params, observer)
    out: list[GroupsResult | None] = [None] * len(problems)
    for p, r in zip(order, results):
        out[p] = _given_order(r, order)
    return [r for r in out if r is not None], left


def solve_again_without(
    problems: list[GroupsProblem],
    res: Resources,
    results: list[GroupsResult],
    failed: dict[int, tuple[set[int], set[tuple[int, int]]]],
    params: GroupsParams,
    seconds: float,
    observer: SearchObserver | None = None,
) -> list[GroupsResult]:
    """The programmes of `failed` (programme -> (candidate groups, (person, group) pairs)
    neither of which the plan may use) solved again beside the other programmes' groups in
    `results`, every other candidate group open to them, all at once in `params.processes`
    processes where the quarter is large (`_runner`, as `_solve`; each held:
    `solvers.groups_rounds._Rounds.beside`), for at most `seconds`, from
    their plans without those groups and pairs; the gains kept where they fit beside the
    others'. Each result keeps its bounds (the plan is the same programme's with fewer
    options, so they still hold). Why: the engine books each member's pre-group appointment
    by half-day after the solve, where the model counts them by facilitator and week, and a
    group at its minimum falls through for one member with no half-day left
    (engine/groups/pre_group.py); without it, the programme may start more another way."""
    plans = [(r.cand_of_person, r.facilitators) for r in results]
    narrowed, start = list(problems), list(plans)
    for p, (groups, pairs) in failed.items():
        pr = problems[p]
        bad = np.isin(pr.pair_cand, list(groups))
        bad |= np.array([(i, c) in pairs for i, c in zip(pr.pair_person, pr.pair_cand)], bool)
        narrowed[p] = pr.with_pairs(~bad)
        cand_of = plans[p][0].copy()
        cand_of[np.isin(cand_of, list(groups))] = -1
        for i, c in pairs:
            if cand_of[i] == c:
                cand_of[i] = -1
        start[p] = (cand_of, {c: js for c, js in plans[p][1].items() if c not in groups})
    hp = HighsParams(
        seconds, threads=params.workers, random_seed=params.random_seed, observer=observer
    )
    hps = [hp] * len(problems)
    todo = sorted(failed)
    with _runner(problems, params, observer) as runner:
        rounds = _Rounds(runner, narrowed, res, params, hps)
        again, _ = rounds.beside(start, todo, hps, time.perf_counter() + seconds)
    out = []
    for r, (cand_of, facs) in zip(results, again):
        n = float(np.sum(cand_of >= 0))
        proved = r.started_bound is not None and n >= r.started_bound
        stats = replace(r.stats, status="OPTIMAL" if proved else "FEASIBLE", objective=n)
        out.append(
            replace(r, cand_of_person=cand_of, facilitators=facs, stats=stats, alternative=None)
        )
    return out


def _given_order(r: GroupsResult, order: list[int]) -> GroupsResult:
    """A result of the programmes taken in `order` with its block (and its alternative's)
    in the order given."""
    if r.together is not None:
        r = replace(r, together=(tuple(order[k] for k in r.together[0]), r.together[1]))
    if r.alternative is not None:
        r = replace(r, alternative=_given_order(r.alternative, order))
    return r


def _solve(
    problems: list[GroupsProblem],
    res: Resources,
    params: GroupsParams,
    observer: SearchObserver | None,
) -> tuple[list[GroupsResult], Resources]:
    """1. Each programme alone (every room and facilitator left): its bound, a plan, the
    candidate groups its LP uses. 2. All programmes over those groups and the greedy plan's,
    people started first, from the plans put together, with whom they leave out filled in
    first come first served (`_fill`; or those plans settled together, `_own_together`, or
    the greedy plan, whichever starts the most): the shared
    rooms and facilitators go where they start the most; with a second process, beside it
    the wider model that also has each programme's LP groups given what the others' groups
    hold in the plans put together, and the better of the two is kept (on a quarter too large
    for it, `_widen`, that process bounds the whole quarter from step 1's end instead).
    3. Each programme short of its bound alone again, beside the others' groups in the joint
    plan (their facilitators free to change): its bound there, and the better plans where
    found and fitting beside the others'; later rounds while the deadline allows (`_improve`).
    4. All the programmes bounded together, where it proves less than the sum alone
    (`_presolved_bound`). Never starts fewer than the first-come-first-served plan. Each step runs
    in `params.processes` processes (solvers.processes.Runner; a quarter of
    `params.processes_from_pairs` person-group pairs or more, in a process of its own where
    there is one), its jobs given up `params.late_seconds` past their planned end
    (`_held_until`) or past the deadline. Why one process apart: HiGHS neither checks its time
    limit nor calls back in a MIP's root cut rounds, so only ending its process ends such a
    solve; seed 42 replayed with one process so and as before (at once, one core each): 950 of
    954 both, the programmes alone 48.1 s where 47.3 s."""
    t0 = time.perf_counter()
    greedy, _ = in_turn(_greedy)(problems, res, params)
    if observer is not None:  # a plan in hand from the first seconds (what a stop keeps)
        observer.report(
            "started, first come first served", float(people_started(greedy)), None, True
        )
    hp = HighsParams(
        params.time_limit_seconds,
        threads=params.workers,
        random_seed=params.random_seed,
        observer=observer,
    )
    sizes = [len(pr.pair_person) for pr in problems]
    hps = [replace(hp, time_limit_seconds=s) for s in _budgets(sizes, params)]
    losses = _pair_losses(problems, res, params)
    block = _block(problems, res, params, losses)
    # a large quarter's solves run in processes of their own, one too, so that each step is held
    with _runner(problems, params, observer) as runner:
        found = _programmes_alone(runner, problems, res, greedy, params, hps, block)
        alone = [a.plan for a in found]
        own = [a.bound for a in found]
        support = [a.support for a in found]
        together = None
        if block:
            lone = _sum(own[p] for p in block)
            together = (tuple(block), tighter_bound(found[block[0]].together, lone))
        if observer is not None:
            observer.report("started, alone", placed_total(alone), _sum(own), force=True)
        caps: list[tuple[tuple[int, ...], float]] = [
            ((p,), b) for p, b in enumerate(own) if b is not None
        ]
        if together is not None and together[1] is not None:
            caps.append((together[0], together[1]))
        whole_bound = _WholeBound(runner, problems, res, caps, params, hp, t0)
        merged = _fill(problems, res, put_together(problems, res, alone), params)
        if people_started(merged) < people_started(greedy):
            merged = greedy
        # the programmes' own plans settled together
        jobs: list[tuple[Callable, tuple]] = [
            (_own_together, (problems, res, alone, greedy, merged, params, hp))
        ]
        limits, big = [params.joint_seconds], [sum(sizes)]
        widen = _widen(runner, sizes, params)
        if runner.parallel and not widen:  # its process bounds the whole quarter from now
            whole_bound.begin(runner)
        elif widen:  # the wider model's LPs beside the settled start
            jobs += [
                (
                    _support_given,
                    (pr, booked(problems, res, [r.facilitators for r in merged], p), h),
                )
                for p, (pr, h) in enumerate(zip(problems, hps))
            ]
            limits += [SUPPORT_GIVEN_LP_SHARE * h.time_limit_seconds for h in hps]
            big += sizes
        settled, *given = runner.map(
            _call, jobs, big, until=_held_until(limits, big, runner, params), late=_given_up
        )
        wider = given if widen else None
        if people_started(settled) > people_started(merged):
            merged = settled
        chosen = (
            support,
            [list(plan[1]) for plan in alone],
            [list(g.facilitators) for g in greedy],
            [list(m.facilitators) for m in merged],
        )
        masks = [groups_used(problems, *chosen)]
        if wider is not None:  # a second core: the wider model beside the narrow one
            masks.append(groups_used(problems, *chosen, wider))
        # the first (narrow) model may run on while it has found nothing better than its start
        on_until = min(
            time.perf_counter() + params.joint_seconds + params.joint_patience_seconds,
            t0 + params.deadline_seconds - params.final_proof_seconds,
        )
        joint_end = max(time.perf_counter() + params.joint_seconds, on_until)
        so_far = _sum(own) if together is None else _sum([together[1], *_others(own, block)])
        joint = runner.map(
            _joint,
            [
                (problems, res, m, merged, params, hp, on_until if k == 0 else None, so_far)
                for k, m in enumerate(masks)
            ],
            until=joint_end + params.late_seconds,
            late=_joint_late,
            then=lambda: whole_bound.begin(runner),  # on the first process the models leave
        )
        plans = max(joint, key=lambda j: j.value).plans
        # at their bound alone (as many as with every room and facilitator): nothing to try
        short = [p for p, b in enumerate(own) if b is None or placed_count(plans[p]) < b]
        whole_bound.begin(runner)
        rounds = _Rounds(runner, problems, res, params, hps, pairs=_competing(losses), own=own)
        plans, bounds = _improve(rounds, plans, short, t0)
        whole = whole_bound.result()
    seconds = time.perf_counter() - t0
    spent = sum(a.seconds for a in found)
    left = booked(problems, res, [plan[1] for plan in plans])
    shares = [a.seconds + (seconds - spent) / len(problems) for a in found]
    blocks = [together if p in block else None for p in range(len(problems))]
    out = _results(plans, bounds, own, shares, blocks, whole)
    if rounds.unsettled is not None:  # the booking may keep the plans before the settlement
        before = rounds.proofs.now(rounds.unsettled, short)
        was = _results(rounds.unsettled, before, own, shares, blocks, whole)
        out = [replace(r, alternative=b) for r, b in zip(out, was)]
    if observer is not None:
        observer.report(
            "started, shared", float(people_started(out)), quarter_bound(out), force=True
        )
    return out, left


def _runner(
    problems: list[GroupsProblem], params: GroupsParams, observer: SearchObserver | None
) -> Runner:
    """The processes a quarter's solves run in: `params.processes`, each held, from
    `params.processes_from_pairs` person-group pairs; below, here, one after another."""
    large = sum(len(pr.pair_person) for pr in problems) >= params.processes_from_pairs
    return Runner(params.processes if large else 1, observer, held=large)


def _widen(runner: Runner, sizes: list[int], params: GroupsParams) -> bool:
    """Whether the joint step runs the wider model beside the narrow one: with a second
    process, and below `params.wider_model_pairs` person-group pairs in all. Why not above:
    its LP (each programme's LP groups given the others' added) would not end in its share
    of the joint step (on the quarter of 3,000 referrals, 43,681 pairs, the joint LP needs
    33-40 s against 13 s, and both models kept their start), so that process bounds the whole
    quarter from the first step's end instead (`_WholeBound`): there 1,903 by 95 s, where the
    sum alone is 2,060 and, begun after the joint step, it did not end (the solve's plan the
    same, 1,756 started, in 94.1 s where 100.0 s)."""
    return runner.parallel and sum(sizes) < params.wider_model_pairs


def _programmes_alone(
    runner: Runner,
    problems: list[GroupsProblem],
    res: Resources,
    greedy: list[GroupsResult],
    params: GroupsParams,
    hps: list[HighsParams],
    block: list[int],
) -> list[_Alone]:
    """Step 1 of `_solve`: each programme alone (`_alone`, the block's centre with the block),
    the jobs held to their planned end (`_held_until`): one given up keeps the greedy's plan
    and the bound of everyone with a group to join (`_given_up`)."""
    sizes = [len(pr.pair_person) for pr in problems]
    # the block's first one bounds them all together, beside the others' own solves
    extra = [
        [problems[q] for q in block[1:]] if block and p == block[0] else None
        for p in range(len(problems))
    ]
    more = BLOCK_BOUND_SHARE * sum(hps[q].time_limit_seconds for q in block[1:])
    first: list[tuple[Callable, tuple]] = [
        (_alone, (pr, res, g, params, h, e, more if e else 0.0))
        for pr, g, h, e in zip(problems, greedy, hps, extra)
    ]
    limits = [h.time_limit_seconds + (more if e else 0.0) for h, e in zip(hps, extra)]
    big = [s + sum(len(q.pair_person) for q in e or []) for s, e in zip(sizes, extra)]
    if block:  # the centre's own bound, as its own MIP gives way to the block's, and the
        # block's at the LP's strength, where its MIP does not reach its root: last
        for of in ([block[0]], block):
            first.append((_presolved_bound, ([problems[q] for q in of], res, [], hps[of[0]])))
            limits.append(hps[of[0]].time_limit_seconds)
            big.append(0)
    until = _held_until(limits, big, runner, params)
    done = runner.map(_call, first, big, until=until, late=_given_up)
    found = done[: len(problems)]
    if block:
        c = block[0]
        found[c] = replace(found[c], bound=tighter_bound(done[-2], found[c].bound))
        found[c] = replace(found[c], together=tighter_bound(done[-1], found[c].together))
    return found


def _held_until(
    limits: list[float], sizes: list[int], runner: Runner, params: GroupsParams
) -> float:
    """When jobs with these time limits, queued by `sizes` on the runner's processes, are given
    up: `params.late_seconds` past their planned end (solvers.processes.planned_end). Why: each
    holds to its own limit, but HiGHS does not check it in a MIP's root cut rounds (a
    programme's MIP alone once ran 10.5 s of its 8 s), and a step with no end of its own
    would hold the solve's deadline hostage to the slowest."""
    planned = planned_end(limits, sizes, runner.processes)
    return time.perf_counter() + planned + params.late_seconds


def _given_up(fn: Callable, args: tuple):
    """What a job of the first steps answers when given up past its end (`_held_until`): a
    programme alone, the greedy's plan, no LP groups and the bound of everyone with a group to
    join (a bound: nobody else can start); the settled start, the plans put together it
    started from; a programme's LP given the others, no groups; a presolved bound, none."""
    if fn is _alone:
        pr, greedy, hp, block_seconds = args[0], args[2], args[4], args[6]
        return _Alone(
            (greedy.cand_of_person, greedy.facilitators),
            float(len(np.unique(pr.pair_person))),
            np.zeros(0, np.int64),
            hp.time_limit_seconds + block_seconds,
        )
    if fn is _own_together:
        return args[4]
    if fn is _support_given:
        return np.zeros(0, np.int64)
    return None


def _results(
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    bounds: dict[int, float | None],
    own: list[float | None],
    shares: list[float],
    blocks: list[tuple[tuple[int, ...], float | None] | None],
    whole: float | None,
) -> list[GroupsResult]:
    """Each programme's result: its plan, its bound given the others' groups (`bounds`) or
    alone (`own`), whichever is tighter, its share of the solve's seconds, its block's bound;
    all of them as one block where the whole quarter's bound (`whole`) is below their sum."""
    out = []
    for p, plan in enumerate(plans):
        bound = tighter_bound(bounds.get(p), own[p])
        n = placed_count(plan)
        proved = bound is not None and n >= bound
        stats = SolveStats(
            "OPTIMAL" if proved else "FEASIBLE", float(n), bound, shares[p], "groups-mip"
        )
        out.append(GroupsResult(*plan, stats, None, bound, own[p], together=blocks[p]))
    summed = quarter_bound(out)
    if whole is not None and (summed is None or whole < summed):  # all of them as one block
        out = [replace(r, together=(tuple(range(len(out))), whole)) for r in out]
    return out


class _WholeBound:
    """The whole quarter's bound (`_presolved_bound`, step 4 of `_solve`), with each
    programme held to its bound alone (`caps`), by the deadline of the solve begun at `t0`:
    begun beside the joint step on a core the pool leaves spare; on one of the pool's
    processes from the first step's end where the quarter is too large for the joint step's
    wider model (`_widen`); else queued on the pool's
    processes behind the joint models (`begin` as `Runner.map`'s `then`), so that it takes the
    first process they leave, the rounds taking the others; with one process, after the
    rounds, only where the deadline leaves `QUARTER_LP_SECONDS_PER_PAIR` a person-group pair
    (and a second). Why behind the joint models: on the East Midlands quarter it took 21-33 s
    of a core (12-15 s since its appointments are `_pooled`), which beside the joint step on
    the same two cores cost the plans more than it proved (seed 13 972 where 978), and which
    the rounds after the joint step leave only where the joint step is shorter
    (docs/groups-tuning.md, 2026-12-05). Why on the first process they leave, not after both:
    the first joint model may run on past the second by up to its patience
    (`GroupsParams.joint_patience_seconds`), with the other process idle; on seed 71 the joint
    step took 44-45 s, and begun after it the LP did not end by the deadline (the bound 959,
    the sum alone), where begun on the process the wider model left it ended (958), the
    rounds then had both processes, and the solve ended at 92.9 s where 102.0 s
    (docs/groups-tuning.md, a ninth session)."""

    def __init__(
        self,
        runner: Runner,
        problems: list[GroupsProblem],
        res: Resources,
        caps: list[tuple[tuple[int, ...], float]],
        params: GroupsParams,
        hp: HighsParams,
        t0: float,
    ) -> None:
        self.on = params.quarter_lp and len(problems) > 1
        self.job = (problems, res, caps)
        self.hp, self.end = hp, t0 + params.deadline_seconds
        self.late = params.late_seconds
        self.pairs = sum(len(pr.pair_person) for pr in problems)
        self.pending = runner.beside(_presolved_bound, self._args()) if self.on else None
        self.pooled, self.renewed = False, runner.renewed  # begun on the pool's processes

    def _args(self) -> tuple:
        return (*self.job, share_of_time(self.hp, self.end, 1.0))

    def begin(self, runner: Runner) -> None:
        """Begun on one of the pool's processes, unless begun there already and still running
        (a `Runner.map` that gave up a late job since ended it: begun again); with one
        process `Runner.start` begins nothing, and it runs after the rounds (`result`)."""
        ended = self.pooled and runner.renewed != self.renewed
        if self.on and (self.pending is None or ended):
            until = self.end + self.late
            self.pooled, self.renewed = True, runner.renewed
            self.pending = runner.start(_presolved_bound, self._args(), until)

    def result(self) -> float | None:
        """The bound (None: not run, or nothing proved)."""
        if self.pending is not None:
            return self.pending()
        needs = 1 + QUARTER_LP_SECONDS_PER_PAIR * self.pairs
        if not self.on or self.end - time.perf_counter() < needs:
            return None
        return _presolved_bound(*self._args())


def _others(own: list[float | None], block: list[int]) -> list[float | None]:
    """The bounds alone of the programmes outside the `block`."""
    return [b for p, b in enumerate(own) if p not in block]


def _sum(bounds: Iterable[float | None]) -> float | None:
    """The sum of bounds, None where one is unknown."""
    known = list(bounds)
    return None if None in known else float(sum(b for b in known if b is not None))


def _call(fn: Callable, args: tuple):
    """fn(*args): one `Runner.map` for jobs of different kinds."""
    return fn(*args)


def _presolved_bound(
    problems: list[GroupsProblem],
    res: Resources,
    caps: list[tuple[tuple[int, ...], float]],
    hp: HighsParams,
) -> float | None:
    """A bound on the programmes' people started together: HiGHS's presolved LP
    (solvers.highs.presolved_lp_bound) of their model with every room and facilitator, the
    people of each of `caps` (programme indices, bound: a programme alone, the block together)
    held to its proved bound.

    For one programme, the block's centre (`_solve`), whose own MIP gives way to the block's:
    it bounds TSP at 205 on seed 42, 230 on seed 17, 275 on seed 13 and 214 on seed 7 in 2-4 s
    of one core, where its plain LP bounds 220, 235 and 279 on the first three and its own MIP
    proves 205, 228, 272 and 213 in 19-55 s.

    For the block (`_block`), beside its MIP: where that MIP does not reach its root in its
    time, it bounds nothing below the block's sum alone, as on 2026-12-06 (a slower day) on
    seed 42 (631 after 28.9 s, where 348 proved on earlier days) and seed 13 (543 after 28.8 s;
    350 given 60 s); the block's presolved LP bounds them at 349 and 353 in 3-5 s of one core
    (their sums alone 355 and 358), and seed 19's at 352 where its MIP proved 351. Bigger
    blocks bound less at the LP's strength (seed 13's TSP with competitors up to 12,000 pairs:
    514 of 517 alone, the quarter 993 where 991), so it is the MIP's block.

    For the whole quarter, every programme (step 4 of `_solve`): the programmes' sum alone
    drops all their competition for rooms and facilitators, and the block (`_block`) restores
    it only where it centres on one programme and a few others; here it is restored among all
    of them, at the LP's strength, which the presolve raises (on seed 17 the quarter is bounded
    at 950 where the block's bound and the sum of the others alone give 957, and seed 5 at
    1,004 against 1,007). Without the caps the LP is looser than the sum alone (seed 42: 962
    against 960). Its appointments are `_pooled` (the bounds the same, in half the time). It
    took 20-40 s of one core on the East Midlands quarter (12-15 s pooled), so it runs beside
    the joint step on a core the pool leaves spare, else after the rounds where the deadline
    leaves it time enough (`QUARTER_LP_SECONDS_PER_PAIR`; on 2 cores and that quarter it does
    not). Run beside the joint step on the same two cores it cost the plans more than it
    proved: seed 13 started 972 where 978 before (the wide joint model kept its start), seed
    17 930 where 935-937; at a lower priority it did not end by the deadline."""
    mip = quarter_mip(problems, res, pooled=True)
    held = [(-started_vector(mip, problems, block), -bound) for block, bound in caps]
    st = presolved_lp_bound(maximise(mip, started_vector(mip, problems), held), hp)
    return whole_people(st.bound)


def _block(
    problems: list[GroupsProblem],
    res: Resources,
    params: GroupsParams,
    losses: dict[tuple[int, int], int] | None = None,
) -> list[int]:
    """The programmes whose bound alone is proved together (none, or two or more, the first
    first): the one needing the most facilitators' time (person-group pairs times facilitators
    a session times sessions a week), with the programmes whose first-come-first-served plans
    alone lose people put together with its own, the most first, while the block has at most
    `params.block_pairs` person-group pairs; then, where a block formed, the pairs left are
    filled with the other programmes, the smallest first. Why: the programmes' sum alone is a bound
    only because it drops their competition for rooms and facilitators, and on seed 42 that
    centres on TSP (docs/groups-tuning.md, 2026-12-04): TSP with BSR, Horizon and Resolve
    solved together proved 348 where their sum alone is 355, each of the three taken away
    raised TSP's bound given the others' groups by 2-4, and the other four solved together
    proved 605 against 606 alone in 85 s. A block's MIP grows with it (TSP, BSR, BBR and
    Horizon had not solved its root LP in 60 s on seed 7), hence the cap. Why filled: a
    programme whose first-come-first-served plan loses nothing beside the centre's may still
    compete with it in better plans. On seed 67 the block was TSP and Resolve (5,328 pairs);
    TSP with Horizon, solved together, proved 296 in 30 s where their sum alone is 299; with
    Horizon in the block (6,553 pairs) the quarter's bound was 1,007 where 1,012, the plans the
    same (996, replayed). On seeds 19, 37 and 53 the block grew by one small programme and the
    replays ended as before (935 of 945, 965 of 974, 919 of 932). Where no block forms (seed 5:
    TSP's competitors are too many pairs) none is made of the small ones: TSP with Horizon and
    Resolve bounded nothing less there, and its longer MIP left the plans 985 where 989."""
    n = len(problems)
    sizes = [len(pr.pair_person) for pr in problems]
    if n < 2:
        return []
    need = [s * pr.facilitators_needed * pr.sessions_per_week for s, pr in zip(sizes, problems)]
    centre = max(range(n), key=lambda p: (need[p], -p))
    if losses is None:
        losses = _pair_losses(problems, res, params)
    loss = {q: losses[min(centre, q), max(centre, q)] for q in range(n) if q != centre}
    losers = sorted((q for q in loss if loss[q] > 0), key=lambda q: (-loss[q], sizes[q], q))
    block = _up_to(params.block_pairs, sizes, [centre], losers)
    if len(block) < 2:
        return []
    rest = sorted((q for q in range(n) if q not in block), key=lambda q: (sizes[q], q))
    return _up_to(params.block_pairs, sizes, block, rest)


def _pair_losses(
    problems: list[GroupsProblem], res: Resources, params: GroupsParams
) -> dict[tuple[int, int], int]:
    """The people each pair of programmes (p < q) loses where their first-come-first-served
    plans alone are put together (`_merge_loss`): what `_block` and `_competing` rank by."""
    greedy = [solve_greedy(pr, res, params) for pr in problems]
    n = len(problems)
    return {
        (p, q): _merge_loss(problems, res, greedy, p, q) for p in range(n) for q in range(p + 1, n)
    }


def _competing(losses: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    """Every pair of programmes, those that lose the most people put together first
    (`_pair_losses`; then in index order): the order `_pairs` of solvers/groups_rounds.py
    tries them in. Why this order: on seed 42 TSP and BSR lose the most so (8), and they were
    the pair that found more beside the others' groups."""
    return sorted(losses, key=lambda pq: (-losses[pq], pq))


def _up_to(cap: int, sizes: list[int], block: list[int], order: list[int]) -> list[int]:
    """`block` with the programmes of `order` added in turn where its pairs stay within `cap`."""
    block = list(block)
    for q in order:
        if sum(sizes[k] for k in block) + sizes[q] <= cap:
            block.append(q)
    return block


def _merge_loss(
    problems: list[GroupsProblem], res: Resources, plans: list[GroupsResult], p: int, q: int
) -> int:
    """The people two programmes' plans alone lose put together (the fewer of both orders)."""
    have = people_started([plans[p], plans[q]])
    lost = []
    for a, b in ((p, q), (q, p)):
        put = put_together(
            [problems[a], problems[b]],
            res,
            [(plans[k].cand_of_person, plans[k].facilitators) for k in (a, b)],
        )
        lost.append(have - people_started(put))
    return min(lost)


@dataclass
class _Joint:
    """A plan of the joint model and its value there (people started first)."""

    plans: list[tuple[np.ndarray, dict[int, list[int]]]]
    value: float


def _joint(
    problems: list[GroupsProblem],
    res: Resources,
    allowed: list[np.ndarray],
    merged: list[GroupsResult],
    params: GroupsParams,
    hp: HighsParams,
    on_until: float | None = None,
    bound: float | None = None,
) -> _Joint:
    """All programmes over the `allowed` candidate groups, people started first, from the
    plans put together: first the joint LP, and the MIP over only the groups it uses (and
    the merged plan's) for a good plan fast (for `JOINT_SUPPORT_SHARE` of the time left, or
    on until it has one better than the start: past `params.joint_seconds`, to `on_until` (a
    time.perf_counter() reading), where given); then the whole restricted model from that
    plan for the time left. That MIP's time: it stops once `JOINT_SUPPORT_SHARE` has passed
    and it has gone half way in people from its start to the LP's people or `bound` (the
    quarter's bound so far), the lower (`_enough`), or has had nothing better for
    `JOINT_IDLE_SECONDS` since a plan better than its start. Each answer is kept only where it
    starts at least as many as the one before. Why on past the joint step's seconds: with the
    other core busy (a spinning process) seed 5's two models, their LPs 11 s and 13-17 s, had
    15 s and 13 s for that MIP and kept their start (831 started, where 984-985 idle), and run
    on, found 984 and 985 at 21 s and 25 s; the rounds after them, beside the others' groups,
    gain a few people where this gains 150. Why the first step: HiGHS on the whole restricted
    model (55,000 columns on the seed 11 quarter) spends 36 s at the root before its sub-MIP
    heuristic finds anything, so with 50 s it found 1,019 started in one run and nothing
    beyond the merged plan's 774 in another; the LP (10 s) and the MIP over its 280 groups
    (10 s, proved) give 1,017 every time. On seed 42 they give 944 in 10 s, and the whole
    model from there 950."""
    end = time.perf_counter() + params.joint_seconds
    latest = end if on_until is None else max(end, on_until)  # the LP and MIP may run to it
    mip = quarter_mip(problems, res, allowed)
    started = started_vector(mip, problems)
    value = LEX * started + worth_vector(mip, problems, params)
    model = maximise(mip, value, [])
    best = encode_plans(mip, problems, merged)
    lp, _ = solve(
        replace(model, integral=np.zeros(mip.n_cols, bool)),
        replace(share_of_time(hp, latest, JOINT_LP_SHARE), lp_method="ipm"),
    )
    if lp is not None:
        upper = mip.upper.copy()  # groups neither the LP nor the start has may not run
        for p, pr in enumerate(problems):
            ys = slice(mip.y0[p], mip.y0[p] + len(pr.cand_venue))
            upper[ys][(lp[ys] <= SUPPORT) & (best[ys] < 0.5)] = 0
        share = share_of_time(hp, end, JOINT_SUPPORT_SHARE).time_limit_seconds
        start, most = float(value @ best), float(started @ lp)
        if bound is not None:
            most = min(most, bound)
        x, _ = solve(
            replace(model, col_upper=upper),
            replace(
                share_of_time(hp, latest, 1.0),
                mip_rel_gap=JOINT_SUPPORT_GAP,
                enough=(share, -_enough(start, float(started @ best), most)),
                stall=(share, JOINT_IDLE_SECONDS, -start - 0.5),
            ),
            "groups-joint-support",
            best,
        )
        best = _better(started, best, x)
    if end - time.perf_counter() >= JOINT_WHOLE_MIN_SECONDS:
        x, _ = solve(model, share_of_time(hp, end, 1.0), "groups-joint", best)
        best = _better(started, best, x)
    return _Joint(decode_plans(mip, problems, best), float(value @ best))


def _enough(start: float, people: float, most: float) -> float:
    """The value (maximised) past which the MIP over the joint LP's groups may stop once its
    share of the time is spent: its start's value (`start`, starting `people`) and
    `JOINT_ENOUGH_OF_LP` of the people between them and `most` (the LP's or the quarter's
    bound), each worth `LEX`; at least half a unit past the start."""
    return start + max(0.5, JOINT_ENOUGH_OF_LP * LEX * (most - people))


def _joint_late(
    problems: list[GroupsProblem],
    res: Resources,
    allowed: list[np.ndarray],
    merged: list[GroupsResult],
    *rest,
) -> _Joint:
    """A joint model given up past its time (`params.late_seconds`): its start, valued below
    any plan the other model found, so that one is kept where it has one."""
    return _Joint([(r.cand_of_person, r.facilitators) for r in merged], -np.inf)


def _better(started: np.ndarray, best: np.ndarray, x: np.ndarray | None) -> np.ndarray:
    """`x` where it starts at least as many people as `best` (a solve from `best` that found
    nothing may hand back less), else `best`."""
    return x if x is not None and started @ x >= started @ best - 0.5 else best


def _support_given(pr: GroupsProblem, left: Resources, hp: HighsParams) -> np.ndarray:
    """The candidate groups of the programme's LP given what the others' groups hold: where it
    goes when the rooms and facilitators it wanted alone are taken (interior point, then
    HiGHS's crossover to an optimal vertex: the groups of one optimal solution, not of the
    whole optimal face; without the crossover the narrow joint model's MIP over its LP's
    groups found 944 on seed 42 where it finds 943, and the whole model after it 948-950
    where it found 945-950, too little to tell apart). Beside the narrow joint model, on the
    East Midlands quarter (tuning seeds 42 and 7) the wider one started 952 and 934 where the
    narrow one started 950 and 930; on seed 11 its root took the time and it kept the start
    (774) where the narrow one found 1,019. On 2026-12-04 it found 943 on seed 42 (the narrow
    one 950), 930 on seed 7 (927-928), 1,019 or 774 on seed 11 (1,017-1,018), and 878 on the
    tight quarter (872), so it stays for the quarters short of rooms and facilitators."""
    mip = quarter_mip([pr], left)
    model = maximise(mip, started_vector(mip, [pr]), [])
    lp, _ = solve(
        replace(model, integral=np.zeros(mip.n_cols, bool)),
        replace(
            hp, time_limit_seconds=hp.time_limit_seconds * SUPPORT_GIVEN_LP_SHARE, lp_method="ipm"
        ),
    )
    if lp is None:
        return np.zeros(0, np.int64)
    return np.nonzero(lp[mip.y0[0] : mip.y0[0] + len(pr.cand_venue)] > SUPPORT)[0]


def _greedy(pr: GroupsProblem, res: Resources, params: GroupsParams, observer=None):
    return solve_greedy(pr, res, params)
