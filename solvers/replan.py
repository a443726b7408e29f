"""Choosing one way to repair each disrupted session (a re-plan): each item takes exactly one of
its options, the options share capacities (a facilitator's half-day, their week, a room, a
facilitator's half-day of appointments, the order of a group's make-up sessions), and each
touch (telling an item's people of a change, or a facilitator of their part in one group's
changes) has a fixed charge on top of the options' costs, paid once however many of the chosen
options make it.

    minimise  sum_k cost_k x_k + sum_t charge_t h_t
    s.t.      sum_{k of item i} x_k = 1                 every item
              sum_k use_rk x_k <= capacity_r            every shared capacity r
              x_k <= h_t                                every touch t that option k makes
              x, h binary

A negative use frees capacity: an option that opens a facilitator's half-day of appointments
uses 1 - per_slot of its appointment capacity, so that others may join it only once it is open;
the make-up sessions of a group come in order because taking the (j+1)th uses one of a row
the jth frees.

Why a MIP: a re-plan is small (the sessions of a few facilitators or venues over a few weeks,
hundreds of options) and HiGHS proves it optimal in well under a second, so the fewest people
affected is a proved figure, not a heuristic's. The greedy (each item in date order takes its
cheapest option that still fits) is the baseline the summary compares with."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from solvers.highs import HighsParams, LinearModel, solve
from solvers.types import SearchObserver, SolveStats


@dataclass
class ChoiceProblem:
    """Items i (in the order the greedy takes them), options k, capacities r, touch charges t."""

    n_items: int
    option_item: np.ndarray  # the item each option repairs
    option_cost: np.ndarray
    touch_option: np.ndarray  # sparse touches: the option, and the charge it incurs
    touch_of: np.ndarray
    touch_cost: np.ndarray
    use_row: np.ndarray  # sparse uses: capacity row, option, amount
    use_option: np.ndarray
    use_amount: np.ndarray
    capacity: np.ndarray
    # per item, the option it takes when nothing else fits (an unresolved session, which keeps
    # its place): all of them together fit, and the greedy keeps their room until their turn
    fallback: np.ndarray | None = None


@dataclass
class ChoiceResult:
    option_of_item: np.ndarray  # -1 where no option fits (only when an item has none that can)
    stats: SolveStats


@dataclass(frozen=True)
class ReplanParams:
    """How the re-plan's MIP runs."""

    time_limit_seconds: float
    observer: SearchObserver | None = None


def objective(pr: ChoiceProblem, chosen: np.ndarray) -> float:
    """The cost of a choice: its options' costs and the charge of every touch they make."""
    k = chosen[chosen >= 0]
    touched = np.unique(pr.touch_of[np.isin(pr.touch_option, k)])
    return float(pr.option_cost[k].sum() + pr.touch_cost[touched].sum())


def _touches(pr: ChoiceProblem) -> list[list[int]]:
    """The touches each option makes."""
    out: list[list[int]] = [[] for _ in range(len(pr.option_item))]
    for k, t in zip(pr.touch_option.tolist(), pr.touch_of.tolist()):
        out[k].append(t)
    return out


def _uses(pr: ChoiceProblem) -> sparse.csc_matrix:
    return sparse.coo_matrix(
        (pr.use_amount, (pr.use_row, pr.use_option)),
        shape=(len(pr.capacity), len(pr.option_item)),
    ).tocsc()


def choose_greedy(pr: ChoiceProblem) -> ChoiceResult:
    """Each item in turn takes the cheapest option (its cost, and the charge of each touch it
    makes that no option taken before made) whose uses keep every capacity it shares, beside
    what the later items' fallbacks hold (so each item's fallback still fits in its turn)."""
    t0 = time.perf_counter()
    a = _uses(pr)
    makes = _touches(pr)
    used = np.zeros(len(pr.capacity))
    kept = np.zeros(len(pr.capacity))  # the later items' fallbacks
    if pr.fallback is not None:
        kept = np.asarray(a[:, pr.fallback].sum(axis=1)).ravel()
    touched: set[int] = set()
    out = np.full(pr.n_items, -1, np.int64)
    by_item: list[list[int]] = [[] for _ in range(pr.n_items)]
    for k, i in enumerate(pr.option_item.tolist()):
        by_item[i].append(k)
    for i in range(pr.n_items):
        if pr.fallback is not None:
            col = a.getcol(int(pr.fallback[i]))
            kept[col.indices] -= col.data

        def price(k: int) -> float:
            new = [t for t in makes[k] if t not in touched]
            return float(pr.option_cost[k]) + float(pr.touch_cost[new].sum())

        for k in sorted(by_item[i], key=lambda k: (price(k), k)):
            col = a.getcol(k)
            rows, amounts = col.indices, col.data
            if np.all(used[rows] + kept[rows] + amounts <= pr.capacity[rows] + 1e-9):
                used[rows] += amounts
                out[i] = k
                touched.update(makes[k])
                break
    obj = objective(pr, out)
    return ChoiceResult(out, SolveStats("HEURISTIC", obj, None, time.perf_counter() - t0, "greedy"))


def choose_mip(
    pr: ChoiceProblem, params: ReplanParams, greedy: ChoiceResult | None = None
) -> ChoiceResult:
    """The fewest-cost choice proved by HiGHS from the greedy's start (the greedy's answer
    where HiGHS finds none in time); `greedy` when the caller has it already."""
    greedy = greedy if greedy is not None else choose_greedy(pr)
    n_opt, n_touch = len(pr.option_item), len(pr.touch_cost)
    n = n_opt + n_touch
    a = _uses(pr).tocoo()
    rows_i = [a.row]
    rows_j = [a.col]
    rows_v = [a.data]
    lower = [np.full(len(pr.capacity), -np.inf)]
    upper = [pr.capacity.astype(float)]
    r0 = len(pr.capacity)
    rows_i.append(r0 + pr.option_item)  # one option per item
    rows_j.append(np.arange(n_opt))
    rows_v.append(np.ones(n_opt))
    lower.append(np.ones(pr.n_items))
    upper.append(np.ones(pr.n_items))
    r1 = r0 + pr.n_items
    k = pr.touch_option  # x_k - h_t <= 0
    link = r1 + np.arange(len(k))
    rows_i += [link, link]
    rows_j += [k, n_opt + pr.touch_of]
    rows_v += [np.ones(len(k)), -np.ones(len(k))]
    lower.append(np.full(len(k), -np.inf))
    upper.append(np.zeros(len(k)))
    n_rows = r1 + len(k)
    model = LinearModel(
        cost=np.concatenate([pr.option_cost, pr.touch_cost]).astype(float),
        a=sparse.coo_matrix(
            (np.concatenate(rows_v), (np.concatenate(rows_i), np.concatenate(rows_j))),
            shape=(n_rows, n),
        ).tocsr(),
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integral=np.ones(n, bool),
    )
    start = None
    if (greedy.option_of_item >= 0).all():
        start = np.zeros(n)
        start[greedy.option_of_item] = 1
        start[n_opt + pr.touch_of[np.isin(pr.touch_option, greedy.option_of_item)]] = 1
    x, stats = solve(
        model,
        HighsParams(params.time_limit_seconds, observer=params.observer),
        "replan-mip",
        start,
    )
    if x is None:
        return ChoiceResult(greedy.option_of_item, _greedy_stats(stats, greedy))
    chosen = np.full(pr.n_items, -1, np.int64)
    on = np.nonzero(x[:n_opt] > 0.5)[0]
    chosen[pr.option_item[on]] = on
    return ChoiceResult(chosen, stats)


def _greedy_stats(stats: SolveStats, greedy: ChoiceResult) -> SolveStats:
    """A MIP that found nothing in time answers with the greedy's choice and objective."""
    return SolveStats(
        "HEURISTIC", greedy.stats.objective, stats.bound, stats.seconds, "replan-greedy"
    )
