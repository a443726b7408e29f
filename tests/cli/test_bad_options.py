"""Options a user can get wrong, refused in one line before anything runs: a time limit under
a second (a negative one was taken, and the quarter's solve given none started 612 where 872),
and a calendar asked of a store that is not there (it was made, empty, and said 'nothing
booked')."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli import app


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    """Error boxes as wide as the message: a long temporary path was broken mid-word."""
    monkeypatch.setenv("COLUMNS", "1000")


@pytest.mark.parametrize(
    "args",
    [
        ["groups", "plan", "--from", "2026-11-23"],
        ["groups", "replan", "--from", "2026-11-23", "--venue-closed", "V@2026-12-01"],
        ["upw", "plan", "--week", "2026-W48"],
        ["upw", "replan", "--week", "2026-W48", "--cancel", "P@2026-11-24"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_time_limit_under_a_second_is_refused(args, tmp_path):
    res = CliRunner().invoke(
        app, [*args, "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--time-limit", "-5"]
    )
    said = " ".join(res.output.replace("│", " ").split())
    assert (
        res.exit_code == 2 and "--time-limit': Input should be greater than or equal to 1" in said
    )
    assert not (tmp_path / "o").exists()


def test_a_calendar_of_no_store_says_so_and_makes_none(tmp_path):
    db = tmp_path / "none.sqlite"
    res = CliRunner().invoke(app, ["calendar", "--person", "X", "--db", f"sqlite:///{db}"])
    assert res.exit_code == 1 and "no store at" in res.output and not db.exists()
