"""One object of every kind behind the JSON and upload endpoints, and the actor allowed to write to each, so that
hostile bodies reach the parsing and the services instead of stopping at a 404 or a 403."""

from __future__ import annotations

import json
import re
from typing import Any

from server.api import view_meta
from tests.test_authorization_features import World

# The role that may write to each endpoint (its body is parsed only after the role check).
WRITER = {
    "auth.login": None,
    "users.create_user": "admin",
    "users.update_user": "admin",
    "orgunits.create_unit": "admin",
    "orgunits.rename_unit": "admin",
    "damage.create_report": "reporter",
    "evacuation.submit_evacuation": "reporter",
    "hazards.create_hazard": "reporter",
    "photos.upload_hazard_photo": "reporter",
    "photos.upload_damage_report_photo": "reporter",
    "warnings.acknowledge": "reporter",
    "ledgers.create_casualty": "reporter",
    "ledgers.create_damaged_house": "reporter",
    "ledgers.change_casualty": "reporter",
    "ledgers.change_damaged_house": "reporter",
    "localevents.open_local_event": "reporter",
}
DEFAULT_WRITER = "reviewer"  # events, reviews, sign-offs, shelters, hazard transitions, warnings


class HostileWorld:
    def __init__(self, app, world: World):
        self.app, self.world = app, world
        self.args = {
            "event_id": world.event("in"),
            "report_id": world.report("in"),
            "hazard_id": world.hazard("in"),
            "signoff_id": world.signoff("in"),
            "shelter_id": world.shelter("in"),
            "unit_id": world.sides["in"].village.id,
            "warning_id": world.warning("in"),
            "user_id": world.seed("in", "reporter").user["id"],
            "casualty_id": world.ledger_row("in", "casualty"),
            "house_id": world.ledger_row("in", "house"),
        }

    def json_endpoints(self) -> list[tuple[str, str, str]]:
        """(method, url, endpoint) of every rule that takes a JSON body."""
        adapter = self.app.url_map.bind("localhost")
        found = []
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            meta = view_meta(self.app.view_functions[rule.endpoint])
            if meta.get("json") is None:
                continue
            for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
                url = adapter.build(rule.endpoint, {name: self.args[name] for name in rule.arguments}, method=method)
                found.append((method, url, rule.endpoint))
        return found

    def json_templates(self) -> list[tuple[str, str, str]]:
        """(method, OpenAPI path template, endpoint) of every rule that takes a JSON body."""
        found = []
        for rule in self.app.url_map.iter_rules():
            if view_meta(self.app.view_functions[rule.endpoint]).get("json") is None:
                continue
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            found += [(method, template, rule.endpoint) for method in rule.methods - {"GET", "HEAD", "OPTIONS"}]
        return found

    def url_for(self, endpoint: str) -> str:
        rule = next(rule for rule in self.app.url_map.iter_rules() if rule.endpoint == endpoint)
        method = next(iter(rule.methods - {"GET", "HEAD", "OPTIONS"}))
        adapter = self.app.url_map.bind("localhost")
        return adapter.build(endpoint, {name: self.args[name] for name in rule.arguments}, method=method)

    def upload_urls(self) -> list[tuple[str, str]]:
        return [
            (f"/api/v1/hazards/{self.args['hazard_id']}/photos", "photos.upload_hazard_photo"),
            (f"/api/v1/damage-reports/{self.args['report_id']}/photos", "photos.upload_damage_report_photo"),
        ]

    def client_for(self, endpoint: str):
        role = WRITER.get(endpoint, DEFAULT_WRITER)
        return self.app.test_client() if role is None else self.world.actor(role)

    def send_json(self, method: str, url: str, endpoint: str, raw: str | bytes) -> Any:
        """``raw`` as the body, exactly: surrogates stay escaped (``json.dumps`` escapes them)."""
        client = self.client_for(endpoint)
        return getattr(client, method.lower())(url, data=raw, content_type="application/json")


def dumps(value: Any) -> str:
    return json.dumps(value)  # ensure_ascii: a lone surrogate goes out as \udXXX, as a hostile client sends it
