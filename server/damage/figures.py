"""The figures of a damage report (灾情指标): input schema, normalization, the PRODUCT.md rules, and output.

Shared by damage reports, the roll-up and exports: whole numbers stay ints, 公顷 and 万元 stay exact ``Decimal``
(never float) and leave the API as strings with two places (``"12.50"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, fields, validate

from server.damage.indicators import (
    BY_KEY,
    HOUSE_CLASSES,
    INDICATOR_KEYS,
    INDICATORS,
    TYPE_SPECIFIC,
    Indicator,
    indicators_for,
)
from server.fields import InputSchema

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")
# Numeric(14, 2) holds 12 digits before the point; Integer columns hold 32-bit values.
MAX_DECIMAL = Decimal("999999999999.99")
MAX_WHOLE = 2_000_000_000


def format_decimal(value: Decimal | int | None) -> str:
    """``Decimal("12.5")`` → ``"12.50"``: how areas and money leave the API and exports."""
    return f"{Decimal(value or 0).quantize(TWO_PLACES):f}"


_AMOUNT_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class Amount(fields.Field):
    """公顷 / 万元: a JSON number or string, ≥ 0, at most two decimal places, loaded as an exact Decimal."""

    default_error_messages = {
        "invalid": "应为数字",
        "null": "不能为空",
        "places": "最多保留两位小数",
        "negative": "不能小于 0",
        "too_large": "数值过大",
    }

    def _deserialize(self, value: Any, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        if isinstance(value, str) and not _AMOUNT_TEXT.fullmatch(value.strip()):
            raise self.make_error("invalid")  # Decimal() would also take "1_000", "１２" and "٣"
        try:
            # str() of a float is its shortest repr, i.e. the digits the client wrote in the JSON.
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("invalid")
        if number < 0:
            raise self.make_error("negative")
        if number > MAX_DECIMAL:
            raise self.make_error("too_large")
        if number != number.quantize(TWO_PLACES):
            raise self.make_error("places")
        return number.quantize(TWO_PLACES)

    def _serialize(self, value: Any, attr, obj, **kwargs) -> str | None:
        return None if value is None else format_decimal(value)


# What a bad whole number is told (published with the indicators, so the phone says the same).
WHOLE_MESSAGES = {"invalid": "应为整数", "null": "不能为空", "negative": "不能小于 0", "too_large": "数值过大"}


def _whole(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True,  # 12.5 persons is an error, not 12
        validate=[
            validate.Range(min=0, error=WHOLE_MESSAGES["negative"]),
            validate.Range(max=MAX_WHOLE, error=WHOLE_MESSAGES["too_large"]),
        ],
        error_messages={"invalid": WHOLE_MESSAGES["invalid"], "null": WHOLE_MESSAGES["null"]},
        **kwargs,
    )


def _amount(**kwargs) -> Amount:
    return Amount(**kwargs)


class _FiguresInBase(InputSchema):
    error_messages = {"unknown": "不是有效的灾情指标", "type": "应为对象"}


def _missing_value(indicator) -> Any:
    # A type-specific indicator loads as None when absent, so the service can tell "not stated" from 0.
    if indicator.only_for:
        return None
    return ZERO if indicator.decimal else 0


# Built from INDICATORS so a new indicator is one line in indicators.py (plus its column).
# Every indicator is optional: a missing key means 0 (PRODUCT.md), except that a type-specific one (干旱's) must be
# stated for an event of its type and may not be sent for any other (``type_errors``).
FiguresIn: type[Schema] = _FiguresInBase.from_dict(
    {i.key: (_amount if i.decimal else _whole)(load_default=_missing_value(i)) for i in INDICATORS},
    name="FiguresIn",
)


# Whole numbers as JSON numbers, areas and money as strings with two places.
def _out_field(indicator) -> fields.Field:
    # A type-specific indicator appears only on its type's events: documented as optional (x-optional).
    metadata = {"x-optional": True, "description": f"only for {indicator.only_for}"} if indicator.only_for else {}
    return Amount(metadata=metadata) if indicator.decimal else fields.Integer(metadata=metadata)


FiguresOut: type[Schema] = Schema.from_dict({i.key: _out_field(i) for i in INDICATORS}, name="FiguresOut")


def zero_figures() -> dict[str, int | Decimal]:
    return {i.key: ZERO if i.decimal else 0 for i in INDICATORS}


def normalize(figures: Mapping[str, Any] | None) -> dict[str, int | Decimal]:
    """Loaded figures → every key present, decimals quantized to two places."""
    out = zero_figures()
    for key, value in (figures or {}).items():
        if value is None:
            continue  # a type-specific indicator not stated
        out[key] = Decimal(value).quantize(TWO_PLACES) if BY_KEY[key].decimal else int(value)
    return out


def figures_of(source: Any) -> dict[str, int | Decimal]:
    """The raw figures of a report (or any object / mapping with the indicator keys), Decimals kept."""
    get = source.get if isinstance(source, Mapping) else lambda key, default=None: getattr(source, key, default)
    return normalize({key: get(key, 0) or 0 for key in INDICATOR_KEYS})


def figures_dict(source: Any, disaster_type: str | None = None) -> dict[str, int | str]:
    """JSON figures of a report, a roll-up row or a mapping: ints as numbers, decimals as ``"12.50"``; with a
    ``disaster_type``, only the indicators an event of that type holds."""
    values = figures_of(source)
    return {
        i.key: format_decimal(values[i.key]) if i.decimal else int(values[i.key]) for i in indicators_for(disaster_type)
    }


def canonical(figures: Mapping[str, Any]) -> dict[str, int | str]:
    """Normalized figures as plain JSON values, for payload hashes and audit rows.

    A type-specific indicator at 0 is left out, so the digest of a report filed before that indicator existed is
    still the digest of its resend."""
    out = figures_dict(figures)
    for indicator in TYPE_SPECIFIC:
        if not out[indicator.key]:
            del out[indicator.key]
    return out


def type_errors(figures: Mapping[str, Any] | None, disaster_type: str) -> dict[str, list[str]]:
    """Type-specific indicators as loaded (None = not stated): each must be stated for an event of its type and
    not sent for any other; ``{}`` when fine."""
    figures = figures or {}
    errors: dict[str, list[str]] = {}
    for indicator in TYPE_SPECIFIC:
        stated = figures.get(indicator.key) is not None
        if indicator.only_for == disaster_type and not stated:
            errors[f"figures.{indicator.key}"] = [stated_message(indicator)]
        elif indicator.only_for != disaster_type and stated:
            errors[f"figures.{indicator.key}"] = [
                f"{indicator.header}只在{indicator.only_for}灾害过程中填报，本次灾害过程为{disaster_type}"
            ]
    return errors


def is_zero(figures: Mapping[str, Any]) -> bool:
    """零报告: every figure is zero."""
    return all(not value for value in figures.values())


# ---- The figure rules of PRODUCT.md, declared once -------------------------------------------------------------------
# ``rule_errors`` checks them and ``GET /indicators`` publishes them (server/damage/vocabulary.py): the phone checks the
# same rules with the same words, built from what the server publishes. A message is a template: ``{<key>}`` is that
# figure as the API shows it (``12``, ``"8.20"``), ``{sum}`` the sum of the figures compared with.

# 因旱饮水困难需救助人口 are people the drought affects: counted among 受灾人口 like the others.
PEOPLE_AT_MOST_AFFECTED = ("deaths", "missing", "injured", "relocated", "needing_aid", "drought_drinking_people")
CROP_CHAIN = ("crops_affected_ha", "crops_damaged_ha", "crops_lost_ha")  # 受灾 ≥ 成灾 ≥ 绝收
RELOCATED_PARTS = ("relocated_centralized", "relocated_dispersed")
CHANGE_NOTE_MESSAGE = "以下指标比上次报告减少，请填写变动说明：{names}"  # names: indicator_name()s joined by 、
NAME_SEPARATOR = "、"


def _shown(key: str, value: int | Decimal) -> str:
    return format_decimal(value) if BY_KEY[key].decimal else str(int(value))


@dataclass(frozen=True)
class Rule:
    """``kind`` "gte": ``left`` ≥ the sum of ``right``; "sum": ``total`` = the sum of ``parts``. ``field``: the figure
    the message is reported on."""

    kind: str
    field: str
    message: str
    left: str = ""
    right: tuple[str, ...] = ()
    total: str = ""
    parts: tuple[str, ...] = ()

    def _sum(self, f: Mapping[str, Any]) -> int | Decimal:
        return sum((f[key] for key in (self.right if self.kind == "gte" else self.parts)), start=0)

    def holds(self, f: Mapping[str, Any]) -> bool:
        return f[self.left] >= self._sum(f) if self.kind == "gte" else f[self.total] == self._sum(f)

    def explain(self, f: Mapping[str, Any]) -> str:
        keys = (self.left, *self.right) if self.kind == "gte" else (self.total, *self.parts)
        values = {key: _shown(key, f[key]) for key in keys}
        total = self._sum(f)
        values["sum"] = format_decimal(total) if isinstance(total, Decimal) else str(total)
        return self.message.format_map(values)

    def published(self) -> dict[str, Any]:
        if self.kind == "gte":
            return {
                "kind": "gte",
                "field": self.field,
                "left": self.left,
                "right": list(self.right),
                "message": self.message,
            }
        return {
            "kind": "sum",
            "field": self.field,
            "total": self.total,
            "parts": list(self.parts),
            "message": self.message,
        }


def _label(key: str) -> str:
    return BY_KEY[key].label


RULES: tuple[Rule, ...] = (
    # 死亡、失踪、受伤、紧急转移安置、需紧急生活救助 (and 因旱饮水困难需救助人口) are among 受灾人口
    *(
        Rule(
            "gte",
            field=key,
            left="affected_population",
            right=(key,),
            message=f"{_label(key)}不能大于{_label('affected_population')}（{{{key}}} > {{affected_population}}）",
        )
        for key in PEOPLE_AT_MOST_AFFECTED
    ),
    # 紧急转移安置人口 = 其中集中安置 + 其中分散安置
    Rule(
        "sum",
        field="relocated",
        total="relocated",
        parts=RELOCATED_PARTS,
        message=f"{_label('relocated')}应等于集中安置与分散安置之和"
        "（{relocated_centralized} + {relocated_dispersed} = {sum}，填报为 {relocated}）",
    ),
    # 农作物受灾面积 ≥ 成灾面积 ≥ 绝收面积
    *(
        Rule(
            "gte",
            field=lower,
            left=higher,
            right=(lower,),
            message=f"{_label(lower)}不能大于{_label(higher)}（{{{lower}}} > {{{higher}}} {BY_KEY[lower].unit}）",
        )
        for higher, lower in zip(CROP_CHAIN, CROP_CHAIN[1:], strict=False)
    ),
    # each house class: 间数 ≥ 户数 (a household has at least one room)
    *(
        Rule(
            "gte",
            field=f"houses_{cls}_rooms",
            left=f"houses_{cls}_rooms",
            right=(f"houses_{cls}_households",),
            message=f"{_label(f'houses_{cls}_rooms')}间数不能少于户数"
            f"（{{houses_{cls}_rooms}} {BY_KEY[f'houses_{cls}_rooms'].unit} < "
            f"{{houses_{cls}_households}} {BY_KEY[f'houses_{cls}_households'].unit}）",
        )
        for cls in HOUSE_CLASSES
    ),
)


def stated_message(indicator: Indicator) -> str:
    """A type-specific indicator not stated for an event of its type."""
    return f"{indicator.only_for}灾害过程须填报{indicator.header}，没有请填 0"


def change_note_message(keys: list[str]) -> str:
    """Figures went down and no change note says why."""
    return CHANGE_NOTE_MESSAGE.format(names=NAME_SEPARATOR.join(indicator_name(key) for key in keys))


def rule_errors(figures: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every rule of ``RULES`` that the figures break, as ``{"figures.<key>": ["中文原因"]}``; ``{}`` when valid."""
    f = normalize(figures)
    errors: dict[str, list[str]] = {}
    for rule in RULES:
        if not rule.holds(f):
            errors.setdefault(f"figures.{rule.field}", []).append(rule.explain(f))
    return errors


def decreased(previous: Mapping[str, Any], figures: Mapping[str, Any]) -> list[str]:
    """The indicator keys whose value went down from ``previous`` to ``figures``."""
    before, after = normalize(previous), normalize(figures)
    return [key for key in INDICATOR_KEYS if after[key] < before[key]]


def indicator_name(key: str) -> str:
    """``houses_collapsed_rooms`` → ``倒塌房屋(间)``: the label a villager recognises."""
    return BY_KEY[key].header
