"""An upper bound on an Unpaid Work phase from the LP relaxation of the week's model (HiGHS
through scipy), to prove how far the schedule found can be from the best.

Why an LP: CP-SAT's own bound on the reach and hours phases stays loose on the larger PDUs
(a weighted count of people placed over thousands of pairs), while the assignment structure
(session places, one session a day, weekly minutes, supervisors' crews) is nearly integral, so
its LP relaxation is close to the integer optimum and solves in well under a second. Some
rules are left out of the relaxation (women's company, co-defendants apart, nobody rostered
to an empty session): dropping constraints of a maximisation can only raise its optimum, so
the value stays a valid bound."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from solvers.upw_problem import UpwProblem, induction_sessions, supervised


class _Rows:
    """Sparse rows a.x <= b over the columns x (pairs), c (credited), y (placed), r (roster)."""

    def __init__(self) -> None:
        self.i: list[int] = []
        self.j: list[int] = []
        self.v: list[float] = []
        self.b: list[float] = []

    def add(self, cols, vals, bound: float) -> None:
        n = len(self.b)
        self.i += [n] * len(cols)
        self.j += list(cols)
        self.v += list(vals)
        self.b.append(float(bound))


def lp_bound(problem: UpwProblem, phases: list[tuple[tuple, float | None]]) -> float | None:
    """The LP optimum of the last of `phases` (each: its terms (w_credit, w_placed, w_pair,
    w_roster) and, for all but the last, the value held), maximised; None if HiGHS fails."""
    pr = problem
    n_k, n_p, n_q = len(pr.pair_person), len(pr.person_ids), len(pr.roster_session)
    xs, cs, ys, rs = 0, n_k, n_k + n_p, n_k + 2 * n_p
    rows = _Rows()
    ks = np.arange(n_k)
    for s in range(len(pr.session_ids)):  # places in each session
        mine = ks[pr.pair_session == s]
        if len(mine):
            rows.add(xs + mine, np.ones(len(mine)), pr.session_capacity[s])
    day = pr.session_day[pr.pair_session]
    for i in range(n_p):
        mine = ks[pr.pair_person == i]
        if not len(mine):
            continue
        for d in np.unique(day[mine]):  # one session a day
            rows.add(xs + mine[day[mine] == d], np.ones(int((day[mine] == d).sum())), 1)
        rows.add(xs + mine, pr.pair_minutes[mine], pr.person_max_minutes[i])
        ete = mine[pr.session_is_ete[pr.pair_session[mine]]]
        if len(ete):
            rows.add(xs + ete, pr.pair_minutes[ete], pr.person_ete_budget_minutes[i])
        rows.add([ys + i, *(xs + mine)], [1.0, *(-np.ones(len(mine)))], 0)  # placed
        rows.add([cs + i, *(xs + mine)], [1.0, *(-pr.pair_credited[mine])], 0)  # credited
    _supervisors(pr, rows, xs, rs)
    _inductions(pr, rows, xs)
    costs = []
    for n, (terms, held) in enumerate(phases):
        c = _objective(terms, n_k, n_p, n_q)
        if n < len(phases) - 1:
            rows.add(np.nonzero(c)[0], -c[np.nonzero(c)[0]], -float(held or 0))  # phase held
        costs.append(c)
    lo = np.zeros(n_k + 2 * n_p + n_q)
    if pr.pair_fixed is not None:
        lo[xs + np.nonzero(pr.pair_fixed)[0]] = 1
    if pr.roster_fixed is not None:
        lo[rs + np.nonzero(pr.roster_fixed)[0]] = 1
    hi = np.ones(n_k + 2 * n_p + n_q)
    hi[cs : cs + n_p] = pr.person_remaining_minutes
    reachable = np.bincount(pr.pair_person, minlength=n_p) > 0
    hi[cs : cs + n_p][~reachable] = 0  # nobody with no session is placed or credited
    hi[ys : ys + n_p][~reachable] = 0
    a = coo_matrix((rows.v, (rows.i, rows.j)), shape=(len(rows.b), len(lo))).tocsr()
    res = linprog(
        -costs[-1], A_ub=a, b_ub=np.array(rows.b), bounds=np.column_stack([lo, hi]), method="highs"
    )
    return float(-res.fun) if res.status == 0 else None


def _objective(terms: tuple, n_k: int, n_p: int, n_q: int) -> np.ndarray:
    w_credit, w_placed, w_pair, w_roster = terms
    return np.concatenate(
        [
            np.asarray(w_pair, float),
            np.asarray(w_credit, float) * np.ones(n_p),
            np.asarray(w_placed, float) * np.ones(n_p),
            np.asarray(w_roster, float) * np.ones(n_q),
        ]
    )


def _supervisors(pr: UpwProblem, rows: _Rows, xs: int, rs: int) -> None:
    """A supervised session's crew within its one supervisor's; one session a day each."""
    qs = np.arange(len(pr.roster_session))
    ks = np.arange(len(pr.pair_person))
    for s in np.nonzero(supervised(pr))[0]:
        mine, sup = ks[pr.pair_session == s], qs[pr.roster_session == s]
        if len(mine):
            rows.add([*(xs + mine), *(rs + sup)], [*np.ones(len(mine)), *(-pr.roster_crew[sup])], 0)
        if len(sup) > 1:
            rows.add(rs + sup, np.ones(len(sup)), 1)
    day = pr.session_day[pr.roster_session]
    for j in np.unique(pr.roster_supervisor):
        for d in np.unique(day[pr.roster_supervisor == j]):
            sel = qs[(pr.roster_supervisor == j) & (day == d)]
            if len(sel) > 1:
                rows.add(rs + sel, np.ones(len(sel)), 1)


def _inductions(pr: UpwProblem, rows: _Rows, xs: int) -> None:
    """Whoever needs an induction: at most one, and work only on a later day than it."""
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
            rows.add([xs + k, *(xs + before)], [1.0, *(-np.ones(len(before)))], 0)
