"""Issue 10, warnings and 叫应 in the browser: a township reviewer issues a warning from the desk (工作台), the
village officer acknowledges it offline on the phone, comes online, and the board's rate changes while it is open;
the silent villages are named with their officers' phone numbers as tel: links."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server import clock
from server.extensions import db
from server.users.models import User
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, POSITION, shot
from tests.e2e.helpers import go_offline, go_online, hold_first_request, log_in, small_touch_targets

OFFICER_PHONE = "138 0013 8000"  # as people type it; the link dials 13800138000


def log_in_desk(page: Page, user) -> None:
    """A reviewer or viewer logs in and lands on the duty desk (工作台), not the reporter's home."""
    page.goto("/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """The village officer's phone: a second browser, beside the reviewer's (`context`)."""
    context = browser.new_context(
        **PHONE, base_url=base_url, geolocation=POSITION, permissions=["geolocation"], service_workers="allow"
    )
    yield context
    context.close()


def _page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    page.on("dialog", lambda dialog: dialog.accept())
    page.errors = errors  # checked at the end of the test
    return page


@pytest.fixture
def shangping(app, make_unit, make_user, world):
    """A third village of 石门镇 whose officer has a phone number and never answers."""
    village = make_unit("village", world.township, name="上坪村")
    officer = make_user("reporter", village, username="shangping_reporter", name="王建国")
    with app.app_context():
        db.session.get(User, officer.id).phone = OFFICER_PHONE
        db.session.commit()
    return village


@contextmanager
def server_clock_at(moment):
    """The server's clock at `moment` for what happens inside (the live server runs in this process)."""
    clock.set_now(moment)
    try:
        yield
    finally:
        clock.set_now(None)


def _status(world, warning_id: int) -> dict:
    response = world.town_api.get(f"/api/v1/warnings/{warning_id}/status")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _issue(world, **overrides) -> dict:
    body = {
        "title": "山洪灾害红色预警",
        "body": "今晚到明天上午有特大暴雨，山洪、滑坡风险极高。请立即通知沿河、山脚住户转移。",
        "level": "red",
        "disaster_type": "洪涝",
        "target_org_unit_ids": [world.township.id],
        **overrides,
    }
    response = world.town_api.post("/api/v1/warnings", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_issue_acknowledge_offline_and_the_board_rate_changes(page, context, phone, world, shangping):
    # The township reviewer issues a red warning to all its villages from the desk.
    log_in_desk(page, world.town_reviewer)
    expect(page.get_by_text("没有生效中的预警。")).to_be_visible()  # the desk read, not still loading
    shot(page, "w01-desk-empty")
    page.get_by_role("link", name="发布预警").click()
    expect(page.get_by_role("heading", name="发布预警")).to_be_visible()
    page.get_by_role("radio", name="红色预警").click()
    page.get_by_role("radio", name="洪涝").click()
    page.get_by_label("标题").fill("山洪灾害红色预警")
    page.get_by_label("预警内容").fill("今晚到明天上午有特大暴雨，山洪、滑坡风险极高。请立即通知沿河、山脚住户转移。")
    page.get_by_role("checkbox", name="全部（3 个）").click()
    expect(page.locator(".field-hint", has_text="默认 30 分钟")).to_be_visible()
    shot(page, "w02-warning-new")
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="发布预警").click()
    confirm = page.get_by_role("dialog")  # the app's own dialog (window.confirm is blocked in some in-app browsers)
    expect(confirm).to_contain_text("向 3 个单位发布红色预警？")
    confirm.get_by_role("button", name="确认发布").click()

    expect(page.get_by_role("heading", name="叫应情况")).to_be_visible()
    expect(page.get_by_test_id("rate-count")).to_have_text("0 / 3")
    # Every village is waiting; the officers with a phone number can be called from here.
    expect(page.locator(".board-unit[data-state=waiting]")).to_have_count(3)
    call = page.locator(".board-unit[data-unit=上坪村] a.tel-link")
    expect(call).to_have_attribute("href", "tel:13800138000")
    shot(page, "w03-board-none-answered")
    warning_id = int(page.url.rstrip("/").split("/")[-2])

    # The village officer opens the app: the warning is a full-width banner, its level in words, counting down.
    reporter = _page(phone)
    log_in(reporter, world.reporter)
    banner = reporter.locator(f".warning-banner[data-warning='{warning_id}']")
    expect(banner).to_contain_text("红色预警")
    expect(banner).to_contain_text("山洪灾害红色预警")
    expect(banner.get_by_role("timer")).to_contain_text("还剩")
    shot(reporter, "w04-reporter-banner")
    assert small_touch_targets(reporter) == []

    # No signal: the answer (with households and persons relayed) waits in the outbox.
    go_offline(phone)
    banner.get_by_label("已通知户数").fill("12")
    banner.get_by_label("已通知人数").fill("40")
    banner.get_by_role("button", name="收到（叫应）").click()
    line = reporter.locator(f".warning-line[data-warning='{warning_id}']")
    expect(line).to_have_attribute("data-state", "ack_queued")
    expect(line).to_contain_text("未发出")
    expect(reporter.get_by_role("link", name="待发送")).to_contain_text("1")
    shot(reporter, "w05-reporter-ack-queued")
    assert _status(world, warning_id)["acknowledged"] == 0

    # Back online: the outbox sends it; the phone shows the server's answer.
    go_online(phone)
    expect(line).to_have_attribute("data-state", "acknowledged", timeout=20_000)
    expect(reporter.get_by_role("link", name="待发送")).not_to_contain_text("1")
    shot(reporter, "w06-reporter-acknowledged")

    # The board, left open on the reviewer's screen, catches up by itself (it reads again every 15 s).
    expect(page.get_by_test_id("rate-count")).to_have_text("1 / 3", timeout=25_000)
    answered = page.locator(".board-unit[data-unit=石门村]")
    expect(answered).to_have_attribute("data-state", "on_time")
    expect(answered).to_contain_text("到户 12")
    expect(answered).to_contain_text("到人 40")
    shot(page, "w07-board-one-answered")

    # Exactly one answer reached the server, with what was typed.
    units = {unit["org_unit"]["name"]: unit for unit in _status(world, warning_id)["units"]}
    assert len(units["石门村"]["answers"]) == 1
    assert (units["石门村"]["households_notified"], units["石门村"]["persons_notified"]) == (12, 40)

    # The warning's detail, as the officer reads it in full.
    line.click()
    expect(reporter.get_by_role("heading", name="预警", exact=True)).to_be_visible()
    expect(reporter.locator(".ack-done")).to_contain_text("已叫应")
    shot(reporter, "w08-reporter-warning-detail")

    assert not reporter.errors, reporter.errors


def test_on_a_slow_network_the_desk_says_it_is_reading(page, context, world):
    held = hold_first_request(context, re.compile(r"/api/v1/dashboard"))
    log_in_desk(page, world.town_reviewer)
    reading = page.get_by_text("正在读取工作台…")
    expect(reading).to_be_visible()
    held[0].continue_()
    expect(page.get_by_text("没有生效中的预警。")).to_be_visible()
    expect(reading).to_have_count(0)


def test_the_desk_names_silent_villages_with_a_phone_to_call(page, phone, world, shangping, app):
    # A red warning issued 40 minutes ago (30 to answer): 石门村 answers now (late), 上坪村 and 下河村 stay silent.
    with server_clock_at(clock.now() - timedelta(minutes=40)):
        warning = _issue(world)
    reporter = _page(phone)
    log_in(reporter, world.reporter)
    banner = reporter.locator(f".warning-banner[data-warning='{warning['id']}']")
    expect(banner.get_by_role("timer")).to_contain_text("已超过 10 分钟")
    shot(reporter, "w09-reporter-banner-overdue")
    banner.get_by_role("button", name="收到（叫应）").click()
    expect(reporter.locator(f".warning-line[data-warning='{warning['id']}']")).to_contain_text("已叫应（迟）")

    log_in_desk(page, world.town_reviewer)
    card = page.locator(f".desk-card[data-warning='{warning['id']}']")
    expect(card).to_contain_text("1 / 3")
    expect(card).to_contain_text("2 个村超时未叫应")
    shot(page, "w10-desk-with-warning")
    assert small_touch_targets(page) == []

    card.click()
    expect(page.get_by_role("heading", name="叫应情况")).to_be_visible()
    silent = page.locator(".board-unit[data-state=overdue]")
    expect(silent).to_have_count(2)
    expect(page.locator(".board-unit").first).to_have_attribute("data-state", "overdue")  # the silent come first
    expect(page.locator(".board-unit[data-unit=上坪村] a.tel-link")).to_have_attribute("href", "tel:13800138000")
    expect(page.locator(".board-unit[data-unit=下河村]")).to_contain_text("没有登记信息员电话")
    expect(page.locator(".board-unit[data-unit=石门村]")).to_have_attribute("data-state", "late")
    shot(page, "w11-board-silent-villages")
    assert small_touch_targets(page) == []

    # The event's villages late or missing, from the desk: two hours on, no village has filed its 初报 (due within
    # the hour), so all three are missing, each with whom to call (催报).
    page.get_by_role("button", name="返回").click()
    with server_clock_at(clock.now() + timedelta(hours=2)):
        page.locator(".desk-card[data-event]").first.click()
        missing = page.locator("[data-group=未报]")
        expect(missing).to_contain_text("未报（3 个村）")
    expect(missing.locator("[data-unit=上坪村] a.tel-link")).to_have_attribute("href", "tel:13800138000")
    expect(missing.locator("[data-unit=上坪村]")).to_contain_text("王建国")
    expect(missing.locator("[data-unit=下河村]")).to_contain_text("没有登记信息员电话")
    shot(page, "w12-desk-event")
    assert small_touch_targets(page) == []

    # The township cancels the warning with a reason; the village's phone drops it at its next read.
    page.goto(f"/warnings/{warning['id']}/board")
    page.get_by_role("button", name="撤销预警").click()
    page.get_by_role("button", name="确认撤销").click()
    expect(page.get_by_text("请填写撤销原因")).to_be_visible()
    page.get_by_label("撤销原因").fill("雨情减弱，解除预警")
    shot(page, "w13-board-cancel")
    page.get_by_role("button", name="确认撤销").click()
    expect(page.locator(".warning-card .chip-error")).to_have_text("已撤销")
    assert world.town_api.get(f"/api/v1/warnings/{warning['id']}").get_json()["status"] == "cancelled"
    reporter.reload()
    expect(reporter.get_by_role("link", name="上报隐患")).to_be_visible()
    expect(reporter.locator(f"[data-warning='{warning['id']}']")).to_have_count(0)

    assert not reporter.errors, reporter.errors


def test_the_desk_edits_a_warning_and_every_village_must_answer_again(page, phone, world, shangping):
    """修改预警: a new revision; a village that had answered is asked again, and sees the new words."""
    warning = _issue(world, level="orange", title="山洪灾害橙色预警")
    reporter = _page(phone)
    log_in(reporter, world.reporter)
    banner = reporter.locator(f".warning-banner[data-warning='{warning['id']}']")
    banner.get_by_role("button", name="收到（叫应）").click()
    expect(reporter.locator(f".warning-line[data-warning='{warning['id']}']")).to_contain_text("已叫应")
    deadline = time.monotonic() + 15  # the outbox sends the answer on its own
    while _status(world, warning["id"])["acknowledged"] != 1:
        assert time.monotonic() < deadline, "the acknowledgement never reached the server"
        time.sleep(0.2)

    log_in_desk(page, world.town_reviewer)
    page.goto(f"/warnings/{warning['id']}/board")
    page.get_by_role("button", name="修改预警").click()
    form = page.get_by_role("region", name="修改预警")
    form.get_by_role("button", name="保存修改").click()
    expect(form.get_by_text("没有改动。")).to_be_visible()
    form.get_by_role("radio", name="红色预警").click()
    form.get_by_label("标题").fill("山洪灾害红色预警（升级）")
    form.get_by_role("radio", name="延长 12 小时").click()
    shot(page, "w14-board-edit")
    assert small_touch_targets(page) == []
    form.get_by_role("button", name="保存修改").click()
    page.get_by_role("dialog").get_by_role("button", name="确认修改").click()
    expect(page.locator(".warning-title")).to_have_text("山洪灾害红色预警（升级）")
    expect(page.get_by_role("region", name="修改预警")).to_have_count(0)

    changed = world.town_api.get(f"/api/v1/warnings/{warning['id']}").get_json()
    assert (changed["level"], changed["revision"]) == ("red", warning["revision"] + 1)
    extended = datetime.fromisoformat(changed["expires_at"]) - datetime.fromisoformat(warning["expires_at"])
    assert timedelta(hours=12) - timedelta(seconds=1) < extended <= timedelta(hours=12)  # the form sends whole seconds
    assert _status(world, warning["id"])["acknowledged"] == 0  # every village answers the new revision

    reporter.reload()
    banner = reporter.locator(f".warning-banner[data-warning='{warning['id']}']")
    expect(banner).to_contain_text("山洪灾害红色预警（升级）")
    expect(banner.get_by_role("button", name="收到（叫应）")).to_be_visible()
