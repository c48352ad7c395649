"""Warnings: a township of twelve villages beside the shared tree, reviewers who issue, officers who answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server import clock

T0 = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai


@dataclass
class Township:
    unit: Any
    villages: list
    officers: list  # one reporter per village, same order


@pytest.fixture
def township12(tree, make_unit, make_user) -> Township:
    """A township of the test county with 12 villages, each with its officer (灾害信息员) and a phone."""
    town = make_unit("township", tree.county, name="丙镇")
    villages = [make_unit("village", town, name=f"丙{i + 1:02d}村") for i in range(12)]
    officers = [
        make_user("reporter", village, name=f"信息员{i + 1:02d}", phone=f"1380000{i + 1:04d}")
        for i, village in enumerate(villages)
    ]
    return Township(town, villages, officers)


@pytest.fixture
def at():
    """``at(minutes)``: set the clock to T0 + minutes."""

    def set_clock(minutes: float = 0) -> datetime:
        moment = T0 + timedelta(minutes=minutes)
        clock.set_now(moment)
        return moment

    return set_clock


def warning_body(targets: list[int], **overrides: Any) -> dict:
    return {
        "title": "暴雨红色预警",
        "body": "预计未来6小时内有特大暴雨，请立即组织危险区域群众转移。",
        "level": "red",
        "disaster_type": "洪涝",
        "target_org_unit_ids": targets,
        **overrides,
    }


def issue(api, targets: list[int], **overrides: Any) -> dict:
    response = api.post("/api/v1/warnings", json=warning_body(targets, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ack(api, warning_id: int, **body: Any):
    return api.post(f"/api/v1/warnings/{warning_id}/ack", json=body)
