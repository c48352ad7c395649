"""Issue 18, item 6: after 保存并上报 the phone says exactly what happened: 已送达 (the server's 2xx, with its time),
已存在手机，有网络时自动发送 (saved, not sent yet), or 未被接受 with the server's words at the fields. Home puts a
returned report first, and an event whose 初报 still waits on the phone says so."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import file_hazard, go_offline, go_online, log_in, open_outbox
from tests.e2e.test_damage_evacuation import FIGURES, fill_figures, open_damage, reports_of

QUEUED = "已存在手机，有网络时自动发送"


def _flash(page: Page):
    return page.locator(".banner", has=page.get_by_role("button", name="好"))


def test_delivered_says_so_with_the_time(page: Page, world):
    log_in(page, world.reporter)
    file_hazard(page, title="村口危房")
    flash = _flash(page)
    expect(flash).to_have_text(re.compile(r"^已送达（今天 \d\d:\d\d）。"))
    expect(flash).to_have_class(re.compile("banner-ok"))
    expect(page.get_by_text(QUEUED)).to_have_count(0)
    expect(page.get_by_text("未被接受")).to_have_count(0)
    shot(page, "h18out-outcome-delivered")
    hazards = world.api.get("/api/v1/hazards").get_json()["items"]
    assert [h["title"] for h in hazards] == ["村口危房"]


def test_without_network_it_says_saved_on_the_phone_and_the_event_card_says_the_initial_waits(page, context, world):
    log_in(page, world.reporter)
    card = page.locator(".event-card")
    expect(card).to_contain_text("现在要报：初报")
    go_offline(context)
    open_damage(page)
    fill_figures(page, FIGURES)
    page.get_by_role("button", name="保存并上报初报").click()
    expect(_flash(page)).to_have_text(re.compile(f"^{QUEUED}"))
    expect(page.get_by_text(re.compile("^已送达"))).to_have_count(0)
    # The card no longer asks for the 初报 the phone holds: it says it waits.
    expect(card).to_contain_text("初报已存手机，等待发送")
    expect(card).not_to_contain_text("现在要报")
    shot(page, "h18out-outcome-queued-home")
    assert reports_of(world) == []

    go_online(context)
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    [report] = reports_of(world)
    assert (report["stage"], report["submitted_by"]["name"]) == ("initial", "李秀英")


def test_refused_shows_the_servers_words_at_the_field(page, world):
    log_in(page, world.reporter)
    file_hazard(page, title="长" * 201, refused=True)  # the server allows 200 characters: 422
    open_outbox(page)
    page.get_by_role("button", name="修改后重发").click()
    expect(page.get_by_role("heading", name="修改隐患")).to_be_visible()
    page.get_by_label("隐患名称").fill("长" * 300)
    page.get_by_role("button", name="保存并重发").click()
    # Refused again: the fix screen opens afresh with the new answer.
    flash = _flash(page)
    expect(flash).to_have_text(re.compile("^未被接受，没有报送成功"))
    expect(flash).to_have_class(re.compile("banner-error"))
    expect(page.locator(".field-error")).to_contain_text("名称应为 1-200 个字")
    expect(page.get_by_label("隐患名称")).to_have_value("长" * 300)
    expect(page.get_by_text(QUEUED)).to_have_count(0)
    shot(page, "h18out-outcome-refused")
    assert world.api.get("/api/v1/hazards").get_json()["items"] == []


def test_a_returned_report_is_on_top_of_home(page, world, login_as):
    reporter_api = login_as(world.reporter)
    created = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "5c2f8a2e-1111-4d7a-9a39-0d1b1f2f5e01", "stage": "initial", "figures": FIGURES},
    )
    assert created.status_code == 201, created.get_json()
    reason = "受灾人口与花名册不符，请核实后重报"
    returned = world.town_api.post(
        f"/api/v1/damage-reports/{created.get_json()['id']}/review", json={"decision": "return", "comment": reason}
    )
    assert returned.status_code == 200, returned.get_json()

    log_in(page, world.reporter)
    card = page.locator(".returned-card")
    expect(card).to_contain_text("已退回")
    expect(card).to_contain_text(f"退回原因：{reason}")
    link = card.get_by_role("link", name="修改后重新报送")
    expect(link).to_be_visible()
    # On top: above 上报隐患 and the events.
    top = card.bounding_box()["y"]
    assert top < page.get_by_role("link", name="上报隐患").bounding_box()["y"]
    shot(page, "h18out-home-returned-on-top")
    link.click()
    expect(page.get_by_role("heading", name="修改后重新报送")).to_be_visible()
    expect(page.locator(".banner-error")).to_contain_text(reason)
