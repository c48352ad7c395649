"""Events and reports for roll-up tests, written straight to the database.

``file_report`` keeps ``current`` the way the damage service does (PRODUCT.md: the newest non-returned report is
current), so roll-up tests do not depend on the damage routes' validation rules.

Each factory runs in its own short app context and returns a detached, loaded object. Tests must not hold an app
context while they call the API: Flask-Login caches the user in ``g``, which lives as long as the app context, so
every request would act as whoever logged in last.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from server import clock
from server.damage.indicators import INDICATORS
from server.damage.models import DamageReport
from server.evacuation.models import EvacuationReport
from server.events.models import Event
from server.extensions import db

APP = None  # set by tests/rollup/conftest.py and tests/dashboard/conftest.py

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def _in_app(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        with APP.app_context():
            result = function(*args, **kwargs)
            if result is not None:
                db.session.refresh(result)
                db.session.expunge(result)
            return result

    return run


@_in_app
def make_event(area, creator, *, started_at: datetime = T0, status: str = "active", drill: bool = False, **kw) -> Event:
    event = Event(
        name=kw.pop("name", "7·1 洪涝"),
        disaster_type=kw.pop("disaster_type", "洪涝"),
        disaster_subtype=kw.pop("disaster_subtype", "山区洪水"),
        started_at=started_at,
        org_unit_id=area.id,
        status=status,
        drill=drill,
        created_by_id=creator.id,
        **kw,
    )
    db.session.add(event)
    db.session.commit()
    return event


@_in_app
def file_report(
    event, village, user, *, stage: str = "update", at: datetime | None = None, status: str = "submitted", **figures
) -> DamageReport:
    """A new report for the village: it becomes current, the previous current one stops being current."""
    values: dict[str, Any] = {i.key: (Decimal("0") if i.decimal else 0) for i in INDICATORS}
    values.update({k: Decimal(str(v)) if isinstance(v, float | str) else v for k, v in figures.items()})
    db.session.execute(
        update(DamageReport)
        .where(DamageReport.event_id == event.id, DamageReport.org_unit_id == village.id, DamageReport.current)
        .values(current=False)
    )
    report = DamageReport(
        client_id=str(uuid.uuid4()),
        payload_hash="0" * 64,
        event_id=event.id,
        org_unit_id=village.id,
        stage=stage,
        status=status,
        current=True,
        is_zero=all(not v for v in values.values()),
        submitted_by_id=user.id,
        submitted_at=at or clock.now(),
        **values,
    )
    db.session.add(report)
    db.session.commit()
    return report


@_in_app
def return_report(report: DamageReport) -> None:
    """Return a report; if it was current, the newest earlier non-returned report becomes current again."""
    report = db.session.get(DamageReport, report.id)
    was_current = report.current
    report.status = "returned"
    report.current = False
    db.session.flush()
    if was_current:
        previous = db.session.scalars(
            select(DamageReport)
            .where(
                DamageReport.event_id == report.event_id,
                DamageReport.org_unit_id == report.org_unit_id,
                DamageReport.status != "returned",
            )
            .order_by(DamageReport.submitted_at.desc(), DamageReport.id.desc())
            .limit(1)
        ).first()
        if previous is not None:
            previous.current = True
    db.session.commit()


@_in_app
def file_evacuation(event, village, user, *, evacuated=0, centralized=0, dispersed=0, returned=0) -> None:
    db.session.execute(
        update(EvacuationReport)
        .where(
            EvacuationReport.event_id == event.id, EvacuationReport.org_unit_id == village.id, EvacuationReport.current
        )
        .values(current=False)
    )
    db.session.add(
        EvacuationReport(
            client_id=str(uuid.uuid4()),
            payload_hash="0" * 64,
            event_id=event.id,
            org_unit_id=village.id,
            evacuated=evacuated,
            centralized=centralized,
            dispersed=dispersed,
            returned=returned,
            current=True,
            submitted_by_id=user.id,
            submitted_at=clock.now(),
        )
    )
    db.session.commit()


@_in_app
def update_event(event, **values) -> Event:
    event = db.session.get(Event, event.id)
    for name, value in values.items():
        setattr(event, name, value)
    db.session.commit()
    return event


def in_db(function):
    """Run ``function(session)`` in a short app context of its own and return what it returns."""
    with APP.app_context():
        return function(db.session)
