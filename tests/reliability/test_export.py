"""Files are written after the commit: a folder that cannot take them leaves the run stored
and whole, says so without a traceback, and `probation export` writes them again."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import app
from tests.builders import case, person, placement, practitioner, write_night, write_upw

PLANS = {
    "night": (
        lambda d: write_night(d, [practitioner("A"), practitioner("B")], [case("C1")]),
        ["allocate", "--solver", "greedy"],
        "allocations.csv",
    ),
    "week": (
        lambda d: write_upw(d, [person("A")], [placement("P1")]),
        ["upw", "plan", "--week", "2026-W48", "--solver", "greedy"],
        "upw_schedule.csv",
    ),
}


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_a_failed_export_keeps_the_run_and_export_writes_it_again(tmp_path, plan):
    write, args, first = PLANS[plan]
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    write(data)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    (out / first).mkdir(parents=True)  # the folder cannot take the first file
    r = CliRunner()
    res = r.invoke(app, [*args, "--data", str(data), "--out", str(out), "--db", db, "--quiet"])
    text = " ".join(res.output.split())
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert "is stored, but its files could not be written" in text and "probation export" in text
    key = re.search(r"run ([0-9a-f]{32}) is stored", text).group(1)
    (out / first).rmdir()
    res = r.invoke(
        app, ["export", "--run", key, "--data", str(data), "--out", str(out), "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out / first)) >= 1
    again = r.invoke(app, [*args, "--data", str(data), "--out", str(out), "--db", db, "--quiet"])
    assert again.exit_code == 0 and "already stored" in again.output  # it was stored whole
    other = tmp_path / "other"
    (other / first).mkdir(parents=True)  # re-exporting the stored run where it cannot go
    res = r.invoke(app, [*args, "--data", str(data), "--out", str(other), "--db", db, "--quiet"])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert "is stored, but its files could not be written" in " ".join(res.output.split())


def test_export_of_a_run_not_stored_says_so(tmp_path):
    res = CliRunner().invoke(
        app, ["export", "--run", "0" * 32, "--data", str(tmp_path), "--out", str(tmp_path)]
    )
    assert res.exit_code == 1 and "no stored run" in res.output
