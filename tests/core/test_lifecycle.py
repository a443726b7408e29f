"""The run rules every planner shares: the key, the reuse rule, a stop request."""

from __future__ import annotations

import signal
from types import SimpleNamespace

import pytest

from engine.core.lifecycle import reusable, run_key


def test_run_key_is_the_hash_of_every_part():
    key = run_key("inputs", "config", "2026-W48", "cpsat", [], ["net"])
    assert len(key) == 32 and key == run_key("inputs", "config", "2026-W48", "cpsat", [], ["net"])
    assert key != run_key("inputs", "config", "2026-W49", "cpsat", [], ["net"])


def test_a_finished_run_is_reused():
    assert reusable({"stopped_early": False}, force=False)
    assert reusable({}, force=False)  # stored before the flag existed: finished


def test_a_stopped_run_or_a_forced_one_is_not_reused():
    assert not reusable({"stopped_early": True}, force=False)
    assert not reusable({"stopped_early": False}, force=True)
    assert not reusable(None, force=False)


def test_one_options_type_names_what_each_planner_lacks(tmp_path, config):
    """Every planner takes the same RunOptions; a week or a quarter without its period, or a
    solver not in the planner's registry, is refused with what to give, before any reading."""
    import pytest

    from engine.core.errors import RunFailed
    from engine.core.lifecycle import RunOptions
    from engine.groups.pipeline import run_groups
    from engine.unpaid_work.pipeline import run_week

    opts = RunOptions(tmp_path / "nowhere", tmp_path / "out", config)
    with pytest.raises(RunFailed, match="ISO week"):
        run_week(opts)
    with pytest.raises(RunFailed, match="first day"):
        run_groups(opts)
    with pytest.raises(RunFailed, match="unknown Unpaid Work solver 'highs'"):
        run_week(RunOptions(tmp_path, tmp_path, config, "2026-W48", solver="highs"))
    with pytest.raises(RunFailed, match="unknown groups solver 'highs'"):
        run_groups(RunOptions(tmp_path, tmp_path, config, "2026-11-23", solver="highs"))


def test_files_are_written_atomically(tmp_path, monkeypatch):
    """A write that fails half way leaves the old file whole and no temporary file behind."""
    import os

    import pandas as pd
    import pytest

    from engine.core.export import write_csv, write_text

    path = write_csv(tmp_path / "out" / "t.csv", pd.DataFrame({"a": [1, 2]}))
    assert path.read_text() == "a\n1\n2\n"

    def broken(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        write_text(path, "half")
    assert path.read_text() == "a\n1\n2\n" and os.listdir(path.parent) == ["t.csv"]


def test_text_that_a_spreadsheet_would_run_is_escaped_and_numbers_are_not(tmp_path):
    import pandas as pd

    from engine.core.export import write_csv

    frame = pd.DataFrame(
        {"id": ["C1", "=1+2", "@SUM(A1)", "-x", "+44"], "minutes": [1.5, -2.0, 0.0, 3.0, 4.0]}
    )
    text = write_csv(tmp_path / "t.csv", frame).read_text()
    assert text.splitlines()[1:] == ["C1,1.5", "'=1+2,-2.0", "'@SUM(A1),0.0", "'-x,3.0", "'+44,4.0"]
    assert frame["id"].iat[1] == "=1+2"  # the caller's frame is left as it was


def test_a_bar_in_an_id_does_not_break_the_report_table(monkeypatch):
    import pandas as pd

    from engine.allocation import export
    from engine.allocation.export import render_markdown

    monkeypatch.setattr(export, "render_summary", lambda summary: "")  # the table alone

    row = {"case_id": "A|B", "status": "NEW", "practitioner_id": "P1", "travel_minutes": 5}
    decisions = pd.DataFrame([row | {"flags": "", "reason": "why\nnot"}])
    text = render_markdown({}, decisions)
    line = next(x for x in text.splitlines() if x.startswith("| A"))
    assert line == "| A\\|B | NEW | P1 | 5 |  | why not |"


def test_one_file_written_from_many_threads_at_once_stays_whole(tmp_path):
    """The service saves a job's state from its poller and its worker threads: each write has a
    temporary file of its own, so none fails and the file is always one whole write."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from engine.core.export import write_text

    path = tmp_path / "job.json"

    def save(k: int) -> None:
        write_text(path, json.dumps({"k": k, "pad": "x" * 20_000}))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(400)))  # an error in any write is raised here
    assert json.loads(path.read_text())["pad"] == "x" * 20_000
    assert [p.name for p in tmp_path.iterdir()] == ["job.json"]


@pytest.mark.parametrize("interrupted", [True, False])
def test_a_signal_while_the_store_is_written_ends_the_run_as_interrupted(monkeypatch, interrupted):
    """A signal whose RunInterrupted SQLAlchemy wrapped inside a statement of the store's
    transaction (rolled back) reaches the user as the interruption (exit 128 + the signal,
    its message, no traceback); another database error stays as it was."""
    from sqlalchemy.exc import StatementError

    from engine.core import lifecycle
    from engine.core.signals import RunInterrupted

    cause = RunInterrupted(signal.SIGTERM) if interrupted else ValueError("disk I/O error")
    wrapped = StatementError("wrapped", "INSERT INTO runs ...", None, cause)

    def steps(planner, signals, t0):
        raise wrapped

    monkeypatch.setattr(lifecycle, "_steps", steps)
    planner = SimpleNamespace(opts=SimpleNamespace(observer=object(), keep_best=False))
    with pytest.raises(RunInterrupted if interrupted else StatementError) as caught:
        lifecycle.execute(planner)
    assert caught.value is (cause if interrupted else wrapped)
