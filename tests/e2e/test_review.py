"""The township reviews from the desk: the event page lists the villages' current reports waiting for review
(待审核); a report opens with 通过 and 退回, a return needs its reason, and the answer reaches the village. A report
reviewed by someone else meanwhile is refused in the server's words and shown as it now is."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import small_touch_targets
from tests.e2e.test_warnings import log_in_desk


def _file(world, login_as, user, affected: int) -> dict:
    response = login_as(user).post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": str(uuid.uuid4()), "stage": "initial", "figures": {"affected_population": affected}},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _report(world, report_id: int) -> dict:
    return world.api.get(f"/api/v1/damage-reports/{report_id}").get_json()


def test_the_township_returns_one_report_with_a_reason_and_approves_another(
    page, world, login_as, make_user, make_unit
):
    shimen = _file(world, login_as, world.reporter, affected=30)
    hedong = make_unit("village", world.township, name="河东村")
    hedong_report = _file(world, login_as, make_user("reporter", hedong, name="赵六"), affected=12)

    log_in_desk(page, world.town_reviewer)
    card = page.locator(".desk-card[data-event]").first
    expect(card).to_contain_text("待审核 2")
    expect(card).to_contain_text("未报的村、待审核的报告 ›")  # where to review them
    card.click()
    waiting = page.get_by_role("region", name="待审核")
    expect(waiting).to_contain_text("待审核（2 份）")
    expect(waiting).to_contain_text("石门村 初报")
    expect(waiting).to_contain_text("受灾人口 30 人")
    shot(page, "review-01-desk-waiting")

    waiting.get_by_text("石门村 初报").click()
    review = page.get_by_role("region", name="审核")
    expect(page.locator(".facts").first).to_contain_text("石门村")
    review.get_by_role("button", name="退回").click()
    review.get_by_role("button", name="确认退回").click()
    expect(review).to_contain_text("请填写退回原因，村里会在手机上看到")
    review.get_by_label("退回原因").fill("受灾人口与花名册不符，请核实后重报")
    expect(review).not_to_contain_text("请填写退回原因")  # writing it clears the request for it
    shot(page, "review-02-return-with-reason")
    assert small_touch_targets(page) == []
    review.get_by_role("button", name="确认退回").click()

    expect(page.get_by_text("已退回：石门村，村里会看到原因")).to_be_visible()  # back on the event page
    expect(waiting).to_contain_text("待审核（1 份）")
    returned = _report(world, shimen["id"])
    assert (returned["status"], returned["review_comment"]) == ("returned", "受灾人口与花名册不符，请核实后重报")
    assert returned["reviewed_by"]["name"] == "石门镇应急所"

    waiting.get_by_text("河东村 初报").click()
    page.get_by_role("region", name="审核").get_by_role("button", name="通过").click()
    expect(page.get_by_text("已通过：河东村")).to_be_visible()
    expect(page.get_by_role("region", name="待审核")).to_have_count(0)  # nothing left to review
    assert _report(world, hedong_report["id"])["status"] == "approved"


def test_a_report_reviewed_meanwhile_is_refused_and_shown_as_it_is(page, world, login_as):
    report = _file(world, login_as, world.reporter, affected=30)
    log_in_desk(page, world.town_reviewer)
    page.goto(f"/reports/damage/{report['id']}")
    review = page.get_by_role("region", name="审核")
    expect(review.get_by_role("button", name="通过")).to_be_visible()

    # The county approves it first, from elsewhere.
    answer = world.api.post(f"/api/v1/damage-reports/{report['id']}/review", json={"decision": "approve"})
    assert answer.status_code == 200, answer.get_json()

    review.get_by_role("button", name="通过").click()
    expect(page.get_by_text("该报告已审核")).to_be_visible()  # the server's words
    expect(page.locator(".facts").first).to_contain_text("已通过")  # read again: as it is now
    expect(page.get_by_role("button", name="通过")).to_have_count(0)
    shot(page, "review-03-reviewed-meanwhile")
