"""Pre-group appointments: each member of a new group meets a trained facilitator one to one
in the weeks before the group's first session, booked half-day by half-day after the solve,
with the repairs a team would make where someone cannot be booked (another group of the
programme, a group handed to another facilitator)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.groups import reasons as why
from engine.groups.plan import (
    OneToOneSetup,
    ProgrammePlan,
    book_sessions,
    pre_group_days,
)
from engine.groups.reasons import Why
from engine.groups.rules import co_defendants, pre_group_venues
from solvers.appointments import AppointmentsProblem, first_fit
from solvers.groups import (
    GroupsParams,
    GroupsProblem,
    GroupsResult,
    Resources,
    active_sessions,
    book,
    booked,
    free_facilitators,
    people_started,
    room_free,
)
from solvers.groups_booked import PreGroupOptions
from solvers.groups_mip import solve_again_without
from solvers.types import SearchObserver, stop_asked

# `book_solved` solves the programmes again only with this many of `params.rebook_seconds` left
REBOOK_MIN_SECONDS = 2.0


@dataclass
class PreGroup:
    """A group member's pre-group session: one-to-one with a trained facilitator (one of the
    group's own where they are free) in the weeks before the group's first session."""

    programme: str
    person: int  # index in the programme plan's people
    cand: int  # the group's candidate index
    day: date
    slot: int
    venue: int
    facilitator: int


class _Diary:
    """The half-days facilitators hold for pre-group appointments: (facilitator, slot, week) ->
    [venue, appointments]. The first appointment takes the half-day from the facilitator's
    week (as a session); up to `per_slot` people meet them there in it."""

    def __init__(self, res: Resources, per_slot: int) -> None:
        self.res, self.per_slot = res, per_slot
        self.held: dict[tuple[int, int, int], list[int]] = {}

    def can(self, j: int, s: int, w: int, v: int) -> bool:
        """Room for one more appointment at venue `v` in the facilitator's half-day: one held
        there with room, or a half-day free within their week."""
        held = self.held.get((j, s, w))
        if held is not None:
            return held[0] == v and held[1] < self.per_slot
        res = self.res
        return not res.fac_busy[j, s, w] and res.fac_load[j, w] < res.fac_max[j]

    def copy(self) -> _Diary:
        """A diary to try bookings in, over a copy of the resources."""
        out = _Diary(self.res.copy(), self.per_slot)
        out.held = {k: list(v) for k, v in self.held.items()}
        return out

    def take(self, tried: _Diary) -> None:
        """The bookings tried in `tried` (a `copy` of this one) made here, in place."""
        for name in ("room_used", "fac_busy", "fac_load"):
            getattr(self.res, name)[...] = getattr(tried.res, name)
        self.held = tried.held

    def add(self, j: int, s: int, w: int, v: int, sign: int = 1) -> None:
        held = self.held.setdefault((j, s, w), [v, 0])
        if held[1] == 0 and sign > 0:
            book_sessions(self.res, v, [j], [(s, w)])
            self.res.room_used[v, s, w] -= 1  # an appointment, not a group room
        held[1] += sign
        if held[1] == 0:
            del self.held[(j, s, w)]
            self.res.room_used[v, s, w] += 1
            book_sessions(self.res, v, [j], [(s, w)], -1)


def plan_pre_group(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[list[GroupsResult], list[PreGroup], Resources]:
    """Each member of a new group gets a one-to-one pre-group appointment in the
    `pre_group_weeks` before the group's first session, in the person's slots, at the group's
    venue, with a facilitator trained for the programme within their drive, free in that
    half-day and within their weekly sessions (a half-day of appointments is one session; it
    holds up to `pre_group_per_slot` people). All members are booked together, first fit
    (those with the fewest options first, then in referral order), packed into half-days
    already open (solvers/appointments.py): the latest day first, the group's own
    facilitators first; whom that leaves out, where moving others along makes room. The
    joint model kept facilitators' weeks free for them (solvers/groups_mip.py). Whoever has
    none before their group moves to another of the programme's groups they suit with a place
    and an appointment before it, if any. Whoever
    cannot have one does not start the group; a group left below its minimum, or with one
    woman, loses her or does not run (its room and facilitators are freed), and then its
    members, their appointments given back, may move so too (seed 23 of the East Midlands
    quarter: a BBR group at its minimum of 6, three members with no half-day left once the
    planned groups had their facilitators' sessions, did not run, and one of the other three
    started another BBR group). Before that, a group that cannot run, nor with whoever waits
    for it (`_rescue`), moves to another start at its venue and slots where enough of its
    members have an appointment (`_another_start`; seed 19: 934 of the 934 placed start, where
    930 did). Then, for each member so left out, in turn, the booking is
    tried again with another new group handed to another facilitator where that frees one of
    their half-days or a session of its week (`_hand_overs`; at most `pre_group_hand_overs`
    bookings in all), and the one that starts the most is kept where it starts more: the model
    counts appointments by facilitator and week, not by half-day (seed 19: a Horizon group of
    four in Rutland did not run, as its member's only half-day went to a TSP group's session;
    handed over, all 933 placed start, where 929 did; seed 23 946 of 946, where 942; the
    tight quarter 854 of 868, where 849). Each booking then offers the places left in groups
    that run to whoever the solve placed in none, longest referred first, where a half-day of
    theirs is free before the group (`_waiting`): a solve against the clock, or the model's
    count of appointments by facilitator and week, may leave someone out a place and a
    half-day could take (the tight East Midlands quarter and seed 13: 4 more start so; seeds
    42 and 5: none; first come first served, 34-76 more). Returns the results with who stays,
    the appointments and the resources left."""
    best = _book(plans, results, res, setup, config)
    trials = config.groups.pre_group_hand_overs
    for n, i, c in _lost(results, best[0]):
        if best[0][n].cand_of_person[i] >= 0:  # a hand-over for another brought them back
            continue
        most, found = people_started(best[0]), None
        for handed in _hand_overs(plans, results, res, n, i, c, setup, config):
            if trials <= 0:
                break
            trials -= 1
            tried = _book(plans, *handed, setup, config)
            started = people_started(tried[0])
            if started > most:
                most, found = started, (tried, handed)
        if found is not None:
            best, (results, res) = found
    return best


def book_best(
    plans: list[ProgrammePlan],
    res: Resources,
    results: list[GroupsResult],
    left: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[list[GroupsResult], list[PreGroup], Resources]:
    """`plan_pre_group` for the solver's plans (`results`, leaving `left` of `res`), and where
    the solver settled gains that did not all fit together (each result's `alternative`, the
    plans before: solvers.groups_rounds._settle), for those too: the booking that starts more
    is kept (the settled one where as many). Why: the settled plans start more as the model
    counts, but it counts half-days of appointments by facilitator and week, and a plan that
    fits more people into those weeks is the one the booking may break. On the tight quarter
    the booking lost 18-21 of the 872-873 the settled plans placed and 10 of the 869 before
    them (855 or 851 started, where 859); on seed 53 it lost none (920 where 918)."""
    return _book_either(plans, res, results, left, setup, config)[0]


def _book_either(
    plans: list[ProgrammePlan],
    res: Resources,
    results: list[GroupsResult],
    left: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[tuple[list[GroupsResult], list[PreGroup], Resources], list[GroupsResult]]:
    """`book_best`'s booking, and the plans it booked (the settled ones or those before)."""
    settled = [replace(r, alternative=None) for r in results]
    best = plan_pre_group(plans, settled, left, setup, config)
    if not results or any(r.alternative is None for r in results):
        return best, settled
    before = [replace(r.alternative, alternative=None) for r in results if r.alternative]
    problems = [plan.problem for plan in plans]
    before_left = booked(problems, res, [r.facilitators for r in before])
    other = plan_pre_group(plans, before, before_left, setup, config)
    if people_started(other[0]) > people_started(best[0]):
        return other, before
    return best, settled


def book_solved(
    plans: list[ProgrammePlan],
    res: Resources,
    results: list[GroupsResult],
    left: Resources,
    setup: OneToOneSetup,
    config: Config,
    params: GroupsParams,
    observer: SearchObserver | None = None,
    until: float | None = None,
) -> tuple[list[GroupsResult], list[PreGroup], Resources]:
    """`book_best` for the MIP's plans, and where it left out people the solve placed, each
    programme that lost them solved again beside the others' groups without what failed (a
    group that could not run, a member's place in a group that ran without them:
    `solvers.groups_mip.solve_again_without`), then booked again, and so on (what failed
    before kept out) while each booking starts more, within `params.rebook_seconds` and by
    `until` (a time.perf_counter() reading: the pipeline's is the solve's deadline plus those
    seconds, so that a solve that ran late leaves less), from the plans the first booking
    kept (the settled ones or those before: `book_best`); the booking that starts the most is
    kept, the seconds spent solving again added to the programmes' (which the benchmark gives
    HiGHS). Why: the model counts pre-group appointments by facilitator and week, and the
    booking finds by half-day that a member has none left, so a group at its minimum does not
    run; on seed 42 of the East Midlands quarter a BSR group of six lost two members so (every
    half-day of theirs taken by other groups' sessions and weeks, no facilitator free to take
    one over) and four of its members found places elsewhere: 949 of the 951 placed started.
    Solved again without that group, BSR started 88 of its 89 another way and the booking kept
    all 950."""
    best, results = _book_either(plans, res, results, left, setup, config)
    t0 = time.perf_counter()
    end = t0 + params.rebook_seconds
    if until is not None:
        end = min(end, until)
    problems = [plan.problem for plan in plans]
    failed: dict[int, tuple[set[int], set[tuple[int, int]]]] = {}
    while end - time.perf_counter() >= REBOOK_MIN_SECONDS and not stop_asked(observer):
        new = _failed(results, best[0])
        if not new:
            break
        for n, (groups, pairs) in new.items():  # what failed before stays out too
            known = failed.setdefault(n, (set(), set()))
            known[0].update(groups)
            known[1].update(pairs)
        seconds = end - time.perf_counter()
        again = solve_again_without(problems, res, results, failed, params, seconds, observer)
        left_again = booked(problems, res, [r.facilitators for r in again])
        other = book_best(plans, res, again, left_again, setup, config)
        if people_started(other[0]) <= people_started(best[0]):
            break
        best, results = other, again
    kept, appointments, left_over = best
    if failed:  # the seconds solving again count in each programme's, shared evenly
        spent = (time.perf_counter() - t0) / max(1, len(kept))
        kept = [r.spent(spent) for r in kept]
    return kept, appointments, left_over


def _failed(
    results: list[GroupsResult], kept: list[GroupsResult]
) -> dict[int, tuple[set[int], set[tuple[int, int]]]]:
    """Per programme, what the booking (`kept`) could not keep of the solve's plans
    (`results`): the groups that did not run, and (person, group) for a member left out of a
    group that ran."""
    out: dict[int, tuple[set[int], set[tuple[int, int]]]] = {}
    for n, i, c in _lost(results, kept):
        groups, pairs = out.setdefault(n, (set(), set()))
        if c in kept[n].facilitators:
            pairs.add((i, c))
        else:
            groups.add(c)
    return out


def _lost(results: list[GroupsResult], kept: list[GroupsResult]) -> list[tuple[int, int, int]]:
    """(programme, person, group) for everyone the plans `results` place whom the booking's
    `kept` does not start."""
    return [
        (n, i, int(r.cand_of_person[i]))
        for n, (r, k) in enumerate(zip(results, kept))
        for i in np.nonzero((r.cand_of_person >= 0) & (k.cand_of_person < 0))[0].tolist()
    ]


def _book(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[list[GroupsResult], list[PreGroup], Resources]:
    """`plan_pre_group` for the groups and facilitators of `results` as they are."""
    g = config.groups
    res = res.copy()
    members, options = _pre_group_options(plans, results, res, setup, config)
    half_days = sorted({o[1:] for o in options})  # (facilitator, slot, week, venue)
    h_of = {h: n for n, h in enumerate(half_days)}
    fac_weeks = sorted({(j, w) for j, _, w, _ in half_days})
    f_of = {f: n for n, f in enumerate(fac_weeks)}
    n_slots, n_weeks = res.fac_busy.shape[1], res.fac_busy.shape[2]
    problem = AppointmentsProblem(
        len(members),
        np.array([o[0] for o in options], np.int64),
        np.array([h_of[o[1:]] for o in options], np.int64),
        np.array([(j * n_slots + s) * n_weeks + w for j, s, w, _ in half_days], np.int64),
        np.array([f_of[(j, w)] for j, _, w, _ in half_days], np.int64),
        np.array([res.fac_max[j] - res.fac_load[j, w] for j, w in fac_weeks], np.int64),
        g.pre_group_per_slot,
    )
    chosen = first_fit(problem)
    diary = _Diary(res, g.pre_group_per_slot)
    booked: dict[tuple[int, int], dict[int, PreGroup]] = {}  # (programme, group) -> person -> it
    for m, k in enumerate(chosen.tolist()):
        n, i, c = members[m]
        if k < 0:
            continue
        j, s, w, v = options[k][1:]
        day = setup.monday + timedelta(weeks=w, days=s // 3)
        diary.add(j, s, w, v)
        booked.setdefault((n, c), {})[i] = PreGroup(
            plans[n].programme["programme"], i, c, day, s, v, j
        )
    unbooked = [members[m] for m, k in enumerate(chosen.tolist()) if k < 0]
    moved = _move_unbooked(plans, results, unbooked, booked, diary, setup, config)
    running = [dict(r.facilitators) for r in results]
    waiting = _waiting(plans, results)
    fell: dict[tuple[int, int], int] = {}  # (programme, person) -> the group that fell through
    for n, plan in enumerate(plans):
        for c in sorted(running[n]):
            mine = booked.setdefault((n, c), {})
            if len(_leaving(plan.problem, mine)) == len(mine):  # it cannot run as booked
                moved |= _rescue(plans, results, (n, c), waiting, moved, mine, diary, setup, config)
            if len(_leaving(plan.problem, mine)) == len(mine):  # nor with whoever waits
                moved |= _another_start(
                    plans, results, (n, c), moved, running, booked, diary, setup, config
                )
                mine = booked.get((n, c), {})
            if c in running[n] and len(_leaving(plan.problem, mine)) == len(mine):  # it cannot run
                book(plan.problem, res, c, running[n].pop(c), -1)
                for i, gone in booked.pop((n, c), {}).items():
                    diary.add(gone.facilitator, *_at(gone, setup.monday), gone.venue, -1)
                    fell[(n, i)] = c
    live = [replace(r, facilitators=running[n]) for n, r in enumerate(results)]
    if fell:  # the members of a group that cannot run may join another that does
        elsewhere = [(n, i, c) for (n, i), c in fell.items()]
        moved |= _move_unbooked(plans, live, elsewhere, booked, diary, setup, config)
    still = [(n, i, c) for n, i, c in waiting if (n, i) not in moved]
    moved |= _move_unbooked(plans, live, still, booked, diary, setup, config)
    out_results: list[GroupsResult] = []
    sessions: list[PreGroup] = []
    for n, (plan, r) in enumerate(zip(plans, results)):
        pr = plan.problem
        cand_of, facs = r.cand_of_person.copy(), running[n]
        reasons = dict(r.reasons)
        for (m, i), c in moved.items():
            if m == n:
                cand_of[i] = c
        missing = why.no_pre_group(g.pre_group_weeks)
        for i in np.nonzero(cand_of >= 0)[0].tolist():
            if int(cand_of[i]) not in facs:  # their group fell through, and no other took them
                cand_of[i] = -1
                reasons[i] = why.FELL_THROUGH if (n, i) in fell else missing
        for c in sorted(facs):
            mine = booked.get((n, c), {})
            for i in np.nonzero(cand_of == c)[0].tolist():
                if i not in mine:
                    cand_of[i] = -1
                    reasons[i] = missing
            leave = _leaving(pr, mine)
            if len(leave) == len(mine):
                book(pr, res, c, facs.pop(c), -1)
            for i, left in leave.items():
                gone = mine.pop(i)
                diary.add(gone.facilitator, *_at(gone, setup.monday), gone.venue, -1)
                cand_of[i] = -1
                reasons[i] = left
            sessions += mine.values()
        out_results.append(replace(r, cand_of_person=cand_of, facilitators=facs, reasons=reasons))
    return out_results, sessions, res


def _hand_overs(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    n: int,
    i: int,
    c: int,
    setup: OneToOneSetup,
    config: Config,
) -> Iterator[tuple[list[GroupsResult], Resources]]:
    """For a member `i` of programme `n`'s group `c` the booking left out: each half-day of
    theirs before it whose trained facilitator is kept from it only by new groups (`_holding`),
    with each such group handed to each other facilitator trained for it, free and within
    their weeks for all its sessions, where that frees the half-day: the results and resources
    so changed. `plan_pre_group` keeps one only where more then start, as the facilitator who
    takes the group may be one another member's appointment needed (seed 19: a hand-over that
    saved a Horizon group cost an SI-ATB one with one replacement, and nothing with the
    other)."""
    plan = plans[n]
    referred = plan.referred(i)
    per_slot = config.groups.pre_group_per_slot
    for j, s, w, v in _member_options(
        plan, i, c, results[n].facilitators[c], referred, setup, config
    ):
        for m, g in _holding(plans, results, res, j, s, w):
            pr = plans[m].problem
            base = res.copy()
            book(pr, base, g, [j], -1)
            for k in [k for k in free_facilitators(pr, base, g) if k != j]:
                left = base.copy()
                book(pr, left, g, [k])
                if not _Diary(left, per_slot).can(j, s, w, v):
                    continue
                facs = [k if f == j else f for f in results[m].facilitators[g]]
                handed = [
                    replace(r, facilitators={**r.facilitators, g: facs}) if q == m else r
                    for q, r in enumerate(results)
                ]
                yield handed, left


def _holding(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    j: int,
    s: int,
    w: int,
) -> list[tuple[int, int]]:
    """The new groups (programme, group) that keep facilitator `j` from half-day (`s`, `w`):
    the one whose session is then, or where they are free then but have no session of that
    week left, each of theirs with a session that week (none where a running group or an
    appointment holds them)."""
    busy = bool(res.fac_busy[j, s, w])
    return [
        (m, g)
        for m, plan in enumerate(plans)
        for g, js in results[m].facilitators.items()
        if j in js
        and any((t, u) == (s, w) if busy else u == w for t, u in active_sessions(plan.problem, g))
    ]


def _leaving(pr: GroupsProblem, mine: dict[int, PreGroup]) -> dict[int, Why]:
    """Who of a group's booked members `mine` does not start, and why: a woman who would be
    its only woman, or everyone where it would be left below its minimum."""
    women = [i for i in mine if pr.person_female[i]]
    leave = {i: why.LONE_WOMAN for i in women} if len(women) == 1 else {}
    if len(mine) - len(leave) < pr.min_group:
        return {i: why.FELL_THROUGH for i in mine}
    return leave


def _waiting(plans: list[ProgrammePlan], results: list[GroupsResult]) -> list[tuple[int, int, int]]:
    """Whoever the solve placed in no group, as (programme, person, -1), longest referred
    first: a place the booking freed, or one the model's count of appointment half-days by
    facilitator and week kept from them, may take them where a half-day of theirs is free."""
    return sorted(
        (
            (n, i, -1)
            for n, r in enumerate(results)
            for i in np.nonzero(r.cand_of_person < 0)[0].tolist()
        ),
        key=lambda t: (plans[t[0]].referred(t[1]), t[0], t[1]),
    )


def _rescue(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    group: tuple[int, int],
    waiting: list[tuple[int, int, int]],
    moved: dict[tuple[int, int], int],
    mine: dict[int, PreGroup],
    diary: _Diary,
    setup: OneToOneSetup,
    config: Config,
) -> dict[tuple[int, int], int]:
    """A group that cannot run as booked (below its minimum) takes whoever waits for it (placed
    in no group by the solve, a candidate of its, no co-defendant in it, a woman only beside
    another, a half-day of theirs free before it), longest referred first, until it can run;
    where it still cannot, they are given back. Returns (programme, person) -> the group for
    those it keeps. Why: a group at its minimum falls through for one member with no half-day
    left (seed 13: a Horizon group of four), where someone waiting could have taken the place."""
    n, c = group
    plan, pr = plans[n], plans[n].problem
    could = set(pr.pair_person[pr.pair_cand == c].tolist())
    added: list[int] = []
    for m, i, _ in waiting:
        if len(_leaving(pr, mine)) < len(mine) or len(mine) >= pr.max_group:
            break
        if m != n or i not in could or (n, i) in moved:
            continue
        if _join(plan, i, c, results[n], mine, diary, setup, config):
            added.append(i)
    if len(_leaving(pr, mine)) < len(mine):
        return {(n, i): c for i in added}
    for i in added:
        gone = mine.pop(i)
        diary.add(gone.facilitator, *_at(gone, setup.monday), gone.venue, -1)
    return {}


def _another_start(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    group: tuple[int, int],
    moved: dict[tuple[int, int], int],
    running: list[dict[int, list[int]]],
    booked: dict[tuple[int, int], dict[int, PreGroup]],
    diary: _Diary,
    setup: OneToOneSetup,
    config: Config,
) -> dict[tuple[int, int], int]:
    """A group that cannot run as booked (too few of its members have a pre-group appointment
    before it) moved to another start at the same venue and slots (`_other_starts`), where
    its room and trained facilitators (its own first) are free for every session, all its
    members are eligible (their slots, travel and sentence allow it) and enough of them have
    an appointment before it to run: the group then runs there, in `running` and `booked`.
    Returns (programme, person) -> the group for its members booked there (none where no
    start will do, and then nothing is changed). Why: as a team would move a group a few
    weeks rather than cancel it; on seed 19 of the East Midlands quarter an SI-EM group of
    four at its minimum could not run, as one member's every half-day before it was taken by
    other groups' sessions or weeks, where at both its other starts at that venue and slot
    each of the four had one."""
    n, c = group
    plan, pr = plans[n], plans[n].problem
    mine = booked.get((n, c), {})
    planned = np.nonzero(results[n].cand_of_person == c)[0].tolist()
    members = sorted({i for i in planned if moved.get((n, i), c) == c} | set(mine))
    if len(members) < pr.min_group:
        return {}
    own = running[n][c]
    for d in _other_starts(pr, c, running[n]):
        if not set(members) <= set(pr.pair_person[pr.pair_cand == d].tolist()):
            continue
        tried = diary.copy()  # the group and its members' appointments given back
        book(pr, tried.res, c, own, -1)
        for gone in mine.values():
            tried.add(gone.facilitator, *_at(gone, setup.monday), gone.venue, -1)
        free = free_facilitators(pr, tried.res, d) if room_free(pr, tried.res, d) else []
        facs = ([j for j in own if j in free] + [j for j in free if j not in own])[
            : pr.facilitators_needed
        ]
        if len(facs) < pr.facilitators_needed:
            continue
        book(pr, tried.res, d, facs)
        there = {}
        for i in members:
            appointment = _appoint(plan, i, d, facs, tried, setup, config)
            if appointment is not None:
                there[i] = appointment
        if len(_leaving(pr, there)) == len(there):  # it cannot run there either
            continue
        diary.take(tried)
        running[n].pop(c)
        running[n][d] = facs
        booked.pop((n, c), None)
        booked[(n, d)] = there
        return {(n, i): d for i in there}
    return {}


def _other_starts(pr: GroupsProblem, c: int, taken: dict[int, list[int]]) -> list[int]:
    """The programme's other candidate groups at group `c`'s venue and slots that no group
    of the plan `taken` holds, the nearest start first (the earlier of two as near)."""
    start = int(pr.cand_start[c])
    same = [
        d
        for d in range(len(pr.cand_venue))
        if d != c
        and d not in taken
        and pr.cand_venue[d] == pr.cand_venue[c]
        and tuple(pr.cand_slots[d]) == tuple(pr.cand_slots[c])
    ]
    return sorted(same, key=lambda d: (abs(int(pr.cand_start[d]) - start), int(pr.cand_start[d])))


def _move_unbooked(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    unbooked: list[tuple[int, int, int]],
    booked: dict[tuple[int, int], dict[int, PreGroup]],
    diary: _Diary,
    setup: OneToOneSetup,
    config: Config,
) -> dict[tuple[int, int], int]:
    """A member who could not have a pre-group appointment before their group may before
    another group of the programme that runs and suits them (an eligible pair), earlier or
    later, with a place left among those booked, no co-defendant in it, and another woman
    in it for a woman: they move there with an appointment before it. Returns (programme,
    person) -> the group they moved to."""
    moved: dict[tuple[int, int], int] = {}
    for n, i, c in unbooked:
        plan, r = plans[n], results[n]
        pr = plan.problem
        for k in np.nonzero(pr.pair_person == i)[0].tolist():
            other = int(pr.pair_cand[k])
            there = booked.get((n, other), {})
            if other == c or other not in r.facilitators or not there:
                continue
            if len(there) < pr.max_group and _join(plan, i, other, r, there, diary, setup, config):
                moved[(n, i)] = other
                break
    return moved


def _join(
    plan: ProgrammePlan,
    i: int,
    c: int,
    r: GroupsResult,
    there: dict[int, PreGroup],
    diary: _Diary,
    setup: OneToOneSetup,
    config: Config,
) -> bool:
    """Person `i` joins group `c` (`there`: its members booked so far) with a pre-group
    appointment before it, where no co-defendant of theirs is in it, a woman only beside
    another woman, and a half-day of theirs is free in `diary`: booked in both. Whether they
    joined (the caller has checked the pair and the place)."""
    pr = plan.problem
    if co_defendants(pr.exclusions, i) & set(there):
        return False
    if pr.person_female[i] and not any(pr.person_female[p] for p in there):
        return False
    appointment = _appoint(plan, i, c, r.facilitators[c], diary, setup, config)
    if appointment is None:
        return False
    there[i] = appointment
    return True


def _appoint(
    plan: ProgrammePlan,
    i: int,
    c: int,
    own: list[int],
    diary: _Diary,
    setup: OneToOneSetup,
    config: Config,
) -> PreGroup | None:
    """Person `i`'s pre-group appointment before group `c` (run by `own`), the first of their
    options (`_member_options`) with room in `diary`, booked there; None where none has."""
    options = _member_options(plan, i, c, own, plan.referred(i), setup, config)
    fit = next((o for o in options if diary.can(*o)), None)
    if fit is None:
        return None
    j, s, w, v = fit
    diary.add(j, s, w, v)
    day = setup.monday + timedelta(weeks=w, days=s // 3)
    return PreGroup(plan.programme["programme"], i, c, day, s, v, j)


def _member_options(
    plan: ProgrammePlan,
    i: int,
    c: int,
    own: list[int],
    referred: date,
    setup: OneToOneSetup,
    config: Config,
) -> list[tuple[int, int, int, int]]:
    """A member's pre-group options (facilitator, slot, week, venue) before group `c` starts:
    at the group's venue first, then at the `pre_group_other_venues` others nearest them that
    they can reach; at each, the latest day first and the group's own facilitators first: a
    working day, in the person's slots with the venue open, a trained facilitator available
    then within their drive of the venue (whether they are free is the caller's to say)."""
    g = config.groups
    name = plan.programme["programme"]
    trained = np.array([name in t for t in setup.trained], bool)
    order = [u for u in np.argsort(plan.travel[i], kind="stable").tolist() if plan.reach[i, u]]
    venues = pre_group_venues(order, int(plan.problem.cand_venue[c]), g.pre_group_other_venues)
    start = plan.cand_dates[c][0]
    out = []
    for v in venues:
        near = trained & (setup.fac_travel[:, v] <= g.facilitator_max_travel_minutes)
        for day in pre_group_days(start, setup.monday, config):
            if day < referred:
                continue
            w = (day - setup.monday).days // 7
            for s in range(day.weekday() * 3, day.weekday() * 3 + 3):
                if not plan.slots[i, s] or not setup.v_slots[v, s]:
                    continue
                if not plan.free_on(i, [day], (s,)):
                    continue
                js = sorted(
                    np.nonzero(near & setup.f_slots[:, s])[0].tolist(),
                    key=lambda j: (j not in own, j),
                )
                out += [(j, s, w, v) for j in js]
    return out


def pre_group_half_days(
    plan: ProgrammePlan, setup: OneToOneSetup, config: Config
) -> PreGroupOptions:
    """Each of the programme's person-group pairs' pre-group half-days, as the booking offers
    them (`_member_options`: whether the facilitator is free then is the caller's to say),
    shared by the pairs of one person whose groups have their first session on the same day at
    the same venue (the weeks before that day: a group of the same start week on a later
    weekday has more days before it): the half-days, not the venue, for
    `solvers.groups_booked`."""
    pr = plan.problem
    keys: dict[tuple[int, date, int], int] = {}
    pair_key = np.empty(len(pr.pair_person), np.int64)
    half_days: list[list[tuple[int, int, int]]] = []
    for k, (i, c) in enumerate(zip(pr.pair_person.tolist(), pr.pair_cand.tolist())):
        key = (i, plan.cand_dates[c][0], int(pr.cand_venue[c]))
        if key not in keys:
            keys[key] = len(half_days)
            options = _member_options(plan, i, c, [], plan.referred(i), setup, config)
            half_days.append(sorted({(j, s, w) for j, s, w, _ in options}))
        pair_key[k] = keys[key]
    flat = np.array([h for hs in half_days for h in hs], np.int64).reshape(-1, 3)
    ptr = np.concatenate([[0], np.cumsum([len(hs) for hs in half_days])]).astype(np.int64)
    return PreGroupOptions(pair_key, ptr, flat[:, 0], flat[:, 1], flat[:, 2])


def _pre_group_options(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int, int, int]]]:
    """Every new group member (programme, person, group) and their options (member,
    facilitator, slot, week, venue): a working day in the weeks before the group starts, in
    the person's slots with the venue open, a trained facilitator within their drive of the
    venue, available then, free and with a session of their week left."""
    waiting: list[tuple[date, int, int, int]] = []
    for n, (plan, r) in enumerate(zip(plans, results)):
        referred = pd.to_datetime(plan.people["referral_date"]).dt.date.tolist()
        waiting += [
            (referred[i], n, i, c) for i, c in enumerate(r.cand_of_person.tolist()) if c >= 0
        ]
    members: list[tuple[int, int, int]] = []
    options: list[tuple[int, int, int, int, int]] = []
    for referred, n, i, c in sorted(waiting):  # referral order
        plan = plans[n]
        m = len(members)
        members.append((n, i, c))
        free = _member_options(plan, i, c, results[n].facilitators[c], referred, setup, config)
        options += [
            (m, j, s, w, v)
            for j, s, w, v in free
            if not res.fac_busy[j, s, w] and res.fac_load[j, w] < res.fac_max[j]
        ]
    return members, options


def _at(s: PreGroup, monday: date) -> tuple[int, int]:
    return s.slot, (s.day - monday).days // 7
