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
