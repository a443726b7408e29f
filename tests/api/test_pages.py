"""The pages of the coordinator, the Interventions Team, the person's calendar and the analyst,
through the service as a browser's requests would go (the browser itself drives them in
test_pages_browser.py): each page shows what its user needs, its forms start the re-plan jobs,
a key sees only its own PDU's or region's runs (404 otherwise) and a read-only key changes
nothing."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import WEEK
from tests.builders import COORD, INTERV, INTERV_OTHER, READER, SPO_B, SPO_L, wait_for

pytestmark = pytest.mark.slow  # three plans over a live service: make test, not the everyday loop


def sign_in(client, key: str) -> str:
    """Sign the test client in (the session cookie), returning the forms' CSRF token."""
    client.cookies.clear()
    r = client.post("/review/login", data={"key": key})
    assert r.status_code == 200, r.text
    return re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_signing_in_returns_to_the_page_asked_for(pages):
    client = pages["client"]
    client.cookies.clear()
    r = client.get(f"/pages/upw/{pages['upw']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/review/login?next=")
    r = client.post(
        "/review/login", data={"key": COORD, "next": f"/pages/upw/{pages['upw']}"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.headers["location"] == f"/pages/upw/{pages['upw']}"
    r = client.post(
        "/review/login", data={"key": COORD, "next": "//elsewhere.example/x"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.headers["location"] == "/review"  # never to another site


def test_the_coordinator_stands_a_session_down_and_sees_who_to_tell(pages):
    from engine.store.runs import Store
    from engine.store.schema import upw_sessions, upw_weeks

    client = pages["client"]
    sign_in(client, COORD)
    page = client.get(f"/pages/upw/{pages['upw']}")
    assert page.status_code == 200
    html = page.text
    assert 'id="calendar"' in html and "supervisor" in html and 'id="reviews"' in html
    assert 'id="unplaced"' in html and 'id="tell-practitioner"' in html
    session = re.search(r'name="session" value="([^"]+)"', html).group(1)
    sched = client.get(
        f"/runs/{pages['upw']}/results/schedule", params={"size": 1000},
        headers={"X-API-Key": COORD},
    ).json()["items"]  # fmt: skip
    crew = {s["person_id"] for s in sched if f"{s['placement_id']}@{s['date']}" == session}
    assert crew
    r = client.post(
        f"/pages/upw/{pages['upw']}/stand-down",
        data={"session": session, "csrf": csrf_of(html)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    new = r.headers["location"].rsplit("/", 1)[1]
    assert new != pages["upw"]
    assert wait_for(client, new, COORD)["state"] == "DONE"
    html = client.get(f"/pages/upw/{new}").text
    assert "who must be told" in html and session in html
    told = re.findall(
        r'<tr><td><a href="/pages/person/[^"]+">([^<]+)</a>',
        html.split('id="tell-list"')[1].split("</table>")[0],
    )
    assert crew <= set(told)
    # the store holds the re-planned week: nobody works the stood-down session
    store = Store(client.app.state.jobs.db_url)
    with store.engine.connect() as conn:
        keys = conn.execute(upw_weeks.select().where(upw_weeks.c.week == WEEK)).all()
        latest = max(keys, key=lambda k: k.created_at).week_key
        rows = conn.execute(upw_sessions.select().where(upw_sessions.c.week_key == latest)).all()
    assert rows and not [r for r in rows if f"{r.placement_id}@{r.date}" == session]
    # a form without this session's token is refused
    assert (
        client.post(
            f"/pages/upw/{pages['upw']}/stand-down", data={"session": session, "csrf": "x"}
        ).status_code
        == 403
    )


def test_the_interventions_team_downloads_the_groups_under_way(pages):
    """The quarter's page offers groups_running.csv for the next plan: the groups begun
    before the week of the day given, as the API serves them; a day not after the quarter's
    first Monday sends the team back to the page, saying why."""
    client = pages["client"]
    sign_in(client, INTERV)
    html = client.get(f"/pages/groups/{pages['groups']}").text
    assert 'id="carry"' in html and "groups_running.csv" in html
    assert f"running_from={pages['groups']}" in html  # the one-call way over the API
    r = client.get(
        f"/pages/groups/{pages['groups']}/groups_running.csv", params={"on": "2027-01-04"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    api = client.get(
        f"/runs/{pages['groups']}/groups-running", params={"on": "2027-01-04", "format": "csv"},
        headers={"X-API-Key": INTERV},
    )  # fmt: skip
    assert r.text == api.text and r.text.startswith("group_id,programme,venue_id")
    r = client.get(
        f"/pages/groups/{pages['groups']}/groups_running.csv", params={"on": "2026-11-16"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and "not+after+the+quarter" in r.headers["location"]


def test_the_interventions_team_marks_a_facilitator_off(pages):
    from engine.store.runs import Store
    from engine.store.schema import groups_changes

    client = pages["client"]
    sign_in(client, INTERV)
    html = client.get(f"/pages/groups/{pages['groups']}").text
    assert 'id="timeline"' in html and 'class="bar"' in html and 'id="groups"' in html
    assert 'id="unplaced"' in html and 'id="facilitator-off"' in html
    status = client.get(f"/runs/{pages['groups']}", headers={"X-API-Key": INTERV}).json()
    assert ('id="facilitator-gaps"' in html) == bool(status["facilitator_gaps"])
    grid = html.split('id="facilitator-weeks"')[1].split("</table>")[0]
    cells = re.findall(r"<td(?: class=\"full\")?>(\d+)/(\d+)</td>", grid)
    assert cells and all(int(n) <= int(most) for n, most in cells)  # none over their most
    why = re.search(r'id="unplaced-why"[^>]*>Why, most first: ([^<]+)</p>', html)
    assert why is not None and re.fullmatch(r"([a-z ]+ \d+( &middot; )?)+", why.group(1))
    groups = client.get(
        f"/runs/{pages['groups']}/results/groups", params={"size": 1000},
        headers={"X-API-Key": INTERV},
    ).json()["items"]  # fmt: skip
    first = min(groups, key=lambda g: g["start_date"])
    who = first["facilitator_ids"].split(";")[0]
    r = client.post(
        f"/pages/groups/{pages['groups']}/facilitator-off",
        data={"facilitator_id": "NOBODY", "from": first["start_date"], "to": first["start_date"],
              "csrf": csrf_of(html)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and "error=" in r.headers["location"]
    r = client.post(
        f"/pages/groups/{pages['groups']}/facilitator-off",
        data={"facilitator_id": who, "from": first["start_date"], "to": first["start_date"],
              "csrf": csrf_of(html)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    new = r.headers["location"].rsplit("/", 1)[1]
    assert wait_for(client, new, INTERV)["state"] == "DONE"
    html = client.get(f"/pages/groups/{new}").text
    assert 'id="changes"' in html and first["group_id"] in html and 'id="tell-list"' in html
    store = Store(client.app.state.jobs.db_url)
    with store.engine.connect() as conn:
        changed = conn.execute(groups_changes.select()).all()
    assert any(c.item == first["group_id"] and c.date == first["start_date"] for c in changed)


def test_a_persons_calendar_shows_both_services_without_a_clash(pages):
    client = pages["client"]
    sign_in(client, COORD)
    shown = []
    for pid in pages["both"]:
        html = client.get(f"/pages/person/{pages['upw']}/{pid}").text
        assert 'id="no-clash"' in html, html
        if 'class="booking upw"' in html and 'class="booking programme"' in html:
            shown.append(pid)
            assert "requirement" in html  # each booking's reason
    assert shown, "nobody shown with both services"
    assert client.get(f"/pages/person/{pages['upw']}/NOBODY").status_code == 404


def test_the_analyst_sees_the_balance_chart(pages):
    client = pages["client"]
    sign_in(client, SPO_L)
    html = client.get("/pages/analyst").text
    assert 'id="peak-chart"' in html and 'class="engine"' in html and 'class="baseline"' in html
    assert pages["night"] in html and 'id="capacity"' in html


@pytest.mark.parametrize(
    "key, page",
    [
        (SPO_B, "upw"),
        (SPO_B, "groups"),
        (INTERV_OTHER, "groups"),
        (INTERV_OTHER, "upw"),
    ],
)
def test_another_pdus_key_gets_404(pages, key, page):
    client = pages["client"]
    sign_in(client, key)
    assert client.get(f"/pages/{page}/{pages[page]}").status_code == 404
    assert client.get(f"/pages/person/{pages[page]}/{pages['both'][0]}").status_code == 404
    html = client.get("/pages/analyst").text
    assert pages["night"] not in html


def test_read_only_sees_and_never_changes(pages):
    client = pages["client"]
    csrf = sign_in(client, READER)
    html = client.get(f"/pages/upw/{pages['upw']}").text
    assert 'id="calendar"' in html and "stand-down" not in html.split('id="calendar"')[1]
    session = re.search(r'id="session-([^"]+)"', html).group(1)
    r = client.post(
        f"/pages/upw/{pages['upw']}/stand-down", data={"session": session, "csrf": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and "may+not+start" in r.headers["location"]
    html = client.get(f"/pages/groups/{pages['groups']}").text
    assert 'id="timeline"' in html and 'id="facilitator-off"' not in html
    # a coordinator sees the quarter of its PDU but cannot re-plan it
    sign_in(client, COORD)
    assert 'id="facilitator-off"' not in client.get(f"/pages/groups/{pages['groups']}").text


def test_latest_stands_for_the_newest_run_the_key_sees(pages):
    client = pages["client"]
    sign_in(client, INTERV)
    r = client.get("/pages/groups/latest", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/pages/groups/")
    assert 'id="map"' in client.get(r.headers["location"]).text
    sign_in(client, INTERV_OTHER)  # another region's team: none of these runs
    assert client.get("/pages/groups/latest").status_code == 404
    sign_in(client, COORD)
    person = pages["both"][0]
    r = client.get(f"/pages/person/latest/{person}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"/{person}")
