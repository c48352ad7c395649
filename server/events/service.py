"""Disaster events (灾害过程): opening, reading within scope, and the status chain active → stable → closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager

from server import clock
from server.audit_trail import record, snapshot
from server.errors import Forbidden, Invalid, InvalidTransition, NotFound
from server.events.access import CHANGE_EVENT_STATUS, OPEN_EVENTS
from server.events.models import DISASTER_TYPES, Event
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_unit_in_scope, within_scope

if TYPE_CHECKING:
    from server.users.models import User

# The only legal moves; anything else is a 409 (a closed event never reopens).
TRANSITIONS = {"active": "stable", "stable": "closed"}
STATUS_NAMES = {
    "pending": "待确认",
    "active": "进行中",
    "stable": "稳定",
    "closed": "已结束",
    "merged": "已合并",
    "rejected": "已退回",
}
# Clocks on phones drift; a start a little in the future is a typo we still accept.
FUTURE_TOLERANCE = timedelta(minutes=10)
AUDITED_FIELDS = ("name", "disaster_type", "disaster_subtype", "started_at", "org_unit_id", "status", "drill")


def disaster_type_errors(disaster_type: str, disaster_subtype: str | None) -> dict[str, list[str]]:
    """Check 灾种 / 亚灾种 against the national list; ``{}`` when valid."""
    if disaster_type not in DISASTER_TYPES:
        return {"disaster_type": [f"灾种不在国家灾种目录中，应为：{'、'.join(DISASTER_TYPES)}"]}
    subtypes = DISASTER_TYPES[disaster_type]
    if subtypes and not disaster_subtype:
        return {"disaster_subtype": [f"{disaster_type}需要选择亚灾种：{'、'.join(subtypes)}"]}
    if disaster_subtype and not subtypes:
        return {"disaster_subtype": [f"{disaster_type}没有亚灾种"]}
    if disaster_subtype and disaster_subtype not in subtypes:
        return {"disaster_subtype": [f"{disaster_subtype}不是{disaster_type}的亚灾种，应为：{'、'.join(subtypes)}"]}
    return {}


def started_at_errors(started_at: datetime | None) -> tuple[datetime | None, dict[str, list[str]]]:
    """The start time in UTC (a time without offset is in TIMEZONE; None stays None: now) and its errors."""
    if started_at is None:
        return None, {}
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=clock.local_zone())
    started_at = clock.as_utc(started_at)
    if started_at > clock.now() + FUTURE_TOLERANCE:
        return started_at, {"started_at": ["开始时间不能晚于当前时间"]}
    return started_at, {}


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    """``/a/b/c/`` → ``["/a/", "/a/b/", "/a/b/c/"]``: the unit and every unit above it."""
    codes = [part for part in unit.path.split("/") if part]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def _visible(actor: User):
    """An event concerns the user when its area lies in the user's subtree or covers the user's unit: a village
    reporter must see the county's flood it reports to."""
    return or_(within_scope(actor), OrgUnit.path.in_(_ancestor_paths(actor.org_unit)))


def list_events(
    *, actor: User, status: str | None = None, drill: bool | None = None, local: bool | None = None
) -> Select:
    stmt = (
        select(Event)
        .join(OrgUnit, Event.org_unit_id == OrgUnit.id)
        .options(contains_eager(Event.org_unit))
        .where(_visible(actor))
        .order_by(Event.started_at.desc(), Event.id.desc())
    )
    if status:
        stmt = stmt.where(Event.status == status)
    if drill is not None:
        stmt = stmt.where(Event.drill.is_(drill))
    if local is not None:
        stmt = stmt.where(Event.local.is_(local))
    return stmt


def get_event(*, actor: User, event_id: int) -> Event:
    """The event if it concerns the user, else NotFound (never Forbidden: no existence leak)."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("灾害过程不存在")
    area = event.org_unit
    if not (actor.org_unit.contains(area) or area.contains(actor.org_unit)):
        raise NotFound("灾害过程不存在")
    return event


def create_event(
    *,
    actor: User,
    name: str,
    disaster_type: str,
    org_unit_id: int,
    disaster_subtype: str | None = None,
    started_at: datetime | None = None,
    drill: bool = False,
) -> Event:
    """Open an event over an area inside the reviewer's scope (the area's villages are expected to report)."""
    OPEN_EVENTS.check(actor)
    area = get_unit_in_scope(actor, org_unit_id)
    errors = disaster_type_errors(disaster_type, disaster_subtype or None)
    if area.level == "grid":
        errors["org_unit_id"] = ["灾害过程的范围应为村或以上单位"]
    started_at, time_errors = started_at_errors(started_at)
    started_at = started_at or clock.now()
    errors.update(time_errors)
    if not name.strip():
        errors["name"] = ["名称不能为空"]
    if errors:
        raise Invalid(errors)
    event = Event(
        name=name.strip(),
        disaster_type=disaster_type,
        disaster_subtype=disaster_subtype or None,
        started_at=started_at,
        org_unit=area,
        status="active",
        drill=drill,
        created_by_id=actor.id,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    db.session.add(event)
    db.session.flush()
    record(
        actor=actor,
        action="event.create",
        entity_type="event",
        entity_id=event.id,
        org_unit_id=area.id,
        changes={field: [None, value] for field, value in snapshot(event, AUDITED_FIELDS).items()},
    )
    return event


def change_status(*, actor: User, event_id: int, status: str) -> Event:
    """Move an event along active → stable → closed; stable and closed stamp their time from the clock."""
    CHANGE_EVENT_STATUS.check(actor)
    event = get_event(actor=actor, event_id=event_id)
    if not actor.org_unit.contains(event.org_unit):
        # A village reviewer sees the county's event but it is not theirs to close.
        raise Forbidden("只有灾害过程所在单位或上级单位的审核员可以变更其状态")
    if TRANSITIONS.get(event.status) != status:
        raise InvalidTransition(
            f"灾害过程当前为「{STATUS_NAMES[event.status]}」，不能变更为「{STATUS_NAMES.get(status, status)}」",
            details={
                "status": event.status,
                "allowed": [TRANSITIONS[event.status]] if event.status in TRANSITIONS else [],
            },
        )
    before = snapshot(event, ("status", "stable_at", "closed_at"))
    event.status = status
    if status == "stable":
        event.stable_at = clock.now()
    elif status == "closed":
        event.closed_at = clock.now()
    event.updated_at = clock.now()
    db.session.flush()
    after = snapshot(event, ("status", "stable_at", "closed_at"))
    record(
        actor=actor,
        action=f"event.{status}",
        entity_type="event",
        entity_id=event.id,
        org_unit_id=event.org_unit_id,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return event
