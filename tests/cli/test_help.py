"""What `probation --help` shows a user: each command's summary as one paragraph."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli import app


@pytest.mark.parametrize(
    "args, sentence",
    [
        ([], "moves: their team first, everyone else kept. The night is solved again"),
        (["groups"], "who joins which group, where, when, with which facilitators; the"),
    ],
)
def test_a_commands_summary_is_not_broken_where_its_docstring_is(args, sentence, monkeypatch):
    """A docstring's lines are joined: rich's default kept each source line break, so the
    command list broke a sentence mid-line ('their team first,' then a line of its own)."""
    monkeypatch.setenv("COLUMNS", "200")  # wide enough for a whole summary on one line
    out = CliRunner().invoke(app, [*args, "--help"]).output
    lines = [" ".join(line.strip("│ ").split()) for line in out.splitlines()]
    assert any(sentence in line for line in lines), out
