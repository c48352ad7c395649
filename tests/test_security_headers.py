"""Security headers on every response: API, errors, the PWA shell and its static files, /healthz (issue 7)."""

import pytest

import server.shell
from tests.conftest import PASSWORD

CSP = (
    "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def assert_secured(response, production=False):
    assert response.headers["Content-Security-Policy"] == CSP, response.request.path
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in response.headers) is production


@pytest.fixture
def pwa_dist(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>网格灾情报送</title>", encoding="utf-8")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log(1)", encoding="utf-8")
    monkeypatch.setattr(server.shell, "PWA_DIST", tmp_path)
    return tmp_path


def test_every_kind_of_response_carries_the_security_headers(client, login_as, make_user, tree, pwa_dist):
    api = login_as(make_user("admin", tree.county))
    responses = [
        client.get("/healthz"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/auth/me"),  # 401
        client.post("/api/v1/auth/login", json={"username": "x"}),  # 422
        client.get("/api/v1/no-such-thing"),  # 404
        client.delete("/api/v1/auth/me"),  # 405
        api.get(f"/api/v1/org-units/{tree.county.id}"),
        api.get("/api/v1/users/999999"),  # 404 in the error shape
        client.get("/"),  # the PWA shell
        client.get("/reports/new"),  # a client-side route falls back to the shell
        client.get("/assets/app-1234.js"),  # a static file
    ]
    statuses = [r.status_code for r in responses]
    assert statuses == [200, 200, 401, 422, 404, 405, 200, 404, 200, 200, 200]
    for response in responses:
        assert_secured(response)
        response.close()  # the static files are streamed from open files


def test_unexpected_errors_carry_them_too(make_app):
    app = make_app()

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/_test/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_hsts_only_in_production(make_app, make_user, tree):
    production = make_app(ENV_NAME="production", SECRET_KEY="a-real-production-secret", SINGLE_PROCESS=True)
    client = production.test_client()
    user = make_user("viewer", tree.county)
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert login.status_code == 200
    for response in (login, client.get("/healthz"), client.get("/api/v1/auth/me"), client.get("/nope")):
        assert_secured(response, production=True)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        response.close()  # /nope is the PWA shell, streamed from an open file once pwa/dist is built
