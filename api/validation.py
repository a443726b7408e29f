"""Checking an upload against the engine's contract, in a process of its own.

Validating a national file is seconds of Python holding the GIL: in a thread of the service it
starves the event loop, so `/healthz` and every page wait. The check runs instead in a small pool
of lower-priority processes; the service's process only moves bytes and answers requests."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
from fastapi import HTTPException

from engine.allocation.contract import load_dataset
from engine.core.config import Config
from engine.core.contract import DataContractError, Issue
from engine.groups.contract import load_groups
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.outcomes import read_attendance
from engine.unpaid_work.plan import week_dates


def only_pdu(folder: Path, pdu: str) -> None:
    """Keep only the rows of one PDU in each uploaded table that has a pdu column; a table left
    with no rows is an error naming the file (the key's scope is the PDU, not the upload). What
    the kept rows name elsewhere stays valid: a co-defendant in another PDU is dropped from
    `exclude_person_ids` (not in this plan), and the groups already running at the PDU's
    venues are kept with the facilitators they name, from whichever PDU (their sessions hold
    the PDU's rooms); those elsewhere are dropped, as their venues are."""
    whole = {f.name: pd.read_csv(f, dtype=str, keep_default_na=False) for f in folder.glob("*.csv")}
    for name, df in sorted(whole.items()):
        if "pdu" not in df.columns:
            continue
        kept = df[df["pdu"] == pdu].copy()
        if kept.empty:
            raise DataContractError([Issue(name, None, "pdu", f"no rows for {pdu}", None)])
        if "exclude_person_ids" in kept.columns and "person_id" in kept.columns:
            ids = set(kept["person_id"])
            kept["exclude_person_ids"] = [
                ";".join(x for x in str(v).split(";") if x and x in ids)
                for v in kept["exclude_person_ids"]
            ]
        kept.to_csv(folder / name, index=False)
    _running_at_kept_venues(folder, whole)
    outcomes = folder / "upw_attendance.csv"
    if outcomes.exists() and (folder / "upw_people.csv").exists():  # only the kept people's
        people = set(pd.read_csv(folder / "upw_people.csv", dtype=str)["person_id"])
        rows = pd.read_csv(outcomes, dtype=str, keep_default_na=False)
        rows[rows["person_id"].isin(people)].to_csv(outcomes, index=False)


def _running_at_kept_venues(folder: Path, whole: dict[str, pd.DataFrame]) -> None:
    """groups_running.csv cut to the groups at the venues kept, and facilitators.csv given back
    the rows of the facilitators those groups name (`only_pdu`)."""
    running = whole.get("groups_running.csv")
    if running is None or "venues.csv" not in whole or "facilitators.csv" not in whole:
        return
    venues = set(pd.read_csv(folder / "venues.csv", dtype=str)["venue_id"])
    here = running[running["venue_id"].isin(venues)]
    if here.empty:  # none runs here: no file, where a header alone would be refused
        (folder / "groups_running.csv").unlink()
        return
    here.to_csv(folder / "groups_running.csv", index=False)
    named = {f for v in here["facilitator_ids"] for f in str(v).split(";") if f}
    facs = pd.read_csv(folder / "facilitators.csv", dtype=str, keep_default_na=False)
    every = whole["facilitators.csv"]
    extra = every[every["facilitator_id"].isin(named - set(facs["facilitator_id"]))]
    pd.concat([facs, extra]).to_csv(folder / "facilitators.csv", index=False)


def validate_folder(
    kind: str, folder: str, config: Config, pdu: str | None, period: str | None = None
) -> None:
    """The engine's own contract for the kind of run (DataContractError naming file, row and
    field), last week's outcomes included for a week, then, for a run of one PDU, only that
    PDU's rows kept (the allocation run filters its own scope)."""
    path = Path(folder)
    if kind == "allocation":
        load_dataset(path, config)
    elif kind == "upw":
        ds = load_upw(path, config)
        if period is not None:
            read_attendance(path, ds.people, ds.placements, week_dates(period)[0])
    else:
        load_groups(path, config.groups.max_group)
    if pdu is not None and kind != "allocation":
        only_pdu(path, pdu)


def _lower_priority(nice: int) -> None:
    """A checking process yields the CPU to the service's own (requests first)."""
    if nice:
        os.nice(nice)


class Validator:
    """A lazily started pool of checking processes (spawned: the service has threads). A pool
    broken by a killed worker is replaced, and that one request told to try again (503)."""

    def __init__(self, workers: int = 1, nice: int = 10):
        self.workers = max(1, workers)
        self.nice = nice
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _submit(self, *args) -> Future:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=mp.get_context("spawn"),
                    initializer=_lower_priority,
                    initargs=(self.nice,),
                )
            return self._pool.submit(validate_folder, *args)

    def _broken(self) -> HTTPException:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        return HTTPException(503, "the upload could not be checked (a checking process ended); "
                             "send it again")  # fmt: skip

    async def check(
        self, kind: str, folder: Path, config: Config, pdu: str | None, period: str | None = None
    ) -> None:
        try:
            await asyncio.wrap_future(self._submit(kind, str(folder), config, pdu, period))
        except BrokenProcessPool:
            raise self._broken() from None

    def check_sync(
        self, kind: str, folder: Path, config: Config, pdu: str | None, period: str | None = None
    ) -> None:
        try:
            self._submit(kind, str(folder), config, pdu, period).result()
        except BrokenProcessPool:
            raise self._broken() from None

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
