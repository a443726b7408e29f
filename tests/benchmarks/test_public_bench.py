"""`probation bench gap|pmedcap`: every solver on the same instance in one process, answers
checked independently, JSON lines with the documented keys, failures reported as failures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmarks.highs import solve_gap_highs
from benchmarks.instances.gap_instances import GapInstance, gap_cost, read_gap
from engine.cli import app

pytestmark = pytest.mark.slow  # public instances

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_bench_gap_json_all_solvers():
    files = [str(SHARED / "gap" / n) for n in ("gap1-0", "gap2-3")]
    res = CliRunner().invoke(
        app,
        [
            "bench",
            "gap",
            *files,
            "--optima",
            str(SHARED / "gap" / "optima.csv"),
            "--time-limit",
            "5",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = _json_lines(res.output)
    assert {(r["instance"], r["solver"]) for r in rows} == {
        (i, s) for i in ("gap1-0", "gap2-3") for s in ("cpsat", "highs", "greedy")
    }
    for r in rows:
        assert {"instance", "solver", "objective", "bound", "seconds", "gap_percent"} <= set(r)
        assert r["objective"] >= r["optimum"]
        if r["solver"] != "greedy":
            assert r["gap_percent"] == 0.0 and r["status"] == "OPTIMAL"


def test_bench_pmedcap_one_solver_text():
    res = CliRunner().invoke(
        app,
        [
            "bench",
            "pmedcap",
            str(SHARED / "pmedcap" / "pmedcap1-01.txt"),
            "--solver",
            "highs",
            "--time-limit",
            "20",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (
        "pmedcap1-01" in res.output and "highs" in res.output and "to optimum 0.000%" in res.output
    )
    bad = CliRunner().invoke(
        app, ["bench", "pmedcap", str(SHARED / "pmedcap" / "pmedcap1-01.txt"), "--solver", "nope"]
    )
    assert bad.exit_code != 0


def test_gap_checker_and_infeasible_instance_reported():
    inst = read_gap(SHARED / "gap" / "gap1-0")
    res = solve_gap_highs(inst.cost, inst.weight, inst.capacity, 5)
    assert gap_cost(inst, res.agent_of_item) == 261
    crowded = np.zeros_like(res.agent_of_item)  # every job on agent 0: over capacity
    with pytest.raises(ValueError, match="over capacity"):
        gap_cost(inst, crowded)
    # two jobs of weight 2, one agent of capacity 3: no answer exists, and none is claimed
    tiny = GapInstance("tiny", np.array([[1, 1]]), np.array([[2, 2]]), np.array([3]))
    res = solve_gap_highs(tiny.cost, tiny.weight, tiny.capacity, 5)
    assert res.stats.objective is None and (res.agent_of_item < 0).all()


def test_bench_names_a_missing_file_and_takes_a_folder(tmp_path, monkeypatch):
    # a short relative path: typer's error panel wraps at 80 columns, inside a long tmp path
    monkeypatch.chdir(tmp_path)
    missing = CliRunner().invoke(app, ["bench", "gap", "gap9-9", "--solver", "greedy"])
    assert (
        missing.exit_code == 2 and "no such file" in missing.output and "gap9-9" in missing.output
    )
    (tmp_path / "gap1-0").write_text((SHARED / "gap" / "gap1-0").read_text())
    (tmp_path / "optima.csv").write_text("Path,Optimum\n")
    (tmp_path / "LICENSE").write_text("not an instance\n")
    res = CliRunner().invoke(app, ["bench", "gap", str(tmp_path), "--solver", "greedy", "--json"])
    assert res.exit_code == 0, res.output
    assert [r["instance"] for r in _json_lines(res.output)] == ["gap1-0"]
    empty = tmp_path / "empty"
    empty.mkdir()
    none = CliRunner().invoke(app, ["bench", "pmedcap", str(empty)])
    assert none.exit_code == 2 and "no instance files" in none.output


def test_generated_gap_instances_follow_the_recipe_and_run_through_the_bench(tmp_path):
    from benchmarks.instances.gap_instances import generate_gap

    c, d, e = (generate_gap(t, 5, 30, 7) for t in "CDE")
    assert (
        c.weight.min() >= 5 and c.weight.max() <= 25 and c.cost.min() >= 10 and c.cost.max() <= 50
    )
    assert ((111 - d.weight - d.cost) >= -10).all() and (
        (111 - d.weight - d.cost) <= 10
    ).all()  # cost falls as weight rises
    assert (e.weight >= 1).all() and (e.cost >= 0).all()
    for inst in (c, d, e):
        assert (inst.capacity == np.floor(0.8 * inst.weight.sum(axis=1) / 5)).all()
    assert (generate_gap("D", 5, 30, 7).cost == d.cost).all() and not (
        generate_gap("D", 5, 30, 8).cost == d.cost
    ).all()
    with pytest.raises(ValueError, match="type must be one of C, D, E"):
        generate_gap("F", 5, 30, 7)

    made = CliRunner().invoke(
        app,
        [
            "bench",
            "make-gap",
            "--out",
            str(tmp_path),
            "--type",
            "d",
            "--agents",
            "5",
            "--jobs",
            "30",
            "--count",
            "2",
            "--seed",
            "7",
        ],
    )
    assert made.exit_code == 0, made.output
    back = read_gap(tmp_path / "d0530-s7")
    assert (
        (back.cost == d.cost).all()
        and (back.weight == d.weight).all()
        and (back.capacity == d.capacity).all()
    )
    res = CliRunner().invoke(
        app, ["bench", "gap", str(tmp_path), "--solver", "cpsat", "--time-limit", "5", "--json"]
    )
    assert res.exit_code == 0, res.output
    rows = _json_lines(res.output)
    assert [r["instance"] for r in rows] == ["d0530-s7", "d0530-s8"]
    assert all(
        r["objective"] is not None and r["bound"] <= r["objective"] and r["gap_percent"] is None
        for r in rows
    )
    bad = CliRunner().invoke(app, ["bench", "make-gap", "--out", str(tmp_path), "--type", "x"])
    assert bad.exit_code == 2 and "type must be one of" in bad.output
