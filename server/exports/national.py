"""The 快报表 layout of the roll-up (自然灾害情况统计快报表): the national form's column order and names with units,
one row per child unit and the 合计, under the header block a county sends upward (填报单位, 灾害过程, 统计时间,
填报人, 审核人, 报出日期).

The header block names the node's current sign-off when there is one (县级上报: who signed it, who above accepted
it, when it was sent); without one, the caller is 填报人 and today the 报出日期 of this draft.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from server import clock
from server.damage.indicators import BY_KEY, indicators_for
from server.events.service import STATUS_NAMES as EVENT_STATUS_NAMES
from server.events.service import get_event
from server.exports.service import DRILL_MARK, TOTAL_LABEL, Table
from server.extensions import db
from server.fields import local_day_zh, local_minute_zh
from server.rollup import service as rollup_service
from server.rollup.models import SignOff

if TYPE_CHECKING:
    from server.events.models import Event
    from server.orgunits.models import OrgUnit
    from server.users.models import User

TITLE = "自然灾害情况统计快报表"
# The national form's order: people, drought, crops, houses, loss. A key not held by the event's type is left out;
# "transitional_aid" (需过渡期生活救助人口) is the housing ledger's sum beside the filed figures.
NATIONAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("affected_population", "受灾人口(人)"),
    ("deaths", "因灾死亡人口(人)"),
    ("missing", "因灾失踪人口(人)"),
    ("injured", "因灾受伤人口(人)"),
    ("relocated", "紧急转移安置人口(人)"),
    ("relocated_centralized", "其中：集中安置人口(人)"),
    ("relocated_dispersed", "其中：分散安置人口(人)"),
    ("needing_aid", "需紧急生活救助人口(人)"),
    ("transitional_aid", "需过渡期生活救助人口(人)"),
    ("drought_drinking_people", "因旱饮水困难需救助人口(人)"),
    ("drought_drinking_livestock", "因旱饮水困难需救助大牲畜(头)"),
    ("crops_affected_ha", "农作物受灾面积(公顷)"),
    ("crops_damaged_ha", "其中：成灾面积(公顷)"),
    ("crops_lost_ha", "其中：绝收面积(公顷)"),
    ("houses_collapsed_households", "倒塌房屋(户)"),
    ("houses_collapsed_rooms", "倒塌房屋(间)"),
    ("houses_severe_households", "严重损坏房屋(户)"),
    ("houses_severe_rooms", "严重损坏房屋(间)"),
    ("houses_general_households", "一般损坏房屋(户)"),
    ("houses_general_rooms", "一般损坏房屋(间)"),
    ("direct_loss_10k_yuan", "直接经济损失(万元)"),
)
HEAD = ("行政区划代码", "地区")


def columns_for(event: Event, figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, header, kind) of the columns this event's roll-up holds, in the national order."""
    held = {indicator.key for indicator in indicators_for(event.disaster_type)}
    out = []
    for key, header in NATIONAL_COLUMNS:
        if key in held:
            out.append((key, header, "decimal" if BY_KEY[key].decimal else "int"))
        elif key not in BY_KEY and key in figures:  # a figure the roll-up adds (the ledger's transitional aid)
            out.append((key, header, "int"))
    return out


def _current_signoff(event: Event, node: OrgUnit) -> SignOff | None:
    return db.session.scalar(
        select(SignOff).where(SignOff.event_id == event.id, SignOff.org_unit_id == node.id, SignOff.current)
    )


def header_block(*, actor: User, event: Event, node: OrgUnit) -> list[list[str]]:
    signoff = _current_signoff(event, node)
    kind = event.disaster_type + (f"（{event.disaster_subtype}）" if event.disaster_subtype else "")
    process = f"{DRILL_MARK if event.drill else ''}{event.name}，{kind}，{EVENT_STATUS_NAMES.get(event.status, '')}"
    until = signoff.created_at if signoff is not None else clock.now()
    filled_by = signoff.created_by if signoff is not None else actor
    reviewer = signoff.reviewed_by if signoff is not None and signoff.status == "accepted" else None
    return [
        [TITLE],
        [f"填报单位：{node.name}（{node.code}）", f"灾害过程：{process}"],
        [f"统计时间：{local_minute_zh(event.started_at)} 至 {local_minute_zh(until)}"],
        [
            f"填报人：{filled_by.name or filled_by.username}",
            f"审核人：{(reviewer.name or reviewer.username) if reviewer is not None else ''}",
            f"报出日期：{local_day_zh(until)}",
        ],
    ]


def national_rollup_table(*, actor: User, event_id: int, org_unit_id: int | None = None) -> Table:
    """The live roll-up at a node in the 快报表 layout: its children, then 合计, under the header block."""
    event = get_event(actor=actor, event_id=event_id)
    node = rollup_service.resolve_node(actor=actor, event=event, org_unit_id=org_unit_id)
    data = rollup_service.compute_rollup(event=event, node=node, with_missing_units=False)
    columns = columns_for(event, data["figures"])

    def line(code: str, name: str, figures: dict[str, Any]) -> list[Any]:
        return [code, name, *(figures.get(key, 0) for key, _, _ in columns)]

    rows = [line(c["org_unit"]["code"], c["org_unit"]["name"], c["figures"]) for c in data["children"]]
    rows.append(line(TOTAL_LABEL, node.name, data["figures"]))
    stem = f"{DRILL_MARK if event.drill else ''}快报表-{event.name}-{node.name}"
    return Table(
        filename=f"{stem}.xlsx",
        fallback=f"rollup-national-{event.id}-{node.code}.xlsx",
        sheet_name="快报表",
        headers=[*HEAD, *(header for _, header, _ in columns)],
        kinds=["text", "text", *(kind for _, _, kind in columns)],
        rows=iter(rows),
        preamble=header_block(actor=actor, event=event, node=node),
    )
