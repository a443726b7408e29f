"""The run rules every planner shares: the key, the reuse rule, a stop request."""

from __future__ import annotations

from engine.core.lifecycle import reusable, run_key, stopped_early
from tests.builders import StopRequested


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


def test_stopped_early_asks_the_observer():
    assert stopped_early(StopRequested())
    assert not stopped_early(None)
