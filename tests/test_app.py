"""The app as a whole: the error contract for every status, request ids, health, OpenAPI, migrations."""

import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.extensions import db
from tests.conftest import assert_error


def test_unknown_route_is_404_in_the_contract_shape(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.post("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/api/v1/auth/login")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_wrong_content_type_is_400(client):
    response = client.post("/api/v1/auth/login", data="username=a&password=b")
    error = assert_error(response, 400, "bad_request")
    assert "application/json" in error["message"]


def test_json_that_is_not_an_object_is_400(client):
    assert_error(client.post("/api/v1/auth/login", json=[1, 2]), 400, "bad_request")


def test_validation_error_is_422_with_field_paths(client):
    error = assert_error(client.post("/api/v1/auth/login", json={"username": "x", "extra": 1}), 422, "validation_error")
    assert set(error["details"]["fields"]) == {"password", "extra"}


def test_not_logged_in_is_401(client):
    assert_error(client.get("/api/v1/org-units"), 401, "unauthorized")
    assert_error(client.post("/api/v1/users", json={}), 401, "unauthorized")


def test_too_large_body_is_413(app, client):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_unexpected_exception_is_500_without_trace_and_logged_with_request_id(
    login_as, make_user, tree, monkeypatch, caplog
):
    api = login_as(make_user("admin", tree.county))
    from server.orgunits import service

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "get_unit", boom)
    with caplog.at_level(logging.ERROR):
        response = api.get(f"/api/v1/org-units/{tree.county.id}", headers={"X-Request-ID": "req-boom-12345"})
    error = assert_error(response, 500, "internal_error")
    assert error["request_id"] == "req-boom-12345"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert any("req-boom-12345" in r.getMessage() for r in caplog.records)


def test_every_response_has_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) >= 8
    assert client.get("/healthz", headers={"X-Request-ID": "abc-12345678"}).headers["X-Request-ID"] == "abc-12345678"
    # A hostile id is replaced, not echoed.
    hostile = "<script>alert(1)</script>"
    assert client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"] != hostile


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_down(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", down)
        response = client.get("/healthz")
    assert_error(response, 503, "unavailable")


def test_database_outage_during_a_request_is_503(app, login_as, make_user, tree, monkeypatch):
    api = login_as(make_user("admin", tree.county))
    from sqlalchemy.exc import OperationalError

    from server.orgunits import service

    def down(**kwargs):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(service, "get_unit", down)
    assert_error(api.get(f"/api/v1/org-units/{tree.county.id}"), 503, "unavailable")


def test_openapi_document_lists_the_endpoints_with_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/auth/login" in spec["paths"] and "/org-units/{unit_id}" in spec["paths"]
    login = spec["paths"]["/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/LoginIn")
    assert "UserOut" in spec["components"]["schemas"]
    assert "Error" in spec["components"]["schemas"]


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_production_refuses_the_development_secret_key():
    from server import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production"})


def test_integers_beyond_the_database_columns_are_client_errors(login_as, make_user, tree):
    api = login_as(make_user("admin", tree.county))
    huge = 2**70
    assert_error(api.get(f"/api/v1/org-units/{huge}"), 404, "not_found")
    error = assert_error(api.get(f"/api/v1/org-units?parent_id={huge}"), 422, "validation_error")
    assert error["details"]["fields"] == {"parent_id": ["数值超出范围"]}
    body = {"username": "big", "role": "reporter", "org_unit_id": -huge, "password": "long-enough-1"}
    assert (
        "org_unit_id"
        in assert_error(api.post("/api/v1/users", json=body), 422, "validation_error")["details"]["fields"]
    )
    assert_error(api.get(f"/api/v1/org-units?page={huge}"), 422, "validation_error")


def test_a_value_the_database_refuses_is_422_not_500(login_as, make_user, tree, monkeypatch):
    from server.orgunits import service

    api = login_as(make_user("admin", tree.county))

    def overflow(**kwargs):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(service, "get_unit", overflow)
    assert_error(api.get(f"/api/v1/org-units/{tree.county.id}"), 422, "validation_error")


def test_openapi_numeric_bounds_are_numbers(client):
    """Schema validators (schemathesis, code generators) reject a string where JSON Schema wants a number."""

    def bounds(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("minimum", "maximum"):
                    yield value
                yield from bounds(value)
        elif isinstance(node, list):
            for item in node:
                yield from bounds(item)

    values = list(bounds(client.get("/api/v1/openapi.json").get_json()))
    assert values and all(isinstance(v, int | float) for v in values)
