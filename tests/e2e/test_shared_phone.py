"""Issue 18, items 1 and 2: one phone, two village officers. What officer A saved and could not send stays A's: after
A logs out the phone sends nothing at all (the sender used to loop on 401s, ~35 POSTs a second), officer B who
logs in next sees only how many of A's wait, never what they say, and they are not sent under B's login; when A
logs in again they arrive once, filed by A."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import (
    camera_jpeg,
    file_hazard,
    go_offline,
    go_online,
    log_in,
    open_outbox,
    small_touch_targets,
)

# A's reports cannot go out: their POSTs get no answer (the lists and the login still work).
REPORT_POSTS = ("**/api/v1/hazards", "**/api/v1/events/*/evacuations")


def _block_reports(context: BrowserContext) -> None:
    for pattern in REPORT_POSTS:
        context.route(pattern, lambda route: route.abort("internetdisconnected"))


def _unblock_reports(context: BrowserContext) -> None:
    for pattern in REPORT_POSTS:
        context.unroute(pattern)


def _file_evacuation(page: Page, evacuated: int) -> None:
    page.get_by_role("link", name="报转移").click()
    expect(page.get_by_role("heading", name="报转移")).to_be_visible()
    page.locator("input[name=evacuated]").fill(str(evacuated))
    page.locator("input[name=centralized]").fill("0")
    page.locator("input[name=dispersed]").fill(str(evacuated))
    page.get_by_role("button", name="保存并上报").click()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def _cached_users(page: Page) -> set[int]:
    """The users whose copies of lists the phone keeps (IndexedDB ``cache``, keyed ``u<userId>:<path>``)."""
    return set(
        page.evaluate(
            """() => new Promise((resolve, reject) => {
                const open = indexedDB.open('gridreport');
                open.onerror = () => reject(open.error);
                open.onsuccess = () => {
                    const request = open.result.transaction('cache').objectStore('cache').getAll();
                    request.onsuccess = () => { resolve(request.result.map((r) => r.userId)); open.result.close(); };
                };
            })"""
        )
    )


def _rows(world) -> tuple[list[dict], list[dict]]:
    hazards = world.api.get("/api/v1/hazards?per_page=200").get_json()["items"]
    evacuations = world.api.get(f"/api/v1/events/{world.event['id']}/evacuations?per_page=50").get_json()["items"]
    return hazards, evacuations


def test_a_shared_phone_keeps_each_officers_reports_theirs(
    page: Page, context: BrowserContext, world, make_user, tmp_path
):
    officer_b = make_user("reporter", world.village, username="shimen_wang", name="王建国")
    page.clock.install()  # the phone's clock: time flows, and the test can move it on by a minute at once
    log_in(page, world.reporter)
    expect(page.locator(".event-card")).to_contain_text(world.event["name"])

    # No network: A's hazard with a photo and an evacuation are saved, not sent; A logs out all the same.
    go_offline(context)
    file_hazard(page, title="后山滑坡（李秀英）", photos=[camera_jpeg(tmp_path / "slope.jpg", 4)])
    expect(page.get_by_text("已存在手机，有网络时自动发送")).to_be_visible()
    _file_evacuation(page, 12)
    expect(page.get_by_text("已存在手机，有网络时自动发送")).to_be_visible()
    expect(page.get_by_role("link", name="待发送")).to_contain_text("2")
    assert world.reporter.id in _cached_users(page)  # A's lists, kept for offline use

    # A logs out (offline): the login screen says 已退出 (not 登录已过期), whose reports wait, that they go with A.
    page.get_by_role("button", name="退出").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("还有 2 条待发送")
    expect(dialog.get_by_role("button", name="退出")).to_be_focused()
    shot(page, "h18out-logout-confirm")
    dialog.get_by_role("button", name="退出").click()
    expect(page.get_by_text("已退出")).to_be_visible()
    expect(page.get_by_text("登录已过期")).to_have_count(0)
    waiting = page.locator(".others-line")
    expect(waiting).to_contain_text("李秀英 的 2 条报告在本机等待发送")
    expect(waiting).to_contain_text("李秀英 再次登录本应用后会自动发送")
    expect(page.get_by_text("后山滑坡")).to_have_count(0)
    # Logout clears A's copies of lists (just after the screen changes), not A's reports.
    for _ in range(50):
        if world.reporter.id not in _cached_users(page):
            break
        page.wait_for_timeout(100)
    assert world.reporter.id not in _cached_users(page)
    shot(page, "h18out-login-after-logout")
    assert small_touch_targets(page) == []

    # The network comes back (an `online` event) and for a minute of the phone's clock (every timer due in it runs)
    # the phone sends not one request: counted over the whole interval.
    go_online(context)
    requests: list[Request] = []
    context.on("request", lambda request: requests.append(request))
    page.evaluate("() => dispatchEvent(new Event('online'))")
    page.clock.run_for(60_000)
    # A marker request after the minute: every request the app started before it was seen before it.
    page.evaluate("() => fetch('/healthz?marker=1', { cache: 'no-store' }).then((r) => r.status)")
    marker = [r for r in requests if "marker=1" in r.url]
    assert len(marker) >= 1, "the counting saw nothing at all"
    assert [r.url for r in requests if "marker=1" not in r.url] == []
    assert _rows(world) == ([], [])

    # B logs in on the same phone, online (the login replaces the session A's offline logout left in the cookie).
    # B's own report goes at once; A's stay on the phone, unread by B.
    log_in(page, officer_b)
    home_line = page.locator(".others-line")
    expect(home_line).to_contain_text("李秀英 的 2 条报告在本机等待发送")
    expect(home_line).to_contain_text("只在 李秀英 登录时发送")
    expect(page.get_by_role("link", name="待发送")).not_to_contain_text("2")
    shot(page, "h18out-home-other-officers-items")
    file_hazard(page, title="村口危房（王建国）")
    expect(page.get_by_text(re.compile("^已送达"))).to_be_visible()
    hazards, evacuations = _rows(world)
    # Sent oldest first: had A's been B's to send, they would have gone before B's own.
    assert [(h["title"], h["reported_by"]["name"]) for h in hazards] == [("村口危房（王建国）", "王建国")]
    assert evacuations == []
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    expect(page.locator(".others-line")).to_contain_text("李秀英 的 2 条报告在本机等待发送")
    expect(page.get_by_text("后山滑坡")).to_have_count(0)
    expect(page.get_by_text("转移 12 人")).to_have_count(0)
    shot(page, "h18out-outbox-other-officers-items")
    page.get_by_role("button", name="返回").click()
    page.get_by_role("link", name="我的报告").click()
    expect(page.get_by_role("heading", name="我的报告")).to_be_visible()
    expect(page.locator(".others-line")).to_contain_text("李秀英 的 2 条报告在本机等待发送")
    expect(page.locator(".waiting-card")).to_have_count(0)
    page.get_by_role("button", name="返回").click()
    _log_out(page)
    expect(page.locator(".others-line")).to_contain_text("李秀英 的 2 条报告在本机等待发送")

    # A logs in again: both arrive once, filed by A, the photo with the hazard.
    log_in(page, world.reporter)
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    expect(page.locator(".others-line")).to_have_count(0)
    hazards, evacuations = _rows(world)
    by_title = {h["title"]: h for h in hazards}
    assert sorted(by_title) == ["后山滑坡（李秀英）", "村口危房（王建国）"]
    assert by_title["后山滑坡（李秀英）"]["reported_by"]["name"] == "李秀英"
    single = world.api.get(f"/api/v1/hazards/{by_title['后山滑坡（李秀英）']['id']}").get_json()
    assert len(single["photos"]) == 1
    assert [(e["evacuated"], e["submitted_by_name"]) for e in evacuations] == [(12, "李秀英")]


def test_the_login_screen_deletes_another_officers_reports_only_after_a_confirmation(page: Page, context, world):
    log_in(page, world.reporter)
    _block_reports(context)
    file_hazard(page, title="要删掉的隐患")
    expect(page.get_by_text("已存在手机，有网络时自动发送")).to_be_visible()
    _log_out(page)
    line = page.locator(".others-line")
    line.get_by_role("button", name="删除这些报告").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("删除 李秀英 的 1 条报告？")
    expect(dialog.get_by_role("button", name="取消")).to_be_focused()  # destructive: 取消 has the focus
    shot(page, "h18out-login-delete-confirm")
    page.keyboard.press("Escape")  # cancels
    expect(dialog).to_have_count(0)
    expect(line).to_contain_text("李秀英 的 1 条报告在本机等待发送")
    line.get_by_role("button", name="删除这些报告").click()
    page.get_by_role("dialog").get_by_role("button", name="删除").click()
    expect(page.locator(".others-line")).to_have_count(0)
    _unblock_reports(context)
    log_in(page, world.reporter)
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    assert _rows(world) == ([], [])


def test_the_wechat_hint_shows_from_the_user_agent_on_the_login_screen(browser, base_url):
    from tests.e2e.conftest import PHONE

    weixin = (
        "Mozilla/5.0 (Linux; Android 12; V2134A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
        "Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MicroMessenger/8.0.28.2240 WeChat/arm64"
    )
    context = browser.new_context(**PHONE, base_url=base_url, user_agent=weixin)  # no JS bridge at all
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.get_by_role("button", name="登录")).to_be_visible()
        expect(page.locator(".wechat-hint")).to_contain_text("在浏览器打开")
        shot(page, "h18out-login-wechat-hint")
    finally:
        context.close()
