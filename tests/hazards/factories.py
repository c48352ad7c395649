"""Hazard payloads and the people who act on them, shared by the hazard and photo tests."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import ApiClient


def hazard_payload(unit, **overrides: Any) -> dict[str, Any]:
    body = {
        "client_id": str(uuid.uuid4()),
        "org_unit_id": unit.id,
        "category": "landslide",
        "title": "后山坡体出现裂缝",
        "description": "裂缝长约 20 米，雨后有扩大迹象",
        "lat": 29.2481,
        "lon": 117.8612,
        "accuracy_m": 8.5,
        "address": "甲一村后山",
        "threatened_households": 3,
        "threatened_persons": 11,
        "risk_level": "high",
        "found_at": "2026-07-01T08:30:00+08:00",
    }
    body.update(overrides)
    return body


def create_hazard(api: ApiClient, unit, **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v1/hazards", json=hazard_payload(unit, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def small_jpeg(color=(30, 120, 60)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def upload(api: ApiClient, url: str, data: bytes, *, kind: str | None = None, filename: str = "photo.jpg", **kw):
    form: dict[str, Any] = {"file": (io.BytesIO(data), filename)}
    if kind is not None:
        form["kind"] = kind
    return api.post(url, data=form, content_type="multipart/form-data", **kw)


def add_after_photo(api: ApiClient, hazard_id: int, color=(200, 200, 40)) -> dict[str, Any]:
    response = upload(api, f"/api/v1/hazards/{hazard_id}/photos", small_jpeg(color), kind="after")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@dataclass
class People:
    """Logged-in clients around the conftest tree."""

    reporter_a1: ApiClient
    reporter_a2: ApiClient
    reporter_b1: ApiClient
    grid_reporter: ApiClient
    village_reviewer_a1: ApiClient
    town_a: ApiClient
    town_b: ApiClient
    county: ApiClient
    viewer: ApiClient
    admin: ApiClient


@pytest.fixture
def people(tree, make_user, login_as) -> People:
    return People(
        reporter_a1=login_as(make_user("reporter", tree.village_a1)),
        reporter_a2=login_as(make_user("reporter", tree.village_a2)),
        reporter_b1=login_as(make_user("reporter", tree.village_b1)),
        grid_reporter=login_as(make_user("reporter", tree.grid_a1)),
        village_reviewer_a1=login_as(make_user("reviewer", tree.village_a1)),
        town_a=login_as(make_user("reviewer", tree.town_a)),
        town_b=login_as(make_user("reviewer", tree.town_b)),
        county=login_as(make_user("reviewer", tree.county)),
        viewer=login_as(make_user("viewer", tree.county)),
        admin=login_as(make_user("admin", tree.county)),
    )


def act(api: ApiClient, hazard_id: int, action: str, **body: Any):
    return api.post(f"/api/v1/hazards/{hazard_id}/transitions", json={"action": action, **body})


RECTIFY = {
    "measures": "削坡减载，设置截排水沟",
    "responsible_person": "村主任 李明",
    "monitor_person": "信息员 王芳",
    "deadline": "2026-08-01",
}
