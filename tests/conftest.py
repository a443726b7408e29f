"""Shared fixtures: the shared reference data beside the checkout, the default config."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.config import load_config

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PROBATION_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip(f"shared reference data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def config():
    return load_config()


# ---- tiny nights built by hand, for the rule micro-tests -------------------------------------
from datetime import date  # noqa: E402

import pandas as pd  # noqa: E402

RUN_DATE = date(2026, 11, 23)  # a Monday
OAKHAM = (52.6702, -0.7270)


def practitioner(pid: str, **kw) -> dict:
    row = {"practitioner_id": pid, "name": f"Officer {pid}", "grade": "PO", "sex": "F", "region": "East Midlands",
           "pdu": "Rutland PDU", "team": "Team 1", "contracted_hours": 37, "reduction_hours": 0, "skills": "",
           "welsh_speaker": False, "office_lat": OAKHAM[0], "office_lon": OAKHAM[1]}
    row.update(kw)
    return row


def case(cid: str, **kw) -> dict:
    row = {"case_id": cid, "sex": "M", "region": "East Midlands", "pdu": "Rutland PDU", "tier": "C2", "rosh": "MEDIUM",
           "mappa_level": 0, "case_type": "COMMUNITY", "sentence_date": RUN_DATE.isoformat(), "required_skills": "",
           "preferred_skills": "", "wants_female_practitioner": False, "needs_welsh": False,
           "home_lat": OAKHAM[0] + 0.01, "home_lon": OAKHAM[1], "current_practitioner_id": "",
           "conflict_practitioner_ids": ""}
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
    return [case(f"F-{pid}-{start + k}", current_practitioner_id=pid, sentence_date="2026-01-05")
            for k in range(max(n, points // per))]


@pytest.fixture
def night(tmp_path, config):
    """Run a hand-built night through the whole batch; returns decisions indexed by case_id."""
    from engine.batch import RunOptions, run_night

    def _run(pracs, cases, solver="cpsat", cfg=None, **kw):
        data = write_night(tmp_path / "in", pracs, cases)
        out = tmp_path / f"out-{solver}"
        opts = RunOptions(data=data, out=out, config=cfg or config, run_date=RUN_DATE, solver=solver,
                          progress=False, force=True, **kw)
        res = run_night(opts)
        return res.decisions.set_index("case_id"), res

    return _run
