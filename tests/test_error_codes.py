"""One stable error code per cause: every code the app can answer is documented in OpenAPI and in the README."""

from __future__ import annotations

from pathlib import Path

from server.errors import Conflict, error_codes

README = Path(__file__).resolve().parent.parent / "README.md"


def conflict_codes() -> set[str]:
    found, pending = set(), [Conflict]
    while pending:
        cls = pending.pop()
        found.add(cls.code)
        pending.extend(cls.__subclasses__())
    return found


def test_each_409_cause_has_its_own_code():
    required = {
        "client_id_reused",
        "stage_order",
        "superseded",
        "already_reviewed",
        "invalid_transition",
        "event_closed",
        "conflict",
    }
    assert required <= conflict_codes()


def test_every_code_is_in_the_openapi_description_and_the_readme(client):
    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    readme = README.read_text(encoding="utf-8")
    codes = {code for _, code, _ in error_codes()}
    assert conflict_codes() <= codes
    for code in codes:
        assert f"`{code}`" in description, code
        assert f"`{code}`" in readme, code
