"""The review page in a real headless browser (Debian's chromium, driven by selenium through
Debian's chromedriver; nothing is downloaded): an SPO signs in, sees tonight's proposals for
their PDU with the workload chart and the map, confirms one allocation and overrides another,
and the database holds both decisions afterwards. A screenshot is saved for people to look at.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from tests.builders import (
    ADMIN,
    SCREENSHOTS,
    SPO_B,
    SPO_L,
    all_rows,
    make_client,
    served,
    until,
    upload_files,
    wait_for,
)

pytestmark = pytest.mark.slow  # the browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, config):
    """The service on a real port (uvicorn in a thread), as an SPO's browser would reach it."""
    tc = make_client(tmp_path_factory, config)
    with served(tc.app) as base:
        yield tc, base


def test_spo_confirms_and_overrides_in_the_browser(server, browser, lincoln):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    from engine.store.runs import Store

    client, base = server
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
        headers={"X-API-Key": SPO_L},
    )
    run = r.json()["run"]
    assert wait_for(client, run, SPO_L)["state"] == "DONE"
    items = all_rows(client, run, SPO_L)
    placed = [i for i in items if i["status"] in ("NEW", "MOVED")]
    explained = {
        i["case_id"]: client.get(
            f"/runs/{run}/explanations/{i['case_id']}", headers={"X-API-Key": SPO_L}
        ).json()
        for i in placed
    }
    # The second case has a runner-up: a practitioner who passes every rule and has room for it.
    second = next(i for i in placed if "runner_up" in explained[i["case_id"]])
    first = next(i for i in placed if i["case_id"] != second["case_id"])
    target = explained[second["case_id"]]["runner_up"]["practitioner_id"]

    # Not signed in: the page sends the browser to sign in; a wrong key is told so.
    browser.get(f"{base}/review/{run}")
    assert browser.current_url.endswith("/review/login")
    browser.find_element(By.ID, "key").send_keys("not-a-key-0123456789")
    browser.find_element(By.ID, "sign-in").click()
    until(browser, EC.text_to_be_present_in_element((By.CLASS_NAME, "err"), "unknown key"))
    browser.find_element(By.ID, "key").send_keys(SPO_L)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, EC.url_to_be(f"{base}/review"))
    browser.find_element(By.LINK_TEXT, run).click()
    until(browser, EC.url_contains(f"/review/{run}"))

    # The page: proposals with explanations, the workload chart, the map.
    assert "Lincoln PDU" in browser.find_element(By.TAG_NAME, "h1").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#workload-chart rect.after")) > 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map circle")) == len(
        [i for i in items if i["status"] in ("NEW", "MOVED", "UNALLOCATED")]
    )
    row = browser.find_element(By.ID, f"case-{first['case_id']}")
    row.find_element(By.TAG_NAME, "summary").click()  # open the explanation
    assert first["practitioner_id"] in row.text

    # Confirm the first proposal.
    row.find_element(By.CSS_SELECTOR, "button.confirm").click()
    until(
        browser,
        EC.text_to_be_present_in_element(
            (By.ID, "message"), f"{first['case_id']}: confirm recorded"
        ),
    )

    def override(case_id: str, to: str, reason: str) -> None:
        row = browser.find_element(By.ID, f"case-{case_id}")
        row.find_element(By.CSS_SELECTOR, "details.change summary").click()
        form = row.find_element(By.CSS_SELECTOR, "form.override")
        field = form.find_element(By.NAME, "practitioner_id")  # typed or picked from the staff list
        field.clear()
        field.send_keys(to)
        form.find_element(By.NAME, "reason").send_keys(reason)
        form.find_element(By.CSS_SELECTOR, "button.override").click()

    # An override that breaks a hard rule (an SPO holds no cases) is refused and says why.
    staff = pd.read_csv(lincoln / "practitioners.csv", dtype=str)
    spo = staff.loc[staff["grade"] == "SPO", "practitioner_id"].iat[0]
    assert (
        len(browser.find_elements(By.CSS_SELECTOR, "#staff option"))
        == staff["practitioner_id"].nunique()
    )
    override(second["case_id"], spo, "covering leave")
    until(browser, EC.text_to_be_present_in_element((By.ID, "error"), "Rule breaks"))
    # Override the second case to its runner-up, within every rule: recorded, not flagged.
    override(second["case_id"], target, "knows the family from a previous order")
    until(
        browser,
        EC.text_to_be_present_in_element(
            (By.ID, "message"), f"{second['case_id']}: override recorded"
        ),
    )
    cell = browser.find_element(By.ID, f"case-{second['case_id']}").text
    assert f"override to {target}" in cell and "rule break" not in cell

    # The rest confirmed with one button: every placed case now has a decision.
    rest = len(placed) - 2
    browser.find_element(By.ID, "confirm-rest").click()
    until(
        browser, EC.text_to_be_present_in_element((By.ID, "message"), f"{rest} proposals confirmed")
    )
    assert not browser.find_elements(By.ID, "confirm-rest")

    browser.execute_script("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "review-page.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # The database holds both decisions, under the stored night: who, what, the proposal and
    # the change.
    night = client.app.state.jobs.get(run).run_id
    log = Store(client.app.state.jobs.db_url).decisions_for(night)
    assert [(d["case_id"], d["action"]) for d in log[:2]] == [
        (first["case_id"], "confirm"),
        (second["case_id"], "override"),
    ]
    assert {d["case_id"] for d in log} == {i["case_id"] for i in placed} and len(log) == len(placed)
    assert (
        log[0]["decided_by"] == "spo-lincoln"
        and log[0]["practitioner_id"] == first["practitioner_id"]
    )
    assert (
        log[1]["proposed_practitioner_id"] == second["practitioner_id"]
        and log[1]["practitioner_id"] == target
    )
    assert log[1]["reason"] == "knows the family from a previous order" and not log[1]["flagged"]

    # Another PDU's SPO signed in sees nothing of this run.
    browser.delete_all_cookies()
    browser.get(f"{base}/review/login")
    browser.find_element(By.ID, "key").send_keys(SPO_B)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, EC.url_to_be(f"{base}/review"))
    assert run not in browser.page_source
    browser.get(f"{base}/review/{run}")
    assert (
        "no run" in browser.page_source
        and "Lincoln PDU" not in browser.find_element(By.TAG_NAME, "body").text
    )


def test_a_form_on_another_port_cannot_act_for_a_signed_in_spo(server, browser, lincoln):
    """The attack that was found: a page on another port of the same host (same site, so the
    SameSite cookie goes along) submits the confirm-rest form with the SPO's session. The
    service refuses it, and nothing is confirmed."""
    import http.server

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    client, base = server
    h = {"X-API-Key": SPO_L}
    r = client.post(
        "/runs/allocation",
        files=upload_files(lincoln),
        data={"pdu": "Lincoln PDU", "run_date": "2026-11-25", "solver": "greedy"},
        headers=h,
    )
    run = r.json()["run"]
    assert wait_for(client, run, SPO_L)["state"] == "DONE"
    browser.delete_all_cookies()
    browser.get(f"{base}/review/login")
    browser.find_element(By.ID, "key").send_keys(SPO_L)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, EC.url_to_be(f"{base}/review"))

    hostile = (
        f'<html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{base}/review/{run}/confirm-rest">'
        f'<input type="hidden" name="csrf" value="guessed"></form></body></html>'
    ).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the handler's name is http.server's)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(hostile)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{evil.server_address[1]}/")
        until(browser, EC.url_contains("/confirm-rest"))
        assert "may not act on this service" in browser.page_source
    finally:
        evil.shutdown()
    assert client.get(f"/runs/{run}/decisions", headers=h).json() == []


def test_review_page_without_a_browser(server):
    """The page's sign-in and scope over plain HTTP (quick, and runs where chromium is absent)."""
    client, _ = server
    assert client.get("/review", follow_redirects=False).status_code == 303
    assert client.post("/review/login", data={"key": "nope-0123456789abcdef"}).status_code == 401
    ok = client.post("/review/login", data={"key": ADMIN}, follow_redirects=False)
    assert ok.status_code == 303 and "samesite=strict" in ok.headers["set-cookie"].lower()


def test_workload_chart_follows_the_decisions():
    """The chart's 'after' is the proposals with the SPO's overrides and rejections applied."""
    from api.review import as_decided, workload_rows

    proposals = pd.DataFrame(
        [
            {
                "case_id": "C1",
                "practitioner_id": "A",
                "previous_practitioner_id": "",
                "status": "NEW",
            },
            {
                "case_id": "C2",
                "practitioner_id": "A",
                "previous_practitioner_id": "B",
                "status": "MOVED",
            },
            {
                "case_id": "C3",
                "practitioner_id": "B",
                "previous_practitioner_id": "",
                "status": "NEW",
            },
        ]
    )
    explanations = {"C1": {"points": 10}, "C2": {"points": 20}, "C3": {"points": 30}}
    workload = pd.DataFrame(
        [
            {"practitioner_id": "A", "points": 130, "available_points": 100, "new_cases": 2},
            {"practitioner_id": "B", "points": 80, "available_points": 100, "new_cases": 1},
            {"practitioner_id": "C", "points": 50, "available_points": 100, "new_cases": 0},
        ]
    )
    util = lambda rows: {r["id"]: (round(r["before"], 2), round(r["after"], 2)) for r in rows}  # noqa: E731
    assert util(workload_rows(workload, proposals, explanations)) == {
        "A": (1.0, 1.3),
        "B": (0.7, 0.8),
        "C": (0.5, 0.5),
    }
    decided = as_decided(
        proposals,
        {"C1": {"action": "override", "practitioner_id": "C"}, "C2": {"action": "reject"}},
    )
    # C1 goes to C instead of A; C2 stays with B (rejected move)
    assert util(workload_rows(workload, proposals, explanations, decided)) == {
        "A": (1.0, 1.0),
        "B": (0.7, 1.0),
        "C": (0.5, 0.6),
    }
