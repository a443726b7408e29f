"""Solving a run's independent parts, the same way for every planner: one after another, in
parallel processes on this machine, or as tasks on Dask distributed (a LocalCluster here by
default, or an existing cluster by scheduler address), with a progress bar and the observer told
as each part finishes.

A planner hands over its jobs (`(key, *args)` tuples), a module-level `task(*job)` returning
`(key, result, baseline)` (so it pickles to another process or machine), and a `fallback(job,
error)` that gives a part whose solve failed on every try its baseline answer, so the other
parts' results are never lost and every record still gets a checked answer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine.core.progress import RunAbandoned, RunObserver
from solvers.processes import ignore_interrupts
from solvers.types import SolveStats

PART_FAILED = "PART_FAILED"  # status of a part whose solve failed on every try
ENGINES = ("processes", "dask")

log = logging.getLogger(__name__)

Job = tuple
Solved = tuple[Any, Any]  # (result, baseline) of one part
Task = Callable[..., tuple[str, Any, Any]]
Fallback = Callable[[Job, BaseException], Solved]


@dataclass(frozen=True)
class PartsSettings:
    """Where and how a run's parts are solved."""

    label: str  # what the progress bar says: 'allocating', 'planning Unpaid Work', ...
    cores: int = 0  # processes at most; 0 = every core of this machine
    engine: str = "processes"  # processes (this machine) | dask (LocalCluster, or `scheduler`)
    scheduler: str | None = None  # address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786
    retries: int = 2  # on Dask, tries after the first before a part falls back
    progress: bool = True

    @property
    def processes(self) -> int:
        return processes(self.cores)


def processes(cores: int) -> int:
    """Processes for a setting of `cores` (config solver.parallel_processes): 0 = every core
    of this machine."""
    return cores or os.cpu_count() or 1


def failed_stats(error: BaseException) -> SolveStats:
    """The stats of a part that fell back to its baseline after every try failed."""
    return SolveStats(
        PART_FAILED, None, None, 0.0, f"baseline fallback after: {type(error).__name__}: {error}"
    )


def final_stats(result: Any) -> SolveStats:
    """A part's last phase (or its only stats): what its objective and bound are."""
    phases = getattr(result, "phases", None)
    return phases[-1] if phases else result.stats


def solve_parts(
    jobs: list[Job],
    task: Task,
    fallback: Fallback,
    settings: PartsSettings,
    observer: RunObserver | None = None,
) -> dict[str, Solved]:
    """Solve every job (longest first is the caller's order) and return key -> (result,
    baseline). On processes a failure is raised (nothing of the run is stored); on Dask a part
    is retried, then reported and given its fallback."""
    out: dict[str, Solved] = {}
    procs = max(1, min(settings.processes, len(jobs)))
    with Progress(
        TextColumn(f"[bold]{settings.label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        disable=not settings.progress,
        transient=False,
    ) as bar:
        shown = bar.add_task("", total=len(jobs))

        def done(key: str, result: Any, baseline: Any) -> None:
            out[key] = (result, baseline)
            bar.update(shown, advance=1, description=key)
            if observer is not None:
                observer.for_part(key).report("done", None, None, force=True)
                _report_parts(observer, out, len(jobs))

        if settings.engine == "dask":
            solve_on_dask(
                jobs, task, done, fallback, settings.processes, settings.scheduler, settings.retries
            )
        elif procs == 1:
            for job in jobs:
                done(*task(*job))
        else:
            with ProcessPoolExecutor(max_workers=procs, initializer=ignore_interrupts) as pool:
                futures = [pool.submit(task, *job) for job in jobs]
                for fut in as_completed(futures):
                    done(*fut.result())
    return out


def _report_parts(observer: RunObserver, out: dict[str, Solved], total: int) -> None:
    """Parts finished of all, with the summed final-phase objective and bound of those finished."""
    final = [final_stats(r) for r, _ in out.values()]
    obj = [s.objective for s in final if s.objective is not None]
    bnd = [s.bound for s in final if s.bound is not None]
    observer.parts_done(
        len(out),
        total,
        float(sum(obj)) if obj else None,
        float(sum(bnd)) if len(bnd) == len(final) else None,
    )


def solve_on_dask(
    jobs: list[Job],
    task: Task,
    done: Callable[[str, Any, Any], None],
    fallback: Fallback,
    cores: int,
    scheduler: str | None,
    retries: int,
    processes: bool = True,
) -> list[dict]:
    """Submit `task(*job)` per job; call `done(key, result, baseline)` as each finishes.
    Returns the failed parts (key and error) after their fallback has been passed on."""
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, cores),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = Client(scheduler or cluster)
    failed = []
    try:
        futures = {
            client.submit(task, *job, key=f"part-{job[0]}", retries=retries, pure=False): job
            for job in jobs
        }
        for fut in dask_completed(list(futures)):
            job = futures[fut]
            if fut.status == "finished":
                done(*fut.result())
                continue
            err = fut.exception()
            if isinstance(err, RunAbandoned):  # a signal: nothing is kept, no fallback planned
                raise err
            log.error("part %s failed after %d retries: %s", job[0], retries, err)
            failed.append({"part": job[0], "error": f"{type(err).__name__}: {err}"})
            done(job[0], *fallback(job, err))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return failed
