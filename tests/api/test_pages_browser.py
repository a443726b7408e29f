"""Each user's page in a real headless browser (Debian's chromium through Debian's
chromedriver), as its user would use it: the coordinator stands a session down and sees who
to tell; the Interventions Team marks a facilitator off and sees the new plan; a person's
calendar shows their Unpaid Work and group sessions without a clash; the analyst sees the
balance chart. Each saves a screenshot under test-artifacts/, checks the database afterwards,
and checks that another PDU's (or region's) key gets 404."""

from __future__ import annotations

import pytest

from tests.builders import (
    COORD,
    INTERV,
    INTERV_OTHER,
    SCREENSHOTS,
    SPO_B,
    SPO_L,
    served,
    until,
)

pytestmark = pytest.mark.slow  # the browser


@pytest.fixture(scope="module")
def site(pages):
    with served(pages["client"].app) as base:
        yield base


def _sign_in(browser, base: str, key: str, path: str) -> None:
    """Open `path` signed out, sign in on the page it sends the browser to, come back."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    browser.delete_all_cookies()
    browser.get(f"{base}{path}")
    assert "/review/login" in browser.current_url
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, EC.url_to_be(f"{base}{path}"), 15)


def _shot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / name))
    assert (SCREENSHOTS / name).stat().st_size > 10_000


def _is_404(browser, base: str, key: str, path: str) -> bool:
    """Whether `key`, signed in, is told the page is not found."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    browser.delete_all_cookies()
    browser.get(f"{base}/review/login")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, EC.url_to_be(f"{base}/review"), 15)
    browser.get(f"{base}{path}")
    return "Not found" in browser.title and "visible to this key" in browser.page_source


def test_coordinator_stands_a_session_down_and_sees_who_to_tell(pages, site, browser):
    from selenium.webdriver.common.by import By

    from engine.store.runs import Store
    from engine.store.schema import upw_sessions, upw_weeks

    _sign_in(browser, site, COORD, f"/pages/upw/{pages['upw']}")
    assert browser.find_element(By.ID, "calendar").is_displayed()
    _shot(browser, "coordinator-week.png")
    button = browser.find_elements(By.CLASS_NAME, "stand-down")[0]
    session = button.get_attribute("data-session")
    button.click()
    until(browser, lambda b: "who must be told" in b.page_source, 60)  # the page reloads itself
    told = browser.find_element(By.ID, "tell-list").text
    assert session in browser.find_element(By.ID, "told").text and told.count("\n") >= 1
    _shot(browser, "coordinator-stand-down.png")
    week = pages["week"]
    store = Store(pages["client"].app.state.jobs.db_url)
    with store.engine.connect() as conn:
        heads = conn.execute(upw_weeks.select().where(upw_weeks.c.week == week)).all()
        latest = max(heads, key=lambda h: h.created_at).week_key
        rows = conn.execute(upw_sessions.select().where(upw_sessions.c.week_key == latest)).all()
    assert rows and all(f"{r.placement_id}@{r.date}" != session for r in rows)
    assert _is_404(browser, site, SPO_B, f"/pages/upw/{pages['upw']}")


def test_interventions_team_marks_a_facilitator_off_and_sees_the_new_plan(pages, site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from engine.store.runs import Store
    from engine.store.schema import groups_changes

    _sign_in(browser, site, INTERV, f"/pages/groups/{pages['groups']}")
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline rect.bar")
    _shot(browser, "interventions-quarter.png")
    groups = pages["client"].get(
        f"/runs/{pages['groups']}/results/groups", params={"size": 1000},
        headers={"X-API-Key": INTERV},
    ).json()["items"]  # fmt: skip
    first = min(groups, key=lambda g: g["start_date"])
    who = first["facilitator_ids"].split(";")[0]
    Select(browser.find_element(By.ID, "facilitator")).select_by_value(who)
    for field in ("off-from", "off-to"):  # a date input's typing is the locale's: set it
        browser.execute_script(
            "arguments[0].value = arguments[1]",
            browser.find_element(By.ID, field),
            first["start_date"],
        )
    browser.find_element(By.ID, "replan").click()
    until(browser, lambda b: "Re-planned around" in b.page_source, 60)
    changes = browser.find_element(By.ID, "changes").text
    assert first["group_id"] in changes
    assert browser.find_element(By.ID, "tell-list").text.count("\n") >= 1
    _shot(browser, "interventions-replan.png")
    store = Store(pages["client"].app.state.jobs.db_url)
    with store.engine.connect() as conn:
        changed = conn.execute(groups_changes.select()).all()
    assert any(c.item == first["group_id"] and c.date == first["start_date"] for c in changed)
    assert _is_404(browser, site, INTERV_OTHER, f"/pages/groups/{pages['groups']}")


def test_a_persons_calendar_shows_both_services_without_a_clash(pages, site, browser):
    from selenium.webdriver.common.by import By

    from engine.store.calendar import programme_half_days, upw_days

    store_engine = pages["client"].app.state.store.engine
    both = [
        p
        for p in pages["both"]
        if upw_days(store_engine, pages["first"], pages["last"], [p])
        and programme_half_days(store_engine, pages["first"], pages["last"], [p])
    ]
    assert both, "nobody booked in both services"
    pid = both[0]
    _sign_in(browser, site, COORD, f"/pages/person/{pages['upw']}/{pid}")
    assert browser.find_elements(By.CSS_SELECTOR, "tr.booking.upw")
    assert browser.find_elements(By.CSS_SELECTOR, "tr.booking.programme")
    assert browser.find_element(By.ID, "no-clash").is_displayed()
    _shot(browser, "person-calendar.png")
    work = upw_days(store_engine, pages["first"], pages["last"], [pid])[pid]
    groups = programme_half_days(store_engine, pages["first"], pages["last"], [pid])[pid]
    assert not {d for d, part in groups if part in ("AM", "PM")} & set(work)  # in the store too
    assert _is_404(browser, site, SPO_B, f"/pages/person/{pages['upw']}/{pid}")


def test_analyst_sees_the_balance_chart(pages, site, browser):
    from selenium.webdriver.common.by import By

    from engine.store.runs import Store
    from engine.store.schema import runs

    _sign_in(browser, site, SPO_L, "/pages/analyst")
    assert browser.find_elements(By.CSS_SELECTOR, "#peak-chart rect.engine")
    assert browser.find_elements(By.CSS_SELECTOR, "#peak-chart rect.baseline")
    assert pages["night"] in browser.find_element(By.ID, "nights").text
    _shot(browser, "analyst-balance.png")
    assert Store(pages["client"].app.state.jobs.db_url).count(runs) >= 1
    assert _is_404(browser, site, SPO_B, f"/review/{pages['night']}")
    browser.get(f"{site}/pages/analyst")
    assert pages["night"] not in browser.page_source
