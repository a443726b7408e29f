"""The groups under way carried into the next plan (`probation groups running`): a group that
began before the day, with the sessions it held, and none that had not begun or had ended; a
postponed session, or one left for the team, not held; and the plan made from the file keeps
each group's end date."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.contract import DataContractError
from engine.groups.carry import running_on
from engine.groups.contract import load_groups
from tests.builders import facilitator, programme, referral, venue, write_groups
from tests.groups.test_replan import START, _group, _running_row, _stored

CUT = date(2026, 12, 28)  # three Mondays after G1's first session of 7 December


def _tables(config, changes=()):
    stored = _stored(
        [
            _group("G1", "ABC", config=config),
            _group("G2", "DEF", start="2027-01-04", config=config),
        ]
    )
    # R1 was running when the quarter was planned: 2 sessions left from 23 November
    stored["groups"] = pd.concat(
        [stored["groups"], pd.DataFrame([_running_row("2026-10-05", "2026-11-30", 2)])]
    )
    stored["changes"] = pd.DataFrame(list(changes), columns=stored["changes"].columns)
    return stored


def _change(day, action, new_date, slot="Mon-AM"):
    return {
        "item": "G1",
        "kind": "group",
        "programme": "SI-EM",
        "date": day,
        "slot": slot,
        "venue_id": "V1",
        "facilitator_ids": "F1",
        "action": action,
        "new_date": new_date,
        "new_slot": slot,
        "new_venue_id": "V1",
        "new_facilitator_ids": "F2" if action == "COVER" else "F1",
        "people_affected": 3,
        "reason": "F1 off",
    }


@pytest.fixture
def folder(tmp_path):
    refs = [referral(p, available_slots="Mon-AM") for p in "ABCDEF"]
    running = [{"group_id": "R1", "programme": "SI-EM", "venue_id": "V1", "slots": "Mon-AM",
                "start_date": "2026-10-05", "facilitator_ids": "F1", "person_ids": "X;Y;Z",
                "sessions_done": 4}]  # fmt: skip
    facs = [facilitator("F1"), facilitator("F2")]
    return write_groups(tmp_path, refs, [programme()], [venue()], facs, running)


def test_a_group_under_way_is_carried_with_the_sessions_it_held(folder, config):
    """G1 (7 December on) held 3 sessions before the 28th: carried with its members, venue
    and facilitator; G2 begins after it and R1 ended before it: neither carried."""
    got = running_on(load_groups(folder), _tables(config), START, CUT, config)
    assert got.running.to_dict("records") == [
        {
            "group_id": "G1",
            "programme": "SI-EM",
            "venue_id": "V1",
            "slots": "Mon-AM",
            "start_date": "2026-12-07",
            "facilitator_ids": "F1",
            "person_ids": "A;B;C",
            "sessions_done": 3,
            "women_only": False,
            "one_to_one": False,
        }
    ]
    assert got.changed_later == []
    women = _tables(config)
    women["groups"].loc[women["groups"]["group_id"] == "G1", "women_only"] = True
    got = running_on(load_groups(folder), women, START, CUT, config)
    assert got.running["women_only"].tolist() == [True]  # and the next plan keeps it so


def test_a_one_to_one_under_way_is_carried_as_one(folder, config):
    """F's SI-EM one-to-one (Tuesday mornings from 8 December, with F2) held 3 sessions before
    the 28th: carried with one person and one facilitator, marked a one-to-one, so the next
    plan holds its room and facilitator and does not plan F again; the contract refuses a
    one-to-one row naming two people."""
    tables = _tables(config)
    tables["one_to_one"] = pd.DataFrame(
        [["F", "SI-EM", "V1", "Tue-AM", "2026-12-08", "2027-01-19", 6, "F2", 5]],
        columns=tables["one_to_one"].columns,
    )
    got = running_on(load_groups(folder), tables, START, CUT, config).running
    one = got[got["one_to_one"]].to_dict("records")
    assert one == [
        {
            "group_id": "one-to-one/F",
            "programme": "SI-EM",
            "venue_id": "V1",
            "slots": "Tue-AM",
            "start_date": "2026-12-08",
            "facilitator_ids": "F2",
            "person_ids": "F",
            "sessions_done": 3,
            "women_only": False,
            "one_to_one": True,
        }
    ]
    got.loc[got["one_to_one"], "person_ids"] = "F;X9"
    got.to_csv(folder / "groups_running.csv", index=False)
    with pytest.raises(DataContractError, match="a one-to-one has one person and one"):
        load_groups(folder)


def test_a_session_postponed_or_left_for_the_team_is_not_held(folder, config):
    """G1's 14 December session postponed past the day, its 21st left for the team: one of
    the three held; a cover on 4 January (after the day) is named as not carried, the
    postponement is not (the count carries it)."""
    changes = [
        _change("2026-12-14", "POSTPONE", "2027-01-18"),
        _change("2026-12-21", "UNRESOLVED", "2026-12-21"),
        _change("2027-01-04", "COVER", "2027-01-04"),
    ]
    got = running_on(load_groups(folder), _tables(config, changes), START, CUT, config)
    assert got.running["sessions_done"].tolist() == [1]
    assert got.changed_later == ["G1"]
    only_postponed = running_on(
        load_groups(folder), _tables(config, changes[:1]), START, CUT, config
    )
    assert only_postponed.changed_later == []


def test_the_next_plan_from_the_file_keeps_each_groups_end(tmp_path, monkeypatch):
    """Plan the quarter, carry the groups under way on 28 December into a copy of the folder,
    plan again from that day: each carried group is RUNNING there, ends as it did, and its
    members are not planned again. The command refuses a day not after the quarter's first,
    a store without the plan and a folder the plan was not made from, each in a sentence."""
    monkeypatch.setenv("COLUMNS", "1000")  # error boxes as wide as the message
    refs = [referral(f"P{k}", available_slots="Mon-AM") for k in range(6)]
    refs += [referral(f"T{k}", available_slots="Tue-AM") for k in range(2)]  # one-to-ones
    (tmp_path / "q1").mkdir()
    facs = [facilitator("F1"), facilitator("F2")]
    first = write_groups(tmp_path / "q1", refs, [programme()], [venue(rooms=2)], facs)
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}"

    def cli(*args):
        res = CliRunner().invoke(app, ["groups", *args])
        res.said = " ".join(res.output.split())
        return res

    common = ["--out", str(out), "--quiet", "--solver", "greedy"]
    assert cli("plan", "--data", str(first), "--from", "2026-11-23", *common).exit_code == 0
    planned = pd.read_csv(out / "groups.csv")
    assert len(planned) == 1 and planned["start_date"].iat[0] == "2026-12-07"
    members = set(pd.read_csv(out / "group_members.csv")["person_id"])
    nxt = tmp_path / "q2"
    shutil.copytree(first, nxt)
    carry = ["--data", str(first), "--from", "2026-11-23", "--db", db]
    res = cli("running", *carry, "--on", "2026-12-28", "--out", str(nxt / "groups_running.csv"))
    assert res.exit_code == 0, res.output
    ones = pd.read_csv(out / "one_to_one.csv")
    begun = ones[ones["start_date"] < "2026-12-28"]
    assert len(begun) == 2  # T0 and T1, on Tuesdays
    assert f"1 group(s) ({len(members)} members) and {len(begun)} one-to-one(s)" in res.said
    carried = pd.read_csv(nxt / "groups_running.csv")
    group = carried[~carried["one_to_one"]]
    assert group["sessions_done"].tolist() == [3]
    assert set(group["person_ids"].iat[0].split(";")) == members
    assert sorted(carried.loc[carried["one_to_one"], "person_ids"]) == sorted(begun["person_id"])
    members |= set(begun["person_id"])  # none of them planned again either
    # four referred since, free on Tuesdays: a new group, never given the carried one's id
    new = [
        referral(f"N{k}", available_slots="Tue-AM", referral_date="2026-12-01") for k in range(4)
    ]
    pd.DataFrame(refs + new).to_csv(nxt / "referrals.csv", index=False)
    again = tmp_path / "out2"
    res = cli("plan", "--data", str(nxt), "--from", "2026-12-28", "--out", str(again), "--quiet")
    assert res.exit_code == 0, res.output
    now = pd.read_csv(again / "groups.csv")
    ended = {
        planned["group_id"].iat[0]: planned["end_date"].iat[0],
        **{f"one-to-one/{p}": e for p, e in zip(begun["person_id"], begun["end_date"])},
    }
    pinned = now[now["status"] == "RUNNING"]
    assert dict(zip(pinned["group_id"], pinned["end_date"])) == ended  # each ends as it did
    assert (now["status"] == "NEW").sum() == 1 and now["group_id"].is_unique
    for table in ("group_members", "unplaced", "one_to_one"):
        assert not members & set(pd.read_csv(again / f"{table}.csv")["person_id"]), table

    res = cli("running", *carry, "--on", "2026-11-20", "--out", str(tmp_path / "x.csv"))
    assert res.exit_code == 1 and "is not after the quarter's first Monday" in res.said
    res = cli(
        "running", "--data", str(first), "--from", "2026-11-23", "--on", "2026-12-28",
        "--db", f"sqlite:///{tmp_path / 'none.sqlite'}", "--out", str(tmp_path / "x.csv"),
    )  # fmt: skip
    assert res.exit_code == 1 and "no store at" in res.said
    res = cli("running", *carry[:1], str(nxt), *carry[2:], "--on", "2026-12-28", "--out",
              str(tmp_path / "x.csv"))  # fmt: skip
    assert res.exit_code == 1 and "is not the one the stored plan" in res.said
    assert not (tmp_path / "x.csv").exists() and "Traceback" not in res.output
    res = cli("running", *carry, "--on", "2026-12-28", "--out", str(tmp_path))
    assert res.exit_code == 2 and "is a folder: give a file" in res.said
