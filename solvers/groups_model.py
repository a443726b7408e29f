"""The quarter's programme groups as one mixed-integer model over the rooms and facilitators
the programmes share (`quarter_mip`), with what goes with it: its objective columns, the
HiGHS model, a plan encoded as a start and decoded back, and the plans' groups fitted onto
the rooms and facilitators left (`put_together`, `fits_together`). The solve that uses it is
solvers/groups_mip.py."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from solvers.groups import (
    GroupsParams,
    GroupsProblem,
    GroupsResult,
    Resources,
    _weeks,
    active_sessions,
    book,
    free_facilitators,
    pair_value,
    room_free,
)
from solvers.highs import HighsParams, LinearModel, Rows
from solvers.types import SolveStats

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
    # pre-group appointments: per programme, group -> its appointment node; per node, its
    # [(column, facilitator, week)] (`_appointment_nodes`); the half-days column of each
    # (facilitator, week); appointments a half-day; sessions left
    pre_node: list[dict[int, int]] = field(default_factory=list)
    node_cols: list[list[tuple[int, int, int]]] = field(default_factory=list)
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
    appts: dict[tuple[int, int], list[int]] = {}  # (facilitator, week) -> appointment columns
    nodes: dict[tuple[tuple[int, int], ...], list[int]] = {}  # appointment node -> x columns
    node_id: dict[tuple[tuple[int, int], ...], int] = {}
    pre_node: list[dict[int, int]] = []
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
        pn: dict[int, int] = {}
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
            if pooled:
                _pooled(pr, c, xs, appts, pool)
            elif xs and pr.pre_group_weeks:
                key = tuple(sorted(_pre_group_weeks(pr, c)))
                pn[c] = node_id.setdefault(key, len(node_id))
                nodes.setdefault(key, []).extend(xs)
        at = {
            (int(i), int(c)): xo + k for k, (i, c) in enumerate(zip(pr.pair_person, pr.pair_cand))
        }
        for a, b in pr.exclusions:
            for c in range(nc):
                if (a, c) in at and (b, c) in at:
                    rows.add([at[a, c], at[b, c]], [1, 1], 1)
        facs.append(fc)
        women.append(wc)
        pre_node.append(pn)
    appt_first = n
    n, node_cols = _appointment_nodes(rows, n, nodes, appts)
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
    for node, xs in zip(node_cols, nodes.values()):
        upper[[col for col, _, _ in node]] = len(xs)
    integral = upper == 1
    integral[appt_first:first] = False  # appointment counts are continuous; half-days whole
    upper[first:n] = [most[col] for col in range(first, n)]
    integral[first:n] = True
    drive = np.zeros(n)
    drive[list(fcost)] = list(fcost.values())
    free = np.maximum(res.fac_max[:, None] - res.fac_load, 0)
    return QuarterMip(
        rows,
        n,
        x0,
        y0,
        facs,
        women,
        drive,
        integral,
        upper,
        pre_node,
        node_cols,
        half_cols,
        per_slot,
        free,
    )


def _pre_group_weeks(pr: GroupsProblem, c: int) -> list[tuple[int, int]]:
    """(facilitator, week) for each facilitator who may give group `c`'s members their
    pre-group appointments and each week of the quarter before it starts that they fall in."""
    start = int(pr.cand_start[c])
    weeks = range(max(0, start - pr.pre_group_weeks), start)
    facs: list[int] = pr.cand_pre_facilitators[c].tolist() if pr.cand_pre_facilitators else []
    return [(int(j), w) for j in facs for w in weeks]


def _appointment_nodes(
    rows: Rows, n: int, nodes: dict[tuple[tuple[int, int], ...], list[int]], appts: dict
) -> tuple[int, list[list[tuple[int, int, int]]]]:
    """Each member's pre-group appointment is with a trained facilitator within their drive,
    in a week before the group starts. Candidate groups whose facilitators and weeks are the
    same (the slot patterns of one venue and start, the same training) are one node: columns
    for the appointments each of those facilitators gives the node's members in each of
    those weeks, as many in all as its members (`appts` collects them by facilitator and
    week, for `_half_days`). The appointment counts are continuous, so a flow for the node
    splits among its groups in any proportion: the same plans as a node per group, with
    fewer columns (seed 5 of the East Midlands quarter: 13,038 where 70,018, of 113,285).
    Returns the next column and each node's (column, facilitator, week)."""
    out = []
    for key, xs in nodes.items():
        cols = []
        for j, w in key:
            appts.setdefault((j, w), []).append(n)
            cols.append((n, j, w))
            n += 1
        rows.add(xs + [col for col, _, _ in cols], [1] * len(xs) + [-1] * len(cols), 0)
        out.append(cols)
    return n, out


def _pooled(pr: GroupsProblem, c: int, xs: list[int], appts: dict, pool: list) -> None:
    """Each member's pre-group appointment within the half-days that the group's trained
    facilitators within their drive hold in the weeks before it starts: one row a group
    (members at most `pre_group_per_slot` a half-day held, as `_half_days` counts them), no
    column an appointment. The rows of `_appointment_nodes` imply it (sum its node's row over
    those weeks), so it is a relaxation, for bounds only: it does not say whose half-day each
    appointment takes.
    Why: a column for each appointment a facilitator gives a group in a week was most of the
    model (68,000 of 113,000 on seed 5 of the East Midlands quarter), and as they are
    continuous the presolve cannot round the rows they are in. The whole quarter's presolved
    LP without caps: seed 5 1,006.82 in 15.3 s where 1,006.82 in 26.6 s; seed 37 979.01 in 12.3 s (979.20 in 24.2 s);
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


def started_vector(
    mip: QuarterMip, problems: list[GroupsProblem], only: Iterable[int] | None = None
) -> np.ndarray:
    """The objective 'people started' as a column vector (of the programmes `only`, or all)."""
    c = np.zeros(mip.n_cols)
    for p in range(len(problems)) if only is None else only:
        c[mip.x0[p] : mip.x0[p] + len(problems[p].pair_person)] = 1
    return c


def worth_vector(
    mip: QuarterMip, problems: list[GroupsProblem], params: GroupsParams
) -> np.ndarray:
    """The weighted objective of the CP-SAT model: each placement's value less the groups' and
    the facilitators' costs."""
    c = -mip.fac_cost.copy()
    for pr, xo, yo in zip(problems, mip.x0, mip.y0):
        c[xo : xo + len(pr.pair_person)] = pair_value(pr, params)
        c[yo : yo + len(pr.cand_venue)] = -params.group_cost
    return c


def maximise(mip: QuarterMip, value: np.ndarray, at_least: list[tuple[np.ndarray, float]]):
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


def decode_plans(
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


def encode_plans(
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
    """Each group's members' appointments in the plan's start: a flow from each node (the
    members of its groups) to the facilitators and weeks that may give them (`mip.node_cols`),
    each taking at most `mip.per_slot` a half-day within the sessions its week has left once
    the plan's groups are taken; the half-days each needs, rounded up. Why a flow: filling each group's
    facilitators' weeks in turn, first come first served, left a start of the tight quarter
    short where another assignment covered every group (7-10 rows unmet in a MIP over its
    round's plans' groups), so HiGHS dropped it and had no plan after 3 s, where from the
    flow's start it had 869 in 1.2 s. Where no flow covers every group, the start is left
    short (HiGHS repairs or drops it)."""
    left = mip.week_free.copy()
    for pr, r in zip(problems, plans):
        for c, js in r.facilitators.items():
            for w in _weeks(pr, c):
                left[js, w] -= pr.sessions_per_week
    demands = [0] * len(mip.node_cols)
    for p, r in enumerate(plans):
        for c in r.facilitators:
            if c in mip.pre_node[p]:
                demands[mip.pre_node[p][c]] += int((r.cand_of_person == c).sum())
    # (node, (facilitator, week), column)
    edges = [(g, (j, w), col) for g, cols in enumerate(mip.node_cols) for col, j, w in cols]
    given = _appointment_flow(demands, edges, left, mip.per_slot)
    half: dict[tuple[int, int], int] = {}
    for (_, key, col), amount in zip(edges, given):
        v[col] += amount
        half[key] = half.get(key, 0) + amount
    for key, col in mip.half_cols.items():
        v[col] = -(-half.get(key, 0) // mip.per_slot)


def _appointment_flow(
    demands: list[int],
    edges: list[tuple[int, tuple[int, int], int]],
    left: np.ndarray,
    per_slot: int,
) -> list[int]:
    """The appointments along each edge (group, (facilitator, week), column) of a maximum
    flow: each group at most its `demands`, each facilitator-week at most `per_slot` a
    session `left` of it."""
    if not edges:
        return []
    # one arc per group and facilitator-week (its first column carries the flow)
    first: dict[tuple[int, tuple[int, int]], int] = {}
    for e, (g, key, _) in enumerate(edges):
        first.setdefault((g, key), e)
    keys = sorted({key for _, key, _ in edges})
    node = {key: len(demands) + 1 + k for k, key in enumerate(keys)}
    sink = len(demands) + 1 + len(keys)
    arcs = list(first)
    tails = [0] * len(demands) + [g + 1 for g, _ in arcs] + [node[key] for key in keys]
    heads = [g + 1 for g in range(len(demands))] + [node[key] for _, key in arcs]
    heads += [sink] * len(keys)
    caps = demands + [demands[g] for g, _ in arcs]
    caps += [per_slot * max(0, int(left[j, w])) for j, w in keys]
    graph = sparse.csr_matrix(
        (np.array(caps, np.int32), (np.array(tails), np.array(heads))), shape=(sink + 1, sink + 1)
    )
    flow = maximum_flow(graph, 0, sink).flow
    carried = {e for e in first.values()}
    return [
        max(0, int(flow[g + 1, node[key]])) if e in carried else 0
        for e, (g, key, _) in enumerate(edges)
    ]


def groups_used(problems: list[GroupsProblem], *plans: list) -> list[np.ndarray]:
    """Per programme: the candidate groups any of `plans` (lists of per-programme group index
    arrays) uses."""
    out = [np.zeros(len(pr.cand_venue), bool) for pr in problems]
    for plan in plans:
        for p, used in enumerate(plan):
            out[p][np.asarray(used, np.int64)] = True
    return out


def whole_people(bound: float | None) -> float | None:
    """A bound on people started from a minimising solve's bound on -started: people are
    whole, so rounded down."""
    return None if bound is None else float(np.floor(-bound + WHOLE_TOLERANCE))


def proving_bound(started: int) -> float:
    """The dual bound of a solve minimising -started at which `started` is proved the most:
    people are whole, so any bound above -(started + 1) will do, with `whole_people`'s tolerance
    (HiGHS's bound during the search is fractional: seed 42's TSP sat at -205.7 from 5 s,
    so a margin of half a person never stopped it). On the East Midlands quarter each
    programme's MIP alone had its final bound 1.3-5 s in but took 7-20 s to prove it by
    finding a plan as good as the one in hand (SI-ATB 1.8 s and 10.3 s, TSP 4.9 s and 20 s)."""
    return -(started + 1) + 2 * WHOLE_TOLERANCE


def share_of_time(hp: HighsParams, end: float, share: float) -> HighsParams:
    """`share` of the time left before `end`."""
    left = max(0.05, (end - time.perf_counter()) * share)
    return replace(hp, time_limit_seconds=left)


def put_together(
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


def placed_total(plans: list[tuple[np.ndarray, dict]]) -> float:
    """People started by every programme's plan (group per person, facilitators per group)."""
    return float(sum(placed_count(plan) for plan in plans))


def tighter_bound(given_others: float | None, alone: float | None) -> float | None:
    """A programme's bound given the others' groups: the solve beside them stopped in time may
    prove less than its bound alone (seed 11: TSP 346 beside the others, 242 alone), which
    holds there too, as the others' groups only take rooms and facilitators away."""
    known = [b for b in (given_others, alone) if b is not None]
    return min(known) if known else None


def placed_count(plan: tuple[np.ndarray, dict]) -> int:
    """People started by one programme's plan (group per person, facilitators per group)."""
    return int((plan[0] >= 0).sum())


def fits_together(
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
