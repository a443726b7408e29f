"""Seeded synthetic nights at PDU, region and national scale, on real geography.

Realistic mixes (see ../shared/domain.md): tiers skewed to the middle, ~16% women, some
requests for a female practitioner, Welsh speakers in Wales, part-time staff and reductions,
existing caseloads near (tight: at) capacity, a few tier rises that force a move, conflicts.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.synthetic.common import TRAVEL_MODES, SyntheticSpec, choice, slug, split_by_weight
from engine.synthetic.geography import Pdu, sample_points

SCALES = {
    # case-holding practitioners (SPOs come on top, one per team of about 8), new cases tonight
    "pdu": (60, 60),
    "region": (700, 600),
    "national": (8_900, 5_000),  # about 10,000 staff with the SPOs
}
PROTECT = (["A", "B", "C", "D"], [0.06, 0.34, 0.42, 0.18])
CHANGE = (["3", "2", "1", "0"], [0.20, 0.35, 0.30, 0.15])
# Held caseloads carry more low-tier and custody cases than tonight's new ones (about 42
# cases a full-time practitioner near capacity, as in the sizes the issue names).
EXISTING_PROTECT = (["A", "B", "C", "D"], [0.03, 0.21, 0.40, 0.36])
EXISTING_CHANGE = (["3", "2", "1", "0"], [0.15, 0.30, 0.35, 0.20])
NEW_TYPES = (["COMMUNITY", "LICENCE", "CUSTODY"], [0.60, 0.32, 0.08])
EXISTING_TYPES = (["COMMUNITY", "LICENCE", "CUSTODY"], [0.38, 0.14, 0.48])
ROSH = {
    "A": (["VERY_HIGH", "HIGH"], [0.3, 0.7]),
    "B": (["HIGH", "MEDIUM"], [0.3, 0.7]),
    "C": (["MEDIUM", "LOW"], [0.6, 0.4]),
    "D": (["LOW"], [1.0]),
}
STAFF_SKILLS = {
    "PO": {
        "sexual_offending": 0.25,
        "domestic_abuse": 0.35,
        "mental_health": 0.25,
        "women": 0.2,
        "young_adults": 0.2,
        "trauma_informed": 0.3,
        "cultural_awareness": 0.15,
    },
    "PSO": {
        "domestic_abuse": 0.25,
        "mental_health": 0.2,
        "women": 0.2,
        "young_adults": 0.25,
        "trauma_informed": 0.3,
        "cultural_awareness": 0.15,
    },
    "PQIP": {
        "domestic_abuse": 0.15,
        "mental_health": 0.15,
        "women": 0.15,
        "young_adults": 0.2,
        "trauma_informed": 0.2,
    },
}
# Elapsed working days since sentence for tonight's new cases (a few already overdue).
NEW_AGE = ([0, 1, 2, 3, 4, 5, 6, 7], [0.30, 0.24, 0.15, 0.12, 0.09, 0.05, 0.03, 0.02])


def _practitioners(pdus, counts, rng, config: Config) -> pd.DataFrame:
    rows = []
    for u, (pdu, n) in enumerate(zip(pdus, counts)):
        wales = pdu.region == "Wales"
        grades = choice(rng, (["PO", "PSO", "PQIP"], [0.5, 0.4, 0.1]), n)
        n_teams = max(1, int(np.ceil(n / 8)))
        staff = [(g, t % n_teams) for t, g in enumerate(grades)] + [
            ("SPO", t) for t in range(n_teams)
        ]
        for k, (grade, team) in enumerate(staff):
            pid = f"{slug(pdu.name)}{u:03d}-{k + 1:03d}"
            hours = 37.0 if rng.random() < 0.75 else float(rng.choice([18.5, 22.5, 30.0]))
            red = 0.0
            r = rng.random()
            if grade == "PQIP":
                red = hours * float(rng.choice([0.8, 0.6, 0.4]))
            elif r < 0.02:
                red = hours  # long-term sickness / maternity
            elif r < 0.08:
                red = hours * 0.2  # newly qualified
            elif r < 0.10:
                red = hours * float(rng.choice([0.1, 0.25, 0.5]))  # facility time
            skills = [s for s, p in STAFF_SKILLS.get(grade, {}).items() if rng.random() < p]
            welsh = bool(rng.random() < (0.3 if wales else 0.005))
            if welsh:
                skills.append("welsh_language")
            town, lat, lon = pdu.offices[int(rng.integers(len(pdu.offices)))]
            rows.append(
                {
                    "practitioner_id": pid,
                    "name": f"{grade} {town} {k + 1}",
                    "grade": grade,
                    "sex": "F" if rng.random() < 0.7 else "M",
                    "region": pdu.region,
                    "pdu": pdu.name,
                    "team": f"{pdu.name} team {team + 1}",
                    "contracted_hours": hours,
                    "reduction_hours": round(red, 2),
                    "skills": ";".join(sorted(skills)),
                    "welsh_speaker": welsh,
                    "office_lat": round(lat + rng.normal(0, 0.002), 5),
                    "office_lon": round(lon + rng.normal(0, 0.002), 5),
                }
            )
    df = pd.DataFrame(rows)
    df["_avail"] = [
        config.available_points(g, h, r)
        for g, h, r in zip(df["grade"], df["contracted_hours"], df["reduction_hours"])
    ]
    return df


def _draw_cases(n, rng, pdu: Pdu, new: bool, config: Config) -> pd.DataFrame:
    protect = choice(rng, PROTECT if new else EXISTING_PROTECT, n)
    change = choice(rng, CHANGE if new else EXISTING_CHANGE, n)
    tier = np.array([p + c for p, c in zip(protect, change)], dtype=object)
    ctype = choice(rng, NEW_TYPES if new else EXISTING_TYPES, n)
    rosh = np.array([choice(rng, ROSH[p], 1)[0] for p in protect], dtype=object)
    mappa = np.where(
        protect == "A",
        rng.choice([0, 1, 2, 3], size=n, p=[0.55, 0.2, 0.2, 0.05]),
        np.where(rng.random(n) < 0.05, 1, 0),
    )
    sex = np.where(rng.random(n) < 0.16, "F", "M")
    req, pref = [], []
    for k in range(n):
        r, p = set(), set()
        if protect[k] in "AB" and rng.random() < 0.12:
            r.add("sexual_offending")
        u = rng.random()
        if u < 0.08:
            r.add("domestic_abuse")
        elif u < 0.20:
            p.add("domestic_abuse")
        if rng.random() < 0.15:
            p.add("mental_health")
        if rng.random() < 0.15:
            p.add("young_adults")
        if rng.random() < 0.10:
            p.add("trauma_informed")
        if sex[k] == "F" and rng.random() < 0.3:
            p.add("women")
        req.append(";".join(sorted(r)))
        pref.append(";".join(sorted(p - r)))
    wales = pdu.region == "Wales"
    homes = sample_points(pdu.districts, n, rng)
    return pd.DataFrame(
        {
            "sex": sex,
            "region": pdu.region,
            "pdu": pdu.name,
            "tier": tier,
            "rosh": rosh,
            "mappa_level": mappa,
            "case_type": ctype,
            "required_skills": req,
            "preferred_skills": pref,
            "wants_female_practitioner": (sex == "F") & (rng.random(n) < 0.3),
            "needs_welsh": wales & (rng.random(n) < 0.08),
            "travel_mode": choice(rng, TRAVEL_MODES, n),
            "home_lat": np.round(homes[:, 0], 5),
            "home_lon": np.round(homes[:, 1], 5),
        }
    )


def _points(df: pd.DataFrame, config: Config) -> np.ndarray:
    return np.array([config.points_for(t[:2], c) for t, c in zip(df["tier"], df["case_type"])])


def _existing(
    pdu: Pdu, staff: pd.DataFrame, rng, spec: SyntheticSpec, config: Config
) -> pd.DataFrame:
    """Caseloads: draw cases and deal them to eligible staff until each reaches a target
    utilisation (tight: about 95%, a few already over 100%; otherwise about 85%)."""
    holders = staff[
        staff["grade"].isin(config.eligibility.case_holding_grades) & (staff["_avail"] > 0)
    ]
    if holders.empty:
        return pd.DataFrame()
    mean, sd = (0.95, 0.04) if spec.tight else (0.84, 0.08)
    target = np.clip(rng.normal(mean, sd, len(holders)), 0.5, 1.12) * holders["_avail"].to_numpy()
    est = int(target.sum() / 30) + 50
    pool = _draw_cases(est, rng, pdu, False, config)
    pool["points"] = _points(pool, config)
    need_po = (
        pool["rosh"].isin(config.eligibility.high_risk_rosh)
        | (pool["mappa_level"] >= 2)
        | pool["tier"].str[0].isin(config.eligibility.high_risk_protect_levels)
    ).to_numpy()
    load = np.zeros(len(holders))
    is_po = holders["grade"].isin(config.eligibility.high_risk_grades).to_numpy()
    sex_f = (holders["sex"] == "F").to_numpy()
    owner = np.full(len(pool), -1)
    for i in range(len(pool)):
        ok = (load + pool["points"].iat[i] <= target) & (is_po | ~need_po[i])
        if pool["wants_female_practitioner"].iat[i]:
            ok &= sex_f
        if not ok.any():
            continue
        j = int(np.argmax(np.where(ok, target - load, -np.inf)))
        owner[i] = j
        load[j] += pool["points"].iat[i]
    pool = pool[owner >= 0].copy()
    pool["current_practitioner_id"] = holders["practitioner_id"].to_numpy()[owner[owner >= 0]]
    # Required skills of existing cases were matched when they were allocated: keep data honest.
    skills = holders.set_index("practitioner_id")["skills"].str.split(";")
    pool["required_skills"] = [
        ";".join(s for s in r.split(";") if s and s in skills[p])
        for r, p in zip(pool["required_skills"], pool["current_practitioner_id"])
    ]
    return pool.drop(columns=["points"])


def generate_caseload(
    pdus: list[Pdu], spec: SyntheticSpec, config: Config, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Practitioners and cases (tonight's new ones and the caseloads they hold) for the PDUs."""
    n_prac, n_new = SCALES[spec.scale]
    n_prac, n_new = spec.n_practitioners or n_prac, spec.n_new or n_new
    weights = np.array([len(p.districts) for p in pdus], dtype=float)
    pracs = _practitioners(pdus, split_by_weight(n_prac, weights), rng, config)
    new_counts = split_by_weight(n_new, weights)
    frames = []
    hol = config.calendar.bank_holidays
    for pdu, k in zip(pdus, new_counts):
        staff = pracs[pracs["pdu"] == pdu.name]
        ex = _existing(pdu, staff, rng, spec, config)
        if len(ex):
            days_ago = rng.integers(20, 700, len(ex))
            ex["sentence_date"] = [spec.run_date - timedelta(days=int(d)) for d in days_ago]
        new = _draw_cases(int(k), rng, pdu, True, config)
        age = choice(rng, (NEW_AGE[0], NEW_AGE[1]), len(new)).astype(int)
        rd = np.datetime64(spec.run_date, "D")
        new["sentence_date"] = pd.to_datetime(
            np.busday_offset(
                rd, -age, roll="backward", holidays=np.array(hol, dtype="datetime64[D]")
            )
        ).date
        new["current_practitioner_id"] = ""
        frames += [ex, new]
    cases = pd.concat([f for f in frames if len(f)], ignore_index=True)
    held = np.nonzero((cases["current_practitioner_id"] != "").to_numpy())[0]
    if spec.n_existing is not None and len(held) > spec.n_existing:  # lighter caseloads, same staff
        drop = rng.choice(held, size=len(held) - spec.n_existing, replace=False)
        cases = cases.drop(index=drop).reset_index(drop=True)
    _tier_rises(cases, pracs, rng, config)
    _conflicts(cases, pracs, rng)
    # a stream of its own, so that adding release dates left every other draw as it was
    _release_dates(cases, np.random.default_rng((spec.seed, 75)), spec.run_date, config)
    cases.insert(0, "case_id", [f"X{spec.seed % 1000:03d}{k:07d}" for k in range(len(cases))])
    cases["conflict_practitioner_ids"] = cases.pop("conflict_practitioner_ids")
    cases["travel_mode"] = cases.pop("travel_mode")
    cases["wants_female_practitioner"] = cases["wants_female_practitioner"].astype(bool)
    cases["needs_welsh"] = cases["needs_welsh"].astype(bool)
    pracs = pracs.drop(columns=["_avail"])
    return pracs, cases


# Custodial sentence lengths in months and their shares (most are short).
SENTENCE_MONTHS = (
    [4, 6, 8, 12, 18, 24, 30, 36, 48, 60, 84, 120],
    [0.12, 0.14, 0.10, 0.14, 0.12, 0.10, 0.06, 0.07, 0.06, 0.04, 0.03, 0.02],
)


def _release_dates(cases: pd.DataFrame, rng, run_date, config: Config) -> None:
    """Custody cases get a sentence length, an expected release (the configured share of the
    sentence after sentence, within a few weeks; a held case not yet out is released in the
    coming year) and, for about 1 in 20 of four years or more, Early Allocation."""
    custody = (cases["case_type"] == "CUSTODY").to_numpy()
    n = int(custody.sum())
    months = choice(rng, SENTENCE_MONTHS, n).astype(float)
    sentence = pd.to_datetime(cases.loc[custody, "sentence_date"]).dt.date.to_numpy()
    share = config.allocation.release_share_of_sentence
    release = [
        s + timedelta(days=int(m * share * 30.44) + int(j))
        for s, m, j in zip(sentence, months, rng.integers(-14, 15, n))
    ]
    held = (cases.loc[custody, "current_practitioner_id"] != "").to_numpy()
    release = [
        run_date + timedelta(days=int(rng.integers(7, 400))) if h and r <= run_date else r
        for r, h in zip(release, held)
    ]
    # a held case released later than its draw serves a longer sentence: the licence runs on
    months = np.array(
        [max(m, 2 * (r - s).days / 30.44) for m, r, s in zip(months, release, sentence)]
    ).round(1)
    early = (months >= 48) & (rng.random(n) < 0.05)
    cases["sentence_length_months"] = ""
    cases["expected_release_date"] = ""
    cases["early_allocation"] = False
    cases.loc[custody, "sentence_length_months"] = [f"{m:g}" for m in months]
    cases.loc[custody, "expected_release_date"] = [r.isoformat() for r in release]
    cases.loc[custody, "early_allocation"] = early


def _tier_rises(cases: pd.DataFrame, pracs: pd.DataFrame, rng, config: Config) -> None:
    """About 1 in 400 existing PSO-held cases has just risen to RoSH HIGH: it must move."""
    grade = pracs.set_index("practitioner_id")["grade"]
    held = cases["current_practitioner_id"] != ""
    pso = held & cases["current_practitioner_id"].map(grade).isin(["PSO", "PQIP"]).fillna(False)
    idx = np.nonzero(pso.to_numpy() & (rng.random(len(cases)) < 0.0025))[0]
    cases.loc[idx, "rosh"] = "HIGH"
    cases.loc[idx, "tier"] = ["B" + t[1] for t in cases.loc[idx, "tier"]]


def _conflicts(cases: pd.DataFrame, pracs: pd.DataFrame, rng) -> None:
    """About 1% of cases declare a conflict of interest with someone in their PDU."""
    by_pdu = pracs.groupby("pdu")["practitioner_id"].apply(list).to_dict()
    out = []
    for pdu, cur in zip(cases["pdu"], cases["current_practitioner_id"]):
        if rng.random() < 0.01:
            cands = [p for p in by_pdu.get(pdu, []) if p != cur]
            out.append(cands[int(rng.integers(len(cands)))] if cands else "")
        else:
            out.append("")
    cases["conflict_practitioner_ids"] = out
