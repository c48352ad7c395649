"""OpenAPI 3 generated from the marshmallow schemas attached to each view with ``server.api.doc``."""

from __future__ import annotations

import re
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from server.errors import error_codes

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
                "request_id": {"type": "string"},
            },
            "required": ["code", "message", "details", "request_id"],
        }
    },
}


def _schema_ref(spec: APISpec, schema) -> dict | str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=cls)
    return {"$ref": f"#/components/schemas/{name}"}


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="GridReport 网格灾情报送 API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": _description()},
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX) or rule.endpoint == "openapi":
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "__apidoc__", {})
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule[len(API_PREFIX) :])
        params = [
            {"name": m.group(2), "in": "path", "required": True, "schema": {"type": _path_type(m.group(1))}}
            for m in _CONVERTER.finditer(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict = {
                "summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "tags": [rule.endpoint.split(".")[0]],
                "parameters": list(params),
                "responses": _responses(spec, meta),
            }
            if meta.get("public"):
                operation["security"] = []
            if meta.get("roles"):
                operation["x-roles"] = list(meta["roles"])  # checked before the body: other roles get 403
            if meta.get("query") is not None:
                operation["parameters"].append({"in": "query", "schema": _as_cls(meta["query"])})
            if meta.get("body") is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _schema_ref(spec, meta["body"])}},
                }
            elif meta.get("content_type") == "multipart/form-data":
                operation["requestBody"] = {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": _form_schema(spec, meta.get("form"))}},
                }
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = _numeric_bounds(spec.to_dict())
    document["servers"] = [{"url": API_PREFIX}]
    document["security"] = [{"session": []}]
    return document


def _description() -> str:
    rows = "\n".join(f"| {status} | `{code}` | {meaning} |" for status, code, meaning in error_codes())
    return (
        "Grassroots disaster reporting: hazards, damage statistics, roll-ups, warnings.\n\n"
        'Every error answers `{"error": {code, message, details, request_id}}`. The `code` is stable and says the '
        "cause (one code per cause; the `message` is Chinese text for people and may change):\n\n"
        "| status | code | meaning |\n| --- | --- | --- |\n" + rows
    )


def _form_schema(spec: APISpec, form: type[Schema] | Schema | None) -> dict:
    """A multipart upload: the binary ``file`` plus the form's other fields (all optional strings on the wire)."""
    schema: dict = {"type": "object", "properties": {}, "required": ["file"]}
    if form is not None:
        converter = spec.plugins[0].converter
        schema = dict(converter.schema2jsonschema(_as_cls(form)), required=["file"])
    schema["properties"] = {"file": {"type": "string", "format": "binary"}, **schema.get("properties", {})}
    return schema


def _numeric_bounds(node):
    """apispec keeps a Decimal field's Range bound as a Decimal (JSON "0.00"); JSON Schema wants a number."""
    if isinstance(node, dict):
        return {
            key: float(value)
            if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
            and isinstance(value, str | Decimal)
            else _numeric_bounds(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_numeric_bounds(item) for item in node]
    return node


def _as_cls(schema) -> type[Schema]:
    return schema if isinstance(schema, type) else type(schema)


def _path_type(converter: str | None) -> str:
    return "integer" if converter == "int" else "string"


def _responses(spec: APISpec, meta: dict) -> dict:
    status = str(meta.get("status", 200))
    ok: dict = {"description": "OK"}
    if meta.get("response") is not None:
        ok["content"] = {"application/json": {"schema": _schema_ref(spec, meta["response"])}}
    elif meta.get("content_type") and meta.get("content_type") != "multipart/form-data":
        ok["content"] = {meta["content_type"]: {"schema": {"type": "string", "format": "binary"}}}
    error = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {status: ok, "default": error}
