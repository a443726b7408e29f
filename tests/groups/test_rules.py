"""The programme group pair rules, each with a passing and a failing case on one or two
entities: a person's reach to a venue, and which facilitators may run a group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.groups.rules import able_facilitators, trained_for, venue_reach


def _reach(config, minutes: int, needs_step_free: bool, accessible: bool) -> bool:
    people = pd.DataFrame({"needs_accessible": [needs_step_free]})
    venues = pd.DataFrame({"accessible": [accessible]})
    return bool(venue_reach(people, venues, np.array([[minutes]]), config)[0, 0])


def test_venue_within_the_travel_limit(config):
    limit = int(config.groups.max_travel_minutes)
    assert _reach(config, limit, False, False)
    assert not _reach(config, limit + 1, False, False)


def test_step_free_venue_where_needed(config):
    assert _reach(config, 10, True, True) and _reach(config, 10, False, False)
    assert not _reach(config, 10, True, False)


def test_facilitators_trained_free_and_near(config):
    facs = pd.DataFrame({"trained_programmes": [("TSP", "BBR"), ("BBR",), ("TSP",)]})
    trained = trained_for("TSP", facs)
    assert trained.tolist() == [True, False, True]
    free = np.array([[True, True], [True, True], [True, False]])  # two slots
    near = np.array([10, 10, 10])
    assert able_facilitators(trained, free, near, (0,), config).tolist() == [0, 2]
    assert able_facilitators(trained, free, near, (0, 1), config).tolist() == [0]  # 2 busy
    far = np.array([10, 10, config.groups.facilitator_max_travel_minutes + 1])
    assert able_facilitators(trained, free, far, (0,), config).tolist() == [0]
