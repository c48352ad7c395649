"""The damage indicators (灾情指标) of PRODUCT.md: key, 指标, unit, the group a form shows it in, and whether the
value is whole or decimal. Published as ``GET /indicators`` (server/damage/vocabulary.py): clients build their forms
from it and keep no copy."""

from __future__ import annotations

from dataclasses import dataclass

from server.ledgers.models import DAMAGE_CLASSES


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    group: str  # a key of GROUPS
    decimal: bool = False  # 公顷 and 万元: exact decimals with two places
    # The only disaster type whose events hold this indicator (None: every type). Elsewhere it is neither asked
    # for, accepted nor shown; for that type it must be stated, even as 0.
    only_for: str | None = None
    hint: str = ""  # extra words a form shows under the label (not part of any message)

    @property
    def header(self) -> str:
        """Column header for exports: ``受灾人口(人)``."""
        return f"{self.label}({self.unit})"


# The headings a form groups the indicators under, in the order it shows them: plain words a villager recognises.
GROUPS: tuple[tuple[str, str], ...] = (
    ("people", "人员"),
    ("drought", "因旱饮水困难"),
    ("houses", "房屋"),
    ("crops", "农作物"),
    ("loss", "经济损失"),
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator("affected_population", "受灾人口", "人", "people"),
    Indicator("deaths", "因灾死亡人口", "人", "people"),
    Indicator("missing", "因灾失踪人口", "人", "people"),
    Indicator("injured", "因灾受伤人口", "人", "people"),
    Indicator("relocated", "紧急转移安置人口", "人", "people"),
    Indicator("relocated_centralized", "其中集中安置", "人", "people"),
    Indicator("relocated_dispersed", "其中分散安置", "人", "people"),
    Indicator("needing_aid", "需紧急生活救助人口", "人", "people"),
    Indicator("houses_collapsed_households", "倒塌房屋", "户", "houses"),
    Indicator("houses_collapsed_rooms", "倒塌房屋", "间", "houses"),
    Indicator("houses_severe_households", "严重损坏房屋", "户", "houses"),
    Indicator("houses_severe_rooms", "严重损坏房屋", "间", "houses"),
    Indicator("houses_general_households", "一般损坏房屋", "户", "houses"),
    Indicator("houses_general_rooms", "一般损坏房屋", "间", "houses"),
    Indicator("crops_affected_ha", "农作物受灾面积", "公顷", "crops", decimal=True, hint="减产 1 成以上"),
    Indicator("crops_damaged_ha", "农作物成灾面积", "公顷", "crops", decimal=True, hint="减产 3 成以上"),
    Indicator("crops_lost_ha", "农作物绝收面积", "公顷", "crops", decimal=True, hint="减产 8 成以上"),
    Indicator("direct_loss_10k_yuan", "直接经济损失", "万元", "loss", decimal=True),
    # 干旱 only (自然灾害情况统计调查制度): people and large livestock who need help to get drinking water.
    Indicator("drought_drinking_people", "因旱饮水困难需救助人口", "人", "drought", only_for="干旱"),
    Indicator("drought_drinking_livestock", "因旱饮水困难需救助大牲畜", "头", "drought", only_for="干旱"),
)
# The house classes of the houses_<class>_households / _rooms figures: the housing ledger's damage classes, in its
# order (collapsed, severe, general).
HOUSE_CLASSES: tuple[str, ...] = tuple(DAMAGE_CLASSES)
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
