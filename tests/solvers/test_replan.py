"""The re-plan's choice: one option per item within shared capacities, a charge for each item
touched, a half-day that must be opened before others join it, make-up sessions in order."""

from __future__ import annotations

import numpy as np

from solvers.replan import ChoiceProblem, ReplanParams, choose_greedy, choose_mip, objective


def _problem(option_item, cost, touch, touch_cost, uses, capacity) -> ChoiceProblem:
    """`touch`: per option, the touch it makes (-1: none) or a tuple of them."""
    rows, opts, amounts = zip(*uses) if uses else ((), (), ())
    pairs = [(k, t) for k, ts in enumerate(touch) for t in (ts if isinstance(ts, tuple) else (ts,))]
    pairs = [(k, t) for k, t in pairs if t >= 0]
    return ChoiceProblem(
        n_items=max(option_item) + 1,
        option_item=np.array(option_item),
        option_cost=np.array(cost, float),
        touch_option=np.array([k for k, _ in pairs], np.int64),
        touch_of=np.array([t for _, t in pairs], np.int64),
        touch_cost=np.array(touch_cost, float),
        use_row=np.array(rows, np.int64),
        use_option=np.array(opts, np.int64),
        use_amount=np.array(amounts, float),
        capacity=np.array(capacity, float),
    )


def _feasible(pr: ChoiceProblem, chosen: np.ndarray) -> bool:
    used = np.zeros(len(pr.capacity))
    for k in chosen:
        sel = pr.use_option == k
        np.add.at(used, pr.use_row[sel], pr.use_amount[sel])
    one_each = sorted(pr.option_item[chosen].tolist()) == list(range(pr.n_items))
    return one_each and bool(np.all(used <= pr.capacity + 1e-9))


def test_the_cheap_option_goes_to_the_item_that_would_touch_more_people():
    """Two items share one cover (row 0); otherwise each is postponed, telling its people:
    3 for item 0, 5 for item 1. The MIP covers item 1 (cost 3000); the greedy, in turn,
    covers item 0 and pays 5000."""
    pr = _problem(
        option_item=[0, 0, 1, 1],
        cost=[1, 20, 1, 20],
        touch=[-1, 0, -1, 1],
        touch_cost=[3000, 5000],
        uses=[(0, 0, 1), (0, 2, 1)],
        capacity=[1],
    )
    best = choose_mip(pr, ReplanParams(10)).option_of_item
    greedy = choose_greedy(pr).option_of_item
    assert _feasible(pr, best) and _feasible(pr, greedy)
    assert best.tolist() == [1, 2] and objective(pr, best) == 3021
    assert greedy.tolist() == [0, 3] and objective(pr, greedy) == 5021


def test_a_touched_item_is_charged_once_however_many_of_its_sessions_change():
    """Items 0 and 1 are two sessions of one group (touch 0): moving both costs the group's
    people once."""
    pr = _problem(
        option_item=[0, 1],
        cost=[10, 10],
        touch=[0, 0],
        touch_cost=[3000],
        uses=[],
        capacity=[],
    )
    assert objective(pr, choose_mip(pr, ReplanParams(10)).option_of_item) == 3020


def test_others_join_a_half_day_only_once_it_is_opened():
    """Row 0 is a half-day's appointments (nothing open: capacity 0). Each of two people may
    open it (uses 1 - 3) or join it (uses 1), or stay unbooked at a high cost: one opens and
    the other joins; joining alone would break the row."""
    pr = _problem(
        option_item=[0, 0, 0, 1, 1, 1],
        cost=[2, 1, 1000, 2, 1, 1000],
        touch=[-1] * 6,
        touch_cost=[],
        uses=[(0, 0, -2), (0, 1, 1), (0, 3, -2), (0, 4, 1)],
        capacity=[0],
    )
    for chosen in (
        choose_mip(pr, ReplanParams(10)).option_of_item,
        choose_greedy(pr).option_of_item,
    ):
        assert _feasible(pr, chosen) and objective(pr, chosen) == 3


def test_one_facilitator_covering_both_sessions_is_told_once():
    """Two sessions of one group need a cover: option 0 (item 0) and option 2 (item 1) are
    facilitator A (touch 0), options 1 and 3 facilitator B (touch 1); A is nearest, so listed
    first, but busy for the second session (row 0 full). B covering both tells one facilitator
    (cost 2 + 5); the greedy takes A first and then must take B (2 + 10)."""
    pr = _problem(
        option_item=[0, 0, 1, 1],
        cost=[1, 1, 1, 1],
        touch=[0, 1, 0, 1],
        touch_cost=[5, 5],
        uses=[(0, 2, 1)],
        capacity=[0],
    )
    best = choose_mip(pr, ReplanParams(10)).option_of_item
    greedy = choose_greedy(pr).option_of_item
    assert _feasible(pr, best) and best.tolist() == [1, 3] and objective(pr, best) == 7
    assert _feasible(pr, greedy) and greedy.tolist() == [0, 3] and objective(pr, greedy) == 12


def test_an_option_may_make_several_touches_each_charged_once():
    """A move tells the group's people (touch 0) and its covering facilitator (touch 1); a
    second move of the same group with the same cover adds only its own cost."""
    pr = _problem(
        option_item=[0, 1],
        cost=[10, 10],
        touch=[(0, 1), (0, 1)],
        touch_cost=[3000, 5],
        uses=[],
        capacity=[],
    )
    for chosen in (
        choose_mip(pr, ReplanParams(10)).option_of_item,
        choose_greedy(pr).option_of_item,
    ):
        assert objective(pr, chosen) == 3025


def test_the_greedy_keeps_room_for_a_later_items_fallback():
    """Item 1 left unresolved (its fallback, option 2) keeps its facilitator's half-day (row
    0), which item 0's cheap option would take. The greedy leaves it: item 0 takes its dearer
    option and item 1 its fallback; without the fallback kept, item 0 took row 0 and item 1
    had no option left that fits."""
    pr = _problem(
        option_item=[0, 0, 1],
        cost=[1, 5, 100],
        touch=[-1, -1, -1],
        touch_cost=[],
        uses=[(0, 0, 1), (0, 2, 1)],
        capacity=[1],
    )
    assert choose_greedy(pr).option_of_item.tolist() == [0, -1]
    pr.fallback = np.array([1, 2])
    for chosen in (
        choose_greedy(pr).option_of_item,
        choose_mip(pr, ReplanParams(10)).option_of_item,
    ):
        assert _feasible(pr, chosen) and chosen.tolist() == [1, 2]
