"""The damage indicators (灾情指标) of PRODUCT.md: key, 指标, unit, and whether the value is whole or decimal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    decimal: bool = False  # 公顷 and 万元: exact decimals with two places
    # The only disaster type whose events hold this indicator (None: every type). Elsewhere it is neither asked
    # for, accepted nor shown; for that type it must be stated, even as 0.
    only_for: str | None = None

    @property
    def header(self) -> str:
        """Column header for exports: ``受灾人口(人)``."""
        return f"{self.label}({self.unit})"


INDICATORS: tuple[Indicator, ...] = (
    Indicator("affected_population", "受灾人口", "人"),
    Indicator("deaths", "因灾死亡人口", "人"),
    Indicator("missing", "因灾失踪人口", "人"),
    Indicator("injured", "因灾受伤人口", "人"),
    Indicator("relocated", "紧急转移安置人口", "人"),
    Indicator("relocated_centralized", "其中集中安置", "人"),
    Indicator("relocated_dispersed", "其中分散安置", "人"),
    Indicator("needing_aid", "需紧急生活救助人口", "人"),
    Indicator("houses_collapsed_households", "倒塌房屋", "户"),
    Indicator("houses_collapsed_rooms", "倒塌房屋", "间"),
    Indicator("houses_severe_households", "严重损坏房屋", "户"),
    Indicator("houses_severe_rooms", "严重损坏房屋", "间"),
    Indicator("houses_general_households", "一般损坏房屋", "户"),
    Indicator("houses_general_rooms", "一般损坏房屋", "间"),
    Indicator("crops_affected_ha", "农作物受灾面积", "公顷", decimal=True),
    Indicator("crops_damaged_ha", "农作物成灾面积", "公顷", decimal=True),
    Indicator("crops_lost_ha", "农作物绝收面积", "公顷", decimal=True),
    Indicator("direct_loss_10k_yuan", "直接经济损失", "万元", decimal=True),
    # 干旱 only (自然灾害情况统计调查制度): people and large livestock who need help to get drinking water.
    Indicator("drought_drinking_people", "因旱饮水困难需救助人口", "人", only_for="干旱"),
    Indicator("drought_drinking_livestock", "因旱饮水困难需救助大牲畜", "头", only_for="干旱"),
)
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
BY_KEY = {i.key: i for i in INDICATORS}
TYPE_SPECIFIC: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.only_for)


def indicators_for(disaster_type: str | None) -> tuple[Indicator, ...]:
    """The indicators an event of this type holds, in national order (``None``: every indicator)."""
    if disaster_type is None:
        return INDICATORS
    return tuple(i for i in INDICATORS if i.only_for is None or i.only_for == disaster_type)


def required_for(disaster_type: str) -> tuple[Indicator, ...]:
    """Indicators a report of this type must state explicitly (a missing key is not read as 0)."""
    return tuple(i for i in TYPE_SPECIFIC if i.only_for == disaster_type)
