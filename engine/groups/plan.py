"""Planning programme groups for a horizon (a quarter by default): candidate groups from the
venues, slots and start weeks, eligible people for each, one problem per programme, and the
registry of solvers that plan the programmes together or in turn."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.core.parallel import processes
from engine.core.records import exclusion_pairs
from engine.groups.contract import GroupsDataset
from engine.groups.records import SLOTS
from engine.groups.rules import (
    able_facilitators,
    pre_group_venues,
    running_sessions,
    trained_for,
    venue_reach,
)
from geo.travel import TravelTimes
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
    in_turn,
    people_started,
    solve_cpsat,
    solve_greedy,
)
from solvers.groups_mip import solve_quarter_mip

WEEKDAYS = 5
HOLIDAY_WEEKS = 4  # weeks a programme's end may move for bank holidays (Christmas and New Year)


def horizon_start(day: date) -> date:
    """Groups start on the Monday of the given date's week, or the next Monday."""
    return day if day.weekday() == 0 else day + timedelta(days=7 - day.weekday())


def slot_patterns(per_week: int) -> list[tuple[int, ...]]:
    """Weekly slot patterns: `per_week` weekdays at the same part of the day, spread out (a day
    between sessions where the week allows)."""
    out = []
    gap = 2 if per_week <= 3 else 1
    for part in range(3):
        for days in itertools.combinations(range(WEEKDAYS), per_week):
            if all(b - a >= gap for a, b in zip(days, days[1:])):
                out.append(tuple(d * 3 + part for d in days))
    return out


def session_dates(
    monday: date, pattern: tuple[int, ...], sessions: int, holidays: frozenset[date] = frozenset()
) -> list[date]:
    """The dates of a group's sessions: its weekly slots from `monday` on, a bank holiday's
    session moving to the group's next slot (so the programme runs on a little longer)."""
    out: list[date] = []
    week = 0
    while len(out) < sessions:
        for s in pattern:
            d = monday + timedelta(days=7 * week + s // 3)
            if len(out) < sessions and d not in holidays:
                out.append(d)
        week += 1
    return out


def weeks_spanned(monday: date, dates: list[date]) -> int:
    return (dates[-1] - monday).days // 7 + 1


@dataclass
class ProgrammePlan:
    programme: dict
    problem: GroupsProblem
    people: pd.DataFrame  # the programme's referrals, in problem order
    cand_pattern: list[tuple[int, ...]]
    cand_dates: list[list[date]]
    reasons: list[str]  # per person, why nothing at all fits ('' when something does)
    near: np.ndarray  # per person: some candidate within the target travel before pruning
    reach: np.ndarray  # [people x venues]: within the travel limit (and accessible where needed)
    slots: np.ndarray  # [people x slots]: available
    travel: np.ndarray  # [people x venues]: minutes each way
    # per person: the half-days (date, AM|PM|EVE) taken by their firm Unpaid Work (a morning
    # and an afternoon) and their supervision appointments: one calendar
    busy: list[frozenset[tuple[date, str]]] = field(default_factory=list)

    def referred(self, i: int) -> date:
        """The day person i was referred (no appointment before it)."""
        return date.fromisoformat(str(self.people["referral_date"].iat[i])[:10])

    def free_on(self, i: int, dates: list[date], pattern: tuple[int, ...]) -> bool:
        """Person i has nothing else on any of `dates` in the part of the day `pattern` is in
        (a pattern keeps one part of the day)."""
        if not self.busy or not self.busy[i]:
            return True
        return not taken(self.busy[i], dates, SLOTS[pattern[0]].split("-")[1])


def taken(busy: frozenset[tuple[date, str]], dates, part: str) -> bool:
    """Whether any of `dates` has its `part` of the day (AM, PM, EVE) in `busy`."""
    return any((d, part) in busy for d in dates)


def build_plans(
    ds: GroupsDataset,
    config: Config,
    times: TravelTimes,
    start: date,
    busy: dict[str, dict[tuple[date, str], str]] | None = None,
) -> tuple[list[ProgrammePlan], Resources, dict]:
    """Each programme's problem, the rooms and facilitators left once the running groups have
    taken theirs, and the ids the tables are decoded with. Members of running groups are not
    planned again. `busy` (person -> (date, AM|PM|EVE) -> what: their firm Unpaid Work and
    supervision appointments, engine.store.calendar) keeps everyone out of a group,
    one-to-one or pre-group appointment in a half-day already taken."""
    monday = horizon_start(start)
    running = running_groups(ds, config, monday)
    members = {p for g in running for p in g["person_ids"]}
    ds = replace(
        ds, referrals=ds.referrals[~ds.referrals["person_id"].isin(members)].reset_index(drop=True)
    )
    ven, fac, ref = ds.venues, ds.facilitators, ds.referrals
    travel, _ = times.matrix_by_mode(
        ref["home_lat"], ref["home_lon"], ref["travel_mode"], ven["lat"], ven["lon"]
    )
    fac_travel, _ = times.matrix(fac["base_lat"], fac["base_lon"], ven["lat"], ven["lon"], "car")
    v_slots = _slot_matrix(ven["available_slots"])
    f_slots = _slot_matrix(fac["available_slots"])
    r_slots = _slot_matrix(ref["available_slots"])
    plans = []
    order = ref["programme"].value_counts()
    progs = ds.programmes.set_index("programme")
    for name in sorted(progs.index, key=lambda p: (-order.get(p, 0), p)):
        rows = np.nonzero((ref["programme"] == name).to_numpy())[0]
        if not len(rows):
            continue
        prog = {"programme": name, **progs.loc[name].to_dict()}
        plans.append(
            _programme(
                prog,
                ds,
                config,
                monday,
                rows,
                travel[rows],
                fac_travel,
                v_slots,
                f_slots,
                r_slots[rows],
                [frozenset((busy or {}).get(p, {})) for p in ref["person_id"].iloc[rows]],
            )
        )
    # weeks the calendar must hold: the last week any candidate group runs (bank holidays lengthen some)
    n_weeks = 1 + max(
        (int(s + w) for pl in plans for s, w in zip(pl.problem.cand_start, pl.problem.cand_weeks)),
        default=0,
    )
    # and every week a running group or a one-to-one started in the horizon can reach
    longest = max(
        (-(-int(p.sessions) // int(p.sessions_per_week)) for p in ds.programmes.itertuples()),
        default=0,
    )
    n_weeks = max(
        n_weeks,
        config.groups.horizon_weeks + longest + HOLIDAY_WEEKS,
        *((g["left"][-1][0] - monday).days // 7 + 1 for g in running if g["left"]),
    )
    res = Resources(
        ven["rooms"].to_numpy(np.int64),
        np.zeros((len(ven), len(SLOTS), n_weeks), np.int64),
        np.zeros((len(fac), len(SLOTS), n_weeks), bool),
        np.zeros((len(fac), n_weeks), np.int64),
        fac["max_sessions_per_week"].to_numpy(np.int64),
    )
    _pin(res, running, monday, ven["venue_id"].tolist(), fac["facilitator_id"].tolist())
    return (
        plans,
        res,
        {
            "monday": monday,
            "venue_ids": ven["venue_id"].tolist(),
            "facilitator_ids": fac["facilitator_id"].tolist(),
            "running": running,
            "one_to_one": OneToOneSetup(
                monday,
                f_slots,
                v_slots,
                fac_travel,
                fac["facilitator_id"].tolist(),
                fac["trained_programmes"].tolist(),
            ),
        },
    )


def running_groups(ds: GroupsDataset, config: Config, monday: date) -> list[dict]:
    """Each running group with the sessions it has left from the horizon's Monday on (dates
    recomputed with the calendar, so a bank holiday moves its end)."""
    if ds.running is None:
        return []
    sessions = ds.programmes.set_index("programme")["sessions"].to_dict()
    holidays = frozenset(config.calendar.bank_holidays)
    out = []
    for g in ds.running.to_dict("records"):
        left = int(sessions[g["programme"]]) - int(g["sessions_done"])
        start = date.fromisoformat(str(g["start_date"]))
        out.append(
            {
                **g,
                "sessions_left": left,
                "left": running_sessions(start, list(g["slots"]), left, monday, holidays),
            }
        )
    return out


def _pin(
    res: Resources, running: list[dict], monday: date, venue_ids: list, facilitator_ids: list
) -> None:
    """The running groups' sessions take their rooms and facilitators first."""
    v_of = {v: n for n, v in enumerate(venue_ids)}
    f_of = {f: n for n, f in enumerate(facilitator_ids)}
    n_weeks = res.room_used.shape[2]
    for g in running:
        sessions = [(SLOTS.index(slot), (d - monday).days // 7) for d, slot in g["left"]]
        book_sessions(
            res,
            v_of[g["venue_id"]],
            [f_of[f] for f in g["facilitator_ids"]],
            [(s, w) for s, w in sessions if w < n_weeks],  # later: nothing left to share
        )


def book_sessions(
    res: Resources,
    venue: int,
    facilitators: list[int],
    sessions: list[tuple[int, int]],
    sign: int = 1,
) -> None:
    """Each (slot, week) session takes a room at the venue and the facilitators' time (gives
    them back with sign -1)."""
    for s, w in sessions:
        res.room_used[venue, s, w] += sign
        for j in facilitators:
            res.fac_busy[j, s, w] = sign > 0
            res.fac_load[j, w] += sign


def _slot_matrix(col) -> np.ndarray:
    out = np.zeros((len(col), len(SLOTS)), bool)
    for r, slots in enumerate(col):
        out[r, [SLOTS.index(s) for s in slots]] = True
    return out


def _programme(
    prog, ds, config, monday, rows, travel, fac_travel, v_slots, f_slots, r_slots, busy
) -> ProgrammePlan:
    g = config.groups
    people = ds.referrals.iloc[rows].reset_index(drop=True)
    ven, fac = ds.venues, ds.facilitators
    n = len(people)
    female = (people["sex"] == "F").to_numpy()
    reach = venue_reach(people, ven, travel, config)  # [people x venues]
    ends = pd.to_datetime(people["sentence_end"]).dt.date.to_numpy()
    referred = pd.to_datetime(people["referral_date"]).dt.date.to_numpy()
    since = referred.astype("datetime64[D]")  # the same, compared as arrays
    trained = trained_for(prog["programme"], fac)
    k, mn, mx, need = (
        int(prog["sessions_per_week"]),
        int(prog["min_group"]),
        int(prog["max_group"]),
        int(prog["facilitators_per_session"]),
    )
    # groups start once their members can have had their pre-group sessions
    starts = list(range(g.pre_group_weeks, g.horizon_weeks, g.start_every_weeks))
    holidays = frozenset(config.calendar.bank_holidays)
    cand: dict[str, list] = {
        "venue": [],
        "pattern": [],
        "start": [],
        "women_only": [],
        "facs": [],
        "fac_cost": [],
        "dates": [],
        "weeks": [],
        "pre": [],
    }
    pairs = []
    slot_fit = np.zeros(n, bool)
    # whom a candidate group would suit but for a pre-group appointment, and whom it suits
    fit_but_pre, fit = np.zeros(n, bool), np.zeros(n, bool)
    pre_open = _pre_group_open(travel, reach, v_slots, f_slots, fac_travel, trained, config)
    pre_ok: dict[tuple[int, date], np.ndarray] = {}
    engaged = np.array([bool(b) for b in busy], bool)  # who has other commitments at all
    pat_list = slot_patterns(k)
    for v in range(len(ven)):
        free = {
            p: (reach[:, v] & r_slots[:, list(p)].all(1))
            for p in pat_list
            if v_slots[v, list(p)].all()
        }
        for ok in free.values():
            slot_fit |= ok
        best = sorted(
            (p for p in free if free[p].sum() >= mn), key=lambda p: (-int(free[p].sum()), p)
        )[: g.patterns_per_venue]
        near_fac = np.nonzero(trained & (fac_travel[:, v] <= g.facilitator_max_travel_minutes))[0]
        for p in best:
            p_part = SLOTS[p[0]].split("-")[1]
            fj = able_facilitators(trained, f_slots, fac_travel[:, v], p, config)
            if len(fj) < need:
                continue
            for w in starts:
                dates = session_dates(
                    monday + timedelta(weeks=w), p, int(prog["sessions"]), holidays
                )
                weeks = weeks_spanned(monday + timedelta(weeks=w), dates)
                ok = free[p] & (ends >= dates[-1]) & (since <= np.datetime64(dates[0]))
                # nobody with these half-days already taken (Unpaid Work, supervision)
                for i in np.nonzero(ok & engaged)[0].tolist():
                    ok[i] = not taken(busy[i], dates, p_part)
                if (v, dates[0]) not in pre_ok:
                    pre_ok[v, dates[0]] = _pre_group_possible(
                        pre_open[:, v], r_slots, since, busy, engaged, dates[0], monday, config
                    )
                fit_but_pre |= ok
                ok &= pre_ok[v, dates[0]]
                fit |= ok
                for women_only in [False, True] if ven["women_only_space"].iat[v] else [False]:
                    elig = ok & female if women_only else ok
                    if elig.sum() < mn:
                        continue
                    c = len(cand["venue"])
                    for key, val in (
                        ("venue", v),
                        ("pattern", p),
                        ("start", w),
                        ("women_only", women_only),
                        ("facs", fj),
                        ("fac_cost", fac_travel[fj, v].astype(np.int64)),
                        ("dates", dates),
                        ("weeks", weeks),
                        ("pre", near_fac),
                    ):
                        cand[key].append(val)
                    for i in np.nonzero(elig)[0].tolist():
                        pairs.append(
                            (int(i), c, int(travel[i, v]), (dates[0] - referred[i]).days, w)
                        )
    near = np.zeros(n, bool)
    for i, _, t, _, _ in pairs:
        near[i] |= t <= g.target_travel_minutes
    # keep each person's best candidates: earliest start, then nearest
    pairs.sort(key=lambda q: (q[0], q[4], q[2], q[1]))
    kept: list[tuple[int, int, int, int, int]] = []
    count: dict[int, int] = {}
    for q in pairs:
        if count.get(q[0], 0) < g.pairs_per_person:
            kept.append(q)
            count[q[0]] = count.get(q[0], 0) + 1
    arr = np.array(kept, np.int64).reshape(-1, 5)
    excl = exclusion_pairs(people["person_id"], people["exclude_person_ids"])
    problem = GroupsProblem(
        person_ids=people["person_id"].tolist(),
        person_female=female,
        person_order=np.argsort(np.argsort(since, kind="stable"), kind="stable"),
        exclusions=excl,
        cand_venue=np.array(cand["venue"], np.int64),
        cand_slots=cand["pattern"],
        cand_start=np.array(cand["start"], np.int64),
        cand_weeks=np.array(cand["weeks"], np.int64),
        cand_women_only=np.array(cand["women_only"], bool),
        cand_facilitators=cand["facs"],
        cand_fac_cost=cand["fac_cost"],
        min_group=mn,
        max_group=mx,
        facilitators_needed=need,
        sessions_per_week=k,
        pair_person=arr[:, 0],
        pair_cand=arr[:, 1],
        pair_travel=arr[:, 2],
        pair_wait_days=arr[:, 3],
        cand_pre_facilitators=cand["pre"],
        pre_group_weeks=g.pre_group_weeks,
        pre_group_per_slot=g.pre_group_per_slot,
    )
    reasons = []
    for i in range(n):
        if count.get(i):
            reasons.append("")
        elif not reach[i].any():
            reasons.append(
                f"no venue within {g.max_travel_minutes:g} minutes each way"
                + (" that is accessible" if people["needs_accessible"].iat[i] else "")
            )
        elif not slot_fit[i]:
            reasons.append(
                f"no venue within {g.max_travel_minutes:g} minutes runs {prog['programme']} sessions in their "
                f"available slots ({';'.join(people['available_slots'].iat[i])})"
            )
        elif fit_but_pre[i] and not fit[i]:
            reasons.append(PRE_GROUP_MISSING.format(weeks=g.pre_group_weeks))
        else:
            reasons.append(
                f"the sentence ends on {people['sentence_end'].iat[i]}, before any group starting this quarter "
                f"could finish, or too few people share their slots and area for a viable group"
            )
    return ProgrammePlan(
        prog,
        problem,
        people,
        cand["pattern"],
        cand["dates"],
        reasons,
        near,
        reach,
        r_slots,
        travel,
        busy,
    )


def _pre_group_open(
    travel: np.ndarray,
    reach: np.ndarray,
    v_slots: np.ndarray,
    f_slots: np.ndarray,
    fac_travel: np.ndarray,
    trained: np.ndarray,
    config: Config,
) -> np.ndarray:
    """[people x venues x slots]: whether a member of a group at the venue could have their
    pre-group appointment in that weekly slot, at one of the venues `pre_group_venues` allows
    them, open then, with a trained facilitator within their drive of it available then (what
    `plan_pre_group` offers, before anyone's bookings)."""
    g = config.groups
    near = trained[:, None] & (fac_travel <= g.facilitator_max_travel_minutes)
    open_ok = v_slots & ((near.T.astype(np.int64) @ f_slots.astype(np.int64)) > 0)
    k = g.pre_group_other_venues
    out = np.zeros((len(travel), len(v_slots), v_slots.shape[1]), bool)
    for i in range(len(travel)):
        order = [u for u in np.argsort(travel[i], kind="stable").tolist() if reach[i, u]]
        out[i] = open_ok | open_ok[order[:k]].any(0)  # a venue not among their nearest
        for v in order[:k]:
            out[i, v] = open_ok[pre_group_venues(order, v, k)].any(0)
    return out


def _pre_group_possible(
    open_at: np.ndarray,
    r_slots: np.ndarray,
    since: np.ndarray,
    busy: list[frozenset[tuple[date, str]]],
    engaged: np.ndarray,
    start: date,
    monday: date,
    config: Config,
) -> np.ndarray:
    """Per person: whether a half-day in the `pre_group_weeks` before a group's first session
    on `start` (a working day, not a bank holiday, from the horizon's Monday and their referral
    on: `since`, their referral dates) is in their slots and free of their other commitments,
    with a pre-group appointment open to them then (`open_at`: people x slots,
    `_pre_group_open` at the group's venue; `engaged`: who has any of `busy`).
    Whoever has none cannot start that group, whoever else is booked: such a pair is left out,
    as the booking would drop them (on seed 42 one such member, placed by the solve, left
    their group below its minimum and 6 people did not start)."""
    ok = np.zeros(len(since), bool)
    for day in pre_group_days(start, monday, config):
        referred_by = since <= np.datetime64(day)
        for s in range(day.weekday() * 3, day.weekday() * 3 + 3):
            part = SLOTS[s].split("-")[1]
            can = r_slots[:, s] & open_at[:, s] & referred_by & ~ok
            for i in np.nonzero(can & engaged)[0].tolist():
                can[i] = (day, part) not in busy[i]
            ok |= can
    return ok


def pre_group_days(start: date, monday: date, config: Config) -> list[date]:
    """The days a pre-group appointment may fall on before a group's first session on
    `start`: the working days of the `pre_group_weeks` before it that are not bank holidays,
    from the horizon's Monday on, the latest first."""
    holidays = frozenset(config.calendar.bank_holidays)
    days = (
        start - timedelta(days=back) for back in range(1, 7 * config.groups.pre_group_weeks + 1)
    )
    return [d for d in days if d.weekday() < WEEKDAYS and d not in holidays and d >= monday]


def solver_params(config: Config, time_limit: float | None = None) -> GroupsParams:
    """The groups solvers' params from the config (`time_limit` seconds per programme overrides
    the config's budget, and scales the joint solve's and the deadline with it)."""
    g = config.groups
    scale = (time_limit / g.seconds_per_programme) if time_limit else 1.0
    return GroupsParams(
        time_limit_seconds=time_limit or g.seconds_per_programme,
        processes=processes(config.solver.parallel_processes),
        joint_seconds=g.joint_seconds * scale,
        joint_patience_seconds=g.joint_patience_seconds * scale,
        deadline_seconds=g.deadline_seconds * scale,
        final_proof_seconds=g.final_proof_seconds * scale,
        beside_cut_pool=g.beside_cut_pool,
        settle_seconds=g.settle_seconds * scale,
        processes_from_pairs=g.processes_from_pairs,
        even_share=g.even_share,
        block_pairs=g.block_pairs,
        quarter_lp=g.quarter_lp,
        random_seed=config.solver.random_seed,
        start_value=g.start_value,
        wait_per_day=g.wait_per_day,
        travel_per_minute=g.travel_per_minute,
        target_travel_minutes=int(g.target_travel_minutes),
        over_target_per_minute=g.over_target_per_minute,
        group_cost=g.group_cost,
        women_only_value=g.women_only_value,
    )


def _greedy(pr: GroupsProblem, res: Resources, params: GroupsParams, observer=None):
    return solve_greedy(pr, res, params)


def _joint(problems, res, params, observer=None):
    part = observer.for_part("all programmes") if observer is not None else None
    return solve_quarter_mip(problems, res, params, part)


# The groups registry: name -> solver of the quarter's programmes given the rooms and
# facilitators the running groups left. `mip` plans all programmes together; `cpsat` and the
# first-come-first-served `greedy` (the baseline) plan them one after another.
SOLVERS = {"mip": _joint, "cpsat": in_turn(solve_cpsat), "greedy": in_turn(_greedy)}
BASELINE = "greedy"
DEFAULT_SOLVER = "mip"


def solve_plans(
    plans: list[ProgrammePlan], res: Resources, solver: str, params: GroupsParams, observer=None
) -> tuple[list[GroupsResult], Resources]:
    """The programmes' groups with the named solver, and the rooms and facilitators left."""
    return SOLVERS[solver]([p.problem for p in plans], res, params, observer)


@dataclass
class OneToOneSetup:
    """What one-to-one delivery is scheduled from, beside the programme plans."""

    monday: date
    f_slots: np.ndarray  # [facilitators x slots]: available
    v_slots: np.ndarray  # [venues x slots]: available
    fac_travel: np.ndarray  # [facilitators x venues]: minutes by car
    facilitator_ids: list[str]
    trained: list  # per facilitator: the programmes they deliver


@dataclass
class OneToOne:
    """One person's programme delivered one-to-one: a venue's room, one facilitator, a weekly
    slot pattern from a start week."""

    programme: str
    person: int  # index in the programme plan's people
    venue: int
    pattern: tuple[int, ...]
    dates: list[date]
    facilitator: int


def one_to_one_allowed(programme: dict, config: Config) -> bool:
    """Structured interventions may always be delivered one-to-one; an accredited programme
    only when the config names it."""
    return (
        programme["kind"] == "STRUCTURED"
        or programme["programme"] in config.groups.one_to_one_accredited
    )


def plan_one_to_one(
    plans: list[ProgrammePlan],
    results: list[GroupsResult],
    res: Resources,
    setup: OneToOneSetup,
    config: Config,
) -> tuple[list[OneToOne], Resources]:
    """After the groups: everyone no group took, on a programme that may be delivered
    one-to-one, gets their sessions scheduled (the soonest sentence end first): the earliest
    start week, then the nearest venue within the travel limits (accessible where needed),
    in a weekly pattern of their slots the venue and a trained facilitator within their drive
    share, with a room free and the facilitator free and within their weekly sessions for
    every session, and ending before the sentence does. Each session books its room and
    facilitator, so one-to-ones count against the facilitators' weeks. Returns the sessions
    planned and the resources left."""
    g = config.groups
    res = res.copy()
    holidays = frozenset(config.calendar.bank_holidays)
    waiting = []
    for n, (plan, r) in enumerate(zip(plans, results)):
        if not one_to_one_allowed(plan.programme, config):
            continue
        ends = pd.to_datetime(plan.people["sentence_end"]).dt.date.tolist()
        for i in np.nonzero(r.cand_of_person < 0)[0].tolist():
            waiting.append((ends[i], str(plan.people["referral_date"].iat[i]), n, i))
    out = []
    for end, referred, n, i in sorted(waiting):
        plan = plans[n]
        found = _first_fit(plan, i, end, date.fromisoformat(referred), res, setup, g, holidays)
        if found is not None:
            booked = _sessions(found.dates, found.pattern, setup.monday)
            book_sessions(res, found.venue, [found.facilitator], booked)
            out.append(found)
    return out, res


def _first_fit(plan, i, end, referred, res, setup, g, holidays) -> OneToOne | None:
    prog = plan.programme
    k, sessions = int(prog["sessions_per_week"]), int(prog["sessions"])
    name = prog["programme"]
    trained = np.array([name in t for t in setup.trained], bool)
    venues = sorted(np.nonzero(plan.reach[i])[0].tolist(), key=lambda v: (plan.travel[i, v], v))
    mine = [p for p in slot_patterns(k) if plan.slots[i, list(p)].all()]
    for w in range(g.horizon_weeks):
        first = setup.monday + timedelta(weeks=w)
        timely = [p for p in mine if session_dates(first, p, sessions, holidays)[-1] <= end]
        if not timely:
            return None  # every pattern from this week ends after the sentence: later ones too
        for v in venues:
            for p in timely:
                if not setup.v_slots[v, list(p)].all():
                    continue
                dates = session_dates(first, p, sessions, holidays)
                if dates[0] < referred or not plan.free_on(i, dates, p):
                    continue
                booked = _sessions(dates, p, setup.monday)
                if any(res.room_used[v, s, wk] >= res.rooms[v] for s, wk in booked):
                    continue
                able = trained & setup.f_slots[:, list(p)].all(1)
                able &= setup.fac_travel[:, v] <= g.facilitator_max_travel_minutes
                for j in sorted(
                    np.nonzero(able)[0].tolist(), key=lambda j: (setup.fac_travel[j, v], j)
                ):
                    if _free(res, j, booked):
                        return OneToOne(name, i, v, p, dates, j)
    return None


def _sessions(dates: list[date], pattern: tuple[int, ...], monday: date) -> list[tuple[int, int]]:
    """(slot, week) of each session date (the pattern's slot on that weekday)."""
    by_day = {s // 3: s for s in pattern}
    return [(by_day[d.weekday()], (d - monday).days // 7) for d in dates]


def _free(res: Resources, j: int, booked: list[tuple[int, int]]) -> bool:
    load: dict[int, int] = {}
    for s, wk in booked:
        if res.fac_busy[j, s, wk]:
            return False
        load[wk] = load.get(wk, 0) + 1
    return all(res.fac_load[j, wk] + n <= res.fac_max[j] for wk, n in load.items())


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


PRE_GROUP_MISSING = (
    "no pre-group session could be booked with a trained facilitator in their slots in the {weeks} "
    "weeks before the group's first session"
)
LONE_WOMAN = (
    "the other women planned into the group could not have a pre-group session, and a woman "
    "never starts a group as its only woman"
)
GROUP_FELL_THROUGH = (
    "the group they were planned into could not run: too few of its members could have a "
    "pre-group session before it started"
)


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
    facilitators first. The joint model kept facilitators' weeks free for them
    (solvers/groups_mip.py). Whoever has none before their group moves to another of the
    programme's groups they suit with a place and an appointment before it, if any. Whoever
    cannot have one does not start the group; a group left below its minimum, or with one
    woman, loses her or does not run (its room and facilitators are freed), and then its
    members, their appointments given back, may move so too (seed 23 of the East Midlands
    quarter: a BBR group at its minimum of 6, three members with no half-day left once the
    planned groups had their facilitators' sessions, did not run, and one of the other three
    started another BBR group). Then, for each member so left out, in turn, the booking is
    tried again with another new group handed to another facilitator where that frees one of
    their half-days or a session of its week (`_hand_overs`; at most `pre_group_hand_overs`
    bookings in all), and the one that starts the most is kept where it starts more: the model
    counts appointments by facilitator and week, not by half-day (seed 19: a Horizon group of
    four in Rutland did not run, as its member's only half-day went to a TSP group's session;
    handed over, all 933 placed start, where 929 did; seed 23 946 of 946, where 942; the
    tight quarter 854 of 868, where 849). Returns the results with who stays, the appointments
    and the resources left."""
    best = _book(plans, results, res, setup, config)
    trials = config.groups.pre_group_hand_overs
    lost = [
        (n, i, c)
        for n, r in enumerate(results)
        for i, c in enumerate(r.cand_of_person.tolist())
        if c >= 0 and best[0][n].cand_of_person[i] < 0
    ]
    for n, i, c in lost:
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
    settled = [replace(r, alternative=None) for r in results]
    best = plan_pre_group(plans, settled, left, setup, config)
    if not results or any(r.alternative is None for r in results):
        return best
    before = [replace(r.alternative, alternative=None) for r in results if r.alternative]
    problems = [plan.problem for plan in plans]
    before_left = booked(problems, res, [r.facilitators for r in before])
    other = plan_pre_group(plans, before, before_left, setup, config)
    return other if people_started(other[0]) > people_started(best[0]) else best


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
    fell: dict[tuple[int, int], int] = {}  # (programme, person) -> the group that fell through
    for n, plan in enumerate(plans):
        for c in sorted(running[n]):
            mine = booked.get((n, c), {})
            if len(_leaving(plan.problem, mine)) == len(mine):  # it cannot run
                book(plan.problem, res, c, running[n].pop(c), -1)
                for i, gone in booked.pop((n, c), {}).items():
                    diary.add(gone.facilitator, *_at(gone, setup.monday), gone.venue, -1)
                    fell[(n, i)] = c
    if fell:  # the members of a group that cannot run may join another that does
        live = [replace(r, facilitators=running[n]) for n, r in enumerate(results)]
        elsewhere = [(n, i, c) for (n, i), c in fell.items()]
        moved |= _move_unbooked(plans, live, elsewhere, booked, diary, setup, config)
    out_results: list[GroupsResult] = []
    sessions: list[PreGroup] = []
    for n, (plan, r) in enumerate(zip(plans, results)):
        pr = plan.problem
        cand_of, facs = r.cand_of_person.copy(), running[n]
        reasons = dict(r.reasons)
        for (m, i), c in moved.items():
            if m == n:
                cand_of[i] = c
        missing = PRE_GROUP_MISSING.format(weeks=g.pre_group_weeks)
        for i in np.nonzero(cand_of >= 0)[0].tolist():
            if int(cand_of[i]) not in facs:  # their group fell through, and no other took them
                cand_of[i] = -1
                reasons[i] = GROUP_FELL_THROUGH if (n, i) in fell else missing
        for c in sorted(facs):
            mine = booked.get((n, c), {})
            for i in np.nonzero(cand_of == c)[0].tolist():
                if i not in mine:
                    cand_of[i] = -1
                    reasons[i] = missing
            leave = _leaving(pr, mine)
            if len(leave) == len(mine):
                book(pr, res, c, facs.pop(c), -1)
            for i, why in leave.items():
                gone = mine.pop(i)
                diary.add(gone.facilitator, *_at(gone, setup.monday), gone.venue, -1)
                cand_of[i] = -1
                reasons[i] = why
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


def _leaving(pr: GroupsProblem, mine: dict[int, PreGroup]) -> dict[int, str]:
    """Who of a group's booked members `mine` does not start, and why: a woman who would be
    its only woman, or everyone where it would be left below its minimum."""
    women = [i for i in mine if pr.person_female[i]]
    leave = {i: LONE_WOMAN for i in women} if len(women) == 1 else {}
    if len(mine) - len(leave) < pr.min_group:
        return {i: GROUP_FELL_THROUGH for i in mine}
    return leave


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
        apart = {b for a, b in pr.exclusions if a == i} | {a for a, b in pr.exclusions if b == i}
        referred = plan.referred(i)
        for k in np.nonzero(pr.pair_person == i)[0].tolist():
            other = int(pr.pair_cand[k])
            there = booked.get((n, other), {})
            if other == c or other not in r.facilitators or not there:
                continue
            if len(there) >= pr.max_group or apart & set(there):
                continue
            if pr.person_female[i] and not any(pr.person_female[p] for p in there):
                continue
            own = r.facilitators[other]
            fit = next(
                (
                    o
                    for o in _member_options(plan, i, other, own, referred, setup, config)
                    if diary.can(*o)
                ),
                None,
            )
            if fit is None:
                continue
            j, s, w, v = fit
            diary.add(j, s, w, v)
            day = setup.monday + timedelta(weeks=w, days=s // 3)
            there[i] = PreGroup(plan.programme["programme"], i, other, day, s, v, j)
            moved[(n, i)] = other
            break
    return moved


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
