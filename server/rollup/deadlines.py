"""Reporting deadlines (报送时限): which report each village owes now, and whether it is on time.

Configuration (config.py, per deployment): ``DEADLINE_INITIAL_MINUTES`` (60), ``DEADLINE_DAILY_UPDATE_HOUR`` (8,
local time in ``TIMEZONE``), ``DEADLINE_UPDATE_EVERY_DAYS`` (1), ``DEADLINE_FINAL_DAYS`` (2), for the levels that
sign off ``DEADLINE_SIGNOFF_MINUTES`` (30) and ``DEADLINE_COUNTY_INITIAL_MINUTES`` (120); ``DEADLINES_BY_TYPE``
overrides any of them per disaster type (干旱: a 续报 every 10 days). The time is always ``server.clock.now()``.

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


def setting(event, name: str) -> int:
    """A deadline setting for the event's disaster type: ``DEADLINES_BY_TYPE[type][name]`` over ``config[name]``."""
    config = current_app.config
    by_type = (config.get("DEADLINES_BY_TYPE") or {}).get(event.disaster_type) or {}
    return int(by_type.get(name, config[name]))


def _daily_deadline(day: date, zone, hour: int) -> datetime:
    return clock.as_utc(datetime.combine(day, time(hour), tzinfo=zone))


def current_obligation(event, at: datetime | None = None) -> Obligation:
    """What the event's villages owe at ``at`` (default ``clock.now()``); see the module docstring."""
    now = clock.as_utc(at or clock.now())
    initial_due = clock.as_utc(event.started_at) + timedelta(minutes=setting(event, "DEADLINE_INITIAL_MINUTES"))
    if event.status in ("closed", "merged", "rejected"):
        return Obligation("none", None, None, now, initial_due)
    if event.status == "stable":
        stable_at = clock.as_utc(event.stable_at or event.updated_at or now)
        due = stable_at + timedelta(days=setting(event, "DEADLINE_FINAL_DAYS"))
        return Obligation("final", due, None, now, initial_due)

    # 续报 every N days at the daily hour (N = 1; 10 for drought by default): the first is the first such hour
    # at least N − 1 days after the initial due time, then every N days; each covers the N days before it.
    hour = setting(event, "DEADLINE_DAILY_UPDATE_HOUR")
    every = timedelta(days=max(1, setting(event, "DEADLINE_UPDATE_EVERY_DAYS")))
    zone = clock.local_zone()
    start = (initial_due + every - timedelta(days=1)).astimezone(zone)
    first = _daily_deadline(start.date(), zone, hour)
    if first <= start:
        first = _daily_deadline(start.date() + timedelta(days=1), zone, hour)
    if now <= first:
        return Obligation("initial", initial_due, None, now, initial_due)
    periods = (now - first) // every
    deadline = first + periods * every
    if deadline >= now:
        deadline -= every
    # Whole local days, so a daylight-saving zone keeps the hour (the deployment default has none).
    deadline = _daily_deadline(deadline.astimezone(zone).date(), zone, hour)
    previous = _daily_deadline((deadline - every).astimezone(zone).date(), zone, hour)
    return Obligation("daily", deadline, previous, now, initial_due)


# --- the levels that sign off (乡镇上报, 县级上报, …) --------------------------------------------------------------

SIGNOFF_LEVELS = ("township", "county", "city")
LEVELS = ("village", *SIGNOFF_LEVELS)
LEVEL_NAMES = {"village": "村（社区）", "township": "乡镇（街道）", "county": "县（区）", "city": "市"}


def level_obligation(event, level: str, village: Obligation) -> Obligation:
    """The obligation of the units at ``level``: each signs off ``DEADLINE_SIGNOFF_MINUTES`` after the level below
    is due (a township 30 minutes after its villages), except the county's 初报, which runs from the event's
    opening (``DEADLINE_COUNTY_INITIAL_MINUTES``, 2 hours: the national rule)."""
    if level == "village" or village.kind == "none":
        return village
    step = timedelta(minutes=setting(event, "DEADLINE_SIGNOFF_MINUTES"))
    rank = LEVELS.index(level)
    due = village.due_at + step * rank
    if village.kind == "initial" and rank >= LEVELS.index("county"):
        county_due = clock.as_utc(event.started_at) + timedelta(
            minutes=setting(event, "DEADLINE_COUNTY_INITIAL_MINUTES")
        )
        due = county_due + step * (rank - LEVELS.index("county"))
    window_start = village.window_start
    if village.kind == "daily":
        window_start = village.window_start + step * rank
    elif village.kind == "final":  # a sign-off before the event became stable is not the final one
        window_start = clock.as_utc(event.stable_at or event.updated_at)
    return Obligation(
        village.kind, due, window_start, village.now, due if village.kind == "initial" else village.initial_due
    )


def signoff_status(obligation: Obligation, signed_at: list[datetime]) -> str:
    """A unit's status for its sign-off obligation, from the times of its sign-offs that count (not returned).

    ``late`` is a deadline passed without a sign-off that meets it while something can still come: the 初报 not
    signed yet (what the level above is waiting for), or signed after the deadline, or nothing in the window.
    ``missing`` is nothing ever signed once the 初报 is long past (a later obligation is due)."""
    times = [clock.as_utc(t) for t in signed_at]
    if obligation.kind == "none":
        return "on_time" if times else "missing"
    lower, due = obligation.window_start, obligation.due_at
    if any((lower is None or t > lower) and t <= due for t in times):
        return "on_time"
    if not obligation.passed:
        return "pending"
    if obligation.kind == "initial" or times:
        return "late"
    return "missing"


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


def final_met_condition(obligation: Obligation, *, current) -> ColumnElement:
    """SQL: the village's current report is a 核报 filed by the final deadline (only while the final is owed)."""
    if obligation.kind != "final":
        return false()
    return and_(current.stage == "final", current.submitted_at <= obligation.due_at)


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
