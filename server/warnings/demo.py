"""A demo warning: the county's red rainstorm warning to 秋口镇, answered by 秋口村 and waiting on its neighbours."""

from __future__ import annotations

import uuid

from server.warnings.acks import acknowledge
from server.warnings.service import issue_warning


def seed(context) -> None:
    # Demo phones (演示号码) for the officers and the duty reviewers, so the acknowledgement board and the
    # escalation messages have numbers to call.
    for number, user in enumerate(context.users.values(), start=1):
        if user.role in ("reporter", "reviewer") and not user.phone:
            user.phone = f"{138 if user.role == 'reporter' else 139}{number:08d}"
    warning = issue_warning(
        actor=context.users["county_reviewer"],
        title="暴雨红色预警",
        body="婺源县气象台发布暴雨红色预警：未来6小时秋口镇累计降雨量将达100毫米以上，山洪、地质灾害风险极高。"
        "请立即通知危险区域群众转移，落实“到村、到户、到人”。",
        level="red",
        disaster_type="洪涝",
        target_org_unit_ids=[context.units["361130102"].id],
    )
    acknowledge(
        actor=context.users["village_reporter"],
        warning_id=warning.id,
        client_id=uuid.uuid5(uuid.NAMESPACE_URL, "gridreport-demo-warning-ack:秋口村"),
        households_notified=86,
        persons_notified=243,
        note="已通过大喇叭和电话通知，危险区群众正在转移",
    )
