"""One PDU's Unpaid Work week as arrays (the problem both the CP-SAT model in solvers/upw.py
and its MIP in solvers/upw_mip.py read), the session masks and the per-person rules they share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class UpwProblem:
    """One PDU's week. People i, sessions s, eligible pairs k (every per-pair rule already held:
    day available, kind, public facing, women only, travel limits, ETE budget)."""

    person_ids: list[str]
    session_ids: list[str]
    session_day: np.ndarray  # day index 0..6
    session_capacity: np.ndarray
    session_is_ete: np.ndarray  # bool
    session_needs_company: np.ndarray  # bool: a GROUP/WORKSHOP/ETE session (people work together)
    session_is_group: np.ndarray  # bool
    person_female: np.ndarray  # bool
    person_lone_ok: np.ndarray  # bool: a woman content to be the only woman in a crew
    person_prefers_not_all_male: np.ndarray  # bool
    person_max_minutes: np.ndarray  # weekly planned minutes at most
    person_remaining_minutes: np.ndarray  # hours still to work, in minutes
    person_ete_budget_minutes: np.ndarray  # ETE minutes still allowed
    person_behind_weight: np.ndarray  # int >= 0: hours behind pace, rounded up (0 = on pace)
    person_priority: (
        np.ndarray
    )  # int >= 0: weight of reaching this person at all this week (0 = not first)
    exclusions: list[tuple[int, int]]  # people who must never share a session
    pair_person: np.ndarray
    pair_session: np.ndarray
    pair_minutes: np.ndarray  # session minutes (work)
    pair_credited: np.ndarray  # work minutes + supervised travel credited (both ways, capped)
    pair_travel: np.ndarray  # travel minutes each way
    pair_cost: (
        np.ndarray
    )  # phase-2 cost: travel (penalised over 60) + move from last week's placement
    pair_fixed: np.ndarray | None = (
        None  # bool: pairs that must stay (re-planning keeps everyone else)
    )
    # Supervisors: None (or no True) when sessions are taken as supervised at capacity.
    session_supervised: np.ndarray | None = None  # bool: runs only with a rostered supervisor
    supervisor_ids: list[str] = field(default_factory=list)
    roster_supervisor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    roster_session: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    roster_crew: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # crew limit
    roster_cost: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # drive
    roster_fixed: np.ndarray | None = None  # bool: rostered pairs a re-plan keeps
    # Inductions: None when the week has no induction slots (the first session inducts).
    session_is_induction: np.ndarray | None = None  # bool
    person_needs_induction: np.ndarray | None = None  # bool: inducted before any work


def supervised(problem: UpwProblem) -> np.ndarray:
    """Per session: does it run only with a rostered supervisor."""
    if problem.session_supervised is None:
        return np.zeros(len(problem.session_ids), bool)
    return problem.session_supervised


def induction_sessions(problem: UpwProblem) -> np.ndarray:
    if problem.session_is_induction is None:
        return np.zeros(len(problem.session_ids), bool)
    return problem.session_is_induction


def needs_company(problem: UpwProblem, i: int, s: int) -> bool:
    """A woman who must not be the only woman (or among men only) in this session."""
    if not problem.person_female[i] or not problem.session_needs_company[s]:
        return False
    return bool(
        (problem.session_is_group[s] and not problem.person_lone_ok[i])
        or problem.person_prefers_not_all_male[i]
    )


def placed(problem: UpwProblem, chosen: np.ndarray) -> np.ndarray:
    """Per person: 1 when given any session."""
    out = np.zeros(len(problem.person_ids), dtype=np.int64)
    out[problem.pair_person[chosen]] = 1
    return out


def credited(problem: UpwProblem, chosen: np.ndarray) -> np.ndarray:
    """Credited minutes per person: supervised work and travel, never beyond the hours left."""
    got = np.zeros(len(problem.person_ids), dtype=np.int64)
    np.add.at(got, problem.pair_person[chosen], problem.pair_credited[chosen])
    return np.minimum(got, problem.person_remaining_minutes)


def company_sessions(problem: UpwProblem) -> list[tuple[int, list[int], list[int], list[int]]]:
    """Sessions where a woman may need company among men: (session, its men's pairs, its
    women's pairs, the pairs of the women who need company)."""
    by_session: list[list[int]] = [[] for _ in problem.session_ids]
    for k, s in enumerate(problem.pair_session.tolist()):
        by_session[s].append(k)
    out = []
    for s, ks in enumerate(by_session):
        female = problem.person_female[problem.pair_person[ks]] if ks else np.zeros(0, bool)
        men = [k for k, f in zip(ks, female) if not f]
        women = [k for k, f in zip(ks, female) if f]
        guarded = [k for k in women if needs_company(problem, int(problem.pair_person[k]), s)]
        if men and guarded:
            out.append((s, men, women, guarded))
    return out
