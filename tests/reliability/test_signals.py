"""Ctrl-C and SIGTERM end a run cleanly, in every planner and at every moment tried (while the
command loads, while the folder is read, while the parts are solved): a message, exit code
128 + the signal, no traceback, and nothing stored or written. With --keep-best, a signal
during the solve stores the best answer found so far marked stopped early, which is never
reused as finished. Real `probation` processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from engine.synthetic import SyntheticSpec, generate, write_dataset
from tests.builders import REPO

pytestmark = pytest.mark.slow  # real processes, each solving for seconds

# long enough solves that a signal lands inside them; a stop ends each search within a second
SLOW = "[solver]\ncomponent_time_limit_seconds = 60\nseconds_per_1000_pairs = 0\n"
COMMANDS = {
    "night": ["allocate"],
    "week": ["upw", "plan", "--week", "2026-W48", "--time-limit", "60"],
    "quarter": ["groups", "plan", "--from", "2026-11-23", "--time-limit", "20"],
}
HEADERS = {"night": "runs", "week": "upw_weeks", "quarter": "groups_plans"}


@pytest.fixture(scope="module")
def folder(shared, tmp_path_factory, config):
    # the demo's tight East Midlands night: each planner solves for tens of seconds unstopped
    spec = SyntheticSpec(
        scale="region", region="East Midlands", seed=42, tight=True, run_date=date(2026, 11, 23)
    )
    data = write_dataset(
        tmp_path_factory.mktemp("night"), *generate(shared / "data" / "boundaries", spec, config)
    )
    (data / "slow.toml").write_text(SLOW)
    return data


def _start(
    planner: str, data: Path, out: Path, *extra: str, tmp: Path | None = None
) -> subprocess.Popen:
    args = [*COMMANDS[planner], "--data", str(data), "--out", str(out), "--quiet"]
    args += ["--config", str(data / "slow.toml"), *extra]
    env = dict(os.environ, TMPDIR=str(tmp)) if tmp is not None else None
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stored(out: Path, table: str) -> list[dict]:
    db = out / "probation.sqlite"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        made = conn.execute("select 1 from sqlite_master where name = ?", (table,)).fetchone()
        if made is None:  # stopped while a new store was migrated: rolled back, made next time
            return []
        return [dict(r) for r in conn.execute(f"select summary_json from {table}")]


@pytest.mark.parametrize("planner", sorted(COMMANDS))
@pytest.mark.parametrize(
    "sig, delay",
    [(signal.SIGINT, 0.3), (signal.SIGTERM, 3.0), (signal.SIGINT, 8.0)],
)
def test_a_signal_ends_the_run_with_nothing_stored(folder, tmp_path, planner, sig, delay):
    out = tmp_path / "out"
    proc = _start(planner, folder, out)
    time.sleep(delay)
    proc.send_signal(sig)
    text, _ = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, text
    assert f"interrupted by {signal.Signals(sig).name}" in " ".join(text.split()), text
    assert "Traceback" not in text
    assert _stored(out, HEADERS[planner]) == []
    assert not [p for p in out.glob("*") if p.suffix in (".csv", ".json", ".jsonl", ".md")]


def _when_solving(tmp: Path, proc: subprocess.Popen) -> None:
    """Wait until a part has reported a solution into the run's own observer folder (made in
    the process's TMPDIR): the solve is under way, however busy the machine."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if list(tmp.glob("probation-run-*/parts/*.json")):
            return
        time.sleep(0.1)
    raise AssertionError(f"no part reported while the run went on: {proc.poll()}")


@pytest.mark.parametrize("planner", sorted(COMMANDS))
def test_keep_best_stores_the_best_so_far_marked_stopped_early(folder, tmp_path, planner):
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    proc = _start(planner, folder, out, "--keep-best", tmp=tmp)
    _when_solving(tmp, proc)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    text, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, text
    assert time.monotonic() - t0 < 30  # the searches stopped; they did not run out their time
    (stored,) = _stored(out, HEADERS[planner])
    assert json.loads(stored["summary_json"])["stopped_early"] is True
    # The same work again is solved afresh, not reused: a part of it reports a solution (a
    # reused run would re-export and end without solving, failing the wait), then it is
    # stopped again the same way.
    tmp2 = tmp_path / "tmp2"
    tmp2.mkdir()
    again = _start(planner, folder, out, "--keep-best", tmp=tmp2)
    _when_solving(tmp2, again)
    again.send_signal(signal.SIGINT)
    text, _ = again.communicate(timeout=120)
    assert again.returncode == 0 and "already stored" not in text, text
