"""No English sentence reaches a person: every validation message marshmallow can produce, and every HTTP error,
is Chinese. The OpenAPI request schemas are walked with bad values (wrong type, missing, too long, out of range,
unknown field, bad choice) through the API, and every message that comes back must hold a Chinese character."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

import server  # noqa: F401  (installs the messages)
from tests.hostile.world import dumps

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def subclasses(cls: type) -> list[type]:
    found, pending = [], [cls]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.__subclasses__())
    return found


def merged_messages(cls: type) -> dict[str, str]:
    messages: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        messages.update(getattr(klass, "default_error_messages", {}))
    return messages


def test_every_field_class_has_chinese_default_messages():
    english = [
        f"{cls.__module__}.{cls.__qualname__}[{key}]: {text}"
        for cls in subclasses(fields.Field)
        for key, text in merged_messages(cls).items()
        if not CHINESE.search(text)
    ]
    assert not english, "\n".join(english)


def test_every_validator_and_the_schema_speak_chinese():
    english = [
        f"{cls.__qualname__}.{name}: {value}"
        for cls in subclasses(validate.Validator)
        for name in dir(cls)
        if (name.startswith("message") or name == "default_message")
        and isinstance(value := getattr(cls, name), str)
        and not CHINESE.search(value)
    ]
    english += [
        f"Schema[{key}]: {text}" for key, text in Schema._default_error_messages.items() if not CHINESE.search(text)
    ]
    assert not english, "\n".join(english)


# --- through the API, from the OpenAPI document


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:
        return resolve(document, node["allOf"][0])
    return node


def bad_values(document: dict, prop: dict) -> list[Any]:
    """Values that break ``prop``: the wrong type always, and whatever its bounds and choices allow."""
    prop = resolve(document, prop)
    kind = prop.get("type")
    values: list[Any] = []
    values.append({"嵌套": 1} if kind in ("string", "number", "integer", "boolean") else "不是这个类型")
    if kind in ("number", "integer"):
        values += ["12", 1.5, 10**12, -(10**12)]
    if kind == "integer":
        values.append(True)
    if kind == "string":
        values += [12, "x" * 5000]
        if "enum" in prop:
            values.append("不存在的选项")
        if prop.get("format") in ("date", "date-time"):
            values += ["2026-13-45", "1900-01-01T00:00:00+08:00"]
    if kind == "array":
        values += [[{"嵌套": 1}], ["x"] * 2]
    if kind == "boolean":
        values.append("yes")
    if kind == "object" or "properties" in prop:
        values += [{"unknown_field": 1}, []]
    values.append(None)
    return values


def messages_of(error: dict) -> list[str]:
    found = [error["message"]]
    for value in error["details"].get("fields", {}).values():
        found.extend(value if isinstance(value, list) else [str(value)])
    return found


def json_operations(document: dict) -> list[tuple[str, str, dict]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own parameters, not an operation
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append(
                    (method.upper(), "/api/v1" + path, resolve(document, content["application/json"]["schema"]))
                )
    return found


def test_bad_values_for_every_request_schema_answer_in_chinese(client, hostile):
    document = client.get("/api/v1/openapi.json").get_json()
    endpoints = {(method, rule): endpoint for method, rule, endpoint in hostile.json_templates()}
    english, tried = [], 0
    for method, template, schema in json_operations(document):
        endpoint = endpoints[(method, template)]
        url = hostile.url_for(endpoint)
        bodies: list[Any] = [{}, {"unknown_field": 1}, [], "text"]
        for name, prop in schema.get("properties", {}).items():
            bodies += [{name: value} for value in bad_values(document, prop)]
            nested = resolve(document, prop.get("items", prop))
            for inner, inner_prop in nested.get("properties", {}).items():
                bodies += [
                    {name: [{inner: v}] if "items" in prop else {inner: v}} for v in bad_values(document, inner_prop)
                ]
        for body in bodies:
            response = hostile.send_json(method, url, endpoint, dumps(body))
            tried += 1
            if response.status_code < 400:
                continue
            error = response.get_json()["error"]
            english += [
                f"{method} {template} {dumps(body)[:80]}: {m}" for m in messages_of(error) if not CHINESE.search(m)
            ]
    assert tried > 300
    assert not english, "\n".join(sorted(set(english)))


def test_bad_query_values_answer_in_chinese(hostile):
    api = hostile.world.actor("admin")
    english = []
    for url in (
        "/api/v1/users?page=x&per_page=100000&role=nobody&bogus=1",
        "/api/v1/org-units?level=galaxy&page=0",
        "/api/v1/hazards?status=nope&per_page=0",
        "/api/v1/events?page=-1",
        "/api/v1/audit?entity_id=abc",
        "/api/v1/damage-reports?event_id=1.5&org_unit_id=%EF%BC%91",
    ):
        error = api.get(url).get_json()["error"]
        english += [f"{url}: {m}" for m in messages_of(error) if not CHINESE.search(m)]
    assert not english, "\n".join(english)


def test_http_errors_answer_in_chinese(client, hostile):
    api = hostile.world.actor("admin")
    responses = [
        client.get("/api/v1/no-such-thing"),
        client.delete("/api/v1/auth/login"),
        api.client.put("/api/v1/users/1", json={}, headers={"X-CSRF-Token": api.csrf_token}),
        client.get("/api/v1/openapi.json", headers={"Range": "bytes=999999-"}),
        client.post("/api/v1/auth/login", data="{", content_type="application/json"),
    ]
    for response in responses:
        if response.status_code >= 400:
            error = response.get_json()["error"]
            assert CHINESE.search(error["message"]), (response.status_code, error)


def test_http_errors_without_a_domain_error_answer_in_chinese(tmp_path):
    from werkzeug import exceptions

    from server import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "t"})

    def raising(exception):
        def view():
            raise exception()

        return view

    raised = [exceptions.RequestedRangeNotSatisfiable, exceptions.RequestHeaderFieldsTooLarge, exceptions.Gone]
    for number, exception in enumerate(raised):
        app.add_url_rule(f"/raise/{number}", f"raise_{number}", raising(exception))
    client = app.test_client()
    for number in range(len(raised)):
        error = client.get(f"/raise/{number}").get_json()["error"]
        assert CHINESE.search(error["message"]) and error["code"], error
