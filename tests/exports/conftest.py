"""Factories for export tests. Damage reports are inserted directly: their filing API belongs to another feature,
and exports must show every state (superseded, returned, reviewed) whatever path produced it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from server.damage.models import DamageReport
from server.extensions import db
from tests.evacuation.conftest import make_event, make_shelter  # noqa: F401  (fixtures shared with evacuation)


@pytest.fixture
def make_report(app):
    """``make_report(event_id, village, user, stage="initial", status="submitted", current=True, **figures)``."""

    def make(
        event_id: int,
        village,
        user,
        *,
        stage: str = "initial",
        status: str = "submitted",
        current: bool = True,
        submitted_at: datetime | None = None,
        reviewer=None,
        note: str = "",
        change_note: str = "",
        review_comment: str = "",
        **figures,
    ) -> int:
        with app.app_context():
            if current:
                db.session.execute(
                    update(DamageReport)
                    .where(DamageReport.event_id == event_id, DamageReport.org_unit_id == village.id)
                    .values(current=False)
                )
            values = {key: Decimal(str(v)) if isinstance(v, str | float) else v for key, v in figures.items()}
            report = DamageReport(
                client_id=str(uuid.uuid4()),
                payload_hash="0" * 64,
                event_id=event_id,
                org_unit_id=village.id,
                stage=stage,
                status=status,
                current=current,
                is_zero=not any(values.values()),
                note=note,
                change_note=change_note,
                submitted_by_id=user.id,
                submitted_at=submitted_at or datetime(2026, 7, 1, 2, 5, tzinfo=UTC),
                reviewed_by_id=reviewer.id if reviewer else None,
                reviewed_at=datetime(2026, 7, 1, 3, 0, tzinfo=UTC) if reviewer else None,
                review_comment=review_comment,
                **values,
            )
            db.session.add(report)
            db.session.commit()
            return report.id

    return make
