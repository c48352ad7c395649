"""The published OpenAPI document against what the API really sends.

Every response of every test is checked against the document as it is received (tests/openapi_responses.py, hooked
into the session's app in tests/conftest.py). This module adds the completeness check, run last: every documented
operation got at least one checked success response during the run, so no route's schema goes unchecked, and the
document itself is valid OpenAPI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_spec_validator import validate

from server.api import view_meta
from tests.openapi_responses import API_PREFIX, NOT_DOCUMENTED

TESTS = Path(__file__).resolve().parent


def test_the_document_is_valid_openapi(client):
    validate(client.get("/api/v1/openapi.json").get_json())


def test_every_api_rule_is_documented(app):
    ledger = app.extensions["response_ledger"]
    documented = ledger.operations()
    missing = []
    for rule in app.url_map.iter_rules():
        path = rule.rule.removeprefix(API_PREFIX)
        if not rule.rule.startswith(API_PREFIX + "/") or path in NOT_DOCUMENTED:
            continue
        template = path.replace("<int:", "<").replace("<", "{").replace(">", "}")
        missing += [(m, template) for m in rule.methods - {"HEAD", "OPTIONS"} if (m, template) not in documented]
    assert not missing


def test_the_api_reference_runs_under_the_csp_from_packaged_files(client, app):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "http" not in html  # no inline script, nothing from another origin
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        assert f"docs/{name}" in html
        with client.get(f"/api/v1/docs/{name}") as response:
            assert response.status_code == 200 and len(response.get_data()) > 100, name
    with client.get("/api/v1/docs/init.js") as script:
        assert "openapi.json" in script.get_data(as_text=True)
    assert client.get("/api/v1/docs/index.html").status_code == 404  # only the files the page uses
    assert view_meta(app.view_functions["api_reference"]).get("public")


@pytest.mark.openapi_completeness
def test_every_documented_operation_got_a_checked_success_response(app, request):
    """Run last (tests/conftest.py orders it): the whole suite's responses are in the ledger by then."""
    collected = {Path(item.path) for item in request.session.items}
    on_disk = set(TESTS.rglob("test_*.py"))
    if collected != on_disk:
        pytest.skip("a focused run: the completeness check needs the whole suite's responses")
    ledger = app.extensions["response_ledger"]
    unchecked = sorted(ledger.operations() - ledger.checked_successes)
    assert not unchecked, f"operations without a checked success response in the suite: {unchecked}"
