"""Two sign-offs of one township at the same moment, through the real app from threads (issue 7: both stayed
current on PostgreSQL and both could be accepted). The partial unique index and the conditional move of the
current flag decide: one 201 and one 409 ``signoff_conflict`` on PostgreSQL; SQLite serializes the two writers, so
there the second simply supersedes the first. Either way exactly one sign-off is current."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from server import clock
from server.extensions import db
from server.rollup import signoffs
from server.rollup.models import SignOff
from tests.damage.test_concurrency import at_once, hold_after_reads
from tests.rollup.factories import T0, file_report, make_event


@pytest.fixture
def township(tree, make_user, login_as):
    town_reviewer = make_user("reviewer", tree.town_a)
    event = make_event(tree.county, make_user("reviewer", tree.county))
    clock.set_now(T0 + timedelta(minutes=20))
    file_report(event, tree.village_a1, town_reviewer, stage="initial", affected_population=12)
    return event, [login_as(town_reviewer), login_as(town_reviewer)]


def current_signoffs(app, event):
    with app.app_context():
        found = db.session.scalars(select(SignOff).where(SignOff.event_id == event.id, SignOff.current)).all()
        db.session.remove()
        return found


@pytest.mark.parametrize("earlier", [False, True], ids=["first-signoff", "superseding-one"])
def test_two_signoffs_at_once_leave_exactly_one_current(app, tree, township, monkeypatch, earlier):
    event, apis = township
    url = f"/api/v1/events/{event.id}/signoffs"
    if earlier:  # the race then is on moving the current flag off the earlier sign-off
        assert apis[0].post(url, json={"org_unit_id": tree.town_a.id}).status_code == 201
    hold_after_reads(monkeypatch, app, signoffs, "compute_rollup")
    responses = at_once(
        *(lambda api=api, n=n: api.post(url, json={"org_unit_id": tree.town_a.id, "note": n}) for api, n in
          zip(apis, ("甲", "乙"), strict=True))
    )  # fmt: skip
    codes = sorted(r.status_code for r in responses)
    current = current_signoffs(app, event)
    assert len(current) == 1, [r.get_json() for r in responses]
    assert codes == [201, 409], [r.get_json() for r in responses]
    winner = next(r for r in responses if r.status_code == 201).get_json()
    loser = next(r for r in responses if r.status_code == 409).get_json()["error"]
    assert loser["code"] == "signoff_conflict"
    assert loser["details"] == {"current_signoff_id": winner["id"], "current_status": "submitted"}
    assert "待上级审核" in loser["message"]
    assert current[0].id == winner["id"]


def test_the_database_refuses_a_second_current_signoff(app, tree, township):
    event, apis = township
    first = apis[0].post(f"/api/v1/events/{event.id}/signoffs", json={"org_unit_id": tree.town_a.id}).get_json()
    with app.app_context():
        stored = db.session.get(SignOff, first["id"])
        copy = {c.key: getattr(stored, c.key) for c in SignOff.__table__.columns if c.key != "id"}
        db.session.add(SignOff(**copy))
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
