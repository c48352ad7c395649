"""The damage form built from the server's vocabulary (GET /indicators, issue 18 item 3), on a 360 px phone.

A 干旱 event's 初报, 续报 and 核报 filed from the phone with 因旱饮水困难需救助人口/大牲畜 (asked only there, and
required there: a blank is not sent as 0); the fix screen shows them too. An indicator renamed on the server is
renamed on the form after a reload: there is no copy in the app to drift. The vocabulary is kept for offline use;
a phone that never read it says so plainly instead of showing a form it cannot check.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from server.damage import vocabulary as vocabulary_module
from server.damage.indicators import INDICATORS
from tests.e2e.conftest import shot
from tests.e2e.helpers import go_offline, go_online, log_in

LIVESTOCK_MISSING = "干旱灾害过程须填报因旱饮水困难需救助大牲畜(头)，没有请填 0"


def field(page: Page, key: str):
    return page.locator(f'input[name="figures.{key}"]')


def reports_of(world, event_id: int) -> list[dict]:
    response = world.api.get(f"/api/v1/damage-reports?event_id={event_id}&per_page=200")
    assert response.status_code == 200
    return sorted(response.get_json()["items"], key=lambda r: r["id"])


def wait_for(read, count: int, timeout: float = 15) -> list:
    """Poll the server until ``read()`` returns ``count`` items (the outbox sends on its own after a save)."""
    deadline = time.monotonic() + timeout
    while True:
        items = read()
        if len(items) >= count or time.monotonic() > deadline:
            assert len(items) == count, items
            return items
        time.sleep(0.2)


def back_home(page: Page) -> None:
    """Saved: the app goes back to Home (whatever it says about the sending)."""
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()


@pytest.fixture
def drought(world) -> dict:
    response = world.api.post(
        "/api/v1/events",
        json={"name": "7月伏旱", "disaster_type": "干旱", "org_unit_id": world.county.id},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_drought_events_initial_update_and_final_carry_the_drought_indicators(page, world, drought):
    log_in(page, world.reporter)
    page.locator(".event-card", has_text="7月伏旱").get_by_role("link", name="报灾情").click()
    expect(page.get_by_role("heading", name="报灾情")).to_be_visible()
    expect(page.get_by_role("heading", name="因旱饮水困难")).to_be_visible()
    people = page.get_by_role("textbox", name="因旱饮水困难需救助人口 人")
    livestock = page.get_by_role("textbox", name="因旱饮水困难需救助大牲畜 头")
    expect(people).to_be_visible()
    expect(livestock).to_be_visible()
    field(page, "affected_population").fill("200")
    people.fill("150")
    page.get_by_role("button", name="保存并上报初报").click()
    # Left blank: asked for in the server's words, not sent as 0 on the person's behalf.
    expect(page.get_by_text(LIVESTOCK_MISSING)).to_be_visible()
    shot(page, "h18vocab-01-drought-initial-required")
    livestock.fill("30")
    expect(page.get_by_text(LIVESTOCK_MISSING)).to_have_count(0)
    shot(page, "h18vocab-02-drought-initial-filled")
    page.get_by_role("button", name="保存并上报初报").click()
    back_home(page)
    [initial] = wait_for(lambda: reports_of(world, drought["id"]), 1)
    assert initial["stage"] == "initial"
    assert initial["figures"]["affected_population"] == 200
    assert (initial["figures"]["drought_drinking_people"], initial["figures"]["drought_drinking_livestock"]) == (
        150,
        30,
    )

    # 续报: starts from the figures filed, the drought ones included.
    page.locator(".event-card", has_text="7月伏旱").get_by_role("link", name="报灾情").click()
    expect(page.locator(".stage-card")).to_contain_text("续报")
    expect(people).to_have_value("150")
    livestock.fill("45")
    page.get_by_role("button", name="保存并上报续报").click()
    back_home(page)
    update = wait_for(lambda: reports_of(world, drought["id"]), 2)[1]
    assert update["stage"] == "update" and update["figures"]["drought_drinking_livestock"] == 45

    # 核报 once the event is stable.
    response = world.api.post(f"/api/v1/events/{drought['id']}/status", json={"status": "stable"})
    assert response.status_code == 200, response.get_json()
    page.reload()
    page.locator(".event-card", has_text="7月伏旱").get_by_role("link", name="报核报").click()
    expect(page.get_by_role("radio", name="核报")).to_have_attribute("aria-checked", "true")
    expect(livestock).to_have_value("45")
    people.fill("160")
    shot(page, "h18vocab-03-drought-final")
    page.get_by_role("button", name="保存并上报核报").click()
    back_home(page)
    final = wait_for(lambda: reports_of(world, drought["id"]), 3)[2]
    assert final["stage"] == "final"
    assert (final["figures"]["drought_drinking_people"], final["figures"]["drought_drinking_livestock"]) == (160, 45)

    # The flood's form asks for none of them.
    page.locator(".event-card", has_text=world.event["name"]).get_by_role("link", name="报灾情").click()
    expect(field(page, "affected_population")).to_be_visible()
    expect(field(page, "drought_drinking_people")).to_have_count(0)
    expect(page.get_by_role("heading", name="因旱饮水困难")).to_have_count(0)


def test_the_fix_screen_of_a_refused_drought_report_shows_the_drought_indicators(page, world, drought, login_as):
    log_in(page, world.reporter)
    page.locator(".event-card", has_text="7月伏旱").get_by_role("link", name="报灾情").click()
    expect(page.locator(".stage-card")).to_contain_text("初报")
    # While the form is open, another officer of the village files the 初报 from another phone.
    other = login_as(world.reporter).post(
        f"/api/v1/events/{drought['id']}/damage-reports",
        json={
            "client_id": "9a5f8a2e-5555-4d7a-9a39-0d1b1f2f5e05",
            "stage": "initial",
            "figures": {"affected_population": 80, "drought_drinking_people": 60, "drought_drinking_livestock": 10},
        },
    )
    assert other.status_code == 201, other.get_json()
    field(page, "affected_population").fill("90")
    field(page, "drought_drinking_people").fill("70")
    field(page, "drought_drinking_livestock").fill("12")
    page.get_by_role("button", name="保存并上报初报").click()
    # Refused (409): 未被接受, and the form opens as the fix of that outbox item (issue 18, item 6).
    expect(page.get_by_text(re.compile("^未被接受"))).to_be_visible()
    expect(page.get_by_role("heading", name="修改灾情报告")).to_be_visible()
    expect(page.locator(".banner-error", has_text="该村已报送初报")).to_be_visible()
    expect(field(page, "drought_drinking_people")).to_have_value("70")
    expect(field(page, "drought_drinking_livestock")).to_have_value("12")
    shot(page, "h18vocab-04-drought-fix")
    page.get_by_role("button", name="保存并重发").click()
    back_home(page)
    update = wait_for(lambda: reports_of(world, drought["id"]), 2)[1]
    assert update["stage"] == "update"
    assert (update["figures"]["drought_drinking_people"], update["figures"]["drought_drinking_livestock"]) == (70, 12)


def test_an_indicator_renamed_on_the_server_is_renamed_on_the_form(page, world, monkeypatch):
    log_in(page, world.reporter)
    page.get_by_role("link", name="报灾情", exact=True).click()
    expect(page.get_by_role("textbox", name="受灾人口 人")).to_be_visible()

    # The live server's app (same process) renames an indicator: nothing else changes.
    renamed = tuple(
        replace(indicator, label="受灾总人数") if indicator.key == "affected_population" else indicator
        for indicator in INDICATORS
    )
    monkeypatch.setattr(vocabulary_module, "INDICATORS", renamed)
    page.reload()
    expect(page.get_by_role("textbox", name="受灾总人数 人")).to_be_visible()
    expect(page.get_by_role("textbox", name="受灾人口 人")).to_have_count(0)
    shot(page, "h18vocab-05-renamed-indicator")


def test_the_vocabulary_works_offline_once_read_and_says_so_when_never_read(page, context, world):
    # A phone that could never read the vocabulary (the app's read at login fails too).
    context.route("**/api/v1/indicators", lambda route: route.abort("internetdisconnected"))
    log_in(page, world.reporter)
    page.get_by_role("link", name="报灾情", exact=True).click()
    expect(page.get_by_text("这台手机上还没有灾情指标表，要先联网读一次")).to_be_visible()
    expect(field(page, "affected_population")).to_have_count(0)
    shot(page, "h18vocab-06-no-vocabulary")

    # Read once online (here: by the form itself), then the form is built offline from the phone's copy.
    context.unroute("**/api/v1/indicators")
    page.reload()
    expect(field(page, "affected_population")).to_be_visible()
    page.get_by_role("button", name="返回").click()
    go_offline(context)
    page.get_by_role("link", name="报灾情", exact=True).click()
    expect(page.get_by_role("textbox", name="受灾人口 人")).to_be_visible()
    field(page, "affected_population").fill("3")
    field(page, "deaths").fill("5")
    page.get_by_role("button", name="保存并上报初报").click()
    expect(page.get_by_text("因灾死亡人口不能大于受灾人口（5 > 3）")).to_be_visible()  # the rules offline too
    go_online(context)
