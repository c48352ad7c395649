"""短信报灾 tests: a county with an active flood, an officer of village a1 with a registered phone, the gateway."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from server import clock
from server.sms import codec
from tests.damage.conftest import open_event

SECRET = "gateway-shared-secret"
OFFICER_PHONE = "13800138000"


@dataclass
class SmsScene:
    tree: Any
    event: dict
    officer: Any
    api: Any  # the officer's ApiClient
    key: str  # the officer's SMS key, as the login gave it
    county_api: Any
    client: Any  # an anonymous client: the gateway


@pytest.fixture
def gateway(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_SECRET", SECRET)
    monkeypatch.setitem(app.config, "SMS_INBOUND_NUMBER", "10690000123")


@pytest.fixture
def sms(tree, make_user, login_as, client, gateway) -> SmsScene:
    county_reviewer = make_user("reviewer", tree.county, name="县审核员")
    officer = make_user("reporter", tree.village_a1, name="甲一村信息员", phone=OFFICER_PHONE)
    county_api = login_as(county_reviewer)
    event = open_event(county_api, tree.county)
    api = login_as(officer)
    key = api.get("/api/v1/auth/me").get_json()["sms_key"]
    return SmsScene(tree, event, officer, api, key, county_api, client)


def minute_now(minutes_ago: int = 0) -> int:
    return int(clock.now().timestamp() // 60) - minutes_ago


def texts(
    key: str, kind: str, context_id: int, body: dict, *, unit_id=None, client_id=None, minutes_ago: int = 0
) -> list[str]:
    return codec.encode(
        key=key,
        kind=kind,
        client_id=client_id or str(uuid.uuid4()),
        context_id=context_id,
        unit_id=unit_id,
        minute=minute_now(minutes_ago),
        body=body,
    )


def deliver(client, text: str, sender: str = OFFICER_PHONE, *, secret: str = SECRET, form: bool = True):
    """POST one SMS to the webhook as SMSSync does (form fields from, message, secret, sent_timestamp)."""
    fields = {"from": sender, "message": text, "secret": secret, "sent_timestamp": "1783000000000"}
    if form:
        return client.post("/api/v1/sms/inbound", data=fields)
    return client.post("/api/v1/sms/inbound", json=fields)


def delivered(client, text: str, sender: str = OFFICER_PHONE) -> dict:
    response = deliver(client, text, sender)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["payload"] == {"success": True, "error": None}
    return body
