"""The store on a real PostgreSQL server: the same night, stored and re-run idempotently.

Uses PROBATION_TEST_PG_URL when set; otherwise starts a throw-away server from the machine's
PostgreSQL binaries (initdb/pg_ctl, run as the `postgres` user when we are root) on loopback.
Skips, saying why, only when no server can be had.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from engine.batch import RunOptions, run_night
from engine.store import Store, decisions, runs
from tests.conftest import RUN_DATE, case, filler, practitioner, write_night


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    url = os.environ.get("PROBATION_TEST_PG_URL")
    if url:
        yield url
        return
    initdb = shutil.which("initdb") or next(iter(Path("/usr/lib/postgresql").glob("*/bin/initdb")), None)
    if not initdb:
        pytest.skip("no PostgreSQL binaries (initdb) on this machine and PROBATION_TEST_PG_URL unset")
    bindir = Path(initdb).resolve().parent
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    tmp = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data = tmp / "data"
    if as_user:
        shutil.chown(tmp, "postgres")
    port = _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o",
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {exc.stderr[-300:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"  # the plain form a user would type
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def test_night_on_postgres(pg_url, tmp_path, config):
    data = write_night(tmp_path / "in", [practitioner("A"), practitioner("B")],
                       [case("C1"), case("C2", rosh="HIGH", tier="B2")] + filler("A", 600))
    opts = RunOptions(data=data, out=tmp_path / "out", config=config, db_url=pg_url, run_date=RUN_DATE, progress=False)
    first = run_night(opts)
    store = Store(pg_url)
    n = store.count(runs), store.count(decisions)
    again = run_night(opts)
    assert again.reused and again.run_id == first.run_id
    assert (store.count(runs), store.count(decisions)) == n
    stored, _ = store.load_results(first.run_id)
    assert set(stored["case_id"]) == set(first.decisions["case_id"])
