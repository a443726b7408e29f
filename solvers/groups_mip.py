"""Programme groups for every programme of the quarter at once, as mixed-integer programs
(HiGHS), with a proved bound on the people started, per programme and overall.

The model: columns x (a person in a candidate group), y (a candidate group runs), h (a group
has women: then at least two), f (a trained facilitator runs a group), p (pre-group
appointments a facilitator gives a group in a week before it starts) and d (a facilitator's
whole half-days of appointments in a week); rows for one group a person, group sizes between
the minimum and the maximum, co-defendants apart, the facilitators each group needs, an
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
  (`_joint`).
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
  alone (whose own MIP gives way to the block's), each programme beside the others' groups
  before its MIP (which then runs only where the LP leaves the plan unproved), and the whole
  quarter with each programme held to its bound alone, on one of the two processes from the
  joint step's end to the deadline while the rounds take the other (`_WholeBound`).
- The programmes' time is shared by their size (`_budgets`), and a programme's bound alone
  is its MIP's or its LP's, the lower. Each bound MIP stops once it proves the plan in hand
  (`_proves`): on the East Midlands quarter that took 36-37 s of the programmes' time down
  to 25-27 s, as most of it went on finding again a plan as good as the one in hand.
A programme's bound alone is taken only from a solve given no start (given one, HiGHS 1.14
once claimed optimality for a worse schedule: solvers/upw_mip.py); the bound given the
others' groups comes from a solve from the joint plan, which must be feasible there, and
the quarter's bound does not rest on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from solvers.groups import (
    GroupsParams,
    GroupsProblem,
    GroupsResult,
    Resources,
    _weeks,
    active_sessions,
    book,
    free_facilitators,
    in_turn,
    pair_value,
    people_started,
    quarter_bound,
    room_free,
    solve_greedy,
)
from solvers.highs import HighsParams, LinearModel, Rows, presolved_lp_bound, solve
from solvers.processes import Runner
from solvers.types import SearchObserver, SolveStats, stop_asked

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
# The MIP over the joint LP's groups stops within this relative gap: a plan's value is about
# 1e8 (LEX a person), so 1e-4 is a tenth of one more person started, and what it leaves is the
# waits and travel the whole model then improves. Proving the last of it took seed 42's narrow
# model 4-12 s of its 19 (the plan in hand from 7 s): the whole restricted model then had 19-23 s
# and kept 943 started in 3 runs of 4; stopped at the gap, it had 25-31 s and reached 945-950
JOINT_SUPPORT_GAP = 1e-4
# Of a programme's own time, for its solve beside the others' groups: seed 42's TSP there needs
# 5.8 s to prove its 201 (the whole model, the others' groups held) and at 0.5 of 12 s had
# 6.4 s (it once stopped unproved); at 1.0 seed 7 took 114.6 s end to end, where programmes
# short of their bound used all of it
GIVEN_OTHERS_SHARE = 0.6
# Of that, at most, for its presolved LP before its MIP: seed 13's TSP needs 3 s of its 5.4 s
# there (at 0.5 its LP was cut short and its bound stayed unproved: 275 alone, 267 at 0.8)
GIVEN_OTHERS_LP_SHARE = 0.8
# At most this many rounds of that solve (`_improve`): the first for every programme short of
# its bound alone; each later one, for a gain that did not fit beside another's and each
# programme short of its bound given the others' groups, only while the solve has
# `GroupsParams.deadline_seconds` left, AGAIN_MIN_SECONDS at least. On seed 42 a joint plan of
# 948 went to 950 in the first round and 951 in the third, one of 949 to 952 and then 953 in a
# second round from the same random seed (not from the next ones); the tight quarter's second
# round (8.5 s) found nothing, hence the deadline.
AGAIN_ROUNDS = 3
AGAIN_MIN_SECONDS = 3.0
# The first round is held to the deadline too, but each of its solves has at least this many
# seconds (a proof beside the others' groups needs a few; the later rounds need the deadline's
# AGAIN_MIN_SECONDS to begin at all). Seed 5's quarter (217a40b) came out of the joint step 88.7 s
# in, 6.3 s before the deadline, and its first round, held only to each programme's own time,
# ran to 110.9 s and found nothing: the quarter took 116.7 s end to end of the 120 s.
FIRST_ROUND_MIN_SECONDS = 3.0
# Of its programmes' own time, for the bound of the block solved together (`_block`): on seed
# 42 TSP, BSR, Horizon and Resolve have 40 s, and their MIP together had its root bound (349)
# at 13 s and 348 at 21 s of one core, where the other programmes' own solves took 25 s
BLOCK_BOUND_SHARE = 0.5
# The whole quarter's bound (`_presolved_bound`) after the rounds, where no core was spare for it,
# only with this many seconds a person-group pair left before the deadline (and one more): on
# the East Midlands quarter (21,000-24,000 pairs) it took 20-40 s of one core, so 1-1.6 ms a
# pair, with a column for each pre-group appointment (12-15 s pooled: `_pooled`); with 13.5 s
# left on seed 42 it ran to the deadline and bounded nothing
QUARTER_LP_SECONDS_PER_PAIR = 0.002
WHOLE_TOLERANCE = 1e-6  # a bound on people started this close to a whole number is that number
LEX = 100_000  # per person started: above every other term of the plan, so starts come first


@dataclass
class QuarterMip:
    """The rows of the programmes' groups over shared rooms and facilitators, and where each
    programme's columns are."""

    rows: Rows
    n_cols: int
    x0: list[int]  # first x column of each programme (one per pair)
    y0: list[int]  # first y column of each programme (one per candidate group)
    facs: list[dict[int, list[tuple[int, int]]]]  # per programme: group -> [(column, facilitator)]
    women: list[dict[int, int]]  # per programme: group -> its h column
    fac_cost: np.ndarray  # per column: the facilitator's minutes to the venue (f columns)
    integral: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, bool))
    upper: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    # pre-group appointments: per programme, group -> [(column, facilitator, week)]; the
    # half-days column of each (facilitator, week); appointments a half-day; sessions left
    pre_cols: list[dict[int, list[tuple[int, int, int]]]] = field(default_factory=list)
    half_cols: dict[tuple[int, int], int] = field(default_factory=dict)
    per_slot: int = 1
    week_free: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.int64))


def quarter_mip(
    problems: list[GroupsProblem],
    res: Resources,
    allowed: list[np.ndarray] | None = None,
    pooled: bool = False,
) -> QuarterMip:
    """The model over `problems` with what `res` leaves; only the candidate groups marked in
    `allowed` (per programme, all when None) may run. `pooled`: each group's appointments
    only within the half-days its facilitators' weeks hold (`_pooled`), for a bound."""
    rows = Rows()
    n = 0
    x0: list[int] = []
    y0: list[int] = []
    facs: list[dict[int, list[tuple[int, int]]]] = []
    women: list[dict[int, int]] = []
    fcost: dict[int, int] = {}
    pre: dict[tuple[int, int], int] = {}  # pre-group columns [a, b) and their upper bound
    appts: dict[tuple[int, int], list[int]] = {}  # (facilitator, week) -> appointment columns
    pre_cols: list[dict[int, list[tuple[int, int, int]]]] = []
    rooms: dict[tuple[int, int, int], list[int]] = {}
    busy: dict[tuple[int, int, int], list[int]] = {}
    load: dict[tuple[int, int], list[tuple[int, int]]] = {}
    pool: list[tuple[list[int], list[tuple[int, int]]]] = []  # `pooled`: _pooled's rows
    for p, pr in enumerate(problems):
        nk, nc = len(pr.pair_person), len(pr.cand_venue)
        x0.append(n)
        y0.append(n + nk)
        n += nk + nc
        xo, yo = x0[-1], y0[-1]
        on = np.ones(nc, bool) if allowed is None else allowed[p]
        by_person: dict[int, list[int]] = {}
        by_cand: dict[int, list[int]] = {}
        for k, (i, c) in enumerate(zip(pr.pair_person.tolist(), pr.pair_cand.tolist())):
            by_person.setdefault(i, []).append(xo + k)
            by_cand.setdefault(c, []).append(k)
            rows.add([xo + k, yo + c], [1, -1], 0)  # x <= y: far tighter than the size row
        for cols in by_person.values():
            rows.add(cols, [1] * len(cols), 1)
        fc: dict[int, list[tuple[int, int]]] = {}
        wc: dict[int, int] = {}
        pc: dict[int, list[tuple[int, int, int]]] = {}
        for c in range(nc):
            ks = by_cand.get(c, [])
            usable = free_facilitators(pr, res, c) if ks and on[c] else []
            if len(usable) < pr.facilitators_needed or not room_free(pr, res, c):
                rows.add([yo + c], [1], 0)
                continue
            xs = [xo + k for k in ks]
            rows.add(xs + [yo + c], [1] * len(xs) + [-pr.max_group], 0)
            rows.add(xs + [yo + c], [-1] * len(xs) + [pr.min_group], 0)
            fem = [xo + k for k in ks if pr.person_female[pr.pair_person[k]]]
            if fem and not (pr.cand_women_only[c] and pr.min_group >= 2):
                wc[c] = h = n  # never exactly one woman: none, or at least two
                n += 1
                rows.add(fem + [h], [1] * len(fem) + [-pr.max_group], 0)
                rows.add(fem + [h], [-1] * len(fem) + [2], 0)
            v = int(pr.cand_venue[c])
            act = active_sessions(pr, c)
            for s, w in act:
                rooms.setdefault((v, s, w), []).append(yo + c)
            cost = dict(zip(pr.cand_facilitators[c].tolist(), pr.cand_fac_cost[c].tolist()))
            fc[c] = []
            for j in usable:
                fc[c].append((n, j))
                fcost[n] = cost[j]
                rows.add([n, yo + c], [1, -1], 0)
                for s, w in act:
                    busy.setdefault((j, s, w), []).append(n)
                for w in _weeks(pr, c):
                    load.setdefault((j, w), []).append((n, pr.sessions_per_week))
                n += 1
            cols = [col for col, _ in fc[c]]
            need = pr.facilitators_needed
            rows.add(cols + [yo + c], [1] * len(cols) + [-need], 0)
            rows.add(cols + [yo + c], [-1] * len(cols) + [need], 0)
            first = n
            if pooled:
                pc[c] = []
                _pooled(pr, c, xs, appts, pool)
            else:
                n, pc[c] = _pre_group(pr, c, xs, n, rows, appts)
            pre[(first, n)] = pr.max_group
        at = {
            (int(i), int(c)): xo + k for k, (i, c) in enumerate(zip(pr.pair_person, pr.pair_cand))
        }
        for a, b in pr.exclusions:
            for c in range(nc):
                if (a, c) in at and (b, c) in at:
                    rows.add([at[a, c], at[b, c]], [1, 1], 1)
        facs.append(fc)
        women.append(wc)
        pre_cols.append(pc)
    first = n
    per_slot = max((pr.pre_group_per_slot for pr in problems), default=1)
    half_cols = {key: first + k for k, key in enumerate(appts)}
    n = _half_days(rows, n, appts, load, per_slot)
    for xs, keys in pool:
        halves = [half_cols[key] for key in keys]
        rows.add(xs + halves, [1] * len(xs) + [-per_slot] * len(halves), 0)
    # a facilitator's half-days in a week: at most the sessions the week has left
    most = {
        col: max(0, int(res.fac_max[j] - res.fac_load[j, w])) for (j, w), col in half_cols.items()
    }
    _shared(rows, res, rooms, busy, load, most)
    upper = np.ones(n)
    for (a, b), top in pre.items():
        upper[a:b] = top
    integral = upper == 1  # appointment counts are continuous (a relaxation); half-days whole
    upper[first:n] = [most[col] for col in range(first, n)]
    integral[first:n] = True
    drive = np.zeros(n)
    drive[list(fcost)] = list(fcost.values())
    free = np.maximum(res.fac_max[:, None] - res.fac_load, 0)
    return QuarterMip(
        rows, n, x0, y0, facs, women, drive, integral, upper, pre_cols, half_cols, per_slot, free
    )


def _pre_group_weeks(pr: GroupsProblem, c: int) -> list[tuple[int, int]]:
    """(facilitator, week) for each facilitator who may give group `c`'s members their
    pre-group appointments and each week of the quarter before it starts that they fall in."""
    start = int(pr.cand_start[c])
    weeks = range(max(0, start - pr.pre_group_weeks), start)
    facs: list[int] = pr.cand_pre_facilitators[c].tolist() if pr.cand_pre_facilitators else []
    return [(int(j), w) for j in facs for w in weeks]


def _pre_group(
    pr: GroupsProblem, c: int, xs: list[int], n: int, rows: Rows, appts: dict
) -> tuple[int, list[tuple[int, int, int]]]:
    """Each member's pre-group appointment is with a trained facilitator within their drive,
    in a week before the group starts: columns for the appointments each such facilitator
    gives the group in each of those weeks, as many in all as members (`appts` collects them
    by facilitator and week, for `_half_days`). Returns the next column and the group's
    (column, facilitator, week)."""
    out = []
    for j, w in _pre_group_weeks(pr, c):
        appts.setdefault((j, w), []).append(n)
        out.append((n, j, w))
        n += 1
    if xs and pr.pre_group_weeks:
        cols = [col for col, _, _ in out]  # an appointment for each member
        rows.add(xs + cols, [1] * len(xs) + [-1] * len(cols), 0)
    return n, out


def _pooled(pr: GroupsProblem, c: int, xs: list[int], appts: dict, pool: list) -> None:
    """Each member's pre-group appointment within the half-days that the group's trained
    facilitators within their drive hold in the weeks before it starts: one row a group
    (members at most `pre_group_per_slot` a half-day held, as `_half_days` counts them), no
    column an appointment. The rows of `_pre_group` imply it (sum its group's row over those
    weeks), so it is a relaxation, for bounds only: it does not say whose half-day each
    appointment takes.
    Why: `_pre_group`'s appointment columns are most of the model (68,000 of 113,000 on
    seed 5 of the East Midlands quarter), and as they are continuous the presolve cannot
    round the rows they are in. The whole quarter's presolved LP without caps: seed 5
    1,006.82 in 15.3 s where 1,006.82 in 26.6 s; seed 37 979.01 in 12.3 s (979.20 in 24.2 s);
    seed 19 946.45 in 12.9 s (946.45 in 23.0 s); the tight quarter 899.73 in 12.6 s (899.27
    in 20.4 s): whole people, the same bounds in half the time (docs/groups-tuning.md)."""
    keys = _pre_group_weeks(pr, c)
    for key in keys:
        appts.setdefault(key, [])
    if xs and pr.pre_group_weeks:
        pool.append((xs, keys))


def _half_days(rows: Rows, n: int, appts: dict, load: dict, per_slot: int) -> int:
    """A facilitator's appointments in a week fill whole half-days (`per_slot` each), and each
    half-day is a session of their week: an integer column per facilitator and week, in the
    weekly rows (which half-day is left to the booking: this keeps a relaxation). Returns
    the next column."""
    for (j, w), cols in appts.items():
        if cols:  # none where the model is `pooled`
            rows.add(cols + [n], [1] * len(cols) + [-per_slot], 0)
        load.setdefault((j, w), []).append((n, 1))
        n += 1
    return n


def _shared(
    rows: Rows, res: Resources, rooms: dict, busy: dict, load: dict, most: dict[int, int]
) -> None:
    """The rows of the shared rooms and facilitators that can bind, each distinct row once
    (a group that runs for weeks repeats the same row every week). Every column is 0 or 1 but
    the half-days of `most`, up to their value there: a week's row can bind where its
    sessions at their most pass what the week has left (counting a half-day column as one,
    a week whose groups and half-days fitted once was left without its row, and its
    half-days free up to the largest week of any facilitator)."""
    seen: dict[tuple, float] = {}
    for (v, s, w), cols in rooms.items():
        free = max(0, int(res.rooms[v] - res.room_used[v, s, w]))  # history may overbook
        if len(cols) > free:
            key = (tuple(cols), (1,) * len(cols))
            seen[key] = min(seen.get(key, free), free)
    for cols in busy.values():
        if len(cols) > 1:
            key = (tuple(cols), (1,) * len(cols))
            seen[key] = min(seen.get(key, 1), 1)
    for (j, w), terms in load.items():
        free = max(0, int(res.fac_max[j] - res.fac_load[j, w]))
        if sum(q * most.get(c, 1) for c, q in terms) > free:
            key = (tuple(c for c, _ in terms), tuple(q for _, q in terms))
            seen[key] = min(seen.get(key, free), free)
    for (cols, vals), bound in seen.items():
        rows.add(cols, vals, bound)


def _started(
    mip: QuarterMip, problems: list[GroupsProblem], only: Iterable[int] | None = None
) -> np.ndarray:
    """The objective 'people started' as a column vector (of the programmes `only`, or all)."""
    c = np.zeros(mip.n_cols)
    for p in range(len(problems)) if only is None else only:
        c[mip.x0[p] : mip.x0[p] + len(problems[p].pair_person)] = 1
    return c


def _quality(mip: QuarterMip, problems: list[GroupsProblem], params: GroupsParams) -> np.ndarray:
    """The weighted objective of the CP-SAT model: each placement's value less the groups' and
    the facilitators' costs."""
    c = -mip.fac_cost.copy()
    for pr, xo, yo in zip(problems, mip.x0, mip.y0):
        c[xo : xo + len(pr.pair_person)] = pair_value(pr, params)
        c[yo : yo + len(pr.cand_venue)] = -params.group_cost
    return c


def _model(mip: QuarterMip, value: np.ndarray, at_least: list[tuple[np.ndarray, float]]):
    """Maximise `value` with each (column vector, floor) of `at_least` held."""
    rows = mip.rows.copy()
    for c, floor in at_least:
        nz = np.nonzero(c)[0]
        rows.add(nz, -c[nz], -floor)
    return LinearModel(
        -value,
        rows.matrix(mip.n_cols),
        np.full(len(rows.b), -np.inf),
        np.array(rows.b),
        np.zeros(mip.n_cols),
        mip.upper,
        mip.integral,
    )


def _decode(
    mip: QuarterMip, problems: list[GroupsProblem], values: np.ndarray
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """Each programme's group per person (-1: none) and facilitators per group that runs."""
    out = []
    for p, pr in enumerate(problems):
        xo, yo = mip.x0[p], mip.y0[p]
        x = values[xo : xo + len(pr.pair_person)] > 0.5
        cand_of = np.full(len(pr.person_ids), -1, np.int64)
        cand_of[pr.pair_person[x]] = pr.pair_cand[x]
        facs = {
            c: sorted(j for col, j in cols if values[col] > 0.5)
            for c, cols in mip.facs[p].items()
            if values[yo + c] > 0.5
        }
        out.append((cand_of, facs))
    return out


def _encode(
    mip: QuarterMip, problems: list[GroupsProblem], plans: list[GroupsResult]
) -> np.ndarray:
    """The column values of a plan (the starting solution HiGHS is given)."""
    v = np.zeros(mip.n_cols)
    for p, (pr, r) in enumerate(zip(problems, plans)):
        xo, yo = mip.x0[p], mip.y0[p]
        placed = r.cand_of_person[pr.pair_person] == pr.pair_cand
        v[xo : xo + len(pr.pair_person)] = placed
        for c, js in r.facilitators.items():
            v[yo + c] = 1
            for col, j in mip.facs[p].get(c, []):
                v[col] = j in js
            if c in mip.women[p]:
                members = np.nonzero(r.cand_of_person == c)[0]
                v[mip.women[p][c]] = pr.person_female[members].any()
    _encode_appointments(mip, problems, plans, v)
    return v


def _encode_appointments(
    mip: QuarterMip, problems: list[GroupsProblem], plans: list[GroupsResult], v: np.ndarray
) -> None:
    """Each group's members' appointments in the plan's start: filling half-days its
    facilitators-to-be open in the weeks before it, within the sessions their weeks have left
    once the plan's groups are taken (a group that cannot be covered leaves the start short,
    for HiGHS to repair)."""
    left = mip.week_free.copy()
    for pr, r in zip(problems, plans):
        for c, js in r.facilitators.items():
            for w in _weeks(pr, c):
                left[js, w] -= pr.sessions_per_week
    half: dict[tuple[int, int], int] = {}
    given: dict[tuple[int, int], int] = {}
    for p, r in enumerate(plans):
        for c in r.facilitators:
            need = int((r.cand_of_person == c).sum())
            for col, j, w in mip.pre_cols[p].get(c, []):
                while need > 0:
                    room = mip.per_slot * half.get((j, w), 0) - given.get((j, w), 0)
                    if room <= 0:
                        if left[j, w] - half.get((j, w), 0) <= 0:
                            break
                        half[(j, w)] = half.get((j, w), 0) + 1
                        continue
                    take = min(need, room)
                    v[col] += take
                    given[(j, w)] = given.get((j, w), 0) + take
                    need -= take
    for key, col in mip.half_cols.items():
        v[col] = half.get(key, 0)


def _mask(problems: list[GroupsProblem], *plans: list) -> list[np.ndarray]:
    """Per programme: the candidate groups any of `plans` (lists of per-programme group index
    arrays) uses."""
    out = [np.zeros(len(pr.cand_venue), bool) for pr in problems]
    for plan in plans:
        for p, used in enumerate(plan):
            out[p][np.asarray(used, np.int64)] = True
    return out


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
    LP's here (`_solve` tightens it by its presolved LP's, a job of its own:
    `_presolved_bound`). On seeds 42 and 7 TSP's own MIP had found no better plan than its MIP
    over its LP's groups, and it is short of its bound alone in every joint plan, so its bound
    is proved beside the others' groups (`_improve`)."""
    t0 = time.perf_counter()
    plan, support, lp_bound = _start_alone(pr, res, greedy, params, hp)
    best = _placed(plan)
    if block is None and lp_bound is not None and lp_bound <= best:  # proved best already
        return _Alone(plan, lp_bound, support, time.perf_counter() - t0)
    prs = [pr] + (block or [])
    mip = quarter_mip(prs, res)
    started = _started(mip, prs)
    end = t0 + hp.time_limit_seconds + block_seconds
    stop = None if block else _proves(best)
    x, st = solve(_model(mip, started, []), _within(replace(hp, stop_at_bound=stop), end, 1.0))
    own = _started(mip, [pr])  # its own people, of the block's
    if x is not None and own @ x > best + 0.5:
        plan = _decode(mip, prs, x)[0]
    found = _whole(st.bound)  # with a block, theirs together: its own is still below it
    seconds = time.perf_counter() - t0
    return _Alone(plan, _tighter(found, lp_bound), support, seconds, found if block else None)


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
    model = _model(mip, _started(mip, [pr]), [])
    ys = slice(mip.y0[0], mip.y0[0] + len(pr.cand_venue))
    lp, lp_st = solve(
        replace(model, integral=np.zeros(mip.n_cols, bool)),
        replace(_within(hp, end, ALONE_LP_SHARE), lp_method="ipm"),  # 5x the simplex here
    )
    support = np.nonzero(lp[ys] > SUPPORT)[0] if lp is not None else np.zeros(0, np.int64)
    small = quarter_mip([pr], res, _mask([pr], [support], [list(greedy.facilitators)]))
    value = LEX * _started(small, [pr]) + _quality(small, [pr], params)
    x, _ = solve(
        _model(small, value, []), _within(hp, end, SMALL_SHARE), "", _encode(small, [pr], [greedy])
    )
    plan = (
        _decode(small, [pr], x)[0]
        if x is not None
        else (greedy.cand_of_person, greedy.facilitators)
    )
    # the LP bounds it too, where the MIP stopped before its root did (seed 42's TSP: 322)
    lp_bound = _whole(lp_st.objective) if lp_st.status == "OPTIMAL" else None
    return plan, support, lp_bound


def _whole(bound: float | None) -> float | None:
    """A bound on people started from a minimising solve's bound on -started: people are
    whole, so rounded down."""
    return None if bound is None else float(np.floor(-bound + WHOLE_TOLERANCE))


def _proves(started: int) -> float:
    """The dual bound of a solve minimising -started at which `started` is proved the most:
    people are whole, so any bound above -(started + 1) will do, with `_whole`'s tolerance
    (HiGHS's bound during the search is fractional: seed 42's TSP sat at -205.7 from 5 s,
    so a margin of half a person never stopped it). On the East Midlands quarter each
    programme's MIP alone had its final bound 1.3-5 s in but took 7-20 s to prove it by
    finding a plan as good as the one in hand (SI-ATB 1.8 s and 10.3 s, TSP 4.9 s and 20 s)."""
    return -(started + 1) + 2 * WHOLE_TOLERANCE


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


def _within(hp: HighsParams, end: float, share: float) -> HighsParams:
    """`share` of the time left before `end`."""
    left = max(0.05, (end - time.perf_counter()) * share)
    return replace(hp, time_limit_seconds=left)


def _merge(
    problems: list[GroupsProblem], res: Resources, plans: list[tuple[np.ndarray, dict]]
) -> list[GroupsResult]:
    """The programmes' own plans put together: each group keeps its room and facilitators
    where they are still free, takes other free trained facilitators where not, and is
    dropped (its members unplaced) where neither will do. Largest groups first."""
    res = res.copy()
    out = []
    for pr, (cand_of, facs) in zip(problems, plans):
        keep = np.full(len(pr.person_ids), -1, np.int64)
        kept: dict[int, list[int]] = {}
        size = np.bincount(cand_of[cand_of >= 0], minlength=len(pr.cand_venue))
        for c in sorted(facs, key=lambda c: (-int(size[c]), c)):
            if not room_free(pr, res, c):
                continue
            free = free_facilitators(pr, res, c)
            chosen = [j for j in facs[c] if j in free]
            chosen += [j for j in free if j not in chosen]
            if len(chosen) < pr.facilitators_needed:
                continue
            kept[c] = chosen[: pr.facilitators_needed]
            book(pr, res, c, kept[c])
            keep[cand_of == c] = c
        out.append(GroupsResult(keep, kept, SolveStats("HEURISTIC", None, None, 0.0)))
    return out


def _fill(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[GroupsResult],
    params: GroupsParams,
) -> list[GroupsResult]:
    """`plans` (which fit together) with the people they leave out planned first come first
    served (`solve_greedy`) into new groups where rooms and facilitators are left, programme
    by programme. Why: the programmes' own plans put together (`_merge`) lose every group
    whose room or facilitators another took, with its members, and that start is the plan a
    joint step that finds nothing better keeps (on a busy machine, or stopped). Measured from
    the joint step's saved inputs: seed 5 of the East Midlands quarter 769 started -> 831
    (one programme kept none of its 121), seed 42 750 -> 797, seed 17 708 -> 756, seed 7 776
    -> 820; the joint step from it ended where it did (seed 5 984 and 982, where 984 and 985;
    seed 42 951 and 953, where 945 and 953)."""
    left = _booked(problems, res, [r.facilitators for r in plans])
    out = []
    for pr, r in zip(problems, plans):
        rest = (r.cand_of_person[pr.pair_person] < 0) & ~np.isin(pr.pair_cand, list(r.facilitators))
        more = solve_greedy(pr.with_pairs(rest), left, params)
        left = more.resources if more.resources is not None else left
        placed = np.where(r.cand_of_person >= 0, r.cand_of_person, more.cand_of_person)
        facs = {**r.facilitators, **more.facilitators}
        out.append(replace(r, cand_of_person=placed, facilitators=facs))
    return out


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
        if r.together is not None:  # the block's programmes in the order given
            r = replace(r, together=(tuple(order[k] for k in r.together[0]), r.together[1]))
        out[p] = r
    return [r for r in out if r is not None], left


def _solve(
    problems: list[GroupsProblem],
    res: Resources,
    params: GroupsParams,
    observer: SearchObserver | None,
) -> tuple[list[GroupsResult], Resources]:
    """1. Each programme alone (every room and facilitator left): its bound, a plan, the
    candidate groups its LP uses. 2. All programmes over those groups and the greedy plan's,
    people started first, from the plans put together, with whom they leave out filled in
    first come first served (`_fill`; or the greedy plan, when that starts more): the shared
    rooms and facilitators go where they start the most; with a second process, beside it
    the wider model that also has each programme's LP groups given what the others' groups
    hold in the plans put together, and the better of the two is kept.
    3. Each programme short of its bound alone again, beside the others' groups in the joint
    plan (their facilitators free to change): its bound there, and the better plans where
    found and fitting beside the others'; later rounds while the deadline allows (`_improve`).
    4. All the programmes bounded together, where it proves less than the sum alone
    (`_presolved_bound`). Never starts fewer than the first-come-first-served plan. Each step runs
    in `params.processes` processes (solvers.processes.Runner)."""
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
    procs = params.processes if sum(sizes) >= params.processes_from_pairs else 1
    block = _block(problems, res, params)
    with Runner(procs, observer) as runner:
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
        big = [s + sum(len(q.pair_person) for q in e or []) for s, e in zip(sizes, extra)]
        if block:  # the centre's own bound, as its own MIP gives way to the block's: last
            first.append((_presolved_bound, ([problems[block[0]]], res, [], hps[block[0]])))
            big.append(0)
        done = runner.map(_call, first, big)
        found = done[: len(problems)]
        if block:
            c = block[0]
            found[c] = replace(found[c], bound=_tighter(done[-1], found[c].bound))
        alone = [a.plan for a in found]
        own = [a.bound for a in found]
        support = [a.support for a in found]
        together = None
        if block:
            lone = _sum(own[p] for p in block)
            together = (tuple(block), _tighter(found[block[0]].together, lone))
        if observer is not None:
            observer.report("started, alone", _count_plans(alone), _sum(own), force=True)
        caps: list[tuple[tuple[int, ...], float]] = [
            ((p,), b) for p, b in enumerate(own) if b is not None
        ]
        if together is not None and together[1] is not None:
            caps.append((together[0], together[1]))
        whole_bound = _WholeBound(runner, problems, res, caps, params, hp, t0)
        merged = _fill(problems, res, _merge(problems, res, alone), params)
        if people_started(merged) < people_started(greedy):
            merged = greedy
        chosen = (
            support,
            [list(plan[1]) for plan in alone],
            [list(g.facilitators) for g in greedy],
            [list(m.facilitators) for m in merged],
        )
        masks = [_mask(problems, *chosen)]
        if runner.parallel:  # a second core: the wider model beside the narrow one
            jobs = [
                (pr, _booked(problems, res, [r.facilitators for r in merged], p), hps[p])
                for p, pr in enumerate(problems)
            ]
            wider = runner.map(_support_given, jobs, sizes)
            masks.append(_mask(problems, *chosen, wider))
        joint = runner.map(_joint, [(problems, res, m, merged, params, hp) for m in masks])
        plans = max(joint, key=lambda j: j.value).plans
        # at their bound alone (as many as with every room and facilitator): nothing to try
        short = [p for p, b in enumerate(own) if b is None or _placed(plans[p]) < b]
        whole_bound.begin(runner)
        plans, bounds = _improve(_Rounds(runner, problems, res, params, hps), plans, short, t0)
        whole = whole_bound.result()
    seconds = time.perf_counter() - t0
    spent = sum(a.seconds for a in found)
    left = _booked(problems, res, [plan[1] for plan in plans])
    out = []
    for p, (a, plan) in enumerate(zip(found, plans)):
        bound = _tighter(bounds.get(p), own[p])
        n = _placed(plan)
        proved = bound is not None and n >= bound
        share = a.seconds + (seconds - spent) / len(problems)
        stats = SolveStats(
            "OPTIMAL" if proved else "FEASIBLE", float(n), bound, share, "groups-mip"
        )
        mine = together if p in block else None
        out.append(GroupsResult(*plan, stats, None, bound, own[p], together=mine))
    summed = quarter_bound(out)
    if whole is not None and (summed is None or whole < summed):  # all of them as one block
        out = [replace(r, together=(tuple(range(len(out))), whole)) for r in out]
    if observer is not None:
        observer.report(
            "started, shared", float(people_started(out)), quarter_bound(out), force=True
        )
    return out, left


class _WholeBound:
    """The whole quarter's bound (`_presolved_bound`, step 4 of `_solve`), with each
    programme held to its bound alone (`caps`), by the deadline of the solve begun at `t0`:
    begun beside the joint step on a core the pool leaves spare; else begun once the joint
    step ends (`begin`) on one of the pool's processes, the rounds taking the others; with one
    process, after the rounds, only where the deadline leaves `QUARTER_LP_SECONDS_PER_PAIR` a
    person-group pair (and a second). Why the pool's process after the joint step: on the East
    Midlands quarter it took 21-33 s of a core (12-15 s since its appointments are `_pooled`),
    which beside the joint step on the same two cores cost the plans more than it proved
    (seed 13 972 where 978), and which the rounds after the joint step leave only where the
    joint step is shorter (docs/groups-tuning.md, 2026-12-05)."""

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
        self.pairs = sum(len(pr.pair_person) for pr in problems)
        self.pending = runner.beside(_presolved_bound, self._args()) if self.on else None

    def _args(self) -> tuple:
        return (*self.job, _within(self.hp, self.end, 1.0))

    def begin(self, runner: Runner) -> None:
        """Once the joint step ends: begun on one of the pool's processes, unless begun."""
        if self.on and self.pending is None:
            self.pending = runner.start(_presolved_bound, self._args())

    def result(self) -> float | None:
        """The bound (None: not run, or nothing proved)."""
        if self.pending is not None:
            return self.pending()
        needs = 1 + QUARTER_LP_SECONDS_PER_PAIR * self.pairs
        if not self.on or self.end - time.perf_counter() < needs:
            return None
        return _presolved_bound(*self._args())


def _sum(bounds: Iterable[float | None]) -> float | None:
    """The sum of bounds, None where one is unknown."""
    known = list(bounds)
    return None if None in known else float(sum(b for b in known if b is not None))


def _count_plans(plans: list[tuple[np.ndarray, dict]]) -> float:
    """People started by every programme's plan (group per person, facilitators per group)."""
    return float(sum(_placed(plan) for plan in plans))


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
    held = [(-_started(mip, problems, block), -bound) for block, bound in caps]
    st = presolved_lp_bound(_model(mip, _started(mip, problems), held), hp)
    return _whole(st.bound)


def _block(problems: list[GroupsProblem], res: Resources, params: GroupsParams) -> list[int]:
    """The programmes whose bound alone is proved together (none, or two or more, the first
    first): the one needing the most facilitators' time (person-group pairs times facilitators
    a session times sessions a week), with the programmes whose first-come-first-served plans
    alone lose people put together with its own, the most first, while the block has at most
    `params.block_pairs` person-group pairs. Why: the programmes' sum alone is a bound
    only because it drops their competition for rooms and facilitators, and on seed 42 that
    centres on TSP (docs/groups-tuning.md, 2026-12-04): TSP with BSR, Horizon and Resolve
    solved together proved 348 where their sum alone is 355, each of the three taken away
    raised TSP's bound given the others' groups by 2-4, and the other four solved together
    proved 605 against 606 alone in 85 s. A block's MIP grows with it (TSP, BSR, BBR and
    Horizon had not solved its root LP in 60 s on seed 7), hence the cap."""
    n = len(problems)
    sizes = [len(pr.pair_person) for pr in problems]
    if n < 2:
        return []
    need = [s * pr.facilitators_needed * pr.sessions_per_week for s, pr in zip(sizes, problems)]
    centre = max(range(n), key=lambda p: (need[p], -p))
    greedy = [solve_greedy(pr, res, params) for pr in problems]
    loss = {q: _merge_loss(problems, res, greedy, centre, q) for q in range(n) if q != centre}
    block, pairs = [centre], sizes[centre]
    for q in sorted((q for q in loss if loss[q] > 0), key=lambda q: (-loss[q], sizes[q], q)):
        if pairs + sizes[q] <= params.block_pairs:
            block.append(q)
            pairs += sizes[q]
    return block if len(block) > 1 else []


def _merge_loss(
    problems: list[GroupsProblem], res: Resources, plans: list[GroupsResult], p: int, q: int
) -> int:
    """The people two programmes' plans alone lose put together (the fewer of both orders)."""
    have = people_started([plans[p], plans[q]])
    lost = []
    for a, b in ((p, q), (q, p)):
        put = _merge(
            [problems[a], problems[b]],
            res,
            [(plans[k].cand_of_person, plans[k].facilitators) for k in (a, b)],
        )
        lost.append(have - people_started(put))
    return min(lost)


def _improve(
    rounds: _Rounds,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    short: list[int],
    t0: float,
) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], dict[int, float | None]]:
    """Rounds of the programmes `short` of their bound alone solved again beside the others'
    groups (`_Rounds.beside`), each solve cut so that its round ends by the deadline of the
    solve begun at `t0` (`params.deadline_seconds`) less `params.final_proof_seconds`: the
    first for all of them (`_first_round`; each solve at least `FIRST_ROUND_MIN_SECONDS` where
    that deadline has passed), each later one, while the deadline leaves time, for a gain that
    did not fit beside another's (both took the same free room or facilitator) and each
    programme still short of its bound given the others' groups as they are now, beside the
    plans as they are now; then, in the seconds kept, the bounds that a gain undid
    (`_prove_again`). Returns the plans and each programme's bound given the others' groups in
    those plans (`_Proofs.now`)."""
    params, hps = rounds.params, rounds.hps
    deadline = t0 + params.deadline_seconds
    by = deadline - params.final_proof_seconds  # the rounds' end; then `_prove_again`
    remaining = by - time.perf_counter()
    first = _first_round(hps, short, rounds.runner, max(remaining, 0.0))
    held = by if remaining >= FIRST_ROUND_MIN_SECONDS else None  # else each has its floor
    plans, missed = rounds.beside(plans, short, first, held)
    for k in range(1, AGAIN_ROUNDS):
        now = rounds.proofs.now(plans, short)
        todo = sorted(set(missed) | {p for p in short if _unproved(plans[p], now[p])})
        remaining = by - time.perf_counter()
        if not todo or remaining < AGAIN_MIN_SECONDS or _stop_asked(hps):
            break
        capped = _by_deadline(hps, todo, rounds.runner.free, remaining, k, 0.0)
        plans, missed = rounds.beside(plans, todo, capped, by)
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
    seconds = max(remaining, FIRST_ROUND_MIN_SECONDS) / GIVEN_OTHERS_SHARE
    out[big] = replace(hps[big], time_limit_seconds=seconds)
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

    def beside(
        self,
        plans: list[tuple[np.ndarray, dict[int, list[int]]]],
        todo: list[int],
        hps: list[HighsParams],
        by: float | None = None,
        search: bool = True,
    ) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], list[int]]:
        """Each programme of `todo` solved again beside the others' groups of `plans`, all at
        once, by `hps` (`_given_others`, each by `by`; only bounded where not `search`), and
        the gains taken (`_take_gains`). Adds each one's bound beside `plans` to `proofs` and
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
        )
        for p, (_, bound) in zip(todo, found):
            self.proofs.add(p, plans, bound)
        plans = _take_gains(problems, res, plans, [(p, new) for p, (new, _) in zip(todo, found)])
        return plans, [p for p, (new, _) in zip(todo, found) if _placed(new[p]) > _placed(plans[p])]


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


def _tighter(given_others: float | None, alone: float | None) -> float | None:
    """A programme's bound given the others' groups: the solve beside them stopped in time may
    prove less than its bound alone (seed 11: TSP 346 beside the others, 242 alone), which
    holds there too, as the others' groups only take rooms and facilitators away."""
    known = [b for b in (given_others, alone) if b is not None]
    return min(known) if known else None


def _unproved(plan: tuple[np.ndarray, dict], bound: float | None) -> bool:
    """Whether a programme's plan is short of its bound (or has none)."""
    return bound is None or _placed(plan) < bound


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
    gain = {p: _placed(new[p]) - _placed(plans[p]) for p, new in found}
    improved: list[int] = []
    for p, new in sorted(found, key=lambda pf: -gain[pf[0]]):
        if gain[p] <= 0:
            continue
        own = [new[p] if q == p else plan for q, plan in enumerate(plans)]
        whole = [plans[q] if q in improved else plan for q, plan in enumerate(new)]
        fits = next((o for o in (own, whole) if _feasible(problems, res, o)), None)
        if fits is None:
            fitted = _fitted(problems, res, own, p)
            if _placed(fitted[p]) > _placed(plans[p]):
                fits = fitted
        if fits is not None:
            plans = fits
            improved.append(p)
    return plans


def _fitted(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    p: int,
) -> list[tuple[np.ndarray, dict[int, list[int]]]]:
    """`plans`, whose programmes but `p` fit together, with `p`'s groups put in after all of
    theirs as `_merge` puts groups in: each where its room is still free, with its own
    facilitators where free and other trained ones where not, and dropped with its members
    where neither will do. Two programmes solved again beside the same plan may take the same
    free room or facilitator at one time, and the later round that would look again may not
    have the time: on seed 7 Horizon's two more starts were lost so, beside BSR's four."""
    order = [q for q in range(len(problems)) if q != p] + [p]
    put = _merge([problems[q] for q in order], res, [plans[q] for q in order])[-1]
    return [
        (put.cand_of_person, put.facilitators) if q == p else plan for q, plan in enumerate(plans)
    ]


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
) -> _Joint:
    """All programmes over the `allowed` candidate groups, people started first, from the
    plans put together: first the joint LP, and the MIP over only the groups it uses (and
    the merged plan's) for a good plan fast (for `JOINT_SUPPORT_SHARE` of the time left, or
    on until it has one better than the start); then the whole restricted model from that
    plan for the time left. Each answer is kept only where it starts at least as many as the one
    before. Why the first step: HiGHS on the whole restricted model (55,000 columns on the
    seed 11 quarter) spends 36 s at the root before its sub-MIP heuristic finds anything, so
    with 50 s it found 1,019 started in one run and nothing beyond the merged plan's 774 in
    another; the LP (10 s) and the MIP over its 280 groups (10 s, proved) give 1,017 every
    time. On seed 42 they give 944 in 10 s, and the whole model from there 950."""
    end = time.perf_counter() + params.joint_seconds
    mip = quarter_mip(problems, res, allowed)
    started = _started(mip, problems)
    value = LEX * started + _quality(mip, problems, params)
    model = _model(mip, value, [])
    best = _encode(mip, problems, merged)
    lp, _ = solve(
        replace(model, integral=np.zeros(mip.n_cols, bool)),
        replace(_within(hp, end, JOINT_LP_SHARE), lp_method="ipm"),
    )
    if lp is not None:
        upper = mip.upper.copy()  # groups neither the LP nor the start has may not run
        for p, pr in enumerate(problems):
            ys = slice(mip.y0[p], mip.y0[p] + len(pr.cand_venue))
            upper[ys][(lp[ys] <= SUPPORT) & (best[ys] < 0.5)] = 0
        share = _within(hp, end, JOINT_SUPPORT_SHARE).time_limit_seconds
        x, _ = solve(
            replace(model, col_upper=upper),
            replace(
                _within(hp, end, 1.0),
                mip_rel_gap=JOINT_SUPPORT_GAP,
                enough=(share, -float(value @ best) - 0.5),
            ),
            "groups-joint-support",
            best,
        )
        best = _better(started, best, x)
    x, _ = solve(model, _within(hp, end, 1.0), "groups-joint", best)
    best = _better(started, best, x)
    return _Joint(_decode(mip, problems, best), float(value @ best))


def _better(started: np.ndarray, best: np.ndarray, x: np.ndarray | None) -> np.ndarray:
    """`x` where it starts at least as many people as `best` (a solve from `best` that found
    nothing may hand back less), else `best`."""
    return x if x is not None and started @ x >= started @ best - 0.5 else best


def _booked(
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
    model = _model(mip, _started(mip, [pr]), [])
    lp, _ = solve(
        replace(model, integral=np.zeros(mip.n_cols, bool)),
        replace(hp, time_limit_seconds=hp.time_limit_seconds * 0.3, lp_method="ipm"),
    )
    if lp is None:
        return np.zeros(0, np.int64)
    return np.nonzero(lp[mip.y0[0] : mip.y0[0] + len(pr.cand_venue)] > SUPPORT)[0]


def _greedy(pr: GroupsProblem, res: Resources, params: GroupsParams, observer=None):
    return solve_greedy(pr, res, params)


def _placed(plan: tuple[np.ndarray, dict]) -> int:
    """People started by one programme's plan (group per person, facilitators per group)."""
    return int((plan[0] >= 0).sum())


def _given_others(
    problems: list[GroupsProblem],
    res: Resources,
    plans: list[tuple[np.ndarray, dict[int, list[int]]]],
    p: int,
    params: GroupsParams,
    hp: HighsParams,
    share: float,
    by: float | None = None,
    search: bool = True,
) -> tuple[list[tuple[np.ndarray, dict[int, list[int]]]], float | None]:
    """Programme `p` with every candidate group, beside the other programmes' groups of
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
    allowed = [
        np.ones(len(pr.cand_venue), bool) if q == p else _mask([pr], [list(plans[q][1])])[0]
        for q, pr in enumerate(problems)
    ]
    mip = quarter_mip(problems, res, allowed)
    lower, upper = np.zeros(mip.n_cols), mip.upper.copy()
    for q, pr in enumerate(problems):
        if q != p:  # the others' groups run, with the members they have
            ys = slice(mip.y0[q], mip.y0[q] + len(pr.cand_venue))
            xs = slice(mip.x0[q], mip.x0[q] + len(pr.pair_person))
            lower[ys][list(plans[q][1])] = 1
            placed = plans[q][0][pr.pair_person] == pr.pair_cand
            lower[xs][placed] = 1
            upper[xs][~placed] = 0
    started = _started(mip, problems)
    have = int(_count_plans(plans))
    others = have - _placed(plans[p])
    now = [GroupsResult(*plan, SolveStats("HEURISTIC", None, None, 0.0)) for plan in plans]
    model = replace(_model(mip, started, []), col_lower=lower, col_upper=upper)
    first = _whole(presolved_lp_bound(model, _within(hp, end, GIVEN_OTHERS_LP_SHARE)).bound)
    if not search or (first is not None and first <= have):  # (or proved: none starts more)
        return plans, None if first is None else first - others
    pool = params.beside_cut_pool or None
    x, st = solve(
        model,
        replace(_within(hp, end, 0.8), stop_at_bound=_proves(have), cut_pool=pool),
        "",
        _encode(mip, problems, now),
    )
    whole = _tighter(_whole(st.bound), first)
    bound = None if whole is None else whole - others
    if x is None or started @ x < have + 0.5:
        return plans, bound
    held = float(round(started @ x))
    better = replace(
        _model(mip, _quality(mip, problems, params), [(started, held)]),
        col_lower=lower,
        col_upper=upper,
    )
    y, _ = solve(better, replace(hp, time_limit_seconds=max(0.5, end - time.perf_counter())), "", x)
    if y is not None and started @ y >= held - 0.5:
        x = y
    return _decode(mip, problems, x), bound


def _feasible(
    problems: list[GroupsProblem], res: Resources, plans: list[tuple[np.ndarray, dict]]
) -> bool:
    """Whether every group of `plans` has its room and its facilitators free beside all the
    others (two programmes each solved again beside the same plan may take the same free room
    or move the same facilitator)."""
    left = res.copy()
    for pr, (_, facs) in zip(problems, plans):
        for c, js in facs.items():
            if not room_free(pr, left, c) or not set(js) <= set(free_facilitators(pr, left, c)):
                return False
            book(pr, left, c, js)
    return True
