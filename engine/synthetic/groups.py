"""Synthetic programme referrals, venues and facilitators for the same PDUs and geography as
the caseload (../shared/domain.md section 4): the programmes named there, TSP and BBR
everywhere and the rest less often, about one referral in six a woman, people available in a
few slots (evenings for those in work), sentences that sometimes end too soon for a long
programme, co-defendants kept apart, venues with women-only space now and then, facilitators
trained in two or three programmes. `tight` quarters have fewer facilitators and rooms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.calendar import DAYS
from engine.groups.contract import COLUMNS, RUNNING_COLUMNS
from engine.groups.records import PARTS
from engine.synthetic.geography import Pdu, sample_points

# programme, kind, sessions, sessions per week, hours, min, max, facilitators, share of referrals
PROGRAMMES = [
    ("TSP", "ACCREDITED", 19, 2, 2.5, 6, 12, 2, 0.26),  # Thinking Skills Programme
    ("BBR", "ACCREDITED", 24, 1, 2.5, 6, 10, 2, 0.16),  # Building Better Relationships
    ("Resolve", "ACCREDITED", 24, 2, 2.0, 6, 10, 2, 0.08),
    ("BSR", "ACCREDITED", 10, 1, 2.5, 6, 12, 2, 0.10),  # Building Skills for Recovery
    ("Horizon", "ACCREDITED", 19, 1, 2.5, 5, 8, 2, 0.06),  # sexual offending programme
    ("SI-EM", "STRUCTURED", 6, 1, 2.0, 4, 12, 1, 0.12),  # emotional management
    ("SI-ATB", "STRUCTURED", 6, 1, 2.0, 4, 12, 1, 0.12),  # attitudes, thinking and behaviour
    ("SI-DA", "STRUCTURED", 8, 1, 2.0, 4, 12, 1, 0.10),  # domestic abuse
]
GROUPS_SCALES = {"pdu": (150, 5, 10), "region": (1500, 40, 80), "national": (15_000, 400, 800)}
WEEKDAYS = DAYS[:5]
MODES = (["public_transport", "car", "walk"], [0.70, 0.20, 0.10])


def programmes_table() -> pd.DataFrame:
    """The programmes file: the contract's columns, in its order."""
    cols = COLUMNS["programmes"]
    return pd.DataFrame([p[: len(cols)] for p in PROGRAMMES], columns=cols)


def _slots(rng, days: Sequence[str], parts: Sequence[str], k: int) -> str:
    pool = [f"{d}-{p}" for d in days for p in parts]
    picked = rng.choice(pool, size=min(k, len(pool)), replace=False).tolist()
    return ";".join(sorted(picked, key=lambda s: (DAYS.index(s[:3]), PARTS.index(s[4:]))))


def generate_groups(
    pdus: list[Pdu],
    scale: str,
    rng,
    run_date: date,
    tight: bool = False,
    n_referrals: int | None = None,
) -> dict[str, pd.DataFrame]:
    n_ref, n_venues, n_fac = GROUPS_SCALES[scale]
    n_ref = n_referrals or n_ref
    if tight:
        n_fac = max(2, int(n_fac * 0.6))
    from engine.synthetic.common import split_by_weight

    w = np.array([len(p.districts) for p in pdus], dtype=float)
    names = [p[0] for p in PROGRAMMES]
    share = np.array([p[8] for p in PROGRAMMES])
    venues, facs, refs = [], [], []
    for u, (pdu, nv, nf, nr) in enumerate(
        zip(
            pdus, split_by_weight(n_venues, w), split_by_weight(n_fac, w), split_by_weight(n_ref, w)
        )
    ):
        tag = f"{pdu.name.split()[0][:4].upper()}{u:02d}"
        nv, nf = max(1, int(nv)), max(2, int(nf))
        spots = sample_points(pdu.districts, nv, rng)
        for k in range(nv):
            office = k < len(pdu.offices)  # the probation offices first, then community venues
            lat, lon = (
                (pdu.offices[k][1], pdu.offices[k][2])
                if office
                else (float(spots[k, 0]), float(spots[k, 1]))
            )
            venues.append(
                {
                    "venue_id": f"V-{tag}-{k + 1:02d}",
                    "pdu": pdu.name,
                    "lat": round(lat, 5),
                    "lon": round(lon, 5),
                    "rooms": int(rng.integers(1, 3 if tight else 4)),
                    "available_slots": _slots(
                        rng, WEEKDAYS, ["AM", "PM", "EVE"], int(rng.integers(8, 14))
                    ),
                    "women_only_space": bool(rng.random() < 0.3),
                    "accessible": bool(rng.random() < 0.8),
                }
            )
        bases = sample_points(pdu.districts, nf, rng)
        for k in range(nf):
            trained = rng.choice(
                names, size=int(rng.integers(2, 4)), replace=False, p=share / share.sum()
            )
            facs.append(
                {
                    "facilitator_id": f"F-{tag}-{k + 1:03d}",
                    "sex": "F" if rng.random() < 0.6 else "M",
                    "pdu": pdu.name,
                    "trained_programmes": ";".join(sorted(trained)),
                    "available_slots": _slots(
                        rng, WEEKDAYS, ["AM", "PM", "EVE"], int(rng.integers(6, 12))
                    ),
                    "max_sessions_per_week": int(rng.integers(3, 7)),
                    "base_lat": round(float(bases[k, 0]), 5),
                    "base_lon": round(float(bases[k, 1]), 5),
                }
            )
        homes = sample_points(pdu.districts, int(nr), rng)
        for k in range(int(nr)):
            prog = int(rng.choice(len(names), p=share / share.sum()))
            sex = (
                "F" if rng.random() < (0.05 if names[prog] in ("BBR", "Horizon") else 0.18) else "M"
            )
            employed = rng.random() < 0.4
            slots = _slots(
                rng, WEEKDAYS, ["EVE"] if employed else ["AM", "PM"], int(rng.integers(3, 7))
            )
            referred = run_date - timedelta(days=int(rng.integers(0, 120)))
            months_left = float(rng.uniform(2, 24))
            refs.append(
                {
                    "person_id": f"R{tag}{k + 1:05d}",
                    "sex": sex,
                    "pdu": pdu.name,
                    "programme": names[prog],
                    "referral_date": referred.isoformat(),
                    "sentence_end": (
                        run_date + timedelta(days=int(months_left * 30.4))
                    ).isoformat(),
                    "home_lat": round(float(homes[k, 0]), 5),
                    "home_lon": round(float(homes[k, 1]), 5),
                    "travel_mode": str(rng.choice(MODES[0], p=MODES[1])),
                    "available_slots": slots,
                    "exclude_person_ids": "",
                    "needs_accessible": bool(rng.random() < 0.05),
                }
            )
    for k in range(
        0, len(refs) - 1, 2
    ):  # about 1 in 100: co-defendants on the same programme kept apart
        a, b = refs[k], refs[k + 1]
        if a["programme"] == b["programme"] and rng.random() < 0.1:
            a["exclude_person_ids"], b["exclude_person_ids"] = b["person_id"], a["person_id"]
    return {
        "referrals": pd.DataFrame(refs),
        "programmes": programmes_table(),
        "venues": pd.DataFrame(venues),
        "facilitators": pd.DataFrame(facs),
    }


RUNNING_MEMBERS = {"pdu": 15, "region": 150, "national": 1500}  # people in groups already running


def generate_running(
    groups: dict[str, pd.DataFrame], scale: str, rng, run_date: date
) -> pd.DataFrame:
    """Groups already running when the quarter is planned (`groups_running.csv`): in each PDU
    in turn, a programme its facilitators are trained for, at one of its venues in slots the
    venue and the facilitators share, started a few weeks ago with some sessions done, about
    eight members each (people already in a group, not among the referrals waiting), until
    about `RUNNING_MEMBERS[scale]` members in all."""
    progs = groups["programmes"].set_index("programme")
    venues, facs = groups["venues"], groups["facilitators"]
    target, members = RUNNING_MEMBERS[scale], 0
    rows: list[dict] = []
    pdus = sorted(set(venues["pdu"]))
    for attempt in range(20 * max(1, len(pdus))):
        if members >= target:
            break
        pdu = pdus[attempt % len(pdus)]
        vs = venues[venues["pdu"] == pdu]
        fs = facs[facs["pdu"] == pdu]
        name = str(rng.choice(progs.index))
        p = progs.loc[name]
        trained = fs[[name in str(t).split(";") for t in fs["trained_programmes"]]]
        if len(trained) < int(p["facilitators_per_session"]) or vs.empty:
            continue
        v = vs.iloc[int(rng.integers(len(vs)))]
        pick = trained.iloc[rng.permutation(len(trained))[: int(p["facilitators_per_session"])]]
        shared = set(str(v["available_slots"]).split(";"))
        for f in pick["available_slots"]:
            shared &= set(str(f).split(";"))
        by_day: dict[str, str] = {}
        for s in sorted(shared, key=lambda s: (DAYS.index(s[:3]), PARTS.index(s[4:]))):
            by_day.setdefault(s[:3], s)
        if len(by_day) < int(p["sessions_per_week"]):
            continue
        days = sorted(rng.choice(sorted(by_day), int(p["sessions_per_week"]), replace=False))
        weeks_ago = int(rng.integers(1, 6))
        done = min(int(p["sessions"]) - 1, weeks_ago * int(p["sessions_per_week"]))
        size = int(rng.integers(int(p["min_group"]), int(p["max_group"]) + 1))
        gid = f"RG-{len(rows) + 1:04d}"
        rows.append(
            {
                "group_id": gid,
                "programme": name,
                "venue_id": v["venue_id"],
                "slots": ";".join(
                    sorted((by_day[d] for d in days), key=lambda s: DAYS.index(s[:3]))
                ),
                "start_date": (run_date - timedelta(weeks=weeks_ago)).isoformat(),
                "facilitator_ids": ";".join(pick["facilitator_id"]),
                "person_ids": ";".join(f"{gid}-M{k + 1:02d}" for k in range(size)),
                "sessions_done": done,
            }
        )
        members += size
    return pd.DataFrame(rows, columns=RUNNING_COLUMNS)


def share_people(
    upw_people: pd.DataFrame, referrals: pd.DataFrame, share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """`share` of each PDU's referrals made people already on Unpaid Work in that PDU (a
    community order with both requirements, as is common): the referral takes the person's id,
    sex and home, and co-defendant exclusions follow the new id."""
    out = referrals.copy()
    rename: dict[str, str] = {}
    for pdu, refs in out.groupby("pdu", sort=True):
        upw = upw_people[upw_people["pdu"] == pdu]
        k = min(int(round(share * len(refs))), len(upw))
        if k == 0:
            continue
        ref_rows = rng.choice(refs.index.to_numpy(), size=k, replace=False)
        people = upw.iloc[rng.choice(len(upw), size=k, replace=False)]
        for i, (_, person) in zip(ref_rows, people.iterrows()):
            rename[str(out.at[i, "person_id"])] = str(person["person_id"])
            for col in ("person_id", "sex", "home_lat", "home_lon"):
                out.at[i, col] = person[col]
    if rename:
        out["exclude_person_ids"] = [
            ";".join(rename.get(p, p) for p in str(v).split(";") if p) if v else v
            for v in out["exclude_person_ids"]
        ]
    return out
