"""Escalation of the silent: ``flask warnings escalate`` escalates each overdue target once per revision, and the
notifiers (log, webhook against a local HTTP server) deliver with their tries recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from server.extensions import db
from server.orgunits.models import OrgUnit
from server.warnings.models import WarningEscalation
from tests.warnings.conftest import ack, issue


class Gateway:
    """A local SMS/voice gateway: records each request and answers with the next of ``statuses`` (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with gateway.lock:
                    gateway.requests.append({"headers": dict(self.headers), "body": body})
                    status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def messages(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    gw.thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()


def escalate(app) -> str:
    result = app.test_cli_runner().invoke(args=["warnings", "escalate"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def escalations(app) -> list[WarningEscalation]:
    with app.app_context():
        rows = list(db.session.scalars(select(WarningEscalation).order_by(WarningEscalation.id)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def silent_two(township12, tree, make_user, login_as, at):
    """The issue's case: a red warning to 12 villages; 9 answer in time, 1 late, 2 never. Duty contacts: the
    township's and the county's reviewers."""
    town_reviewer = make_user("reviewer", township12.unit, name="丙镇 值班", phone="13900000001")
    make_user("reviewer", tree.county, name="县局 值班", phone="13900000002")
    reviewer = login_as(town_reviewer)
    at(0)
    warning = issue(reviewer, [township12.unit.id])
    for i, officer in enumerate(township12.officers[:9]):
        at(1 + i)
        ack(login_as(officer), warning["id"])
    at(40)
    ack(login_as(township12.officers[9]), warning["id"])
    return warning, reviewer


def test_escalation_notifies_each_silent_village_once(app, silent_two, caplog, at):
    warning, reviewer = silent_two
    at(20)  # nobody is overdue yet
    assert escalate(app) == "escalated 0, delivered 0, failed 0, waiting 0"
    at(41)
    with caplog.at_level(logging.WARNING, logger="server.warnings"):
        assert escalate(app) == "escalated 2, delivered 2, failed 0, waiting 0"
        assert escalate(app) == "escalated 0, delivered 0, failed 0, waiting 0"  # run twice: once
    lines = [r.getMessage() for r in caplog.records if "叫应逾期" in r.getMessage()]
    assert len(lines) == 2 and "丙11村" in lines[0] and "丙12村" in lines[1]
    assert "信息员11 13800000011" in lines[0]
    rows = escalations(app)
    assert [(r.delivery, len(r.attempts), r.notifier) for r in rows] == [("sent", 1, "log")] * 2
    assert [c["name"] for c in rows[0].message["contacts"]] == ["丙镇 值班", "县局 值班"]  # nearest first
    assert rows[0].message["contacts"][0]["phone"] == "13900000001"
    status = reviewer.get(f"/api/v1/warnings/{warning['id']}/status").get_json()
    escalated = [unit["org_unit"]["name"] for unit in status["units"] if unit["escalated_at"]]
    assert escalated == ["丙11村", "丙12村"]
    audit = reviewer.get(f"/api/v1/audit?entity_type=warning&entity_id={warning['id']}").get_json()
    assert sum(entry["action"] == "warning.escalate" for entry in audit["items"]) == 2


def test_a_run_that_read_before_another_run_committed_escalates_nobody_twice(app, silent_two, at, monkeypatch):
    """Two overlapping runs: the second read the silent targets before the first committed its escalations. The
    unique (target, revision) decides; the second escalates nobody again and writes no audit row."""
    from server.warnings import escalation
    from server.warnings.models import EarlyWarning, WarningTarget

    warning, reviewer = silent_two
    at(41)
    assert escalate(app) == "escalated 2, delivered 2, failed 0, waiting 0"
    silent = [row.target_id for row in escalations(app)]

    def as_read_before_the_first_run_committed():
        stmt = (
            select(WarningTarget, EarlyWarning, OrgUnit)
            .join(EarlyWarning, EarlyWarning.id == WarningTarget.warning_id)
            .join(OrgUnit, OrgUnit.id == WarningTarget.org_unit_id)
            .where(WarningTarget.id.in_(silent))
        )
        return list(db.session.execute(stmt).tuples())

    monkeypatch.setattr(escalation, "overdue_unescalated", as_read_before_the_first_run_committed)
    assert escalate(app) == "escalated 0, delivered 0, failed 0, waiting 0"
    rows = escalations(app)
    assert len(rows) == 2
    due = warning["ack_due_at"]  # e.g. 2026-07-01T08:30:00+08:00: the text names it in local time, to the minute
    assert f"未在 {due[5:10]} {due[11:16]} 前叫应" in rows[0].message["text"]
    audit = reviewer.get(f"/api/v1/audit?entity_type=warning&entity_id={warning['id']}").get_json()
    assert sum(entry["action"] == "warning.escalate" for entry in audit["items"]) == 2


def test_an_update_escalates_the_silent_again(app, tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    at(31)
    assert escalate(app).startswith("escalated 1,")
    county.patch(f"/api/v1/warnings/{warning['id']}", json={"body": "雨势加大"})
    at(45)
    assert escalate(app).startswith("escalated 0,")  # the new revision's window is still open
    at(62)
    assert escalate(app).startswith("escalated 1,")
    assert [r.revision for r in escalations(app)] == [1, 2]


def test_cancelled_expired_and_answered_warnings_are_not_escalated(app, tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    cancelled = issue(county, [tree.village_a1.id])
    issue(county, [tree.village_a2.id], expires_at="2026-07-01T08:20:00+08:00")
    issue(county, [tree.village_b1.id], level="blue")
    answered = issue(county, [tree.village_b2.id])
    ack(login_as(make_user("reporter", tree.village_b2)), answered["id"])
    county.post(f"/api/v1/warnings/{cancelled['id']}/cancel", json={"reason": "解除"})
    at(60 * 5)
    assert escalate(app).startswith("escalated 0,")


def test_webhook_delivers_signed_json(make_app, silent_two, gateway, at):
    app = make_app(
        WARNING_NOTIFIER="webhook",
        WARNING_WEBHOOK_URL=gateway.url,
        WARNING_WEBHOOK_SECRET="s3cret",
        WARNING_WEBHOOK_BACKOFF=0,
    )
    at(41)
    assert escalate(app) == "escalated 2, delivered 2, failed 0, waiting 0"
    assert escalate(app) == "escalated 0, delivered 0, failed 0, waiting 0"
    assert len(gateway.requests) == 2
    request = gateway.requests[0]
    signature = hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Gridreport-Signature"] == f"sha256={signature}"
    assert request["headers"]["Content-Type"].startswith("application/json")
    message = gateway.messages()[0]
    assert message["event"] == "warning.overdue" and message["village"]["name"] == "丙11村"
    assert message["warning"]["level"] == "red" and message["warning"]["ack_due_at"] == "2026-07-01T08:30:00+08:00"
    assert message["officers"][0]["phone"] == "13800000011"
    assert request["headers"]["Idempotency-Key"] == f"escalation-{message['escalation_id']}"
    rows = escalations(app)
    assert [r.notifier for r in rows] == ["webhook", "webhook"]
    assert rows[0].attempts[0]["ok"] is True and rows[0].attempts[0]["status"] == 200


def test_webhook_retries_are_recorded_and_a_failed_delivery_waits_for_the_next_run(make_app, silent_two, gateway, at):
    app = make_app(
        WARNING_NOTIFIER="webhook",
        WARNING_WEBHOOK_URL=gateway.url,
        WARNING_WEBHOOK_RETRIES=2,
        WARNING_WEBHOOK_BACKOFF=0,
    )
    gateway.statuses = [503, 502, 200, 500, 500, 500]  # first: ok on the third try; second: fails every try
    at(41)
    assert escalate(app) == "escalated 2, delivered 1, failed 1, waiting 0"
    first, second = escalations(app)
    assert first.delivery == "sent" and [a["status"] for a in first.attempts] == [503, 502, 200]
    assert [a["ok"] for a in first.attempts] == [False, False, True] and first.attempts[0]["error"] == "HTTP 503"
    assert second.delivery == "failed" and [a["status"] for a in second.attempts] == [500, 500, 500]
    at(42)  # the gateway is back: the next run delivers the failed one, and nothing is escalated again
    assert escalate(app) == "escalated 0, delivered 1, failed 0, waiting 0"
    second = escalations(app)[1]
    assert second.delivery == "sent" and len(second.attempts) == 4
    assert len(gateway.requests) == 7


def test_a_failing_gateway_stops_the_run_and_the_rest_wait(make_app, silent_two, gateway, at):
    app = make_app(
        WARNING_NOTIFIER="webhook",
        WARNING_WEBHOOK_URL=gateway.url,
        WARNING_WEBHOOK_RETRIES=1,
        WARNING_WEBHOOK_BACKOFF=0,
    )
    gateway.statuses = [500, 500]
    at(41)
    assert escalate(app) == "escalated 2, delivered 0, failed 1, waiting 1"
    assert [r.delivery for r in escalations(app)] == ["failed", "pending"]
    assert escalate(app) == "escalated 0, delivered 2, failed 0, waiting 0"


def test_an_unreachable_gateway_is_recorded(make_app, silent_two, at):
    app = make_app(
        WARNING_NOTIFIER="webhook",
        WARNING_WEBHOOK_URL="http://127.0.0.1:9/closed",  # the discard port: nothing listens
        WARNING_WEBHOOK_RETRIES=0,
        WARNING_WEBHOOK_TIMEOUT=2,
    )
    at(41)
    assert escalate(app) == "escalated 2, delivered 0, failed 1, waiting 1"
    attempt = escalations(app)[0].attempts[0]
    assert attempt["ok"] is False and attempt["status"] is None and attempt["error"]


def test_webhook_without_url_is_a_configuration_error(make_app, silent_two, at):
    app = make_app(WARNING_NOTIFIER="webhook")
    at(41)
    result = app.test_cli_runner().invoke(args=["warnings", "escalate"])
    assert result.exit_code != 0 and "WARNING_WEBHOOK_URL" in result.output
    assert escalations(app) == []


def test_webhook_backs_off_doubling_between_tries(gateway):
    from server.warnings.notifiers import WebhookNotifier

    pauses: list[float] = []
    gateway.statuses = [500, 503, 200]
    delivery = WebhookNotifier(gateway.url, retries=3, backoff=1.5, sleep=pauses.append).send({"escalation_id": 7})
    assert delivery.ok and [a["status"] for a in delivery.attempts] == [500, 503, 200]
    assert pauses == [1.5, 3.0]
    assert gateway.requests[0]["headers"]["Idempotency-Key"] == "escalation-7"
    assert "X-Gridreport-Signature" not in gateway.requests[0]["headers"]  # no secret, no signature
