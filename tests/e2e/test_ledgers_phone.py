"""The named ledgers (台账) on the phone (issue 18, item 4).

A 核报 with one collapsed house and one death is refused while the village's ledgers are empty; the refusal
offers 去补录台账; the officer registers the household and the person with no network (the ID number checked
before saving, shown masked after), fixes the 核报 from the outbox, and once online the rows go first, each once
(the first answer lost on the way back), and the 核报 goes through. A missing person found alive is a PATCH
queued the same way.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from server.ledgers.idnumber import check_digit
from tests.e2e.conftest import shot
from tests.e2e.helpers import go_offline, go_online, log_in, open_outbox, small_touch_targets, wait_for_empty_outbox

INITIAL = {
    "affected_population": 10,
    "deaths": 1,
    "houses_collapsed_households": 1,
    "houses_collapsed_rooms": 3,
}


def valid_id(serial: int) -> str:
    first17 = f"36113019800101{serial % 1000:03d}"
    return first17 + check_digit(first17)


def ledger(world, path: str) -> list[dict]:
    response = world.api.get(f"/api/v1/events/{world.event['id']}/{path}?per_page=200")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def reports_of(world) -> list[dict]:
    response = world.api.get(f"/api/v1/damage-reports?event_id={world.event['id']}&per_page=200")
    assert response.status_code == 200
    return sorted(response.get_json()["items"], key=lambda r: r["id"])


def wait_until(read, done, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            assert done(value), value
            return value
        time.sleep(0.2)


def stable_event_with_an_initial_report(world, login_as) -> None:
    reporter_api = login_as(world.reporter)
    response = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "5b1c3a52-6f0e-4c38-9a51-1b9a0f6c2e01", "stage": "initial", "figures": INITIAL},
    )
    assert response.status_code == 201, response.get_json()
    response = world.api.post(f"/api/v1/events/{world.event['id']}/status", json={"status": "stable"})
    assert response.status_code == 200, response.get_json()


def test_a_final_report_refused_for_its_ledgers_is_backed_offline_and_goes_through(
    page: Page, context, world, login_as, app, monkeypatch
):
    stable_event_with_an_initial_report(world, login_as)
    log_in(page, world.reporter)
    card = page.locator(".event-card", has_text=world.event["name"])
    card.get_by_role("link", name="报核报").click()
    expect(page.get_by_role("radio", name="核报")).to_have_attribute("aria-checked", "true")
    # Beside the figures: what the ledgers do not back yet, with the way to them.
    check = page.locator(".ledger-check")
    expect(check.first).to_contain_text("因灾死亡人口填 1 人，台账登记 0 人")
    expect(check.nth(1)).to_contain_text("倒塌房屋填 1 户，台账登记 0 户")
    expect(check.first.get_by_role("link", name="去补录台账")).to_be_visible()
    check.first.scroll_into_view_if_needed()
    shot(page, "h18ledger-01-final-form-ledger-check")
    page.get_by_role("button", name="保存并上报核报").click()

    # The server refuses it: 未被接受, the form opens as the fix of that item and the refusal offers 去补录台账; 待发送
    # says so too.
    expect(page.get_by_text(re.compile("^未被接受"))).to_be_visible()
    expect(page.locator(".ledger-refused")).to_be_visible()
    page.get_by_role("button", name="返回").click()
    open_outbox(page)
    item = page.locator(".outbox-item", has_text="核报")
    expect(item.locator(".ledger-refused")).to_be_visible()
    expect(item).to_contain_text("与死亡失踪人口台账登记的 0 人不一致")
    shot(page, "h18ledger-02-outbox-refused-for-ledger")
    assert [r["stage"] for r in reports_of(world)] == ["initial"]
    item.get_by_role("link", name="去补录台账").click()

    expect(page.get_by_role("heading", name="台账")).to_be_visible()
    expect(page.get_by_text("还没有登记")).to_have_count(2)  # both lists read, and kept on the phone
    go_offline(context)

    # The household, offline. A mistyped ID number is caught before anything is saved.
    page.get_by_role("link", name="登记倒塌损坏住房").click()
    expect(page.get_by_role("heading", name="登记倒塌损坏住房户")).to_be_visible()
    page.get_by_label("户主姓名").fill("张德福")
    good = valid_id(7)
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    page.get_by_label("户主身份证号码").fill(wrong)
    page.get_by_role("radio", name="倒塌").click()
    page.get_by_role("radio", name="砖木").click()
    page.get_by_label("间数").fill("3")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("身份证号码校验码不正确，请核对")).to_be_visible()
    shot(page, "h18ledger-03-house-id-number-refused")
    page.get_by_label("户主身份证号码").fill(good.lower())  # a lower-case x would do as well; digits here
    expect(page.get_by_text(f"核对无误：{good[:6]}********{good[-4:]}")).to_be_visible()
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", name="台账")).to_be_visible()
    house_card = page.locator(".ledger-card", has_text="张德福")
    expect(house_card).to_contain_text("待发送")
    expect(house_card).to_contain_text(f"{good[:6]}********{good[-4:]}")
    expect(house_card).not_to_contain_text(good)

    # The person, offline.
    page.get_by_role("link", name="登记死亡失踪人员").click()
    expect(page.get_by_role("heading", name="登记死亡失踪人员")).to_be_visible()
    page.get_by_label("姓名").fill("王大山")
    page.get_by_role("radio", name="死亡").click()
    page.get_by_role("radio", name="男").click()
    page.get_by_label("年龄").fill("54")
    page.get_by_label("死亡（失踪）地点").fill("村后山三组")
    shot(page, "h18ledger-04-casualty-new")
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="台账")).to_be_visible()
    expect(page.locator(".ledger-card", has_text="王大山")).to_contain_text("待发送")
    summary = page.locator(".ledger-summary")
    expect(summary).to_contain_text("死亡 1 人")
    expect(summary).to_contain_text("倒塌 1 户 3 间")
    shot(page, "h18ledger-05-ledgers-waiting")
    assert ledger(world, "casualties") == [] and ledger(world, "damaged-houses") == []

    # Still offline: the 核报 is fixed from the outbox; the form sees no mismatch now (the rows on the phone count).
    expect(page.get_by_text("2 条登记在手机上待发送")).to_be_visible()
    page.get_by_role("link", name="查看待发送").click()
    expect(page.get_by_role("heading", name="待发送")).to_be_visible()
    page.locator(".outbox-item", has_text="核报").get_by_role("button", name="修改后重发").click()
    expect(page.get_by_role("heading", name="修改灾情报告")).to_be_visible()
    expect(page.locator(".ledger-refused")).to_be_visible()  # the server's refusal, until it is sent again
    expect(page.locator(".ledger-check")).to_have_count(0)
    page.get_by_role("button", name="保存并重发").click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()

    # Online: the server files the person, but its answer is lost on the way back (a gateway's 502); the phone
    # sends the same row again and gets the same row back.
    lost: list[str] = []
    serve = app.wsgi_app

    def lose_first_answer(environ, start_response):
        is_row = environ["REQUEST_METHOD"] == "POST" and re.fullmatch(
            r"/api/v1/events/\d+/casualties", environ["PATH_INFO"]
        )
        if not is_row or lost:
            return serve(environ, start_response)
        answer = serve(environ, lambda status, headers, exc_info=None: lost.append(status.split()[0]))
        b"".join(answer)  # the server did its work
        start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
        return [b"bad gateway"]

    monkeypatch.setattr(app, "wsgi_app", lose_first_answer)
    go_online(context)

    final = wait_until(lambda: reports_of(world), lambda reports: len(reports) == 2, timeout=30)[1]
    assert final["stage"] == "final"
    assert (final["figures"]["deaths"], final["figures"]["houses_collapsed_households"]) == (1, 1)
    assert lost == ["201"]
    wait_for_empty_outbox(page)  # nothing more is on its way
    people, houses = ledger(world, "casualties"), ledger(world, "damaged-houses")
    assert [(p["name"], p["kind"], p["age"]) for p in people] == [("王大山", "dead", 54)]
    assert [(h["head_name"], h["damage"], h["rooms"], h["id_number"]) for h in houses] == [
        ("张德福", "collapsed", 3, f"{good[:6]}********{good[-4:]}")
    ]
    open_outbox(page)
    expect(page.get_by_text("全部已发送")).to_be_visible()


def test_a_missing_person_found_alive_is_a_change_queued_offline(page: Page, context, world, login_as):
    reporter_api = login_as(world.reporter)
    response = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/casualties",
        json={
            "client_id": "5b1c3a52-6f0e-4c38-9a51-1b9a0f6c2e02",
            "name": "李小梅",
            "sex": "female",
            "age": 9,
            "kind": "missing",
            "id_number": valid_id(21),
        },
    )
    assert response.status_code == 201, response.get_json()
    row = response.get_json()
    log_in(page, world.reporter)
    page.goto(f"/events/{world.event['id']}/ledgers")
    card = page.locator(".ledger-card", has_text="李小梅")
    expect(card).to_contain_text("失踪")
    expect(card).to_contain_text(row["id_number"])
    go_offline(context)
    card.click()
    expect(page.get_by_role("heading", name="更正死亡失踪人员")).to_be_visible()
    expect(page.get_by_text(f"已登记：{row['id_number']}")).to_be_visible()
    expect(page.get_by_label("身份证号码")).to_have_value("")  # the whole number never comes back
    page.get_by_role("radio", name="已找到（生还）").click()
    page.get_by_label("备注").fill("已在亲戚家找到")
    shot(page, "h18ledger-06-casualty-edit")
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="保存").click()
    card = page.locator(".ledger-card", has_text="李小梅")
    expect(card).to_contain_text("已找到（生还）")
    expect(card).to_contain_text("更正待发送")
    expect(page.locator(".ledger-summary")).to_contain_text("失踪 0 人")
    shot(page, "h18ledger-07-ledgers-change-waiting")

    go_online(context)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    person = wait_until(
        lambda: world.api.get(f"/api/v1/casualties/{row['id']}").get_json(), lambda p: p["found_alive"] is True
    )
    assert (person["kind"], person["note"], person["version"]) == ("missing", "已在亲戚家找到", 2)
    expect(page.locator(".ledger-card", has_text="李小梅")).not_to_contain_text("待发送")


def test_a_house_repair_and_a_correction_are_changed_from_its_card(page: Page, world, login_as):
    reporter_api = login_as(world.reporter)
    response = reporter_api.post(
        f"/api/v1/events/{world.event['id']}/damaged-houses",
        json={
            "client_id": "5b1c3a52-6f0e-4c38-9a51-1b9a0f6c2e03",
            "head_name": "赵春生",
            "structure": "土木",
            "damage": "severe",
            "rooms": 4,
            "transitional_aid_persons": 3,
        },
    )
    assert response.status_code == 201, response.get_json()
    house = response.get_json()
    log_in(page, world.reporter)
    page.locator(".event-card", has_text=world.event["name"]).get_by_role("link", name="台账").click()
    page.locator(".ledger-card", has_text="赵春生").click()
    expect(page.get_by_role("heading", name="更正倒塌损坏住房户")).to_be_visible()
    expect(page.get_by_label("间数")).to_have_value("4")
    page.get_by_label("间数").fill("5")
    page.get_by_role("radio", name="维修中").click()
    shot(page, "h18ledger-11-house-edit")
    assert small_touch_targets(page) == []
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="台账")).to_be_visible()
    changed = wait_until(
        lambda: world.api.get(f"/api/v1/damaged-houses/{house['id']}").get_json(), lambda h: h["version"] == 2
    )
    # Only what changed was sent: the other fields stand as filed.
    assert (changed["rooms"], changed["status"], changed["transitional_aid_persons"]) == (5, "repairing", 3)
    assert (changed["head_name"], changed["structure"], changed["damage"]) == ("赵春生", "土木", "severe")
    card = page.locator(".ledger-card", has_text="赵春生")
    expect(card).to_contain_text("5 间")
    expect(card).not_to_contain_text("待发送")
