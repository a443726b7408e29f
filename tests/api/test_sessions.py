"""The review pages' sign-in and forms, as a hostile page would try them: the browser holds a
session id (never the key), the JSON API never accepts the cookie, every state-changing form
needs the session's CSRF token and must come from this service's own origin, a session ends
on sign-out or expiry, the cookie is Secure over TLS, and wrong keys are throttled."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.auth import COOKIE, Sessions, Throttle
from tests.builders import ADMIN, SPO_L, make_client, review_session, upload_files, wait_for


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory, config, lincoln):
    """A finished Lincoln night, and a browser signed in as its SPO, with the page's token."""
    client = make_client(tmp_path_factory, config)
    h = {"X-API-Key": SPO_L}
    run = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "solver": "greedy"},
        headers=h,
    ).json()["run"]
    assert wait_for(client, run, SPO_L)["state"] == "DONE"
    login, token = review_session(client, run, SPO_L)
    return client, run, token, login


def test_the_cookie_holds_a_session_id_not_the_key(signed_in):
    client, _, _, login = signed_in
    cookie = login.headers["set-cookie"]
    assert SPO_L not in cookie and "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower() and "max-age=28800" in cookie.lower()


def test_the_json_api_never_takes_the_cookie(signed_in):
    client, run, _, _ = signed_in
    assert client.cookies.get(COOKIE)  # signed in
    assert client.get(f"/runs/{run}").status_code == 401
    assert client.post(f"/runs/{run}/decisions/confirm-rest").status_code == 401


def test_a_form_without_the_token_or_from_another_origin_is_refused(signed_in):
    client, run, token, _ = signed_in
    url = f"/review/{run}/confirm-rest"
    assert client.post(url, follow_redirects=False).status_code == 403  # no token
    assert client.post(url, data={"csrf": "forged"}, follow_redirects=False).status_code == 403
    evil = {"origin": "http://testserver:8001"}  # another port of the same host: same site
    r = client.post(url, data={"csrf": token}, headers=evil, follow_redirects=False)
    assert r.status_code == 403
    referred = {"referer": "http://127.0.0.1:9999/attack.html"}
    r = client.post(url, data={"csrf": token}, headers=referred, follow_redirects=False)
    assert r.status_code == 403
    assert client.get(f"/runs/{run}/decisions", headers={"X-API-Key": SPO_L}).json() == []
    own = {"origin": "http://testserver"}
    r = client.post(url, data={"csrf": token}, headers=own, follow_redirects=False)
    assert r.status_code == 303 and "confirmed" in r.headers["location"]
    assert client.get(f"/runs/{run}/decisions", headers={"X-API-Key": SPO_L}).json()


def test_a_sign_in_posted_from_another_site_is_refused(signed_in):
    client = signed_in[0]
    r = client.post("/review/login", data={"key": SPO_L}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403


def test_sign_out_ends_the_session(tmp_path_factory, config):
    client = make_client(tmp_path_factory, config)
    client.post("/review/login", data={"key": ADMIN})
    sid = client.cookies.get(COOKIE)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/review").text).group(1)
    r = client.post("/review/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review/login"
    client.cookies.set(COOKIE, sid)  # the old id, replayed
    assert client.get("/review", follow_redirects=False).headers["location"] == "/review/login"


def test_a_session_ends_when_it_expires(monkeypatch):
    import time

    from api.auth import Principal

    sessions = Sessions(hours=1)
    sid, _ = sessions.open(Principal(key="k" * 16, name="n", role="spo"))
    assert sessions.get(sid) is not None
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3601)
    assert sessions.get(sid) is None and sessions.get(sid) is None


def test_the_cookie_is_secure_over_tls(tmp_path_factory, config):
    client = make_client(tmp_path_factory, config)
    tls = TestClient(client.app, base_url="https://testserver")
    r = tls.post("/review/login", data={"key": ADMIN}, follow_redirects=False)
    assert "secure" in r.headers["set-cookie"].lower()
    r = client.post("/review/login", data={"key": ADMIN}, follow_redirects=False)
    assert "secure" not in r.headers["set-cookie"].lower()


def test_wrong_keys_are_throttled(tmp_path_factory, config):
    client = make_client(tmp_path_factory, config)
    for _ in range(10):
        assert (
            client.get("/runs/x", headers={"X-API-Key": "wrong-key-0123456789"}).status_code == 401
        )
    assert client.get("/runs/x", headers={"X-API-Key": ADMIN}).status_code == 429  # for a while
    assert client.post("/review/login", data={"key": ADMIN}).status_code == 429
    throttle = Throttle(limit=2, window=0.0)  # once the window has passed, the address may try
    throttle.failed("a"), throttle.failed("a")
    throttle.check("a")
