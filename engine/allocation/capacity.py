"""Capacity ahead: each practitioner's points week by week, and what it takes to place every
case falling due.

From the cases each practitioner holds: a custody case turns to licence points in the week of
its release, a case whose sentence ends (sentence_date + sentence_length_months) drops out,
and a dated reduction (reduction_from..reduction_to) lowers available points only while it
holds. The cases nobody holds yet come due (tonight's, and custody cases whose handover window
opens in the horizon) and need room in their PDU: `solvers.capacity` finds the fewest extra PO
and PSO hours per PDU that give it, week by week, within 100%."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from engine.allocation.contract import Dataset
from engine.allocation.rules import requires_po
from engine.allocation.timeline import add_months, timeline
from engine.core.config import Config
from engine.core.export import write_csv, write_text
from solvers.capacity import CapacityParams, fewest_extra_hours


@dataclass
class CapacityPlan:
    weeks: list[date]  # the first day of each projected week
    practitioners: (
        pd.DataFrame
    )  # practitioner_id, pdu, grade, week, available_points, points, utilisation
    pdus: pd.DataFrame  # pdu, week, points, available_points, due_points, due_po_points, room...
    needs: pd.DataFrame  # pdu, extra_po_hours, extra_pso_hours, first_week_short, due_cases...


def _case_frame(cases: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per case: points now, points on licence, release and end dates (NaT when unknown)."""
    c = cases.copy()
    clock = timeline(c, config)
    c["release"] = pd.to_datetime(clock["release_date"])
    c["opens"] = pd.to_datetime(clock["window_opens"])
    length = pd.to_numeric(c.get("sentence_length_months"), errors="coerce")
    c["end"] = add_months(pd.to_datetime(c["sentence_date"]), length)
    c["licence_points"] = [config.points_for(t, "LICENCE") for t in c["base_tier"]]
    c["needs_po"] = requires_po(c, config)
    return c


def _points_on(c: pd.DataFrame, day: pd.Timestamp, start: pd.Timestamp) -> np.ndarray:
    """Each case's points on `day`: licence points once a custody case is out, none after its
    sentence ends in the horizon (an end already past on the first day is stale: the case is
    still held, so it counts)."""
    out = c["release"].notna() & (c["release"] <= day) & (c["case_type"] == "CUSTODY")
    pts = np.where(out, c["licence_points"], c["points"]).astype(np.int64)
    ended = c["end"].notna() & (c["end"] < day) & (c["end"] >= start)
    return np.where(ended, 0, pts)


def _available_on(p: pd.DataFrame, day: pd.Timestamp, config: Config) -> np.ndarray:
    start, end = pd.to_datetime(p["reduction_from"]), pd.to_datetime(p["reduction_to"])
    holds = (start.isna() | (start <= day)) & (end.isna() | (end >= day))
    return np.array(
        [
            config.available_points(g, h, r if on else 0.0)
            for g, h, r, on in zip(p["grade"], p["contracted_hours"], p["reduction_hours"], holds)
        ],
        dtype=np.int64,
    )


def project(ds: Dataset, config: Config, start: date, weeks: int) -> CapacityPlan:
    """The projection of `weeks` weeks from `start`, and the extra hours each PDU needs."""
    cases = _case_frame(ds.cases, config)
    pracs = ds.practitioners
    holders = pracs["grade"].isin(config.eligibility.case_holding_grades).to_numpy()
    high = pracs["grade"].isin(config.eligibility.high_risk_grades).to_numpy()
    held = cases["current_practitioner_id"].notna().to_numpy()
    col = {p: k for k, p in enumerate(pracs["practitioner_id"])}
    owner = np.array([col.get(p, -1) for p in cases["current_practitioner_id"].fillna("")])
    arrive = np.maximum(cases["opens"], pd.Timestamp(start))
    days = [start + timedelta(days=7 * w) for w in range(weeks)]
    horizon_end = pd.Timestamp(days[-1] + timedelta(days=6))
    due = ~held & (arrive <= horizon_end).to_numpy()
    limit = config.allocation.max_utilisation
    prac_rows, pdu_rows = [], []
    for day in days:
        ts = pd.Timestamp(day)
        pts = _points_on(cases, ts, pd.Timestamp(start))
        load = np.zeros(len(pracs), dtype=np.int64)
        mine = held & (owner >= 0)
        np.add.at(load, owner[mine], pts[mine])
        avail = _available_on(pracs, ts, config)
        cap = np.floor(avail * limit + 1e-9).astype(np.int64)
        room = np.where(holders, np.maximum(cap - load, 0), 0)
        prac_rows.append(
            pd.DataFrame(
                {
                    "practitioner_id": pracs["practitioner_id"],
                    "pdu": pracs["pdu"],
                    "grade": pracs["grade"],
                    "week": day,
                    "available_points": avail,
                    "points": load,
                    "utilisation": np.round(load / np.maximum(avail, 1), 4),
                }
            )
        )
        coming = due & (arrive <= ts + pd.Timedelta(days=6)).to_numpy()
        for pdu, idx in pracs.groupby("pdu").indices.items():
            here = coming & (cases["pdu"] == pdu).to_numpy()
            short_po, short_other = _unplaced(
                pts[here], cases["needs_po"].to_numpy()[here], room[idx], high[idx]
            )
            pdu_rows.append(
                {
                    "pdu": pdu,
                    "week": day,
                    "points": int(load[idx].sum()),
                    "available_points": int(avail[idx][holders[idx]].sum()),
                    "due_cases": int(here.sum()),
                    "due_points": int(pts[here].sum()),
                    "due_po_points": int(pts[here & cases["needs_po"].to_numpy()].sum()),
                    "room_po": int(room[idx][high[idx]].sum()),
                    "room_all": int(room[idx].sum()),
                    "short_po_points": short_po,
                    "short_other_points": short_other,
                }
            )
    by_pdu = pd.DataFrame(pdu_rows)
    return CapacityPlan(
        days, pd.concat(prac_rows, ignore_index=True), by_pdu, _needs(by_pdu, config)
    )


def _unplaced(
    points: np.ndarray, needs_po: np.ndarray, room: np.ndarray, po: np.ndarray
) -> tuple[int, int]:
    """The points of the due cases that do not fit, whole, into anyone's room (those needing
    a PO into a PO's only): largest first, each into the fullest room it fits (best fit).
    Returns (points needing a PO, other points) left over."""
    left = room.astype(np.int64).copy()
    short = [0, 0]
    order = sorted(range(len(points)), key=lambda k: (not needs_po[k], -int(points[k])))
    for k in order:
        fits = (left >= points[k]) & (po if needs_po[k] else True)
        if fits.any():
            q = int(np.flatnonzero(fits)[np.argmin(left[fits])])
            left[q] -= points[k]
        else:
            short[0 if needs_po[k] else 1] += int(points[k])
    return short[0], short[1]


def _needs(by_pdu: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The fewest extra PO and PSO hours per PDU (solvers.capacity), and the first week short."""
    w = config.workload
    params = CapacityParams(
        w.available_points.get("PO", 0) / w.full_time_hours,
        w.available_points.get("PSO", 0) / w.full_time_hours,
    )
    rows = []
    for pdu, g in by_pdu.groupby("pdu", sort=True):
        po, other = g["short_po_points"].to_numpy(), g["short_other_points"].to_numpy()
        none = np.zeros(len(g))
        got = fewest_extra_hours(po, po + other, none, none, params)
        short = g[(po + other) > 0]
        rows.append(
            {
                "pdu": pdu,
                "extra_po_hours": round(got.po_hours, 1),
                "extra_pso_hours": round(got.other_hours, 1),
                "first_week_short": short["week"].iat[0] if len(short) else None,
                "due_cases": int(g["due_cases"].iat[-1]),
                "due_points": int(g["due_points"].max()),
                "status": got.stats.status,
                "objective": got.stats.objective,
                "bound": got.stats.bound,
                "gap": got.stats.gap,
            }
        )
    return pd.DataFrame(rows)


def project_scope(
    ds: Dataset, config: Config, start: date, weeks: int, region=None, pdu=None
) -> CapacityPlan:
    """`project` over one region or PDU of a night's inputs (None: all): the PDUs of its cases,
    without the practitioners from elsewhere who hold some of them."""
    from engine.allocation.plan import filter_scope

    cases, pracs = filter_scope(ds, region, pdu)
    if pdu or region:
        pracs = pracs[pracs["pdu"].isin(set(cases["pdu"]))]
    return project(Dataset(pracs, cases, ds.inputs_hash, ds.source), config, start, weeks)


def chart(plan: CapacityPlan, width: int = 720, height: int = 360) -> str:
    """An SVG line per PDU: projected utilisation with the cases due, week by week; 100% marked."""
    g = plan.pdus.copy()
    g["u"] = (g["points"] + g["due_points"]) / g["available_points"].clip(lower=1)
    top = max(1.2, float(g["u"].max()) * 1.05)
    n = max(1, len(plan.weeks) - 1)
    x0, y0, w, h = 60, 20, width - 80, height - 60

    def xy(k: int, u: float) -> str:
        return f"{x0 + w * k / n:.1f},{y0 + h * (1 - u / top):.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<line x1="{x0}" y1="{y0 + h * (1 - 1 / top):.1f}" x2="{x0 + w}" '
        f'y2="{y0 + h * (1 - 1 / top):.1f}" stroke="#c00" stroke-dasharray="4 3"/>',
        f'<text x="4" y="{y0 + h * (1 - 1 / top) + 4:.1f}">100%</text>',
    ]
    palette = ["#1b6ca8", "#2a9d8f", "#e9c46a", "#f4a261", "#6a4c93", "#8d99ae", "#43aa8b"]
    for k, (pdu, rows) in enumerate(g.groupby("pdu", sort=True)):
        pts = " ".join(xy(i, u) for i, u in enumerate(rows["u"]))
        colour = palette[k % len(palette)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{pts}">'
                     f"<title>{_esc(str(pdu))}</title></polyline>")  # fmt: skip
        if k < 12:
            parts.append(f'<text x="{x0 + 8}" y="{y0 + 14 * (k + 1)}" fill="{colour}">'
                         f"{_esc(str(pdu))}</text>")  # fmt: skip
    for i, day in enumerate(plan.weeks):
        if i % max(1, len(plan.weeks) // 6) == 0:
            parts.append(f'<text x="{x0 + w * i / n - 20:.1f}" y="{y0 + h + 16}">{day}</text>')
    parts.append(f'<text x="{x0}" y="{height - 6}">utilisation with the cases falling due, '
                 "by week</text></svg>")  # fmt: skip
    return "\n".join(parts)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def export(plan: CapacityPlan, out: Path) -> list[Path]:
    """capacity.csv (practitioner by week), capacity_pdus.csv, capacity_needs.csv and
    capacity.svg in `out`, each written atomically."""
    return [
        write_csv(out / "capacity.csv", plan.practitioners),
        write_csv(out / "capacity_pdus.csv", plan.pdus),
        write_csv(out / "capacity_needs.csv", plan.needs),
        write_text(out / "capacity.svg", chart(plan)),
    ]
