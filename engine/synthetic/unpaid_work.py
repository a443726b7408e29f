"""Synthetic Unpaid Work people and placements for the same PDUs and geography as the caseload
(../shared/domain.md section 3): hours ordered 40-300, some behind pace, employed people who
can only work weekends, women's preferences, workshops, carers' travel limits, co-defendants
who must not meet, group placements reached by crew bus. `tight` weeks have less room."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.synthetic.geography import Pdu, sample_points
from engine.unpaid_work.contract import INDUCTION_COLUMNS, SUPERVISOR_COLUMNS

# people with an Unpaid Work requirement, placements
UPW_SCALES = {"pdu": (250, 13), "region": (3000, 150), "national": (30_000, 1500)}
HOURS = ([40, 60, 80, 100, 120, 150, 180, 200, 240, 300], [8, 12, 14, 14, 12, 12, 9, 9, 5, 5])
KINDS = (["GROUP", "INDIVIDUAL", "WORKSHOP", "ETE"], [0.5, 0.25, 0.15, 0.10])
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]
MODES = (["public_transport", "car", "walk"], [0.70, 0.20, 0.10])


def _pick(rng, opts, n=None):
    vals, p = opts
    p = np.array(p, float) / np.sum(p)
    return rng.choice(np.array(vals, dtype=object), size=n, p=p)


def _days(rng, pool: list[str], k: int) -> str:
    return ";".join(
        sorted(
            rng.choice(pool, size=min(k, len(pool)), replace=False).tolist(),
            key=(WEEKDAYS + ["Sat", "Sun"]).index,
        )
    )


def _placements(pdu: Pdu, u: int, n: int, rng, tight: bool) -> list[dict]:
    spots = sample_points(pdu.districts, n, rng)
    rows = []
    for k in range(n):
        kind = str(_pick(rng, KINDS))
        cap = {
            "GROUP": rng.integers(6, 11),
            "INDIVIDUAL": rng.integers(1, 4),
            "WORKSHOP": rng.integers(8, 13),
            "ETE": rng.integers(10, 16),
        }[kind]
        if tight:
            cap = max(1, int(round(cap * 0.6)))
        weekend = kind == "GROUP" and rng.random() < 0.4
        days = _days(rng, WEEKDAYS, int(rng.integers(2, 6))) + (";Sat;Sun" if weekend else "")
        office = pdu.offices[int(rng.integers(len(pdu.offices)))]
        pickup = kind == "GROUP" and rng.random() < 0.6
        rows.append(
            {
                "placement_id": f"UPW-{pdu.name.split()[0][:4].upper()}{u:03d}-{k + 1:03d}",
                "kind": kind,
                "pdu": pdu.name,
                "lat": round(float(spots[k, 0]), 5),
                "lon": round(float(spots[k, 1]), 5),
                "days": days,
                "session_hours": {"GROUP": 7.0, "INDIVIDUAL": 6.0, "WORKSHOP": 7.0, "ETE": 3.5}[
                    kind
                ],
                "capacity": int(cap),
                "public_facing": bool(
                    kind == "INDIVIDUAL"
                    and rng.random() < 0.7
                    or kind == "GROUP"
                    and rng.random() < 0.3
                ),
                "women_only": bool(kind in ("GROUP", "WORKSHOP") and rng.random() < 0.08),
                "pickup_lat": round(office[1], 5) if pickup else None,
                "pickup_lon": round(office[2], 5) if pickup else None,
            }
        )
    return rows


def _people(
    pdu: Pdu, u: int, n: int, rng, run_date: date, config: Config, placements: list[dict]
) -> list[dict]:
    homes = sample_points(pdu.districts, n, rng)
    rows = []
    for k in range(n):
        sex = "F" if rng.random() < 0.16 else "M"
        ordered = int(_pick(rng, HOURS))
        months = float(rng.uniform(0, 11.5))
        sentence = run_date - timedelta(days=int(months * 30.4))
        done = min(ordered - 1.0, max(0.0, ordered * months / 12 * float(rng.normal(1.0, 0.35))))
        done = float(np.floor(done))
        ete = (
            float(np.floor(min(done, config.upw.ete_max_share * ordered) * rng.uniform(0, 0.8)))
            if rng.random() < 0.3
            else 0.0
        )
        employed = bool(rng.random() < 0.45)
        if employed:
            days, max_h = (
                _days(rng, ["Sat", "Sun"], int(rng.integers(1, 3))),
                float(rng.choice([7.0, 8.0, 14.0])),
            )
        else:
            days, max_h = (
                _days(rng, WEEKDAYS, int(rng.integers(2, 5))),
                float(rng.choice([14.0, 21.0, 28.0])),
            )
        last = ""
        if done > 0 and placements and rng.random() < 0.6:
            last = placements[int(rng.integers(len(placements)))]["placement_id"]
        rows.append(
            {
                "person_id": f"UP{pdu.name.split()[0][:3].upper()}{u:03d}{k + 1:05d}",
                "sex": sex,
                "pdu": pdu.name,
                "sentence_date": sentence.isoformat(),
                "hours_ordered": ordered,
                "hours_completed": done,
                "ete_hours_completed": ete,
                "employed": employed,
                "available_days": days,
                "max_hours_per_week": max_h,
                "home_lat": round(float(homes[k, 0]), 5),
                "home_lon": round(float(homes[k, 1]), 5),
                "travel_mode": str(_pick(rng, MODES)),
                "prefers_not_all_male": bool(sex == "F" and rng.random() < 0.6),
                "lone_woman_ok": bool(sex == "F" and rng.random() < 0.3),
                "needs_workshop": bool(rng.random() < 0.08),
                "no_public_facing": bool(rng.random() < 0.10),
                "carer_max_travel_minutes": float(rng.choice([30, 45, 60]))
                if rng.random() < 0.10
                else None,
                "exclude_person_ids": "",
                "last_placement_id": last,
            }
        )
    # about 1 in 100 are co-defendants who must never share a session (both ways)
    for k in range(0, n - 1, 2):
        if rng.random() < 0.02:
            a, b = rows[k], rows[k + 1]
            a["exclude_person_ids"], b["exclude_person_ids"] = b["person_id"], a["person_id"]
    return rows


def generate_upw(
    pdus: list[Pdu],
    scale: str,
    rng,
    run_date: date,
    config: Config,
    tight: bool = False,
    n_people: int | None = None,
    n_placements: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People and placements spread over the PDUs in proportion to their districts."""
    from engine.synthetic.common import split_by_weight

    people_n, place_n = UPW_SCALES[scale]
    people_n, place_n = n_people or people_n, n_placements or place_n
    w = np.array([len(p.districts) for p in pdus], dtype=float)
    places, people = [], []
    for u, (pdu, n_pl, n_pe) in enumerate(
        zip(pdus, split_by_weight(place_n, w), split_by_weight(people_n, w))
    ):
        mine = _placements(pdu, u, max(1, int(n_pl)), rng, tight)
        places += mine
        people += _people(pdu, u, int(n_pe), rng, run_date, config, mine)
    return pd.DataFrame(people), pd.DataFrame(places)


# How last week's sessions went, in a generated week's outcomes (shares).
OUTCOMES = (
    ["ATTENDED", "ABSENT_ACCEPTABLE", "ABSENT_UNACCEPTABLE", "SENT_HOME"],
    [0.75, 0.10, 0.10, 0.05],
)


def generate_attendance(
    people: pd.DataFrame, places: pd.DataFrame, run_date: date, rng, share: float = 0.35
) -> pd.DataFrame:
    """Outcomes of last week (the week before `run_date`'s) for about `share` of the people
    who have started: one session each, on one of their days at a placement of their PDU; an
    attended session worked in full, a sent-home one in part, an absence not at all."""
    monday = run_date - timedelta(days=run_date.weekday() + 7)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    by_pdu = {pdu: g for pdu, g in places.groupby("pdu")}
    rows = []
    for p in people.itertuples():
        if float(p.hours_completed) <= 0 or rng.random() >= share or p.pdu not in by_pdu:
            continue
        day = str(p.available_days).split(";")[0]
        mine = by_pdu[p.pdu]
        fits = mine[[day in str(d).split(";") for d in mine["days"]]]  # a session that day
        pool = fits if len(fits) else mine
        here = pool.iloc[int(rng.integers(len(pool)))]
        outcome = str(_pick(rng, OUTCOMES))
        hours = float(here["session_hours"])
        worked = (
            hours
            if outcome == "ATTENDED"
            else round(hours * 0.4, 1)
            if outcome == "SENT_HOME"
            else 0.0
        )
        rows.append(
            {
                "person_id": p.person_id,
                "date": (monday + timedelta(days=names.index(day))).isoformat(),
                "placement_id": here["placement_id"],
                "outcome": outcome,
                "hours_worked": worked,
            }
        )
    return pd.DataFrame(
        rows, columns=["person_id", "date", "placement_id", "outcome", "hours_worked"]
    )


# Community Payback supervisors per placement (a region's 150 placements get 120), and the
# share kept when supervisors, not places, are short.
SUPERVISORS_PER_PLACEMENT = 0.8
SHORT_SUPERVISOR_SHARE = 0.45
SUPERVISOR_KINDS = (["GROUP", "GROUP;WORKSHOP", "WORKSHOP"], [0.6, 0.25, 0.15])


def generate_supervisors(
    pdus: list[Pdu], places: pd.DataFrame, rng, short: bool = False
) -> pd.DataFrame:
    """Supervisors for each PDU in proportion to its placements, based at its offices: most
    run groups, some workshops too; most work four weekdays and a third a weekend day as well
    (weekend groups need them); about six in ten drive the crew bus. `short`: fewer than half
    as many, so supervisors, not places, bind the week."""
    rows = []
    per = SUPERVISORS_PER_PLACEMENT * (SHORT_SUPERVISOR_SHARE if short else 1.0)
    counts = places.groupby("pdu").size()
    for u, pdu in enumerate(pdus):
        n = int(round(per * int(counts.get(pdu.name, 0))))
        if counts.get(pdu.name, 0):
            n = max(n, 1)
        for k in range(n):
            office = pdu.offices[int(rng.integers(len(pdu.offices)))]
            weekend = rng.random() < 0.35
            days = _days(rng, WEEKDAYS, 2 if weekend else 4)
            if weekend:
                days += ";" + _days(rng, ["Sat", "Sun"], int(rng.integers(1, 3)))
            van = bool(rng.random() < 0.6)
            rows.append(
                {
                    "supervisor_id": f"SUP-{pdu.name.split()[0][:4].upper()}{u:03d}-{k + 1:03d}",
                    "sex": "F" if rng.random() < 0.3 else "M",
                    "pdu": pdu.name,
                    "base_lat": round(office[1], 5),
                    "base_lon": round(office[2], 5),
                    "available_days": days,
                    "kinds": str(_pick(rng, SUPERVISOR_KINDS)),
                    "max_crew": int(rng.integers(6, 11)),
                    "drives_van": van,
                    "van_seats": int(rng.choice([6, 8, 10])) if van else None,
                }
            )
    out = pd.DataFrame(rows, columns=SUPERVISOR_COLUMNS)
    out["van_seats"] = out["van_seats"].astype("Int64")  # written as 8, or empty
    return out


def generate_inductions(pdus: list[Pdu], rng) -> pd.DataFrame:
    """Induction slots at each PDU's offices: two weekdays each (the first office a Saturday
    too, for people who work in the week), for 6-12 people."""
    rows = []
    for u, pdu in enumerate(pdus):
        for k, office in enumerate(pdu.offices):
            rows.append(
                {
                    "induction_id": f"IND-{pdu.name.split()[0][:4].upper()}{u:03d}-{k + 1}",
                    "pdu": pdu.name,
                    "lat": round(office[1], 5),
                    "lon": round(office[2], 5),
                    "days": _days(rng, WEEKDAYS, 2) + (";Sat" if k == 0 else ""),
                    "date": "",
                    "capacity": int(rng.integers(6, 13)),
                }
            )
    return pd.DataFrame(rows, columns=INDUCTION_COLUMNS)
