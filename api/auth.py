"""API keys: each maps to a role and to the regions or PDUs its holder may see. Keys come from
a TOML file (`[[keys]] key, name, role, regions, pdus`), never from the code."""

from __future__ import annotations

import hashlib
import tomllib
from enum import Enum
from pathlib import Path

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, Field


class Role(str, Enum):
    ADMIN = "admin"
    SPO = "spo"
    COORDINATOR = "coordinator"
    READ_ONLY = "read-only"


class Principal(BaseModel):
    key: str = Field(min_length=16)
    name: str
    role: Role
    regions: tuple[str, ...] = ()
    pdus: tuple[str, ...] = ()

    @property
    def key_id(self) -> str:
        """Who this key is, for ownership: a hash of the secret (never the secret, never the
        display name, which another key could share)."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:16]

    def sees(self, region: str | None, pdu: str | None) -> bool:
        """Admins see everything; others only their regions and PDUs."""
        if self.role == Role.ADMIN:
            return True
        return (region is not None and region in self.regions) or (
            pdu is not None and pdu in self.pdus
        )

    def may_run(self) -> bool:
        return self.role in (Role.ADMIN, Role.SPO, Role.COORDINATOR)


def load_keys(path: str | Path) -> dict[str, Principal]:
    """Keys by their secret. Raises ValueError naming the file and the entry on bad input, and
    on a key or a name given twice (names are shown as who decided, so each is one person)."""
    data = tomllib.loads(Path(path).read_text())
    out: dict[str, Principal] = {}
    names: dict[str, int] = {}
    for n, entry in enumerate(data.get("keys", []), start=1):
        try:
            p = Principal(**entry)
        except Exception as exc:  # pydantic names the field
            raise ValueError(f"{path}: key entry {n}: {exc}") from None
        if p.key in out:
            raise ValueError(f"{path}: key entry {n}: the same key as an earlier entry")
        if p.name in names:
            raise ValueError(f"{path}: key entry {n}: name {p.name!r} is entry {names[p.name]}'s")
        out[p.key], names[p.name] = p, n
    return out


COOKIE = "probation_key"  # the review page's sign-in (browsers cannot send the header)


def principal(request: Request) -> Principal:
    """The caller, from the X-API-Key header (or the review page's cookie): 401 without a known key."""
    key = request.headers.get("x-api-key") or request.cookies.get(COOKIE, "")
    found = request.app.state.keys.get(key)
    if found is None:
        raise HTTPException(status_code=401, detail="missing or unknown API key (X-API-Key header)")
    return found


def runner(p: Principal = Depends(principal)) -> Principal:
    if not p.may_run():
        raise HTTPException(status_code=403, detail=f"role {p.role.value} may not start runs")
    return p
