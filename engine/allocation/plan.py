"""Turn a validated night into solver arrays, one component (PDU or neighbouring PDUs) at a time.

Also decides which cases are in tonight's run: an existing case stays (KEPT) unless it must move
(REALLOCATE: its tier/risk rose beyond its practitioner's grade); a new case is allocated once
its window has opened (NEW), and a custody case before its handover window is FUTURE (listed
with its dates, not allocated; engine.allocation.timeline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from engine.allocation.contract import Dataset
from engine.allocation.moves import find_moves
from engine.allocation.rules import HARD_RULES, SOFT_TERMS, RuleContext, high_rosh, requires_po
from engine.allocation.timeline import REALLOCATION, timeline
from engine.core.config import Config
from geo.straight_line import haversine_km
from geo.travel import TravelTimes
from solvers.allocation import AllocationParams, AllocationProblem

NEW, KEPT, REALLOCATE, FUTURE = "NEW", "KEPT", "REALLOCATE", "FUTURE"


@dataclass
class Component:
    """The pending cases of one or more PDUs and the practitioners who may take them."""

    key: str
    case_rows: np.ndarray  # positions in NightPlan.cases
    prac_rows: np.ndarray  # positions in NightPlan.pracs
    problem: AllocationProblem
    excluded: dict[str, np.ndarray]  # hard rule -> [cases x pracs], True = excluded
    terms: dict[str, np.ndarray]  # soft term -> [cases x pracs] weighted cost
    travel: np.ndarray  # [cases x pracs] minutes
    travel_method: np.ndarray  # [cases x pracs] geo.travel NETWORK / FALLBACK / UNREACHABLE

    def passes(self, ignore: tuple[str, ...] = ("capacity",)) -> np.ndarray:
        """[cases x pracs] True where every hard rule but those in `ignore` allows the pair."""
        ok = np.ones(self.travel.shape, dtype=bool)
        for rule, excluded in self.excluded.items():
            if rule not in ignore:
                ok &= ~excluded
        return ok


@dataclass
class NightPlan:
    run_date: date
    cases: pd.DataFrame  # every case in scope, with kind/urgency columns
    pracs: pd.DataFrame  # every practitioner in scope, with existing load and capacity
    components: list[Component] = field(default_factory=list)
    neighbours: dict[str, set[str]] = field(default_factory=dict)


def filter_scope(
    ds: Dataset, region: str | None = None, pdu: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Restrict a dataset to one region or one PDU (None = everything)."""
    cases, pracs = ds.cases, ds.practitioners
    if region:
        cases, pracs = cases[cases["region"] == region], pracs[pracs["region"] == region]
    if pdu:
        cases, pracs = cases[cases["pdu"] == pdu], pracs[pracs["pdu"] == pdu]
    # Practitioners outside the scope may still hold cases inside it: keep them for the load.
    held = set(cases["current_practitioner_id"].dropna())
    extra = ds.practitioners[
        ds.practitioners["practitioner_id"].isin(held - set(pracs["practitioner_id"]))
    ]
    pracs = pd.concat([pracs, extra]) if len(extra) else pracs
    return cases.reset_index(drop=True), pracs.reset_index(drop=True)


def pdu_neighbours(pracs: pd.DataFrame, max_km: float) -> dict[str, set[str]]:
    """PDUs of the same region whose office centroids lie within `max_km` of each other."""
    cent = pracs.groupby(["region", "pdu"])[["office_lat", "office_lon"]].mean().reset_index()
    out: dict[str, set[str]] = {p: {p} for p in cent["pdu"]}
    for _, grp in cent.groupby("region"):
        km = haversine_km(
            grp["office_lat"].to_numpy()[:, None],
            grp["office_lon"].to_numpy()[:, None],
            grp["office_lat"].to_numpy()[None, :],
            grp["office_lon"].to_numpy()[None, :],
        )
        names = grp["pdu"].tolist()
        for a in range(len(names)):
            for b in range(len(names)):
                if km[a, b] <= max_km:
                    out[names[a]].add(names[b])
    return out


def _components(pdus: list[str], neighbours: dict[str, set[str]]) -> list[list[str]]:
    """Connected groups of PDUs (union-find over the neighbour relation)."""
    parent = {p: p for p in pdus}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for p in pdus:
        for q in neighbours.get(p, ()):
            if q in parent:
                parent[find(p)] = find(q)
    groups: dict[str, list[str]] = {}
    for p in pdus:
        groups.setdefault(find(p), []).append(p)
    return [sorted(g) for g in sorted(groups.values())]


def classify(
    cases: pd.DataFrame,
    pracs: pd.DataFrame,
    config: Config,
    run_date: date,
    requests: pd.DataFrame | None = None,
    times: TravelTimes | None = None,
    allowed_pdus: dict[str, set[str]] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Add kind (NEW / KEPT / REALLOCATE / FUTURE), the case's clock (timeline columns),
    working_days_left (working days from the run date to allocation_due; below 0 overdue), and
    for a case that moves its code, its words and its practitioner's team (engine.allocation.
    moves). Also returns the practitioners who take no new case tonight (left, away)."""
    cases = cases.copy()
    cases["requires_po"] = requires_po(cases, config)
    clock = timeline(cases, config)
    for col in clock.columns:
        cases[col] = clock[col]
    hol = np.array(sorted(config.calendar.bank_holidays), dtype="datetime64[D]")
    due = pd.to_datetime(cases["allocation_due"]).to_numpy().astype("datetime64[D]")
    cases["working_days_left"] = np.busday_count(np.datetime64(run_date, "D"), due, holidays=hol)
    future = (pd.to_datetime(cases["window_opens"]) > pd.Timestamp(run_date)).to_numpy()
    unheld = cases["current_practitioner_id"].isna().to_numpy()
    moves = find_moves(
        cases,
        pracs,
        config,
        run_date,
        requests,
        times or TravelTimes(config.travel),
        allowed_pdus or {},
    )
    kind = np.where(unheld, np.where(future, FUTURE, NEW), KEPT).astype(object)
    kind[moves.code != ""] = REALLOCATE
    cases["kind"] = kind
    _moves_due_from_tonight(cases, kind == REALLOCATE, run_date)
    cases["move_reason"] = moves.why
    cases["move_code"] = moves.code
    team = pracs.drop_duplicates("practitioner_id").set_index("practitioner_id")["team"]
    cases["holder_team"] = cases["current_practitioner_id"].map(team).where(kind == REALLOCATE)
    return cases, moves.away


def kept_high_share(kept: pd.DataFrame, pracs: pd.DataFrame, config: Config) -> np.ndarray:
    """Each practitioner's share of high risk of harm cases among those they keep (0 when
    they keep none): what the case-mix term weighs a new case against."""
    high = pd.Series(high_rosh(kept, config), index=kept.index)
    by = kept["current_practitioner_id"]
    share = high.groupby(by).mean()
    return pracs["practitioner_id"].map(share).fillna(0.0).to_numpy(dtype=float)


def _moves_due_from_tonight(cases: pd.DataFrame, moving: np.ndarray, run_date: date) -> None:
    """A held case that must move is due tonight, the night the need is seen (never OVERDUE
    for its old sentence date, and first in line like any case due today)."""
    if not moving.any():
        return
    cases.loc[moving, "window_opens"] = run_date
    cases.loc[moving, "allocation_due"] = run_date
    cases.loc[moving, "first_appointment_due"] = None
    cases.loc[moving, "due_basis"] = REALLOCATION
    cases.loc[moving, "working_days_left"] = 0


def prepare_night(
    cases: pd.DataFrame,
    pracs: pd.DataFrame,
    config: Config,
    run_date: date,
    travel: TravelTimes | None = None,
    requests: pd.DataFrame | None = None,
) -> NightPlan:
    """Classify cases, compute each practitioner's kept load and build one problem per
    component. `requests` are the SPOs' reallocation requests (Dataset.reallocations)."""
    times = travel or TravelTimes(config.travel)
    alloc = config.allocation
    neighbours = (
        pdu_neighbours(pracs, alloc.neighbour_max_km) if alloc.allow_neighbouring_pdus else {}
    )
    allowed_pdus = {p: neighbours.get(p, {p}) | {p} for p in set(cases["pdu"])}
    cases, away = classify(cases, pracs, config, run_date, requests, times, allowed_pdus)
    pracs = pracs.copy()
    pracs["away"] = [away.get(p, "") for p in pracs["practitioner_id"]]
    kept = cases[cases["kind"] == KEPT]
    load = kept.groupby("current_practitioner_id")["points"].sum()
    pracs["existing_load"] = pracs["practitioner_id"].map(load).fillna(0).astype(np.int64)
    pracs["kept_cases"] = (
        pracs["practitioner_id"]
        .map(kept["current_practitioner_id"].value_counts())
        .fillna(0)
        .astype(int)
    )
    pracs["capacity"] = np.floor(
        pracs["available_points"] * config.allocation.max_utilisation + 1e-9
    ).astype(np.int64)
    pracs["high_share"] = kept_high_share(kept, pracs, config)
    plan = NightPlan(run_date, cases, pracs, neighbours=neighbours)
    pending = cases.index[cases["kind"].isin([NEW, REALLOCATE]).to_numpy()].to_numpy()
    pdus = sorted(set(cases.loc[pending, "pdu"]))
    for group in _components(pdus, neighbours):
        allowed = {p: neighbours.get(p, {p}) | {p} for p in group}
        reach = set().union(*allowed.values())
        case_rows = pending[cases.loc[pending, "pdu"].isin(group).to_numpy()]
        prac_rows = pracs.index[pracs["pdu"].isin(reach).to_numpy()].to_numpy()
        plan.components.append(
            _component(
                " + ".join(group),
                cases,
                pracs,
                case_rows,
                prac_rows,
                allowed,
                config,
                times,
            )
        )
    return plan


def _priority(cases: pd.DataFrame, config: Config) -> np.ndarray:
    """The worth of allocating each case: more the nearer (or further past) its due date."""
    o, d = config.objective, config.allocation.deadline_working_days
    urgency = d - np.clip(cases["working_days_left"].to_numpy(), 0, d)
    return (o.allocate_weight + o.urgency_weight * urgency).astype(np.int64)


def _component(
    key, cases, pracs, case_rows, prac_rows, allowed, config, times: TravelTimes
) -> Component:
    c, p = cases.loc[case_rows], pracs.loc[prac_rows]
    travel, method = times.matrix_by_mode(
        c["home_lat"], c["home_lon"], c["travel_mode"], p["office_lat"], p["office_lon"]
    )
    ctx = RuleContext(
        c, p, config, travel, allowed, p["existing_load"].to_numpy(), p["capacity"].to_numpy()
    )
    excluded = {name: np.asarray(rule(ctx), dtype=bool) for name, rule in HARD_RULES.items()}
    terms = {name: np.asarray(term(ctx), dtype=np.int64) for name, term in SOFT_TERMS.items()}
    any_ex = np.zeros((len(c), len(p)), dtype=bool)
    for m in excluded.values():
        any_ex |= m
    pc, pp = np.nonzero(~any_ex)
    high = set(config.eligibility.high_risk_grades)
    problem = AllocationProblem(
        case_ids=c["case_id"].tolist(),
        prac_ids=p["practitioner_id"].tolist(),
        points=c["points"].to_numpy(dtype=np.int64),
        priority=_priority(c, config),
        available=p["available_points"].to_numpy(dtype=np.int64),
        existing=p["existing_load"].to_numpy(dtype=np.int64),
        capacity=p["capacity"].to_numpy(dtype=np.int64),
        grade_rank=np.array([0 if g in high else 1 for g in p["grade"]], dtype=np.int64),
        pair_case=pc.astype(np.int64),
        pair_prac=pp.astype(np.int64),
        pair_terms={name: t[pc, pp] for name, t in terms.items()},
    )
    return Component(
        key, np.asarray(case_rows), np.asarray(prac_rows), problem, excluded, terms, travel, method
    )


def solver_params(config: Config, n_pairs: int, workers: int) -> AllocationParams:
    s = config.solver
    return AllocationParams(
        time_limit_seconds=s.component_time_limit_seconds
        + s.seconds_per_1000_pairs * n_pairs / 1000,
        workers=workers,
        random_seed=s.random_seed,
        spread_thresholds_permille=config.spread_thresholds_permille(),
        spread_weight=config.objective.spread_weight,
        never_fewer_than_greedy=config.objective.never_fewer_than_greedy,
    )
