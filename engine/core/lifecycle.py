"""Every planner's run, written once: read and validate a folder -> split into independent
parts -> solve each (the registry's solver and its baseline) -> decode to tables with reasons
-> independent check -> summary against the baseline -> store in one transaction -> export.
A planner (the night, the Unpaid Work week, the programme quarter) supplies only its steps, as
a `Planner`; `execute` runs them the same way for all three.

A run's key is a hash of everything that decides its answer (the inputs, the config, the
period, the scope, the solver, the road networks), so re-running the same work re-exports the
stored answer instead of solving again. A run stopped early (a user asked it to stop and it
stored its best answer so far) is kept for audit but never reused as if it were finished: the
same work is solved again and replaces it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd

from engine.core.check import Violation, rejected
from engine.core.config import Config
from engine.core.errors import ExportFailed, RunFailed
from engine.core.parallel import Fallback, Job, PartsSettings, Solved, Task, solve_parts
from engine.core.progress import FileProgress
from engine.core.signals import RunSignals, interruption
from engine.store.db import default_url
from engine.store.runs import Snapshot
from geo.travel import TravelTimes, travel_service
from solvers.types import stop_asked


@dataclass
class RunOptions:
    """What a user asks of any planner's run (the night, the Unpaid Work week, the programme
    quarter): one type, so the CLI, the API and the benchmarks drive all three the same way."""

    data: Path  # the validated input folder
    out: Path  # where the files go (and the SQLite store by default)
    config: Config
    # The night (YYYY-MM-DD; default the folder's manifest, else today), the ISO week
    # (2026-W48), or the quarter's first day (YYYY-MM-DD; groups start on the Monday).
    period: str | None = None
    weeks: int = 1  # Unpaid Work: weeks planned ahead (week 1 firm, the rest provisional)
    db_url: str | None = None  # SQLAlchemy URL; default sqlite:///OUT/probation.sqlite
    region: str | None = None  # only this region (the night)
    pdu: str | None = None  # only this PDU (the night)
    solver: str | None = None  # a name in the planner's registry; default its first choice
    osm_file: str | None = None  # road network; None = the config's travel.osm_file
    time_limit: float | None = None  # seconds per part (week, programme); default the config's
    cancel: tuple[str, ...] = ()  # Unpaid Work sessions (PLACEMENT@DATE) that stand down: re-plan
    # Programme groups re-planned around facilitators off and venues closed: ID@FROM..TO.
    facilitator_off: tuple[str, ...] = ()
    venue_closed: tuple[str, ...] = ()
    # The night's reallocation requests on top of the folder's reallocations.csv (`probation
    # reallocate`): rows of practitioner_id, reason, case_id, from_date, to_date.
    reallocations: tuple[dict[str, Any], ...] = ()
    force: bool = False  # solve again, and take the period from the run that holds it
    # On Ctrl-C or SIGTERM during the solve: store the best answer found so far, marked
    # stopped early (never reused as finished), instead of ending with nothing stored.
    keep_best: bool = False
    progress: bool = True  # a progress bar on the terminal
    engine: str = "processes"  # processes (one machine) | dask (LocalCluster, or `scheduler`)
    scheduler: str | None = None  # address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786
    observer: Any = None  # progress and stop requests (engine/core/progress.py): the API's jobs


def run_key(*parts: Any) -> str:
    """The stored key of a run: the first 32 hex digits of the SHA-256 of its parts as JSON."""
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()[:32]


def reusable(summary: dict[str, Any] | None, force: bool) -> bool:
    """A stored run answers again for the same key unless `force` asks for a new solve or the
    stored run was stopped before it finished."""
    return summary is not None and not force and not summary.get("stopped_early", False)


@dataclass
class RunOutcome:
    """What any planner's run gives back: its key, whether the stored answer was reused, the
    summary, the tables (as stored and exported) and the files written."""

    run_id: str
    reused: bool
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    out_dir: Path
    files: list[Path] = field(default_factory=list)


class RunStore(Protocol):
    """The keyed run store a planner keeps its runs in (engine.store.runs)."""

    def find(self, key: str) -> dict[str, Any] | None: ...

    def load(self, key: str) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]: ...

    def save(
        self,
        key: str,
        period: str,
        inputs: Snapshot,
        config: Any,
        summary: dict[str, Any],
        frames: dict[str, pd.DataFrame],
        replace: bool = False,
        pdus: Sequence[str] = (),
        supersede: bool = False,
    ) -> None: ...

    def check_night(
        self, pdus: Sequence[str], period: str, run_id: str, kind: str = "allocation"
    ) -> None: ...


class Planner(ABC):
    """One planner's steps, in the order `execute` calls them. `load` sets `period` (what the
    run holds for its PDUs: the night, the week, the quarter's Monday), `solver` and `pdus`."""

    kind: ClassVar[str]  # the store's lock kind: allocation | unpaid_work | groups
    what: ClassVar[str]  # what the checker rejects: 'allocation', 'week', 'plan'
    label: ClassVar[str]  # the progress bar's words

    period: str
    solver: str
    pdus: list[str]
    times: TravelTimes  # set by `execute` once the folder is valid
    solve_seconds: float = 0.0  # set by `execute`: the parts' wall time
    started: float | None = None  # set by `execute`: time.perf_counter() as the run began

    def __init__(self, opts: RunOptions) -> None:
        self.opts, self.config = opts, opts.config

    @abstractmethod
    def load(self) -> None:
        """Read and validate the folder (DataContractError naming file, row and field) and
        settle the period, the solver and the PDUs in scope (RunFailed when they cannot be)."""

    @abstractmethod
    def key_parts(self) -> list[Any]:
        """Everything besides the road networks that decides the answer."""

    @abstractmethod
    def open_store(self, url: str) -> RunStore: ...

    @abstractmethod
    def parts(self, store: RunStore) -> tuple[list[Job], Task, Fallback]:
        """The independent parts to solve (longest first), the module-level task that solves
        one with the chosen solver and the baseline, and the fallback of a part that fails."""

    @abstractmethod
    def decode(self, solved: dict[str, Solved]) -> dict[str, pd.DataFrame]:
        """The answer as the tables that are stored and exported, with reasons."""

    @abstractmethod
    def check(self, tables: dict[str, pd.DataFrame]) -> list[Violation]:
        """The independent checker's verdict on what the plan adds."""

    @abstractmethod
    def summary(
        self, key: str, tables: dict[str, pd.DataFrame], solved: dict[str, Solved]
    ) -> dict[str, Any]:
        """The run's figures, its solver's against the baseline's, with bound and gap."""

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """The validated inputs, kept once per inputs hash."""

    @abstractmethod
    def export(self, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
        """Write the files (atomically) and return their paths."""


def execute(planner: Planner) -> RunOutcome:
    """Run a planner's steps: the same work asked for again is re-exported from the store
    unless forced or stored stopped early; a period another run holds is refused (RunConflict)
    before solving unless forced; a plan the checker rejects raises RunFailed and nothing of it
    is stored; otherwise the run is stored in one transaction, then its files written. SIGINT
    and SIGTERM end the run with RunInterrupted and nothing stored (engine.core.signals), or
    with `keep_best`, a signal during the solve stores the best answer marked stopped early."""
    if planner.opts.observer is None:
        # Without a caller's observer the run keeps its own, so that the stop request of a
        # signal reaches the solver processes.
        with tempfile.TemporaryDirectory(prefix="probation-run-") as folder:
            planner.opts = replace(planner.opts, observer=FileProgress(folder))
            return execute(planner)
    t0 = time.perf_counter()
    with RunSignals(planner.opts.observer, planner.opts.keep_best) as signals:
        try:
            return _steps(planner, signals, t0)
        except Exception as exc:  # a signal while the store was written: rolled back
            stop = interruption(exc)
            if stop is not None:
                raise stop from None
            raise


def _steps(planner: Planner, signals: RunSignals, t0: float) -> RunOutcome:
    opts, config = planner.opts, planner.config
    planner.started = t0
    planner.load()
    planner.times = travel_service(config.travel, opts.osm_file)
    store = planner.open_store(opts.db_url or default_url(opts.out))
    key = run_key(*planner.key_parts(), planner.times.network_hashes())
    stored = store.find(key)
    if stored is not None and reusable(json.loads(stored["summary_json"]), opts.force):
        tables, summary = store.load(key)
        files = _export(planner, key, tables, summary)
        return RunOutcome(key, True, summary | {"reused": True}, tables, opts.out, files)
    if not opts.force:  # a period another run holds is refused before solving, not after
        store.check_night(planner.pdus, planner.period, key, planner.kind)
    jobs, task, fallback = planner.parts(store)
    settings = PartsSettings(
        planner.label,
        config.solver.parallel_processes,
        opts.engine,
        opts.scheduler,
        config.solver.part_retries,
        opts.progress,
    )
    t_solve = time.perf_counter()
    with signals.solving():
        solved = solve_parts(jobs, task, fallback, settings, opts.observer)
    planner.solve_seconds = time.perf_counter() - t_solve
    if not opts.keep_best:
        signals.check()
    signals.signum = None  # kept: the best so far goes on, marked stopped early below
    tables = planner.decode(solved)
    violations = planner.check(tables)
    if violations:
        raise RunFailed(rejected(planner.what, violations))
    summary = planner.summary(key, tables, solved)
    summary["stopped_early"] = stop_asked(opts.observer)  # the best so far, not finished
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    signals.check()
    store.save(
        key,
        planner.period,
        planner.snapshot(),
        config,
        summary,
        tables,
        replace=stored is not None,
        pdus=planner.pdus,
        supersede=opts.force,
    )
    files = _export(planner, key, tables, summary)
    return RunOutcome(key, False, summary | {"reused": False}, tables, opts.out, files)


def _export(
    planner: Planner, key: str, tables: dict[str, pd.DataFrame], summary: dict[str, Any]
) -> list[Path]:
    """The planner's files; a folder that cannot take them (full, read-only) is an error that
    says the run is stored and how to write them again, never a traceback."""
    opts = planner.opts
    try:
        return planner.export(tables, summary)
    except OSError as exc:
        raise ExportFailed(
            f"run {key} is stored, but its files could not be written to {opts.out}: {exc}; "
            f"write them again with `probation export --run {key} --data {opts.data} --out DIR`"
        ) from None


def export_stored(planner: Planner, key: str) -> RunOutcome:
    """Write a stored run's files again from the store (after an export that failed, or into
    another folder): its inputs are read again only for what the files add to the tables."""
    opts = planner.opts
    planner.load()
    url = opts.db_url or default_url(opts.out)
    store = planner.open_store(url)
    if store.find(key) is None:
        raise RunFailed(f"no stored {planner.what} {key} in {url}")
    tables, summary = store.load(key)
    return RunOutcome(key, True, summary, tables, opts.out, _export(planner, key, tables, summary))
