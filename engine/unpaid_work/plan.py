"""Planning an Unpaid Work week: sessions from placements, eligible (person, session) pairs
with travel, one problem per PDU, the solve, and the schedule, unplaced list and reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from engine.core.calendar import DAYS, deadline
from engine.core.calendar import (
    week_dates as week_dates,  # the week planner's dates, here since before
)
from engine.core.config import Config
from engine.core.records import exclusion_pairs
from engine.store.calendar import DAY_PARTS
from engine.unpaid_work.contract import UpwDataset
from engine.unpaid_work.records import INDUCTION, SUPERVISED_KINDS
from engine.unpaid_work.rules import (
    can_supervise,
    crew_limit,
    eligible,
    needs_induction,
    starting,
)
from geo.travel import TravelTimes
from solvers.types import SearchObserver
from solvers.upw import UpwParams, UpwProblem, UpwResult, solve_cpsat, solve_greedy, solve_mip


def _greedy(
    problem: UpwProblem,
    params: UpwParams,
    observer: SearchObserver | None = None,
    greedy: UpwResult | None = None,
) -> UpwResult:
    return greedy if greedy is not None else solve_greedy(problem, params)


# The Unpaid Work registry: name -> solver of one PDU's week; first fit, most behind first, is
# the baseline (and the CP-SAT model's first hint).
SOLVERS = {"mip": solve_mip, "cpsat": solve_cpsat, "greedy": _greedy}
BASELINE = "greedy"
DEFAULT_SOLVER = "mip"


SESSION_COLUMNS = [
    "session_id",
    "placement_id",
    "date",
    "day",
    "pdu",
    "kind",
    "hours",
    "capacity",
    "public_facing",
    "women_only",
]


def sessions_of(places: pd.DataFrame, dates: list[date]) -> pd.DataFrame:
    rows = []
    for r in places.itertuples():
        only = getattr(r, "only_date", None)
        for day in r.days:
            d = DAYS.index(day)
            if isinstance(only, date) and dates[d] != only:
                continue  # a slot on one date runs only in its own week
            rows.append(
                {
                    "session_id": f"{r.placement_id}@{dates[d].isoformat()}",
                    "placement_id": r.placement_id,
                    "date": dates[d],
                    "day": d,
                    "pdu": r.pdu,
                    "kind": r.kind,
                    "hours": float(r.session_hours),
                    "capacity": int(r.capacity),
                    "public_facing": bool(r.public_facing),
                    "women_only": bool(r.women_only),
                }
            )
    return pd.DataFrame(rows, columns=SESSION_COLUMNS)


def induction_places(slots: pd.DataFrame, hours: float) -> pd.DataFrame:
    """Induction slots as placements of kind INDUCTION (no pickup, nothing restricted), each
    with a session on its weekdays, or on its one date (`only_date`, that week alone)."""
    rows = []
    for r in slots.itertuples():
        days = r.days if len(r.days) else (DAYS[r.date.weekday()],)
        rows.append(
            {
                "placement_id": r.induction_id,
                "kind": INDUCTION,
                "pdu": r.pdu,
                "lat": r.lat,
                "lon": r.lon,
                "days": days,
                "session_hours": hours,
                "capacity": int(r.capacity),
                "public_facing": False,
                "women_only": False,
                "pickup_lat": np.nan,
                "pickup_lon": np.nan,
                "only_date": r.date if not len(r.days) else None,
            }
        )
    return pd.DataFrame(rows)


def with_inductions(ds: UpwDataset, config: Config) -> pd.DataFrame:
    """The placements, and the induction slots as INDUCTION placements."""
    if ds.inductions is None or ds.inductions.empty:
        return ds.placements
    slots = induction_places(ds.inductions, config.upw.induction_hours)
    return pd.concat([ds.placements, slots], ignore_index=True)


def behind_pace_hours(people: pd.DataFrame, on: date, months: int) -> np.ndarray:
    """Hours behind the even pace that finishes the order within `months` of sentence."""
    elapsed = np.array(
        [(on - date.fromisoformat(str(d))).days for d in people["sentence_date"]]
    ) / (months * 30.44)
    expected = people["hours_ordered"].to_numpy() * np.clip(elapsed, 0, 1)
    return np.maximum(0.0, expected - people["hours_completed"].to_numpy())


def start_due(
    people: pd.DataFrame, week_end: date, working_days: int, holidays: list[date]
) -> np.ndarray:
    """Not started, and the first session is due (`working_days` after sentence) by the end of
    this week or already overdue."""
    by = deadline(people["sentence_date"].astype(str).to_numpy(), working_days, holidays)
    return starting(people) & (by <= np.datetime64(week_end, "D"))


def priority(behind: np.ndarray, due: np.ndarray) -> np.ndarray:
    """Weight of reaching a person at all this week: everyone behind pace or due to start comes
    first, one person more always outweighing any hours-behind difference (1,000 + hours behind,
    capped at 999), so the furthest behind win ties."""
    first = (behind > 0) | due
    return np.where(first, 1000 + np.minimum(np.ceil(behind), 999), 0).astype(np.int64)


@dataclass
class Roster:
    """Who may supervise which session of one PDU's week, as the problem's roster arrays."""

    supervisors: pd.DataFrame
    can_run: np.ndarray  # [supervisors x sessions]
    crew: np.ndarray  # [supervisors x sessions] crew limit
    drive: np.ndarray  # [supervisors x sessions] minutes each way by car
    pickup: np.ndarray  # [sessions] the crew leaves by bus from a pickup point


@dataclass
class PduWeek:
    pdu: str
    problem: UpwProblem
    people: pd.DataFrame  # rows of the PDU's people, in problem order
    sessions: pd.DataFrame
    travel: np.ndarray  # [people x placements] minutes each way (incl. crew bus)
    supervised: np.ndarray  # [placements] crew-bus minutes each way
    session_place: (
        np.ndarray
    )  # [sessions] index of each session's placement in `travel`/`supervised`
    within_limits: np.ndarray  # [people x sessions] every rule but capacity/company held
    roster: Roster | None = None  # the PDU's supervisors (None: no supervisors table)


def destinations(places: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each placement's people (and supervisor) go first: its crew-bus pickup point when
    it has one, else the site. Returns (has pickup, lat, lon) per placement."""
    pickup = places["pickup_lat"].notna().to_numpy()
    lat = np.where(pickup, places["pickup_lat"].fillna(0), places["lat"])
    lon = np.where(pickup, places["pickup_lon"].fillna(0), places["lon"])
    return pickup, lat, lon


def supervisor_drives(sups: pd.DataFrame, places: pd.DataFrame, times: TravelTimes) -> np.ndarray:
    """[supervisors x placements]: minutes by car from base to the site or pickup point."""
    _, lat, lon = destinations(places)
    if not len(sups) or not len(places):
        return np.zeros((len(sups), len(places)), np.int64)
    drive, _ = times.matrix(sups["base_lat"], sups["base_lon"], lat, lon, "car")
    return np.asarray(drive, dtype=np.int64)


def roster_options(
    sups: pd.DataFrame,
    places: pd.DataFrame,
    sess: pd.DataFrame,
    sp: np.ndarray,
    drive_place: np.ndarray,
    config: Config,
) -> Roster:
    """The PDU's supervisors against its sessions: who may run each (rules.can_supervise),
    the crew each would take, and their drive from base to the site or pickup point."""
    pickup = destinations(places)[0][sp]
    drive = drive_place[:, sp]
    ok = can_supervise(sups, sess, pickup, drive, config)
    return Roster(sups, ok, crew_limit(sups, sess, pickup), drive, pickup)


@dataclass
class PduSetup:
    """One PDU's weeks: what stays the same while hours are worked (its people as the input
    has them, placements and travel, each week's sessions, the supervisors' drives). A week's
    problem is built from it and the people as the weeks before left them (`week`), inside
    the part's own process."""

    pdu: str
    people: pd.DataFrame
    places: pd.DataFrame
    sessions: list[pd.DataFrame]  # per week of the horizon
    weeks: list[list[date]]
    travel: np.ndarray  # [people x placements] minutes each way (incl. crew bus)
    bus: np.ndarray  # [placements] crew-bus minutes each way
    sups: pd.DataFrame | None
    drive_place: np.ndarray | None  # [supervisors x placements]
    inductions: bool
    config: Config
    # person -> the days a programme session (group, one-to-one, pre-group) takes their
    # morning or afternoon: an Unpaid Work day there would book them twice (one calendar)
    busy: dict[str, frozenset[date]] = field(default_factory=dict)

    def week(self, k: int, people: pd.DataFrame) -> PduWeek:
        """Week k's problem for `people` (rows in the setup's order, hours as they stand)."""
        u, dates, sess = self.config.upw, self.weeks[k], self.sessions[k]
        people = people.copy()
        people["_behind"] = behind_pace_hours(people, dates[0], u.complete_within_months)
        people["_start_due"] = start_due(
            people, dates[-1], u.first_session_working_days, self.config.calendar.bank_holidays
        )
        if self.places.empty or sess.empty:  # nothing to offer: everyone is reported unplaced
            n = len(people)
            return _problem(
                self.pdu,
                people,
                sess,
                np.zeros((n, 0), np.int64),
                np.zeros(0, np.int64),
                np.zeros(0, np.int64),
                np.zeros((n, 0), bool),
                self.config,
            )
        pidx = {p: j for j, p in enumerate(self.places["placement_id"])}
        sp = sess["placement_id"].map(pidx).to_numpy()
        ok = eligible(people, sess, self.travel[:, sp], self.config, self.inductions)
        if self.busy:
            days = sess["date"].tolist()
            for i, pid in enumerate(people["person_id"]):
                taken = self.busy.get(pid)
                if taken:
                    ok[i] &= np.array([d not in taken for d in days], bool)
        roster = None
        if self.sups is not None and self.drive_place is not None:
            roster = roster_options(self.sups, self.places, sess, sp, self.drive_place, self.config)
        return _problem(
            self.pdu,
            people,
            sess,
            self.travel,
            self.bus,
            sp,
            ok,
            self.config,
            roster,
            self.inductions,
        )


def build_setups(
    ds: UpwDataset,
    config: Config,
    times: TravelTimes,
    weeks: list[list[date]],
    busy: dict[str, dict[tuple[date, str], str]] | None = None,
) -> list[PduSetup]:
    """Each PDU's setup for the weeks of the horizon (travel computed once, here). `busy`
    (person -> (date, part of day) -> programme session, engine.store.calendar) keeps
    everyone off Unpaid Work on a day a programme session takes their morning or afternoon."""
    days = {
        p: frozenset(d for d, part in taken if part in DAY_PARTS)
        for p, taken in (busy or {}).items()
    }
    allplaces = with_inductions(ds, config)
    out = []
    for pdu, people in ds.people.groupby("pdu", sort=True):
        places = allplaces[allplaces["pdu"] == pdu].reset_index(drop=True)
        sessions = [
            sessions_of(places, dates).reset_index(drop=True)
            if len(places)
            else sessions_of(places, dates)
            for dates in weeks
        ]
        people = people.reset_index(drop=True)
        travel = np.zeros((len(people), len(places)), np.int64)
        bus = np.zeros(len(places), dtype=np.int64)
        if len(places):
            pickup, dest_lat, dest_lon = destinations(places)
            to_dest, _ = times.matrix_by_mode(
                people["home_lat"], people["home_lon"], people["travel_mode"], dest_lat, dest_lon
            )
            if pickup.any():
                bus[pickup], _ = times.pairwise(
                    places.loc[pickup, "pickup_lat"],
                    places.loc[pickup, "pickup_lon"],
                    ["car"] * int(pickup.sum()),
                    places.loc[pickup, "lat"],
                    places.loc[pickup, "lon"],
                )
            travel = to_dest + bus[None, :]
        sups, drive = None, None
        if ds.supervisors is not None:
            sups = ds.supervisors[ds.supervisors["pdu"] == pdu].reset_index(drop=True)
            drive = supervisor_drives(sups, places, times)
        out.append(
            PduSetup(
                str(pdu),
                people,
                places,
                sessions,
                weeks,
                travel,
                bus,
                sups,
                drive,
                ds.inductions is not None,
                config,
                {p: days[p] for p in people["person_id"] if p in days},
            )
        )
    return out


def build_week(
    ds: UpwDataset, config: Config, times: TravelTimes, dates: list[date]
) -> list[PduWeek]:
    """One week's problem per PDU, for the people as the input has them."""
    return [setup.week(0, setup.people) for setup in build_setups(ds, config, times, [dates])]


def _problem(
    pdu, people, sess, travel, bus, sp, ok, config, roster=None, inductions=False
) -> PduWeek:
    u = config.upw
    pi, si = np.nonzero(ok)
    minutes = (sess["hours"].to_numpy() * 60).astype(np.int64)
    sup = np.minimum(bus[sp], int(u.credited_travel_max_minutes))
    trav = travel[pi, sp[si]]
    last = people.get("last_placement_id", pd.Series([None] * len(people))).to_numpy()
    moved = np.array(
        [
            bool(isinstance(last[i], str) and last[i] != sess["placement_id"].iat[s])
            for i, s in zip(pi, si)
        ],
        dtype=bool,
    )
    u = config.upw
    cost = (
        trav
        + u.over_target_cost * np.maximum(trav - u.target_travel_minutes, 0)
        + u.move_cost * moved
    )
    sex_f = (people["sex"] == "F").to_numpy()
    excl = exclusion_pairs(people["person_id"], people["exclude_person_ids"])
    problem = UpwProblem(
        person_ids=people["person_id"].tolist(),
        session_ids=sess["session_id"].tolist(),
        session_day=sess["day"].to_numpy(np.int64),
        session_capacity=sess["capacity"].to_numpy(np.int64),
        session_is_ete=(sess["kind"] == "ETE").to_numpy(),
        session_needs_company=(sess["kind"] != "INDIVIDUAL").to_numpy(),
        session_is_group=sess["kind"].isin(["GROUP", INDUCTION]).to_numpy(),
        person_female=sex_f,
        person_lone_ok=people["lone_woman_ok"].to_numpy(bool),
        person_prefers_not_all_male=people["prefers_not_all_male"].to_numpy(bool),
        person_max_minutes=(
            people["max_hours_per_week"].clip(upper=u.max_hours_per_week) * 60
        ).to_numpy(np.int64),
        person_remaining_minutes=((people["hours_ordered"] - people["hours_completed"]) * 60)
        .round()
        .to_numpy(np.int64),
        person_ete_budget_minutes=np.floor(
            (u.ete_max_share * people["hours_ordered"] - people["ete_hours_completed"]) * 60
        ).to_numpy(np.int64),
        person_behind_weight=np.ceil(people["_behind"]).to_numpy(np.int64),
        person_priority=priority(people["_behind"].to_numpy(), people["_start_due"].to_numpy(bool)),
        exclusions=excl,
        pair_person=pi.astype(np.int64),
        pair_session=si.astype(np.int64),
        pair_minutes=minutes[si],
        pair_credited=minutes[si] + 2 * sup[si],
        pair_travel=trav.astype(np.int64),
        pair_cost=cost.astype(np.int64),
    )
    if inductions:
        problem.session_is_induction = (sess["kind"] == INDUCTION).to_numpy()
        problem.person_needs_induction = needs_induction(people)
    if roster is not None:
        _add_roster(problem, sess, roster, config)
    return PduWeek(pdu, problem, people, sess, travel, bus, sp, ok, roster)


def _add_roster(problem: UpwProblem, sess: pd.DataFrame, roster: Roster, config: Config) -> None:
    """Give the problem its supervisors: GROUP and WORKSHOP sessions run only with one."""
    j, s = np.nonzero(roster.can_run)
    problem.session_supervised = sess["kind"].isin(SUPERVISED_KINDS).to_numpy()
    problem.supervisor_ids = roster.supervisors["supervisor_id"].tolist()
    problem.roster_supervisor = j.astype(np.int64)
    problem.roster_session = s.astype(np.int64)
    problem.roster_crew = roster.crew[j, s].astype(np.int64)
    problem.roster_cost = (config.upw.supervisor_travel_cost * roster.drive[j, s]).astype(np.int64)


def solver_params(config: Config, time_limit: float | None = None) -> UpwParams:
    """The Unpaid Work solvers' params from the config (`time_limit` seconds per PDU overrides
    the config's budget)."""
    u = config.upw
    return UpwParams(
        time_limit_seconds=time_limit or u.seconds_per_pdu,
        target_travel_minutes=u.target_travel_minutes,
        over_target_hours_weight=u.over_target_hours_weight,
        proof_gap=u.proof_gap,
    )
