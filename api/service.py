"""What the routes share, as one service object the routers get by dependency (never from
closures): where uploads go, which runs a key may see, starting runs, reading a finished run,
and judging and recording the SPOs' decisions. The engine does the work; this only wires it to
keys, scopes and HTTP errors."""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from fastapi import HTTPException, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.jobs import Job, JobManager
from api.scope import seen_part, view
from api.validation import Validator
from engine.allocation.contract import load_dataset
from engine.core.config import Config
from engine.core.contract import find_tables, read_table_or_fail
from engine.store.runs import Store
from engine.unpaid_work.plan import week_dates

if TYPE_CHECKING:
    from engine.groups.carry import Carried

log = logging.getLogger("probation.api")


SESSION = re.compile(r"[^@\s]+@\d{4}-\d{2}-\d{2}")  # PLACEMENT@YYYY-MM-DD


def csv_download(frame: pd.DataFrame, name: str) -> Response:
    """A table as a CSV file the browser saves under `name` (the API's and the pages' own)."""
    return Response(
        frame.to_csv(index=False),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def log_event(event: str, **fields: Any) -> None:
    """One JSON line per event the service records (runs, decisions, stops)."""
    log.info(json.dumps({"event": event, **fields}, default=str))


def plain(row: dict) -> dict:
    """A stored row with its dates and times as ISO text (JSON-ready)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def check_iso_week(week: str) -> None:
    try:
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        raise HTTPException(
            422, [{"field": "week", "message": f"{week!r} is not an ISO week (YYYY-Www)"}]
        ) from None


Prepare = Callable[[Path], dict[str, Any]]  # writes into a run's folder; says what it wrote


def _keep_if_valid(folder: Path, check) -> None:
    """Run `check` on an input folder; a folder refused for any reason (its contract, the key's
    scope) is removed: nothing of a refused upload is kept."""
    try:
        check()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def decision_ref(job: Job) -> str:
    """What the SPOs' decisions are kept under: the stored run the proposals are, so two jobs
    that reuse one stored night share one log (decisions of older stores are under the job)."""
    return job.run_id or job.job_id


@dataclass
class Service:
    """The service's state: its work folder, config, job manager and store (one engine pool)."""

    work: Path
    config: Config
    jobs: JobManager
    store: Store
    validator: Validator
    max_upload_bytes: int = 200 * 1024 * 1024
    _roads: tuple | None = field(default=None, repr=False)  # (network or None,) once loaded
    _roads_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- starting runs --------------------------------------------------------------------
    def inbox(self) -> Path:
        d = self.work / "inbox" / uuid.uuid4().hex[:16]
        d.mkdir(parents=True)
        return d

    async def save_uploads(self, files: dict[str, UploadFile]) -> Path:
        """The uploaded files in a new inbox folder, each read a chunk at a time; a file over
        the size limit is refused (413) and nothing of the upload kept."""
        folder = self.inbox()
        try:
            for stem, f in files.items():
                size = 0
                with (folder / f"{stem}.csv").open("wb") as out:
                    while chunk := await f.read(1 << 20):
                        size += len(chunk)
                        if size > self.max_upload_bytes:
                            raise HTTPException(
                                413,
                                f"{stem}.csv is over the {self.max_upload_bytes >> 20} MB "
                                "limit for one uploaded file",
                            )
                        out.write(chunk)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return folder

    async def start_uploaded(
        self,
        who: Principal,
        kind: str,
        folder: Path,
        region,
        pdu,
        params: dict,
        prepare: Prepare | None = None,
    ) -> dict[str, Any]:
        """`start` for an upload handler: the contract's check runs in a checking process
        (`Validator`), so a large file never holds up the service's other requests."""
        try:
            self.check_scope(who, kind, region, pdu)
            told = prepare(folder) if prepare is not None else {}
            await self.validator.check(kind, folder, self.config, pdu, params.get("week"))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # nothing of a refused upload is kept
            raise
        submitted = await run_in_threadpool(self._submit, who, kind, folder, region, pdu, params)
        return submitted | told

    def records(self, tables: dict[str, list[dict]]) -> Path:
        """JSON records written as the contract's CSV files, so one validation serves both."""
        folder = self.inbox()
        for stem, rows in tables.items():
            pd.DataFrame(rows).to_csv(folder / f"{stem}.csv", index=False)
        return folder

    @staticmethod
    def check_scope(who: Principal, kind: str, region: str | None, pdu: str | None) -> None:
        """403 unless this key's role may start `kind` runs, for this region or PDU."""
        if not who.may_run(kind):
            raise HTTPException(403, f"role {who.role.value} may not start {kind} runs")
        if who.role.value == "admin":
            return
        if pdu is None and region is None:
            raise HTTPException(
                403,
                "name the PDU or region to run: this key is limited to "
                f"{', '.join(who.pdus + who.regions) or 'nothing'}",
            )
        if not who.sees(region, pdu):
            raise HTTPException(403, f"this key may not run {pdu or region}")

    def start(
        self,
        who: Principal,
        kind: str,
        folder: Path,
        region,
        pdu,
        params: dict,
        prepare: Prepare | None = None,
    ) -> dict[str, Any]:
        """Validate with the engine's own contract (a 422 naming file, row and field; nothing
        kept), keep only the rows of the PDU asked for, then hand the run to a worker.
        `prepare` adds to the folder what the request names rather than sends (a quarter's
        running groups) before the check; what it returns goes into the answer."""
        told: dict[str, Any] = {}

        def check() -> None:
            self.check_scope(who, kind, region, pdu)
            told.update(prepare(folder) if prepare is not None else {})
            self.validator.check_sync(kind, folder, self.config, pdu, params.get("week"))

        _keep_if_valid(folder, check)
        return self._submit(who, kind, folder, region, pdu, params) | told

    def _submit(
        self, who: Principal, kind: str, folder: Path, region, pdu, params: dict
    ) -> dict[str, Any]:
        """A checked folder handed to a worker, and the run's address for the caller."""
        job = self.jobs.submit(kind, who.name, folder, region, pdu, params, who.key_id)
        log_event(
            "run submitted",
            run=job.job_id,
            kind=kind,
            by=who.name,
            region=region,
            pdu=pdu,
            **params,
        )
        return {
            "run": job.job_id,
            "kind": kind,
            "state": job.state,
            "status": f"/runs/{job.job_id}",
        }

    def submit_folder(
        self,
        folder: Path,
        region: str | None,
        pdu: str | None,
        owner: str = "operator",
        kind: str = "allocation",
        params: dict | None = None,
    ) -> Job:
        """Start a run from a data folder on this machine (`probation serve --submit`):
        validated like an upload (an Unpaid Work week or a quarter keeps its PDU's rows only),
        copied into the inbox, then run by a worker."""
        inbox = self.work / "inbox" / uuid.uuid4().hex[:16]
        shutil.copytree(folder, inbox)
        params = dict(params or {"solver": None})
        if kind == "allocation":
            _keep_if_valid(inbox, lambda: load_dataset(inbox, self.config))
        else:
            week = params.get("week")  # the period the contract checks (outcomes of a week)
            _keep_if_valid(
                inbox, lambda: self.validator.check_sync(kind, inbox, self.config, pdu, week)
            )
        return self.jobs.submit(kind, owner, inbox, region, pdu, params)

    def replan(self, job: Job, who: Principal, cancel: list[str]) -> dict[str, Any]:
        """`upw replan` as a job: the week's stored plan re-planned around the sessions that
        stand down, from the same inputs (copied: each job keeps its own folder)."""
        if job.kind != "upw":
            raise HTTPException(409, f"run {job.job_id} is a {job.kind} plan, not a week")
        if not cancel:
            raise HTTPException(
                422, [{"field": "cancel", "message": "name the sessions that stand down"}]
            )
        self.done(job)
        self.check_scope(who, job.kind, job.region, job.pdu)
        week = str(job.params.get("week"))
        days = {d.isoformat() for d in week_dates(week)}
        bad = [c for c in cancel if not SESSION.fullmatch(c) or c.split("@")[1] not in days]
        if bad:
            raise HTTPException(
                422,
                [
                    {
                        "field": "cancel",
                        "message": f"not a session (PLACEMENT@DATE) of {week}: {bad}",
                    }
                ],
            )
        if job.data is None:
            raise HTTPException(404, f"run {job.job_id} has no inputs kept to re-plan from")
        folder = self.work / "inbox" / uuid.uuid4().hex[:16]
        shutil.copytree(job.data, folder)
        # a re-plan replaces the week's plan, as `probation upw replan` does
        params = {"solver": job.params.get("solver"), "week": week, "cancel": list(cancel),
                  "force": True, "weeks": job.params.get("weeks", 1)}  # fmt: skip
        return self._submit(who, "upw", folder, job.region, job.pdu, params)

    def replan_groups(
        self, job: Job, who: Principal, off: list[str], closed: list[str]
    ) -> dict[str, Any]:
        """`groups replan` as a job: the quarter's stored plan re-planned around facilitators
        off and venues closed, each checked against the run's own folder first (422 naming
        the field), from a copy of its inputs."""
        from engine.core.errors import RunFailed
        from engine.groups.contract import load_groups, parse_disruptions

        if job.kind != "groups":
            raise HTTPException(409, f"run {job.job_id} is a {job.kind} plan, not a quarter")
        self.done(job)
        self.check_scope(who, job.kind, job.region, job.pdu)
        if job.data is None:
            raise HTTPException(404, f"run {job.job_id} has no inputs kept to re-plan from")
        try:
            parse_disruptions(tuple(off), tuple(closed), load_groups(Path(job.data)))
        except RunFailed as exc:
            field = "venue_closed" if "--venue-closed" in str(exc) else "facilitator_off"
            raise HTTPException(422, [{"field": field, "message": str(exc)}]) from None
        folder = self.work / "inbox" / uuid.uuid4().hex[:16]
        shutil.copytree(job.data, folder)
        params = {"solver": job.params.get("solver"), "from": job.params.get("from"),
                  "force": True, "facilitator_off": list(off),
                  "venue_closed": list(closed)}  # fmt: skip
        return self._submit(who, "groups", folder, job.region, job.pdu, params)

    def groups_running(self, job: Job, on: date, field: str = "on") -> Carried:
        """The quarter's groups under way on `on` (its Monday), as the next plan's
        groups_running rows (engine.groups.carry), from the run's own inputs and stored
        plan: 409 for another kind of run or one not finished, 422 naming `field` (the
        request's name for the day)."""
        from engine.core.errors import RunFailed
        from engine.groups.carry import carry_stored
        from engine.groups.plan import horizon_start
        from engine.groups.store import GroupsStore

        if job.kind != "groups":
            raise HTTPException(409, f"run {job.job_id} is a {job.kind} plan, not a quarter")
        self.done(job)
        if job.data is None or job.run_id is None:
            raise HTTPException(404, f"run {job.job_id} has no inputs or plan kept")
        first = horizon_start(date.fromisoformat(str(job.params["from"])))
        try:
            return carry_stored(
                GroupsStore.sharing(self.store),
                Path(job.data),
                first,
                horizon_start(on),
                self.config,
                job.run_id,
            )
        except RunFailed as exc:
            raise HTTPException(422, [{"field": field, "message": str(exc)}]) from None

    def carry(
        self, who: Principal, job_id: str | None, start: date, uploaded: bool
    ) -> Carried | None:
        """The groups under way on a next plan's first day in the finished quarter `job_id`
        (None where none is named), for the plan to pin in place of an uploaded
        groups_running.csv: 422 where both are given; checked before anything is kept."""
        if job_id is None:
            return None
        if uploaded:
            raise HTTPException(
                422,
                [
                    {
                        "field": "running_from",
                        "message": "give groups_running.csv or running_from, not both",
                    }
                ],
            )
        return self.groups_running(self.job(job_id, who), start, field="from")

    @staticmethod
    def carried_into(folder: Path, carried: Carried | None, job_id: str | None) -> dict[str, Any]:
        """The carried rows written as the new folder's groups_running.csv, and what the
        run's answer says of them (the groups whose re-plan changes the next plan cannot
        carry, for the team to re-plan again)."""
        if carried is None:
            return {}
        carried.running.to_csv(folder / "groups_running.csv", index=False)
        return {
            "carried": {
                "from": job_id,
                "groups": len(carried.running),
                "changed_later": carried.changed_later,
            }
        }

    # -- reading runs ---------------------------------------------------------------------
    def job(self, job_id: str, who: Principal) -> Job:
        """The run, when this key may see it (404 otherwise: no hint that it exists)."""
        job = self.jobs.get(job_id)
        if job is None or view(job, who) is None:
            raise HTTPException(404, f"no run {job_id} visible to this key")
        return job

    @staticmethod
    def case_visible(job: Job, who: Principal, case_id: str) -> None:
        if not seen_part(job, who).has_case(case_id):
            raise HTTPException(404, f"no case {case_id} visible to this key in run {job.job_id}")

    def done(self, job: Job) -> Path:
        """The finished run's files (409 while it is still running)."""
        if job.state not in ("DONE", "STOPPED"):
            raise HTTPException(
                409, f"run {job.job_id} is {job.state}; results come when it is DONE (or STOPPED)"
            )
        return self.jobs.dir(job.job_id) / "out"

    def night(self, job: Job):
        """The validated inputs of an allocation run, within its scope."""
        from engine.allocation.contract import Dataset
        from engine.allocation.plan import filter_scope

        if job.data is None:
            raise HTTPException(404, f"run {job.job_id} has no allocation inputs")
        ds = load_dataset(job.data, self.config)
        cases, pracs = filter_scope(ds, job.region, job.pdu)
        return Dataset(pracs, cases, ds.inputs_hash, ds.source, ds.manifest)

    def roads(self):
        """The car road network of the service's OpenStreetMap file, for the pages' maps (None
        without a file, or where it cannot be read: the maps then show points only). Loaded
        once; the service starts loading it when it starts."""
        with self._roads_lock:
            if self._roads is None:
                try:
                    from geo.travel import travel_service

                    self._roads = (travel_service(self.config.travel).networks.get("car"),)
                except Exception as exc:  # a map without roads, never a failed page
                    log_event("road network not loaded for the maps", error=str(exc))
                    self._roads = (None,)
            return self._roads[0]

    def night_view(self, job: Job):
        """The night's cases and practitioners within its scope, for a page to show: read as
        text, not validated again (they passed the contract when the run was submitted and
        never change), so a region's night opens in well under a second."""
        if job.data is None:
            raise HTTPException(404, f"run {job.job_id} has no allocation inputs")
        return _night_tables(str(job.data), job.region, job.pdu)

    # -- recommendations ------------------------------------------------------------------
    def night_with_case(self, who: Principal, case_id: str, job_id: str | None) -> Job:
        """The allocation run asked for, or else the newest finished one this key sees that
        holds the case."""
        if job_id is not None:
            job = self.job(job_id, who)
            self.case_visible(job, who, case_id)
            return job
        for job in sorted(self.jobs.list(), key=lambda j: -j.created):
            if job.kind != "allocation" or job.state not in ("DONE", "STOPPED"):
                continue
            part = view(job, who)
            if part is not None and part.has_case(case_id):
                return job
        raise HTTPException(404, f"no finished night visible to this key holds case {case_id}")

    def recommend(
        self, job: Job, who: Principal, case_id: str, top: int, exclude: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The practitioners for one case against the run's night (engine.allocation.recommend),
        the ones rejected for it left out."""
        from engine.allocation.contract import on_night
        from engine.allocation.recommend import NoSuchCase, recommend

        out = self.done(job)
        summary = json.loads((out / "summary.json").read_text())
        night = date.fromisoformat(summary["run_date"])
        read = lambda n: pd.read_csv(out / n, dtype=str, keep_default_na=False)  # noqa: E731
        wl = read("workload.csv")
        wl["points"] = wl["points"].astype(int)
        rejected = tuple(
            d["proposed_practitioner_id"]
            for d in self.decisions(job, who)
            if d["case_id"] == case_id and d["action"] == "reject" and d["proposed_practitioner_id"]
        )
        try:
            rec = recommend(
                on_night(self.night(job), night, self.config),
                read("allocations.csv"),
                wl,
                self.config,
                case_id,
                night,
                top,
                tuple(dict.fromkeys(rejected + exclude)),
            )
        except NoSuchCase as exc:
            raise HTTPException(404, str(exc)) from None
        return {"run": job.job_id, "run_date": night.isoformat(), **rec.as_dict()}

    # -- decisions ------------------------------------------------------------------------
    def proposals_to_decide(
        self, job: Job, who: Principal, case_id: str | None = None
    ) -> pd.DataFrame:
        """The run's proposals, once this key is known to be one that may decide on them (and,
        given a case, on that case)."""
        if who.role.value not in ("admin", "spo"):
            raise HTTPException(403, f"role {who.role.value} may not decide allocations")
        if job.kind != "allocation":
            raise HTTPException(
                409, f"run {job.job_id} is a {job.kind} plan: decisions are on allocation runs"
            )
        if case_id is not None:
            self.case_visible(job, who, case_id)
        return pd.read_csv(self.done(job) / "allocations.csv", dtype=str, keep_default_na=False)

    def decide(
        self,
        job: Job,
        who: Principal,
        case_id: str,
        action: str,
        practitioner_id: str | None,
        reason: str,
        accept_rule_break: bool,
    ) -> dict:
        """Judge and record one decision (the API and the review page alike)."""
        from engine.allocation.decisions import DecisionRefused, decide

        proposals = self.proposals_to_decide(job, who, case_id)
        try:  # only an override is judged against the night's data (the rest need not load it)
            night = self.night(job) if action == "override" else None
            d = decide(
                night,
                proposals,
                case_id,
                action,
                self.config,
                practitioner_id,
                reason,
                accept_rule_break,
            )
        except DecisionRefused as exc:
            raise HTTPException(
                422, {"message": str(exc), "rule_breaks": exc.rule_breaks}
            ) from None
        row = self.store.record_decision(decision_ref(job), d, who.name)
        log_event(
            "decision",
            run=job.job_id,
            by=who.name,
            case=d.case_id,
            action=d.action,
            flagged=d.flagged,
        )
        out = plain(row) | {"rule_breaks": d.rule_breaks}
        if action == "reject":  # the next best for the case, without whoever was rejected
            best = self.recommend(job, who, case_id, 1)["ranked"]
            out["reproposal"] = best[0] if best else None
        return out

    def decisions(self, job: Job, who: Principal) -> list[dict]:
        """The decisions on the cases this key sees, oldest first."""
        seen = seen_part(job, who)
        refs = dict.fromkeys([decision_ref(job), job.job_id])  # and any kept under the job
        rows = sorted(
            (r for ref in refs for r in self.store.decisions_for(ref)),
            key=lambda r: r["decision_id"],
        )
        return [plain(r) for r in rows if seen.has_case(r["case_id"])]

    def confirm_rest(self, job: Job, who: Principal) -> list[dict]:
        """Confirm every proposal this key sees that nobody has decided yet (one transaction)."""
        from engine.allocation.decisions import decide

        proposals = seen_part(job, who).rows(self.proposals_to_decide(job, who))
        decided = {d["case_id"] for d in self.decisions(job, who)}
        todo = proposals[
            proposals["status"].isin(["NEW", "MOVED"]) & ~proposals["case_id"].isin(decided)
        ]
        made = [decide(None, proposals, c, "confirm", self.config) for c in todo["case_id"]]
        rows = self.store.record_decisions(decision_ref(job), made, who.name)
        log_event("decisions", run=job.job_id, by=who.name, action="confirm", cases=len(rows))
        return [plain(r) for r in rows]


@lru_cache(maxsize=8)
def _night_tables(folder: str, region: str | None, pdu: str | None):
    from engine.allocation.contract import Dataset
    from engine.allocation.plan import filter_scope

    tables = find_tables(Path(folder), ("cases", "practitioners"))
    whole = Dataset(
        read_table_or_fail(tables["practitioners"]), read_table_or_fail(tables["cases"]), "", folder
    )
    cases, pracs = filter_scope(whole, region, pdu)
    return Dataset(pracs, cases, "", folder)


def service(request: Request) -> Service:
    """The dependency every router takes: the app's one Service."""
    return request.app.state.service
