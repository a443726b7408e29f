"""Run progress and stop requests through a job folder (engine/progress.py): what a poller
sees while parts search and finish, and the stop request every part can see."""

from __future__ import annotations

import signal

import pytest

from engine.core.progress import FileProgress, RunAbandoned, abandon_if_asked
from engine.core.signals import RunSignals


def test_parts_report_finish_and_stop(tmp_path):
    job = FileProgress(str(tmp_path))
    a, b = job.for_part("Lincoln PDU"), job.for_part("Boston PDU")
    a.report("allocate", 120.0, 150.0)
    b.report("peak", 900.0, 880.0)
    b.report("peak", 890.0, 880.0)  # within half a second: throttled
    seen = job.read()
    assert {s["part"]: s["objective"] for s in seen["searching"]} == {
        "Lincoln PDU": 120.0,
        "Boston PDU": 900.0,
    }
    assert seen["parts_total"] is None and not seen["stop_requested"]
    a.report("done", None, None, force=True)
    job.parts_done(1, 2, 118.0, 118.0)
    seen = job.read()
    assert [s["part"] for s in seen["searching"]] == ["Boston PDU"]
    assert (seen["parts_done"], seen["parts_total"], seen["objective"]) == (1, 2, 118.0)
    assert not b.stopped() and job.stop_requested_at() is None
    job.request_stop()
    assert (
        a.stopped() and b.stopped() and job.read()["stop_requested"] and job.stop_requested_at() > 0
    )


@pytest.mark.parametrize("keep_best", [False, True])
def test_a_signal_abandons_the_parts_work_only_where_nothing_is_kept(tmp_path, keep_best):
    """A signal while the parts are solved stops every search; without --keep-best nothing of
    the run is kept, so each part also abandons what is left of its work at its next check (a
    quarter's booking, its baseline): it raises there. With --keep-best it goes on, as the
    best so far is stored."""
    job = FileProgress(str(tmp_path))
    part = job.for_part("quarter")
    abandon_if_asked(part)  # nothing asked yet
    abandon_if_asked(object())  # an observer of the caller's own, without `abandoned`
    with RunSignals(job, keep_best) as signals, signals.solving():
        signals._handle(signal.SIGINT, None)
        assert part.stopped()
        if keep_best:
            abandon_if_asked(part)
        else:
            with pytest.raises(RunAbandoned):
                abandon_if_asked(part)
        signals.signum = None  # the test ends the solve itself
