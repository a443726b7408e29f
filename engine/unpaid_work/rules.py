"""The Unpaid Work hard rules between one person and one session, as one [people x sessions]
matrix the model starts from (capacity, one session a day, weekly hours and company are the
model's own constraints). The independent checker (check.py) writes them again row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.calendar import DAYS
from engine.core.config import Config
from engine.unpaid_work.records import INDUCTION


def starting(people: pd.DataFrame) -> np.ndarray:
    """People who have not worked an hour yet: their first session is their induction."""
    return people["hours_completed"].to_numpy(float) <= 0


def needs_induction(people: pd.DataFrame) -> np.ndarray:
    """People to induct before any work: not started, and not inducted already."""
    done = people["inducted"].to_numpy(bool) if "inducted" in people else False
    return starting(people) & ~done


def eligible(
    people: pd.DataFrame,
    sess: pd.DataFrame,
    travel: np.ndarray,
    config: Config,
    inductions: bool = False,
) -> np.ndarray:
    """[people x sessions]: every per-pair hard rule (capacity and company are the model's).
    With `inductions` (the week has induction slots) the INDUCTION sessions take only whoever
    needs one, within 60 minutes each way, and the order (induction before work) is the
    model's; without, the first work session is the induction and keeps to 60 minutes."""
    u = config.upw
    day_ok = np.array(
        [[DAYS[d] in avail for d in sess["day"]] for avail in people["available_days"]], dtype=bool
    )
    kind = sess["kind"].to_numpy()
    workshop = people["needs_workshop"].to_numpy(bool)[:, None]
    ok = day_ok & (~workshop | (kind == "WORKSHOP")[None, :])
    ok &= ~(
        people["no_public_facing"].to_numpy(bool)[:, None]
        & sess["public_facing"].to_numpy(bool)[None, :]
    )
    ok &= ~(sess["women_only"].to_numpy(bool)[None, :] & (people["sex"] != "F").to_numpy()[:, None])
    minutes = (sess["hours"].to_numpy() * 60).astype(int)
    ete_budget = (
        u.ete_max_share * people["hours_ordered"] - people["ete_hours_completed"]
    ).to_numpy() * 60
    ok &= ~((kind == "ETE")[None, :] & (minutes[None, :] > ete_budget[:, None]))
    ok &= travel <= u.max_travel_minutes
    if inductions:
        induction = kind == INDUCTION
        within = travel <= u.induction_max_travel_minutes
        ok[:, induction] = (day_ok & within & needs_induction(people)[:, None])[:, induction]
    else:
        ok &= ~(starting(people)[:, None] & (travel > u.induction_max_travel_minutes))
    carer = people["carer_max_travel_minutes"].to_numpy(dtype=float)
    ok &= ~(np.isfinite(carer)[:, None] & (travel > np.nan_to_num(carer, nan=1e9)[:, None]))
    remaining = (people["hours_ordered"] - people["hours_completed"]).to_numpy()
    ok &= (remaining > 0)[:, None]
    ok &= minutes[None, :] <= (people["max_hours_per_week"].to_numpy() * 60)[:, None]
    return ok


def supervisor_rules(
    sups: pd.DataFrame, sess: pd.DataFrame, pickup: np.ndarray, drive: np.ndarray, config: Config
) -> list[tuple[str, np.ndarray]]:
    """Each rule of who may run a session, named as the reasons say it, as a [supervisors x
    sessions] mask: trained for its kind, working that day, a woman for a women-only session,
    a van driver when the crew leaves by bus from a pickup point, within the drive from base.
    `pickup` is per session, `drive` [supervisors x sessions] minutes by car."""
    shape = (len(sups), len(sess))
    kind = sess["kind"].to_numpy()
    day = [DAYS[d] for d in sess["day"]]
    u = config.upw
    return [
        (
            "trained for {kind}",
            np.array([[k in ks for k in kind] for ks in sups["kinds"]], bool).reshape(shape),
        ),
        (
            "working on {day}",
            np.array([[d in a for d in day] for a in sups["available_days"]], bool).reshape(shape),
        ),
        (
            "a woman (women-only session)",
            ~(
                sess["women_only"].to_numpy(bool)[None, :]
                & (sups["sex"] != "F").to_numpy()[:, None]
            ),
        ),
        (
            "a van driver (the crew bus from the pickup point)",
            ~(pickup[None, :] & ~sups["drives_van"].to_numpy(bool)[:, None]),
        ),
        (
            f"within {u.supervisor_max_travel_minutes:g} minutes' drive",
            drive <= u.supervisor_max_travel_minutes,
        ),
    ]


def can_supervise(
    sups: pd.DataFrame, sess: pd.DataFrame, pickup: np.ndarray, drive: np.ndarray, config: Config
) -> np.ndarray:
    """[supervisors x sessions]: who may run each session (every supervisor_rules mask held).
    Only GROUP and WORKSHOP sessions have supervisors (the kinds they are trained for)."""
    ok = np.ones((len(sups), len(sess)), bool)
    for _, mask in supervisor_rules(sups, sess, pickup, drive, config):
        ok &= mask
    return ok


def crew_limit(sups: pd.DataFrame, sess: pd.DataFrame, pickup: np.ndarray) -> np.ndarray:
    """[supervisors x sessions]: the most people a supervisor's crew takes there: the session's
    places, their own crew size, and the crew bus's seats when it leaves from a pickup point."""
    crew = np.minimum(
        sups["max_crew"].to_numpy(np.int64)[:, None], sess["capacity"].to_numpy(np.int64)[None, :]
    )
    seats = sups["van_seats"].to_numpy(np.int64)[:, None]
    return np.where(pickup[None, :], np.minimum(crew, seats), crew)
