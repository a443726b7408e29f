"""A programme's bound on people started beside the rest of the quarter's plan as booked: the
other programmes' groups with their facilitators, and their members' pre-group appointments,
held; the programme's own groups, facilitators and pre-group appointments free, and the
appointments counted by half-day (each member one of their own half-days: a facilitator free
then, the person free then, before the group starts), not by facilitator and week.

Why: the joint model (solvers/groups_model.py) counts a group's pre-group appointments by
facilitator and week, so a plan it places may not book: on seed 42 of the East Midlands
quarter its BSR plan placed 89 and every plan beside the others that the booking could keep
started 88, two members of a group at its minimum having no half-day left. The bound beside
the others' groups is that model's (89), so the programme reads 1.1% short of a number no
plan reaches. With the appointments by half-day the bound is the booking's: 88 there, proved
by the presolved LP in 4 s. A model
of every programme so is far too large (the whole quarter's booking alone, 91,868 options,
did not end in 120 s), and beside the rest it has only one programme's pairs: it proves a
programme short of its bound once the plan is booked (engine.groups.booked_proof).

It is a relaxation of the booking, so a bound: an appointment's venue is left free (a
half-day held at one venue is not enforced), a member may split their appointment among
half-days (the appointment columns are continuous; the half-days opened are whole), and a
half-day the others' appointments hold is open to the programme's members for the places left
there (at whatever venue)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from solvers.groups import GroupsParams, GroupsProblem, Resources, _weeks, active_sessions
from solvers.groups_model import (
    LEX,
    QuarterMip,
    decode_plans,
    maximise,
    proving_bound,
    quarter_mip,
    started_vector,
    tighter_bound,
    whole_people,
    worth_vector,
)
from solvers.highs import HighsParams, LinearModel, presolved_lp_bound, solve

# the presolved LP runs only with this many seconds left (the smallest programme's took 0.7 s
# on the tight East Midlands quarter), and the MIP after it only with this many
LP_MIN_SECONDS = 0.5
MIP_MIN_SECONDS = 0.2
# a plan found starting more then has at most this long for its waits and travel, with as many
# started (the search's seconds are the proof's: seed 37's Resolve, 44 where 42, took 0.3 s)
WORTH_SECONDS = 2.0


@dataclass(frozen=True)
class PreGroupOptions:
    """Each person-group pair's pre-group half-days: pairs of one person whose groups have
    their first session on the same day at the same venue share a key (`pair_key`), and key
    q's half-days are
    `fac[ptr[q]:ptr[q + 1]]` with `slot` and `week` alike (a facilitator trained and within
    their drive of a venue the person may meet them at, both available then, in the weeks
    before the start: whether the facilitator is free is the model's)."""

    pair_key: np.ndarray
    ptr: np.ndarray
    fac: np.ndarray
    slot: np.ndarray
    week: np.ndarray


def booked_search(
    pr: GroupsProblem,
    res: Resources,
    places: dict[tuple[int, int, int], int],
    options: PreGroupOptions,
    have: int,
    hp: HighsParams,
    by: float | None = None,
    most_options: int | None = None,
    search: bool = True,
    lp_bound: float | None = None,
    params: GroupsParams | None = None,
) -> tuple[float | None, tuple[np.ndarray, dict[int, list[int]]] | None]:
    """The most people programme `pr` can start beside what `res` leaves (the running groups,
    the other programmes' groups, and the half-days their members' pre-group appointments
    hold), with `places` (facilitator, slot, week) -> the appointments still free in each of
    those half-days: the presolved LP first, then the MIP until it proves `have` (the plan in
    hand), within `hp`'s time and by `by` (a time.perf_counter() reading: a job that waited
    for a process has less time); without `search`, the LP alone; with `lp_bound` (that LP's
    whole bound, from before), the MIP alone. None where neither bounds it in time, or where
    the options open to it (`_open_options`) pass `most_options`, as its LP would not end.
    With it, the programme's plan (group per person, facilitators per group) where the MIP
    found one starting more than `have` (None where not): a plan of this relaxation, which
    the caller books before taking; with `params`, its waits and travel improved by their
    weights with as many started, within `WORTH_SECONDS` and by the end."""
    t0 = time.perf_counter()
    end = t0 + hp.time_limit_seconds if by is None else min(by, t0 + hp.time_limit_seconds)
    if end - t0 < LP_MIN_SECONDS:
        return None, None
    if most_options is not None and _open_options(res, places, options) > most_options:
        return None, None
    mip = quarter_mip([pr], res)
    model = _with_half_days(mip, pr, res, places, options)
    if end - time.perf_counter() < LP_MIN_SECONDS:
        return None, None
    first = lp_bound
    if first is None:
        lp = presolved_lp_bound(model, replace(hp, time_limit_seconds=end - time.perf_counter()))
        first = whole_people(lp.bound)
    left = end - time.perf_counter()
    if (first is not None and first <= have) or not search or left < MIP_MIN_SECONDS:
        return first, None
    x, st = solve(
        model, replace(hp, time_limit_seconds=left, stop_at_bound=proving_bound(have)), "booked"
    )
    bound = tighter_bound(whole_people(st.bound), first)
    started = np.concatenate([started_vector(mip, [pr]), np.zeros(model.a.shape[1] - mip.n_cols)])
    if x is None or started @ x < have + 0.5:
        return bound, None
    left = min(WORTH_SECONDS, end - time.perf_counter())
    if params is not None and left >= MIP_MIN_SECONDS:  # people first, then the rest
        worth = np.concatenate(
            [worth_vector(mip, [pr], params), np.zeros(len(started) - mip.n_cols)]
        )
        better = replace(model, cost=-(LEX * started + worth))
        y, _ = solve(better, replace(hp, time_limit_seconds=left, stop_at_bound=None), "", x)
        if y is not None and started @ y >= started @ x - 0.5:
            x = y
    return bound, decode_plans(mip, [pr], x[: mip.n_cols])[0]


def _open_options(
    res: Resources, places: dict[tuple[int, int, int], int], options: PreGroupOptions
) -> int:
    """The options whose half-day may take an appointment (`_with_half_days`' columns): one
    the others hold with places left, or one the facilitator may still open."""
    j, s, w = options.fac, options.slot, options.week
    shut = res.fac_busy[j, s, w] | (res.fac_load[j, w] >= res.fac_max[j])
    if places:
        n_slots, n_weeks = res.fac_busy.shape[1:]
        code = (j * n_slots + s) * n_weeks + w
        held = np.array([(a * n_slots + b) * n_weeks + c for a, b, c in places], np.int64)
        left = np.array(list(places.values()), np.int64)
        order = np.argsort(held)
        at = np.minimum(np.searchsorted(held[order], code), len(held) - 1)
        there = held[order][at] == code
        shut[there] = left[order][at[there]] == 0
    return int((~shut).sum())


def _with_half_days(
    mip: QuarterMip,
    pr: GroupsProblem,
    res: Resources,
    places: dict[tuple[int, int, int], int],
    options: PreGroupOptions,
) -> LinearModel:
    """`mip` (the programme alone beside `res`), maximising people started, with each member's
    appointment in a half-day of theirs: per key, its pairs' x at most the appointments taken
    in its half-days (continuous columns); a half-day not held by the others takes at most
    `per_slot` once opened (a whole column), which the facilitator's session of a group then
    rules out, and counts as a session of their week; one the others hold takes its `places`."""
    rows = mip.rows.copy()
    n = mip.n_cols
    per_slot = pr.pre_group_per_slot
    xs_of: dict[int, list[int]] = {}  # key (one person's) -> its pairs' x columns
    for k, q in enumerate(options.pair_key.tolist()):
        xs_of.setdefault(q, []).append(mip.x0[0] + k)
    takes: dict[tuple[int, int, int], list[int]] = {}  # half-day -> its appointment columns
    for q, xs in xs_of.items():
        cols = []
        for h in range(int(options.ptr[q]), int(options.ptr[q + 1])):
            j, s, w = int(options.fac[h]), int(options.slot[h]), int(options.week[h])
            held = places.get((j, s, w))
            if held == 0 or (held is None and _closed(res, j, s, w)):
                continue
            cols.append(n)
            takes.setdefault((j, s, w), []).append(n)
            n += 1
        rows.add(xs + cols, [1] * len(xs) + [-1] * len(cols), 0)
    n_appts = n - mip.n_cols
    busy, load = _own_sessions(mip, pr)
    opened: dict[tuple[int, int], list[int]] = {}  # (facilitator, week) -> half-day columns
    for (j, s, w), cols in takes.items():
        if (j, s, w) in places:
            rows.add(cols, [1] * len(cols), places[(j, s, w)])
            continue
        rows.add(cols + [n], [1] * len(cols) + [-per_slot], 0)
        sessions = busy.get((j, s, w), [])
        rows.add(sessions + [n], [1] * (len(sessions) + 1), 1)
        opened.setdefault((j, w), []).append(n)
        n += 1
    for (j, w), cols in opened.items():
        terms = load.get((j, w), [])
        free = max(0, int(res.fac_max[j] - res.fac_load[j, w]))
        rows.add([c for c, _ in terms] + cols, [q for _, q in terms] + [1] * len(cols), free)
    integral = np.concatenate(
        [mip.integral, np.zeros(n_appts, bool), np.ones(n - mip.n_cols - n_appts, bool)]
    )
    upper = np.concatenate([mip.upper, np.ones(n - mip.n_cols)])
    wide = replace(mip, rows=rows, n_cols=n, integral=integral, upper=upper)
    return maximise(wide, np.concatenate([started_vector(mip, [pr]), np.zeros(n - mip.n_cols)]), [])


def _closed(res: Resources, j: int, s: int, w: int) -> bool:
    """Whether facilitator `j` cannot open half-day (`s`, `w`) for appointments: busy then, or
    no session of their week left."""
    return bool(res.fac_busy[j, s, w]) or res.fac_load[j, w] >= res.fac_max[j]


def _own_sessions(
    mip: QuarterMip, pr: GroupsProblem
) -> tuple[dict[tuple[int, int, int], list[int]], dict[tuple[int, int], list[tuple[int, int]]]]:
    """The programme's facilitator columns by the half-day each would take the facilitator
    for, (facilitator, slot, week), and by their week with its sessions: (column, sessions)."""
    busy: dict[tuple[int, int, int], list[int]] = {}
    load: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for c, cols in mip.facs[0].items():
        act = active_sessions(pr, c)
        for col, j in cols:
            for s, w in act:
                busy.setdefault((j, s, w), []).append(col)
            for w in _weeks(pr, c):
                load.setdefault((j, w), []).append((col, pr.sessions_per_week))
    return busy, load
