"""Independent solves of one problem in parallel processes: each process started fresh
(spawn), deaf to Ctrl-C, and told to stop through the caller's observer."""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from solvers.types import SearchObserver


class Runner:
    """Independent solves run in `processes` processes at once where there are several (the
    East Midlands quarter's eight programmes alone took 48-55 s one after another with one
    core idle: solvers/groups_mip.py), else one after another: here, or `held` in one
    process of their own (`__init__`). The observer's stop request reaches the processes (the
    engine's is file-backed), and every solve keeps its own time limit, so a stop or the limit
    ends them all."""

    def __init__(self, processes: int, observer: SearchObserver | None, held: bool = False) -> None:
        """`held`: with one process too, the jobs run in a process of their own, so that one
        past its `until` can be given up (`map`), where else they run here, each to its end."""
        self.pool: ProcessPoolExecutor | None = None
        self.extra: ProcessPoolExecutor | None = None  # `beside`'s, started when first asked
        self.started: list[Future] = []  # `start`'s jobs, each holding one of the processes
        self.processes = 1  # solves at once
        self.renewed = 0  # times `map` gave up a late job and began the processes afresh
        if (processes > 1 or held) and _picklable(observer):
            self.processes = max(1, processes)
            self.pool = _executor(self.processes)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        for pool in (self.pool, self.extra):
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    @property
    def parallel(self) -> bool:
        """Whether solves run at once (in several processes)."""
        return self.pool is not None and self.processes > 1

    @property
    def free(self) -> int:
        """The processes not held by a job begun with `start` that is still running."""
        return max(1, self.processes - sum(not f.done() for f in self.started))

    def map(
        self,
        fn,
        jobs: list[tuple],
        sizes: list[int] | None = None,
        until: float | None = None,
        late: Callable[..., Any] | None = None,
        then: Callable[[], Any] | None = None,
    ) -> list:
        """fn(*job) for each job, in the jobs' order (largest `sizes` started first). `then`
        is called once the jobs are queued, before their answers are waited for: a job it
        begins with `start` takes the first process they leave (the pool takes jobs in the
        order they come). With
        `until` (a time.perf_counter() reading) and `late`, a job not done by then is given
        up: its answer is late(*job), and the pool's processes are ended and begun afresh
        (`_renew`). Why: each job holds to its own time limit, but HiGHS neither checks that
        limit nor calls back inside a MIP's root cut rounds, so a job there runs on past it
        (the wide joint model of solvers/groups_mip.py once 35.7 s of its 16 s), and only
        ending its process ends it. Without a pool the jobs run here, each to its end."""
        if self.pool is None:
            return [fn(*job) for job in jobs]
        if until is not None and late is not None and until <= time.perf_counter():
            return [late(*job) for job in jobs]  # past already: nothing begun
        order = sorted(range(len(jobs)), key=lambda k: -(sizes[k] if sizes else 0))
        futures = {k: self.pool.submit(fn, *jobs[k]) for k in order}
        if then is not None:
            then()
        if until is None or late is None:
            return [futures[k].result() for k in range(len(jobs))]
        late_ones = _not_done_by(list(futures.values()), until)
        gave_up = [k for k in range(len(jobs)) if futures[k] in late_ones]
        if gave_up:
            self._renew()
        return [late(*jobs[k]) if k in gave_up else futures[k].result() for k in range(len(jobs))]

    def _renew(self) -> None:
        """The pool's processes ended (whatever they run: a job begun with `start` then answers
        None) and as many begun afresh, for the jobs after."""
        old = self.pool
        if old is None:
            return
        # ProcessPoolExecutor has no public way to end a running job: its processes are ended
        for proc in list(getattr(old, "_processes", {}).values()):
            proc.kill()
        old.shutdown(wait=False, cancel_futures=True)
        self.pool = _executor(self.processes)
        self.renewed += 1

    def start(self, fn, job: tuple, until: float | None = None) -> Callable[[], Any] | None:
        """fn(*job) begun now on one of the pool's processes, the others left to `map` (whose
        jobs wait for the rest); returns what waits for its result: None where a `map` that
        gave up a late job ended its process, or where it is not done by `until` (a
        time.perf_counter() reading; then it is given up as `map` gives up a late job). None
        with one process (it would hold the only one)."""
        if self.pool is None or not self.parallel:
            return None
        future = self.pool.submit(fn, *job)
        self.started.append(future)

        def result() -> Any:
            if until is not None and _not_done_by([future], until):
                self._renew()
                return None
            return _result_or_none(future)

        return result

    def beside(self, fn, job: tuple) -> Callable[[], Any] | None:
        """fn(*job) begun now in a process of its own, on a core the pool leaves spare; returns
        what waits for its result. None where no core is spare (one process, or the pool on
        every core): then the caller decides whether to run it here, and when."""
        if not self.parallel or _cores() <= self.processes:
            return None
        if self.extra is None:
            self.extra = _executor(1)
        return self.extra.submit(fn, *job).result


def planned_end(seconds: list[float], sizes: list[int], processes: int) -> float:
    """Seconds from now until jobs holding to these limits all end where each takes its whole
    limit, queued as `Runner.map` queues them (largest `sizes` first, each on the first
    process free): the end a step's jobs are held to, plus a grace, where they have no common
    end of their own."""
    ends = [0.0] * max(1, processes)
    for k in sorted(range(len(seconds)), key=lambda k: -sizes[k]):
        heapq.heappush(ends, heapq.heappop(ends) + seconds[k])
    return max(ends)


def _not_done_by(futures: list[Future], until: float) -> list[Future]:
    """The `futures` still not done at `until` (a time.perf_counter() reading), waited for
    until then: the late jobs `Runner.map` and `Runner.start` give up."""
    wait(futures, timeout=max(0.0, until - time.perf_counter()))
    return [f for f in futures if not f.done()]


def _result_or_none(future: Future) -> Any:
    """A started job's result, or None where its process was ended (`Runner._renew`)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _executor(processes: int) -> ProcessPoolExecutor:
    """Worker processes started fresh (spawn: never fork a process holding threads), deaf to
    Ctrl-C."""
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(processes, mp_context=ctx, initializer=ignore_interrupts)


def _picklable(observer: SearchObserver | None) -> bool:
    """Whether the observer crosses to another process (the engine's does; a caller's
    in-memory one may not, and then the programmes are solved here, one after another)."""
    try:
        pickle.dumps(observer)
    except Exception:  # noqa: BLE001 - any failure to pickle means: stay in this process
        return False
    return True


def ignore_interrupts() -> None:
    """For a solver process of a run: Ctrl-C reaches the whole process group, but the run
    decides what happens (its stop request reaches the process through the observer)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
