"""The acceptance rules of a new damage report, checked once, in Python, over the submit's facts row (``facts.py``).

Stage-order violations (an update or final without an initial, a second initial, anything after a final, an
initial once the event is stable, any report once it is closed or rejected) are **409**: the payload is well formed
but the village's state does not allow it. A unit that is not a village of the event's area, bad figures, a type's
indicators stated for another type, a missing change note and a 核报 that disagrees with the ledgers are **422**, the
figure errors all at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.damage import figures as fig
from server.damage import reconcile
from server.damage.models import STAGE_NAMES
from server.errors import EventClosed, Invalid, StageOrder
from server.orgunits.models import OrgUnit


def check(facts, unit: OrgUnit, stage: str, values: dict, stated: Mapping[str, Any], change_note: str) -> dict:
    """Every rule, in the order the answer reports them: the unit, the stage order, the figures. Returns the ledger
    mismatches (``reconcile.mismatches``): refused on a 核报, a warning on 初报 and 续报."""
    check_unit(facts, unit)
    check_stage(facts, stage)
    mismatched = reconcile.mismatches(values, reconcile.counts_of_facts(facts))
    check_figures(
        values,
        facts if facts.cur_id is not None else None,
        change_note,
        type_errors=fig.type_errors(stated, facts.event_type),
        refused=mismatched if stage == "final" else None,
    )
    return mismatched


def check_unit(facts, unit: OrgUnit) -> None:
    if unit.level != "village":
        raise Invalid({"org_unit_id": ["灾情按村（社区）填报，请选择村级单位"]})
    if not unit.path.startswith(facts.area_path):
        raise Invalid({"org_unit_id": [f"该村不在灾害过程「{facts.event_name}」的范围内"]})


def check_stage(facts, stage: str) -> None:
    """Stage order (409 when broken), from the facts: the event's status and the stages on file."""
    if facts.event_status == "closed":
        raise EventClosed("灾害过程已结束，不能再报送灾情")
    if facts.event_status == "rejected":
        raise EventClosed(f"该灾害过程已被乡镇退回（{facts.event_status_reason}），不能再报送灾情")
    if facts.event_status == "stable" and stage == "initial":
        raise StageOrder("灾害过程已进入稳定阶段，只能报送续报或核报")
    if facts.has_final:
        raise StageOrder("该村已报送核报，本次灾害过程不能再报送", details={"stage": stage})
    if stage == "initial" and facts.has_initial:
        raise StageOrder("该村已报送初报，请报送续报或核报", details={"stage": stage})
    if stage != "initial" and not facts.has_initial:
        raise StageOrder(f"该村尚未报送初报，不能报送{STAGE_NAMES[stage]}", details={"stage": stage})


def check_figures(
    values: dict,
    previous,
    change_note: str,
    *,
    type_errors: dict[str, list[str]],
    refused: dict[str, str] | None = None,
) -> None:
    """Every figure rule, the type's indicators, the change-note rule and the ledger mismatches ``refused`` (核报),
    reported together. ``previous``: the current report's figures."""
    errors = {**fig.rule_errors(values), **type_errors}
    for field, message in (refused or {}).items():
        errors.setdefault(field, []).append(message)
    if previous is not None:
        down = fig.decreased(fig.figures_of(previous), values)
        if down and not change_note.strip():
            errors["change_note"] = [fig.change_note_message(down)]
    if errors:
        raise Invalid(errors)
