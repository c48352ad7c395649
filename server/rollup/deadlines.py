"""Reporting deadlines (报送时限): which report each village owes now, and whether it is on time.

Configuration (config.py, per deployment): ``DEADLINE_INITIAL_MINUTES`` (60), ``DEADLINE_DAILY_UPDATE_HOUR`` (8,
local time in ``TIMEZONE``), ``DEADLINE_FINAL_DAYS`` (2). The time is always ``server.clock.now()``.

The current obligation of an event at ``now``:

* **initial** (初报) while the event is active and the first daily deadline has not passed yet:
  due at ``started_at + DEADLINE_INITIAL_MINUTES``; satisfied by a report submitted at or before ``due_at``.
* **daily** (续报 by 08:00) while active, once ``D1`` has passed, where ``D1`` is the first 08:00 local strictly
  after the initial due time. The obligation is for ``D``, the latest 08:00 local strictly before ``now``; it
  covers the day before: a report submitted in ``(D − 1 day, D]`` satisfies it (a zero report if nothing
  changed). Before ``D`` has passed, ``D`` is not yet the obligation (the previous one still is), so a daily
  obligation is never pending: it is what was due at this morning's (or yesterday's) 08:00.
* **final** (核报) while stable: due at ``stable_at + DEADLINE_FINAL_DAYS``; satisfied by a final-stage report
  submitted at or before ``due_at``.
* **none** once closed: nothing is due; a village is on time when it has reported at all.

Only reports that were not returned count (a returned report "stops counting", PRODUCT.md), so "has reported at
all" is exactly "has a current report". Each village is then:

* ``on_time``: the obligation is satisfied;
* ``pending``: not satisfied, but its deadline has not passed (or, for a village that has filed nothing, the
  initial deadline has not passed);
* ``late``: the deadline has passed and the village has filed something, but not what satisfies it (filed after
  the deadline, or nothing new in the window);
* ``missing``: nothing at all filed for the event (no current report) although the initial deadline has passed.

The classification is SQL over each village's current report, outer-joined once as in the roll-up (so the
roll-up counts late villages in the same grouped query). The current report answers most villages by itself: it is
the newest one that counts, so if it lies in the window the obligation is met, and if it is older than the window
nothing newer exists. Only when it is newer than the deadline does a per-village subquery look for the latest
counting report at or before the deadline (index on event, unit, submitted_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, case, false, func, literal, not_, or_, select
from sqlalchemy.sql.expression import ColumnElement

from server import clock
from server.damage.models import DamageReport
from server.fields import local_iso

OBLIGATIONS = ("initial", "daily", "final", "none")
OBLIGATION_NAMES = {"initial": "初报", "daily": "每日续报", "final": "核报", "none": "无"}
STATUSES = ("on_time", "pending", "late", "missing")
STATUS_NAMES = {"on_time": "按时", "pending": "未到时限", "late": "迟报", "missing": "未报"}


@dataclass(frozen=True)
class Obligation:
    kind: str  # initial | daily | final | none
    due_at: datetime | None
    window_start: datetime | None  # exclusive lower bound of the satisfying reports (daily only)
    now: datetime
    initial_due: datetime

    @property
    def passed(self) -> bool:
        """The deadline has passed: an unmet obligation is late from now on."""
        return self.due_at is not None and self.now > self.due_at

    @property
    def initial_passed(self) -> bool:
        return self.now > self.initial_due


def _daily_deadline(day: date, zone) -> datetime:
    hour = int(current_app.config["DEADLINE_DAILY_UPDATE_HOUR"])
    return clock.as_utc(datetime.combine(day, time(hour), tzinfo=zone))


def current_obligation(event, at: datetime | None = None) -> Obligation:
    """What the event's villages owe at ``at`` (default ``clock.now()``); see the module docstring."""
    now = clock.as_utc(at or clock.now())
    config = current_app.config
    initial_due = clock.as_utc(event.started_at) + timedelta(minutes=int(config["DEADLINE_INITIAL_MINUTES"]))
    if event.status == "closed":
        return Obligation("none", None, None, now, initial_due)
    if event.status == "stable":
        stable_at = clock.as_utc(event.stable_at or event.updated_at or now)
        return Obligation(
            "final", stable_at + timedelta(days=int(config["DEADLINE_FINAL_DAYS"])), None, now, initial_due
        )

    zone = clock.local_zone()
    local_due = initial_due.astimezone(zone)
    first_daily = _daily_deadline(local_due.date(), zone)
    if first_daily <= initial_due:
        first_daily = _daily_deadline(local_due.date() + timedelta(days=1), zone)
    if now <= first_daily:
        return Obligation("initial", initial_due, None, now, initial_due)

    local_now = now.astimezone(zone)
    deadline = _daily_deadline(local_now.date(), zone)
    if deadline >= now:
        deadline = _daily_deadline(local_now.date() - timedelta(days=1), zone)
    previous = _daily_deadline(deadline.astimezone(zone).date() - timedelta(days=1), zone)
    return Obligation("daily", deadline, previous, now, initial_due)


def late_condition(obligation: Obligation, *, event_id: int, current, unit_id) -> ColumnElement:
    """SQL: the village has filed something (``current`` is its outer-joined current DamageReport entity or alias)
    but not what meets the obligation, and the deadline has passed."""
    if obligation.kind == "none" or not obligation.passed:
        return false()
    due = obligation.due_at
    if obligation.kind == "final":
        # Nothing follows a final, so a final that counts is the current report.
        return and_(current.id.is_not(None), or_(current.stage != "final", current.submitted_at > due))

    lower = obligation.window_start
    if lower is None:
        in_window = current.submitted_at <= due
    else:
        in_window = and_(current.submitted_at > lower, current.submitted_at <= due)
    # The current report is the newest that counts: older than the window means nothing newer exists; inside it
    # means met. Only a current report newer than the deadline needs a look at the earlier ones. A scalar max()
    # (not EXISTS) so PostgreSQL probes the (event, unit, submitted_at) index per village instead of hashing a scan
    # of every report of the event.
    earlier = DamageReport.__table__.alias("earlier")
    latest_by_deadline = (
        select(func.max(earlier.c.submitted_at))
        .where(
            earlier.c.event_id == event_id,
            earlier.c.org_unit_id == unit_id,
            earlier.c.submitted_at <= due,
            earlier.c.status != "returned",
        )
        .scalar_subquery()
    )
    earlier_met = latest_by_deadline.is_not(None) if lower is None else latest_by_deadline > lower
    return and_(
        current.id.is_not(None),
        not_(in_window),
        or_(current.submitted_at <= due, not_(func.coalesce(earlier_met, false()))),
    )


def missing_condition(obligation: Obligation, *, current) -> ColumnElement:
    """SQL: nothing filed for the event although something was due (the initial deadline has passed)."""
    if obligation.kind != "none" and not obligation.initial_passed:
        return false()
    return current.id.is_(None)


def status_expression(obligation: Obligation, *, event_id: int, current, unit_id) -> ColumnElement:
    """SQL ``CASE`` giving each village's status (on_time, pending, late, missing)."""
    late = late_condition(obligation, event_id=event_id, current=current, unit_id=unit_id)
    missing = missing_condition(obligation, current=current)
    # Filed, not late: met, except a final not yet filed before its deadline, which is still pending.
    on_time_or_pending = literal("on_time")
    if obligation.kind == "final":
        met = and_(current.stage == "final", current.submitted_at <= obligation.due_at)
        on_time_or_pending = case((met, literal("on_time")), else_=literal("pending"))
    return case(
        (missing, literal("missing")),
        (current.id.is_(None), literal("pending")),
        (late, literal("late")),
        else_=on_time_or_pending,
    )


def describe(obligation: Obligation) -> dict:
    """The obligation as the API shows it."""
    return {
        "obligation": obligation.kind,
        "obligation_name": OBLIGATION_NAMES[obligation.kind],
        "due_at": local_iso(obligation.due_at),
        "window_start": local_iso(obligation.window_start),
    }
