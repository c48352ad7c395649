"""报灾情, 报转移 and 我的报告 in the browser, as a village officer uses them (issue 8, items 5-7).

A 初报 then a 续报 that starts from the village's previous figures; an area typed in 亩 reaching the server in 公顷;
零报告 and 本日无新增 in one tap; a broken rule shown in the server's Chinese words before anything is sent; a
change note asked only when a figure goes down; an evacuation with a shelter allocation, the shelter list read
offline; a returned report whose reason the reporter sees, corrects and sends again, once.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.extensions import db
from server.photos.models import Photo
from tests.e2e.conftest import shot
from tests.e2e.helpers import (
    camera_jpeg,
    go_offline,
    go_online,
    log_in,
    outbox_count,
    wait_for_empty_outbox,
    wait_for_service_worker,
)

FIGURES = {
    "affected_population": 30,
    "injured": 2,
    "relocated": 10,
    "relocated_centralized": 6,
    "relocated_dispersed": 4,
    "houses_general_households": 3,
    "houses_general_rooms": 5,
    "direct_loss_10k_yuan": "12.50",
}


def field(page: Page, key: str):
    return page.locator(f'input[name="figures.{key}"]')


def fill_figures(page: Page, figures: dict) -> None:
    for key, value in figures.items():
        field(page, key).fill(str(value))


def open_damage(page: Page) -> None:
    page.get_by_role("link", name="报灾情", exact=True).click()
    expect(page.get_by_role("heading", name="报灾情")).to_be_visible()


def reports_of(world) -> list[dict]:
    """The village's damage reports as the county sees them, oldest first."""
    response = world.api.get(f"/api/v1/damage-reports?event_id={world.event['id']}&per_page=200")
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


def saved_home(page: Page) -> None:
    # Online: 已送达, unless the first try takes longer than the form waits (a loaded machine): then 已存在手机.
    expect(page.get_by_text(re.compile("^(已送达|已存在手机)"))).to_be_visible()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()


def test_initial_then_update_from_previous_figures_with_areas_in_mu_and_a_photo(page, world, app, tmp_path):
    log_in(page, world.reporter)
    open_damage(page)
    expect(page.locator(".stage-card")).to_contain_text("初报")
    expect(page.get_by_role("button", name="零报告")).to_be_visible()
    fill_figures(page, FIGURES)
    field(page, "crops_affected_ha").fill("7.5")  # 亩 by default: 7.5 亩 = 0.50 公顷 exactly
    expect(page.locator(".area-field").nth(0).locator(".area-other")).to_have_text("= 0.50 公顷")
    field(page, "crops_damaged_ha").fill("3")  # 3 亩 = 0.2 公顷
    field(page, "crops_lost_ha").fill("0.1")
    page.locator('button[name="figures.crops_lost_ha.unit"][value="ha"]').click()  # this one meant 公顷
    expect(page.locator(".area-field").nth(2).locator(".area-other")).to_have_text("= 1.50 亩")
    page.locator("input[name=gallery]").set_input_files([str(camera_jpeg(tmp_path / "flood.jpg", 3))])
    expect(page.locator(".photo-thumb")).to_have_count(1)
    shot(page, "damage-01-initial-filled")
    page.get_by_role("button", name="保存并上报初报").click()
    saved_home(page)

    [initial] = wait_for(lambda: reports_of(world), 1)
    figures = initial["figures"]
    assert initial["stage"] == "initial" and initial["client_id"]
    assert (figures["crops_affected_ha"], figures["crops_damaged_ha"], figures["crops_lost_ha"]) == (
        "0.50",
        "0.20",
        "0.10",
    )
    assert figures["affected_population"] == 30 and figures["direct_loss_10k_yuan"] == "12.50"
    deadline = time.monotonic() + 15  # the photo follows its report
    while True:
        with app.app_context():
            photos = db.session.scalars(select(Photo).where(Photo.damage_report_id == initial["id"])).all()
        if photos or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(photos) == 1

    # The 续报 starts from the village's figures: areas shown in 亩, exactly (0.50 公顷 = 7.50 亩).
    open_damage(page)
    expect(page.locator(".stage-card")).to_contain_text("续报")
    expect(field(page, "affected_population")).to_have_value("30")
    expect(field(page, "crops_affected_ha")).to_have_value("7.50")
    expect(field(page, "crops_lost_ha")).to_have_value("1.50")
    expect(field(page, "direct_loss_10k_yuan")).to_have_value("12.50")
    expect(page.get_by_role("button", name="本日无新增")).to_be_visible()
    expect(page.get_by_label("变动说明")).to_have_count(0)  # nothing went down: no change note asked
    field(page, "affected_population").fill("45")
    shot(page, "damage-02-update-from-previous")
    page.get_by_role("button", name="保存并上报续报").click()
    saved_home(page)

    update = wait_for(lambda: reports_of(world), 2)[1]
    assert update["stage"] == "update" and update["change_note"] == ""
    assert update["figures"] == {**figures, "affected_population": 45}  # the areas came back unchanged


def test_a_broken_rule_shows_the_server_words_before_anything_is_sent(page, world):
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and "damage-reports" in r.url and posts.append(r.url))
    log_in(page, world.reporter)
    open_damage(page)
    fill_figures(page, {"affected_population": 3, "deaths": 5, "relocated": 4})
    field(page, "houses_collapsed_households").fill("2")
    field(page, "houses_collapsed_rooms").fill("1")
    page.get_by_role("button", name="保存并上报初报").click()
    # Exactly the server's messages (server/damage/figures.py), at their fields.
    expect(page.get_by_text("因灾死亡人口不能大于受灾人口（5 > 3）")).to_be_visible()
    expect(page.get_by_text("紧急转移安置人口不能大于受灾人口（4 > 3）")).to_be_visible()
    expect(page.get_by_text("紧急转移安置人口应等于集中安置与分散安置之和（0 + 0 = 0，填报为 4）")).to_be_visible()
    expect(page.get_by_text("倒塌房屋间数不能少于户数（1 间 < 2 户）")).to_be_visible()
    shot(page, "damage-03-rule-messages")
    field(page, "houses_collapsed_rooms").fill("2")
    expect(page.get_by_text("倒塌房屋间数不能少于户数")).to_have_count(0)  # the message goes as it is fixed
    # Refused on the phone: nothing was saved to the outbox, the only way the form sends, so nothing can go.
    assert outbox_count(page) == 0
    assert posts == []
    assert reports_of(world) == []


def test_a_figure_going_down_asks_for_a_change_note(page, world, login_as):
    reporter_api = login_as(world.reporter)
    response = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "5c1f8a2e-1111-4d7a-9a39-0d1b1f2f5e01", "stage": "initial", "figures": FIGURES},
    )
    assert response.status_code == 201, response.get_json()
    log_in(page, world.reporter)
    open_damage(page)
    field(page, "injured").fill("1")  # 2 → 1
    change_note = page.get_by_label("变动说明")
    expect(change_note).to_be_visible()
    page.get_by_role("button", name="保存并上报续报").click()
    expect(page.get_by_text("以下指标比上次报告减少，请填写变动说明：因灾受伤人口(人)")).to_be_visible()
    shot(page, "damage-04-change-note")
    change_note.fill("1 人重复统计，已核减")
    page.get_by_role("button", name="保存并上报续报").click()
    saved_home(page)
    update = wait_for(lambda: reports_of(world), 2)[1]
    assert (update["figures"]["injured"], update["change_note"]) == (1, "1 人重复统计，已核减")


def test_zero_report_in_one_tap(page, world):
    log_in(page, world.reporter)
    open_damage(page)
    shot(page, "damage-05-initial-empty")
    page.get_by_role("button", name="零报告").click()
    dialog = page.get_by_role("dialog")  # one confirmation, the app's own dialog (not window.confirm)
    expect(dialog).to_contain_text("报「零报告」（初报）？")
    shot(page, "h18out-zero-report-confirm")
    dialog.get_by_role("button", name="确认零报告").click()
    saved_home(page)
    [report] = wait_for(lambda: reports_of(world), 1)
    assert (report["stage"], report["is_zero"]) == ("initial", True)


def test_no_change_today_in_one_tap(page, world, login_as):
    reporter_api = login_as(world.reporter)
    response = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "6d2f8a2e-2222-4d7a-9a39-0d1b1f2f5e02", "stage": "initial", "figures": FIGURES},
    )
    assert response.status_code == 201, response.get_json()
    log_in(page, world.reporter)
    open_damage(page)
    expect(page.get_by_role("button", name="零报告")).to_have_count(0)  # after real damage, not a one-tap choice
    page.get_by_role("button", name="本日无新增").click()
    page.get_by_role("dialog").get_by_role("button", name="确认无新增").click()
    saved_home(page)
    initial, update = wait_for(lambda: reports_of(world), 2)
    assert update["stage"] == "update" and update["note"] == "本日无新增"
    assert update["figures"] == initial["figures"]


def test_evacuation_with_an_allocation_and_the_shelter_list_offline(page, context, world):
    log_in(page, world.reporter)
    page.get_by_role("link", name="报转移").click()
    expect(page.get_by_role("heading", name="报转移")).to_be_visible()
    school = world.shelters[0]
    shelter_field = page.locator(f'input[name="shelter-{school["id"]}"]')
    page.locator("input[name=evacuated]").fill("30")
    page.locator("input[name=centralized]").fill("20")
    page.locator("input[name=dispersed]").fill("5")
    shelter_field.fill("25")
    page.get_by_role("button", name="保存并上报").click()
    sum_rule = "集中安置与分散安置人数之和须等于紧急避险转移人数"
    expect(page.get_by_text(sum_rule).first).to_be_visible()
    expect(page.get_by_text("分配到避难场所的人数之和不能超过集中安置人数")).to_be_visible()
    shot(page, "evacuation-01-rules")
    page.locator("input[name=dispersed]").fill("10")
    shelter_field.fill("15")
    page.locator("input[name=returned]").fill("4")
    expect(page.locator(".displaced")).to_contain_text("26")
    expect(page.get_by_text(sum_rule)).to_have_count(0)
    shot(page, "evacuation-02-filled")
    page.get_by_role("button", name="保存并上报").click()
    saved_home(page)

    def current():
        response = world.api.get(f"/api/v1/events/{world.event['id']}/evacuations?current=true")
        return response.get_json()["items"]

    [report] = wait_for(current, 1)
    assert (report["evacuated"], report["centralized"], report["dispersed"], report["returned"]) == (30, 20, 10, 4)
    assert [(a["shelter_id"], a["persons"]) for a in report["allocations"]] == [(school["id"], 15)]

    page.get_by_role("link", name="我的报告").click()
    row = page.locator('.report-row[data-kind="evacuation"]')
    expect(row).to_contain_text("转移 30 人，现在在外 26 人")
    row.click()
    expect(page.locator(".fact", has_text="安置在 石门小学")).to_contain_text("15 人")
    shot(page, "reports-04-evacuation-detail")
    page.get_by_role("button", name="返回").click()
    page.get_by_role("button", name="返回").click()

    # Offline: the next report starts from this one and the shelter list comes from the phone.
    go_offline(context)
    page.get_by_role("link", name="报转移").click()
    expect(page.locator("input[name=evacuated]")).to_have_value("30")
    expect(shelter_field).to_have_value("15")
    expect(page.get_by_text("村委会礼堂")).to_be_visible()
    expect(page.locator(".updated-at-stale").first).to_be_visible()
    shot(page, "evacuation-03-offline-from-cache")
    go_online(context)


def test_a_returned_report_shows_the_reason_and_is_corrected_and_resent_once(page, context, world):
    log_in(page, world.reporter)
    open_damage(page)
    fill_figures(page, FIGURES)
    page.get_by_role("button", name="保存并上报初报").click()
    saved_home(page)
    [first] = wait_for(lambda: reports_of(world), 1)

    reason = "受灾人口与花名册不符，请核实后重报"
    response = world.town_api.post(
        f"/api/v1/damage-reports/{first['id']}/review", json={"decision": "return", "comment": reason}
    )
    assert response.status_code == 200, response.get_json()

    page.get_by_role("link", name="我的报告").click()
    expect(page.get_by_role("heading", name="我的报告")).to_be_visible()
    returned = page.locator(".returned-card")
    expect(returned).to_contain_text(reason)
    expect(page.locator(".report-row").first).to_contain_text("已退回")
    shot(page, "reports-01-returned-on-top")
    page.locator(".report-row").first.click()
    expect(page.locator(".banner-error")).to_contain_text(reason)
    shot(page, "reports-02-detail-returned")
    page.get_by_role("link", name="修改后重新报送").click()

    expect(page.get_by_role("heading", name="修改后重新报送")).to_be_visible()
    expect(page.locator(".banner-error")).to_contain_text(reason)
    expect(page.locator(".stage-card")).to_contain_text("初报")  # the returned 初报 does not count
    expect(field(page, "affected_population")).to_have_value("30")
    field(page, "affected_population").fill("28")
    shot(page, "damage-06-correct-returned")
    page.get_by_role("button", name="保存并上报初报").click()
    saved_home(page)

    first, second = wait_for(lambda: reports_of(world), 2)
    assert first["status"] == "returned" and not first["current"]
    assert (second["stage"], second["status"], second["current"]) == ("initial", "submitted", True)
    assert second["figures"]["affected_population"] == 28 and second["client_id"] != first["client_id"]

    page.get_by_role("link", name="我的报告").click()
    expect(page.locator(".report-row")).to_have_count(2)
    expect(page.locator(".returned-card")).to_have_count(0)  # corrected: no longer asks for the person
    page.locator(".report-row", has_text="已退回").click()
    expect(page.locator(".corrected")).to_have_text("已重新报送，见「我的报告」。")
    page.get_by_role("button", name="返回").click()
    # Offline, the lists read last are shown with their time (the reload comes from the service worker's shell).
    wait_for_service_worker(page)
    go_offline(context)
    page.reload()
    expect(page.locator(".report-row")).to_have_count(2)
    expect(page.locator(".updated-at-stale").first).to_contain_text("离线")
    shot(page, "reports-03-offline")
    go_online(context)
    wait_for_empty_outbox(page)  # nothing waits on the phone: nothing more can be sent
    assert len(reports_of(world)) == 2  # sent once


def test_stable_event_asks_for_the_final_report_and_nothing_after_it(page, world, login_as):
    reporter_api = login_as(world.reporter)
    response = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "7e3f8a2e-3333-4d7a-9a39-0d1b1f2f5e03", "stage": "initial", "figures": FIGURES},
    )
    assert response.status_code == 201, response.get_json()
    response = world.api.post(f"/api/v1/events/{world.event['id']}/status", json={"status": "stable"})
    assert response.status_code == 200, response.get_json()
    # A 核报 must agree with the village's housing ledger (台账): the 3 damaged households and their 5 rooms.
    for serial, rooms in enumerate((2, 2, 1)):
        house = {
            "client_id": f"7e3f8a2e-3333-4d7a-9a39-0d1b1f2f5f0{serial}",
            "head_name": f"户主{serial}",
            "structure": "砖木",
            "damage": "general",
            "rooms": rooms,
        }
        response = reporter_api.post(f"/api/v1/events/{world.event['id']}/damaged-houses", json=house)
        assert response.status_code == 201, response.get_json()

    log_in(page, world.reporter)
    # Home lists the stable event under its own heading, with what is owed: the 核报 and its deadline.
    expect(page.get_by_role("heading", name="稳定阶段（待核报）")).to_be_visible()
    expect(page.get_by_text("暂无进行中的灾害过程")).to_be_visible()
    card = page.locator(".event-card", has_text=world.event["name"])
    expect(card.get_by_text("现在要报：核报")).to_be_visible()
    shot(page, "damage-11-home-stable-event")
    card.get_by_role("link", name="报核报").click()
    expect(page.get_by_role("radio", name="核报")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("radio", name="续报")).to_be_visible()  # still possible, not the default
    expect(field(page, "affected_population")).to_have_value("30")
    field(page, "affected_population").fill("32")
    shot(page, "damage-07-final-when-stable")
    page.get_by_role("button", name="保存并上报核报").click()
    saved_home(page)
    final = wait_for(lambda: reports_of(world), 2)[1]
    assert (final["stage"], final["figures"]["affected_population"]) == ("final", 32)

    page.goto(f"/events/{world.event['id']}/damage/new")
    expect(page.get_by_text("该村已报送核报，本次灾害过程不能再报送")).to_be_visible()
    expect(page.locator('input[name="figures.affected_population"]')).to_have_count(0)
    shot(page, "damage-08-nothing-after-final")


def test_a_local_event_the_village_reported_is_on_home_until_its_township_decides(page, world, login_as):
    """A 本地事件 opened from below is pending until the township confirms it; the village files its 续报 into it."""
    local = {
        "client_id": "7e3f8a2e-4444-4d7a-9a39-0d1b1f2f5e04",
        "name": "石门村后山滑坡",
        "disaster_type": "地质灾害",
        "disaster_subtype": "滑坡",
        "description": "凌晨后山滑坡",
        "initial_report": {"figures": {"affected_population": 12}},
    }
    response = login_as(world.reporter).post("/api/v1/local-events", json=local)
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert event["status"] == "pending"

    log_in(page, world.reporter)
    card = page.locator(".event-card", has_text="石门村后山滑坡")
    expect(card.get_by_text("待乡镇确认")).to_be_visible()
    expect(page.locator(".event-card", has_text=world.event["name"])).to_be_visible()  # the county's event too
    shot(page, "damage-12-home-local-event")
    card.get_by_role("link", name="报灾情").click()
    expect(page.get_by_text("这次报的是：续报")).to_be_visible()  # its 初报 came with the event
    expect(page.get_by_role("textbox", name="受灾人口 人")).to_have_value("12")


def test_a_report_refused_for_its_stage_is_fixed_on_the_form_and_sent_once(page, world, login_as):
    log_in(page, world.reporter)
    open_damage(page)
    expect(page.locator(".stage-card")).to_contain_text("初报")
    # While the form is open, another officer of the village files the 初报 from another phone.
    other = login_as(world.reporter).post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "8f4f8a2e-4444-4d7a-9a39-0d1b1f2f5e04", "stage": "initial", "figures": FIGURES},
    )
    assert other.status_code == 201, other.get_json()
    fill_figures(page, {**FIGURES, "affected_population": 40})
    page.get_by_role("button", name="保存并上报初报").click()
    # Refused (409): the phone says 未被接受 and opens the form as the fix of that outbox item (issue 18).
    expect(page.get_by_text(re.compile("^未被接受"))).to_be_visible()
    expect(page.get_by_role("heading", name="修改灾情报告")).to_be_visible()
    expect(page.locator(".banner-error").first).to_contain_text("该村已报送初报")
    expect(page.locator(".stage-card")).to_contain_text("续报")  # chosen from the history read now
    expect(field(page, "affected_population")).to_have_value("40")  # what the person typed, kept
    shot(page, "damage-09-fix-refused")
    page.get_by_role("button", name="保存并重发").click()
    saved_home(page)

    initial, update = wait_for(lambda: reports_of(world), 2)
    assert initial["client_id"] == "8f4f8a2e-4444-4d7a-9a39-0d1b1f2f5e04"
    assert (update["stage"], update["figures"]["affected_population"]) == ("update", 40)


def test_a_closed_event_takes_no_more_reports_and_the_forms_say_so(page, world):
    for status in ("stable", "closed"):
        response = world.api.post(f"/api/v1/events/{world.event['id']}/status", json={"status": status})
        assert response.status_code == 200, response.get_json()
    log_in(page, world.reporter)
    page.goto(f"/events/{world.event['id']}/damage/new")
    expect(page.get_by_text("灾害过程已结束，不能再报送灾情")).to_be_visible()
    expect(page.locator('input[name="figures.affected_population"]')).to_have_count(0)
    page.goto(f"/events/{world.event['id']}/evacuation/new")
    expect(page.get_by_text("灾害过程已结束，不能再填报")).to_be_visible()
    expect(page.locator("input[name=evacuated]")).to_have_count(0)


def test_a_report_waiting_on_the_phone_makes_the_next_one_an_update_from_its_figures(page, context, world):
    log_in(page, world.reporter)
    open_damage(page)  # the village's history read once while online: nothing filed yet
    page.get_by_role("button", name="返回").click()
    go_offline(context)
    context.route("**/api/v1/events/*/damage-reports", lambda route: route.abort("internetdisconnected"))
    open_damage(page)
    expect(page.locator(".stage-card")).to_contain_text("初报")
    fill_figures(page, FIGURES)
    page.get_by_role("button", name="保存并上报初报").click()
    saved_home(page)

    open_damage(page)
    expect(page.locator(".stage-card")).to_contain_text("续报")
    expect(page.locator(".stage-previous")).to_contain_text("还在手机上等待发送")
    expect(field(page, "affected_population")).to_have_value("30")
    field(page, "affected_population").fill("36")
    shot(page, "damage-10-update-after-queued-initial")
    page.get_by_role("button", name="保存并上报续报").click()
    saved_home(page)
    assert reports_of(world) == []

    context.unroute("**/api/v1/events/*/damage-reports")
    go_online(context)  # both go, in order: the 初报 first, then the 续报
    initial, update = wait_for(lambda: reports_of(world), 2)
    assert (initial["stage"], update["stage"]) == ("initial", "update")
    assert update["figures"]["affected_population"] == 36 and update["current"]
