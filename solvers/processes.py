"""Independent solves of one problem in parallel processes: each process started fresh
(spawn), deaf to Ctrl-C, and told to stop through the caller's observer."""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from concurrent.futures import ProcessPoolExecutor

from solvers.types import SearchObserver


class Runner:
    """Independent solves run in `processes` processes at once where there are several (the
    East Midlands quarter's eight programmes alone took 48-55 s one after another with one
    core idle: solvers/groups_mip.py), else here one after another. The observer's stop
    request reaches the processes (the engine's is file-backed), and every solve keeps its
    own time limit, so a stop or the limit ends them all."""

    def __init__(self, processes: int, observer: SearchObserver | None) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.processes = 1  # solves at once
        if processes > 1 and _picklable(observer):
            self.processes = processes
            ctx = multiprocessing.get_context("spawn")  # never fork a process holding threads
            self.pool = ProcessPoolExecutor(
                processes, mp_context=ctx, initializer=ignore_interrupts
            )

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    @property
    def parallel(self) -> bool:
        return self.pool is not None

    def map(self, fn, jobs: list[tuple], sizes: list[int] | None = None) -> list:
        """fn(*job) for each job, in the jobs' order (largest `sizes` started first)."""
        if self.pool is None:
            return [fn(*job) for job in jobs]
        order = sorted(range(len(jobs)), key=lambda k: -(sizes[k] if sizes else 0))
        futures = {k: self.pool.submit(fn, *jobs[k]) for k in order}
        return [futures[k].result() for k in range(len(jobs))]


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
