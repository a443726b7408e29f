"""Solves run as jobs in worker processes, never in the request handler: submit, poll, fetch,
cancel. A job's state lives in a small JSON file beside its output, so the service can be
restarted without losing what finished; the run itself is stored by the engine in one
transaction, so a job stopped half way leaves the store as it was."""
from __future__ import annotations

import json
import multiprocessing as mp
import re
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.config import Config


JOB_ID = re.compile(r"[0-9a-f]{16}")


@dataclass
class Job:
    job_id: str
    kind: str
    owner: str
    region: str | None
    pdu: str | None
    state: str = "QUEUED"  # QUEUED | RUNNING | DONE | FAILED | CANCELLED
    created: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    run_id: str | None = None
    summary: dict | None = None
    data: str | None = None  # the validated input folder the run was made from


def _work(job_dir: str, data: str, db_url: str, config: Config, region, pdu, solver) -> None:
    """The worker process: run the night and write the outcome (or the error) for the service."""
    from engine.batch import RunOptions, run_night

    out = Path(job_dir)
    try:
        res = run_night(RunOptions(data=Path(data), out=out / "out", config=config, db_url=db_url, region=region,
                                   pdu=pdu, solver=solver, progress=False))
        (out / "outcome.json").write_text(json.dumps({"state": "DONE", "run_id": res.run_id, "summary": res.summary},
                                                     default=str))
    except Exception as exc:  # reported to the caller through the job's status
        (out / "outcome.json").write_text(json.dumps({"state": "FAILED", "error": f"{type(exc).__name__}: {exc}",
                                                      "trace": traceback.format_exc()[-4000:]}))


class JobManager:
    def __init__(self, root: Path, db_url: str, config: Config):
        self.root, self.db_url, self.config = Path(root), db_url, config
        self.root.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, mp.Process] = {}
        self.ctx = mp.get_context("spawn")

    def dir(self, job_id: str) -> Path:
        return self.root / job_id

    def submit(self, kind: str, owner: str, data: Path, region: str | None, pdu: str | None, solver: str | None) -> Job:
        job = Job(uuid.uuid4().hex[:16], kind, owner, region, pdu, data=str(data))
        d = self.dir(job.job_id)
        d.mkdir(parents=True)
        self._save(job)
        p = self.ctx.Process(target=_work, args=(str(d), str(data), self.db_url, self.config, region, pdu, solver),
                             daemon=True)
        p.start()
        self.procs[job.job_id] = p
        job.state = "RUNNING"
        self._save(job)
        return job

    def get(self, job_id: str) -> Job | None:
        if not JOB_ID.fullmatch(job_id or ""):  # never a path outside the jobs folder
            return None
        f = self.dir(job_id) / "job.json"
        if not f.exists():
            return None
        job = Job(**json.loads(f.read_text()))
        if job.state == "RUNNING":
            outcome = self.dir(job_id) / "outcome.json"
            proc = self.procs.get(job_id)
            if outcome.exists():
                o = json.loads(outcome.read_text())
                job.state, job.error = o["state"], o.get("error")
                job.run_id, job.summary = o.get("run_id"), o.get("summary")
                job.finished = time.time()
                self._save(job)
            elif proc is None or not proc.is_alive():
                job.state, job.error, job.finished = "FAILED", "the worker stopped without a result", time.time()
                self._save(job)
        return job

    def cancel(self, job_id: str) -> Job | None:
        job = self.get(job_id)
        if job is None or job.state not in ("QUEUED", "RUNNING"):
            return job
        proc = self.procs.get(job_id)
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(10)
        job.state, job.finished = "CANCELLED", time.time()
        self._save(job)
        return job

    def wait(self, job_id: str, timeout: float = 120.0) -> Job | None:
        """Block until the job ends (tests and scripts; the API itself only polls)."""
        t_end = time.time() + timeout
        while time.time() < t_end:
            job = self.get(job_id)
            if job is None or job.state not in ("QUEUED", "RUNNING"):
                return job
            time.sleep(0.2)
        return self.get(job_id)

    def _save(self, job: Job) -> None:
        tmp = self.dir(job.job_id) / "job.json.tmp"
        tmp.write_text(json.dumps(asdict(job), default=str))
        tmp.replace(self.dir(job.job_id) / "job.json")
