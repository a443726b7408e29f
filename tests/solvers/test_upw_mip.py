"""The Unpaid Work week as a MIP: its LP bound (never below a schedule the model can reach,
equal to the optimum where the relaxation is tight, held by the supervisors' crews), each hard
rule holding in the MIP's own schedules (solved from an empty start, so nothing greedy keeps
the rule for it), and the phases of `solve_mip` proved."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.plan import build_week, solver_params, week_dates
from geo.travel import TravelTimes
from solvers import upw
from solvers.upw import _hours_terms, _reach_terms, solve_cpsat, solve_mip
from solvers.upw_mip import PhaseParams, lp_bound, solve_phase, week_mip
from tests.builders import induction, person, placement, supervisor, write_upw

WEEK = "2026-W48"
BEHIND = {"sentence_date": "2026-01-05", "hours_completed": 5}  # far behind pace


def _week(tmp_path, config, people, places, sups=None, slots=None):
    data = write_upw(tmp_path, people, places, sups, slots)
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


def test_a_supervisor_split_across_two_sessions_is_cut_off(tmp_path, config):
    """One supervisor, two Monday sessions, each person able to reach only one of them: the
    plain LP runs both at half a supervisor each (two people); the cut x <= rostered makes
    the bound one person, the truth."""
    people = [
        person("A", available_days="Mon", home_lat=52.60, home_lon=-0.60, **BEHIND),
        person("B", available_days="Mon", home_lat=52.75, home_lon=-0.80, **BEHIND),
    ]
    places = [
        placement("G1", days="Mon", lat=52.60, lon=-0.60, pickup_lat="", pickup_lon=""),
        placement("G2", days="Mon", lat=52.75, lon=-0.80, pickup_lat="", pickup_lon=""),
    ]
    pr = _week(tmp_path, config, people, places, [supervisor("S1", max_crew=2)])
    assert len(pr.pair_person) == 2  # each person reaches one session only
    terms = (*_reach_terms(pr), np.zeros(len(pr.roster_session), np.int64))
    assert lp_bound(pr, [(terms, None)]) == pr.person_priority[0]


def test_the_lp_takes_whole_sessions_within_the_weekly_hours(tmp_path, config):
    """10 hours a week and 7-hour sessions on two days: one session, not 1.43 of them."""
    people = [person("A", available_days="Mon;Tue", max_hours_per_week=10)]
    places = [placement("G1", days="Mon;Tue", pickup_lat="", pickup_lon="")]
    pr = _week(tmp_path, config, people, places)
    assert len(pr.pair_person) == 2 and 2 * pr.pair_minutes[0] > pr.person_max_minutes[0]
    n_p, n_q = len(pr.person_ids), len(pr.roster_session)
    terms = (np.ones(n_p), np.zeros(n_p), np.zeros(len(pr.pair_person)), np.zeros(n_q))
    assert lp_bound(pr, [(terms, None)]) == pr.pair_credited.max()


def _two_days(tmp_path, config):
    """Five behind pace free Mon and Wed, four on pace free Wed; a supervised crew on both days
    (3 places) and an individual placement on Wednesday (2)."""
    people = [person(f"A{k}", available_days="Mon;Wed", **BEHIND) for k in range(5)]
    people += [person(f"B{k}", available_days="Wed") for k in range(4)]
    places = [
        placement("G1", days="Mon;Wed", capacity=3, pickup_lat="", pickup_lon=""),
        placement("I1", kind="INDIVIDUAL", days="Wed", capacity=2, pickup_lat="", pickup_lon=""),
    ]
    pr = _week(tmp_path, config, people, places, [supervisor("S1")])
    return pr


def test_phases_report_a_bound_never_below_their_objective(tmp_path, config):
    pr = _two_days(tmp_path, config)
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


def _reach_mip(pr):
    """The reach phase as a MIP from an empty schedule: the schedule, its roster and stats."""
    empty = (np.zeros(len(pr.pair_person), bool), np.zeros(len(pr.roster_session), bool))
    terms = (*_reach_terms(pr), np.zeros(len(pr.roster_session), np.int64))
    got, st = solve_phase(week_mip(pr), [(terms, None)], +1, PhaseParams(10, 0.0), "r", empty)
    assert got is not None and st.status == "OPTIMAL"
    return got[0], got[1], st


def _people_in(pr, chosen):
    return sorted(pr.person_ids[i] for i in pr.pair_person[chosen])


def test_the_mip_never_leaves_a_woman_alone_among_men(tmp_path, config):
    """Reaching all three would be worth most; she may not be the only woman among men."""
    people = [person("W", sex="F", available_days="Mon", **BEHIND)]
    people += [person(f"M{k}", available_days="Mon", **BEHIND) for k in range(2)]
    pr = _week(
        tmp_path, config, people, [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    )
    chosen, _, st = _reach_mip(pr)
    assert _people_in(pr, chosen) == ["M0", "M1"] and st.objective == 2 * pr.person_priority[1]
    people[0]["lone_woman_ok"] = True  # she agreed: all three
    pr = _week(
        tmp_path, config, people, [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    )
    assert _people_in(pr, _reach_mip(pr)[0]) == ["M0", "M1", "W"]


def test_the_mip_keeps_co_defendants_apart(tmp_path, config):
    people = [
        person("A", available_days="Mon", exclude_person_ids="B", **BEHIND),
        person("B", available_days="Mon", exclude_person_ids="A", **BEHIND),
    ]
    pr = _week(
        tmp_path, config, people, [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    )
    assert len(_people_in(pr, _reach_mip(pr)[0])) == 1


def test_the_mip_rosters_one_session_a_day_per_supervisor_and_no_empty_one(tmp_path, config):
    """One supervisor, two sessions on Monday with room for 3 each: 3 people, one session run,
    and the supervisor rostered only where people are."""
    people = [person(f"A{k}", available_days="Mon", **BEHIND) for k in range(6)]
    places = [
        placement("G1", days="Mon", capacity=3, pickup_lat="", pickup_lon=""),
        placement("G2", days="Mon", capacity=3, pickup_lat="", pickup_lon=""),
    ]
    pr = _week(tmp_path, config, people, places, [supervisor("S1", max_crew=5)])
    chosen, roster, _ = _reach_mip(pr)
    assert chosen.sum() == 3 and roster.sum() == 1
    (q,) = np.nonzero(roster)[0]
    assert set(pr.pair_session[chosen]) == {pr.roster_session[q]}


def test_the_mip_rosters_nobody_to_an_empty_session(tmp_path, config):
    """Two supervisors, two Monday sessions, one person: even an objective that pays for each
    supervisor rostered gets one (a rostered supervisor needs a crew)."""
    people = [person("A", available_days="Mon", **BEHIND)]
    places = [
        placement("G1", days="Mon", capacity=3, pickup_lat="", pickup_lon=""),
        placement("G2", days="Mon", capacity=3, pickup_lat="", pickup_lon=""),
    ]
    pr = _week(tmp_path, config, people, places, [supervisor("S1"), supervisor("S2")])
    n_p, n_q = len(pr.person_ids), len(pr.roster_session)
    pay = (np.zeros(n_p), np.zeros(n_p), np.zeros(len(pr.pair_person)), np.ones(n_q))
    empty = (np.zeros(len(pr.pair_person), bool), np.zeros(n_q, bool))
    got, st = solve_phase(week_mip(pr), [(pay, None)], +1, PhaseParams(10, 0.0), "r", empty)
    assert got is not None and got[1].sum() == 1 and st.objective == 1


def test_the_mip_inducts_before_any_work(tmp_path, config):
    """New, free Mon and Wed; the only slot is Wednesday: no work on Monday (the reach phase
    counts the induction as reaching them)."""
    new = {"sentence_date": "2026-11-16", "hours_completed": 0}
    people = [person("A", available_days="Mon;Wed", **new)]
    places = [placement("G1", days="Mon;Wed", pickup_lat="", pickup_lon="")]
    pr = _week(tmp_path, config, people, places, slots=[induction("I1", days="Wed")])
    chosen, _, _ = _reach_mip(pr)
    days = {int(pr.session_day[pr.pair_session[k]]) for k in np.nonzero(chosen)[0]}
    assert days == {2}  # only the Wednesday induction
    assert pr.session_is_induction[pr.pair_session[chosen]].all()


def test_solve_mip_proves_every_phase(tmp_path, config):
    pr = _two_days(tmp_path, config)
    res = solve_mip(pr, solver_params(config, 5))
    assert [p.name for p in res.phases] == ["reach", "hours", "travel"]
    for p in res.phases:
        assert p.status == "OPTIMAL" and p.gap == 0
    reach = res.phases[0].objective
    assert reach == _reach(pr)  # the LP's bound, reached


class _Stopped:
    def stopped(self) -> bool:
        return True

    def report(self, phase, objective, bound, force=False) -> None:
        pass


def test_a_stop_request_keeps_the_start(tmp_path, config):
    people = [person(f"A{k}", available_days="Mon", **BEHIND) for k in range(3)]
    pr = _week(
        tmp_path, config, people, [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    )
    start = (np.zeros(len(pr.pair_person), bool), np.zeros(0, bool))
    terms = (*_reach_terms(pr), np.zeros(0, np.int64))
    params = PhaseParams(10, 0.0, observer=_Stopped())
    got, st = solve_phase(week_mip(pr), [(terms, None)], +1, params, "r", start)
    assert got is None and st.objective == 0 and st.status != "OPTIMAL"


def test_cpsat_proves_what_the_lp_leaves_open(tmp_path, config):
    """A woman who needs company and a man, one session: the LP takes her and half of him
    (its company rows are weak), 50% above the truth; CP-SAT proves the phase at once."""
    people = [
        person("W", sex="F", available_days="Mon", **BEHIND),
        person("M", available_days="Mon", **BEHIND),
    ]
    pr = _week(
        tmp_path, config, people, [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    )
    params = solver_params(config, 5)
    loose = solve_mip(pr, replace(params, proof_target=1.0)).phases[0]  # no CP-SAT proof
    assert loose.bound > loose.objective
    reach = solve_mip(pr, params).phases[0]
    assert reach.status == "OPTIMAL" and reach.bound == reach.objective == loose.objective


@pytest.mark.parametrize("stop", [False, True])
def test_a_stop_request_skips_cpsats_proof(tmp_path, config, monkeypatch, stop):
    """After a stop (a signal, the API's stop) the week ends with the schedule in hand: no
    CP-SAT proof is begun, where without one the LP's loose phase gets it."""
    people = [
        person("W", sex="F", available_days="Mon", **BEHIND),
        person("M", available_days="Mon", **BEHIND),
    ]
    pr = _week(
        tmp_path, config, people, [placement("G1", days="Mon", pickup_lat="", pickup_lon="")]
    )
    proofs: list[str] = []
    prove = upw._prove
    monkeypatch.setattr(upw, "_prove", lambda *a: proofs.append("cpsat") or prove(*a))
    solve_mip(pr, solver_params(config, 5), _Stopped() if stop else None)
    assert (proofs == []) is stop
