"""Running the night's parts on Dask distributed: a LocalCluster on this machine by default, or
an existing cluster by scheduler address. Each part is one task (retried on failure); a part
that still fails is reported and gets the least-loaded greedy proposal computed here, so the
other parts' results are never lost and every case still has a checked proposal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from solvers.greedy import solve_least_loaded
from solvers.types import AssignmentResult, SolveStats

PART_FAILED = "PART_FAILED"  # status of a part whose solve failed on every try

log = logging.getLogger(__name__)


def solve_on_dask(
    jobs: list[tuple],
    task: Callable,
    done: Callable,
    cores: int,
    scheduler: str | None,
    retries: int,
    processes: bool = True,
) -> list[dict]:
    """Submit `task(*job)` per job; call `done(key, result, baseline)` as each finishes.
    Returns the failed parts (key and error) after their greedy fallback has been passed on."""
    from distributed import Client, LocalCluster, as_completed

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
        for fut in as_completed(list(futures)):
            job = futures[fut]
            if fut.status == "finished":
                done(*fut.result())
                continue
            err = fut.exception()
            log.error("part %s failed after %d retries: %s", job[0], retries, err)
            failed.append({"part": job[0], "error": f"{type(err).__name__}: {err}"})
            base = solve_least_loaded(job[2], job[3])
            stats = SolveStats(
                PART_FAILED, None, None, 0.0, f"greedy fallback after: {type(err).__name__}: {err}"
            )
            done(job[0], AssignmentResult(base.agent_of_item, stats, [stats]), base)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return failed
