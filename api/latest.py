"""`latest` in a page's address: the newest run of a kind the key sees, so that a coordinator,
a team or an SPO can keep one address for "my current plan"."""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException

from api import page_data
from api.auth import Principal
from api.jobs import Job
from api.scope import view
from api.service import Service


def newest(svc: Service, who: Principal, kinds: tuple[str, ...], person: str | None = None) -> Job:
    """The newest finished run of these kinds this key sees (holding `person` in its inputs,
    when given), else the newest still running: what `latest` in a page's address stands for,
    so an address can be kept."""
    found = [
        j
        for j in svc.jobs.list()
        if j.kind in kinds and j.state not in ("FAILED", "CANCELLED") and view(j, who) is not None
        and (person is None or (j.data and page_data.in_inputs(person, Path(j.data))))
    ]  # fmt: skip
    if not found:
        raise HTTPException(404, f"no {' or '.join(kinds)} run visible to this key")
    done = [j for j in found if j.state in ("DONE", "STOPPED")]
    return max(done or found, key=lambda j: j.created)  # one still running: its page waits
