"""solvers.processes: jobs in the pool's processes, and one beside them on a spare core."""

from __future__ import annotations

import multiprocessing
import os
import time

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


def _late(*job) -> str:
    return "late"


def test_a_job_still_running_at_until_is_given_up_and_the_processes_begun_afresh():
    with multiprocessing.get_context("spawn").Manager() as manager, Runner(2, None) as runner:
        never = manager.Event()  # the first job holds its process its whole minute
        t0 = time.perf_counter()
        out = runner.map(
            _pid_once, [(never,), (_set(manager),)], until=time.perf_counter() + 2, late=_late
        )
        assert time.perf_counter() - t0 < 20  # not the minute the late job would have held
        assert out[0] == "late" and isinstance(out[1], int) and runner.renewed == 1
        again = runner.map(os.getpid, [(), ()])  # the processes begun afresh take jobs
    assert all(isinstance(pid, int) and pid != out[1] for pid in again)


def test_one_process_held_runs_the_jobs_apart_and_gives_up_a_late_one():
    """One process, held: the jobs run one after another in a process of their own (not
    here), so one still running at `until` is given up as with several; nothing is started
    on the only process, nor beside it."""
    with multiprocessing.get_context("spawn").Manager() as manager:
        with Runner(1, None, held=True) as runner:
            assert not runner.parallel and runner.processes == 1
            assert runner.start(os.getpid, ()) is None and runner.beside(os.getpid, ()) is None
            never = manager.Event()
            t0 = time.perf_counter()
            out = runner.map(
                _pid_once, [(_set(manager),), (never,)], [2, 1], time.perf_counter() + 2, _late
            )
            assert time.perf_counter() - t0 < 20 and runner.renewed == 1
            assert isinstance(out[0], int) and out[0] != os.getpid() and out[1] == "late"
            assert runner.map(os.getpid, [()])[0] not in (os.getpid(), out[0])


def test_jobs_done_by_until_keep_their_answers_and_the_processes_stay():
    with Runner(2, None) as runner:
        pool = runner.pool
        first = runner.map(os.getpid, [(), ()], until=time.perf_counter() + 30, late=_late)
        assert runner.renewed == 0 and runner.pool is pool
    assert "late" not in first and os.getpid() not in first


def test_a_started_job_whose_process_is_ended_answers_none():
    with multiprocessing.get_context("spawn").Manager() as manager, Runner(2, None) as runner:
        never = manager.Event()
        pending = runner.start(_pid_once, (never,))
        assert pending is not None
        out = runner.map(_pid_once, [(never,)], until=time.perf_counter() + 2, late=_late)
        assert out == ["late"] and pending() is None


def _set(manager):
    """An event already set: a job given it answers at once."""
    go = manager.Event()
    go.set()
    return go


def test_jobs_held_to_an_end_already_past_are_not_begun():
    with Runner(2, None) as runner:
        out = runner.map(os.getpid, [(), ()], until=time.perf_counter() - 1, late=_late)
        assert out == ["late", "late"] and runner.renewed == 0


def _release(go) -> int:
    """Sets `go` (a shared event) and answers this process's id."""
    go.set()
    return os.getpid()


def test_a_job_started_from_then_takes_the_first_process_the_mapped_jobs_leave():
    """The first mapped job holds its process until the started one lets it go: the started
    one can only run on the process the second (at once done) leaves, before the map ends."""
    with multiprocessing.get_context("spawn").Manager() as manager, Runner(2, None) as runner:
        go = manager.Event()
        started = []
        t0 = time.perf_counter()
        out = runner.map(
            _pid_once,
            [(go,), (_set(manager),)],
            then=lambda: started.append(runner.start(_release, (go,))),
        )
        assert time.perf_counter() - t0 < 30  # not the minute the first job waits at most
        pending = started[0]
        assert pending is not None and pending() == out[1] != out[0]


def test_a_steps_planned_end_queues_the_largest_first_on_the_first_process_free():
    """Limits of 10, 4 and 4 s (sizes largest first as given): on two processes the 10 s job
    holds one and the two 4 s jobs follow each other on the other, so 10 s; queued the other
    way (the 4 s jobs the larger), the two of them first, then the 10 s on the first free: 14 s;
    on one process, their sum."""
    assert processes.planned_end([10.0, 4.0, 4.0], [3, 2, 1], 2) == 10.0
    assert processes.planned_end([10.0, 4.0, 4.0], [1, 2, 3], 2) == 14.0
    assert processes.planned_end([10.0, 4.0, 4.0], [3, 2, 1], 1) == 18.0
    assert processes.planned_end([], [], 2) == 0.0
