"""Issue 20, items 4-7 in the browser: the county opens an event and moves it to 稳定 after the app's own
confirmation; a township verifies (核实) a hazard and starts its rectification (整改) on a phone; the county's 台账
is filtered and its XLSX holds the filtered rows; the map draws one point per hazard coloured by risk and asks
nothing outside the origin without MAP_TILE_URL; the charts page draws one bar per child unit; an admin creates a
user and resets a password, and the new user logs in. axe-core finds no serious or critical violation on any of
these screens; each is pictured at 360 px and at 1366×768.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import log_in, small_touch_targets
from tests.e2e.test_warnings import log_in_desk
from tests.hazards.factories import hazard_payload, small_jpeg, upload

AXE = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
DESK = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
RISK_FILL = {"major": "#cc0000", "high": "#c25400", "medium": "#e6b800", "low": "#1e63d6"}


def today() -> date:
    """Today where the browser and the server are (Asia/Shanghai)."""
    return datetime.now(SHANGHAI).date()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is (injected through the CSP-exempt
    evaluate, so the strict CSP stays on)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const result = await window.axe.run(document, { resultTypes: ['violations'] });
            return result.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => ({
                    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
                }));
        }"""
    )


def check_screen(page: Page, name: str) -> None:
    """Pictured, accessible, and (on a phone) every target big enough for a thumb."""
    assert axe_violations(page) == [], name
    shot(page, name)
    if page.viewport_size["width"] < 1024:
        assert small_touch_targets(page) == [], name


@pytest.fixture
def desk(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """The county's desktop browser: 1366×768, a mouse."""
    context = browser.new_context(**DESK, base_url=base_url, service_workers="allow")
    yield context
    context.close()


@pytest.fixture
def desk_page(desk: BrowserContext) -> Iterator[Page]:
    page = desk.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    yield page
    assert not errors, errors


@pytest.fixture
def xiahe(world, make_user):
    """下河村 (the township's second village) and its reporter; 上坪村, a third village that files nothing."""
    return make_user("reporter", _unit_named(world, "下河村"), username="xiahe_officer", name="王五")


def _unit_named(world, name: str):
    found = world.api.get(f"/api/v1/org-units?q={quote(name)}").get_json()["items"]
    [unit] = [u for u in found if u["name"] == name]
    return type("Unit", (), unit)


def _hazard(login_as, user, unit_id: int, **overrides) -> dict:
    body = hazard_payload(type("U", (), {"id": unit_id}), **overrides)
    response = login_as(user).post("/api/v1/hazards", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- 4. events ------------------------------------------------------------------------------------------------


def test_the_county_opens_an_event_and_moves_it_to_stable_after_the_confirmation(desk_page, world):
    page = desk_page
    log_in_desk(page, world.county_reviewer)
    page.get_by_role("link", name="开启灾害过程").click()
    expect(page.get_by_role("heading", name="开启灾害过程")).to_be_visible()
    # 灾种 from the served list: 海洋灾害 and its 亚灾种 are there (no copy in the app)
    served = world.api.get("/api/v1/disaster-types").get_json()["items"]
    expect(page.get_by_role("radiogroup").first.get_by_role("radio")).to_have_count(len(served))
    page.get_by_label("名称").fill("8月风暴潮")
    page.get_by_role("radio", name="海洋灾害").click()
    page.get_by_role("button", name="开启灾害过程").click()  # no 亚灾种 yet: the form says so
    expect(page.get_by_text("请选择亚灾种")).to_be_visible()
    page.get_by_role("radio", name="风暴潮").click()
    check_screen(page, "h20more-event-new-1366")
    page.get_by_role("button", name="开启灾害过程").click()
    expect(page).to_have_url(re.compile(r"/desk/events/\d+$"))
    event_id = int(page.url.rsplit("/", 1)[1])
    event = world.api.get(f"/api/v1/events/{event_id}").get_json()
    assert (event["name"], event["disaster_type"], event["disaster_subtype"]) == ("8月风暴潮", "海洋灾害", "风暴潮")
    assert event["org_unit"]["id"] == world.county.id and event["status"] == "active" and event["drill"] is False

    page.goto(f"/desk/events/{event_id}/manage")
    expect(page.locator("[data-status=active]")).to_be_visible()
    page.get_by_role("button", name="转为稳定").click()
    dialog = page.get_by_role("dialog", name="转为「稳定」？")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("不再要求每日续报")
    expect(dialog).to_contain_text("各村须在 2 天内报送核报")
    check_screen(page, "h20more-event-stable-dialog-1366")
    dialog.get_by_role("button", name="确认转为稳定").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-status=stable]")).to_be_visible()
    assert world.api.get(f"/api/v1/events/{event_id}").get_json()["status"] == "stable"
    expect(page.get_by_role("link", name="图表 ›")).to_have_attribute("href", f"/desk/events/{event_id}/charts")
    # the next step is 结束, with its own words
    page.get_by_role("button", name="结束灾害过程").click()
    expect(page.get_by_role("dialog")).to_contain_text("不再接收任何报告")
    page.get_by_role("dialog").get_by_role("button", name="取消").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert world.api.get(f"/api/v1/events/{event_id}").get_json()["status"] == "stable"
    check_screen(page, "h20more-event-manage-1366")


# --- 5. hazards -----------------------------------------------------------------------------------------------


def test_a_township_verifies_a_hazard_and_starts_its_rectification_on_a_phone(page, world, login_as):
    hazard = _hazard(login_as, world.reporter, world.village.id, title="后山滑坡隐患")
    for color in ((200, 40, 40), (40, 40, 200)):
        photo = upload(login_as(world.reporter), f"/api/v1/hazards/{hazard['id']}/photos", small_jpeg(color))
        assert photo.status_code == 201, photo.get_json()
    log_in_desk(page, world.town_reviewer)
    page.get_by_role("link", name="隐患台账").click()
    page.get_by_role("link", name="待核实", exact=True).click()
    expect(page.get_by_role("link", name="后山滑坡隐患")).to_be_visible()
    check_screen(page, "h20more-hazards-township-360")
    page.get_by_role("link", name="后山滑坡隐患").click()
    expect(page.get_by_role("heading", name="后山滑坡隐患")).to_be_visible()
    thumbs = page.locator(".photo-thumbs img")
    expect(thumbs).to_have_count(2)
    expect(page.locator(".photo-thumbs a").first).to_have_attribute("href", re.compile(r"^/api/v1/photos/\d+$"))
    for index in range(2):  # the thumbnails came (not a broken image)
        expect(thumbs.nth(index)).to_have_js_property("complete", True)
        assert thumbs.nth(index).evaluate("(img) => img.naturalWidth") > 0

    page.get_by_role("button", name="核实", exact=True).click()
    page.get_by_role("button", name="确认核实").click()
    expect(page.locator(".hazard-history [data-action=verify]")).to_contain_text("核实")

    page.get_by_role("button", name="开始整改", exact=True).click()
    page.get_by_role("button", name="确认开始整改").click()  # nothing filled: the phone says what is missing
    expect(page.get_by_text("请填写整改措施")).to_be_visible()
    deadline = today() + timedelta(days=10)
    page.get_by_label("整改措施").fill("设置警示牌，雨天转移坡下 3 户")
    page.get_by_label("责任人").fill("张三")
    page.get_by_label("监测人").fill("李四")
    page.get_by_label("整改时限").fill(deadline.isoformat())
    check_screen(page, "h20more-hazard-rectify-360")
    page.get_by_role("button", name="确认开始整改").click()
    step = page.locator(".hazard-history [data-action=start_rectification]")
    expect(step).to_contain_text("责任人：张三")
    expect(step).to_contain_text(f"时限：{deadline.isoformat()}")
    expect(page.locator(".hazard-history li")).to_have_count(3)  # 上报, 核实, 开始整改
    after = world.town_api.get(f"/api/v1/hazards/{hazard['id']}").get_json()
    assert after["status"] == "rectifying" and after["responsible_person"] == "张三"
    assert after["monitor_person"] == "李四" and after["deadline"].startswith(deadline.isoformat())
    assert [s["action"] for s in after["history"]] == ["report", "verify", "start_rectification"]
    check_screen(page, "h20more-hazard-history-360")


def _ledger_world(world, login_as, xiahe) -> dict[str, dict]:
    xiahe_id = _unit_named(world, "下河村").id
    return {
        "major": _hazard(login_as, world.reporter, world.village.id, title="村后山体滑坡", risk_level="major"),
        "high": _hazard(
            login_as, world.reporter, world.village.id, title="危房一处", category="dangerous_house", lon=117.855
        ),
        "major2": _hazard(
            login_as, xiahe, xiahe_id, title="下河泥石流沟", category="debris_flow", risk_level="major", lat=29.26
        ),
        "low": _hazard(
            login_as, xiahe, xiahe_id, title="河堤渗水", category="embankment", risk_level="low", lon=117.87
        ),
        "medium": _hazard(
            login_as, xiahe, xiahe_id, title="山塘裂缝", category="reservoir", risk_level="medium", lat=None, lon=None
        ),
    }


def test_the_county_filters_the_ledger_and_downloads_it_as_xlsx(desk_page, world, login_as, xiahe):
    made = _ledger_world(world, login_as, xiahe)
    page = desk_page
    log_in_desk(page, world.county_reviewer)
    page.get_by_role("link", name="隐患台账").click()
    rows = page.locator(".hazard-table tbody tr")
    expect(rows).to_have_count(5)
    page.get_by_label("风险等级").select_option("major")
    expect(page).to_have_url(re.compile(r"risk_level=major"))
    expect(rows).to_have_count(2)
    page.get_by_label("乡镇").select_option(label="石门镇")
    expect(page).to_have_url(re.compile(rf"org_unit_id={world.township.id}"))
    page.get_by_label("类型").select_option("landslide")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("村后山体滑坡")
    page.get_by_label("类型").select_option("")
    expect(rows).to_have_count(2)
    check_screen(page, "h20more-ledger-county-1366")

    link = page.get_by_role("link", name="下载台账（XLSX）")
    expect(link).to_have_attribute("download", "")
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    header, *body = list(sheet.iter_rows(values_only=True))
    ledger = [dict(zip(header, row, strict=True)) for row in body]
    assert sorted(row["名称"] for row in ledger) == ["下河泥石流沟", "村后山体滑坡"]
    assert {row["风险等级"] for row in ledger} == {"重大（红）"}
    assert {row["编号"] for row in ledger} == {made["major"]["number"], made["major2"]["number"]}


def test_overdue_rectifications_come_first(page, world, login_as):
    late = _hazard(login_as, world.reporter, world.village.id, title="超期的整改")
    fresh = _hazard(login_as, world.reporter, world.village.id, title="未超期的整改")
    for hazard, days in ((late, -2), (fresh, 30)):  # a deadline already past is overdue at once
        for step in ({"action": "verify"}, {"action": "start_rectification"}):
            if step["action"] == "start_rectification":
                step |= {
                    "measures": "加固",
                    "responsible_person": "张三",
                    "deadline": str(today() + timedelta(days)),
                }
            response = world.town_api.post(f"/api/v1/hazards/{hazard['id']}/transitions", json=step)
            assert response.status_code == 200, response.get_json()
    log_in_desk(page, world.town_reviewer)
    page.goto("/desk/hazards?status=rectifying")
    rows = page.locator(".hazard-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("超期的整改")  # filed first, so last by the server's order
    expect(rows.first).to_contain_text("整改超期")
    page.get_by_role("link", name="整改超期", exact=True).click()
    expect(rows).to_have_count(1)


def test_the_map_shows_one_point_per_hazard_coloured_by_risk_and_asks_only_the_origin(
    desk_page, desk, world, login_as, xiahe, base_url
):
    made = _ledger_world(world, login_as, xiahe)
    placed = [h for h in made.values() if h["lat"] is not None]
    page = desk_page
    requested: list[str] = []
    desk.on("request", lambda request: requested.append(request.url))
    log_in_desk(page, world.county_reviewer)
    page.get_by_role("link", name="隐患地图").click()
    markers = page.locator("path.hazard-marker")
    expect(markers).to_have_count(len(placed))
    for hazard in placed:
        marker = page.locator(f"path.hazard-marker[data-hazard='{hazard['id']}']")
        expect(marker).to_have_attribute("data-risk", hazard["risk_level"])
        expect(marker).to_have_attribute("fill", RISK_FILL[hazard["risk_level"]])
    expect(page.locator("path.scope-outline")).to_have_count(1)  # no tiles: the outline of the points
    expect(page.get_by_role("link", name="山塘裂缝")).to_be_visible()  # no coordinates: listed under the map
    check_screen(page, "h20more-map-1366")
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    expect(markers).to_have_count(len(placed))
    shot(page, "h20more-map-360")
    outside = [url for url in requested if not url.startswith(base_url)]
    assert requested and outside == [], outside
    # a point opens its hazard
    page.set_viewport_size({"width": 1366, "height": 768})
    page.reload()
    page.locator(f"path.hazard-marker[data-hazard='{made['low']['id']}']").click()
    expect(page.get_by_role("heading", name="河堤渗水")).to_be_visible()


# --- 6. charts ------------------------------------------------------------------------------------------------


def test_the_charts_draw_one_bar_per_child_unit_with_its_figures(page, world, login_as, xiahe, make_unit):
    make_unit("village", world.township, name="上坪村")  # files nothing: 0 and 未报
    for user, figures in (
        (
            world.reporter,
            {
                "affected_population": 120,
                "relocated": 30,
                "relocated_centralized": 30,
                "direct_loss_10k_yuan": "12.50",
            },
        ),
        (xiahe, {"affected_population": 45, "houses_collapsed_households": 2, "houses_collapsed_rooms": 5}),
    ):
        response = login_as(user).post(
            f"/api/v1/events/{world.event['id']}/damage-reports",
            json={"client_id": str(uuid.uuid4()), "stage": "initial", "figures": figures},
        )
        assert response.status_code == 201, response.get_json()
    log_in_desk(page, world.town_reviewer)
    page.goto(f"/desk/events/{world.event['id']}/charts")
    chart = page.locator("[data-chart=受灾人口]")
    expect(chart.locator("rect.chart-bar")).to_have_count(3)
    values = {
        unit: chart.locator(f"[data-unit={unit}] rect.chart-bar").get_attribute("data-value")
        for unit in ("石门村", "下河村", "上坪村")
    }
    assert values == {"石门村": "120", "下河村": "45", "上坪村": "0"}
    assert (
        page.locator("[data-chart=紧急转移安置人口] [data-unit=石门村] rect.chart-bar").get_attribute("data-value")
        == "30"
    )
    assert page.locator("[data-chart=倒塌房屋] [data-unit=下河村] rect.chart-bar").get_attribute("data-value") == "2"
    loss = page.locator("[data-chart=直接经济损失] [data-unit=石门村]")
    assert loss.locator("rect.chart-bar").get_attribute("data-value") == "12.5"
    expect(loss).to_contain_text("12.50万元")
    # the longest bar is the largest figure
    widths = {
        unit: float(chart.locator(f"[data-unit={unit}] rect.chart-bar").get_attribute("width"))
        for unit in ("石门村", "下河村")
    }
    assert widths["石门村"] > widths["下河村"] > 0
    completeness = page.locator("[data-chart=报送完整性]")
    assert completeness.locator("[data-unit=上坪村]").get_attribute("data-missing") == "1"
    assert completeness.locator("[data-unit=石门村]").get_attribute("data-reported") == "1"
    check_screen(page, "h20more-charts-360")


# --- 7. admin -------------------------------------------------------------------------------------------------


def test_an_admin_creates_a_user_resets_a_password_and_the_user_logs_in(desk_page, world, make_user, browser, base_url):
    admin = make_user("admin", world.county, username="county_admin", name="县管理员")
    page = desk_page
    log_in_desk(page, admin)
    page.get_by_role("link", name="用户管理").click()
    expect(page.get_by_role("heading", name="新建用户")).to_be_visible()
    page.get_by_label("用户名").fill("xiahe_new")
    page.get_by_label("姓名").fill("赵六")
    page.get_by_label("电话").fill("13900001111")
    page.get_by_role("radio", name="信息员").click()
    page.get_by_label("查找单位").fill("下河")
    page.get_by_label("单位（必选）").select_option(label="下河村（村）")
    page.get_by_label("初始密码").fill("first-pass-1")
    page.get_by_role("button", name="创建用户").click()
    expect(page.get_by_text("已创建用户 xiahe_new")).to_be_visible()
    row = page.locator("tr[data-user=xiahe_new]")
    expect(row).to_contain_text("下河村")
    check_screen(page, "h20more-admin-users-1366")

    row.get_by_role("button", name="重置密码 xiahe_new").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("新密码").fill("second-pass-2")
    check_screen(page, "h20more-admin-reset-1366")
    dialog.get_by_role("button", name="重置密码", exact=True).click()
    expect(page.get_by_text("已重置 xiahe_new 的密码")).to_be_visible()

    phone = browser.new_context(viewport={"width": 360, "height": 780}, base_url=base_url, locale="zh-CN")
    try:
        newcomer = phone.new_page()
        log_in(newcomer, type("U", (), {"username": "xiahe_new"}), password="second-pass-2")
    finally:
        phone.close()

    page.get_by_role("link", name="区划与网格").click()
    page.get_by_role("button", name="展开 石门镇").click()
    page.get_by_role("button", name="新增网格 下河村").click()
    page.get_by_label("网格名称").fill("下河第一网格")
    code = page.get_by_label("网格代码").input_value() + "01"
    page.get_by_label("网格代码").fill(code)
    page.get_by_role("button", name="新增网格", exact=True).click()
    expect(page.locator("[data-unit=下河第一网格]")).to_be_visible()
    check_screen(page, "h20more-admin-units-1366")


# --- every screen at the other width ----------------------------------------------------------------------------


def test_the_screens_at_the_other_width(page, desk_page, world, login_as, xiahe, make_user):
    """The county's screens on a phone, the township's on a desktop: one column or the width, never broken."""
    made = _ledger_world(world, login_as, xiahe)
    admin = make_user("admin", world.county, username="county_admin2")
    log_in_desk(page, world.county_reviewer)
    for path, name, ready in (
        ("/desk/events/new", "event-new", page.get_by_role("radio", name="洪涝")),
        (f"/desk/events/{world.event['id']}/manage", "event-manage", page.locator("[data-status=active]")),
        ("/desk/hazards", "ledger", page.locator(".hazard-table tbody tr").first),
        (f"/desk/hazards/{made['major']['id']}", "hazard", page.get_by_role("button", name="核实", exact=True)),
    ):
        page.goto(path)
        expect(ready).to_be_visible()
        check_screen(page, f"h20more-{name}-county-360")
    log_in_desk(desk_page, world.town_reviewer)
    for path, name, ready in (
        ("/desk/hazards?status=reported", "hazards", desk_page.locator(".hazard-table tbody tr").first),
        (f"/desk/hazards/{made['major']['id']}", "hazard", desk_page.get_by_role("button", name="核实", exact=True)),
        (f"/desk/events/{world.event['id']}/charts", "charts", desk_page.locator("rect.bar-missing").first),
    ):
        desk_page.goto(path)
        expect(ready).to_be_visible()
        check_screen(desk_page, f"h20more-{name}-township-1366")
    page.context.clear_cookies()
    log_in_desk(page, admin)
    for path, name, ready in (
        ("/desk/admin", "admin-users", page.locator("tr[data-user=county_admin2]")),
        ("/desk/admin/units", "admin-units", page.get_by_role("button", name="展开 石门镇")),
    ):
        page.goto(path)
        expect(ready).to_be_visible()
        check_screen(page, f"h20more-{name}-360")


def test_with_map_tile_url_the_map_takes_its_tiles_from_there(desk_page, desk, world, login_as, app, base_url):
    """The tile source is the deployment's (here on the app's own origin, which the CSP allows): tiles come from it
    and no outline is drawn."""
    _hazard(login_as, world.reporter, world.village.id, title="村后山体滑坡", risk_level="major")
    tiles: list[str] = []

    def tile(route) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE_PNG)

    desk.route("**/tiles/**", tile)
    app.config.update(MAP_TILE_URL=f"{base_url}/tiles/{{z}}/{{x}}/{{y}}.png", MAP_ATTRIBUTION="测试底图")
    try:
        log_in_desk(desk_page, world.county_reviewer)
        desk_page.goto("/desk/map")
        expect(desk_page.locator("path.hazard-marker")).to_have_count(1)
        expect(desk_page.locator("img.leaflet-tile-loaded").first).to_be_visible()
        expect(desk_page.locator(".leaflet-control-attribution")).to_contain_text("测试底图")
        expect(desk_page.locator("path.scope-outline")).to_have_count(0)
        assert tiles and all(re.search(r"/tiles/\d+/\d+/\d+\.png$", url) for url in tiles), tiles
    finally:
        app.config.update(MAP_TILE_URL=None, MAP_ATTRIBUTION="")


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (225, 235, 225)).save(out, "PNG")
    return out.getvalue()


TILE_PNG = _png()
