"""The API blueprint owns each request's transaction (server/api.py ``in_transaction``, issue 21): what a view wrote
is committed when it answers below 400, and rolled back when it raises (whatever handler answers) or answers an
error itself; a streamed body is read after the commit."""

from __future__ import annotations

import pytest
from flask import Response, stream_with_context
from sqlalchemy import func, select

from server.api import Blueprint
from server.errors import Conflict
from server.extensions import db
from server.orgunits.models import OrgUnit


def _write(code: str) -> None:
    db.session.add(OrgUnit(code=code, name=f"村{code}", level="county", parent_id=None, path=f"/{code}/"))
    db.session.flush()


@pytest.fixture
def tx_client(make_app):
    bp = Blueprint("tx_probe", __name__)

    @bp.post("/ok")
    @bp.public
    def ok():
        _write("360001")
        return {"written": True}, 201

    @bp.post("/raises")
    @bp.public
    def raises():
        _write("360002")
        raise Conflict("冲突")

    @bp.post("/error-tuple")
    @bp.public
    def error_tuple():
        _write("360003")
        return {"error": "no"}, 409

    @bp.post("/crashes")
    @bp.public
    def crashes():
        _write("360004")
        raise RuntimeError("boom")

    @bp.get("/stream")
    @bp.public
    def stream():
        _write("360005")

        def body():
            count = db.session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.code == "360005"))
            yield f"rows={count}".encode()

        return Response(stream_with_context(body()), mimetype="text/plain")

    app = make_app()
    app.register_blueprint(bp, url_prefix="/tx-probe")
    return app, app.test_client()


def _stored(app, code: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.code == code)) == 1


def test_a_success_is_committed(tx_client):
    app, client = tx_client
    response = client.post("/tx-probe/ok")
    assert response.status_code == 201 and response.get_json() == {"written": True}
    assert _stored(app, "360001")


def test_an_error_answered_by_a_handler_is_rolled_back(tx_client):
    app, client = tx_client
    response = client.post("/tx-probe/raises")
    assert response.status_code == 409 and response.get_json()["error"]["message"] == "冲突"
    assert not _stored(app, "360002")


def test_an_error_status_returned_without_an_exception_is_rolled_back(tx_client):
    app, client = tx_client
    response = client.post("/tx-probe/error-tuple")
    assert response.status_code == 409 and response.get_json() == {"error": "no"}
    assert not _stored(app, "360003")


def test_an_unexpected_error_is_rolled_back(tx_client):
    app, client = tx_client
    response = client.post("/tx-probe/crashes")
    assert response.status_code == 500 and response.get_json()["error"]["code"] == "internal_error"
    assert not _stored(app, "360004")


def test_a_streamed_body_reads_after_the_commit(tx_client):
    app, client = tx_client
    response = client.get("/tx-probe/stream")
    assert response.status_code == 200 and response.get_data(as_text=True) == "rows=1"
    assert _stored(app, "360005")
