"""`probation upw plan` / `replan` end to end on a generated PDU week: files, checker, store,
idempotent re-runs, and re-planning that changes nobody else."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.synthetic import SyntheticSpec, generate, write_dataset

WEEK = "2026-W48"


@pytest.fixture(scope="module")
def week_data(shared, tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("upw")
    spec = SyntheticSpec(
        scale="pdu",
        region="East Midlands",
        pdu="Rutland PDU",
        seed=9,
        run_date=date(2026, 11, 23),
        n_practitioners=10,
        n_new=5,
        n_upw_people=150,
        n_upw_placements=10,
    )
    return write_dataset(folder, *generate(shared / "data" / "boundaries", spec, config))


def test_plan_replan_and_rerun(week_data, tmp_path):
    """Four weeks ahead (the default): week 1 firm, the rest provisional. A re-plan keeps
    everyone else's firm week exactly and tells only the people whose session stood down."""
    r = CliRunner()
    out = tmp_path / "out"
    args = [
        "upw",
        "plan",
        "--data",
        str(week_data),
        "--week",
        WEEK,
        "--out",
        str(out),
        "--time-limit",
        "3",
    ]
    first = r.invoke(app, args)
    assert first.exit_code == 0, first.output
    sched = pd.read_csv(out / "upw_schedule.csv")
    assert list(sched.columns) == [
        "person_id",
        "placement_id",
        "date",
        "hours",
        "credited_hours",
        "travel_minutes",
        "supervised_travel_minutes",
        "travel_reason",
        "week",
        "firm",
    ]
    assert sorted(sched["week"].unique()) == ["2026-W48", "2026-W49", "2026-W50", "2026-W51"]
    assert set(sched[sched["firm"]]["week"]) == {WEEK}
    summary = json.loads((out / "upw_summary.json").read_text())
    assert summary["weeks"] == 4 and [h["firm"] for h in summary["horizon"]] == [1, 0, 0, 0]
    sched = sched[sched["firm"]]
    assert (
        len(sched) > 0
        and (out / "upw_unplaced.csv").exists()
        and (out / "upw_reviews.csv").exists()
    )
    summary = json.loads((out / "upw_summary.json").read_text())
    assert summary["placed"] >= 1 and "greedy" in summary
    assert (
        summary["credited_hours"] >= summary["greedy"]["credited_hours"] - 1e-6
        or summary["placed"] >= summary["greedy"]["placed"]
    )
    again = r.invoke(app, args)
    assert "already stored" in again.output
    # Cancel the busiest session: only its people change, and they are listed.
    busiest = sched.groupby(["placement_id", "date"]).size().idxmax()
    session = f"{busiest[0]}@{busiest[1]}"
    hit = set(
        sched[(sched["placement_id"] == busiest[0]) & (sched["date"] == busiest[1])]["person_id"]
    )
    re = r.invoke(
        app,
        [
            "upw",
            "replan",
            "--data",
            str(week_data),
            "--week",
            WEEK,
            "--out",
            str(out),
            "--cancel",
            session,
            "--time-limit",
            "3",
        ],
    )
    assert re.exit_code == 0, re.output
    after = pd.read_csv(out / "upw_schedule.csv")
    after = after[after["firm"]]
    assert not ((after["placement_id"] == busiest[0]) & (after["date"] == busiest[1])).any()
    key = ["person_id", "placement_id", "date"]
    others_before = (
        sched[~sched["person_id"].isin(hit)][key].sort_values(key).reset_index(drop=True)
    )
    others_after = after[~after["person_id"].isin(hit)][key].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(others_before, others_after)
    told = {t["person_id"] for t in json.loads((out / "upw_summary.json").read_text())["tell"]}
    assert told == hit and f"tell {len(hit)} people" in re.output


def test_replan_without_a_plan_is_a_clear_error(week_data, tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "upw",
            "replan",
            "--data",
            str(week_data),
            "--week",
            "2026-W50",
            "--out",
            str(tmp_path),
            "--cancel",
            "X@2026-12-07",
        ],
    )
    assert res.exit_code == 1 and "no stored plan for 2026-W50" in res.output


def test_a_stopped_week_is_never_reused_as_a_finished_one(week_data, tmp_path, config):
    """A week stopped early is stored (its best answer, checked) but the same week asked for
    again is planned afresh and replaces it; only then is it reused."""
    from dataclasses import replace

    from engine.core.lifecycle import RunOptions
    from engine.unpaid_work.pipeline import run_week
    from engine.unpaid_work.store import UpwStore
    from tests.builders import StopRequested

    opts = RunOptions(
        data=week_data, out=tmp_path / "out", period=WEEK, config=config, time_limit=2
    )
    stopped = run_week(replace(opts, observer=StopRequested())).summary
    assert stopped["stopped_early"] is True and stopped["reused"] is False
    again = run_week(opts).summary
    assert again["reused"] is False and again["stopped_early"] is False
    assert again["key"] == stopped["key"]
    stored = UpwStore(f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}").find(again["key"])
    assert stored is not None and json.loads(stored["summary_json"])["stopped_early"] is False
    assert run_week(opts).reused is True


def test_an_abandoned_week_plans_no_further_week_and_stores_nothing(week_data, tmp_path, config):
    """A signal without --keep-best: nothing of the run is kept, so its part plans no week
    more (not even the baseline) and the run ends; nothing is stored."""
    from engine.core.lifecycle import RunOptions
    from engine.core.progress import RunAbandoned
    from engine.unpaid_work.pipeline import run_week
    from tests.builders import Abandoned

    opts = RunOptions(
        data=week_data, out=tmp_path / "out", period=WEEK, config=config, observer=Abandoned()
    )
    with pytest.raises(RunAbandoned):
        run_week(opts)
    assert not list((tmp_path / "out").glob("*.csv"))
    with sqlite3.connect(tmp_path / "out" / "probation.sqlite") as conn:
        assert conn.execute("select count(*) from upw_weeks").fetchone() == (0,)


def test_a_held_week_is_refused_then_superseded_and_its_inputs_kept(week_data, tmp_path, config):
    """Each PDU's week is held by one stored plan: another plan of the same week (here another
    solver) is refused before solving, nothing written, unless forced; the inputs it was planned
    from are kept once."""
    from dataclasses import replace

    import pytest

    from engine.core.lifecycle import RunOptions
    from engine.store.db import RunConflict
    from engine.store.schema import input_tables, night_locks, upw_weeks
    from engine.unpaid_work.pipeline import run_week
    from engine.unpaid_work.store import UpwStore

    opts = RunOptions(
        data=week_data, out=tmp_path / "out", period=WEEK, config=config, solver="greedy"
    )
    first = run_week(opts).summary
    store = UpwStore(f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}")
    holders = store.night_holders(["Rutland PDU"], WEEK, "unpaid_work")
    assert holders == {"Rutland PDU": first["key"]}
    with pytest.raises(RunConflict, match=f"the {WEEK} week of Rutland PDU"):
        run_week(replace(opts, solver="mip", time_limit=2))
    assert store.count(upw_weeks) == 1
    second = run_week(replace(opts, solver="mip", time_limit=2, force=True)).summary
    assert store.night_holders(["Rutland PDU"], WEEK, "unpaid_work") == {
        "Rutland PDU": second["key"]
    }
    assert store.count(upw_weeks) == 2 and store.count(night_locks) == 1
    with store.engine.connect() as conn:
        names = sorted(r.name for r in conn.execute(input_tables.select()))
    assert names == ["upw_inductions", "upw_people", "upw_placements", "upw_supervisors"]


def test_a_week_read_back_from_the_store_writes_the_same_files(week_data, tmp_path, config):
    """The week exported again from the store (reused) writes every file byte for byte as when
    it was planned: the store's rows had come back in its key's order, progress summed the hours
    in that order (13.92 against 13.93 hours a week), and an induction's minutes read back
    beside a missing one as 8.0."""
    from dataclasses import replace

    from engine.core.lifecycle import RunOptions
    from engine.unpaid_work.pipeline import run_week

    first = tmp_path / "out"
    opts = RunOptions(data=week_data, out=first, period=WEEK, config=config, time_limit=2)
    made = run_week(opts)
    again = run_week(
        replace(opts, out=tmp_path / "again", db_url=f"sqlite:///{first / 'probation.sqlite'}")
    )
    assert again.reused is True and not made.reused
    files = sorted(p.name for p in first.glob("*.csv"))
    assert "upw_schedule.csv" in files and "upw_progress.csv" in files
    for name in files:
        assert (tmp_path / "again" / name).read_bytes() == (first / name).read_bytes(), name
