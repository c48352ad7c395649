"""Property tests: arbitrary JSON at every JSON endpoint and arbitrary bytes behind image headers at the uploads,
as the writer each endpoint allows (logged in, with CSRF), answer no 500 and always the contract's error shape.

Bounded (``max_examples``) so that ``make test`` stays quick; hypothesis keeps the failing examples it finds."""

from __future__ import annotations

import io
import json
import os
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.api import view_meta
from tests.photos import images

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),  # FUZZ_EXAMPLES=5000 for a long run by hand
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text as a hostile client can send it: any code point, lone surrogates included (JSON escapes them as \udXXX).
CATEGORIES = ["Cs", "Lu", "Ll", "Lo", "Nd", "Nl", "No", "Zs", "Zl", "Cc", "Cf", "Mn", "Pd", "Po", "Sm", "So"]
URL_CATEGORIES = [c for c in CATEGORIES if c != "Cs"]  # a URL is bytes: no lone surrogates to send
any_text = st.text(st.characters(categories=CATEGORIES), max_size=12)
plausible_text = st.sampled_from(
    [
        "",
        " ",
        "2026-07-01",
        "2026-07-01T08:30:00+08:00",
        "1900-01-01",
        "1_000",
        "１２",
        "12",
        "1.5",
        "-1",
        "1e400",
        "initial",
        "approve",
        "accept",
        "return",
        "verify",
        "close",
        "stable",
        "village",
        "major",
        "reporter",
        "\n1\n",
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
    | plausible_text
)


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


def schema_keys(app, endpoint: str) -> list[str]:
    schema = view_meta(app.view_functions[endpoint])["json"]
    schema = schema() if isinstance(schema, type) else schema
    names = []
    for name, field in schema.fields.items():
        names.append(field.data_key or name)
        inner = getattr(field, "schema", None) or getattr(getattr(field, "inner", None), "schema", None)
        if inner is not None:
            names.extend(f.data_key or n for n, f in inner.fields.items())
    return names


def assert_no_500_and_the_error_shape(response, what: str) -> None:
    status = response.status_code
    if status < 400:
        return  # a success may be binary (exports, images)
    body = response.get_data(as_text=True)
    assert status < 500, f"{what}: {status} {body[:500]}"
    if status >= 400:
        error = json.loads(body)["error"]
        assert set(error) == {"code", "message", "details", "request_id"}, (what, error)
        assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str), (what, error)
        assert isinstance(error["details"], dict), (what, error)


def test_arbitrary_json_at_every_json_endpoint(app, hostile):
    endpoints = hostile.json_endpoints()
    assert len(endpoints) >= 12

    @FUZZ
    @given(data=st.data())
    def run(data):
        method, url, endpoint = data.draw(st.sampled_from(endpoints), label="endpoint")
        keys = st.sampled_from(schema_keys(app, endpoint)) | any_text
        body = data.draw(st.dictionaries(keys, json_values(keys), max_size=8) | json_values(keys), label="body")
        response = hostile.send_json(method, url, endpoint, json.dumps(body))
        assert_no_500_and_the_error_shape(response, f"{method} {url} {json.dumps(body)[:300]}")

    run()


IMAGE_HEADERS = [
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"\xff\xd8\xff\xe1\x00\x40Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08",
    b"\xff\xd8\xff\xe1\xff\xffExif\x00\x00II\x2a\x00\x08\x00\x00\x00",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"RIFF\x00\x01\x00\x00WEBPVP8 ",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
]
REAL_IMAGES = [images.sideways_phone_jpeg(), images.png(alpha=True), images.jpeg(), images.webp()]


@st.composite
def hostile_images(draw) -> bytes:
    if draw(st.booleans()):
        return draw(st.sampled_from(IMAGE_HEADERS)) + draw(st.binary(max_size=600))
    data = bytearray(draw(st.sampled_from(REAL_IMAGES)))
    for _ in range(draw(st.integers(1, 8))):  # a few bytes changed anywhere: header, EXIF, pixels
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    return bytes(data)


def test_arbitrary_bytes_with_image_headers_at_the_uploads(hostile, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_RATE_LIMIT", "100000 per minute")  # many uploads, one user
    targets = hostile.upload_urls()

    @FUZZ
    @given(target=st.sampled_from(targets), data=hostile_images())
    def run(target, data):
        url, endpoint = target
        form = {"file": (io.BytesIO(data), "photo.jpg")}
        response = hostile.client_for(endpoint).post(url, data=form, content_type="multipart/form-data")
        assert response.status_code in (200, 201, 413, 415, 422), (response.status_code, response.get_json())
        assert_no_500_and_the_error_shape(response, f"upload {data[:40]!r}")

    run()


def test_arbitrary_query_strings_at_every_list_and_export(app, hostile):
    adapter = app.url_map.bind("localhost")
    targets = []
    for rule in app.url_map.iter_rules():
        meta = view_meta(app.view_functions[rule.endpoint])
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods and meta.get("query") is not None:
            schema = meta["query"]() if isinstance(meta["query"], type) else meta["query"]
            url = adapter.build(rule.endpoint, {name: hostile.args[name] for name in rule.arguments})
            targets.append((url, [field.data_key or name for name, field in schema.fields.items()]))
    assert len(targets) >= 10

    @FUZZ
    @given(data=st.data())
    def run(data):
        url, names = data.draw(st.sampled_from(targets), label="url")
        # a URL carries bytes: any bytes, percent-encoded (invalid UTF-8 included), and text of any script
        values = (
            st.binary(max_size=12) | st.text(st.characters(categories=URL_CATEGORIES), max_size=12) | plausible_text
        )
        query = data.draw(st.dictionaries(st.sampled_from(names) | plausible_text, values, max_size=5), label="query")
        response = hostile.world.actor("admin").get(url, query_string=urlencode(query))
        try:
            assert_no_500_and_the_error_shape(response, f"GET {url} {query!r}")
        finally:
            response.close()

    run()
