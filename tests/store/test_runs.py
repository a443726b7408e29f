"""The store on SQLite and on a real PostgreSQL server, through the same SQLAlchemy models and
alembic migrations: schema in step with the models, an old store upgraded with its data kept,
a night stored and re-run idempotently, two runs for the same PDU and night never both
committed (refused clearly, or superseded with --force), runs for different PDUs in parallel
processes not blocking each other, and a run killed half way leaving the store as it was."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from engine.allocation.pipeline import RunOptions, run_night
from engine.store.db import RunConflict, StoreError, normalise_url
from engine.store.migrate import current, head, upgrade
from engine.store.runs import Store
from engine.store.schema import decisions, input_snapshots, metadata, night_locks, runs
from tests.builders import PDUS, RUN_DATE, case, filler, practitioner, two_pdu_night, write_night


def _counts(url: str) -> tuple[int, int, int, int]:
    store = Store(url)
    return (
        store.count(runs),
        store.count(decisions),
        store.count(input_snapshots),
        store.count(night_locks),
    )


@pytest.mark.parametrize("interrupted", [True, False])
def test_a_signal_while_the_store_opens_is_the_users_stop(tmp_path, monkeypatch, interrupted):
    """SQLAlchemy wraps what a signal's handler raises inside a statement (StatementError,
    the interruption its `orig`): opening the store then ends the run as interrupted (exit
    128 + the signal), not as a database that cannot be opened; any other error there is
    still the database's."""
    from sqlalchemy.exc import StatementError

    import engine.store.runs as runs_module
    from engine.core.signals import RunInterrupted
    from engine.store.db import StoreError

    cause = RunInterrupted(signal.SIGTERM) if interrupted else ValueError("bad page")

    def failing(engine):
        raise StatementError("wrapped", 'PRAGMA main.index_list("runs")', None, cause)

    monkeypatch.setattr(runs_module, "upgrade", failing)
    url = f"sqlite:///{tmp_path / 'probation.sqlite'}"
    with pytest.raises(RunInterrupted if interrupted else StoreError) as caught:
        Store(url)
    if interrupted:
        assert caught.value is cause and caught.value.exit_code == 128 + signal.SIGTERM


def test_migrations_match_the_models(db_url):
    engine = create_engine(normalise_url(db_url))
    upgrade(engine)
    assert current(engine) == head()
    with engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diffs == [], f"the models and the migrations differ: {diffs}"
    upgrade(engine)  # at head already: nothing to do, nothing fails


def test_store_from_before_migrations_is_upgraded_with_its_data(db_url):
    """A database made by the old create_all (the baseline tables, no alembic_version) keeps
    its rows and gains the new tables."""
    from sqlalchemy import MetaData, Table

    engine = create_engine(normalise_url(db_url))
    later = {  # columns added by later migrations (0004, 0007, 0014)
        "decisions": {"allocation_due", "first_appointment_due", "move_reason"},
        "groups_groups": {"status", "sessions_left"},
        "groups_unplaced": {"reason_code"},
    }
    newer = (
        "night_locks",
        "input_tables",
        "upw_roster",
        "upw_unsupervised",
        "upw_induction_plan",
        "groups_reviews",
        "groups_one_to_one",
        "groups_pre_group",
        "groups_changes",
        "groups_tell",
        "groups_calendar",
        "upw_supervision",
        "groups_supervision",
    )
    old = MetaData()
    for name, t in metadata.tables.items():
        if name not in newer:
            cols = (c._copy() for c in t.columns if c.name not in later.get(name, set()))
            Table(name, old, *cols)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            input_snapshots.insert().values(
                inputs_hash="h",
                created_at=RUN_DATE,
                source="old",
                practitioners_csv_gz=b"",
                cases_csv_gz=b"",
            )
        )
        conn.execute(
            text(
                "INSERT INTO groups_unplaced (plan_key, person_id, programme, reason, alternative)"
                " VALUES ('k', 'P', 'TSP', 'why', 'what')"
            )
        )
    Store(db_url)
    assert current(engine) == head()
    assert inspect(engine).has_table("night_locks")
    with engine.connect() as conn:
        assert conn.execute(select(input_snapshots.c.source)).scalar_one() == "old"
        kept = conn.execute(text("SELECT reason, reason_code FROM groups_unplaced")).one()
        assert tuple(kept) == ("why", "")  # a plan stored before reason codes keeps its words


def test_night_stored_and_rerun_idempotently(db_url, tmp_path, config):
    data = write_night(
        tmp_path / "in",
        [practitioner("A"), practitioner("B")],
        [case("C1"), case("C2", rosh="HIGH", tier="B2")] + filler("A", 600),
    )
    opts = RunOptions(
        data=data,
        out=tmp_path / "out",
        config=config,
        db_url=db_url,
        period=RUN_DATE.isoformat(),
        progress=False,
    )
    first = run_night(opts)
    n = _counts(db_url)
    again = run_night(opts)
    assert again.reused and again.run_id == first.run_id
    assert _counts(db_url) == n
    stored, _ = Store(db_url).load_results(first.run_id)
    assert set(stored["case_id"]) == set(first.tables["decisions"]["case_id"])


def _first_pdu(data: Path, tmp_path: Path, config, db_url: str) -> RunOptions:
    """The night of the first PDU of `data`, stored in `db_url`."""
    return RunOptions(
        data=data,
        out=tmp_path / "out",
        config=config,
        db_url=db_url,
        period=RUN_DATE.isoformat(),
        pdu=PDUS[0],
        progress=False,
    )


def test_second_run_for_the_same_night_is_refused_then_superseded(db_url, tmp_path, config):
    data = two_pdu_night(tmp_path / "in")
    opts = _first_pdu(data, tmp_path, config, db_url)
    first = run_night(opts)
    before = _counts(db_url)
    with pytest.raises(
        RunConflict, match=rf"2026-11-23 night of {PDUS[0]} \(run {first.run_id[:12]}\).*--force"
    ):
        run_night(RunOptions(**{**opts.__dict__, "solver": "greedy"}))
    assert _counts(db_url) == before  # refused before solving: nothing written
    # The whole region covers the first PDU's night too: refused as well.
    with pytest.raises(RunConflict, match=PDUS[0]):
        run_night(RunOptions(**{**opts.__dict__, "pdu": None}))
    # The other PDU's night is free.
    other = run_night(RunOptions(**{**opts.__dict__, "pdu": PDUS[1]}))
    # --force supersedes: the night now belongs to the new run, the old one stays for audit.
    forced = run_night(RunOptions(**{**opts.__dict__, "solver": "greedy", "force": True}))
    assert Store(db_url).night_holders(PDUS, RUN_DATE.isoformat()) == {
        PDUS[0]: forced.run_id,
        PDUS[1]: other.run_id,
    }
    assert Store(db_url).find_run(first.run_id) is not None
    holds = {r["run_id"]: r["holds"] for r in Store(db_url).list_runs()}
    assert holds == {first.run_id: [], other.run_id: [PDUS[1]], forced.run_id: [PDUS[0]]}


def test_a_run_whose_own_rows_clash_is_not_told_another_process_committed_it(
    db_url, tmp_path, config
):
    """A run whose rows break a key of the store (the same case twice: before the groups'
    ids skipped running groups', a new group and a carried one shared an id) is refused as a
    store error naming the rule, not as a run another process committed; nothing is written."""
    data = two_pdu_night(tmp_path / "in")
    opts = _first_pdu(data, tmp_path, config, db_url)
    first = run_night(opts)
    store = Store(db_url)
    run = {**store.find_run(first.run_id), "run_id": "f" * 32}
    rows = first.tables["decisions"]
    before = _counts(db_url)
    with pytest.raises(StoreError, match="could not be stored, its rows breaking a rule"):
        store.save_run(run, pd.concat([rows, rows]), first.tables["workload"], pdus=[PDUS[1]])
    assert _counts(db_url) == before


def test_claim_is_refused_inside_the_commit(db_url, tmp_path, config):
    """The last line of defence: a run that passed the early check but finds the night taken when
    it writes is refused in the same transaction, and nothing of it is written."""
    data = two_pdu_night(tmp_path / "in", per_pdu=3)
    opts = _first_pdu(data, tmp_path, config, db_url)
    res = run_night(opts)
    store = Store(db_url)
    before = _counts(db_url)
    run = {**store.find_run(res.run_id), "run_id": "another-run", "solver": "greedy"}
    with pytest.raises(RunConflict, match="committed by another run"):
        store.save_run(run, res.tables["decisions"], res.tables["workload"], pdus=[PDUS[0]])
    assert _counts(db_url) == before


def _run_pdu(args: tuple) -> tuple[str, str, float, float]:
    """One process's night (spawned): returns what happened and when it ran. Both processes
    wait at `ready` first, so a slow start (the other core busy) is not read as one run
    blocking the other."""
    data, out, url, pdu, solver, day, ready = args

    from engine.core.config import load_config

    config = load_config()
    ready.wait(timeout=120)
    t0 = time.time()
    try:
        res = run_night(
            RunOptions(
                data=Path(data),
                out=Path(out),
                config=config,
                db_url=url,
                period=day,
                pdu=pdu,
                solver=solver,
                progress=False,
            )
        )
        return "committed", res.run_id, t0, time.time()
    except RunConflict as exc:
        return "refused", str(exc), t0, time.time()


@pytest.mark.slow  # an end-to-end run: make test, not the everyday loop
def test_concurrent_runs_different_pdus_both_commit_same_pdu_only_one(db_url, tmp_path):
    data = two_pdu_night(tmp_path / "in", per_pdu=30)
    Store(db_url)  # migrated once; the processes below only open it
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(2) as pool:
        ready = manager.Barrier(2)
        both = pool.map(
            _run_pdu,
            [
                (str(data), str(tmp_path / f"o{k}"), db_url, pdu, "cpsat", RUN_DATE.isoformat(),
                 ready)
                for k, pdu in enumerate(PDUS)
            ],
        )  # fmt: skip
    assert [b[0] for b in both] == ["committed", "committed"]
    (_, _, s0, e0), (_, _, s1, e1) = both
    assert max(s0, s1) < min(e0, e1), "the two PDUs' runs did not overlap: one blocked the other"
    holders = Store(db_url).night_holders(PDUS, RUN_DATE.isoformat())
    assert holders == {PDUS[0]: both[0][1], PDUS[1]: both[1][1]}

    # Two different runs (solvers) for the same PDU and night, at the same time: one commits.
    day2 = RUN_DATE.replace(day=24)
    with ctx.Manager() as manager, ctx.Pool(2) as pool:
        ready = manager.Barrier(2)
        same = pool.map(
            _run_pdu,
            [
                (str(data), str(tmp_path / f"s{k}"), db_url, PDUS[0], s, day2.isoformat(), ready)
                for k, s in enumerate(("cpsat", "greedy"))
            ],
        )
    outcomes = sorted(s[0] for s in same)
    assert outcomes == ["committed", "refused"], same
    refused = next(s for s in same if s[0] == "refused")
    assert "committed by another run" in refused[1] and PDUS[0] in refused[1]
    winner = next(s for s in same if s[0] == "committed")
    assert Store(db_url).night_holders([PDUS[0]], day2.isoformat()) == {PDUS[0]: winner[1]}


@pytest.mark.slow
def test_run_killed_half_way_leaves_the_store_as_it_was(db_url, tmp_path):
    """`probation allocate` killed (SIGKILL) at growing moments of its run: each time the store
    holds either nothing of it or all of it, never part."""
    data = two_pdu_night(tmp_path / "in", per_pdu=60)
    before = _counts(db_url)
    cmd = [
        sys.executable,
        "-m",
        "engine.cli",
        "allocate",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "out"),
        "--db",
        db_url,
        "--date",
        RUN_DATE.isoformat(),
        "--quiet",
    ]
    n_cases = sum(1 for _ in open(data / "cases.csv")) - 1
    complete = (before[0] + 1, before[1] + n_cases, before[2] + 1, before[3] + 2)
    killed_before_commit = 0
    for k in range(
        40
    ):  # kill ever later (from start-up, through the solve, to the commit) until one lands
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=os.environ | {"TMPDIR": str(tmp_path)},  # a killed run's folder stays here
        )
        try:
            proc.wait(1.0 + 0.3 * k)
            assert proc.returncode == 0
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its solver processes
            proc.wait()
        now = _counts(db_url)
        assert now in (before, complete), (
            f"killed after {1.0 + 0.3 * k:.1f}s: part of the run was stored: {now}"
        )
        if now == complete:
            break
        killed_before_commit += 1
    else:
        pytest.fail("the run never finished")
    assert killed_before_commit >= 1
