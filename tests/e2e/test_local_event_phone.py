"""报告新灾情 from the phone (issue 18, item 5): a village that sees a disaster with no open event reports it, with
its 初报, from the national list of types the server publishes (read once online, offered offline). Saved with no
network it shows on Home at once as 待发送 · 待乡镇确认; once delivered, as the server's pending event, 待乡镇确认,
until the township decides; it arrives once.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import go_offline, go_online, log_in, small_touch_targets, wait_for_empty_outbox


def pending_events(world) -> list[dict]:
    response = world.town_api.get("/api/v1/events?status=pending&per_page=20")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def wait_until(read, done, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            assert done(value), value
            return value
        time.sleep(0.2)


def test_a_local_event_with_its_initial_report_filed_offline_shows_as_awaiting_the_township(page: Page, context, world):
    log_in(page, world.reporter)
    expect(page.locator(".event-card", has_text=world.event["name"])).to_be_visible()  # Home's reads are done
    go_offline(context)

    page.get_by_role("link", name="报告新灾情").click()
    expect(page.get_by_role("heading", name="报告新灾情")).to_be_visible()
    page.get_by_role("radio", name="地质灾害").click()
    expect(page.get_by_role("radio", name="滑坡")).to_be_visible()  # its 亚灾种, from the cached national list
    page.get_by_role("button", name="保存并上报").click()
    expect(page.get_by_text("地质灾害需要选择亚灾种")).to_be_visible()
    page.get_by_role("radio", name="滑坡").click()
    expect(page.get_by_label("名称")).to_have_value("石门村滑坡")  # suggested from the village and the type
    page.get_by_label("名称").fill("石门村后山滑坡")
    page.get_by_label("情况说明").fill("凌晨后山滑坡，冲毁两户房屋")
    page.locator('input[name="figures.affected_population"]').fill("12")
    page.locator('input[name="figures.houses_collapsed_households"]').fill("2")
    page.locator('input[name="figures.houses_collapsed_rooms"]').fill("5")
    page.locator('input[name="figures.direct_loss_10k_yuan"]').fill("30")
    page.get_by_label("名称").scroll_into_view_if_needed()
    shot(page, "h18ledger-08-local-event-new")
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="保存并上报").click()

    # Home: at once, before it has left the phone.
    card = page.locator(".event-card", has_text="石门村后山滑坡")
    expect(card).to_contain_text("待乡镇确认")
    expect(card).to_contain_text("待发送")
    shot(page, "h18ledger-09-home-local-event-waiting")
    assert pending_events(world) == []

    go_online(context)
    [event] = wait_until(lambda: pending_events(world), lambda items: len(items) == 1)
    assert (event["name"], event["disaster_type"], event["disaster_subtype"], event["status"]) == (
        "石门村后山滑坡",
        "地质灾害",
        "滑坡",
        "pending",
    )
    # Its 初报 came with it.
    response = world.town_api.get(f"/api/v1/damage-reports?event_id={event['id']}&per_page=20")
    [initial] = response.get_json()["items"]
    assert initial["stage"] == "initial"
    assert (initial["figures"]["affected_population"], initial["figures"]["houses_collapsed_rooms"]) == (12, 5)
    assert initial["figures"]["direct_loss_10k_yuan"] == "30.00"

    # Home now shows the server's pending event, still 待乡镇确认, and nothing waits on the phone.
    card = page.locator(".event-card", has_text="石门村后山滑坡")
    expect(card).to_contain_text("待乡镇确认")
    expect(card).not_to_contain_text("待发送")
    expect(card.get_by_role("link", name="报灾情")).to_be_visible()
    expect(page.locator(".event-card", has_text="石门村后山滑坡")).to_have_count(1)
    shot(page, "h18ledger-10-home-local-event-pending")
    wait_for_empty_outbox(page)  # nothing more is on its way: the event was filed once
    assert len(pending_events(world)) == 1
