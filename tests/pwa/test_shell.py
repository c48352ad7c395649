"""The PWA as the server delivers it: the shell from PWA_DIST, its history fallback, caching and headers.

(Every kind of response carrying the security headers is tests/test_security_headers.py.)"""

from __future__ import annotations

import os

import pytest

from server import SECURITY_HEADERS, create_app
from server.extensions import db
from tests.conftest import assert_error


def _get(client, path: str):
    """GET, read and close (a file response left open is a ResourceWarning, an error here)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def _assert_secure(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


@pytest.fixture
def shell_client(app, tmp_path):
    """An app serving a small built PWA from its own directory (PWA_DIST)."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>网格灾情报送</title>", encoding="utf-8")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path / "sw.js").write_text("// sw", encoding="utf-8")
    shell_app = create_app({**app.config, "PWA_DIST": str(tmp_path)})
    yield shell_app.test_client()
    with shell_app.app_context():
        db.engine.dispose()  # its own engine: a pooled connection left to the GC is a ResourceWarning


def test_the_shell_and_its_history_fallback(shell_client):
    for path in ("/", "/outbox", "/events/3/damage/new", "/hazards/new?fix=abc"):
        response = _get(shell_client, path)
        assert response.status_code == 200, path
        assert "网格灾情报送" in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-cache"
        _assert_secure(response)


def test_hashed_assets_are_immutable_and_the_worker_is_revalidated(shell_client):
    asset = _get(shell_client, "/assets/index-abc.js")
    assert asset.status_code == 200
    # Cached for a year and never revalidated: no ``no-cache`` beside ``immutable`` (it wins in browsers without a
    # service worker, such as WeChat's, which then rechecked every file on every start).
    assert set(asset.headers["Cache-Control"].split(", ")) == {"public", "max-age=31536000", "immutable"}
    worker = _get(shell_client, "/sw.js")
    assert worker.status_code == 200 and worker.headers["Cache-Control"] == "no-cache"


def test_api_and_health_never_fall_back_to_the_shell(shell_client):
    assert_error(shell_client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(shell_client.post("/api/v1/no-such-thing"), 404, "not_found")
    assert shell_client.get("/healthz").get_json()["status"] == "ok"


def test_a_precompressed_body_is_sent_to_a_browser_that_accepts_it(app, tmp_path):
    import gzip

    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>网格灾情报送</title>", encoding="utf-8")
    source = "console.log('网格灾情报送');" * 50
    (tmp_path / "assets" / "index-abc.js").write_text(source, encoding="utf-8")
    (tmp_path / "assets" / "index-abc.js.gz").write_bytes(gzip.compress(source.encode()))
    shell_app = create_app({**app.config, "PWA_DIST": str(tmp_path)})
    client = shell_app.test_client()
    try:
        zipped = client.get("/assets/index-abc.js", headers={"Accept-Encoding": "gzip, deflate, br"})
        body = zipped.get_data()
        zipped.close()
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert zipped.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert "Accept-Encoding" in zipped.headers["Vary"]
        assert gzip.decompress(body).decode() == source
        # Changed after the build (a hot fix): the stale compressed copy is not sent.
        newer = (tmp_path / "assets" / "index-abc.js.gz").stat().st_mtime + 10
        os.utime(tmp_path / "assets" / "index-abc.js", (newer, newer))
        stale = client.get("/assets/index-abc.js", headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in stale.headers and stale.get_data(as_text=True) == source
        stale.close()
        plain = client.get("/assets/index-abc.js", headers={"Accept-Encoding": "identity"})
        text = plain.get_data(as_text=True)
        plain.close()
        assert "Content-Encoding" not in plain.headers and text == source
    finally:
        with shell_app.app_context():
            db.engine.dispose()


def test_a_missing_file_is_a_404_not_the_shell_under_its_name(shell_client):
    for path in ("/assets/index-old.js", "/favicon.ico", "/robots.txt"):
        response = _get(shell_client, path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
