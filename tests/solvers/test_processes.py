"""solvers.processes: jobs in the pool's processes, and one beside them on a spare core."""

from __future__ import annotations

import multiprocessing
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


def _pid_once(go) -> int:
    """This process's id, once `go` (a shared event) is set, at most a minute on: a job that
    holds its process until the test lets it go."""
    go.wait(60)
    return os.getpid()


def test_a_job_started_holds_one_process_and_the_jobs_mapped_run_on_the_others():
    with multiprocessing.get_context("spawn").Manager() as manager, Runner(2, None) as runner:
        go = manager.Event()
        pending = runner.start(_pid_once, (go,))
        assert pending is not None and runner.free == 1
        pool = runner.map(os.getpid, [(), (), ()])
        go.set()
        started = pending()
        assert runner.free == 2
    assert len(set(pool)) == 1 and started not in pool and started != os.getpid()


def test_nothing_is_started_without_a_pool():
    with Runner(1, None) as runner:
        assert runner.start(os.getpid, ()) is None and runner.free == 1
