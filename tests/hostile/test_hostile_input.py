"""Hostile input answers 4xx in the contract's shape on every endpoint, logged in or not: never a 500."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import assert_error
from tests.hostile.world import dumps
from tests.photos import images
from tests.test_authorization_features import event_payload

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
SURROGATE_VALUE = '{"name": "\\ud800", "username": "\\udfff", "title": "x\\ud83d", "comment": "\\udc00"}'
SURROGATE_KEY = '{"\\ud800": 1}'


@pytest.mark.parametrize(
    "raw",
    [DEEP, DEEP_OBJECT, SURROGATE_VALUE, SURROGATE_KEY, '["\\ud800"]', "NaN", '{"a": Infinity}', "1" * 5000],
    ids=["deep-array", "deep-object", "surrogate-values", "surrogate-key", "surrogate-in-list", "nan", "inf", "bigint"],
)
def test_hostile_json_is_400_on_every_json_endpoint(hostile, raw):
    failures = []
    for method, url, endpoint in hostile.json_endpoints():
        response = hostile.send_json(method, url, endpoint, raw)
        try:
            assert_error(response, 400, "bad_request")
        except AssertionError as error:
            failures.append(f"{method} {url}: {str(error)[:300]}")
    assert not failures, "\n".join(failures)


def test_lone_surrogates_at_login_are_400(client):
    for body in ('{"username": "\\ud800admin", "password": "x"}', '{"username": "a", "password": "\\udfff"}'):
        assert_error(client.post("/api/v1/auth/login", data=body, content_type="application/json"), 400, "bad_request")


def test_a_json_body_nested_a_little_deeper_than_any_request_needs_is_refused(hostile):
    # a real request nests three levels at most; 64 is the limit
    method, url, endpoint = next(e for e in hostile.json_endpoints() if e[2] == "events.create_event")
    assert hostile.send_json(method, url, endpoint, dumps({"name": [[[[1]]]]})).status_code == 422
    assert_error(hostile.send_json(method, url, endpoint, "[" * 65 + "]" * 65), 400, "bad_request")


def test_non_ascii_csrf_token_is_403(hostile):
    api = hostile.world.actor("reviewer")
    for token in ("令牌", "caf\xe9", "\x80\xff"):
        response = api.client.post("/api/v1/events", json={}, headers={"X-CSRF-Token": token})
        assert_error(response, 403, "csrf_failed")


def multipart(parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A raw multipart body from (Content-Disposition header value, content) pairs."""
    boundary = "----hostileBoundary7d2a"
    body = b""
    for disposition, content in parts:
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "parts",
    [
        [("form-data", images.jpeg())],
        [('form-data; filename="a.jpg"', images.jpeg())],
        [('form-data; name="file"; filename="a.jpg"', images.jpeg()), ("form-data", b"x")],
        [('form-data; name="file"; filename="a.jpg"', images.jpeg()), ('form-data; filename="b.jpg"', b"x")],
        [('form-data; name=""; filename="a.jpg"', images.jpeg())],
        [
            ('form-data; name="file"; filename="a.jpg"', images.jpeg()),
            ('form-data; name="x"', b"1"),
            ("form-data", b"2"),
        ],
        [('form-data; name="y"; filename="b.jpg"', b"1"), ('form-data; filename="c.jpg"', b"2")],
    ],
    ids=[
        "field-without-name",
        "file-without-name",
        "extra-field-without-name",
        "extra-file-without-name",
        "empty-name",
        "named-and-nameless-fields",
        "named-and-nameless-files",
    ],
)
def test_multipart_parts_without_a_name_are_422(hostile, parts):
    for url, endpoint in hostile.upload_urls():
        body, content_type = multipart(parts)
        response = hostile.client_for(endpoint).post(url, data=io.BytesIO(body), content_type=content_type)
        assert_error(response, 422, "validation_error")
        assert response.get_data(as_text=True).count('"null"') == 0


def chunked(body: bytes) -> dict:
    """A body sent with Transfer-Encoding: chunked, as a WSGI server hands it over: no Content-Length."""
    return {"input_stream": io.BytesIO(body), "environ_overrides": {"wsgi.input_terminated": True}}


def test_an_oversized_json_body_is_413_chunked_or_not(hostile, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_JSON_KB", 4)
    method, url, endpoint = next(e for e in hostile.json_endpoints() if e[2] == "events.create_event")
    api = hostile.client_for(endpoint)
    big = dumps({"name": "洪" * 3000}).encode()
    assert_error(api.post(url, data=big, content_type="application/json"), 413, "payload_too_large")
    assert_error(api.post(url, content_type="application/json", **chunked(big)), 413, "payload_too_large")
    # at login too, where the throttle reads the body first
    anonymous = hostile.app.test_client()
    login = dumps({"username": "x" * 5000, "password": "p"}).encode()
    assert_error(
        anonymous.post("/api/v1/auth/login", content_type="application/json", **chunked(login)),
        413,
        "payload_too_large",
    )
    # a small chunked body is read whole
    town = hostile.world.sides["in"].town.id
    small = dumps(event_payload(town)).encode()
    assert api.post(url, content_type="application/json", **chunked(small)).status_code == 201


@pytest.mark.parametrize("number", [2**31, 2**31 + 5, 10**12, 10**30])
def test_a_path_id_beyond_32_bits_is_404_on_every_method(app, hostile, number):
    api = hostile.world.actor("admin")
    failures = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        url = re.sub(r"<int:\w+>", str(number), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = getattr(api, method.lower())(url, json={})
            if response.status_code != 404:
                failures.append(f"{method} {url}: {response.status_code}")
            response.close()
    assert not failures, "\n".join(failures)


def test_a_lone_surrogate_sent_as_raw_bytes_is_400(client):
    """json.loads decodes a body's bytes with "surrogatepass": UTF-8-style surrogate bytes are caught too."""
    for body in (b'{"username": "\xed\xa0\x80", "password": "x"}', b'{"username": "a", "password": "\xed\xbf\xbf"}'):
        assert_error(client.post("/api/v1/auth/login", data=body, content_type="application/json"), 400, "bad_request")


def test_nesting_past_the_limit_but_within_pythons_recursion_is_400(client):
    """65 to ~900 levels parse without a RecursionError: the depth walk refuses them."""
    for depth in (65, 300):
        body = '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'
        assert_error(client.post("/api/v1/auth/login", data=body, content_type="application/json"), 400, "bad_request")
    body = '{"username": ' + "[" * 60 + "]" * 60 + ', "password": "x"}'
    assert client.post("/api/v1/auth/login", data=body, content_type="application/json").status_code == 422
