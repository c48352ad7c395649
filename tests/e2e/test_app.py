"""The app around the outbox: login and logout, the hazard form's rules, a refused report fixed by hand, a lost
session, WeChat and browsers without a service worker. Each step leaves a screenshot."""

from __future__ import annotations

import re
import time

import pillow_heif
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, POSITION, shot
from tests.e2e.helpers import (
    camera_jpeg,
    file_hazard,
    go_offline,
    hold_first_request,
    log_in,
    open_outbox,
    small_touch_targets,
)


def _hazards(world) -> list[dict]:
    return world.api.get("/api/v1/hazards?per_page=200").get_json()["items"]


def test_login_is_remembered_for_weeks_and_logout_keeps_waiting_items(page, context, world):
    page.goto("/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    shot(page, "00-login")
    assert small_touch_targets(page) == []
    page.get_by_label("用户名").fill(world.reporter.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码不对")).to_be_visible()
    shot(page, "00-login-wrong-password")

    log_in(page, world.reporter)
    remember = [c for c in context.cookies() if c["name"] == "remember_token"]
    assert remember and remember[0]["expires"] > time.time() + 14 * 24 * 3600

    page.reload()  # a new start of the app: no login asked
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()

    go_offline(context)
    file_hazard(page, title="退出前保存的隐患")
    # still not sent: its POST blocked before the network comes back (the `online` event sends at once)
    context.route("**/api/v1/hazards", lambda route: route.abort("internetdisconnected"))
    context.unroute("**/api/**")
    context.unroute("**/healthz")
    context.set_offline(False)
    page.get_by_role("button", name="退出").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("只在您（李秀英）再次登录后发送")  # the confirmation says the item stays
    dialog.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.get_by_text("已退出")).to_be_visible()
    expect(page.get_by_text("李秀英 的 1 条报告在本机等待发送")).to_be_visible()
    context.unroute("**/api/v1/hazards")

    log_in(page, world.reporter)
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    assert [h["title"] for h in _hazards(world)] == ["退出前保存的隐患"]


def test_on_a_slow_network_home_says_it_is_reading_the_events(page, context, world):
    held = hold_first_request(context, re.compile(r"/api/v1/events\?status=active"))
    log_in(page, world.reporter)
    reading = page.get_by_text("正在读取灾害过程…")
    expect(reading).to_be_visible()  # not an empty heading: the person knows something is coming
    shot(page, "01-home-reading")
    held[0].continue_()
    expect(page.locator(".event-card")).to_contain_text(world.event["name"])
    expect(reading).to_have_count(0)


def test_the_form_says_what_is_missing_and_gps_accuracy_is_shown(page, world, tmp_path):
    log_in(page, world.reporter)
    page.get_by_role("link", name="上报隐患").click()
    expect(page.locator(".location-status")).to_have_text("已定位，精度约 12 米")
    shot(page, "10-hazard-form")
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="保存并上报").click()
    expect(page.get_by_text("请选择隐患类型")).to_be_visible()
    expect(page.get_by_text("请选择风险等级")).to_be_visible()
    expect(page.get_by_text("请填写隐患名称")).to_be_visible()
    shot(page, "11-hazard-form-missing")

    page.get_by_role("radio", name="崩塌").click()
    page.get_by_role("radio", name="重大（红）").click()
    page.get_by_label("隐患名称").fill("公路边坡崩塌")
    page.locator("input[name=camera]").set_input_files(str(camera_jpeg(tmp_path / "c.jpg", 6)))
    expect(page.locator(".photo-thumb")).to_have_count(1)
    shot(page, "12-hazard-form-filled")
    page.get_by_role("button", name="保存并上报").click()
    expect(page.get_by_text(re.compile("^已送达"))).to_be_visible()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    [hazard] = _hazards(world)
    assert (hazard["category"], hazard["risk_level"], hazard["accuracy_m"]) == ("collapse", "major", 12)


def test_without_gps_the_address_is_asked_and_sent(browser, base_url, world):
    context = browser.new_context(**PHONE, base_url=base_url)  # location permission not given
    page = context.new_page()
    try:
        log_in(page, world.reporter)
        page.get_by_role("link", name="上报隐患").click()
        expect(page.locator(".location-status")).to_have_text("没有定位权限，请在下面写清位置")
        page.get_by_role("radio", name="山洪").click()
        page.get_by_role("radio", name="低（蓝）").click()
        page.get_by_label("隐患名称").fill("沟口山洪隐患")
        page.get_by_role("button", name="保存并上报").click()
        expect(page.get_by_text("没有定位，请填写地址或位置说明")).to_be_visible()
        shot(page, "13-hazard-form-no-gps")
        page.get_by_label("地址或位置说明").fill("三组沟口，老桥上游 200 米")
        page.get_by_role("button", name="保存并上报").click()
        expect(page.get_by_text(re.compile("^已送达"))).to_be_visible()
        open_outbox(page)
        expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    finally:
        context.close()
    [hazard] = _hazards(world)
    assert (hazard["lat"], hazard["address"]) == (None, "三组沟口，老桥上游 200 米")


def test_a_photo_keeps_the_gps_and_time_of_its_camera_file(browser, base_url, world, tmp_path):
    """The shrunk JPEG has no EXIF: the position and time read from the original (exifr) travel as form fields."""
    camera = camera_jpeg(
        tmp_path / "exif.jpg", 8, gps=((29.0, 15.0, 36.0), (117.0, 51.0, 18.0)), taken="2026:07:01 09:30:00"
    )
    context = browser.new_context(**PHONE, base_url=base_url)  # no device position: only the file has one
    page = context.new_page()
    try:
        log_in(page, world.reporter)
        page.get_by_role("link", name="上报隐患").click()
        page.get_by_role("radio", name="泥石流").click()
        page.get_by_role("radio", name="较大（橙）").click()
        page.get_by_label("隐患名称").fill("沟谷泥石流物源")
        page.get_by_label("地址或位置说明").fill("五组后沟")
        page.locator("input[name=gallery]").set_input_files(str(camera))
        expect(page.locator(".photo-thumb")).to_have_count(1)
        page.get_by_role("button", name="保存并上报").click()
        open_outbox(page)
        expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    finally:
        context.close()
    [hazard] = _hazards(world)
    [photo] = world.api.get(f"/api/v1/hazards/{hazard['id']}").get_json()["photos"]
    assert (round(photo["lat"], 6), round(photo["lon"], 6)) == (29.26, 117.855)
    assert photo["taken_at"].startswith("2026-07-01T09:30:00")  # shown in Asia/Shanghai, as the camera said


def test_a_photo_the_browser_cannot_decode_is_sent_as_it_is(page, world, tmp_path):
    """HEIC outside Safari: no shrinking possible, so the original goes and the server converts it."""
    pillow_heif.register_heif_opener()
    heic = tmp_path / "IMG_0001.heic"
    Image.effect_noise((1200, 900), 30).convert("RGB").save(heic, format="HEIF")
    log_in(page, world.reporter)
    page.get_by_role("link", name="上报隐患").click()
    page.get_by_role("radio", name="危房").click()
    page.get_by_role("radio", name="一般（黄）").click()
    page.get_by_label("隐患名称").fill("苹果手机拍的危房")
    page.locator("input[name=gallery]").set_input_files(str(heic))
    expect(page.get_by_text("照片已选（此处无法预览）")).to_be_visible()  # this browser cannot decode it
    shot(page, "14-hazard-form-heic")
    page.get_by_role("button", name="保存并上报").click()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    [hazard] = _hazards(world)
    [photo] = world.api.get(f"/api/v1/hazards/{hazard['id']}").get_json()["photos"]
    # The browser could not decode it, so the camera file itself went and the server converted it.
    assert (photo["width"], photo["height"], photo["lat"]) == (1200, 900, POSITION["latitude"])


def test_a_report_the_server_refuses_is_fixed_by_hand_and_sent(page, world):
    log_in(page, world.reporter)
    file_hazard(page, title="重" * 201, refused=True)  # the server allows 200 characters
    file_hazard(page, title="长" * 201, refused=True)
    expect(page.get_by_text("有 2 条需要处理")).to_be_visible()
    open_outbox(page)
    # One is deleted by hand (after the confirmation), the other fixed.
    page.locator(".outbox-item", has_text="重重重").get_by_role("button", name="删除").click()
    page.get_by_role("dialog").get_by_role("button", name="删除").click()
    item = page.locator(".outbox-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-status", "needs_attention")
    expect(item).to_contain_text("名称应为 1-200 个字")
    shot(page, "15-outbox-needs-attention")
    assert small_touch_targets(page) == []

    page.get_by_role("button", name="修改后重发").click()
    expect(page.get_by_role("heading", name="修改隐患")).to_be_visible()
    expect(page.locator(".field-error")).to_contain_text("名称应为 1-200 个字")
    shot(page, "16-hazard-fix")
    page.get_by_label("隐患名称").fill("村后长条形裂缝")
    page.get_by_role("button", name="保存并重发").click()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    assert [h["title"] for h in _hazards(world)] == ["村后长条形裂缝"]


def test_a_lost_session_asks_for_login_and_keeps_the_report(page, world, make_user, login_as):
    log_in(page, world.reporter)
    # The county admin sets a new password: every session of the reporter ends on the server's side.
    admin = login_as(make_user("admin", world.county))
    changed = admin.patch(f"/api/v1/users/{world.reporter.id}", json={"password": "new-password-2026"})
    assert changed.status_code == 200, changed.get_json()

    file_hazard_expecting_login(page)
    expect(page.get_by_text("登录已过期")).to_be_visible()
    shot(page, "02-login-expired")
    log_in(page, world.reporter, password="new-password-2026")
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    assert [h["title"] for h in _hazards(world)] == ["登录过期时的隐患"]


def file_hazard_expecting_login(page) -> None:
    page.get_by_role("link", name="上报隐患").click()
    page.get_by_role("radio", name="危房").click()
    page.get_by_role("radio", name="较大（橙）").click()
    page.get_by_label("隐患名称").fill("登录过期时的隐患")
    page.get_by_role("button", name="保存并上报").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def test_inside_wechat_a_hint_with_copy_link_and_reporting_still_works(browser, base_url, world):
    context = browser.new_context(
        **PHONE,
        base_url=base_url,
        geolocation={"latitude": 29.25, "longitude": 117.86, "accuracy": 20},
        permissions=["geolocation", "clipboard-read", "clipboard-write"],
        service_workers="block",
    )
    context.add_init_script("window.WeixinJSBridge = { invoke() {} };")  # what WeChat's WebView provides
    page = context.new_page()
    try:
        log_in(page, world.reporter)
        hint = page.locator(".wechat-hint")
        expect(hint).to_contain_text("点右上角 ··· 选择「在浏览器打开」")
        shot(page, "30-wechat-hint")
        assert small_touch_targets(page) == []  # the home screen with the hint
        hint.get_by_role("button", name="复制链接").click()
        expect(hint.get_by_role("button", name="已复制链接")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == base_url + "/"

        # No service worker here: the report is still saved on the phone first and sent.
        file_hazard(page, title="微信里上报的隐患")
        open_outbox(page)
        expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    finally:
        context.close()
    assert [h["title"] for h in _hazards(world)] == ["微信里上报的隐患"]


def test_a_browser_without_service_worker_is_told_and_still_reports(browser, base_url, world):
    context = browser.new_context(
        **PHONE,
        base_url=base_url,
        geolocation={"latitude": 29.25, "longitude": 117.86, "accuracy": 20},
        permissions=["geolocation"],
    )
    context.add_init_script("delete Navigator.prototype.serviceWorker;")  # an old WebView
    page = context.new_page()
    try:
        log_in(page, world.reporter)
        expect(page.locator(".wechat-hint")).to_contain_text("这个浏览器不能离线打开本应用")
        page.get_by_role("button", name="知道了").click()
        expect(page.locator(".wechat-hint")).to_have_count(0)
        go_offline(context)
        file_hazard(page, title="旧浏览器离线保存")
        expect(page.get_by_role("link", name="待发送")).to_contain_text("1")
        context.unroute("**/api/**")
        context.unroute("**/healthz")
        context.set_offline(False)
        open_outbox(page)
        expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    finally:
        context.close()
    assert [h["title"] for h in _hazards(world)] == ["旧浏览器离线保存"]
