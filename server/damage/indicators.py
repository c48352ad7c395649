"""The damage indicators (灾情指标) of PRODUCT.md: key, 指标, unit, and whether the value is whole or decimal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    decimal: bool = False  # 公顷 and 万元: exact decimals with two places

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
)
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
BY_KEY = {i.key: i for i in INDICATORS}
