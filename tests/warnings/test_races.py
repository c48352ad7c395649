"""Races. Two sends of one queued acknowledgement at once (two tabs, a retry racing its original): the unique
client_id decides and the loser is answered like a resend. Two reviewers changing one warning at once: the version
claim decides, the loser gets 409. Races past the reads need concurrent writers (PostgreSQL; skipped on SQLite,
which serializes writers)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from server.extensions import db
from server.warnings import acks, service
from server.warnings.models import WarningAck
from tests.conftest import assert_error, missing_once
from tests.damage.test_concurrency import at_once, hold_after_reads
from tests.warnings.conftest import issue


def answers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WarningAck))


def identical_sends(app, tree, make_user, login_as, at, monkeypatch, *, past_the_reads: bool):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    officer = make_user("reporter", tree.village_a1)
    phones = [login_as(officer), login_as(officer)]
    body = {"client_id": str(uuid.uuid4()), "households_notified": 3}
    if past_the_reads:  # both have looked for the client_id before either writes
        hold_after_reads(monkeypatch, app, acks, "now")
    first, second = at_once(
        *(lambda api=api: api.post(f"/api/v1/warnings/{warning['id']}/ack", json=body) for api in phones)
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.get_json(), second.get_json())
    assert first.get_json() == second.get_json()
    assert answers(app) == 1


def test_identical_sends_at_once_make_one_answer(app, tree, make_user, login_as, at, monkeypatch):
    identical_sends(app, tree, make_user, login_as, at, monkeypatch, past_the_reads=False)


def test_identical_sends_racing_past_their_reads_make_one_answer(app, tree, make_user, login_as, at, monkeypatch):
    identical_sends(app, tree, make_user, login_as, at, monkeypatch, past_the_reads=True)


def test_a_send_that_missed_the_first_answer_loses_at_the_unique_client_id(
    app, tree, make_user, login_as, at, monkeypatch
):
    """The race past the reads on either database: the look-up misses the first answer (not committed yet, as far
    as it knows), the insert meets the unique client_id, and the answer is the resend's (or 409 for another
    payload); one answer, one audit row."""
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    phone = login_as(make_user("reporter", tree.village_a1))
    url = f"/api/v1/warnings/{warning['id']}/ack"
    body = {"client_id": str(uuid.uuid4()), "households_notified": 3}
    first = phone.post(url, json=body)
    assert first.status_code == 200  # an answer is 200, first or resent
    calls = missing_once(monkeypatch, acks, "by_client_id")
    again = phone.post(url, json=body)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert calls["n"] == 2
    missing_once(monkeypatch, acks, "by_client_id")
    assert_error(phone.post(url, json={**body, "households_notified": 4}), 409, "client_id_reused")
    assert answers(app) == 1
    audit = county.get(f"/api/v1/audit?entity_type=warning&entity_id={warning['id']}").get_json()["items"]
    assert sum(entry["action"] == "warning.ack" for entry in audit) == 1


def test_other_payloads_under_one_client_id_racing_past_their_reads(app, tree, make_user, login_as, at, monkeypatch):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    officer = make_user("reporter", tree.village_a1)
    phones = [login_as(officer), login_as(officer)]
    client_id = str(uuid.uuid4())
    hold_after_reads(monkeypatch, app, acks, "now")
    results = at_once(
        *(
            lambda api=api, n=n: api.post(
                f"/api/v1/warnings/{warning['id']}/ack", json={"client_id": client_id, "persons_notified": n}
            )
            for n, api in enumerate(phones)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    assert next(r for r in results if r.status_code == 409).get_json()["error"]["code"] == "client_id_reused"
    assert answers(app) == 1


def test_two_reviewers_changing_one_warning_at_once_one_wins(app, tree, make_user, login_as, at, monkeypatch):
    county = make_user("reviewer", tree.county)
    at(0)
    warning = issue(login_as(county), [tree.village_a1.id])
    reviewers = [login_as(county), login_as(make_user("reviewer", tree.county))]
    hold_after_reads(monkeypatch, app, service, "_check_version")  # both read version 1 before either writes
    url = f"/api/v1/warnings/{warning['id']}"
    update, cancel = at_once(
        lambda: reviewers[0].patch(url, json={"body": "升级"}),
        lambda: reviewers[1].post(f"{url}/cancel", json={"reason": "解除"}),
    )
    assert sorted([update.status_code, cancel.status_code]) == [200, 409]
    loser = update if update.status_code == 409 else cancel
    assert loser.get_json()["error"]["code"] == "stale_version"
    final = reviewers[0].get(url).get_json()
    assert final["version"] == 2
    assert (final["status"], final["revision"]) in {("cancelled", 1), ("active", 2)}
