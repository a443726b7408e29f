"""The Unpaid Work week as a mixed-integer program (HiGHS): the same hard rules as the CP-SAT
model in solvers/upw.py, as sparse rows. It solves the reach, hours and travel phases, and its
LP relaxation bounds them.

Why a MIP: the phases maximise a weighted count (people reached, credited minutes) over an
assignment with capacities (session places, one session a day, weekly and ETE minutes,
supervisors' crews), which is nearly a transportation problem. Its LP relaxation, with two
valid strengthenings (whole sessions within a person's minutes; nobody in a session no
supervisor is rostered to, added as cuts), is within 0.4% of the best schedule on every PDU of
the East Midlands week, and a MIP restricted to the pairs the LP uses finds that schedule in a
second or two. On the same week and budget CP-SAT's search stayed 4% (reach) and 13% (hours)
short on Nottingham, its bound 20-30% above. Measured: README, Unpaid Work.

Why the bound is the LP's and not HiGHS's MIP dual bound: given a start, HiGHS 1.14 claimed
optimality for a schedule 180 minutes short on one PDU (a known class of HiGHS bug). An LP
optimum is a far sturdier certificate; where it stays loose (small PDUs, split supervisors),
solvers/upw.py asks CP-SAT, whose bound is sound.

Columns: x per eligible pair, c credited minutes and y placed per person, r per (supervisor,
session) roster pair, h "has men" per session where a woman needs company."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix

from solvers.highs import HighsParams, LinearModel, OpenLp, Rows, solve
from solvers.types import SearchObserver, SolveStats
from solvers.upw_problem import (
    UpwProblem,
    company_sessions,
    credited,
    induction_sessions,
    placed,
    supervised,
)

CUT_ROUNDS = 5  # rounds of supervisor cuts on a phase's LP (each round adds the rows it breaks)
Phase = tuple[tuple, float | None]  # a phase's terms (w_credit, w_placed, w_pair, w_roster), value


@dataclass
class WeekMip:
    """The week's hard rules as rows over the columns x, c, y, r, h (offsets below)."""

    problem: UpwProblem
    rows: Rows
    n_cols: int
    col_upper: np.ndarray
    col_lower: np.ndarray
    company: list[tuple[int, list[int], list[int], list[int]]]  # (session, men, women, guarded)
    links: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (pair, its roster pairs)
    link_rows: Any = None  # the links as sparse rows x_k - sum(roster) <= 0, built once

    @property
    def xs(self) -> int:
        return 0

    @property
    def cs(self) -> int:
        return len(self.problem.pair_person)

    @property
    def ys(self) -> int:
        return self.cs + len(self.problem.person_ids)

    @property
    def rs(self) -> int:
        return self.ys + len(self.problem.person_ids)

    @property
    def hs(self) -> int:
        return self.rs + len(self.problem.roster_session)


def week_mip(problem: UpwProblem) -> WeekMip:
    """Every hard rule of the week as linear rows (the CP-SAT model's, one for one)."""
    pr = problem
    n_k, n_p, n_q = len(pr.pair_person), len(pr.person_ids), len(pr.roster_session)
    company = company_sessions(pr)
    n = n_k + 2 * n_p + n_q + len(company)
    mip = WeekMip(pr, Rows(), n, np.ones(n), np.zeros(n), company)
    hi, lo = mip.col_upper, mip.col_lower
    hi[mip.cs : mip.cs + n_p] = pr.person_remaining_minutes
    reachable = np.bincount(pr.pair_person, minlength=n_p) > 0
    hi[mip.cs : mip.cs + n_p][~reachable] = 0  # nobody with no session is placed or credited
    hi[mip.ys : mip.ys + n_p][~reachable] = 0
    if pr.pair_fixed is not None:
        lo[mip.xs + np.nonzero(pr.pair_fixed)[0]] = 1
    if pr.roster_fixed is not None:
        lo[mip.rs + np.nonzero(pr.roster_fixed)[0]] = 1
    _people(mip)
    _supervisors(mip)
    _inductions(mip)
    _apart(mip)
    _company(mip)
    return mip


def _people(mip: WeekMip) -> None:
    """Places in each session; per person one session a day, weekly and ETE minutes, and the
    placed and credited columns held by the sessions taken."""
    pr, rows, xs = mip.problem, mip.rows, mip.xs
    ks = np.arange(len(pr.pair_person))
    for s in range(len(pr.session_ids)):
        mine = ks[pr.pair_session == s]
        if len(mine):
            rows.add(xs + mine, np.ones(len(mine)), pr.session_capacity[s])
    day = pr.session_day[pr.pair_session]
    for i in range(len(pr.person_ids)):
        mine = ks[pr.pair_person == i]
        if not len(mine):
            continue
        for d in np.unique(day[mine]):
            rows.add(xs + mine[day[mine] == d], np.ones(int((day[mine] == d).sum())), 1)
        rows.add(xs + mine, pr.pair_minutes[mine], pr.person_max_minutes[i])
        _at_most(rows, xs + mine, pr.pair_minutes[mine], pr.person_max_minutes[i])
        ete = mine[pr.session_is_ete[pr.pair_session[mine]]]
        if len(ete):
            rows.add(xs + ete, pr.pair_minutes[ete], pr.person_ete_budget_minutes[i])
            _at_most(rows, xs + ete, pr.pair_minutes[ete], pr.person_ete_budget_minutes[i])
        rows.add([mip.ys + i, *(xs + mine)], [1.0, *(-np.ones(len(mine)))], 0)
        # a session credits at most the minutes left (so the LP cannot credit the few
        # minutes left by a sliver of a session; valid, and much tighter)
        got = np.minimum(pr.pair_credited[mine], pr.person_remaining_minutes[i])
        rows.add([mip.cs + i, *(xs + mine)], [1.0, *(-got)], 0)


def _at_most(rows: Rows, cols: np.ndarray, minutes: np.ndarray, budget: int) -> None:
    """How many of these sessions fit in `budget` minutes at most: floor(budget / the shortest).
    Implied by the minutes row for whole sessions, but it cuts off the LP's fractions of a
    session (four 7.5-hour days in 28 hours is 3.73 sessions to the LP, 3 in truth)."""
    if len(cols) == 0 or minutes.min() <= 0:
        return
    most = int(budget // int(minutes.min()))
    if most < len(cols):
        rows.add(cols, np.ones(len(cols)), most)


def _supervisors(mip: WeekMip) -> None:
    """A supervised session runs with at most one supervisor, its crew within theirs, and
    nobody rostered to it while it is empty; a supervisor runs one session a day."""
    pr, rows, xs, rs = mip.problem, mip.rows, mip.xs, mip.rs
    qs = np.arange(len(pr.roster_session))
    ks = np.arange(len(pr.pair_person))
    for s in np.nonzero(supervised(pr))[0]:
        mine, sup = ks[pr.pair_session == s], qs[pr.roster_session == s]
        if not len(sup):  # nobody can supervise it: it does not run
            mip.col_upper[xs + mine] = 0
            continue
        if len(mine):
            rows.add([*(xs + mine), *(rs + sup)], [*np.ones(len(mine)), *(-pr.roster_crew[sup])], 0)
        mip.links += [(int(k), sup) for k in mine]
        rows.add([*(rs + sup), *(xs + mine)], [*np.ones(len(sup)), *(-np.ones(len(mine)))], 0)
        if len(sup) > 1:
            rows.add(rs + sup, np.ones(len(sup)), 1)
    day = pr.session_day[pr.roster_session]
    for j in np.unique(pr.roster_supervisor):
        for d in np.unique(day[pr.roster_supervisor == j]):
            sel = qs[(pr.roster_supervisor == j) & (day == d)]
            if len(sel) > 1:
                rows.add(rs + sel, np.ones(len(sel)), 1)


def _inductions(mip: WeekMip) -> None:
    """Whoever needs an induction: at most one, and work only on a later day than it."""
    pr, rows, xs = mip.problem, mip.rows, mip.xs
    if pr.person_needs_induction is None:
        return
    ind = induction_sessions(pr)
    ks = np.arange(len(pr.pair_person))
    for i in np.nonzero(pr.person_needs_induction)[0]:
        mine = ks[pr.pair_person == i]
        is_ind = ind[pr.pair_session[mine]]
        inds, work = mine[is_ind], mine[~is_ind]
        if len(inds) > 1:
            rows.add(xs + inds, np.ones(len(inds)), 1)
        for k in work:
            d = pr.session_day[pr.pair_session[k]]
            before = inds[pr.session_day[pr.pair_session[inds]] < d]
            if len(before):
                rows.add([xs + k, *(xs + before)], [1.0, *(-np.ones(len(before)))], 0)
            else:  # no induction before that day: no work that day
                mip.col_upper[xs + k] = 0


def _apart(mip: WeekMip) -> None:
    """Co-defendants never in one session."""
    pr = mip.problem
    pair_of = {(int(i), int(s)): k for k, (i, s) in enumerate(zip(pr.pair_person, pr.pair_session))}
    sessions_of: dict[int, set[int]] = {}
    for (i, s), _ in pair_of.items():
        sessions_of.setdefault(i, set()).add(s)
    for a, b in pr.exclusions:
        for s in sorted(sessions_of.get(a, set()) & sessions_of.get(b, set())):
            mip.rows.add([mip.xs + pair_of[a, s], mip.xs + pair_of[b, s]], [1.0, 1.0], 1)


def _company(mip: WeekMip) -> None:
    """A woman who needs company is never the only woman among men: h is 1 when any man is
    in the session, and then she is there only with another woman."""
    rows, xs = mip.rows, mip.xs
    for n, (_, men, women, guarded) in enumerate(mip.company):
        h = mip.hs + n
        for k in men:
            rows.add([xs + k, h], [1.0, -1.0], 0)
        for g in guarded:  # 2 x_g + 2 h - sum(women) <= 2
            cols = [h, *(xs + np.asarray(women))]
            vals = [2.0, *(-1.0 if k != g else 1.0 for k in women)]
            rows.add(cols, vals, 2)


def _objective(mip: WeekMip, terms: tuple) -> np.ndarray:
    pr = mip.problem
    w_credit, w_placed, w_pair, w_roster = terms
    n_p = len(pr.person_ids)
    return np.concatenate(
        [
            np.asarray(w_pair, float),
            np.asarray(w_credit, float) * np.ones(n_p),
            np.asarray(w_placed, float) * np.ones(n_p),
            np.asarray(w_roster, float) * np.ones(len(pr.roster_session)),
            np.zeros(len(mip.company)),
        ]
    )


def phase_model(mip: WeekMip, phases: list[Phase], integral: bool, sense: int = +1) -> LinearModel:
    """The last of `phases` maximised (sense +1, as HiGHS's minimum of its negation) or
    minimised (-1), each earlier (maximised) one held at its value."""
    rows = mip.rows.copy()
    costs = [_objective(mip, terms) for terms, _ in phases]
    for c, (_, held) in zip(costs[:-1], phases[:-1]):
        nz = np.nonzero(c)[0]
        rows.add(nz, -c[nz], -float(held or 0))
    a = rows.matrix(mip.n_cols)
    kinds = np.ones(mip.n_cols, bool) if integral else np.zeros(mip.n_cols, bool)
    kinds[mip.cs : mip.ys] = False  # credited minutes follow the sessions taken
    return LinearModel(
        -sense * costs[-1],
        a,
        np.full(len(rows.b), -np.inf),
        np.array(rows.b),
        mip.col_lower,
        mip.col_upper,
        kinds,
    )


def lp_bound(problem: UpwProblem, phases: list[Phase], mip: WeekMip | None = None) -> float | None:
    """The LP optimum of the last of `phases`, maximised with the earlier ones held and
    tightened by the supervisor cuts; None if HiGHS does not solve it."""
    mip = mip or week_mip(problem)
    _, st = _relaxation(mip, phases, +1, HighsParams(60.0), CUT_ROUNDS, "lp")
    return None if st.status != "OPTIMAL" or st.objective is None else -st.objective


@dataclass(frozen=True)
class PhaseParams:
    """How one phase is solved: its time, the gap at which it stops, the LP value below which
    a pair is left out of the restricted MIP, and the observer that may stop it."""

    time_limit_seconds: float
    gap: float
    support_tolerance: float = 1e-6
    cut_rounds: int = CUT_ROUNDS
    random_seed: int = 7
    observer: SearchObserver | None = None


def solve_phase(
    mip: WeekMip,
    phases: list[Phase],
    sense: int,
    params: PhaseParams,
    name: str,
    start: tuple[np.ndarray, np.ndarray],
) -> tuple[tuple[np.ndarray, np.ndarray] | None, SolveStats]:
    """The last of `phases` (max for sense +1, min for -1, the earlier ones held), from
    `start` (a schedule and its roster that keep every rule and hold the earlier phases).

    Three steps, each only while the time lasts and the gap is above `params.gap`:
    1. the LP relaxation: its optimum is the phase's bound;
    2. a restricted MIP over the pairs the LP uses or the start has (a RENS-style
       neighbourhood: the LP is nearly integral here, so the best schedule is almost always
       among them, and the restricted MIP is a tenth of the size);
    3. the whole MIP, from no start (given one, HiGHS once claimed a short schedule
       optimal), its schedule kept only when better; its dual bound is not used.
    Returns the best schedule and roster found (None if none beat the start) and the stats in
    the phase's own sense: the objective of the schedule HiGHS returned and the bound."""
    t0 = time.perf_counter()
    left = lambda: params.time_limit_seconds - (time.perf_counter() - t0)  # noqa: E731
    hp = HighsParams(left(), params.gap, random_seed=params.random_seed, observer=params.observer)
    lp_x, lp = _relaxation(mip, phases, sense, hp, params.cut_rounds, name + "-lp")
    bound = None if lp.status != "OPTIMAL" or lp.objective is None else -sense * lp.objective
    model = phase_model(mip, phases, True, sense)
    best, found = start_values(mip, *start), None
    objective = float(-sense * model.cost @ best)
    status = "STOPPED" if lp.status == "STOPPED" else "FEASIBLE"
    steps = []
    if lp_x is not None:
        n_k = len(mip.problem.pair_person)
        closed = np.zeros(mip.n_cols, bool)
        closed[:n_k] = (lp_x[:n_k] <= params.support_tolerance) & (best[:n_k] < 0.5)
        hi = np.where(closed, 0.0, model.col_upper)
        steps.append(replace(model, col_upper=hi))
    steps.append(model)
    start_of = lambda step: best if step is not model else None  # noqa: E731
    for step in steps:
        if left() <= 0.01 or _within(objective, bound, sense, params.gap):
            break
        x, st = solve(step, replace(hp, time_limit_seconds=left()), name, start_of(step))
        if x is not None and st.objective is not None:
            value = -sense * st.objective  # in the phase's own sense
            if sense * value > sense * objective:
                best, found, objective = x, x, value
        status = st.status if st.status == "STOPPED" else status
    if bound is not None and _within(objective, bound, sense, 0.0):
        status = "OPTIMAL"
    stats = SolveStats(status, objective, bound, time.perf_counter() - t0, name)
    if found is None:
        return None, stats
    pr = mip.problem
    chosen = found[: len(pr.pair_person)] > 0.5
    roster = found[mip.rs : mip.rs + len(pr.roster_session)] > 0.5
    return (chosen, roster), stats


def _relaxation(
    mip: WeekMip, phases: list[Phase], sense: int, params: HighsParams, rounds: int, name: str
) -> tuple[np.ndarray | None, SolveStats]:
    """The phase's LP optimum, tightened by up to `rounds` rounds of cutting planes: "nobody
    in a supervised session unless a supervisor is rostered to it" (x_k <= sum of its roster
    pairs), for the pairs the LP breaks. The rule is implied for whole schedules, but without
    it the LP splits a supervisor across a day's sessions and pools their crews. One row per
    pair would slow the LP of a big PDU threefold; the LP breaks only a few hundred. Cuts found
    stay in `mip` (valid for every phase and the MIPs)."""
    t0 = time.perf_counter()
    lp = OpenLp(phase_model(mip, phases, False, sense), params, name)
    x, st = lp.solve(params.time_limit_seconds)
    if mip.link_rows is None:  # the same for every phase: built on the first
        mip.link_rows = _link_rows(mip)
    links = mip.link_rows
    for _ in range(rounds):
        if x is None or st.status != "OPTIMAL":
            break
        broken = np.nonzero(links @ x > 1e-6)[0]
        if not len(broken):
            break
        cuts = links[broken]
        lp.add_rows(cuts, np.zeros(len(broken)))
        mip.rows.add_matrix(cuts)
        again, st_again = lp.solve(params.time_limit_seconds - (time.perf_counter() - t0))
        if again is None or st_again.status != "OPTIMAL":
            break  # out of time: the last LP solved is still a valid relaxation
        x, st = again, st_again
    return x, replace(st, seconds=time.perf_counter() - t0)


def _link_rows(mip: WeekMip):
    """One row x_k - sum of its session's roster pairs per supervised pair (<= 0), as a
    sparse matrix over the columns."""
    i, j, v = [], [], []
    for n, (k, sup) in enumerate(mip.links):
        i += [n] * (1 + len(sup))
        j += [mip.xs + k, *(mip.rs + sup).tolist()]
        v += [1.0] + [-1.0] * len(sup)
    return coo_matrix((v, (i, j)), shape=(len(mip.links), mip.n_cols)).tocsr()


def _within(objective: float, bound: float | None, sense: int, gap: float) -> bool:
    """Is `objective` proved within `gap` (relative) of `bound`?"""
    if bound is None:
        return False
    return sense * (bound - objective) <= gap * max(1.0, abs(objective)) + 1e-6


def start_values(mip: WeekMip, chosen: np.ndarray, roster: np.ndarray) -> np.ndarray:
    """Every column's value for a schedule and its roster (a start HiGHS can check)."""
    pr = mip.problem
    out = np.zeros(mip.n_cols)
    out[: len(chosen)] = chosen
    out[mip.cs : mip.ys] = credited(pr, chosen)
    out[mip.ys : mip.rs] = placed(pr, chosen)
    out[mip.rs : mip.hs] = roster
    for n, (_, men, _, _) in enumerate(mip.company):
        out[mip.hs + n] = float(any(chosen[k] for k in men))
    return out
