"""Factories for evacuation tests: events are inserted directly (their API belongs to the events feature)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from server.evacuation.models import Shelter
from server.events.models import Event
from server.extensions import db


@pytest.fixture
def make_event(app, make_user):
    """``make_event(area, status="active", drill=False)``: a committed Event id over ``area``'s villages."""

    def make(area, status: str = "active", drill: bool = False, name: str = "测试洪涝") -> int:
        creator = make_user("reviewer", area)
        with app.app_context():
            event = Event(
                name=name,
                disaster_type="洪涝",
                disaster_subtype="山区洪水",
                started_at=datetime(2026, 7, 1, tzinfo=UTC),
                org_unit_id=area.id,
                status=status,
                drill=drill,
                created_by_id=creator.id,
            )
            db.session.add(event)
            db.session.commit()
            return event.id

    return make


@pytest.fixture
def make_shelter(app):
    """``make_shelter(unit, capacity=100, active=True)``: a committed Shelter id."""

    def make(unit, capacity: int = 100, active: bool = True, name: str | None = None) -> int:
        with app.app_context():
            shelter = Shelter(
                name=name or f"避难点-{uuid.uuid4().hex[:4]}",
                org_unit_id=unit.id,
                kind="school",
                capacity=capacity,
                active=active,
                facilities=["water"],
            )
            db.session.add(shelter)
            db.session.commit()
            return shelter.id

    return make


def evacuation(village, **overrides) -> dict:
    """A valid evacuation payload for ``village``: 10 evacuated, 6 centralized, 4 dispersed, none back."""
    body = {
        "client_id": str(uuid.uuid4()),
        "org_unit_id": village.id,
        "evacuated": 10,
        "centralized": 6,
        "dispersed": 4,
        "returned": 0,
        "allocations": [],
        "note": "",
    }
    body.update(overrides)
    return body
