"""Why an existing case moves tonight, and which ones: continuity is the rule, and each move
has one of a few reasons (000 ~2396-2410, ~998-1004, ~2812-2838).

- grade: the case's risk or tier now needs another grade than its practitioner's;
- left / absence: the practitioner left, or is away (a request, or a 100% reduction with dates
  at least `long_absence_days` long): all their cases, and they take none tonight;
- risk-to-staff: one case may not stay with its practitioner (a request naming the case);
- transfer-in: the case came from another PDU and its practitioner works outside this one;
- change-of-address: the address changed and the trip to the practitioner's office is now
  over the travel target; the case may still stay when nobody nearer has room;
- caseload-adjustment: a request for a practitioner over capacity: the fewest of their cases
  that bring them within it (the largest first) move.

Everything else stays (KEPT). Each move carries its code (decisions.move_reason) and its words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from engine.allocation.records import (  # noqa: F401  (the move vocabulary, named here too)
    ABSENCE,
    ADDRESS,
    CASELOAD,
    GRADE,
    LEFT,
    MOVE_REASONS,
    RISK,
    STAY_ALLOWED,
    TRANSFER,
)
from engine.allocation.rules import grade_holds
from engine.core.config import Config
from geo.travel import TravelTimes


@dataclass
class Moves:
    """Per case (aligned with the cases frame): the move's code ('' = stays) and words; and
    the practitioners who take no new case tonight (left, away)."""

    code: np.ndarray
    why: np.ndarray
    away: dict[str, str] = field(default_factory=dict)  # practitioner -> reason code


def _active(requests: pd.DataFrame, night: date) -> pd.DataFrame:
    if requests is None or requests.empty:
        return pd.DataFrame(columns=["practitioner_id", "reason", "case_id"])
    start, end = pd.to_datetime(requests["from_date"]), pd.to_datetime(requests["to_date"])
    day = pd.Timestamp(night)
    on = (start.isna() | (start <= day)) & (end.isna() | (end >= day))
    return requests[on.to_numpy()]


def long_absences(pracs: pd.DataFrame, night: date, config: Config) -> dict[str, str]:
    """Practitioners on a 100% reduction tonight whose dates span `long_absence_days` or more:
    id -> the words of it."""
    out = {}
    days = config.allocation.long_absence_days
    for p in pracs.to_dict("records"):
        start, end = p.get("reduction_from"), p.get("reduction_to")
        if pd.isna(start) or pd.isna(end) or p["reduction_hours"] < p["contracted_hours"]:
            continue
        start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
        if start <= night <= end and (end - start).days + 1 >= days:
            out[p["practitioner_id"]] = (
                f"{p['practitioner_id']} is on a 100% reduction from {start} to {end} "
                f"({(end - start).days + 1} days, {days} or more)"
            )
    return out


def find_moves(
    cases: pd.DataFrame,
    pracs: pd.DataFrame,
    config: Config,
    night: date,
    requests: pd.DataFrame | None,
    times: TravelTimes,
    allowed_pdus: dict[str, set[str]],
) -> Moves:
    """Which held cases move tonight and why (the first reason that applies, in the order
    of MOVE_REASONS)."""
    n = len(cases)
    code = np.full(n, "", dtype=object)
    why = np.full(n, "", dtype=object)
    cur = cases["current_practitioner_id"]
    held = cur.notna().to_numpy()
    if not held.any():
        return Moves(code, why)
    by_id = pracs.drop_duplicates("practitioner_id").set_index("practitioner_id")
    req = _active(requests, night)
    away: dict[str, str] = {}
    words: dict[str, str] = {}
    for r in req.to_dict("records"):
        if r["reason"] == LEFT:
            away[r["practitioner_id"]], words[r["practitioner_id"]] = LEFT, "has left"
        elif r["reason"] == ABSENCE and away.get(r["practitioner_id"]) != LEFT:
            away[r["practitioner_id"]] = ABSENCE
            span = f"from {r['from_date'] or 'now'} to {r['to_date'] or 'further notice'}"
            words[r["practitioner_id"]] = f"is absent {span}"
    for pid, text in long_absences(pracs, night, config).items():
        if pid not in away:
            away[pid], words[pid] = ABSENCE, text.removeprefix(f"{pid} ")
    risk = {r["case_id"] for r in req.to_dict("records") if r["reason"] == RISK}
    adjust = {r["practitioner_id"] for r in req.to_dict("records") if r["reason"] == CASELOAD}

    grade = cur.map(by_id["grade"]).to_numpy()
    ok_grade = grade_holds(cases["requires_po"].to_numpy(), grade, config)
    pdu_of = cur.map(by_id["pdu"]).to_numpy()
    free = held.copy()  # held cases no reason has claimed yet (the first reason wins)
    for i in np.flatnonzero(free & ~ok_grade):
        p = cur.iat[i]
        code[i] = GRADE
        if grade[i] not in config.eligibility.case_holding_grades:
            why[i] = f"current practitioner {p} is {grade[i]}, a grade that holds no caseload"
        else:
            why[i] = (
                f"tier {cases['tier'].iat[i]}, RoSH {cases['rosh'].iat[i]}, MAPPA "
                f"{cases['mappa_level'].iat[i]} now needs grade "
                f"{'/'.join(config.eligibility.high_risk_grades)}; current practitioner {p} "
                f"is {grade[i]}"
            )
    free &= code == ""
    for i in np.flatnonzero(free & cur.isin(list(away)).to_numpy()):
        p = cur.iat[i]
        code[i], why[i] = away[p], f"{p} {words[p]}"
    free &= code == ""
    for i in np.flatnonzero(free & cases["case_id"].isin(risk).to_numpy()):
        code[i], why[i] = RISK, f"risk to staff: the case may not stay with {cur.iat[i]}"
    free &= code == ""
    if "transfer_in" in cases:
        moved_in = cases["transfer_in"].fillna(False).astype(bool).to_numpy()
        for i in np.flatnonzero(free & moved_in):
            here = cases["pdu"].iat[i]
            if pdu_of[i] in allowed_pdus.get(here, {here}):
                continue
            prev = cases["previous_pdu"].iat[i] if "previous_pdu" in cases else None
            src = prev if isinstance(prev, str) and prev else pdu_of[i]
            code[i] = TRANSFER
            why[i] = f"transferred in from {src}; {cur.iat[i]} works in {pdu_of[i]}, not {here}"
    _address_moves(cases, by_id, config, times, code, why)
    _caseload_moves(cases, by_id, config, adjust, code, why)
    return Moves(code, why, away)


def _address_moves(cases, by_id, config: Config, times: TravelTimes, code, why) -> None:
    """A changed address whose trip to the practitioner's office is now over the target."""
    if "address_changed" not in cases:
        return
    rows = np.nonzero(
        cases["address_changed"].fillna(False).astype(bool).to_numpy()
        & cases["current_practitioner_id"].notna().to_numpy()
        & (code == "")
    )[0]
    if not len(rows):
        return
    c = cases.iloc[rows]
    office = by_id.loc[c["current_practitioner_id"]]
    minutes, _ = times.pairwise(
        c["home_lat"], c["home_lon"], c["travel_mode"], office["office_lat"], office["office_lon"]
    )
    target = config.travel.target_minutes
    for i, m, p in zip(rows, minutes, c["current_practitioner_id"]):
        if m > target:
            code[i] = ADDRESS
            why[i] = (
                f"the address changed: {int(m)} min to {p}'s office, over the {target:g}-minute "
                "target (the case stays when nobody nearer has room)"
            )


def _caseload_moves(cases, by_id, config: Config, adjust: set[str], code, why) -> None:
    """For each practitioner asked to be brought within capacity: the fewest of their staying
    cases whose points cover the excess (largest first: no fewer cases can cover it)."""
    cur = cases["current_practitioner_id"]
    for pid in sorted(adjust):
        mine = np.nonzero((cur == pid).to_numpy() & (code == ""))[0]
        cap = int(np.floor(by_id.at[pid, "available_points"] * config.allocation.max_utilisation
                           + 1e-9))  # fmt: skip
        points = cases["points"].to_numpy()[mine]
        excess = int(points.sum()) - cap
        if excess <= 0:
            continue
        order = sorted(range(len(mine)), key=lambda k: (-points[k], cases["case_id"].iat[mine[k]]))
        held = int(points.sum())
        for k in order:
            if excess <= 0:
                break
            i = mine[k]
            code[i] = CASELOAD
            why[i] = (
                f"caseload adjustment: {pid} holds {held} points of a {cap}-point limit; the "
                "fewest cases that bring them within it move, the largest first"
            )
            excess -= int(points[k])
