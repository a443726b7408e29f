"""Solves run as jobs in worker processes, never in the request handler: submit, poll, fetch,
cancel. A job's state lives in a small JSON file beside its output, so the service can be
restarted without losing what finished; the run itself is stored by the engine in one
transaction, so a job stopped half way leaves the store as it was."""

from __future__ import annotations

import importlib
import json
import logging
import multiprocessing as mp
import os
import re
import signal
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from engine.core.config import Config
from engine.core.export import write_text

JOB_ID = re.compile(r"[0-9a-f]{16}")
log = logging.getLogger("probation.api")


# What each kind of run produces, by the name the API serves it under.
TABLES = {
    "allocation": {"allocations": "allocations.csv", "workload": "workload.csv"},
    "upw": {
        "schedule": "upw_schedule.csv",
        "unplaced": "upw_unplaced.csv",
        "reviews": "upw_reviews.csv",
        "progress": "upw_progress.csv",
        "tell_practitioner": "upw_tell_practitioner.csv",
        "roster": "upw_roster.csv",  # these two only when the week has supervisors
        "unsupervised": "upw_unsupervised.csv",
        "inductions": "upw_induction_plan.csv",  # only when the week has induction slots
    },
    "groups": {
        "groups": "groups.csv",
        "members": "group_members.csv",
        "unplaced": "unplaced.csv",
        "reviews": "group_reviews.csv",
        "one_to_one": "one_to_one.csv",
        "pre_group": "pre_group.csv",
        "changes": "changes.csv",  # a re-plan's session changes
        "tell": "tell.csv",  # and who must be told what
        "facilitator_weeks": "facilitator_weeks.csv",  # each facilitator's weeks as it stands
    },
}
STOP_GRACE_SECONDS = 60.0  # after a stop request, how long the worker has to store its best answer


@dataclass
class Job:
    job_id: str
    kind: str  # allocation | upw | groups
    owner: str  # the display name of who started it (shown, logged)
    region: str | None
    pdu: str | None
    state: str = "QUEUED"  # QUEUED | RUNNING | STOPPING | DONE | STOPPED | FAILED | CANCELLED
    created: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    run_id: str | None = None
    summary: dict | None = None
    data: str | None = None  # the validated input folder the run was made from
    params: dict = field(default_factory=dict)  # solver, week, from date...
    owner_key: str | None = None  # the key that started it (Principal.key_id): who owns it


def _work(
    job_dir: str,
    kind: str,
    data: str,
    db_url: str,
    config: Config,
    region,
    pdu,
    params: dict,
    nice: int = 0,
) -> None:
    """The worker process: run the job and write the outcome (or the error) for the service."""
    from engine.core.progress import FileProgress

    os.setpgrp()  # its own process group: ending the run ends its solver processes too
    if nice:
        os.nice(nice)  # a batch run yields the CPU to the service answering requests
    out = Path(job_dir)
    observer = FileProgress(job_dir)
    try:
        run_id, summary = _run(
            kind, Path(data), out / "out", db_url, config, region, pdu, params, observer
        )
        if kind == "allocation" and not summary.get("stopped_early"):
            _capacity(Path(data), out / "out" / "capacity", config, region, pdu)
        state = "STOPPED" if summary.get("stopped_early") else "DONE"
        (out / "outcome.json").write_text(
            json.dumps({"state": state, "run_id": run_id, "summary": summary}, default=str)
        )
    except Exception as exc:  # reported to the caller through the job's status
        (out / "outcome.json").write_text(
            json.dumps(
                {
                    "state": "FAILED",
                    "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc()[-4000:],
                }
            )
        )


def _run(kind, data, out, db_url, config, region, pdu, params, observer):
    """Any planner's run through the one lifecycle: the API's params become its RunOptions."""
    from engine.core.lifecycle import RunOptions

    opts = RunOptions(
        data=data,
        out=out,
        config=config,
        period=params.get("week") or params.get("from"),
        db_url=db_url,
        region=region if kind == "allocation" else None,  # the others get their PDU's rows only
        pdu=pdu if kind == "allocation" else None,
        solver=params.get("solver"),
        force=bool(params.get("force")),
        cancel=tuple(params.get("cancel") or ()),  # a week re-planned around stand-downs
        weeks=int(params.get("weeks") or 1),  # Unpaid Work: weeks planned ahead
        # a programme quarter re-planned around facilitators off and venues closed
        facilitator_off=tuple(params.get("facilitator_off") or ()),
        venue_closed=tuple(params.get("venue_closed") or ()),
        progress=False,
        observer=observer,
    )
    replan = bool(opts.facilitator_off or opts.venue_closed)
    module, name = _PLANNERS["groups-replan" if kind == "groups" and replan else kind]
    outcome = getattr(importlib.import_module(module), name)(opts)
    return outcome.run_id, outcome.summary


CAPACITY_WEEKS = 12  # the capacity projection a night's run leaves for the analyst's page


def _capacity(data: Path, out: Path, config: Config, region, pdu) -> None:
    """The night's capacity ahead (as `probation capacity` projects it) for its scope, made in
    the worker beside the run so the analyst's page only reads it."""
    from engine.allocation.capacity import export, project_scope
    from engine.allocation.contract import load_dataset

    ds = load_dataset(data, config)
    start = ds.run_date or date.today()
    export(project_scope(ds, config, start, CAPACITY_WEEKS, region, pdu), out)


# Each kind of job and the run that plans it (imported in the worker, not at service start).
_PLANNERS = {
    "allocation": ("engine.allocation.pipeline", "run_night"),
    "upw": ("engine.unpaid_work.pipeline", "run_week"),
    "groups": ("engine.groups.pipeline", "run_groups"),
    "groups-replan": ("engine.groups.pipeline", "replan_groups"),
}


class JobManager:
    """The service's runs, each in a worker process of its own; at most `max_running` at once,
    the rest QUEUED and started oldest first as workers finish (a burst of submissions never
    starts more processes than the machine has cores for)."""

    def __init__(
        self, root: Path, db_url: str, config: Config, max_running: int = 0, nice: int = 0
    ):
        self.root, self.db_url, self.config = Path(root), db_url, config
        self.nice = nice
        self.max_running = max_running or os.cpu_count() or 1
        self.root.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, mp.process.BaseProcess] = {}
        self.ctx = mp.get_context("spawn")
        self._lock = threading.RLock()  # handlers call in from several threads
        self._queue: deque[str] = deque()  # jobs submitted here and not started yet

    def dir(self, job_id: str) -> Path:
        return self.root / job_id

    def submit(
        self,
        kind: str,
        owner: str,
        data: Path,
        region: str | None,
        pdu: str | None,
        params: dict,
        owner_key: str | None = None,
    ) -> Job:
        job = Job(
            uuid.uuid4().hex[:16],
            kind,
            owner,
            region,
            pdu,
            data=str(data),
            params=params,
            owner_key=owner_key,
        )
        with self._lock:
            self.dir(job.job_id).mkdir(parents=True)
            self._save(job)
            self._queue.append(job.job_id)
            self._dispatch()
        return self.get(job.job_id) or job

    def _dispatch(self) -> None:
        """Reap the workers that ended, then start queued jobs, oldest first, while fewer than
        `max_running` run."""
        with self._lock:
            for job_id, proc in list(self.procs.items()):
                if not proc.is_alive():
                    proc.join(0)  # reaped: no zombie left behind
                    del self.procs[job_id]
            while self._queue and len(self.procs) < self.max_running:
                job = self._refresh(self._queue.popleft())
                if job is not None and job.state == "QUEUED":  # not stopped meanwhile
                    self._start(job)

    def _start(self, job: Job) -> None:
        # Not a daemon: a run of several PDUs solves them in its own pool of processes. The
        # service ends any still running when it shuts down (`shutdown`).
        p = self.ctx.Process(
            target=_work,
            args=(
                str(self.dir(job.job_id)),
                job.kind,
                str(job.data),
                self.db_url,
                self.config,
                job.region,
                job.pdu,
                job.params,
                self.nice,
            ),
        )
        p.start()
        self.procs[job.job_id] = p
        job.state = "RUNNING"
        self._save(job)

    def get(self, job_id: str) -> Job | None:
        if not JOB_ID.fullmatch(job_id or ""):  # never a path outside the jobs folder
            return None
        with self._lock:
            self._dispatch()  # reap the workers that ended; start queued jobs in their place
            return self._refresh(job_id)

    def _refresh(self, job_id: str) -> Job | None:
        """The job as stored, brought up to date with its worker's outcome."""
        f = self.dir(job_id) / "job.json"
        if not f.exists():
            return None
        job = Job(**json.loads(f.read_text()))
        if job.state in ("RUNNING", "STOPPING"):
            outcome = self.dir(job_id) / "outcome.json"
            proc = self.procs.get(job_id)
            if outcome.exists():
                o = json.loads(outcome.read_text())
                job.state, job.error = o["state"], o.get("error")
                job.run_id, job.summary = o.get("run_id"), o.get("summary")
                job.finished = time.time()
                self._save(job)
                log.info(
                    json.dumps(
                        {
                            "event": "run finished",
                            "run": job_id,
                            "kind": job.kind,
                            "state": job.state,
                            "engine_run_id": job.run_id,
                            "error": job.error,
                            "seconds": (job.summary or {}).get("seconds"),
                        },
                        default=str,
                    )
                )
            elif proc is None or not proc.is_alive():
                job.state, job.error, job.finished = (
                    "FAILED",
                    "the worker stopped without a result",
                    time.time(),
                )
                self._save(job)
            elif (
                job.state == "STOPPING"
                and time.time() - (self.progress(job_id).stop_requested_at() or 0)
                > STOP_GRACE_SECONDS
            ):
                self._terminate(job, "did not stop within the grace period: ended, nothing stored")
        return job

    def list(self) -> list[Job]:
        """Every job, newest first."""
        found = [self.get(d.name) for d in self.root.iterdir() if d.is_dir()]
        return sorted((j for j in found if j is not None), key=lambda j: -j.created)

    def progress(self, job_id: str):
        from engine.core.progress import FileProgress

        return FileProgress(str(self.dir(job_id)))

    def cancel(self, job_id: str) -> Job | None:
        """Ask the run to stop: its solver ends the search and the run checks and stores the best
        answer found so far (state STOPPING, then STOPPED). A run that cannot stop within the
        grace period is ended with nothing stored (CANCELLED)."""
        job = self.get(job_id)
        if job is None or job.state not in ("QUEUED", "RUNNING"):
            return job
        if job.state == "QUEUED":  # never started: nothing to stop, nothing stored
            with self._lock:
                self._terminate(job, "stopped before it started: nothing stored")
            return job
        self.progress(job_id).request_stop()
        job.state = "STOPPING"
        self._save(job)
        return job

    def kill(self, job_id: str) -> Job | None:
        """End the worker at once: nothing of the run is stored (its transaction never commits)."""
        job = self.get(job_id)
        if job is not None and job.state in ("QUEUED", "RUNNING", "STOPPING"):
            self._terminate(job, "ended at once on request: nothing stored")
        return job

    def _terminate(self, job: Job, why: str) -> None:
        proc = self.procs.get(job.job_id)
        if proc is not None and proc.is_alive() and proc.pid is not None:
            try:  # the worker's process group (its solver processes), once it has made one
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.kill()
            proc.join(10)
        job.state, job.error, job.finished = "CANCELLED", why, time.time()
        self._save(job)
        self._dispatch()

    def shutdown(self) -> None:
        """The service is stopping: end the runs still going (nothing of them is stored) and
        those still waiting their turn."""
        with self._lock:
            while self._queue:
                job = self._refresh(self._queue.popleft())
                if job is not None and job.state == "QUEUED":
                    job.state, job.error = "CANCELLED", "the service stopped before it started"
                    job.finished = time.time()
                    self._save(job)
        for job_id, proc in list(self.procs.items()):
            if proc.is_alive():
                job = self.get(job_id)
                if job is not None and job.state in ("QUEUED", "RUNNING", "STOPPING"):
                    self._terminate(
                        job, "the service stopped while it ran: nothing stored; submit it again"
                    )

    def wait(self, job_id: str, timeout: float = 120.0) -> Job | None:
        """Block until the job ends (tests and scripts; the API itself only polls)."""
        t_end = time.time() + timeout
        while time.time() < t_end:
            job = self.get(job_id)
            if job is None or job.state not in ("QUEUED", "RUNNING", "STOPPING"):
                return job
            time.sleep(0.2)
        return self.get(job_id)

    def _save(self, job: Job) -> None:
        write_text(self.dir(job.job_id) / "job.json", json.dumps(asdict(job), default=str))
