"""The nightly batch end to end on generated data: files, store, idempotency, continuity,
the solver against the greedy baseline, and the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.allocation.check import check_files
from engine.allocation.pipeline import RunOptions, run_night
from engine.cli import app
from engine.store.runs import Store
from engine.store.schema import decisions, runs


@pytest.fixture(scope="module")
def first_run(tight_pdu, tmp_path_factory, config):
    out = tmp_path_factory.mktemp("out")
    db = f"sqlite:///{out / 'store.sqlite'}"
    return run_night(
        RunOptions(data=tight_pdu, out=out, config=config, db_url=db, progress=False)
    ), db


def test_files_and_summary(first_run, tight_pdu, config):
    res, _ = first_run
    out = res.out_dir
    alloc = pd.read_csv(out / "allocations.csv")
    assert list(alloc.columns[:5]) == [
        "case_id",
        "practitioner_id",
        "status",
        "reason",
        "travel_minutes",
    ]
    assert set(alloc["status"]) <= {"KEPT", "NEW", "MOVED", "UNALLOCATED"}
    wl = pd.read_csv(out / "workload.csv")
    assert list(wl.columns[:4]) == ["practitioner_id", "points", "available_points", "utilisation"]
    s = json.loads((out / "summary.json").read_text())
    for key in (
        "counts",
        "max_utilisation",
        "mean_utilisation",
        "std_utilisation",
        "bound",
        "gap",
        "seconds",
        "greedy",
    ):
        assert key in s
    assert s["run_date"] == "2026-11-23"  # from the manifest
    assert s["gap"] is not None and s["gap"] >= 0
    assert (
        s["counts"]["NEW"] + s["counts"]["MOVED"] + s["counts"]["UNALLOCATED"] == s["to_allocate"]
    )
    assert all(isinstance(r, str) and r for r in alloc["reason"])
    assert check_files(tight_pdu, out / "allocations.csv", config).ok


def test_solver_never_worse_than_greedy_on_tight_night(first_run):
    s = first_run[0].summary
    g = s["greedy"]
    assert s["greedy"]["unallocated"] > 0, "the instance should be tight"
    assert s["unallocated"] <= g["unallocated"]
    assert s["max_utilisation"] <= g["max_utilisation"] + 1e-9


def test_rerun_same_night_is_idempotent(first_run, tight_pdu, config):
    res, db = first_run
    store = Store(db)
    n_runs, n_dec = store.count(runs), store.count(decisions)
    again = run_night(
        RunOptions(data=tight_pdu, out=res.out_dir, config=config, db_url=db, progress=False)
    )
    assert again.reused and again.run_id == res.run_id
    assert (store.count(runs), store.count(decisions)) == (n_runs, n_dec)
    cols = ["case_id", "practitioner_id", "status"]
    pd.testing.assert_frame_equal(
        again.tables["decisions"][cols].reset_index(drop=True),
        res.tables["decisions"][cols].reset_index(drop=True),
        check_dtype=False,
    )
    forced = run_night(
        RunOptions(
            data=tight_pdu, out=res.out_dir, config=config, db_url=db, progress=False, force=True
        )
    )
    assert not forced.reused and (store.count(runs), store.count(decisions)) == (n_runs, n_dec)


def test_next_night_keeps_everyone(first_run, tight_pdu, tmp_path, config):
    """Feed tonight's allocations back as tomorrow's caseload: nothing moves, nothing is new."""
    res, _ = first_run
    cases = pd.read_csv(tight_pdu / "cases.csv", dtype=str, keep_default_na=False)
    got = res.tables["decisions"].set_index("case_id")["practitioner_id"]
    allocated = got.dropna()
    cases["current_practitioner_id"] = (
        cases["case_id"].map(allocated).fillna(cases["current_practitioner_id"])
    )
    cases = cases[cases["case_id"].isin(allocated.index)]
    folder = tmp_path / "tomorrow"
    folder.mkdir()
    cases.to_csv(folder / "cases.csv", index=False)
    (folder / "practitioners.csv").write_bytes((tight_pdu / "practitioners.csv").read_bytes())
    nxt = run_night(
        RunOptions(
            data=folder,
            out=tmp_path / "o",
            config=config,
            period="2026-11-24",
            progress=False,
        )
    )
    assert nxt.summary["counts"] == {
        "KEPT": len(cases),
        "NEW": 0,
        "MOVED": 0,
        "UNALLOCATED": 0,
        "FUTURE": 0,
    }


def test_moves_are_reported(first_run):
    dec = first_run[0].tables["decisions"]
    moved = dec[dec["status"] == "MOVED"]
    for _, r in moved.iterrows():
        assert (
            r["previous_practitioner_id"] and r["previous_practitioner_id"] != r["practitioner_id"]
        )
        assert r["reason"].startswith("reallocation:")


@pytest.mark.parametrize("solver", ["greedy", "greedy-grade-first", "random-eligible"])
def test_registry_solvers_pass_the_checker(tight_pdu, tmp_path, config, solver):
    res = run_night(
        RunOptions(data=tight_pdu, out=tmp_path, config=config, solver=solver, progress=False)
    )
    assert check_files(tight_pdu, tmp_path / "allocations.csv", config).ok
    assert res.summary["status"] == "HEURISTIC" and res.summary["solver"] == solver


def test_random_eligible_balances_worse_than_cpsat(tight_pdu, tmp_path, config):
    rand = run_night(
        RunOptions(
            data=tight_pdu,
            out=tmp_path / "r",
            config=config,
            solver="random-eligible",
            progress=False,
        )
    )
    cp = run_night(
        RunOptions(
            data=tight_pdu, out=tmp_path / "c", config=config, solver="cpsat", progress=False
        )
    )
    assert cp.summary["unallocated"] <= rand.summary["unallocated"]
    assert cp.summary["std_utilisation"] < rand.summary["std_utilisation"]


def test_cli_generate_and_allocate(shared, tmp_path):
    r = CliRunner()
    data, out = tmp_path / "d", tmp_path / "o"
    g = r.invoke(
        app,
        [
            "generate",
            "--scale",
            "pdu",
            "--region",
            "Wales",
            "--seed",
            "5",
            "--date",
            "2026-11-23",
            "--practitioners",
            "25",
            "--new-cases",
            "20",
            "--out",
            str(data),
            "--boundaries",
            str(shared / "data" / "boundaries"),
        ],
    )
    assert g.exit_code == 0, g.output
    a = r.invoke(app, ["allocate", "--data", str(data), "--out", str(out), "--quiet"])
    assert a.exit_code == 0, a.output
    assert "utilisation" in a.output and (out / "allocations.csv").exists()
    again = r.invoke(app, ["allocate", "--data", str(data), "--out", str(out), "--quiet"])
    assert "already stored" in again.output
    listed = r.invoke(app, ["runs", "--db", f"sqlite:///{out / 'probation.sqlite'}"])
    assert (
        listed.exit_code == 0
        and "2026-11-23" in listed.output
        and "holds the night of 1 PDU(s)" in listed.output
    )


def test_cli_reports_bad_input(tmp_path):
    (tmp_path / "practitioners.csv").write_text("practitioner_id\nA\n")
    (tmp_path / "cases.csv").write_text("case_id\nC1\n")
    a = CliRunner().invoke(
        app, ["allocate", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--quiet"]
    )
    assert a.exit_code == 2
    assert "practitioners.csv" in a.output and "required column is missing" in a.output
    assert not (tmp_path / "o").exists()


def test_second_commit_of_the_same_run_is_refused_and_writes_nothing(first_run):
    """Two processes running the same PDU and night: the one that commits second is refused
    clearly, and the stored run is the first one, whole."""
    from engine.store.db import RunConflict
    from engine.store.runs import Store

    outcome, db = first_run
    store = Store(db)
    run = dict(store.find_run(outcome.run_id))
    before = store.load_results(outcome.run_id)
    with pytest.raises(RunConflict, match="committed by another process"):
        store.save_run(
            run,
            outcome.tables["decisions"].assign(practitioner_id="X"),
            outcome.tables["workload"],
        )
    after = store.load_results(outcome.run_id)
    assert after[0].equals(before[0]) and after[1].equals(before[1])
