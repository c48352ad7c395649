"""The published OpenAPI document is valid (issue 19): openapi-spec-validator accepts it, and every ``pattern`` in it
is an ECMA-262 regular expression, as OpenAPI requires (generated clients and validators compile them in
JavaScript's dialect: Python-only syntax such as ``\\A…\\Z`` made the document unusable for them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import regress
from openapi_spec_validator import validate


def patterns(node, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield path, value
            else:
                yield from patterns(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from patterns(value, f"{path}/{index}")


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_validates(document):
    validate(document)  # raises OpenAPIValidationError naming the first problem


def test_every_pattern_is_an_ecma_262_regex(document):
    found = list(patterns(document))
    assert any(path.endswith("/OrgUnitCreate/properties/code") for path, _ in found)
    bad = []
    for path, pattern in found:
        try:
            regress.Regex(pattern, "u")
        except Exception as error:  # regress raises its own error type for a pattern it cannot compile
            bad.append(f"{path}: {pattern!r} ({error})")
    assert not bad, "patterns that are not ECMA-262:\n" + "\n".join(bad)


def test_the_regex_check_sees_python_only_syntax():
    with pytest.raises(Exception):  # noqa: B017 (regress's own error type)
        regress.Regex(r"\A[0-9]+\Z", "u")


@pytest.mark.parametrize("code", ["12\n", "１２", "1a", "٣٣"])
def test_a_unit_code_is_ascii_digits_only_without_a_trailing_newline(login_as, make_user, tree, code):
    admin = login_as(make_user("admin", tree.county))
    body = {"code": code, "name": "新村", "level": "village", "parent_id": tree.town_a.id}
    response = admin.post("/api/v1/org-units", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"]["fields"] == {"code": ["代码只能由数字 0-9 组成"]}
