"""Every response the test suite receives from an /api/v1 route, checked against the published OpenAPI document.

``ResponseLedger.record`` runs after every request of the session's app (tests/conftest.py): it finds the operation
of the request's rule and method, the documented response for the status (else ``default``), and checks the content
type and, for JSON, the body against the response schema, read strictly: every documented property is required
(unless marked ``x-optional``) and no undocumented one is allowed, so a hot path that builds its JSON by hand
(roll-up, deadlines, dashboard) cannot drift from the schema it advertises. Mismatches fail the test that received
the response; the operations that got a checked success answer are counted for the completeness test
(tests/test_openapi_responses.py).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from openapi_schema_validator import OAS30Validator

API_PREFIX = "/api/v1"
NOT_DOCUMENTED = {"/openapi.json", "/docs", "/docs/<path:filename>"}  # the document and the reference page


class ResponseLedger:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.failures: list[str] = []
        self.checked_successes: set[tuple[str, str]] = set()
        self._document: dict | None = None
        self._validators: dict[int, OAS30Validator] = {}

    @property
    def document(self) -> dict:
        if self._document is None:
            self._document = self.app.extensions["flask-smorest"]["apis"][""]["ext_obj"].document()
        return self._document

    def operations(self) -> set[tuple[str, str]]:
        """(METHOD, path template) of every documented operation."""
        return {
            (method.upper(), path)
            for path, item in self.document["paths"].items()
            for method in item
            if method != "parameters"
        }

    def record(self, response):
        rule = request.url_rule
        if rule is None or not rule.rule.startswith(API_PREFIX + "/") or request.method in ("HEAD", "OPTIONS"):
            return response
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX))
        if rule.rule.removeprefix(API_PREFIX) in NOT_DOCUMENTED:
            return response
        try:
            self._check(request.method, path, response)
        except AssertionError as error:
            self.failures.append(f"{request.method} {path} → {response.status_code}: {error}")
        return response

    def take_failures(self) -> list[str]:
        failures, self.failures = self.failures, []
        return failures

    def _check(self, method: str, path: str, response) -> None:
        operation = self.document["paths"].get(path, {}).get(method.lower())
        assert operation is not None, "not in the OpenAPI document"
        responses = operation["responses"]
        documented = responses.get(str(response.status_code))
        if documented is None and response.status_code in (204, 304):
            return  # no body: an empty answer or a conditional GET's 304
        if documented is None:
            assert response.status_code >= 400, f"success status {response.status_code} not documented"
            documented = responses["default"]
        documented = self._resolve(documented)
        content = documented.get("content")
        if response.status_code == 204:
            assert content is None and not response.get_data(), "204 with a body"
            self.checked_successes.add((method, path))
            return
        assert content, "documented without content"
        assert response.mimetype in content, f"content type {response.mimetype} not in {sorted(content)}"
        if response.mimetype == "application/json":
            body = response.get_json()
            errors = sorted(
                self._validator(content["application/json"]["schema"]).iter_errors(body), key=lambda e: e.path
            )
            assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}"[:300] for e in errors[:5])
        if response.status_code < 300:
            self.checked_successes.add((method, path))

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            _, section, kind, name = node["$ref"].split("/")
            node = self.document[section][kind][name]
        return node

    def _validator(self, schema: dict) -> OAS30Validator:
        key = id(schema)
        if key not in self._validators:
            self._validators[key] = OAS30Validator(self._strict(schema, depth=0))
        return self._validators[key]

    def _strict(self, node: Any, depth: int) -> Any:
        """The schema with every $ref inlined, every documented property required, and no other allowed."""
        assert depth < 40, "schema nests too deeply (a recursive $ref?)"
        node = self._resolve(node)
        if isinstance(node, list):
            return [self._strict(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        strict = {key: self._strict(value, depth + 1) for key, value in node.items() if key != "properties"}
        if "properties" in node:
            strict["properties"] = {name: self._strict(value, depth + 1) for name, value in node["properties"].items()}
            # A property documented as x-optional (an indicator only some disaster types hold) may be absent.
            strict["required"] = sorted(
                name for name, value in node["properties"].items() if not self._resolve(value).get("x-optional")
            )
            strict.setdefault("additionalProperties", False)
        return strict
