"""solvers.processes: jobs in the pool's processes, and one beside them on a spare core."""

from __future__ import annotations

import os

from solvers import processes
from solvers.processes import Runner


def test_a_job_beside_the_pool_runs_in_a_process_of_its_own(monkeypatch):
    monkeypatch.setattr(processes, "_cores", lambda: 3)  # one more than the pool's two
    with Runner(2, None) as runner:
        pending = runner.beside(os.getpid, ())
        assert pending is not None
        pool = runner.map(os.getpid, [(), ()])
        beside = pending()
    assert beside != os.getpid() and beside not in pool


def test_nothing_runs_beside_a_pool_on_every_core_or_without_a_pool(monkeypatch):
    monkeypatch.setattr(processes, "_cores", lambda: 2)
    with Runner(2, None) as runner:
        assert runner.parallel and runner.beside(os.getpid, ()) is None
    with Runner(1, None) as runner:
        assert not runner.parallel and runner.beside(os.getpid, ()) is None
