"""Builders every test shares: tiny hand-made nights, Unpaid Work rows, two-PDU nights and the
API's keys and client helpers. Fixtures live in the conftest files; plain builders live here."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "test-artifacts"  # the browser tests' screenshots, for people to look at
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
NIGHT = date(2026, 11, 23)  # the generated nights' date (a Monday)
RUN_DATE = date(2026, 11, 23)  # a Monday
OAKHAM = (52.6702, -0.7270)


def practitioner(pid: str, **kw) -> dict:
    row = {
        "practitioner_id": pid,
        "name": f"Officer {pid}",
        "grade": "PO",
        "sex": "F",
        "region": "East Midlands",
        "pdu": "Rutland PDU",
        "team": "Team 1",
        "contracted_hours": 37,
        "reduction_hours": 0,
        "skills": "",
        "welsh_speaker": False,
        "office_lat": OAKHAM[0],
        "office_lon": OAKHAM[1],
    }
    row.update(kw)
    return row


def case(cid: str, **kw) -> dict:
    row = {
        "case_id": cid,
        "sex": "M",
        "region": "East Midlands",
        "pdu": "Rutland PDU",
        "tier": "C2",
        "rosh": "MEDIUM",
        "mappa_level": 0,
        "case_type": "COMMUNITY",
        "sentence_date": RUN_DATE.isoformat(),
        "required_skills": "",
        "preferred_skills": "",
        "wants_female_practitioner": False,
        "needs_welsh": False,
        "home_lat": OAKHAM[0] + 0.01,
        "home_lon": OAKHAM[1],
        "current_practitioner_id": "",
        "conflict_practitioner_ids": "",
    }
    row.update(kw)
    return row


def write_night(folder, pracs: list[dict], cases: list[dict]):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(pracs).to_csv(folder / "practitioners.csv", index=False)
    pd.DataFrame(cases).to_csv(folder / "cases.csv", index=False)
    return folder


def filler(pid: str, points: int, n: int = 1, start: int = 0) -> list[dict]:
    """Existing cases that load practitioner `pid` with about `points` (C2 community = 63)."""
    per = 63
    return [
        case(f"F-{pid}-{start + k}", current_practitioner_id=pid, sentence_date="2026-01-05")
        for k in range(max(n, points // per))
    ]


# ---- Unpaid Work rows ----
def person(pid: str, **kw) -> dict:
    row = {
        "person_id": pid,
        "sex": "M",
        "pdu": "Rutland PDU",
        "sentence_date": "2026-06-01",
        "hours_ordered": 100,
        "hours_completed": 20,
        "ete_hours_completed": 0,
        "employed": False,
        "available_days": "Mon;Wed",
        "max_hours_per_week": 14,
        "home_lat": 52.67,
        "home_lon": -0.72,
        "travel_mode": "public_transport",
        "prefers_not_all_male": False,
        "lone_woman_ok": False,
        "needs_workshop": False,
        "no_public_facing": False,
        "carer_max_travel_minutes": "",
        "exclude_person_ids": "",
    }
    row.update(kw)
    return row


def placement(plid: str, **kw) -> dict:
    row = {
        "placement_id": plid,
        "kind": "GROUP",
        "pdu": "Rutland PDU",
        "lat": 52.66,
        "lon": -0.70,
        "days": "Mon;Tue",
        "session_hours": 7,
        "capacity": 8,
        "public_facing": False,
        "women_only": False,
        "pickup_lat": 52.67,
        "pickup_lon": -0.72,
    }
    row.update(kw)
    return row


def supervisor(sid: str, **kw) -> dict:
    row = {
        "supervisor_id": sid,
        "sex": "M",
        "pdu": "Rutland PDU",
        "base_lat": 52.67,
        "base_lon": -0.72,
        "available_days": "Mon;Tue;Wed;Thu;Fri",
        "kinds": "GROUP;WORKSHOP",
        "max_crew": 8,
        "drives_van": True,
        "van_seats": 8,
    }
    row.update(kw)
    return row


def schedule_row(pid, plid, day="2026-11-23", hours=7.0, travel=0, reason="") -> dict:
    """One row of an Unpaid Work schedule, as the planner writes it (for checker tests)."""
    return {
        "person_id": pid,
        "placement_id": plid,
        "date": day,
        "hours": hours,
        "credited_hours": hours,
        "travel_minutes": travel,
        "supervised_travel_minutes": 0,
        "travel_reason": reason,
    }


def induction(iid: str, **kw) -> dict:
    row = {
        "induction_id": iid,
        "pdu": "Rutland PDU",
        "lat": 52.67,
        "lon": -0.72,
        "days": "Mon",
        "date": "",
        "capacity": 10,
    }
    row.update(kw)
    return row


def write_upw(tmp_path, people, places, supervisors=None, inductions=None):
    pd.DataFrame(people).to_csv(tmp_path / "upw_people.csv", index=False)
    pd.DataFrame(places).to_csv(tmp_path / "upw_placements.csv", index=False)
    for stem, rows in (("upw_supervisors", supervisors), ("upw_inductions", inductions)):
        path = tmp_path / f"{stem}.csv"
        if rows is not None:
            pd.DataFrame(rows).to_csv(path, index=False)
        elif path.exists():
            path.unlink()
    return tmp_path


# ---- programme groups: one of each table, Rutland, one structured programme ----
def referral(pid: str, **kw) -> dict:
    row = {
        "person_id": pid,
        "sex": "M",
        "pdu": "Rutland PDU",
        "programme": "SI-EM",
        "referral_date": "2026-10-01",
        "sentence_end": "2027-12-31",
        "home_lat": 52.67,
        "home_lon": -0.72,
        "travel_mode": "car",
        "available_slots": "Mon-AM;Tue-AM",
        "exclude_person_ids": "",
    }
    row.update(kw)
    return row


def programme(name: str = "SI-EM", **kw) -> dict:
    row = {
        "programme": name,
        "kind": "STRUCTURED",
        "sessions": 6,
        "sessions_per_week": 1,
        "session_hours": 2,
        "min_group": 3,
        "max_group": 12,
        "facilitators_per_session": 1,
    }
    row.update(kw)
    return row


def venue(vid: str = "V1", **kw) -> dict:
    row = {
        "venue_id": vid,
        "pdu": "Rutland PDU",
        "lat": 52.66,
        "lon": -0.70,
        "rooms": 1,
        "available_slots": "Mon-AM;Tue-AM",
        "women_only_space": False,
        "accessible": True,
    }
    row.update(kw)
    return row


def facilitator(fid: str = "F1", **kw) -> dict:
    row = {
        "facilitator_id": fid,
        "sex": "F",
        "pdu": "Rutland PDU",
        "trained_programmes": "SI-EM",
        "available_slots": "Mon-AM;Tue-AM",
        "max_sessions_per_week": 5,
        "base_lat": 52.66,
        "base_lon": -0.71,
    }
    row.update(kw)
    return row


def running_group(gid: str = "R1", **kw) -> dict:
    row = {
        "group_id": gid,
        "programme": "SI-EM",
        "venue_id": "V1",
        "slots": "Mon-AM",
        "start_date": "2026-11-02",
        "facilitator_ids": "F1",
        "person_ids": "M1;M2;M3",
        "sessions_done": 3,
    }
    row.update(kw)
    return row


def write_groups(folder, refs, progs, venues, facs, running=None):
    for stem, rows in (
        ("referrals", refs),
        ("programmes", progs),
        ("venues", venues),
        ("facilitators", facs),
        ("groups_running", running),
    ):
        path = folder / f"{stem}.csv"
        if rows is not None:
            pd.DataFrame(rows).to_csv(path, index=False)
        elif path.exists():
            path.unlink()
    return folder


def groups_upload(folder: Path) -> dict:
    """A programme folder's four files as the groups upload form takes them."""
    return {
        stem: (f"{stem}.csv", (folder / f"{stem}.csv").read_bytes(), "text/csv")
        for stem in ("referrals", "programmes", "venues", "facilitators")
    }


# ---- a night of two PDUs in one region ----
PDUS = ("Rutland PDU", "Melton PDU")


def two_pdu_night(folder: Path, per_pdu: int = 12) -> Path:
    """Two PDUs of the same region, each with its own staff and new cases."""
    pracs, cases = [], []
    for k, pdu in enumerate(PDUS):
        for j in range(per_pdu // 3):
            pid = f"P{k}{j}"
            pracs.append(practitioner(pid, pdu=pdu))
            cases.extend(
                case(c["case_id"], pdu=pdu, current_practitioner_id=pid, sentence_date="2026-01-05")
                for c in filler(pid, 63 * (j % 4))
            )
        cases.extend(
            case(f"N{k}-{i}", pdu=pdu, tier=("C2", "B2", "D1")[i % 3]) for i in range(per_pdu)
        )
    return write_night(folder, pracs, cases)


# ---- the HTTP service's keys and helpers ----
ADMIN, SPO_L, SPO_B, READER = (
    "admin-key-0123456789",
    "spo-lincoln-0123456789",
    "spo-boston-0123456789",
    "reader-key-0123456789",
)
COORD = "coord-lincoln-0123456789"
INTERV = "interventions-em-0123456789"  # the East Midlands Interventions Team
INTERV_OTHER = "interventions-nw-0123456789"  # another region's team
SPO_R = "spo-rutland-0123456789"


KEYS = [
    (ADMIN, "admin", "admin", ()),
    (SPO_L, "spo-lincoln", "spo", ("Lincoln PDU",)),
    (SPO_B, "spo-boston", "spo", ("Boston PDU",)),
    (READER, "reader", "read-only", ("Lincoln PDU",)),
    (SPO_R, "spo-rutland", "spo", ("Rutland PDU",)),
    (COORD, "coordinator-lincoln", "coordinator", ("Lincoln PDU",)),
]
REGION_KEYS = [  # keys scoped by region: (key, name, role, regions)
    (INTERV, "interventions-east-midlands", "interventions", ("East Midlands",)),
    (INTERV_OTHER, "interventions-north-west", "interventions", ("North West",)),
]


def make_client(tmp_path_factory, config, **settings) -> TestClient:
    work = tmp_path_factory.mktemp("api")
    keys = work / "keys.toml"
    keys.write_text(
        "".join(
            f'[[keys]]\nkey = "{k}"\nname = "{name}"\nrole = "{role}"\npdus = {json.dumps(list(pdus))}\n\n'
            for k, name, role, pdus in KEYS
        )
        + "".join(
            f'[[keys]]\nkey = "{k}"\nname = "{name}"\nrole = "{role}"\n'
            f"regions = {json.dumps(list(regions))}\n\n"
            for k, name, role, regions in REGION_KEYS
        )
    )  # a JSON list of strings is a TOML array
    return TestClient(
        create_app(ApiSettings(keys_file=keys, work_dir=work, config=config, **settings))
    )


def upload_files(folder):
    return {
        "practitioners": (
            "practitioners.csv",
            (folder / "practitioners.csv").read_bytes(),
            "text/csv",
        ),
        "cases": ("cases.csv", (folder / "cases.csv").read_bytes(), "text/csv"),
    }


def all_rows(client, run: str, key: str, table: str = "allocations") -> list[dict]:
    """Every row of a run's table (a night's allocations unless named), page by page."""
    rows, page = [], 1
    while True:
        got = client.get(
            f"/runs/{run}/results/{table}",
            params={"size": 1000, "page": page},
            headers={"X-API-Key": key},
        ).json()
        rows += got["items"]
        if len(rows) >= got["total"]:
            return rows
        page += 1


def review_session(client, run: str, key: str):
    """Sign a TestClient in to the review page with `key`; the login response and the page's
    CSRF token for `run`."""
    import re

    login = client.post("/review/login", data={"key": key}, follow_redirects=False)
    assert login.status_code == 303
    page = client.get(f"/review/{run}").text
    return login, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def wait_for(client, run, key, timeout=120):
    t_end = time.time() + timeout
    while time.time() < t_end:
        s = client.get(f"/runs/{run}", headers={"X-API-Key": key}).json()
        if s["state"] not in ("QUEUED", "RUNNING", "STOPPING"):
            return s
        time.sleep(0.3)
    raise AssertionError("run did not finish")


# ---- runs asked to stop ----
class StopRequested:
    """An observer whose stop was asked for before the run began: each search ends at its
    first answer, which the run checks and stores marked stopped early."""

    def stopped(self) -> bool:
        return True

    def report(self, phase: str, objective, bound, force: bool = False) -> None:
        pass

    def for_part(self, part: str) -> StopRequested:
        return self

    def parts_done(self, done: int, total: int, objective, bound) -> None:
        pass


class Abandoned(StopRequested):
    """Stopped, and nothing of the run is to be kept (a signal without --keep-best): each part
    abandons the rest of its work at its next check."""

    def abandoned(self) -> bool:
        return True


# ---- a real browser against the service ----
@contextlib.contextmanager
def served(app):
    """The service on a real port (uvicorn in a thread), as a browser would reach it: its
    base URL."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(10)


def until(browser, condition, seconds: float = 15):
    """Wait for `condition` on the page the browser has after a click, rather than read the
    old one. A node the page replaces between being found and being read (chromium: "Node
    with given id does not belong to the document", a plain WebDriverException, not a stale
    element) is read again, as a stale one is; a condition never met still times out."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds, ignored_exceptions=[WebDriverException]).until(condition)


def chromium_driver(scratch: Path):
    """Debian's headless chromium through Debian's chromedriver (nothing downloaded); the
    caller skips where they are not installed. Its profile and temporary files (the
    org.chromium.Chromium.* singleton folders it leaves in /tmp otherwise) go under `scratch`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    opts.add_argument(f"--user-data-dir={scratch / 'profile'}")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1800",
    ):
        opts.add_argument(flag)
    env = {**os.environ, "TMPDIR": str(scratch)}
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env=env), options=opts)
    driver.implicitly_wait(5)
    return driver
