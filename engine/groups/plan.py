"""Planning programme groups for a horizon (a quarter by default): candidate groups from the
venues, slots and start weeks, eligible people for each, one problem per programme, and the
registry of solvers that plan the programmes together or in turn."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.core.parallel import processes
from engine.core.records import exclusion_pairs
from engine.groups import reasons as why
from engine.groups.contract import GroupsDataset
from engine.groups.reasons import Why
from engine.groups.records import SLOTS
from engine.groups.rules import (
    able_facilitators,
    pre_group_venues,
    running_sessions,
    trained_for,
    venue_reach,
)
from geo.travel import TravelTimes
from solvers.groups import (
    GroupsParams,
    GroupsProblem,
    GroupsResult,
    Resources,
    in_turn,
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


@dataclass(frozen=True)
class Short:
    """A venue and set of half-days offered for a programme, with too few trained facilitators
    free to run it: who shares it, and the facilitators free of those a session needs."""

    venue: int
    pattern: tuple[int, ...]
    people: np.ndarray
    free: int
    need: int


@dataclass
class ProgrammePlan:
    programme: dict
    problem: GroupsProblem
    people: pd.DataFrame  # the programme's referrals, in problem order
    cand_pattern: list[tuple[int, ...]]
    cand_dates: list[list[date]]
    reasons: list[Why | None]  # per person, why nothing at all fits (None when something does)
    near: np.ndarray  # per person: some candidate within the target travel before pruning
    reach: np.ndarray  # [people x venues]: within the travel limit (and accessible where needed)
    slots: np.ndarray  # [people x slots]: available
    travel: np.ndarray  # [people x venues]: minutes each way
    # per person: the half-days (date, AM|PM|EVE) taken by their firm Unpaid Work (a morning
    # and an afternoon) and their supervision appointments: one calendar
    busy: list[frozenset[tuple[date, str]]] = field(default_factory=list)
    # where a group could have been offered but for its facilitators: each venue and set of
    # half-days offered (`patterns_per_venue`) with too few trained facilitators free, the
    # people who share it (indices) and the facilitators free (`facilitator_gaps`)
    short: list[Short] = field(default_factory=list)

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
    # weeks the calendar must hold: the last week any candidate group runs (bank holidays
    # lengthen some)
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
        done = int(g["sessions_done"])
        left = int(sessions[g["programme"]]) - done
        start = date.fromisoformat(str(g["start_date"]))
        out.append(
            {
                **g,
                "sessions_left": left,
                "left": running_sessions(start, list(g["slots"]), done, left, monday, holidays),
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
    # (where too few others it suits, none forms); and, for the reason given where none does,
    # whom one was formed for at all (enough people in their slots and area, facilitators to
    # run it), one finishing before their sentence ends, and one of those starting after
    # their referral
    fit_but_pre, fit = np.zeros(n, bool), np.zeros(n, bool)
    formed, in_time, referred_before = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    # where none was formed, which of three: too few share a venue and half-days with them
    # (the most who do, them included), their half-days not among those offered at a venue
    # (`patterns_per_venue`), or too few trained facilitators for those offered (the most free)
    share_most, fac_most = np.zeros(n, np.int64), np.zeros(n, np.int64)
    offered = np.zeros(n, bool)
    short: list[Short] = []
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
            share_most = np.maximum(share_most, np.where(ok, ok.sum(), 0))
        best = sorted(
            (p for p in free if free[p].sum() >= mn), key=lambda p: (-int(free[p].sum()), p)
        )[: g.patterns_per_venue]
        near_fac = np.nonzero(trained & (fac_travel[:, v] <= g.facilitator_max_travel_minutes))[0]
        for p in best:
            p_part = SLOTS[p[0]].split("-")[1]
            fj = able_facilitators(trained, f_slots, fac_travel[:, v], p, config)
            offered |= free[p]
            fac_most = np.where(free[p], np.maximum(fac_most, len(fj)), fac_most)
            if len(fj) < need:
                short.append(Short(v, p, np.nonzero(free[p])[0], len(fj), need))
                continue
            formed |= free[p]
            for w in starts:
                dates = session_dates(
                    monday + timedelta(weeks=w), p, int(prog["sessions"]), holidays
                )
                weeks = weeks_spanned(monday + timedelta(weeks=w), dates)
                ok = free[p] & (ends >= dates[-1])
                in_time |= ok
                ok &= since <= np.datetime64(dates[0])
                referred_before |= ok
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
    reasons: list[Why | None] = []
    for i in range(n):
        if count.get(i):
            reasons.append(None)
        elif not reach[i].any():
            reasons.append(
                why.no_venue(g.max_travel_minutes, bool(people["needs_accessible"].iat[i]))
            )
        elif not slot_fit[i]:
            slots = ";".join(people["available_slots"].iat[i])
            reasons.append(why.no_sessions(g.max_travel_minutes, prog["programme"], slots))
        elif fit_but_pre[i] and not fit[i]:
            reasons.append(why.no_pre_group(g.pre_group_weeks))
        elif not formed[i]:
            reasons.append(
                why.none_formed(
                    prog["programme"],
                    (int(share_most[i]), mn),
                    (bool(offered[i]), g.patterns_per_venue),
                    (int(fac_most[i]), need, g.facilitator_max_travel_minutes),
                )
            )
        elif fit[i]:  # groups suit them, but too few others could start with them in any
            reasons.append(why.too_few_to_start(mn, prog["programme"]))
        elif not in_time[i]:
            reasons.append(why.sentence_ends(people["sentence_end"].iat[i]))
        elif not referred_before[i]:
            reasons.append(why.referred_late(referred[i]))
        else:
            reasons.append(why.COMMITTED)
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
        short,
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


def solver_params(
    config: Config, time_limit: float | None = None, spent: float | None = None
) -> GroupsParams:
    """The groups solvers' params from the config (`time_limit` seconds per programme overrides
    the config's budget, and scales the joint solve's and the deadline with it). `spent`: the
    seconds the run has taken before the quarter's solve begins (reading the folder, the
    candidates, the travel), which `groups.run_seconds` counts, so that a quarter slower to
    build still ends when the run should (`GroupsParams.quarter_seconds`)."""
    g = config.groups
    scale = (time_limit / g.seconds_per_programme) if time_limit else 1.0
    quarter = None
    if g.run_seconds > 0 and spent is not None:
        quarter = max(0.0, g.run_seconds * scale - spent)
    return GroupsParams(
        time_limit_seconds=time_limit or g.seconds_per_programme,
        processes=processes(config.solver.parallel_processes),
        joint_seconds=g.joint_seconds * scale,
        joint_patience_seconds=g.joint_patience_seconds * scale,
        deadline_seconds=g.deadline_seconds * scale,
        final_proof_seconds=g.final_proof_seconds * scale,
        beside_cut_pool=g.beside_cut_pool,
        settle_seconds=g.settle_seconds * scale,
        rebook_seconds=g.rebook_seconds * scale,
        booked_proof_seconds=g.booked_proof_seconds * scale,
        quarter_seconds=quarter,
        late_seconds=g.late_seconds,
        processes_from_pairs=g.processes_from_pairs,
        wider_model_pairs=g.wider_model_pairs,
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
