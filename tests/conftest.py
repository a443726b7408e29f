"""Shared fixtures: the shared reference data beside the checkout, the default config."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from engine.core.config import load_config
from tests.builders import REPO, RUN_DATE, write_night

SHARED = Path(os.environ.get("PROBATION_SHARED", REPO.parent / "shared"))

# Importing the CLI (the builders do) gives Ctrl-C and SIGTERM the command's own handling; the
# test runner keeps Python's, so Ctrl-C still ends a test session. tests/reliability sends
# signals to real `probation` processes.
import engine.cli  # noqa: E402, F401

signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip(f"shared reference data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture
def night(tmp_path, config):
    """Run a hand-built night through the whole batch; returns decisions indexed by case_id."""
    from engine.allocation.pipeline import RunOptions, run_night

    def _run(pracs, cases, solver="cpsat", cfg=None, **kw):
        data = write_night(tmp_path / "in", pracs, cases)
        out = tmp_path / f"out-{solver}"
        opts = RunOptions(
            data=data,
            out=out,
            config=cfg or config,
            period=RUN_DATE.isoformat(),
            solver=solver,
            progress=False,
            force=True,
            **kw,
        )
        res = run_night(opts)
        return res.tables["decisions"].set_index("case_id"), res

    return _run


# ---- the two databases the store runs on ------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session: PROBATION_TEST_PG_URL when set, else a throw-away one
    started from the machine's binaries (initdb/pg_ctl, as the `postgres` user when we are root)
    on loopback. Skips, saying why, only when no server can be had."""
    url = os.environ.get("PROBATION_TEST_PG_URL")
    if url:
        yield url
        return
    initdb = shutil.which("initdb") or next(
        iter(Path("/usr/lib/postgresql").glob("*/bin/initdb")), None
    )
    if not initdb:
        pytest.skip(
            "no PostgreSQL binaries (initdb) on this machine and PROBATION_TEST_PG_URL unset"
        )
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
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(tmp / "log"),
            "-w",
            "-o",
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1",
            "start",
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {exc.stderr[-300:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"  # the plain form a user would type
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty store database: a SQLite file, then a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    import psycopg

    server = request.getfixturevalue("pg_server")
    name = "t" + uuid.uuid4().hex[:12]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name
