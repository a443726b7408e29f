"""Pre-group appointment booking: packed into half-days already open, a half-day's limit, one
venue per facilitator's half-day, and a facilitator's week."""

from __future__ import annotations

import numpy as np

from solvers import appointments
from solvers.appointments import AppointmentsProblem, first_fit


def _problem(people, options, half_days, week_free, per_slot=2):
    """options: (person, half-day); half_days: (facilitator slot key, facilitator-week)."""
    return AppointmentsProblem(
        people,
        np.array([p for p, _ in options], np.int64),
        np.array([h for _, h in options], np.int64),
        np.array([s for s, _ in half_days], np.int64),
        np.array([w for _, w in half_days], np.int64),
        np.array(week_free, np.int64),
        per_slot,
    )


def test_packs_into_an_open_half_day_up_to_its_limit():
    # three people, each may take half-day 0 or 1 (different slots of one facilitator-week)
    pr = _problem(3, [(m, h) for m in range(3) for h in (0, 1)], [(0, 0), (1, 0)], [2])
    got = first_fit(pr)
    assert pr.option_half_day[got].tolist() == [0, 0, 1]  # two in the first, then the next


def test_a_facilitators_week_and_slot_hold():
    # one session left in the week: the second half-day cannot open
    pr = _problem(3, [(m, h) for m in range(3) for h in (0, 1)], [(0, 0), (1, 0)], [1])
    assert (first_fit(pr) >= 0).sum() == 2
    # two venues in the same slot of one facilitator: one half-day only
    pr = _problem(3, [(m, h) for m in range(3) for h in (0, 1)], [(0, 0), (0, 0)], [5])
    got = first_fit(pr)
    assert (got >= 0).sum() == 2 and set(pr.option_half_day[got[got >= 0]]) == {0}


def test_the_person_with_fewest_options_is_booked_first():
    # one place a half-day; the first person would rather have half-day 1 than 0, the second
    # has only half-day 1: in the order given the first takes it and the second is left out
    pr = _problem(2, [(0, 1), (0, 0), (1, 1)], [(0, 0), (1, 0)], [2], per_slot=1)
    got = first_fit(pr)
    assert pr.option_half_day[got].tolist() == [0, 1]  # both booked
    # with as many options each, the order given decides: the first person gets half-day 1
    pr = _problem(2, [(0, 1), (0, 0), (1, 1), (1, 0)], [(0, 0), (1, 0)], [2], per_slot=1)
    assert pr.option_half_day[first_fit(pr)].tolist() == [1, 0]


def _feasible(pr: AppointmentsProblem, got: np.ndarray) -> bool:
    """Each person booked in an option of theirs, a half-day's limit, one venue a facilitator's
    slot, the half-days open in a facilitator-week within their week."""
    booked = got[got >= 0]
    if (pr.option_person[booked] != np.nonzero(got >= 0)[0]).any():
        return False
    held = np.bincount(pr.option_half_day[booked], minlength=len(pr.half_day_slot))
    opened = np.nonzero(held)[0]
    weeks = np.bincount(pr.half_day_week[opened], minlength=len(pr.week_free))
    slots = pr.half_day_slot[opened]
    return bool(
        held.max(initial=0) <= pr.per_slot
        and (weeks <= pr.week_free).all()
        and len(set(slots.tolist())) == len(slots)
    )


def test_one_left_out_is_booked_by_moving_another_to_a_half_day_with_room():
    """Two half-days of a facilitator's week may open (of three), two people each. First fit
    opens half-day 0 for P0 and P1 and half-day 1 for P2, and P3 (half-days 0 or 2) finds 0
    full and 2 closed for good; P0 moves to half-day 1, where P2 left room, and P3 takes their
    place: all four are booked."""
    pr = _problem(
        4,
        [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1), (2, 2), (3, 0), (3, 2)],
        [(0, 0), (1, 0), (2, 0)],
        [2],
    )
    got = first_fit(pr)
    assert (got >= 0).all() and _feasible(pr, got)
    assert sorted(pr.option_half_day[got].tolist()) == [0, 0, 1, 1]


def test_moves_never_leave_out_anyone_first_fit_booked_nor_break_a_limit(monkeypatch):
    """Random small bookings: whoever first fit books (each person in turn, never moved) is
    booked still, and the limits hold."""
    rng = np.random.default_rng(7)
    gained = 0
    for _ in range(200):
        people, n_half = int(rng.integers(1, 8)), int(rng.integers(1, 6))
        options = sorted(
            {(int(m), int(h)) for m, h in rng.integers(0, [people, n_half], size=(12, 2))}
        )
        half_days = [(int(rng.integers(0, 3)), int(rng.integers(0, 2))) for _ in range(n_half)]
        pr = _problem(people, options, half_days, rng.integers(0, 3, size=2).tolist())
        monkeypatch.setattr(appointments._Chains, "book_left_out", lambda self, order: None)
        plain = first_fit(pr)
        monkeypatch.undo()
        got = first_fit(pr)
        assert _feasible(pr, got) and _feasible(pr, plain)
        assert set(np.nonzero(plain >= 0)[0]) <= set(np.nonzero(got >= 0)[0])
        gained += int((got >= 0).sum() - (plain >= 0).sum())
    assert gained > 0  # the moves booked more somewhere
