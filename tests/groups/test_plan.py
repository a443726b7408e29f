"""Programme groups: the data contract, each hard rule biting on a tiny quarter for the CP-SAT
planner and the first-come-first-served greedy (every output through the independent
checker), the checker catching broken plans, and the command end to end."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.contract import DataContractError
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import tables
from engine.groups.pipeline import _ends
from engine.groups.plan import build_plans, solve_plans, solver_params
from geo.travel import TravelTimes
from tests.builders import facilitator, programme, referral, venue, write_groups

START = date(2026, 11, 23)  # a Monday
SOLVERS = ["mip", "cpsat", "greedy"]


def _plan(tmp_path, config, refs, progs=None, venues=None, facs=None, solver="cpsat"):
    write_groups(
        tmp_path, refs, progs or [programme()], venues or [venue()], facs or [facilitator()]
    )
    ds, times = load_groups(tmp_path), TravelTimes(config.travel)
    plans, res, meta = build_plans(ds, config, times, START)
    groups, members, unplaced, figures = tables(
        plans, solve_plans(plans, res, solver, solver_params(config, 5.0))[0], meta, config
    )
    assert check_groups(ds, groups, members, config, times) == []
    return groups, members, unplaced.set_index("person_id"), ds


def test_contract_names_file_row_and_column(tmp_path):
    write_groups(
        tmp_path,
        [referral("A", available_slots="Mon-XX"), referral("B", programme="NOPE")],
        [programme(max_group=13)],
        [venue(rooms=0)],
        [facilitator(trained_programmes="TSP")],
    )
    with pytest.raises(DataContractError) as err:
        load_groups(tmp_path)
    text = str(err.value)
    for needle in ("referrals.csv", "available_slots", "max_group", "venues.csv", "rooms"):
        assert needle in text
    write_groups(
        tmp_path,
        [referral("A"), referral("B", programme="NOPE")],
        [programme()],
        [venue()],
        [facilitator(trained_programmes="TSP")],
    )
    with pytest.raises(DataContractError) as err:
        load_groups(tmp_path)
    assert "referrals.csv row 2 (line 3), column 'programme'" in str(err.value)
    assert "column 'trained_programmes'" in str(err.value)


@pytest.mark.parametrize("solver", SOLVERS)
def test_minimum_group_size(tmp_path, config, solver):
    _, members, unplaced, _ = _plan(
        tmp_path, config, [referral(f"P{k}") for k in range(2)], solver=solver
    )
    assert (
        members.empty
        and len(unplaced) == 2
        and unplaced["alternative"].str.contains("one-to-one").all()
    )
    _, members, _, _ = _plan(tmp_path, config, [referral(f"P{k}") for k in range(3)], solver=solver)
    assert len(members) == 3 and members["group_id"].nunique() == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_maximum_group_size_and_rooms(tmp_path, config, solver):
    # 8 people free on Monday mornings only, groups of at most 4 running 20 weeks, one room: one group
    # this quarter (a second could only start after the first ends); with two rooms, two groups side by side
    refs = [referral(f"P{k}", available_slots="Mon-AM") for k in range(8)]
    facs = [facilitator("F1"), facilitator("F2")]
    long = [programme(max_group=4, sessions=20)]
    groups, members, unplaced, _ = _plan(tmp_path, config, refs, long, facs=facs, solver=solver)
    assert len(members) == 4 and len(groups) == 1 and len(unplaced) == 4
    groups, members, _, _ = _plan(
        tmp_path, config, refs, long, [venue(rooms=2)], facs, solver=solver
    )
    assert len(members) == 8 and len(groups) == 2 and members.groupby("group_id").size().max() <= 4
    # a six-week programme: the second group follows the first in the same room
    groups, members, _, _ = _plan(
        tmp_path, config, refs, [programme(max_group=4)], facs=facs, solver=solver
    )
    assert len(members) == 8 and groups["start_date"].nunique() == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_never_exactly_one_woman(tmp_path, config, solver):
    refs = [referral("W1", sex="F")] + [referral(f"M{k}") for k in range(4)]
    _, members, unplaced, _ = _plan(tmp_path, config, refs, solver=solver)
    assert "W1" not in set(members["person_id"]) and "W1" in unplaced.index
    refs.append(referral("W2", sex="F"))
    _, members, _, _ = _plan(tmp_path, config, refs, solver=solver)
    assert {"W1", "W2"} <= set(members["person_id"])


@pytest.mark.parametrize("solver", SOLVERS)
def test_co_defendants_apart(tmp_path, config, solver):
    refs = [
        referral("A", exclude_person_ids="B"),
        referral("B", exclude_person_ids="A"),
        referral("C"),
        referral("D"),
    ]
    _, members, _, _ = _plan(tmp_path, config, refs, solver=solver)
    assert len(members) == 3 and not {"A", "B"} <= set(members["person_id"])


@pytest.mark.parametrize("solver", SOLVERS)
def test_facilitators_trained_and_not_double_booked(tmp_path, config, solver):
    refs = [referral(f"P{k}") for k in range(3)]
    _, members, _, _ = _plan(
        tmp_path,
        config,
        refs,
        facs=[facilitator(trained_programmes="TSP")],
        progs=[programme(), programme("TSP", kind="ACCREDITED")],
        solver=solver,
    )
    assert members.empty  # the only facilitator is not trained for SI-EM
    # two 20-week programmes wanting Monday mornings, one facilitator trained in both, two rooms: one group only
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(3)] + [
        referral(f"D{k}", programme="SI-DA", available_slots="Mon-AM") for k in range(3)
    ]
    groups, _, _, _ = _plan(
        tmp_path,
        config,
        refs,
        [programme(sessions=20), programme("SI-DA", sessions=20)],
        [venue(rooms=2)],
        [facilitator(trained_programmes="SI-EM;SI-DA")],
        solver=solver,
    )
    assert len(groups) == 1
    # different slots, but the facilitator runs at most one session a week: still one group; two a week: both
    refs = [referral(f"E{k}", available_slots="Mon-AM") for k in range(3)] + [
        referral(f"D{k}", programme="SI-DA", available_slots="Tue-AM") for k in range(3)
    ]
    progs = [programme(sessions=20), programme("SI-DA", sessions=20)]
    for per_week, expected in ((1, 1), (2, 2)):
        groups, _, _, _ = _plan(
            tmp_path,
            config,
            refs,
            progs,
            [venue()],
            [facilitator(trained_programmes="SI-EM;SI-DA", max_sessions_per_week=per_week)],
            solver=solver,
        )
        assert len(groups) == expected


@pytest.mark.parametrize("solver", SOLVERS)
def test_sentence_end_slots_and_travel(tmp_path, config, solver):
    refs = [referral(f"P{k}") for k in range(3)] + [
        referral(
            "ENDS", sentence_end="2026-12-15"
        ),  # six weekly sessions from 23 Nov end on 28 Dec
        referral("EVE", available_slots="Wed-EVE"),
        referral(
            "FAR", home_lat=53.40, home_lon=-1.50, travel_mode="public_transport"
        ),  # Sheffield
    ]
    _, members, unplaced, _ = _plan(tmp_path, config, refs, solver=solver)
    assert {"ENDS", "EVE", "FAR"} <= set(unplaced.index) and len(members) == 3
    assert (
        "sentence ends" in unplaced.loc["ENDS", "reason"]
        and "one-to-one" in unplaced.loc["ENDS", "alternative"]
    )
    assert (
        "slots" in unplaced.loc["EVE", "reason"] and "90 minutes" in unplaced.loc["FAR", "reason"]
    )


def test_whom_no_group_suits_are_told_which_reason_is_theirs(tmp_path, config):
    """Three people make a Monday group. ALONE comes only on Wednesdays, which nobody else
    does; ENDS's sentence ends before any six-week group could finish; LATE is referred after
    every group of the quarter starts. Each is told their own reason (once one message named
    the sentence for all three), and only ENDS is offered one-to-one before it ends."""
    slots = "Mon-AM;Tue-AM;Wed-AM"
    refs = [referral(f"P{k}") for k in range(3)] + [
        referral("ALONE", available_slots="Wed-AM"),
        referral("ENDS", sentence_end="2026-12-15"),
        referral("LATE", referral_date="2027-06-01"),
    ]
    _, members, unplaced, _ = _plan(
        tmp_path,
        config,
        refs,
        venues=[venue(available_slots=slots)],
        facs=[facilitator(available_slots=slots)],
    )
    assert len(members) == 3
    reason = unplaced["reason"]
    assert reason["ALONE"] == (
        "too few share their venue and half-days: at most 0 other SI-EM referral(s) can reach "
        "one venue of theirs on the same half-days, and a group needs 3"
    )
    assert reason["ENDS"] == (
        "the sentence ends on 2026-12-15, before any group starting this quarter could finish"
    )
    assert reason["LATE"] == "referred on 2027-06-01, after every group that could take them starts"
    assert unplaced["reason_code"].to_dict() == {
        "ALONE": "TOO_FEW_SHARE",
        "ENDS": "SENTENCE_ENDS",
        "LATE": "REFERRED_LATE",
    }
    ones = unplaced["alternative"].str.startswith("one-to-one delivery of SI-EM before")
    assert ones[ones].index.tolist() == ["ENDS"]


def test_too_few_who_could_join_is_the_reason_where_the_others_fit(tmp_path, config):
    """P0, P1 and ENDS share their slots and area, but ENDS's sentence ends first: two are
    too few for a group of at least three, and P0 and P1 are told so, not of other
    commitments they do not have, nor that too few share their half-days (three do)."""
    refs = [referral("P0"), referral("P1"), referral("ENDS", sentence_end="2026-12-15")]
    _, members, unplaced, _ = _plan(tmp_path, config, refs)
    assert members.empty
    for pid in ("P0", "P1"):
        assert unplaced.loc[pid, "reason"] == (
            "fewer than 3 could start with them in any SI-EM group that suits them: the others "
            "who share their venue and half-days are ruled out by their referral dates, sentence "
            "ends, other commitments or pre-group appointments"
        )
        assert unplaced.loc[pid, "reason_code"] == "TOO_FEW_TO_START"
    assert unplaced.loc["ENDS", "reason"].startswith("the sentence ends on 2026-12-15")


def test_whom_no_group_was_formed_for_are_told_what_would_help(tmp_path, config):
    """Four people free on Monday mornings and three on Tuesday mornings, at one venue. With
    the facilitator free only on Wednesdays, no group forms, and all seven are told a trained
    facilitator is lacking (not that too few share their half-days: they do). With the
    facilitator free and one set of half-days offered a venue, Monday's four form a group, and
    Tuesday's three are told the venue offers other half-days."""
    refs = [referral(f"M{k}", available_slots="Mon-AM") for k in range(4)] + [
        referral(f"T{k}", available_slots="Tue-AM") for k in range(3)
    ]
    (tmp_path / "staff").mkdir()
    _, members, unplaced, _ = _plan(
        tmp_path / "staff", config, refs, facs=[facilitator(available_slots="Wed-AM")]
    )
    assert members.empty and len(unplaced) == 7
    assert set(unplaced["reason_code"]) == {"TOO_FEW_FACILITATORS"}
    assert set(unplaced["reason"]) == {
        "too few trained facilitators: at most 0 trained for SI-EM within 90 minutes of the "
        "venue are free on the half-days they share with others, and a session needs 1"
    }
    one = config.model_copy(
        update={"groups": config.groups.model_copy(update={"patterns_per_venue": 1})}
    )
    (tmp_path / "offered").mkdir()
    _, members, unplaced, _ = _plan(tmp_path / "offered", one, refs)
    assert sorted(members["person_id"]) == ["M0", "M1", "M2", "M3"]
    assert set(unplaced["reason_code"]) == {"OTHER_HALF_DAYS"}
    assert unplaced["reason"].to_dict() == {
        f"T{k}": "the venues they can reach offer SI-EM only on the half-days most referrals "
        "there share (at most 1 a venue), and they are free on none of those"
        for k in range(3)
    }


def test_whom_a_group_could_take_are_told_why_none_did(tmp_path, config):
    """Groups of twelve sessions, the one facilitator free for one a week, so one group runs:
    with groups of three, whichever of four Monday people it leaves finds it full; W, a woman,
    would be its only woman; and of three on Mondays and three on Tuesdays, the three whose
    group does not run are told none that could take them runs."""
    mondays = [referral(f"M{k}", available_slots="Mon-AM") for k in range(3)]
    cases = {
        "full": (mondays + [referral("M3", available_slots="Mon-AM")], 3),
        "lone": (mondays + [referral("W", sex="F", available_slots="Mon-AM")], 12),
        "none": (mondays + [referral(f"T{k}", available_slots="Tue-AM") for k in range(3)], 12),
    }
    reasons, codes = {}, {}
    for name, (refs, most) in cases.items():
        (tmp_path / name).mkdir()
        _, members, unplaced, _ = _plan(
            tmp_path / name,
            config,
            refs,
            progs=[programme(sessions=12, max_group=most)],
            facs=[facilitator(max_sessions_per_week=1)],
        )
        assert len(members) == 3, name
        reasons[name] = unplaced["reason"].to_dict()
        codes[name] = set(unplaced["reason_code"])
    assert codes == {"full": {"GROUP_FULL"}, "lone": {"ONLY_WOMAN"}, "none": {"GROUPS_NOT_RUN"}}
    assert list(reasons["full"].values()) == ["G-SI-EM-001 full"]
    assert reasons["lone"] == {"W": "she would be the only woman in G-SI-EM-001"}
    assert len(reasons["none"]) == 3
    for why in reasons["none"].values():  # their candidate groups: one a start week
        assert why.startswith("none of the ") and why.endswith(
            "SI-EM group(s) that could take them runs: too few others to start one with, or "
            "their rooms and facilitators went to groups that start more"
        )


def test_women_only_group_where_numbers_allow(tmp_path, config):
    refs = [referral(f"W{k}", sex="F") for k in range(3)] + [referral(f"M{k}") for k in range(3)]
    groups, members, _, _ = _plan(
        tmp_path,
        config,
        refs,
        venues=[venue(women_only_space=True, rooms=2)],
        facs=[facilitator("F1"), facilitator("F2")],
    )
    assert len(members) == 6 and groups["women_only"].sum() == 1
    wo = groups.loc[groups["women_only"], "group_id"].iat[0]
    assert set(members.loc[members["group_id"] == wo, "person_id"]) == {"W0", "W1", "W2"}


def test_checker_catches_broken_plans(tmp_path, config):
    refs = (
        [referral("W1", sex="F")]
        + [referral(f"M{k}") for k in range(3)]
        + [referral("ENDS", sentence_end="2026-12-15")]
    )
    groups, members, _, ds = _plan(tmp_path, config, refs)
    times = TravelTimes(config.travel)
    gid = groups["group_id"].iat[0]
    broken = pd.concat(
        [
            members,
            pd.DataFrame(
                [
                    {"group_id": gid, "person_id": p, "travel_minutes": 5, "travel_reason": ""}
                    for p in ("W1", "ENDS")
                ]
            ),
        ]
    )
    problems = check_groups(ds, groups, broken, config, times)
    assert any("lone woman" in str(p) for p in problems) and any(
        "sentence end" in str(p) for p in problems
    )
    two = pd.concat([groups, groups.assign(group_id="G-COPY")])
    problems = check_groups(ds, two, members, config, times)
    assert any("double-booked" in str(p) for p in problems) and any(
        "rooms" in str(p) for p in problems
    )
    assert any("size" in str(p) for p in problems)  # the copy has no members
    untrained = groups.assign(facilitator_ids="F9")
    assert any(
        "facilitators" in str(p) for p in check_groups(ds, untrained, members, config, times)
    )
    no_space = groups.assign(
        women_only=True
    )  # the venue has no women-only space, and men are in it
    problems = check_groups(ds, no_space, members, config, times)
    assert any("no women-only space" in str(p) for p in problems) and any(
        "a man in a women-only group" in str(p) for p in problems
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_accessible_venue_when_needed(tmp_path, config, solver):
    refs = [referral(f"P{k}") for k in range(3)] + [referral("WHEELS", needs_accessible=True)]
    _, members, unplaced, _ = _plan(
        tmp_path, config, refs, venues=[venue(accessible=False)], solver=solver
    )
    assert (
        "WHEELS" in unplaced.index
        and "accessible" in unplaced.loc["WHEELS", "reason"]
        and len(members) == 3
    )


def test_groups_plan_command_end_to_end(tmp_path, shared):
    data, out = tmp_path / "data", tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "generate",
            "--out",
            str(data),
            "--scale",
            "pdu",
            "--region",
            "East Midlands",
            "--seed",
            "3",
            "--boundaries",
            str(shared / "data" / "boundaries"),
        ],
    )
    assert res.exit_code == 0, res.output
    args = [
        "groups",
        "plan",
        "--data",
        str(data),
        "--from",
        "2026-11-23",
        "--out",
        str(out),
        "--time-limit",
        "2",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "groups_summary.json").read_text())
    groups, members = pd.read_csv(out / "groups.csv"), pd.read_csv(out / "group_members.csv")
    unplaced = pd.read_csv(out / "unplaced.csv")
    new, running = groups[groups["status"] == "NEW"], groups[groups["status"] == "RUNNING"]
    assert summary["started"] == len(members) > 0 and summary["groups"] == len(new)
    assert summary["running_groups"] == len(running) > 0  # the generator writes running groups
    due = pd.read_csv(out / "group_reviews.csv")
    assert summary["reviews"]["due"] == len(due) > 0
    assert set(due["status"]) <= {"WAITING", "IN_GROUP", "ONE_TO_ONE", "NO_GROUP_FITS"}
    ones = pd.read_csv(out / "one_to_one.csv")
    assert summary["one_to_one"] == len(ones) > 0  # structured interventions no group took
    assert not set(ones["person_id"]) & (set(unplaced["person_id"]) | set(members["person_id"]))
    assert (
        len(members) + len(ones) + len(unplaced) == summary["referrals"]
        and unplaced["alternative"].notna().all()
    )
    assert summary["started"] >= summary["greedy"]["started"]
    # the default: all programmes together, people started proved against a bound, and each
    # member's pre-group appointment
    assert summary["solver"] == "mip" and summary["started_bound"] >= summary["started"]
    assert "proved: no plan starts more than" in res.output
    pre = pd.read_csv(out / "pre_group.csv")
    assert sorted(pre["person_id"]) == sorted(members["person_id"])
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "already stored" in again.output
    (data / "venues.csv").write_text("venue_id,pdu\nV,x\n")
    bad = runner.invoke(app, args + ["--force"])
    assert bad.exit_code == 2 and "venues.csv" in bad.output


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_session_on_a_bank_holiday(tmp_path, config, solver):
    """A weekly Monday group over Christmas: 28 December 2026 (substitute Boxing Day) and
    5 April 2027 (Easter Monday) are skipped, so the six sessions end a week later than six
    plain Mondays would; the checker recomputes the same dates."""
    from engine.groups.plan import session_dates

    holidays = frozenset(config.calendar.bank_holidays)
    assert session_dates(date(2026, 12, 21), (0,), 3, holidays) == [
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 11),
    ]
    refs = [referral(f"P{k}", available_slots="Mon-AM") for k in range(4)]
    cfg = config.model_copy(
        update={"groups": config.groups.model_copy(update={"horizon_weeks": 6})}
    )
    groups, members, unplaced, ds = _plan(
        tmp_path,
        cfg,
        refs,
        venues=[venue(available_slots="Mon-AM")],
        facs=[facilitator(available_slots="Mon-AM")],
        solver=solver,
    )
    g = groups.iloc[0]
    start, end = date.fromisoformat(g["start_date"]), date.fromisoformat(g["end_date"])
    dates = session_dates(start, (0,), 6, holidays)
    assert not set(dates) & holidays and end == dates[-1]
    assert start <= date(2026, 12, 28) <= end  # the earliest start runs over Christmas
    assert (end - start).days // 7 + 1 == 7  # six Mondays over seven weeks
    # a plan that ignored the holiday (ending a week earlier) is caught by the checker
    naive = groups.assign(end_date=session_dates(start, (0,), 6)[-1].isoformat())
    assert naive["end_date"].iat[0] != g["end_date"]
    assert any(
        "dates" in str(p) for p in check_groups(ds, naive, members, cfg, TravelTimes(cfg.travel))
    )


def test_solver_weights_come_from_the_config(tmp_path, config):
    """The groups model's weights are the config's [groups] numbers, not constants of the solver:
    a trip 20 minutes over the target costs 20 x over_target_per_minute more than one at it."""
    from solvers.groups import pair_value

    refs = [referral(p) for p in "ABCDEF"]
    write_groups(tmp_path, refs, [programme()], [venue()], [facilitator()])
    ds = load_groups(tmp_path)
    plans, _, _ = build_plans(ds, config, TravelTimes(config.travel), START)
    pr = plans[0].problem
    pr.pair_travel[:] = 80
    pr.pair_wait_days[:] = 0
    shipped = solver_params(config)
    cheap = config.model_copy(
        update={"groups": config.groups.model_copy(update={"over_target_per_minute": 0})}
    )
    assert shipped.over_target_per_minute == config.groups.over_target_per_minute == 20
    gap = pair_value(pr, solver_params(cheap)) - pair_value(pr, shipped)
    assert (gap == 20 * shipped.over_target_per_minute).all() and len(gap)


def test_a_shorter_time_limit_shortens_every_step_after_the_solve_too(config):
    """`--time-limit` (each programme's seconds) scales the deadline, and with it the booking's
    repair and the proof beside the rest as booked: a plan asked for in a third of the time
    does not still spend the shipped 10 s and 6 s after its solve. Without it, they are the
    config's."""
    g = config.groups
    shipped = solver_params(config)
    assert (shipped.rebook_seconds, shipped.booked_proof_seconds) == (
        g.rebook_seconds,
        g.booked_proof_seconds,
    )
    quick = solver_params(config, g.seconds_per_programme / 3)
    assert quick.deadline_seconds == pytest.approx(g.deadline_seconds / 3)
    assert quick.rebook_seconds == pytest.approx(g.rebook_seconds / 3)
    assert quick.booked_proof_seconds == pytest.approx(g.booked_proof_seconds / 3)


def test_the_runs_budget_counts_the_seconds_before_the_solve(config):
    """`groups.run_seconds` is the run's, from reading the folder: what building the quarter
    took comes off the quarter's seconds (scaled as the deadline is), and the solve's deadline
    is brought forward only where the rest would not leave the proof its own seconds after
    it. 0 (or no count of the seconds spent) leaves the quarter uncapped."""
    g = config.groups
    assert solver_params(config).quarter_seconds is None
    assert solver_params(config, spent=4.0).quarter_seconds == pytest.approx(g.run_seconds - 4)
    quick = solver_params(config, g.seconds_per_programme / 2, spent=1.0)
    assert quick.quarter_seconds == pytest.approx(g.run_seconds / 2 - 1)
    off = config.model_copy(update={"groups": g.model_copy(update={"run_seconds": 0.0})})
    assert solver_params(off, spent=4.0).quarter_seconds is None
    params = replace(solver_params(config), deadline_seconds=95.0, booked_proof_seconds=6.0)
    roomy, latest = _ends(replace(params, quarter_seconds=108.0), 10.0)
    assert roomy.deadline_seconds == 95.0 and latest == 118.0
    pressed, latest = _ends(replace(params, quarter_seconds=90.0), 10.0)
    assert pressed.deadline_seconds == 84.0 and latest == 100.0
    assert _ends(params, 10.0) == (params, float("inf"))


def test_the_next_group_is_offered_only_where_it_would_end_before_the_sentence(tmp_path, config):
    """One room on Monday mornings runs one 20-week group of four this quarter. Of the four it
    leaves out, LONG's sentence lets them join that group run again once it ends; SHORT's
    ends before such a run could finish, so they are not offered it (they once were, 'if the
    sentence allows')."""
    refs = [referral(f"P{k}", referral_date=f"2026-10-0{k + 1}") for k in range(4)] + [
        referral(pid, referral_date="2026-10-20", sentence_end=end)
        for pid, end in [
            ("LONG1", "2027-12-31"),
            ("LONG2", "2027-12-31"),
            ("SHORT1", "2027-06-30"),
            ("SHORT2", "2027-06-30"),
        ]
    ]
    refs = [{**r, "available_slots": "Mon-AM"} for r in refs]
    groups, members, unplaced, _ = _plan(
        tmp_path,
        config,
        refs,
        [programme(max_group=4, sessions=20)],
        facs=[facilitator("F1"), facilitator("F2")],
        solver="greedy",
    )
    assert set(members["person_id"]) == {"P0", "P1", "P2", "P3"} and len(groups) == 1
    end = groups["end_date"].iat[0]
    for pid in ("LONG1", "LONG2"):
        alt = unplaced.loc[pid, "alternative"]
        assert alt.startswith(f"the next SI-EM group at V1 (Mon-AM) after this one ends on {end}")
        assert alt.endswith("before the sentence ends on 2027-12-31")
    for pid in ("SHORT1", "SHORT2"):
        assert unplaced.loc[pid, "alternative"] == "one-to-one or remote delivery of SI-EM"
