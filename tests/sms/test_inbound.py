"""POST /api/v1/sms/inbound: a GR1 message goes through the same create services as HTTP, exactly once, or is
refused with nothing applied; every delivery is recorded and audited, and answered by SMS."""

from __future__ import annotations

import uuid

from server import clock
from server.audit_trail import AuditLog
from server.extensions import db
from server.sms.models import SmsMessage, SmsPart
from tests.conftest import assert_error
from tests.damage.conftest import FLOOD, file_report
from tests.sms.conftest import OFFICER_PHONE, SECRET, deliver, delivered, texts

UPDATE = {**FLOOD, "affected_population": 150}


def reports(sms) -> list[dict]:
    response = sms.county_api.get(f"/api/v1/damage-reports?event_id={sms.event['id']}&per_page=200")
    return response.get_json()["items"]


def messages(app) -> list[SmsMessage]:
    with app.app_context():
        rows = db.session.scalars(db.select(SmsMessage).order_by(SmsMessage.id)).all()
        db.session.expunge_all()
        return rows


def audit(app, action: str) -> list[AuditLog]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()
        db.session.expunge_all()
        return rows


def test_a_report_by_sms_is_filed_as_that_officer_and_an_http_resend_is_the_same_record(app, sms):
    file_report(sms.api, sms.event["id"], "initial", FLOOD)
    client_id = str(uuid.uuid4())
    body = {"stage": "update", "figures": UPDATE, "note": "", "change_note": ""}
    (text,) = texts(sms.key, "damage", sms.event["id"], body, client_id=client_id)

    answer = delivered(sms.client, text, sender="+86 138-0013-8000")  # the gateway's form of the number

    assert answer["outcome"] == "accepted" and answer["reason"] == ""
    report_id = answer["record"]["id"]
    assert answer["record"] == {"type": "damage_report", "id": report_id}
    assert answer["reply"] == f"已收到灾情续报，编号{report_id}。"
    read = sms.county_api.get(f"/api/v1/damage-reports/{report_id}").get_json()
    assert read["channel"] == "sms" and read["client_id"] == client_id and read["stage"] == "update"
    assert read["figures"]["affected_population"] == 150 and read["figures"]["crops_affected_ha"] == "12.50"
    assert read["submitted_by"]["id"] == sms.officer.id and read["current"] is True
    (created,) = audit(app, "damage_report.create")[-1:]
    assert created.entity_id == report_id and created.changes["channel"] == "sms"
    (row,) = messages(app)
    assert (row.outcome, row.user_id, row.entity_id, row.reply_status) == (
        "accepted",
        sms.officer.id,
        report_id,
        "sent",
    )
    assert audit(app, "sms.accepted")[0].changes["record"] == ["damage_report", report_id]

    # The phone comes online: the outbox sends the same item; it is the record the SMS made.
    resend = sms.api.post(f"/api/v1/events/{sms.event['id']}/damage-reports", json={**body, "client_id": client_id})
    assert resend.status_code == 200, resend.get_json()
    assert resend.get_json()["id"] == report_id and resend.get_json()["channel"] == "sms"
    assert [r["stage"] for r in reports(sms)] == ["update", "initial"]
    assert [r["channel"] for r in reports(sms)] == ["sms", "http"]


def test_a_message_delivered_twice_makes_one_record(app, sms):
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    first = delivered(sms.client, text)
    again = delivered(sms.client, text)
    assert first["outcome"] == "accepted" and again["outcome"] == "resent"
    assert again["record"] == first["record"]
    assert again["reply"] == f"已收到灾情初报（此前已收到），编号{first['record']['id']}。"
    assert len(reports(sms)) == 1


def test_a_wrong_mac_is_refused_and_nothing_is_applied(app, sms):
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    forged = text[:-8] + ("00000000" if not text.endswith("00000000") else "00000001")
    answer = delivered(sms.client, forged)
    assert (answer["outcome"], answer["reason"], answer["record"]) == ("refused", "bad_mac", None)
    assert answer["reply"] == "未收下：校验码不对，请重新登录应用后再发"
    # A key of someone else signs nothing for this officer either.
    (other,) = texts("not-the-key", "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    assert delivered(sms.client, other)["reason"] == "bad_mac"
    assert reports(sms) == []
    assert [r.changes["reason"] for r in audit(app, "sms.refused")] == ["bad_mac", "bad_mac"]
    assert audit(app, "damage_report.create") == []


def test_the_sender_must_be_the_registered_phone_of_the_signer(app, sms, make_user, tree):
    make_user("reporter", tree.village_a2, name="甲二村信息员", phone="13900139000")
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    # The officer's message, from another officer's phone: that officer's key does not sign it.
    answer = delivered(sms.client, text, sender="13900139000")
    assert (answer["outcome"], answer["reason"]) == ("refused", "bad_mac")
    # From a number nobody registered: refused, and no reply (the gateway is no relay for strangers).
    answer = delivered(sms.client, text, sender="13700137000")
    assert (answer["outcome"], answer["reason"], answer["reply"]) == ("refused", "unknown_sender", "")
    assert messages(app)[-1].reply_status == ""
    assert reports(sms) == []


def test_a_message_for_an_event_the_village_does_not_report_to_is_refused(app, sms, tree):
    other = sms.county_api.post(
        "/api/v1/events",
        json={
            "name": "乙乡山洪",
            "disaster_type": "洪涝",
            "disaster_subtype": "山区洪水",
            "org_unit_id": tree.town_b.id,
        },
    )
    assert other.status_code == 201, other.get_json()
    (text,) = texts(sms.key, "damage", other.get_json()["id"], {"stage": "initial", "figures": FLOOD})
    answer = delivered(sms.client, text)
    assert answer["outcome"] == "refused" and answer["reason"] == "not_found"
    assert answer["reply"] == "未收下：灾害过程不存在"
    (text,) = texts(
        sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD}, unit_id=tree.village_b1.id
    )
    assert delivered(sms.client, text)["reason"] == "not_found"  # a village outside the officer's scope
    assert reports(sms) == []


def test_the_stage_rules_and_figure_rules_are_the_same_as_http(app, sms):
    (update,) = texts(sms.key, "damage", sms.event["id"], {"stage": "update", "figures": FLOOD})
    answer = delivered(sms.client, update)
    assert (answer["reason"], answer["reply"]) == ("stage_order", "未收下：该村尚未报送初报，不能报送续报")
    bad = {**FLOOD, "relocated": 41}
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": bad})
    answer = delivered(sms.client, text)
    assert answer["reason"] == "validation_error" and answer["reply"].startswith("未收下：紧急转移安置人口应等于")
    assert reports(sms) == []


def test_an_old_message_is_refused_as_expired(app, sms):
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD}, minutes_ago=8 * 1440)
    answer = delivered(sms.client, text)
    assert (answer["outcome"], answer["reason"]) == ("refused", "expired")
    assert reports(sms) == []


def test_parts_out_of_order_are_put_together(app, sms):
    big = {
        "affected_population": 2_000_000_000,
        "deaths": 1_000_000_001,
        "missing": 1_000_000_002,
        "injured": 1_000_000_003,
        "relocated": 1_200_000_000,
        "relocated_centralized": 600_000_000,
        "relocated_dispersed": 600_000_000,
        "needing_aid": 1_000_000_004,
        "houses_collapsed_households": 100_000_001,
        "houses_collapsed_rooms": 200_000_001,
        "houses_severe_households": 100_000_002,
        "houses_severe_rooms": 200_000_002,
        "houses_general_households": 100_000_003,
        "houses_general_rooms": 200_000_003,
        "crops_affected_ha": "90000000.00",
        "crops_damaged_ha": "80000000.00",
        "crops_lost_ha": "70000000.00",
        "direct_loss_10k_yuan": "60000000.01",
    }
    parts = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": big})
    assert len(parts) == 2
    first = delivered(sms.client, parts[1])
    assert (first["outcome"], first["reply"], first["record"]) == ("waiting", "", None)
    assert delivered(sms.client, parts[1])["outcome"] == "waiting"  # the same part again: kept once
    assert reports(sms) == []
    answer = delivered(sms.client, parts[0])
    assert answer["outcome"] == "accepted"
    (report,) = reports(sms)
    assert report["figures"]["deaths"] == 1_000_000_001 and report["figures"]["direct_loss_10k_yuan"] == "60000000.01"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SmsPart)) == 0
    # A part of another message from another phone never completes this one.
    assert delivered(sms.client, parts[1], sender="13700137000")["outcome"] == "waiting"


def test_malformed_messages_and_bad_parts_are_refused(app, sms):
    (huge,) = texts(sms.key, "damage", 2**40, {"stage": "initial", "figures": FLOOD})  # no such id column value
    for text in ("你好", "GR1 D nonsense", "GR1 1/2 ABCDEFGH", huge):
        answer = delivered(sms.client, text)
        assert (answer["outcome"], answer["reason"]) == ("refused", "malformed"), text
    assert messages(app)[0].reply == "未收下：短信格式不对，请用应用生成的短信"
    # Parts whose MAC is not the message's: refused when complete.
    (whole,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    cut = len(whole) // 2
    while whole[cut - 1] == " " or whole[cut] == " ":
        cut -= 1
    delivered(sms.client, f"GR1 1/2 ZZZZZZZZ {whole[:cut]}")
    assert delivered(sms.client, f"GR1 2/2 ZZZZZZZZ {whole[cut:]}")["reason"] == "malformed"
    assert reports(sms) == []


def test_the_gateway_must_know_the_secret(app, sms):
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    assert_error(deliver(sms.client, text, secret="wrong"), 401, "unauthorized")
    assert_error(deliver(sms.client, text, secret=""), 401, "unauthorized")
    app.config["SMS_GATEWAY_SECRET"] = None  # restored by the fixture's monkeypatch
    assert_error(deliver(sms.client, text), 401, "unauthorized")
    app.config["SMS_GATEWAY_SECRET"] = SECRET
    assert_error(
        sms.client.post("/api/v1/sms/inbound", data={"secret": SECRET, "from": OFFICER_PHONE}), 422, "validation_error"
    )
    assert reports(sms) == [] and messages(app) == []


def test_a_carrier_callback_in_json_with_the_secret_in_the_url(app, sms):
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    # Tencent Cloud SMS 上行: {"mobile", "nationcode", "text", "time", ...}, the secret in the callback URL.
    callback = {"extend": "", "mobile": OFFICER_PHONE, "nationcode": "86", "sign": "", "text": text, "time": 1783000000}
    response = sms.client.post(f"/api/v1/sms/inbound?secret={SECRET}", json=callback)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["outcome"] == "accepted"


def test_with_the_response_notifier_smssync_sends_the_reply(app, sms, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_REPLY_NOTIFIER", "response")
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    answer = deliver(sms.client, text).get_json()
    row = messages(app)[-1]
    assert answer["payload"] == {
        "success": True,
        "error": None,
        "task": "send",
        "messages": [{"to": OFFICER_PHONE, "message": row.reply, "uuid": f"gridreport-sms-{row.id}"}],
    }
    assert row.reply_status == "sent"


def test_evacuations_and_acknowledgements_go_by_sms_too(app, sms, tree):
    body = {"evacuated": 30, "centralized": 20, "dispersed": 10, "returned": 0, "allocations": []}
    (text,) = texts(sms.key, "evacuation", sms.event["id"], body, unit_id=tree.village_a1.id)
    answer = delivered(sms.client, text)
    assert answer["outcome"] == "accepted" and answer["record"]["type"] == "evacuation_report"
    assert answer["reply"] == f"已收到转移避险情况，编号{answer['record']['id']}。"
    town = sms.county_api.post(
        "/api/v1/warnings",
        json={
            "title": "暴雨红色预警",
            "body": "请立即组织危险区域群众转移。",
            "level": "red",
            "disaster_type": "洪涝",
            "target_org_unit_ids": [tree.village_a1.id],
        },
    )
    assert town.status_code == 201, town.get_json()
    warning_id = town.get_json()["id"]
    ack_id = str(uuid.uuid4())
    (text,) = texts(sms.key, "ack", warning_id, {"households_notified": 12, "persons_notified": 40}, client_id=ack_id)
    answer = delivered(sms.client, text)
    assert answer["outcome"] == "accepted" and answer["record"]["type"] == "warning_ack"
    resend = sms.api.post(
        f"/api/v1/warnings/{warning_id}/ack",
        json={"client_id": ack_id, "households_notified": 12, "persons_notified": 40},
    )
    assert resend.status_code in (200, 201) and resend.get_json()["id"] == answer["record"]["id"]
    assert audit(app, "warning.ack")[-1].changes["channel"] == "sms"
    assert audit(app, "evacuation.create")[-1].changes["channel"] == "sms"


def test_the_key_comes_with_the_login_and_changes_with_the_password(app, sms, make_user, login_as, tree):
    login = sms.api.get("/api/v1/auth/me").get_json()
    assert login["sms_key"] == sms.key and len(sms.key) == 32 and login["sms_number"] == "10690000123"
    admin = login_as(make_user("admin", tree.county))
    changed = admin.patch(f"/api/v1/users/{sms.officer.id}", json={"password": "a-new-password-1"})
    assert changed.status_code == 200, changed.get_json()
    fresh = sms.client.post(
        "/api/v1/auth/login", json={"username": sms.officer.username, "password": "a-new-password-1"}
    ).get_json()
    assert fresh["sms_key"] != sms.key
    # A message signed with the old key no longer counts.
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    assert delivered(sms.client, text)["reason"] == "bad_mac"
    (text,) = texts(fresh["sms_key"], "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    assert delivered(sms.client, text)["outcome"] == "accepted"


def test_the_desk_sees_the_number_and_the_gateways_health(app, sms, login_as, make_user, tree):
    assert sms.api.get("/api/v1/sms/settings").get_json() == {"inbound_number": "10690000123"}
    empty = sms.county_api.get("/api/v1/sms/gateway").get_json()
    assert empty["last_received_at"] is None and empty["recent"] == [] and empty["gateway_configured"] is True
    (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
    clock.set_now(None)
    delivered(sms.client, text)
    delivered(sms.client, "GR1 nonsense", sender="13700137000")
    health = sms.county_api.get("/api/v1/sms/gateway").get_json()
    assert health["inbound_number"] == "10690000123" and health["last_received_at"] is not None
    assert health["last_24h"] == {"accepted": 1, "resent": 0, "refused": 1, "waiting": 0}
    (mine,) = health["recent"]  # the stranger's message is counted, not listed
    assert (mine["user_name"], mine["unit_name"], mine["outcome"]) == ("甲一村信息员", tree.village_a1.name, "accepted")
    beside = login_as(make_user("reviewer", tree.town_b)).get("/api/v1/sms/gateway").get_json()
    assert beside["recent"] == []
    assert_error(sms.api.get("/api/v1/sms/gateway"), 403, "forbidden")


def test_text_goes_whole_so_a_report_with_notes_is_the_same_record_over_http(app, sms):
    file_report(sms.api, sms.event["id"], "initial", FLOOD)
    client_id = str(uuid.uuid4())
    lower = {**FLOOD, "injured": 4}  # a figure going down needs its change note (变动说明)
    body = {
        "stage": "update",
        "figures": lower,
        "note": "村东头桥断了，已设警示。",
        "change_note": "1 人重复统计，已核减",
    }
    answers = [
        delivered(sms.client, text) for text in texts(sms.key, "damage", sms.event["id"], body, client_id=client_id)
    ]
    answer = answers[-1]  # one SMS, or the last of its parts
    assert answer["outcome"] == "accepted", answer
    read = sms.county_api.get(f"/api/v1/damage-reports/{answer['record']['id']}").get_json()
    assert (read["note"], read["change_note"]) == (body["note"], body["change_note"])
    resend = sms.api.post(f"/api/v1/events/{sms.event['id']}/damage-reports", json={**body, "client_id": client_id})
    assert resend.status_code == 200 and resend.get_json()["id"] == answer["record"]["id"]


def test_a_hazard_by_sms_then_its_http_resend(app, sms, tree):
    client_id = str(uuid.uuid4())
    found_at = clock.now().replace(microsecond=0).isoformat()
    body = {
        "category": "landslide",
        "risk_level": "major",
        "title": "后山滑坡",
        "description": "",
        "threatened_households": 5,
        "threatened_persons": 18,
        "address": "",
        "lat": 29.256321,
        "lon": 117.861254,
        "accuracy_m": 12,
        "found_at": found_at,
    }
    (text,) = texts(sms.key, "hazard", 0, body, client_id=client_id)
    answer = delivered(sms.client, text)
    assert answer["outcome"] == "accepted" and answer["record"]["type"] == "hazard", answer
    assert answer["reply"] == f"已收到隐患报告，编号{answer['record']['id']}。"
    hazard = sms.api.get(f"/api/v1/hazards/{answer['record']['id']}").get_json()
    assert (hazard["title"], hazard["category"], hazard["risk_level"]) == ("后山滑坡", "landslide", "major")
    assert hazard["lat"] == 29.256321 and hazard["threatened_persons"] == 18
    resend = sms.api.post("/api/v1/hazards", json={**body, "client_id": client_id})
    assert resend.status_code == 200, resend.get_json()
    assert resend.get_json()["id"] == answer["record"]["id"]
    assert audit(app, "hazard.create")[-1].changes["channel"] == "sms"


def test_the_webhook_notifier_posts_the_reply_to_the_gateways_send_api(app, sms, monkeypatch):
    from tests.warnings.test_escalation import Gateway

    sender_api = Gateway()
    sender_api.thread.start()
    try:
        monkeypatch.setitem(app.config, "SMS_REPLY_NOTIFIER", "webhook")
        monkeypatch.setitem(app.config, "SMS_REPLY_WEBHOOK_URL", sender_api.url)
        monkeypatch.setitem(app.config, "SMS_REPLY_WEBHOOK_SECRET", "send-secret")
        (text,) = texts(sms.key, "damage", sms.event["id"], {"stage": "initial", "figures": FLOOD})
        answer = delivered(sms.client, text)
        row = messages(app)[-1]
        assert sender_api.messages() == [
            {"to": OFFICER_PHONE, "message": answer["reply"], "id": f"gridreport-sms-{row.id}"}
        ]
        headers = {name.lower(): value for name, value in sender_api.requests[0]["headers"].items()}
        assert headers["idempotency-key"] == f"gridreport-sms-{row.id}"
        assert headers["x-gridreport-signature"].startswith("sha256=")
        assert row.reply_status == "sent"
        sender_api.statuses = [503]  # the send API fails: the reply is marked, the record stays
        answer = delivered(sms.client, text)
        assert answer["outcome"] == "resent" and messages(app)[-1].reply_status == "failed"
    finally:
        sender_api.server.shutdown()
        sender_api.server.server_close()
