"""The FastAPI service, thin over engine/: runs of the three planners as jobs (submit, poll,
fetch paginated results and per-case explanations, stop), the SPOs' decisions and the review
pages, API keys with roles and PDU/region scope, bad input answered 422 naming the file, row
and field with nothing stored. Each concern is a router (api/routers/, api/review.py) taking the
one `Service` (api/service.py) by dependency.

    probation serve --host 127.0.0.1 --port 8000      (OpenAPI docs at /docs)
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import pages, review
from api.auth import Sessions, Throttle, load_keys
from api.body_limit import BodyLimit
from api.jobs import Job, JobManager
from api.routers import decisions, results, runs
from api.service import Service
from api.validation import Validator
from engine.core.config import Config, load_config
from engine.core.contract import DataContractError
from engine.store.runs import Store

PAGE_PATHS = ("/review", "/pages/")  # what a browser signs in to: errors come as pages


@dataclass
class ApiSettings:
    keys_file: Path
    work_dir: Path
    db_url: str | None = None  # default sqlite:///WORK_DIR/probation.sqlite
    config: Config | None = None
    max_upload_mb: float = 200.0  # one uploaded file at most; larger is refused with 413
    max_running_jobs: int = 0  # runs at once (each a worker process); 0 = the machine's cores
    session_hours: float = 8.0  # a review-page sign-in ends after this long
    validation_workers: int = 1  # processes checking uploads against the contract
    worker_nice: int = 10  # runs and upload checks yield the CPU to requests (0 = same priority)


def submit_folder(
    app: FastAPI,
    folder: Path,
    region: str | None,
    pdu: str | None,
    owner: str = "operator",
    kind: str = "allocation",
    params: dict | None = None,
) -> Job:
    """Start a run (a night, an Unpaid Work week or a programme quarter) from a data folder on
    this machine (`probation serve --submit`): validated like an upload, copied into the
    service's inbox, then run by a worker."""
    return app.state.service.submit_folder(folder, region, pdu, owner, kind, params)


def create_app(settings: ApiSettings) -> FastAPI:
    """The FastAPI application: keys and roles from `settings.keys_file`, jobs in worker
    processes under `settings.work_dir`, the store at `settings.db_url`, the review page."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.jobs.shutdown()
        app.state.service.validator.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="Probation allocation and scheduling engine",
        version="0.1",
        description="Runs of the three planners as jobs; every plan checked by the independent "
        "checker.",
    )
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_upload_mb * 1024 * 1024))
    work = Path(settings.work_dir)
    config = settings.config or load_config()
    jobs = JobManager(
        work / "jobs",
        settings.db_url or f"sqlite:///{work / 'probation.sqlite'}",
        config,
        settings.max_running_jobs,
        settings.worker_nice,
    )
    # one engine (pool) for the service; it migrates the store at start
    app.state.service = Service(
        work,
        config,
        jobs,
        Store(jobs.db_url),
        Validator(settings.validation_workers, settings.worker_nice),
        int(settings.max_upload_mb * 1024 * 1024),
    )
    if config.travel.osm_file:  # the pages' maps: the roads loaded before anyone asks
        threading.Thread(target=app.state.service.roads, daemon=True).start()
    app.state.keys = load_keys(settings.keys_file)
    app.state.sessions = Sessions(settings.session_hours)
    app.state.throttle = Throttle()
    app.state.work, app.state.config = work, config
    app.state.jobs, app.state.store = jobs, app.state.service.store

    @app.exception_handler(DataContractError)
    async def _contract(_: Request, exc: DataContractError):
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {
                        "file": i.file,
                        "row": i.row,
                        "field": i.column,
                        "message": i.message,
                        "value": None if i.value is None else str(i.value),
                    }
                    for i in exc.issues
                ]
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        """The pages answer a person with a page (the JSON API, as ever, with JSON)."""
        if request.url.path.startswith(PAGE_PATHS):
            return pages.error_page(request, exc.status_code, exc.detail)
        return await http_exception_handler(request, exc)

    for router in (results.router, runs.router, decisions.router, review.router, pages.router):
        app.include_router(router)
    return app
