"""A programme short of its bound once booked is bounded again beside the rest of the plan as
booked, its pre-group appointments by half-day (engine.groups.booked_proof,
solvers.groups_booked): the bound falls to what the half-days allow, and only there."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from engine.core.lifecycle import RunOptions
from engine.groups.booked_proof import _beside_booked, prove_booked
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import pre_group_table, tables
from engine.groups.pipeline import _quarter, run_groups
from engine.groups.plan import build_plans, solver_params
from engine.groups.pre_group import pre_group_half_days
from geo.travel import TravelTimes
from solvers.groups import people_started
from solvers.groups_booked import booked_search
from solvers.highs import HighsParams
from tests.builders import facilitator, programme, referral, venue, write_groups

START = date(2026, 11, 23)  # a Monday: the one start is 7 December, after two pre-group weeks


def _config(config, per_slot: int, proof_seconds: float = 8.0):
    """A horizon of four weeks (one start, week 2), `per_slot` appointments a half-day."""
    groups = config.groups.model_copy(
        update={
            "horizon_weeks": 4,
            "pre_group_per_slot": per_slot,
            "booked_proof_seconds": proof_seconds,
        }
    )
    return config.model_copy(update={"groups": groups})


def _four_on_monday_mornings(tmp_path, config):
    """Four people free on Monday mornings only, one facilitator free then (five sessions a
    week), one venue: a group of four on 7 December needs four appointments on 23 and 30
    November, Monday mornings."""
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCD"]
    facs = [facilitator("F1", available_slots="Mon-AM")]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots="Mon-AM")], facs)
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    return ds, times, plans, res, meta


@pytest.mark.parametrize("per_slot, proof, started, bound", [(3, 8.0, 4, 4.0), (1, 8.0, 0, 0.0)])
def test_a_programme_short_of_its_bound_is_bounded_by_its_half_days(
    tmp_path, config, per_slot, proof, started, bound
):
    """Three appointments a half-day: all four start, at their bound. One a half-day: F1's
    two Monday mornings hold two, so the group (at least three) cannot run; the model, which
    counts F1's week (five sessions) and not its half-days, bounds the programme at 4, and
    once booked it is bounded at 0 by its half-days: proved, the plan nobody."""
    cfg = _config(config, per_slot, proof)
    ds, times, plans, res, meta = _four_on_monday_mornings(tmp_path, cfg)
    q = _quarter(plans, res, "mip", solver_params(cfg, 5.0), None, meta["one_to_one"], cfg)
    (r,) = q.programmes
    assert int((r.cand_of_person >= 0).sum()) == started and r.started_bound == bound
    groups, members, _, _ = tables(plans, q.programmes, meta, cfg)
    pre = pre_group_table(plans, q.pre_group, members, meta)
    assert check_groups(ds, groups, members, cfg, times, START, None, pre) == []


def test_without_the_proof_the_bound_stays_the_models(tmp_path, config):
    cfg = _config(config, 1, 0.0)
    _, _, plans, res, meta = _four_on_monday_mornings(tmp_path, cfg)
    q = _quarter(plans, res, "mip", solver_params(cfg, 5.0), None, meta["one_to_one"], cfg)
    (r,) = q.programmes
    assert int((r.cand_of_person >= 0).sum()) == 0 and r.started_bound == 4.0


@pytest.mark.parametrize(
    "proof, rebook, bound", [(0.3, 8.0, 0.0), (0.3, 0.0, 4.0), (0.0, 8.0, 4.0)]
)
def test_the_seconds_the_repair_leaves_go_to_the_proof(tmp_path, config, proof, rebook, bound):
    """One appointment a half-day, as above: the booking starts nobody of the 4 placed, and
    solving again without the group finds no other, in well under the repair's 8 s. Given
    0.3 s of its own (under the half second a proof needs to begin), the proof has what the
    repair left and proves 0; with no seconds for the repair it has only its own 0.3 s, and
    the bound stays the model's 4; given none of its own, it never runs."""
    cfg = _config(config, 1)
    _, _, plans, res, meta = _four_on_monday_mornings(tmp_path, cfg)
    params = replace(
        solver_params(cfg, 5.0), booked_proof_seconds=proof, rebook_seconds=rebook, processes=1
    )
    q = _quarter(plans, res, "mip", params, None, meta["one_to_one"], cfg)
    (r,) = q.programmes
    assert int((r.cand_of_person >= 0).sum()) == 0 and r.started_bound == bound
    assert r.started_bound_booked == (0.0 if bound == 0.0 else None)


@pytest.mark.parametrize("quarter, bound", [(60.0, 0.0), (0.0, 4.0)])
def test_the_proof_ends_by_the_runs_end(tmp_path, config, quarter, bound):
    """One appointment a half-day, as above: with a minute left of the run's budget once the
    quarter is built, the proof beside the rest as booked proves 0; with none left (reading
    and building the quarter took the run's seconds), it does not run and the bound stays the
    model's 4, whatever its own seconds."""
    cfg = _config(config, 1)
    _, _, plans, res, meta = _four_on_monday_mornings(tmp_path, cfg)
    params = replace(solver_params(cfg, 5.0), quarter_seconds=quarter, processes=1)
    q = _quarter(plans, res, "mip", params, None, meta["one_to_one"], cfg)
    (r,) = q.programmes
    assert int((r.cand_of_person >= 0).sum()) == 0 and r.started_bound == bound


@pytest.mark.parametrize("run_seconds, bound", [(110.0, 0.0), (0.01, 4.0)])
def test_the_runs_budget_reaches_the_quarter_through_the_lifecycle(
    tmp_path, config, run_seconds, bound
):
    """`probation groups plan` on the same four: the run's budget, less what reading and
    building the quarter took, is the quarter's, so with the shipped 110 s the proof runs and
    proves 0, and with a budget the reading alone spends it does not (the model's 4)."""
    cfg = _config(config, 1)
    cfg = cfg.model_copy(
        update={"groups": cfg.groups.model_copy(update={"run_seconds": run_seconds})}
    )
    (tmp_path / "data").mkdir()
    _four_on_monday_mornings(tmp_path / "data", cfg)
    opts = RunOptions(
        data=tmp_path / "data", out=tmp_path / "out", period="2026-11-23", config=cfg, time_limit=5
    )
    (row,) = run_groups(opts).summary["programmes"]
    assert row["started"] == 0 and row["started_bound"] == bound


@pytest.mark.parametrize("places, bound", [(1, 0.0), (2, 4.0), (0, 0.0)])
def test_a_half_day_the_others_hold_takes_the_places_left_there(tmp_path, config, places, bound):
    """The others' appointments hold F1's two Monday mornings before the group: with one place
    left in each, two members have one and the group (at least three) cannot run; with two,
    all four; with none, nobody (F1 cannot open another half-day then)."""
    cfg = _config(config, 3)
    _, _, plans, res, meta = _four_on_monday_mornings(tmp_path, cfg)
    (plan,) = plans
    beside = res.copy()
    held = {(0, 0, 0): places, (0, 0, 1): places}  # F1, Monday morning, weeks 0 and 1
    for j, s, w in held:
        beside.fac_busy[j, s, w] = True
        beside.fac_load[j, w] += 1
    options = pre_group_half_days(plan, meta["one_to_one"], cfg)
    assert sorted(set(zip(options.fac.tolist(), options.slot.tolist(), options.week.tolist()))) == [
        (0, 0, 0),
        (0, 0, 1),
    ]
    assert booked_search(plan.problem, beside, held, options, 0, HighsParams(5.0))[0] == bound
    # the MIP alone, after an LP that had bounded it at 4 (the proof's second pass)
    found, _ = booked_search(plan.problem, beside, held, options, 0, HighsParams(5.0), lp_bound=4.0)
    assert found == bound


def test_each_pair_shares_the_half_days_of_its_persons_start_and_venue(tmp_path, config):
    cfg = _config(config, 3)
    _, _, plans, _, meta = _four_on_monday_mornings(tmp_path, cfg)
    (plan,) = plans
    options = pre_group_half_days(plan, meta["one_to_one"], cfg)
    pr = plan.problem
    assert len(options.pair_key) == len(pr.pair_person)
    keys = {
        (int(i), plan.cand_dates[c][0], int(pr.cand_venue[c]))
        for i, c in zip(pr.pair_person, pr.pair_cand)
    }
    assert len(options.ptr) - 1 == len(keys) and options.ptr[-1] == 2 * len(keys)
    assert np.all(np.diff(options.ptr) == 2)


@pytest.mark.parametrize("most, bound", [(4, 0.0), (3, 4.0)])
def test_a_programme_with_more_open_options_than_the_config_keeps_its_bound(
    tmp_path, config, most, bound
):
    """Each of the four has two open options for the one start (F1's two Monday mornings):
    eight in all. The programme is bounded again with at most eight allowed, and keeps the
    model's bound with at most six."""
    cfg = _config(config, 1)
    cfg = cfg.model_copy(
        update={"groups": cfg.groups.model_copy(update={"booked_proof_options": 2 * most})}
    )
    _, _, plans, res, meta = _four_on_monday_mornings(tmp_path, cfg)
    q = _quarter(plans, res, "mip", solver_params(cfg, 5.0), None, meta["one_to_one"], cfg)
    assert q.programmes[0].started_bound == bound


def test_programmes_short_of_their_bounds_are_proved_on_two_threads(tmp_path, config):
    """SI-EM's four and SI-DA's four, each with a facilitator of their own free on Monday
    mornings and one appointment a half-day: neither group can run. Both are bounded again,
    on two threads: 0 each, where the model's were 4."""
    cfg = _config(config, 1)
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCD"]
    refs += [referral(p, programme="SI-DA", available_slots="Mon-AM") for p in "EFGH"]
    facs = [
        facilitator("F1", available_slots="Mon-AM"),
        facilitator("F2", trained_programmes="SI-DA", available_slots="Mon-AM"),
    ]
    progs = [programme(), programme("SI-DA")]
    write_groups(tmp_path, refs, progs, [venue(available_slots="Mon-AM", rooms=2)], facs)
    ds, times = load_groups(tmp_path), TravelTimes(cfg.travel)
    plans, res, meta = build_plans(ds, cfg, times, START)
    params = replace(solver_params(cfg, 5.0), processes=2)
    no_proof = replace(params, booked_proof_seconds=0.0)
    q = _quarter(plans, res, "mip", no_proof, None, meta["one_to_one"], cfg)
    assert [r.started_bound for r in q.programmes] == [4.0, 4.0]
    assert people_started(q.programmes) == 0
    proved, _, _ = prove_booked(
        plans, res, q.programmes, q.pre_group, res, meta["one_to_one"], cfg, params
    )
    assert [r.started_bound for r in proved] == [0.0, 0.0]
    assert [r.started_bound_booked for r in proved] == [0.0, 0.0]
    assert [r.started_bound_booked for r in q.programmes] == [None, None]
    assert all(p.stats.seconds > r.stats.seconds for p, r in zip(proved, q.programmes))


def test_beside_the_rest_the_others_appointments_hold_their_half_days(tmp_path, config):
    """SI-EM's four start with F1 (three appointments a half-day: two half-days, 3 and 1).
    Beside the rest as booked, SI-DA (one referral) finds F1 busy in those half-days, each a session of F1's
    week, with the places left there (0 and 2); for SI-EM itself nothing is held."""
    cfg = _config(config, 3)
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCD"]
    refs.append(referral("E", programme="SI-DA", available_slots="Mon-AM"))
    facs = [facilitator("F1", trained_programmes="SI-EM;SI-DA", available_slots="Mon-AM")]
    progs = [programme(), programme("SI-DA")]
    write_groups(tmp_path, refs, progs, [venue(available_slots="Mon-AM")], facs)
    ds, times = load_groups(tmp_path), TravelTimes(cfg.travel)
    plans, res, meta = build_plans(ds, cfg, times, START)
    q = _quarter(plans, res, "mip", solver_params(cfg, 5.0), None, meta["one_to_one"], cfg)
    assert people_started(q.programmes) == 4 and len(q.pre_group) == 4
    names = [p.programme["programme"] for p in plans]
    monday = meta["one_to_one"].monday
    da, em = names.index("SI-DA"), names.index("SI-EM")
    beside, places = _beside_booked(plans, res, q.programmes, q.pre_group, da, monday)
    held = {(a.facilitator, a.slot, (a.day - monday).days // 7) for a in q.pre_group}
    assert set(places) == held and sorted(places.values()) == [0, 2]
    for j, s, w in held:
        assert beside.fac_busy[j, s, w] and not res.fac_busy[j, s, w]
        assert beside.fac_load[j, w] > res.fac_load[j, w]
    _, mine = _beside_booked(plans, res, q.programmes, q.pre_group, em, monday)
    assert mine == {}


def test_a_group_later_in_its_start_week_has_the_days_before_it_in_that_week(tmp_path, config):
    """One start week (7 December), a Monday and a Thursday group at one venue: the Thursday
    group's members may meet F1 on Monday 7 December (week 2), the Monday group's not. So a
    person's pairs share their half-days only with the same first day, not the same week."""
    cfg = _config(config, 3)
    slots = "Mon-AM;Thu-AM"
    refs = [referral(p, available_slots=slots) for p in "ABCD"]
    facs = [facilitator("F1", available_slots=slots)]
    write_groups(tmp_path, refs, [programme()], [venue(available_slots=slots)], facs)
    ds, times = load_groups(tmp_path), TravelTimes(cfg.travel)
    (plan,), _, meta = build_plans(ds, cfg, times, START)
    pr = plan.problem
    options = pre_group_half_days(plan, meta["one_to_one"], cfg)
    a = pr.person_ids.index("A")
    days = {}
    for k in np.nonzero(pr.pair_person == a)[0].tolist():
        q = int(options.pair_key[k])
        weeks = options.week[options.ptr[q] : options.ptr[q + 1]]
        days[plan.cand_dates[int(pr.pair_cand[k])][0]] = (q, set(weeks.tolist()))
    assert sorted(days) == [date(2026, 12, 7), date(2026, 12, 10)]
    (monday_key, monday_weeks), (thursday_key, thursday_weeks) = (days[d] for d in sorted(days))
    assert monday_key != thursday_key
    assert monday_weeks == {0, 1} and thursday_weeks == {0, 1, 2}


@pytest.mark.parametrize("reproved", [True, False])
def test_a_better_plan_found_beside_the_rest_is_booked_and_taken(
    tmp_path, config, monkeypatch, reproved
):
    """SI-EM's four free on Monday mornings, SI-DA's three too, one room and F1 trained for
    both: SI-EM's group takes the morning, so SI-DA is bounded at 0 beside it (3 alone). A
    booked plan starting only three of SI-EM's (D and their appointment taken out) is short
    of its bound 4; step 5's MIP
    finds the four, the booking keeps them, and SI-DA's bound, proved beside SI-EM's groups as
    they were, is proved again beside them as they are now (0): taken, and the checker passes
    it. Where SI-DA's bound cannot be proved again in time, the plan is left as it was."""
    from engine.groups import booked_proof
    from solvers.groups import booked

    cfg = _config(config, 3)
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCD"]
    refs += [referral(p, programme="SI-DA", available_slots="Mon-AM") for p in "EFG"]
    facs = [facilitator("F1", trained_programmes="SI-EM;SI-DA", available_slots="Mon-AM")]
    write_groups(
        tmp_path, refs, [programme(), programme("SI-DA")], [venue(available_slots="Mon-AM")], facs
    )
    ds, times = load_groups(tmp_path), TravelTimes(cfg.travel)
    plans, res, meta = build_plans(ds, cfg, times, START)
    params = replace(solver_params(cfg, 5.0), processes=1)
    q = _quarter(plans, res, "mip", params, None, meta["one_to_one"], cfg)
    names = [p.programme["programme"] for p in plans]
    em, da = names.index("SI-EM"), names.index("SI-DA")
    assert [people_started([r]) for r in q.programmes] == [4 if n == em else 0 for n in (0, 1)]
    assert (q.programmes[da].started_bound, q.programmes[da].started_bound_alone) == (0.0, 3.0)
    d = plans[em].problem.person_ids.index("D")
    three = q.programmes[em].cand_of_person.copy()
    three[d] = -1
    kept = list(q.programmes)
    kept[em] = replace(kept[em], cand_of_person=three)
    appts = [a for a in q.pre_group if (a.programme, a.person) != ("SI-EM", d)]
    left = booked([p.problem for p in plans], res, [r.facilitators for r in kept])
    assert people_started(kept) == 3 and len(appts) == 3
    if not reproved:
        monkeypatch.setattr(booked_proof, "bound_beside_others", lambda *args: None)
    out, pre, _ = prove_booked(plans, res, kept, appts, left, meta["one_to_one"], cfg, params)
    if not reproved:
        assert people_started(out) == 3 and pre == appts
        assert out[da].started_bound == 0.0
        return
    assert people_started(out) == 4 and len(pre) == 4
    assert out[em].started_bound == 4.0 and out[em].stats.status == "OPTIMAL"
    assert (out[da].started_bound, out[da].started_bound_booked) == (0.0, None)
    groups, members, _, _ = tables(plans, out, meta, cfg)
    table = pre_group_table(plans, pre, members, meta)
    assert check_groups(ds, groups, members, cfg, times, START, None, table) == []
