"""Pre-group appointment booking: packed into half-days already open, a half-day's limit, one
venue per facilitator's half-day, and a facilitator's week."""

from __future__ import annotations

import numpy as np

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
