"""Every role, in scope and out of scope, against every feature endpoint: status and error code.

The foundation's matrix (tests/test_authorization_matrix.py) covers auth, users, org units and audit; this one covers
the features: events, damage reports and their review, roll-up, deadlines, sign-offs, evacuations, shelters, exports,
hazards and their lifecycle, photos, warnings and 叫应, dashboard.

Actors: the reporter sits at village A1; the reviewer, viewer and admin sit at township A, or at the county for the
cases only a county may act on (a case's ``level``). Targets: "in" is township A's side (village A1), "out" is the
side next to it (township B / village B1; another county for county-level cases). A wrong role is 403 forbidden,
an object outside the scope is 404 not_found, anything else is the endpoint's success status.

Each case is one test: the objects it needs are built once, through the API as the seed users of each side would,
and every role × side is tried against them; a case lists all the mismatches it found, not only the first.

Lists and the report export without a unit filter must hold what is in scope and nothing beside it. Two more tests
keep the matrix honest: every /api/v1 rule must have a case here or in the foundation's matrix, and every non-public
/api/v1 rule answers an anonymous client 401.
"""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from server.api import view_meta
from tests.conftest import assert_error
from tests.hazards.factories import RECTIFY, hazard_payload, upload
from tests.test_authorization_matrix import CASES as FOUNDATION_CASES

ROLES = ("reporter", "reviewer", "viewer", "admin")
ANY = ROLES
REPORTER = ("reporter",)
REVIEWER = ("reviewer",)
EDITORS = ("reviewer", "admin")  # shelters
FILERS = ("reporter", "reviewer")  # hazards and photos
LEDGER_EDITORS = ("reporter", "reviewer")  # a ledger row: its village's reporter, or a reviewer above

NOT_FOUND = (404, "not_found")
FORBIDDEN = (403, "forbidden")

_serial = itertools.count(1)


# --- the cases ------------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    method: str
    url: str  # {placeholders} name objects built on demand (BUILDERS below), on the side being tried
    allowed: tuple[str, ...]
    ok: int = 200
    body: Callable[[Targets], dict] | None = None
    form: bool = False  # a multipart upload rather than JSON
    scoped: bool = True  # False: nothing to aim at outside the scope (a list of the caller's own scope)
    level: str = "township"  # where the reviewer, viewer and admin actors sit
    scope_first: bool = False  # the service finds the object (404) before it looks at the role (403)
    # (role, side) → (status, code) where the general rule above does not apply; each one says why.
    overrides: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)


def event_payload(area_id: int, name: str = "授权测试洪涝") -> dict:
    return {"name": name, "disaster_type": "洪涝", "disaster_subtype": "山区洪水", "org_unit_id": area_id}


def event_body(t: Targets) -> dict:
    return event_payload(t["town"])


def local_event_payload() -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "name": "村后山滑坡",
        "disaster_type": "地质灾害",
        "disaster_subtype": "滑坡",
        "initial_report": {"figures": {"affected_population": 3}},
    }


def report_body(t: Targets) -> dict:
    return {"client_id": str(uuid.uuid4()), "org_unit_id": t["village"], "stage": "initial", "figures": {}}


def casualty_body(t: Targets) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "org_unit_id": t["village"],
        "name": f"张{next(_serial)}",
        "sex": "male",
        "kind": "missing",
    }


def house_body(t: Targets) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "org_unit_id": t["village"],
        "head_name": f"李{next(_serial)}",
        "structure": "砖木",
        "damage": "collapsed",
        "rooms": 3,
        "transitional_aid_persons": 4,
    }


def evacuation_body(t: Targets) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "org_unit_id": t["village"],
        "evacuated": 10,
        "centralized": 6,
        "dispersed": 4,
        "returned": 0,
    }


def shelter_body(t: Targets) -> dict:
    return {"name": f"避难点{next(_serial)}", "org_unit_id": t["village"], "kind": "school", "capacity": 100}


def photo_form(t: Targets) -> dict:
    return {"file": (io.BytesIO(unique_jpeg()), "photo.jpg"), "kind": "after"}


def warning_payload(village_id: int) -> dict:
    return {"title": "暴雨预警", "level": "orange", "disaster_type": "洪涝", "target_org_unit_ids": [village_id]}


def act(action: str, **fields: Any) -> Callable[[Targets], dict]:
    return lambda t: {"action": action, **fields}


# A township may not review its own sign-off, nor close a supervised (major) hazard: both belong to the county.
TOWNSHIP_REVIEWER_REFUSED = {("reviewer", "in"): FORBIDDEN}

CASES = [
    # --- events
    # PRODUCT.md: the county reviewer opens events; the code lets any reviewer open one over an area in its scope,
    # so township A's reviewer opens one over township A.
    Case("open event", "post", "/api/v1/events", REVIEWER, 201, event_body),
    Case("list events", "get", "/api/v1/events", ANY, scoped=False),
    Case("read event", "get", "/api/v1/events/{event}", ANY),
    Case("disaster types", "get", "/api/v1/disaster-types", ANY, scoped=False),
    Case("event status", "post", "/api/v1/events/{event}/status", REVIEWER, body=lambda t: {"status": "stable"}),
    # The county's event concerns township A (its reviewer reads it) but is not township A's to move along.
    Case(
        "event status (county's event)",
        "post",
        "/api/v1/events/{county_event}/status",
        REVIEWER,
        body=lambda t: {"status": "stable"},
        scoped=False,
        overrides=TOWNSHIP_REVIEWER_REFUSED,
    ),
    # --- local events (本地事件): a village's reporter opens one; a reviewer above the village decides
    Case(
        "open local event", "post", "/api/v1/local-events", REPORTER, 201, lambda t: local_event_payload(), scoped=False
    ),
    Case("confirm local event", "post", "/api/v1/events/{local_event}/confirm", REVIEWER),
    Case(
        "merge local event",
        "post",
        "/api/v1/events/{local_event}/merge",
        REVIEWER,
        body=lambda t: {"into_event_id": t["county_event"]},
    ),
    Case(
        "reject local event",
        "post",
        "/api/v1/events/{local_event}/reject",
        REVIEWER,
        body=lambda t: {"reason": "经核实无灾情"},
    ),
    # --- damage reports and their review
    Case("file damage report", "post", "/api/v1/events/{event}/damage-reports", REPORTER, 201, report_body),
    Case("list damage reports", "get", "/api/v1/damage-reports?org_unit_id={village}", ANY),
    Case("read damage report", "get", "/api/v1/damage-reports/{report}", ANY),
    Case(
        "review damage report",
        "post",
        "/api/v1/damage-reports/{report}/review",
        REVIEWER,
        body=lambda t: {"decision": "approve"},
    ),
    # --- roll-up, deadlines, sign-offs
    Case("roll-up", "get", "/api/v1/events/{event}/rollup?org_unit_id={village}", ANY),
    Case("deadlines", "get", "/api/v1/events/{event}/deadlines?org_unit_id={village}", ANY),
    Case(
        "sign off",
        "post",
        "/api/v1/events/{event}/signoffs",
        REVIEWER,
        201,
        lambda t: {"org_unit_id": t["town"], "note": "已核"},
    ),
    Case("list sign-offs", "get", "/api/v1/events/{event}/signoffs", ANY),
    # A village reporter's scope holds no township, so no sign-off is ever in it.
    Case("read sign-off", "get", "/api/v1/signoffs/{signoff}", ANY, overrides={("reporter", "in"): NOT_FOUND}),
    Case(
        "review sign-off",
        "post",
        "/api/v1/signoffs/{signoff}/review",
        REVIEWER,
        body=lambda t: {"decision": "accept"},
        level="county",
    ),
    Case(
        "review sign-off (township's own)",
        "post",
        "/api/v1/signoffs/{signoff}/review",
        REVIEWER,
        body=lambda t: {"decision": "accept"},
        overrides=TOWNSHIP_REVIEWER_REFUSED,
    ),
    # --- evacuations and shelters
    Case("file evacuation", "post", "/api/v1/events/{event}/evacuations", REPORTER, 201, evacuation_body),
    Case("list evacuations", "get", "/api/v1/events/{event}/evacuations?org_unit_id={village}", ANY),
    Case("read evacuation", "get", "/api/v1/evacuations/{evacuation}", ANY),
    Case("list shelters", "get", "/api/v1/shelters?org_unit_id={village}", ANY),
    # PRODUCT.md: the township reviewer keeps shelters; the code lets an admin do it too.
    Case("register shelter", "post", "/api/v1/shelters", EDITORS, 201, shelter_body),
    Case("read shelter", "get", "/api/v1/shelters/{shelter}", ANY),
    Case("update shelter", "patch", "/api/v1/shelters/{shelter}", EDITORS, body=lambda t: {"address": "村委会旁"}),
    # --- exports: every role may export what it may read (PRODUCT.md names the viewer and the county reviewer)
    Case("roll-up xlsx", "get", "/api/v1/events/{event}/rollup.xlsx?org_unit_id={village}", ANY),
    Case("roll-up csv", "get", "/api/v1/events/{event}/rollup.csv?org_unit_id={village}", ANY),
    Case("damage reports xlsx", "get", "/api/v1/damage-reports.xlsx?event_id={event}&org_unit_id={village}", ANY),
    Case("damage reports csv", "get", "/api/v1/damage-reports.csv?event_id={event}&org_unit_id={village}", ANY),
    Case("hazard ledger xlsx", "get", "/api/v1/hazards/export.xlsx?org_unit_id={village}", ANY),
    # --- hazards and their lifecycle (the service checks scope before role: 404 → 403 → 409 → 422)
    # PRODUCT.md: reporters file hazards; the code lets reviewers file them too.
    Case("file hazard", "post", "/api/v1/hazards", FILERS, 201, lambda t: hazard_payload_for(t["village"])),
    Case("list hazards", "get", "/api/v1/hazards?org_unit_id={village}", ANY),
    Case("read hazard", "get", "/api/v1/hazards/{hazard}", ANY),
    Case(
        "verify hazard",
        "post",
        "/api/v1/hazards/{reported_hazard}/transitions",
        REVIEWER,
        body=act("verify"),
        scope_first=True,
    ),
    Case(
        "reject hazard",
        "post",
        "/api/v1/hazards/{reported_hazard}/transitions",
        REVIEWER,
        body=act("reject", comment="重复上报"),
        scope_first=True,
    ),
    Case(
        "start rectification",
        "post",
        "/api/v1/hazards/{verified_hazard}/transitions",
        REVIEWER,
        body=act("start_rectification", **RECTIFY),
        scope_first=True,
    ),
    Case(
        "report rectified",
        "post",
        "/api/v1/hazards/{rectifying_hazard}/transitions",
        FILERS,
        body=act("report_rectified"),
        scope_first=True,
    ),
    Case(
        "close hazard",
        "post",
        "/api/v1/hazards/{rectified_hazard}/transitions",
        REVIEWER,
        body=act("close"),
        scope_first=True,
    ),
    Case(
        "close major hazard",
        "post",
        "/api/v1/hazards/{rectified_major_hazard}/transitions",
        REVIEWER,
        body=act("close"),
        scope_first=True,
        level="county",
    ),
    Case(
        "close major hazard (township)",
        "post",
        "/api/v1/hazards/{rectified_major_hazard}/transitions",
        REVIEWER,
        body=act("close"),
        scope_first=True,
        overrides=TOWNSHIP_REVIEWER_REFUSED,
    ),
    Case(
        "reopen hazard",
        "post",
        "/api/v1/hazards/{closed_hazard}/transitions",
        REVIEWER,
        body=act("reopen", comment="雨后裂缝扩大"),
        scope_first=True,
    ),
    # --- photos (uploads find the parent in scope before they look at the role)
    Case(
        "upload hazard photo",
        "post",
        "/api/v1/hazards/{hazard}/photos",
        FILERS,
        201,
        photo_form,
        form=True,
        scope_first=True,
    ),
    Case(
        "upload damage report photo",
        "post",
        "/api/v1/damage-reports/{report}/photos",
        FILERS,
        201,
        photo_form,
        form=True,
        scope_first=True,
    ),
    Case("hazard photo", "get", "/api/v1/photos/{hazard_photo}", ANY),
    Case("hazard photo thumbnail", "get", "/api/v1/photos/{hazard_photo}/thumbnail", ANY),
    Case("damage report photo", "get", "/api/v1/photos/{report_photo}", ANY),
    Case("damage report photo thumbnail", "get", "/api/v1/photos/{report_photo}/thumbnail", ANY),
    # --- warnings (预警) and 叫应: the township's reviewer issues to its villages; their reporters answer
    Case("issue warning", "post", "/api/v1/warnings", REVIEWER, 201, lambda t: warning_payload(t["village"])),
    Case("list warnings", "get", "/api/v1/warnings", ANY, scoped=False),
    Case("read warning", "get", "/api/v1/warnings/{warning}", ANY),
    Case(
        "update warning",
        "patch",
        "/api/v1/warnings/{warning}",
        REVIEWER,
        body=lambda t: {"body": f"更新{next(_serial)}"},
    ),
    Case(
        "cancel warning", "post", "/api/v1/warnings/{new_warning}/cancel", REVIEWER, body=lambda t: {"reason": "解除"}
    ),
    # Only a targeted village's people answer: the township's reviewer sees the warning but may not (403);
    # outside, it finds nothing to answer (404) before its role matters.
    Case(
        "acknowledge warning",
        "post",
        "/api/v1/warnings/{warning}/ack",
        REPORTER,
        body=lambda t: {"persons_notified": 3},
        overrides={("reviewer", "out"): NOT_FOUND},
    ),
    Case("warning status", "get", "/api/v1/warnings/{warning}/status", ("reviewer", "viewer", "admin")),
    # --- dashboard
    Case("dashboard", "get", "/api/v1/dashboard", ANY, scoped=False),
    # --- the damage indicators and their rules: the same vocabulary for every logged-in user
    Case("indicators", "get", "/api/v1/indicators", ANY, scoped=False),
    Case("disaster types", "get", "/api/v1/disaster-types", ANY, scoped=False),
    # --- settings
    Case("settings", "get", "/api/v1/settings", ANY, scoped=False),
    # --- named ledgers (台账): filed by the village's reporter, changed by it or a reviewer above, reviewed by the
    # level above; the full ID number only for a county reviewer
    Case("register casualty", "post", "/api/v1/events/{event}/casualties", REPORTER, 201, lambda t: casualty_body(t)),
    Case("list casualties", "get", "/api/v1/events/{event}/casualties?org_unit_id={village}", ANY),
    Case("casualties xlsx", "get", "/api/v1/events/{event}/casualties.xlsx?org_unit_id={village}", ANY),
    Case("read casualty", "get", "/api/v1/casualties/{casualty}", ANY),
    Case("change casualty", "patch", "/api/v1/casualties/{casualty}", LEDGER_EDITORS, body=lambda t: {"note": "核实"}),
    Case(
        "review casualty",
        "post",
        "/api/v1/casualties/{casualty}/review",
        REVIEWER,
        body=lambda t: {"decision": "approve"},
    ),
    Case("reveal casualty id number", "post", "/api/v1/casualties/{casualty}/reveal", REVIEWER, level="county"),
    Case(
        "reveal casualty id number (township)",
        "post",
        "/api/v1/casualties/{casualty}/reveal",
        REVIEWER,
        overrides=TOWNSHIP_REVIEWER_REFUSED,
    ),
    Case(
        "register damaged house",
        "post",
        "/api/v1/events/{event}/damaged-houses",
        REPORTER,
        201,
        lambda t: house_body(t),
    ),
    Case("list damaged houses", "get", "/api/v1/events/{event}/damaged-houses?org_unit_id={village}", ANY),
    Case("damaged houses xlsx", "get", "/api/v1/events/{event}/damaged-houses.xlsx?org_unit_id={village}", ANY),
    Case("read damaged house", "get", "/api/v1/damaged-houses/{house}", ANY),
    Case(
        "change damaged house",
        "patch",
        "/api/v1/damaged-houses/{house}",
        LEDGER_EDITORS,
        body=lambda t: {"status": "repairing"},
    ),
    Case(
        "review damaged house",
        "post",
        "/api/v1/damaged-houses/{house}/review",
        REVIEWER,
        body=lambda t: {"decision": "approve"},
    ),
    Case("reveal house id number", "post", "/api/v1/damaged-houses/{house}/reveal", REVIEWER, level="county"),
    # 短信报灾: the inbound number for every phone; the gateway's health for the desks (recent deliveries in scope).
    Case("sms settings", "get", "/api/v1/sms/settings", ANY, scoped=False),
    Case("sms gateway health", "get", "/api/v1/sms/gateway", EDITORS, scoped=False),
]


def expected(case: Case, role: str, where: str) -> tuple[int, str | None]:
    if (role, where) in case.overrides:
        return case.overrides[(role, where)]
    if role not in case.allowed:
        return NOT_FOUND if where == "out" and case.scope_first else FORBIDDEN
    return (case.ok, None) if where == "in" else NOT_FOUND


# --- the world the cases act on -------------------------------------------------------------------------------


def unique_jpeg() -> bytes:
    """A small JPEG never sent before: uploads deduplicate by content per parent."""
    out = io.BytesIO()
    Image.new("RGB", (40 + next(_serial) % 200, 30), (30, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def hazard_payload_for(village_id: int, **overrides: Any) -> dict:
    return hazard_payload(SimpleNamespace(id=village_id), **overrides)


@dataclass
class Side:
    county: Any
    town: Any
    village: Any


def created(response, status: int = 201) -> dict:
    assert response.status_code == status, (response.request.path, response.get_json())
    return response.get_json()


HAZARD_PATH = ("reported", "verified", "rectifying", "rectified", "closed")


class World:
    """The tree, the actors, and the objects of each side, built on first use and kept for the whole test.

    Seed users (a reporter of the side's village, reviewers of its township and county) build the objects, so the
    actors under test never act on something they made themselves.
    """

    def __init__(self, *, tree, make_unit, make_user, login_as, level: str):
        self.make_user, self.login_as = make_user, login_as
        if level == "county":
            county = make_unit("county", name="邻县")
            town = make_unit("township", county, name="邻县丙镇")
            out = Side(county, town, make_unit("village", town, name="丙一村"))
        else:
            out = Side(tree.county, tree.town_b, tree.village_b1)
        self.sides = {"in": Side(tree.county, tree.town_a, tree.village_a1), "out": out}
        self.reporter_unit = tree.village_a1
        self.actor_unit = tree.county if level == "county" else tree.town_a
        self._cache: dict[tuple, Any] = {}

    def _once(self, key: tuple, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def actor(self, role: str):
        unit = self.reporter_unit if role == "reporter" else self.actor_unit
        return self._once(("actor", role), lambda: self.login_as(self.make_user(role, unit)))

    def seed(self, where: str, who: str):
        """``who``: reporter (of the side's village), town or county (their reviewers)."""
        side = self.sides[where]
        role, unit = {"reporter": ("reporter", side.village), "town": ("reviewer", side.town)}.get(
            who, ("reviewer", side.county)
        )
        return self._once(("seed", where, who), lambda: self.login_as(self.make_user(role, unit)))

    # objects shared by the attempts of a case

    def event(self, where: str) -> int:
        def build():
            body = event_payload(self.sides[where].town.id, name=f"{self.sides[where].town.name}洪涝")
            return created(self.seed(where, "town").post("/api/v1/events", json=body))["id"]

        return self._once(("event", where), build)

    def county_event(self, where: str) -> int:
        def build():
            body = event_payload(self.sides[where].county.id, name="全县洪涝")
            return created(self.seed(where, "county").post("/api/v1/events", json=body))["id"]

        return self._once(("county_event", where), build)

    def local_event(self, where: str) -> int:
        """A fresh pending local event of the side's village per attempt: a decision that succeeds uses it up."""
        response = self.seed(where, "reporter").post("/api/v1/local-events", json=local_event_payload())
        return created(response)["id"]

    def report(self, where: str) -> int:
        def build():
            body = report_body({"village": self.sides[where].village.id})
            url = f"/api/v1/events/{self.event(where)}/damage-reports"
            return created(self.seed(where, "reporter").post(url, json=body))["id"]

        return self._once(("report", where), build)

    def evacuation(self, where: str) -> int:
        def build():
            body = evacuation_body({"village": self.sides[where].village.id})
            url = f"/api/v1/events/{self.event(where)}/evacuations"
            return created(self.seed(where, "reporter").post(url, json=body))["id"]

        return self._once(("evacuation", where), build)

    def shelter(self, where: str) -> int:
        def build():
            body = shelter_body({"village": self.sides[where].village.id})
            return created(self.seed(where, "town").post("/api/v1/shelters", json=body))["id"]

        return self._once(("shelter", where), build)

    def signoff(self, where: str) -> int:
        def build():
            url = f"/api/v1/events/{self.event(where)}/signoffs"
            body = {"org_unit_id": self.sides[where].town.id, "note": ""}
            return created(self.seed(where, "town").post(url, json=body))["id"]

        return self._once(("signoff", where), build)

    def ledger_row(self, where: str, kind: str) -> int:
        def build():
            targets = {"village": self.sides[where].village.id}
            body, path = (
                (casualty_body(targets), "casualties")
                if kind == "casualty"
                else (house_body(targets), "damaged-houses")
            )
            url = f"/api/v1/events/{self.event(where)}/{path}"
            return created(self.seed(where, "reporter").post(url, json=body))["id"]

        return self._once((kind, where), build)

    def photo(self, where: str, parent: str) -> int:
        def build():
            if parent == "hazard":
                url = f"/api/v1/hazards/{self.hazard(where)}/photos"
            else:
                url = f"/api/v1/damage-reports/{self.report(where)}/photos"
            return created(upload(self.seed(where, "reporter"), url, unique_jpeg()))["id"]

        return self._once(("photo", where, parent), build)

    def warning(self, where: str) -> int:
        return self._once(("warning", where), lambda: self.new_warning(where))

    def new_warning(self, where: str) -> int:
        body = warning_payload(self.sides[where].village.id)
        return created(self.seed(where, "town").post("/api/v1/warnings", json=body))["id"]

    def hazard(self, where: str) -> int:
        return self._once(("hazard", where), lambda: self.new_hazard(where))

    # a fresh hazard per attempt: a transition that succeeds uses its hazard up

    def new_hazard(self, where: str, status: str = "reported", major: bool = False) -> int:
        """A new hazard of the side's village, taken by the side's seed users as far as ``status``."""
        reporter, town = self.seed(where, "reporter"), self.seed(where, "town")
        body = hazard_payload_for(self.sides[where].village.id, risk_level="major" if major else "high")
        hazard = created(reporter.post("/api/v1/hazards", json=body))["id"]
        url = f"/api/v1/hazards/{hazard}/transitions"
        reached = HAZARD_PATH.index(status)
        if reached >= HAZARD_PATH.index("verified"):
            created(town.post(url, json={"action": "verify"}), 200)
        if reached >= HAZARD_PATH.index("rectifying"):
            created(town.post(url, json={"action": "start_rectification", **RECTIFY}), 200)
            # reporting it rectified needs an after-photo
            created(upload(reporter, f"/api/v1/hazards/{hazard}/photos", unique_jpeg(), kind="after"))
        if reached >= HAZARD_PATH.index("rectified"):
            created(reporter.post(url, json={"action": "report_rectified"}), 200)
        if reached >= HAZARD_PATH.index("closed"):
            closer = self.seed(where, "county") if major else town  # 挂牌督办: the county closes a major one
            created(closer.post(url, json={"action": "close"}), 200)
        return hazard


BUILDERS: dict[str, Callable[[World, str], Any]] = {
    "town": lambda w, where: w.sides[where].town.id,
    "village": lambda w, where: w.sides[where].village.id,
    "event": World.event,
    "county_event": World.county_event,
    "report": World.report,
    "local_event": World.local_event,
    "evacuation": World.evacuation,
    "shelter": World.shelter,
    "signoff": World.signoff,
    "hazard": World.hazard,
    "warning": World.warning,
    "new_warning": World.new_warning,
    "casualty": lambda w, where: w.ledger_row(where, "casualty"),
    "house": lambda w, where: w.ledger_row(where, "house"),
    "hazard_photo": lambda w, where: w.photo(where, "hazard"),
    "report_photo": lambda w, where: w.photo(where, "report"),
    "reported_hazard": lambda w, where: w.new_hazard(where),
    "verified_hazard": lambda w, where: w.new_hazard(where, "verified"),
    "rectifying_hazard": lambda w, where: w.new_hazard(where, "rectifying"),
    "rectified_hazard": lambda w, where: w.new_hazard(where, "rectified"),
    "rectified_major_hazard": lambda w, where: w.new_hazard(where, "rectified", major=True),
    "closed_hazard": lambda w, where: w.new_hazard(where, "closed"),
}


class Targets(dict):
    """The placeholders of one attempt, each built when the URL or body first asks for it."""

    def __init__(self, world: World, where: str):
        super().__init__()
        self.world, self.where = world, where

    def __missing__(self, key: str) -> Any:
        self[key] = value = BUILDERS[key](self.world, self.where)
        return value


def attempt(world: World, case: Case, role: str, where: str):
    targets = Targets(world, where)
    url = case.url.format_map(targets)
    kwargs: dict[str, Any] = {}
    if case.body is not None:
        payload = case.body(targets)
        kwargs = {"data": payload, "content_type": "multipart/form-data"} if case.form else {"json": payload}
    actor = world.actor(role)  # logged in before the request, never in the middle of building targets
    return getattr(actor, case.method)(url, **kwargs)


def mismatch(response, status: int, code: str | None) -> str | None:
    """What is wrong with the response, or None; a streamed body is read here, so it must not fail half-way."""
    body = response.get_data().decode(errors="replace")[:300]
    if code is None:
        return None if response.status_code == status else f"want {status}, got {response.status_code}: {body}"
    try:
        assert_error(response, status, code)
    except AssertionError:
        return f"want {status} {code}, got {response.status_code}: {body}"
    return None


@pytest.fixture
def make_world(tree, make_unit, make_user, login_as):
    return lambda level: World(tree=tree, make_unit=make_unit, make_user=make_user, login_as=login_as, level=level)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_feature_authorization(make_world, case):
    world = make_world(case.level)
    failures = []
    for role in ROLES:
        for where in ("in", "out") if case.scoped else ("in",):
            status, code = expected(case, role, where)
            response = attempt(world, case, role, where)
            try:
                problem = mismatch(response, status, code)
            finally:
                response.close()  # streamed bodies (photos, exports) hold files and sessions until closed
            if problem:
                failures.append(f"{case.method.upper()} {case.url} as {role} ({where}): {problem}")
    assert not failures, "\n".join(failures)


# --- lists and exports without a unit filter: what is in scope shows, what is beside it never does -------------


LISTS = [
    ("events", "/api/v1/events", "event"),
    ("damage reports", "/api/v1/damage-reports", "report"),
    ("shelters", "/api/v1/shelters", "shelter"),
    ("hazards", "/api/v1/hazards", "hazard"),
]


@pytest.mark.parametrize("url,key", [(url, key) for _, url, key in LISTS], ids=[name for name, *_ in LISTS])
def test_unfiltered_lists_hold_the_scope_only(make_world, url, key):
    world = make_world("township")
    inside, outside = BUILDERS[key](world, "in"), BUILDERS[key](world, "out")
    failures = []
    for role in ROLES:
        response = world.actor(role).get(f"{url}?per_page=200")
        assert response.status_code == 200, response.get_json()
        ids = {item["id"] for item in response.get_json()["items"]}
        if inside not in ids or outside in ids:
            failures.append(f"{role}: listed {sorted(ids)}; want {inside} in, {outside} out")
    assert not failures, "\n".join(failures)


def test_unfiltered_damage_report_export_holds_the_scope_only(make_world):
    world = make_world("township")
    world.report("in")
    world.report("out")
    inside, outside = world.sides["in"].village.code, world.sides["out"].village.code
    for role in ROLES:
        response = world.actor(role).get("/api/v1/damage-reports.csv")
        text = response.get_data(as_text=True)
        assert response.status_code == 200, text
        assert inside in text and outside not in text, (role, text)


# --- every endpoint has a case; every non-public endpoint wants a login ---------------------------------------


# Rules that need no case in either matrix, and why.
NOT_IN_MATRIX = {
    ("POST", "/api/v1/auth/login"): "public",
    ("GET", "/api/v1/openapi.json"): "public",
    ("GET", "/api/v1/docs"): "public (the API reference page)",
    ("GET", "/api/v1/docs/<path:filename>"): "public (the API reference's script and style files)",
    ("POST", "/api/v1/auth/logout"): "every logged-in user ends its own session (tests/auth)",
    (
        "POST",
        "/api/v1/sms/inbound",
    ): "public: the SMS gateway's webhook, authenticated by its shared secret (tests/sms)",
}
PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
    ("GET", "/api/v1/docs/<path:filename>"),
    ("POST", "/api/v1/sms/inbound"),
}


class _Ones(dict):
    def __missing__(self, key: str) -> str:
        return "1"


def api_rules(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def rule_of(app, method: str, template: str) -> tuple[str, str]:
    path = template.format_map(_Ones()).split("?")[0]
    rule, _ = app.url_map.bind("localhost").match(path, method=method.upper(), return_rule=True)
    return method.upper(), rule.rule


def test_every_api_rule_has_an_authorization_case(app):
    covered = {rule_of(app, case.method, case.url) for case in CASES}
    covered |= {rule_of(app, method, template) for _, method, template, *_ in FOUNDATION_CASES}
    rules = api_rules(app)
    assert set(NOT_IN_MATRIX) <= rules, "NOT_IN_MATRIX names a rule that no longer exists"
    missing = sorted(rules - covered - set(NOT_IN_MATRIX))
    assert not missing, f"no authorization case for: {missing}"


def test_anonymous_gets_401_on_every_non_public_rule(app, client):
    """Writes too, without a CSRF token: the login check comes first. The ids need not exist: it runs before any
    view does."""
    adapter = app.url_map.bind("localhost")
    public = set()
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if view_meta(app.view_functions[rule.endpoint]).get("public"):
                public.add((method, rule.rule))
                continue
            url = adapter.build(rule.endpoint, {name: 1 for name in rule.arguments}, method=method)
            response = client.open(url, method=method, **({} if method == "GET" else {"json": {}}))
            try:
                assert_error(response, 401, "unauthorized")
            except AssertionError as error:
                failures.append(f"{method} {rule.rule}: {str(error)[:200]}")
    assert public == PUBLIC, "a new public endpoint? add it to PUBLIC on purpose"
    assert not failures, "\n".join(failures)
