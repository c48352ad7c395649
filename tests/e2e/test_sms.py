"""短信报灾 in the browser: with no data, an officer's 续报 goes by SMS (the `sms:` link 待发送 offers), reaches the
server through the gateway's webhook as that officer, and the phone's later HTTP send is a resend of it."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.sms import codec
from server.sms.models import SmsMessage
from tests.conftest import PASSWORD
from tests.e2e.conftest import shot
from tests.e2e.helpers import go_offline, go_online, log_in, open_outbox
from tests.e2e.test_damage_evacuation import FIGURES, field, open_damage, reports_of, saved_home, wait_for

SECRET = "e2e-gateway-secret"
NUMBER = "10690000123"
PHONE = "13800138000"


@pytest.fixture
def gateway(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_SECRET", SECRET)
    monkeypatch.setitem(app.config, "SMS_INBOUND_NUMBER", NUMBER)


def test_a_report_by_sms_when_there_is_no_data_then_the_resend_is_the_same_record(
    page, context, world, app, gateway, make_user, login_as
):
    officer = make_user("reporter", world.village, username="sms_officer", name="王建国", phone=PHONE)
    initial = login_as(officer).post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": "6d2f8a2e-3333-4d7a-9a39-0d1b1f2f5e03", "stage": "initial", "figures": FIGURES},
    )
    assert initial.status_code == 201, initial.get_json()

    page.clock.install()  # the offer waits a few minutes: the test moves the phone's clock instead of waiting
    log_in(page, officer)  # online: the login hands the phone its SMS key and the county's number
    open_damage(page)
    expect(field(page, "affected_population")).to_have_value("30")

    # Data is gone (signal for calls and SMS remains): the 续报 is saved on the phone and cannot be sent.
    go_offline(context)
    field(page, "affected_population").fill("45")
    page.get_by_role("button", name="保存并上报续报").click()
    saved_home(page)
    open_outbox(page)
    item = page.locator(".outbox-item")
    expect(item).to_have_count(1)
    expect(page.get_by_role("link", name="用短信发送")).to_have_count(0)  # not at once: the app may still get through

    page.clock.fast_forward("04:00")
    link = page.get_by_role("link", name="用短信发送")
    expect(link).to_be_visible()
    shot(page, "h22sms-outbox-sms-offer")
    href = link.get_attribute("href")
    uri = urlparse(href)
    assert uri.scheme == "sms" and uri.path == NUMBER
    body = parse_qs(uri.query)["body"][0]
    assert body == unquote(href.split("?body=", 1)[1]) and len(body) <= 160 and body.isascii()
    page.get_by_text("短信内容").click()  # for an SMS app that drops the body: the text to copy
    expect(item.locator(".sms-text code")).to_have_text(body)
    shot(page, "h22sms-outbox-sms-text")

    # The body is the report.
    message = codec.decode(body)
    assert (message.kind, message.context_id) == ("damage", world.event["id"])
    assert message.body["stage"] == "update" and message.body["note"] == "" and message.body["change_note"] == ""
    assert message.body["figures"]["affected_population"] == 45
    assert message.body["figures"]["direct_loss_10k_yuan"] == "12.50"
    client_id = message.client_id

    link.click()  # the phone's SMS app opens; the officer taps send
    expect(item).to_contain_text("已短信发送，等待确认")
    shot(page, "h22sms-outbox-sms-sent")

    # The gateway delivers it, from the officer's number, as SMSSync posts a received message.
    gateway = app.test_client()
    answer = gateway.post(
        "/api/v1/sms/inbound", data={"from": "+86" + PHONE, "message": body, "secret": SECRET, "sent_timestamp": "0"}
    )
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert result["outcome"] == "accepted", result
    report_id = result["record"]["id"]
    reports = reports_of(world)
    update = next(r for r in reports if r["id"] == report_id)
    assert update["channel"] == "sms" and update["client_id"] == client_id and update["stage"] == "update"
    assert update["figures"]["affected_population"] == 45 and update["submitted_by"]["id"] == officer.id
    with app.app_context():
        row = db.session.scalar(db.select(SmsMessage).order_by(SmsMessage.id.desc()))
        assert row.reply == f"已收到灾情续报，编号{report_id}。" and row.reply_status in ("queued", "sent")

    # Data returns: the outbox sends the same item; the server answers it as a resend and the phone lets it go.
    posted = lambda response: response.url.endswith("/damage-reports") and response.request.method == "POST"  # noqa: E731
    with page.expect_response(posted) as resend:
        go_online(context)  # the outbox sends when the phone is back online
    assert resend.value.status == 200  # a resend of the record the SMS made
    assert resend.value.json()["id"] == report_id and resend.value.json()["channel"] == "sms"
    expect(page.locator(".outbox-count")).to_have_attribute("data-count", "0")
    final = wait_for(lambda: reports_of(world), 2)
    assert sorted(r["id"] for r in final) == sorted([initial.get_json()["id"], report_id])
    assert [r["channel"] for r in final] == ["http", "sms"]

    # The lists say how each report came.
    page.goto("/reports")
    expect(page.locator(".report-row", has_text="短信报送").filter(has_text="受灾人口 45 人")).to_be_visible()
    shot(page, "h22sms-my-reports-channel")


def test_the_county_desk_shows_the_inbound_number_and_the_gateways_last_message(
    page, world, app, gateway, make_user, login_as
):
    officer = make_user("reporter", world.village, username="sms_officer2", name="王建国", phone=PHONE)
    key = login_as(officer).get("/api/v1/auth/me").get_json()["sms_key"]
    (text,) = codec.encode(
        key=key,
        kind="damage",
        client_id="6d2f8a2e-4444-4d7a-9a39-0d1b1f2f5e04",
        context_id=world.event["id"],
        unit_id=None,
        minute=int(time.time() // 60),
        body={"stage": "initial", "figures": FIGURES},
    )
    answer = (
        app.test_client()
        .post("/api/v1/sms/inbound", data={"from": PHONE, "message": text, "secret": SECRET})
        .get_json()
    )
    assert answer["outcome"] == "accepted", answer

    log_in_desk(page, world.county_reviewer)
    page.get_by_role("link", name="短信报灾").click()
    expect(page.get_by_role("heading", name="短信报灾")).to_be_visible()
    expect(page.locator(".sms-number")).to_have_text(NUMBER)
    expect(page.locator(".sms-last")).not_to_contain_text("还没有收到过短信")
    row = page.locator(".sms-recent li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("石门村")
    expect(row).to_contain_text("已收下")
    shot(page, "h22sms-desk-sms")


def log_in_desk(page, user) -> None:
    page.goto("/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
