"""What the answers about one report say beside its columns (read models, ``server/reads.py``): the indicators of
its event's type and its ledger warnings (the answer to a filing), and in the single read whether the caller may
review it and its photos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.damage import figures as fig
from server.damage import reconcile
from server.damage.models import DamageReport
from server.reads import ReadModel


@dataclass(frozen=True)
class ReportRead(ReadModel):
    row: DamageReport
    disaster_type: str  # the event's: which type-specific indicators the report shows
    warnings: list[dict[str, Any]] = field(default_factory=list)  # figures that disagree with the village's ledgers


@dataclass(frozen=True)
class ReportDetail(ReportRead):
    """The single read: with ``can_review`` (the caller may approve or return it now) and the photos, oldest first."""

    can_review: bool = False
    photo_list: list[Any] = field(default_factory=list)


def with_ledger_warnings(report: DamageReport) -> ReportRead:
    """The report with its figures against the village's ledgers as they stand now: for a resend (the first answer
    may have been lost) and a read of the current report. Only 初报/续报 can disagree and be on file; an older report
    is not checked against today's ledgers."""
    warnings = []
    if report.stage != "final" and report.current:
        warnings = reconcile.warnings(
            reconcile.mismatches(fig.figures_of(report), reconcile.ledger_counts(report.event_id, report.org_unit_id))
        )
    return ReportRead(report, disaster_type=report.event.disaster_type, warnings=warnings)
