"""Independent solution checker: re-verifies every hard rule of an allocation from the input
and `allocations.csv` alone, without the solver, the rule matrices or the encoder.

The rules are written again here, row by row and on purpose, so that a bug in the vectorised
rules of engine.rules cannot hide itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.allocation.contract import Dataset, load_dataset
from engine.allocation.moves import long_absences
from engine.allocation.records import (
    ABSENCE,
    ADDRESS,
    CASELOAD,
    GRADE,
    LEFT,
    MOVE_REASONS,
    RISK,
    STAY_IF_NO_ROOM,
    TRANSFER,
)
from engine.allocation.timeline import case_due
from engine.core.check import Violation
from engine.core.config import Config

STATUSES = {"KEPT", "NEW", "MOVED", "UNALLOCATED", "FUTURE"}


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    max_utilisation: float = 0.0
    mean_utilisation: float = 0.0
    std_utilisation: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        head = "OK" if self.ok else f"{len(self.violations)} VIOLATION(S)"
        lines = [
            f"check: {head}; {self.counts}; max utilisation {self.max_utilisation:.1%}, "
            f"mean {self.mean_utilisation:.1%}, std {self.std_utilisation:.2%}"
        ]
        lines += [f"  - {v}" for v in self.violations[:50]]
        return "\n".join(lines)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _needs_po(case: dict, config: Config) -> bool:
    e = config.eligibility
    return (
        case["rosh"] in e.high_risk_rosh
        or case["mappa_level"] >= e.high_risk_mappa_min_level
        or case["base_tier"][0] in e.high_risk_protect_levels
    )


def _grade_ok(case: dict, prac: dict, config: Config) -> bool:
    if prac["grade"] not in config.eligibility.case_holding_grades:
        return False
    return not _needs_po(case, config) or prac["grade"] in config.eligibility.high_risk_grades


def _neighbours(pracs: pd.DataFrame, config: Config) -> dict[str, set[str]]:
    if not config.allocation.allow_neighbouring_pdus:
        return {}
    cent = {
        k: (g["office_lat"].mean(), g["office_lon"].mean(), g["region"].iat[0])
        for k, g in pracs.groupby("pdu")
    }
    out: dict[str, set[str]] = {}
    for a, (la, oa, ra) in cent.items():
        out[a] = {
            b
            for b, (lb, ob, rb) in cent.items()
            if ra == rb and _km(la, oa, lb, ob) <= config.allocation.neighbour_max_km
        }
    return out


def _minutes(case: dict, prac: dict, config: Config, times) -> int:
    """Travel minutes of one pair: the run's travel service when given (road networks are
    data, not the solver), else the straight-line estimate recomputed here."""
    mode = case.get("travel_mode") or config.travel.mode
    if times is not None:
        m, _ = times.matrix(
            [case["home_lat"]], [case["home_lon"]], [prac["office_lat"]], [prac["office_lon"]], mode
        )
        return int(m[0, 0])
    t = config.travel
    return math.ceil(
        _km(case["home_lat"], case["home_lon"], prac["office_lat"], prac["office_lon"])
        * t.detour_factor
        / t.speed_kmh[mode]
        * 60
    )


def _pair_violations(
    case: dict, prac: dict, config: Config, neighbours: dict[str, set[str]], times=None
) -> list[tuple[str, str]]:
    """Every hard rule a (case, practitioner) pair breaks, as (rule, detail)."""
    bad = []
    if prac["pdu"] != case["pdu"] and prac["pdu"] not in neighbours.get(case["pdu"], set()):
        bad.append(("pdu", f"practitioner in {prac['pdu']}, case in {case['pdu']}"))
    if prac["available_points"] <= 0 or prac["grade"] not in config.eligibility.case_holding_grades:
        bad.append(
            (
                "not_case_holding",
                f"{prac['grade']} with {prac['available_points']} available points",
            )
        )
    elif not _grade_ok(case, prac, config):
        bad.append(
            (
                "grade",
                f"case {case['tier']}/{case['rosh']}/MAPPA {case['mappa_level']} needs a PO, got {prac['grade']}",
            )
        )
    missing = set(case["required_skills"]) - set(prac["skills"])
    if missing:
        bad.append(("required_skills", f"lacks {sorted(missing)}"))
    if case["wants_female_practitioner"] and prac["sex"] != "F":
        bad.append(("female_practitioner", "female practitioner requested"))
    if case["needs_welsh"] and not prac["welsh_speaker"]:
        bad.append(("welsh", "needs a Welsh speaker"))
    if prac["practitioner_id"] in case["conflict_practitioner_ids"]:
        bad.append(("conflict", "declared conflict of interest"))
    limit = config.travel.hard_max_minutes
    if limit > 0:
        minutes = _minutes(case, prac, config, times)
        if minutes > limit:
            bad.append(("travel_limit", f"{minutes} min over the {limit:g} min limit"))
    return bad


@dataclass
class _Requests:
    """What the night's requests and reductions say, read again from the input."""

    away: dict[str, str]  # practitioner -> left | absence
    risk: set[tuple[str, str]]  # (practitioner, case)
    adjust: set[str]  # practitioners whose caseload is to be adjusted

    @classmethod
    def read(cls, ds: Dataset, run_date, config: Config) -> _Requests:
        away: dict[str, str] = {}
        risk: set[tuple[str, str]] = set()
        adjust: set[str] = set()
        for r in ds.reallocations.to_dict("records"):
            start, end = r.get("from_date"), r.get("to_date")
            if run_date is not None and (
                (not pd.isna(start) and start and pd.Timestamp(start).date() > run_date)
                or (not pd.isna(end) and end and pd.Timestamp(end).date() < run_date)
            ):
                continue
            pid, reason = r["practitioner_id"], r["reason"]
            if reason == LEFT or (reason == ABSENCE and away.get(pid) != LEFT):
                away[pid] = reason
            elif reason == RISK:
                risk.add((pid, r["case_id"]))
            elif reason == CASELOAD:
                adjust.add(pid)
        if run_date is not None:
            for pid in long_absences(ds.practitioners, run_date, config):
                away.setdefault(pid, ABSENCE)
        return cls(away, risk, adjust)


def _unjustified(
    code: str, cid: str, case: dict, cur: str, pracs: dict, req: _Requests, neighbours, config,
    times,
) -> str | None:  # fmt: skip
    """Why a move of `case` away from `cur` for `code` is not borne out by the input (None:
    it is)."""
    if code not in MOVE_REASONS:
        return f"moved for {code!r}, not a reason a case may move for"
    if code == GRADE:
        ok = not _grade_ok(case, pracs[cur], config)
    elif code in (LEFT, ABSENCE):
        ok = req.away.get(cur) == code
    elif code == RISK:
        ok = (cur, cid) in req.risk
    elif code == TRANSFER:
        here = neighbours.get(case["pdu"], set()) | {case["pdu"]}
        ok = bool(case.get("transfer_in")) and pracs[cur]["pdu"] not in here
    elif code == ADDRESS:
        ok = bool(case.get("address_changed")) and (
            _minutes(case, pracs[cur], config, times) > config.travel.target_minutes
        )
    else:
        ok = cur in req.adjust
    return None if ok else f"moved from {cur} for {code!r}, which the input does not bear out"


def _clock_violations(cid: str, case: dict, row: dict, status: str, run_date, config) -> list:
    """A new case's clock on the run date: FUTURE exactly when its handover window has not
    opened (never allocated early), OVERDUE exactly when its due date has passed, and the
    stated due date the rule's."""
    if status == "KEPT" or run_date is None:
        return []
    due = case_due(case, config)
    out = []
    if status == "FUTURE" and not due.future(run_date):
        out.append(Violation(cid, "timeliness", f"FUTURE although its window opened {due.opens}"))
    if status in ("NEW", "UNALLOCATED") and due.future(run_date):
        out.append(Violation(cid, "timeliness", f"{status} before its window opens on {due.opens}"))
    overdue = "OVERDUE" in str(row.get("flags", "")).split(";")
    if status != "FUTURE" and overdue != (run_date > due.due):
        out.append(
            Violation(
                cid,
                "timeliness",
                f"{'flagged' if overdue else 'not flagged'} OVERDUE, due {due.due} and the "
                f"night is {run_date}",
            )
        )
    stated = str(row.get("allocation_due") or "")
    if stated and stated != due.due.isoformat():
        out.append(Violation(cid, "timeliness", f"states due {stated}, the rule gives {due.due}"))
    return out


def check_allocation(
    ds: Dataset, alloc: pd.DataFrame, config: Config, times=None, run_date=None
) -> CheckReport:
    """Re-verify an allocation (case_id, practitioner_id, status, ...) against the input. With
    a run date (given, or the input's manifest's), each new case's clock is checked too."""
    run_date = run_date or ds.run_date
    rep = CheckReport()
    v = rep.violations
    cases = {r["case_id"]: r for r in ds.cases.to_dict("records")}
    pracs = {r["practitioner_id"]: r for r in ds.practitioners.to_dict("records")}
    neighbours = _neighbours(ds.practitioners, config)
    over_ok = config.allocation.allow_over_capacity

    seen: set[str] = set()
    holder: dict[str, str] = {}
    new_to: dict[str, list[str]] = {}
    flagged_over: set[str] = set()
    future: set[str] = set()
    req = _Requests.read(ds, run_date, config)
    for row in alloc.to_dict("records"):
        cid, status = str(row["case_id"]), str(row["status"])
        pid = row.get("practitioner_id")
        pid = (
            None
            if pid is None or (isinstance(pid, float) and math.isnan(pid)) or pid == ""
            else str(pid)
        )
        if cid in seen:
            v.append(Violation(cid, "duplicate", "case appears more than once"))
            continue
        seen.add(cid)
        case = cases.get(cid)
        if case is None:
            v.append(Violation(cid, "unknown_case", "not in the input"))
            continue
        if status not in STATUSES:
            v.append(Violation(cid, "status", f"unknown status {status!r}"))
            continue
        rep.counts[status] = rep.counts.get(status, 0) + 1
        cur = case["current_practitioner_id"]
        cur = None if cur is None or (isinstance(cur, float) and math.isnan(cur)) else cur
        if cur is None:  # a held case's clock is its move's, from the night it arose
            v.extend(_clock_violations(cid, case, row, status, run_date, config))
        if status == "FUTURE":
            if pid is not None or cur is not None:
                v.append(Violation(cid, "status", "FUTURE is for a new case, with nobody named"))
            future.add(cid)
            continue
        code = str(row.get("move_reason") or "") or (GRADE if cur is not None else "")
        if status == "UNALLOCATED":
            if pid is not None:
                v.append(Violation(cid, "status", "UNALLOCATED but a practitioner is named"))
            if cur is not None and (
                code in STAY_IF_NO_ROOM
                or _unjustified(code, cid, case, cur, pracs, req, neighbours, config, times)
            ):
                v.append(
                    Violation(
                        cid, "continuity", f"held by {cur}, who may keep it, but left unallocated"
                    )
                )
            continue
        if pid is None or pid not in pracs:
            v.append(Violation(cid, "unknown_practitioner", f"{pid!r} is not in the input"))
            continue
        holder[cid] = pid
        if status == "KEPT":
            if pid != cur:
                v.append(Violation(cid, "continuity", f"KEPT with {pid} but held by {cur}"))
            elif not _grade_ok(case, pracs[pid], config):
                v.append(
                    Violation(
                        cid, "grade", f"kept with {pracs[pid]['grade']} {pid} but now needs a PO"
                    )
                )
            continue
        if status == "NEW" and cur is not None:
            v.append(Violation(cid, "continuity", f"NEW but already held by {cur}"))
        if status == "MOVED":
            if cur is None:
                v.append(Violation(cid, "continuity", "MOVED but had no practitioner"))
            elif why := _unjustified(code, cid, case, cur, pracs, req, neighbours, config, times):
                v.append(Violation(cid, "continuity", why))
            elif pid == cur:
                v.append(Violation(cid, "continuity", "MOVED to the same practitioner"))
        for rule, detail in _pair_violations(case, pracs[pid], config, neighbours, times):
            v.append(Violation(cid, rule, f"{pid}: {detail}"))
        if pid in req.away:
            v.append(Violation(cid, "away", f"{pid} {req.away[pid]}: takes no case tonight"))
        new_to.setdefault(pid, []).append(cid)
        if "OVER_CAPACITY" in str(row.get("flags", "")):
            flagged_over.add(cid)

    # Every case of the input's scope is decided (the scope is the PDUs present in the file).
    scope = {cases[c]["pdu"] for c in seen if c in cases}
    for cid, case in cases.items():
        if case["pdu"] in scope and cid not in seen:
            v.append(Violation(cid, "missing", "case in scope has no decision"))

    # Existing cases held by an eligible practitioner stay with them.
    load: dict[str, int] = {p: 0 for p in pracs}
    for cid, pid in holder.items():
        load[pid] += int(cases[cid]["points"])
    for cid, case in cases.items():  # out-of-scope cases still load their holders
        if cid not in seen and case["current_practitioner_id"] in load:
            load[case["current_practitioner_id"]] += int(case["points"])
    limit = config.allocation.max_utilisation
    for pid, got in new_to.items():
        cap = math.floor(pracs[pid]["available_points"] * limit + 1e-9)
        if load[pid] > cap and not (over_ok and all(c in flagged_over for c in got)):
            v.append(
                Violation(
                    got[-1], "capacity", f"{pid} holds {load[pid]} points, over its {cap} limit"
                )
            )

    # An unallocated case that some practitioner could take with room to spare is a solver bug.
    by_pdu: dict[str, list[str]] = {}
    for pid, prac in pracs.items():
        by_pdu.setdefault(prac["pdu"], []).append(pid)
    for cid in (c for c in seen if c in cases and c not in holder and c not in future):
        case = cases[cid]
        reach = neighbours.get(case["pdu"], set()) | {case["pdu"]}
        leaves = case["current_practitioner_id"]  # a held case unallocated is leaving them
        for pid in (q for pdu in sorted(reach) for q in by_pdu.get(pdu, [])):
            if pid == leaves or pid in req.away:
                continue
            prac = pracs[pid]
            cap = math.floor(prac["available_points"] * limit + 1e-9)
            if load[pid] + int(case["points"]) <= cap and not _pair_violations(
                case, prac, config, neighbours, times
            ):
                v.append(
                    Violation(cid, "unallocated_with_room", f"{pid} passes every rule and has room")
                )
                break

    util = [
        load[p] / r["available_points"]
        for p, r in pracs.items()
        if r["available_points"] > 0
        and r["grade"] in config.eligibility.case_holding_grades
        and r["pdu"] in scope
    ]
    if util:
        rep.max_utilisation, rep.mean_utilisation, rep.std_utilisation = (
            float(np.max(util)),
            float(np.mean(util)),
            float(np.std(util)),
        )
    return rep


def check_files(
    data_dir: str | Path,
    allocations_csv: str | Path,
    config: Config,
    osm_file: str | None = None,
    run_date=None,
) -> CheckReport:
    from geo.travel import travel_service

    ds = load_dataset(data_dir, config)
    alloc = pd.read_csv(allocations_csv, dtype=str, keep_default_na=False)
    return check_allocation(ds, alloc, config, travel_service(config.travel, osm_file), run_date)
