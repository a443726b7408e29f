"""API keys: each maps to a role and to the regions or PDUs its holder may see. Keys come from
a TOML file (`[[keys]] key, name, role, regions, pdus`), never from the code."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import tomllib
from collections import defaultdict, deque
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, Field


class Role(str, Enum):
    ADMIN = "admin"
    SPO = "spo"
    COORDINATOR = "coordinator"  # Unpaid Work: plans and re-plans the weeks of its PDUs
    INTERVENTIONS = "interventions"  # programme groups: plans and re-plans its region's quarters
    READ_ONLY = "read-only"


# The kinds of run each role may start (and re-plan); every role sees what its scope covers.
RUNS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({"allocation", "upw", "groups"}),
    Role.SPO: frozenset({"allocation", "upw", "groups"}),
    Role.COORDINATOR: frozenset({"upw"}),
    Role.INTERVENTIONS: frozenset({"groups"}),
    Role.READ_ONLY: frozenset(),
}


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

    def may_run(self, kind: str | None = None) -> bool:
        """Whether this key may start runs at all (`kind` None), or runs of `kind`."""
        allowed = RUNS[self.role]
        return bool(allowed) if kind is None else kind in allowed


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


COOKIE = "probation_session"  # the review pages' sign-in: a session id, never the key


@dataclass
class Session:
    """A signed-in browser: whose key, the token its forms must carry, when it ends."""

    who: Principal
    csrf: str
    expires: float


class Sessions:
    """The review pages' sessions, held by the service (the cookie holds only a random id)."""

    def __init__(self, hours: float = 8.0):
        self.seconds = hours * 3600
        self._open: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, who: Principal) -> tuple[str, Session]:
        sid, s = secrets.token_urlsafe(32), Session(who, secrets.token_urlsafe(32), 0.0)
        s.expires = time.time() + self.seconds
        with self._lock:
            self._open[sid] = s
        return sid, s

    def get(self, sid: str | None) -> Session | None:
        with self._lock:
            s = self._open.get(sid or "")
            if s is not None and s.expires < time.time():  # expired: signed out
                del self._open[sid or ""]
                return None
            return s

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._open.pop(sid or "", None)


class Throttle:
    """Wrong keys from one address: after `limit` within `window` seconds, that address is
    refused (429) until the window has passed, so keys cannot be guessed at speed."""

    def __init__(self, limit: int = 10, window: float = 60.0):
        self.limit, self.window = limit, window
        self._failed: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, address: str) -> deque[float]:
        q, now = self._failed[address], time.time()
        while q and q[0] < now - self.window:
            q.popleft()
        return q

    def check(self, address: str) -> None:
        with self._lock:
            if len(self._recent(address)) >= self.limit:
                raise HTTPException(
                    429, f"too many wrong keys from this address: wait {self.window:g} s"
                )

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(time.time())


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def known_key(request: Request, key: str) -> Principal | None:
    """The key's holder, or None (counted against the caller's address; 429 once too many)."""
    throttle: Throttle = request.app.state.throttle
    throttle.check(_address(request))
    found = request.app.state.keys.get(key)
    if found is None:
        throttle.failed(_address(request))
    return found


def principal(request: Request) -> Principal:
    """The caller of the JSON API, from the X-API-Key header only (a browser's cookie never
    authorises an API call): 401 without a known key, 429 after too many wrong ones."""
    found = known_key(request, request.headers.get("x-api-key", ""))
    if found is None:
        raise HTTPException(status_code=401, detail="missing or unknown API key (X-API-Key header)")
    return found


def page_session(request: Request) -> Session | None:
    """The review pages' signed-in session, from the session cookie (None: sign in again)."""
    return request.app.state.sessions.get(request.cookies.get(COOKIE))


def check_form(request: Request, session: Session, token: str | None) -> None:
    """A state-changing form must come from this service's own pages: the request's Origin (or
    Referer) is this service, and the form carries the session's CSRF token."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is None and request.headers.get("referer"):
        parts = urlsplit(request.headers["referer"])
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is not None and origin != own:
        raise HTTPException(403, f"a form from {origin} may not act on this service")
    if not token or not secrets.compare_digest(token, session.csrf):
        raise HTTPException(403, "this form has expired or did not come from this service")


def runner(p: Principal = Depends(principal)) -> Principal:
    if not p.may_run():
        raise HTTPException(status_code=403, detail=f"role {p.role.value} may not start runs")
    return p
