"""The reporting chain above the village, in two browsers: the township on a phone (360 px) and the county at a desk
(1366×768). The township returns one report with a reason and approves another, merges a village's local event into
the county's event, and signs off (乡镇上报) with two villages missing, warned first. The county sees the sign-off
beside the live figures on its board by township; a later village report makes the difference flag appear; it
returns the sign-off; the township signs again and the county accepts. The county's 县级上报 shows its 2-hour
deadline; the 快报表 downloaded from the board has the board's 合计; a full ID number of the 台账 is shown only with a
reason, which the audit keeps. Every screen is reached by following links, and axe-core finds no serious or critical
violation on any of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from server import clock
from server.events.models import Event
from server.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, shot
from tests.e2e.helpers import axe_violations, small_touch_targets
from tests.ledgers.conftest import casualty_payload, id_number

DESK = {
    **PHONE,
    "viewport": {"width": 1366, "height": 768},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": False,
}


@pytest.fixture
def county_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """The county bureau's desktop browser, beside the township's phone (`page`)."""
    context = browser.new_context(**DESK, base_url=base_url, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    yield page
    context.close()
    assert not errors, errors


def log_in_desk(page: Page, user) -> None:
    page.goto("/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def look(page: Page, name: str, phone: bool = True) -> None:
    """A screenshot to look at, and the checks every desk screen passes (axe-core; thumbs on a phone)."""
    page.wait_for_load_state("networkidle")
    shot(page, f"h20chain-{name}")
    assert axe_violations(page) == [], name
    if phone:
        assert small_touch_targets(page) == [], name


def file_report(login_as, user, event_id: int, affected: int) -> dict:
    response = login_as(user).post(
        f"/api/v1/events/{event_id}/damage-reports",
        json={"client_id": str(uuid.uuid4()), "stage": "initial", "figures": {"affected_population": affected}},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_chain_from_township_to_county(app, page, county_page, world, make_unit, make_user, login_as):
    event_id = world.event["id"]
    # The flood began 70 minutes ago: the villages' 初报 (1 hour) is overdue, the township's 乡镇上报 (30 minutes
    # after) and the county's 县级上报 (2 hours from the start) are still ahead.
    with app.app_context():
        db.session.execute(
            sa.update(Event).where(Event.id == event_id).values(started_at=clock.now() - timedelta(minutes=70))
        )
        db.session.commit()
    hedong = make_unit("village", world.township, name="河东村")
    shangping = make_unit("village", world.township, name="上坪村")
    xiahe = next(u for u in _villages(world) if u["name"] == "下河村")
    xiahe_officer = make_user("reporter", SimpleNamespace(**xiahe), name="王建国", phone="13800138001")
    dongling = make_unit("township", world.county, name="东岭乡")
    dongling_village = make_unit("village", dongling, name="东岭村")
    dongling_reporter = make_user("reporter", dongling_village, name="陈东")

    file_report(login_as, world.reporter, event_id, 30)  # 石门村: to be returned
    file_report(login_as, make_user("reporter", hedong, name="赵六"), event_id, 12)  # 河东村: to be approved
    file_report(login_as, dongling_reporter, event_id, 8)
    local = login_as(make_user("reporter", shangping, name="孙七")).post(
        "/api/v1/local-events",
        json={
            "client_id": str(uuid.uuid4()),
            "name": "上坪村山洪",
            "disaster_type": "洪涝",
            "disaster_subtype": "山区洪水",
            "description": "后山沟山洪冲毁便桥",
            "initial_report": {"figures": {"affected_population": 5}},
        },
    )
    assert local.status_code == 201, local.get_json()
    person = id_number(7)
    casualty = login_as(dongling_reporter).post(
        f"/api/v1/events/{event_id}/casualties", json=casualty_payload(id_number=person, name="陈大山")
    )
    assert casualty.status_code == 201, casualty.get_json()

    # --- the township, on a phone ---------------------------------------------------------------------------
    log_in_desk(page, world.town_reviewer)
    todo = page.get_by_role("region", name="现在要办")
    expect(todo).to_contain_text("1 个本地事件待确认：上坪村「上坪村山洪」")
    expect(todo).to_contain_text("6月强降雨洪涝：乡镇上报")
    expect(todo.get_by_role("timer").first).to_contain_text("还剩")
    look(page, "01-township-desk")

    todo.get_by_role("link", name="本地事件待确认").click()
    card = page.locator(f".local-event[data-event='{local.get_json()['id']}']")
    card.get_by_role("button", name="合并到…").click()
    card.get_by_role("radio", name="6月强降雨洪涝").click()
    look(page, "02-township-merge")
    card.get_by_role("button", name="确认合并").click()
    expect(page.get_by_text("已合并：上坪村「上坪村山洪」并入「6月强降雨洪涝」")).to_be_visible()
    expect(page.get_by_text("没有待确认的本地事件。")).to_be_visible()
    assert world.town_api.get(f"/api/v1/events/{local.get_json()['id']}").get_json()["status"] == "merged"

    page.get_by_role("button", name="返回").click()
    page.locator(f".desk-card[data-event='{event_id}']").click()
    table = page.get_by_test_id("rollup-table")
    expect(table.locator("tr[data-unit=上坪村]")).to_contain_text("待审核")
    expect(table.locator("tr[data-unit=下河村] a.tel-link")).to_have_attribute("href", "tel:13800138001")
    expect(table.locator("tr[data-unit=合计] [data-key=affected_population]")).to_have_text("47")
    look(page, "03-township-event")

    waiting = page.get_by_role("region", name="待审核")
    waiting.get_by_role("link", name="石门村 初报").click()
    review = page.get_by_role("region", name="审核")
    review.get_by_role("button", name="退回").click()
    review.get_by_label("退回原因").fill("受灾人口与花名册不符，请核实后重报")
    review.get_by_role("button", name="确认退回").click()
    expect(page.get_by_text("已退回：石门村，村里会看到原因")).to_be_visible()
    waiting.get_by_role("link", name="河东村 初报").click()
    page.get_by_role("region", name="审核").get_by_role("button", name="通过").click()
    expect(page.get_by_text("已通过：河东村")).to_be_visible()
    # 石门村's report stopped counting: two villages (石门村, 下河村) have nothing current.
    expect(table.locator("tr[data-unit=合计] [data-key=affected_population]")).to_have_text("17")

    page.get_by_role("region", name="乡镇上报").get_by_role("link", name="乡镇上报").click()
    expect(page.get_by_role("heading", name="乡镇上报")).to_be_visible()
    preview = page.get_by_role("region", name="上报预览")
    expect(preview).to_contain_text("还有 2 个村未报：石门村、下河村")
    expect(preview).to_contain_text("1 份报告待审核")
    preview.get_by_label("说明").fill("石门村报告退回核实中，下河村通信中断")
    look(page, "04-township-signoff-preview")
    preview.get_by_role("button", name="乡镇上报").click()
    confirm = preview.get_by_role("group", name="确认上报")
    expect(confirm).to_contain_text("确定现在乡镇上报？")  # warned first: nothing sent yet
    assert world.town_api.get(f"/api/v1/events/{event_id}/signoffs").get_json()["total"] == 0
    look(page, "05-township-signoff-warned")
    confirm.get_by_role("button", name="仍然上报").click()
    expect(page.get_by_test_id("signoff-status")).to_have_text("待县审核")
    look(page, "06-township-signed")

    # --- the county, at a desk ------------------------------------------------------------------------------
    county = county_page
    log_in_desk(county, world.county_reviewer)
    desk_todo = county.get_by_role("region", name="现在要办")
    expect(desk_todo).to_contain_text("6月强降雨洪涝：1 份下级上报待审核")
    look(county, "07-county-desk", phone=False)
    desk_todo.get_by_role("link", name="1 份下级上报待审核").click()
    board = county.get_by_test_id("rollup-table")
    shimen = board.locator(f"tr[data-unit={world.township.name}]")
    expect(shimen.locator("[data-signoff]")).to_have_text("待县审核")
    expect(shimen.locator(".diff-flag")).to_have_count(0)
    expect(board.locator("tr[data-unit=东岭乡] [data-signoff]")).to_have_text("未上报")
    look(county, "08-county-board", phone=False)

    # A village reports after the sign-off: the live figures move away from the signed ones.
    file_report(login_as, xiahe_officer, event_id, 7)
    county.reload()
    expect(shimen.locator(".diff-flag")).to_have_text("与上报不一致")
    expect(shimen.locator("[data-key=affected_population]")).to_contain_text("24上报 17")
    look(county, "09-county-board-differs", phone=False)

    shimen.get_by_role("link", name=world.township.name).click()
    signed = county.get_by_role("region", name="乡镇上报")
    expect(signed.locator("tr[data-key=affected_population]")).to_contain_text("有变化")
    look(county, "10-county-township", phone=False)
    signed.get_by_role("button", name="退回").click()
    signed.get_by_label("退回原因").fill("下河村已补报，请核实后重新上报")
    signed.get_by_role("button", name="确认退回").click()
    expect(county.get_by_text("已退回：石门镇乡镇上报")).to_be_visible()
    expect(county.get_by_test_id("signoff-status")).to_have_text("退回")

    # --- the township signs again ------------------------------------------------------------------------------
    page.reload()
    expect(page.get_by_test_id("signoff-status")).to_have_text("退回")
    expect(page.get_by_role("region", name="上报状态")).to_contain_text("退回原因：下河村已补报，请核实后重新上报")
    preview = page.get_by_role("region", name="上报预览")
    expect(preview).to_contain_text("还有 1 个村未报：石门村")
    look(page, "11-township-returned")
    preview.get_by_role("button", name="重新上报").click()
    preview.get_by_role("group", name="确认上报").get_by_role("button", name="仍然上报").click()
    expect(page.get_by_test_id("signoff-status")).to_have_text("待县审核")

    county.reload()
    signed = county.get_by_role("region", name="乡镇上报")
    expect(signed.locator(".diff-flag")).to_have_count(0)
    signed.get_by_role("button", name="接收").click()
    expect(county.get_by_text("已接收：石门镇乡镇上报")).to_be_visible()
    expect(county.get_by_test_id("signoff-status")).to_have_text("已接收")

    # --- the county's own 县级上报 and its 2-hour clock ---------------------------------------------------------
    county.get_by_role("button", name="返回").click()
    board = county.get_by_test_id("rollup-table")
    expect(board.locator(f"tr[data-unit={world.township.name}] [data-signoff]")).to_have_text("已接收")
    county.get_by_role("region", name="县级上报").get_by_role("link", name="县级上报").click()
    deadline = county.get_by_role("region", name="上报时限")
    expect(deadline).to_contain_text("县级上报初报时限：灾害过程开始后 2 小时内")
    expect(deadline.get_by_role("timer")).to_contain_text("还剩 4")  # 50 minutes left of the two hours
    expect(county.get_by_role("region", name="上报预览")).to_contain_text("1 个乡镇上报还没有交来：东岭乡")
    look(county, "12-county-signoff", phone=False)

    # --- the 快报表 from the board: the same 合计 ----------------------------------------------------------------
    county.get_by_role("button", name="返回").click()
    total = board.locator("tr[data-unit=合计] [data-key=affected_population]")
    expect(total).to_have_text("32")
    with county.expect_download() as download:
        county.get_by_role("link", name="快报表").click()
    assert download.value.suggested_filename == "快报表-6月强降雨洪涝-青山县.xlsx"
    with open(download.value.path(), "rb") as file:  # a download's temporary path has no .xlsx to go by
        sheet = openpyxl.load_workbook(file, read_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    head = next(row for row in rows if row and row[0] == "行政区划代码")
    sums = next(row for row in rows if row and row[0] == "合计")
    assert sums[head.index("受灾人口(人)")] == int(total.inner_text())

    # --- 台账: masked, a full number only with a reason, audited --------------------------------------------------
    county.get_by_role("link", name="台账").click()
    ledger = county.get_by_role("region", name="因灾死亡失踪人口台账")
    row = ledger.locator(f"tr[data-row='{casualty.get_json()['id']}']")
    expect(row).to_contain_text("陈大山")
    expect(row).not_to_contain_text(person)
    row.get_by_role("button", name="查看身份证号").click()
    row.get_by_role("button", name="查看").click()
    expect(row).to_contain_text("请写明查看原因")
    row.get_by_label("查看原因").fill("核对救助名单")
    look(county, "13-county-ledgers", phone=False)
    row.get_by_role("button", name="查看").click()
    expect(row.locator(".id-full")).to_have_text(person)
    audit = world.api.get(f"/api/v1/audit?entity_type=casualty&entity_id={casualty.get_json()['id']}").get_json()
    revealed = next(entry for entry in audit["items"] if entry["action"] == "casualty.reveal_id_number")
    assert revealed["changes"]["reason"] == "核对救助名单"


def _villages(world) -> list[dict]:
    return world.town_api.get(f"/api/v1/org-units?parent_id={world.township.id}&level=village").get_json()["items"]


def test_the_county_board_reads_on_a_phone_too(app, page, world, make_unit, make_user, login_as):
    """One responsive app: the county's board and a township's page at 360 px, every row a card, nothing past the
    edge, thumbs-sized targets."""
    event_id = world.event["id"]
    file_report(login_as, world.reporter, event_id, 30)
    signed = world.town_api.post(f"/api/v1/events/{event_id}/signoffs", json={"org_unit_id": world.township.id})
    assert signed.status_code == 201, signed.get_json()
    file_report(login_as, make_user("reporter", make_unit("village", world.township, name="河东村")), event_id, 4)
    log_in_desk(page, world.county_reviewer)
    page.get_by_role("region", name="现在要办").get_by_role("link", name="1 份下级上报待审核").click()
    row = page.get_by_test_id("rollup-table").locator(f"tr[data-unit={world.township.name}]")
    expect(row.locator(".diff-flag")).to_have_text("与上报不一致")
    look(page, "14-county-board-phone")
    row.get_by_role("link", name=world.township.name).click()
    expect(page.get_by_role("region", name="乡镇上报").get_by_role("button", name="接收")).to_be_visible()
    look(page, "15-county-township-phone")
