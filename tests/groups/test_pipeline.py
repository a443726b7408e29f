"""`probation groups plan` through the lifecycle: a plan stopped early is never reused."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd

from engine.core.lifecycle import RunOptions
from engine.groups.export import FILES
from engine.groups.pipeline import run_groups
from engine.groups.store import GroupsStore
from engine.synthetic import SyntheticSpec, generate, write_dataset
from tests.builders import Abandoned, StopRequested


def test_a_stopped_plan_is_never_reused_as_a_finished_one(tmp_path, shared, config):
    spec = SyntheticSpec(
        scale="pdu", region="East Midlands", seed=3, n_practitioners=10, n_new=5, n_referrals=60
    )
    data = write_dataset(tmp_path / "data", *generate(shared / "data" / "boundaries", spec, config))
    opts = RunOptions(
        data=data, out=tmp_path / "out", period="2026-11-23", config=config, time_limit=2
    )
    stopped = run_groups(replace(opts, observer=StopRequested())).summary
    assert stopped["stopped_early"] is True and stopped["reused"] is False
    again = run_groups(opts).summary
    assert again["reused"] is False and again["stopped_early"] is False
    assert again["key"] == stopped["key"]
    stored = GroupsStore(f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}").find(again["key"])
    assert stored is not None and json.loads(stored["summary_json"])["stopped_early"] is False
    assert run_groups(opts).reused is True


def test_a_held_quarter_is_refused_then_superseded(tmp_path, shared, config):
    """Each PDU's quarter is held by one stored plan, as a night is: another plan from the same
    Monday is refused before solving unless forced; the four input tables are kept once. A
    Wednesday start plans from the next Monday, and that Monday is what the plan holds."""
    import pandas as pd
    import pytest

    from engine.store.db import RunConflict
    from engine.store.schema import groups_plans, input_tables

    spec = SyntheticSpec(
        scale="pdu", region="East Midlands", seed=3, n_practitioners=10, n_new=5, n_referrals=40
    )
    data = write_dataset(tmp_path / "data", *generate(shared / "data" / "boundaries", spec, config))
    opts = RunOptions(
        data=data, out=tmp_path / "out", period="2026-11-25", config=config, solver="greedy"
    )
    first = run_groups(opts).summary
    store = GroupsStore(f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}")
    pdus = sorted(set(pd.read_csv(data / "referrals.csv")["pdu"]))
    assert pdus and set(store.night_holders(pdus, "2026-11-30", "groups").values()) == {
        first["key"]
    }
    with pytest.raises(RunConflict, match="the 2026-11-30 quarter of"):
        run_groups(replace(opts, time_limit=1, solver="cpsat"))
    assert store.count(groups_plans) == 1
    second = run_groups(replace(opts, time_limit=1, solver="cpsat", force=True)).summary
    assert set(store.night_holders(pdus, "2026-11-30", "groups").values()) == {second["key"]}
    with store.engine.connect() as conn:
        names = sorted(r.name for r in conn.execute(input_tables.select()))
    assert names == ["facilitators", "groups_running", "programmes", "referrals", "venues"]


def test_an_abandoned_quarter_books_nothing_and_plans_no_baseline(
    tmp_path, shared, config, monkeypatch
):
    """A signal without --keep-best: nothing of the run is kept, so once its searches stop the
    quarter neither books pre-group appointments nor plans its baseline; the run ends."""
    import pytest

    import engine.groups.pipeline as pipeline
    from engine.core.progress import RunAbandoned

    def booked(*args, **kw):
        raise AssertionError("an abandoned quarter was booked")

    monkeypatch.setattr(pipeline, "book_best", booked)
    spec = SyntheticSpec(
        scale="pdu", region="East Midlands", seed=3, n_practitioners=10, n_new=5, n_referrals=60
    )
    data = write_dataset(tmp_path / "data", *generate(shared / "data" / "boundaries", spec, config))
    opts = RunOptions(
        data=data, out=tmp_path / "out", period="2026-11-23", config=config, observer=Abandoned()
    )
    with pytest.raises(RunAbandoned):
        run_groups(opts)


def test_the_unplaced_are_counted_by_reason_and_keep_their_code_when_re_exported(
    tmp_path, shared, config
):
    """Every unplaced row carries a reason code; the summary counts them overall and per
    programme, the most first. The plan exported again from the store writes the same files,
    byte for byte (the store's rows had come back in its key's order)."""
    spec = SyntheticSpec(
        scale="pdu", region="East Midlands", seed=5, n_practitioners=10, n_new=5, n_referrals=60
    )
    data = write_dataset(tmp_path / "data", *generate(shared / "data" / "boundaries", spec, config))
    opts = RunOptions(
        data=data, out=tmp_path / "out", period="2026-11-23", config=config, time_limit=2
    )
    summary = run_groups(opts).summary
    unplaced = pd.read_csv(tmp_path / "out" / "unplaced.csv")
    assert len(unplaced) == summary["unplaced"] > 0
    assert unplaced["reason_code"].str.fullmatch(r"[A-Z_;]+").all()
    counts = summary["unplaced_by_reason"]
    assert counts == unplaced["reason_code"].value_counts().to_dict()
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    for p in summary["programmes"]:
        mine = unplaced[unplaced["programme"] == p["programme"]]
        assert p["unplaced_by_reason"] == mine["reason_code"].value_counts().to_dict()
    again = run_groups(replace(opts, out=tmp_path / "again", db_url=_url(tmp_path / "out")))
    assert again.reused is True
    weeks = pd.read_csv(tmp_path / "out" / "facilitator_weeks.csv")
    assert (weeks["sessions"] <= weeks["most"]).all() and weeks["sessions"].sum() > 0
    assert summary["facilitators"]["sessions_spare"] > 0
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()


def _url(out):
    return f"sqlite:///{out / 'probation.sqlite'}"


def test_the_plan_says_why_the_unplaced_start_no_group_most_first(tmp_path, monkeypatch):
    """Three make a Monday group; two more come only on Wednesdays (too few to share them) and
    one on Tuesdays: the CLI counts the reasons, the most first, as unplaced.csv codes them."""
    from typer.testing import CliRunner

    from engine.cli import app
    from tests.builders import facilitator, programme, referral, venue, write_groups

    monkeypatch.setenv("COLUMNS", "1000")
    refs = [referral(f"M{k}", available_slots="Mon-AM") for k in range(3)]
    refs += [referral(f"W{k}", available_slots="Wed-AM") for k in range(2)]
    refs += [referral("T0", available_slots="Tue-AM")]
    slots = "Mon-AM;Tue-AM;Wed-AM"
    (tmp_path / "data").mkdir()
    write_groups(
        tmp_path / "data",
        refs,
        [programme(kind="ACCREDITED")],  # not delivered one-to-one instead
        [venue(available_slots=slots)],
        [facilitator(available_slots=slots)],
    )
    res = CliRunner().invoke(
        app,
        ["groups", "plan", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out")]
        + ["--from", "2026-11-23", "--quiet"],
    )
    assert res.exit_code == 0, res.output
    assert "why the unplaced start no group: 3 too few share (unplaced.csv, reason_code)" in (
        " ".join(res.output.split())
    )
    unplaced = pd.read_csv(tmp_path / "out" / "unplaced.csv")
    assert dict(zip(unplaced["person_id"], unplaced["reason_code"])) == {
        "T0": "TOO_FEW_SHARE",
        "W0": "TOO_FEW_SHARE",
        "W1": "TOO_FEW_SHARE",
    }
