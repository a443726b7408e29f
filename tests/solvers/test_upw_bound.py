"""The LP bound on the Unpaid Work phases: never below a schedule the model can reach, equal
to the optimum where the relaxation is tight, and held by the supervisors' crews; the CP-SAT
phases report it (a proved reach phase is OPTIMAL)."""

from __future__ import annotations

import numpy as np

from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.plan import build_week, solver_params, week_dates
from geo.travel import TravelTimes
from solvers.upw import _hours_terms, _reach_terms, solve_cpsat
from solvers.upw_bound import lp_bound
from tests.builders import person, placement, supervisor, write_upw

WEEK = "2026-W48"
BEHIND = {"sentence_date": "2026-01-05", "hours_completed": 5}  # far behind pace


def _week(tmp_path, config, people, places, sups=None):
    data = write_upw(tmp_path, people, places, sups)
    ds = load_upw(data, config)
    (week,) = build_week(ds, config, TravelTimes(config.travel), week_dates(WEEK))
    return week.problem


def _reach(problem):
    terms = (*_reach_terms(problem), np.zeros(len(problem.roster_session), np.int64))
    return lp_bound(problem, [(terms, None)])


def test_one_place_bounds_reach_at_the_best_single_person(tmp_path, config):
    people = [person(f"A{k}", available_days="Mon", **BEHIND) for k in range(3)]
    pr = _week(tmp_path, config, people, [placement("G1", days="Mon", capacity=1)])
    assert _reach(pr) == max(pr.person_priority)


def test_supervisors_crews_bound_the_reach(tmp_path, config):
    """Two sessions on Monday, one supervisor taking a crew of 2: at most two people."""
    people = [person(f"A{k}", available_days="Mon", **BEHIND) for k in range(6)]
    places = [
        placement("G1", days="Mon", capacity=5, pickup_lat="", pickup_lon=""),
        placement("G2", days="Mon", capacity=5, pickup_lat="", pickup_lon=""),
    ]
    pr = _week(tmp_path, config, people, places, [supervisor("S1", max_crew=2)])
    assert _reach(pr) == 2 * pr.person_priority[0]


def test_phases_report_a_bound_never_below_their_objective(tmp_path, config):
    people = [person(f"A{k}", available_days="Mon;Wed", **BEHIND) for k in range(5)]
    people += [person(f"B{k}", available_days="Wed") for k in range(4)]
    places = [
        placement("G1", days="Mon;Wed", capacity=3, pickup_lat="", pickup_lon=""),
        placement("I1", kind="INDIVIDUAL", days="Wed", capacity=2, pickup_lat="", pickup_lon=""),
    ]
    pr = _week(tmp_path, config, people, places, [supervisor("S1")])
    res = solve_cpsat(pr, solver_params(config, 5))
    reach, hours = res.phases[0], res.phases[1]
    assert reach.bound >= reach.objective and hours.bound >= hours.objective
    assert reach.status == "OPTIMAL" and reach.gap == 0  # the LP proves the reach phase here
    terms = (*_hours_terms(pr, solver_params(config, 5)), np.zeros(len(pr.roster_session)))
    held = (*_reach_terms(pr), np.zeros(len(pr.roster_session)))
    assert lp_bound(pr, [(held, reach.objective), (terms, None)]) >= hours.objective - 1e-6


def test_someone_no_session_can_take_adds_nothing_to_the_bound(tmp_path, config):
    """A person free only on a day no placement runs has no pair: the LP may not count them
    as placed (it did, and the reach gaps of the big PDUs were mostly that)."""
    people = [person("A1", available_days="Mon", **BEHIND)]
    people += [person("B1", available_days="Fri", **BEHIND)]
    pr = _week(tmp_path, config, people, [placement("G1", days="Mon", capacity=1)])
    assert len(pr.person_ids) == 2 and pr.person_priority[1] > 0
    assert _reach(pr) == pr.person_priority[0]
