"""The figures of a damage report (灾情指标): input schema, normalization, the PRODUCT.md rules, and output.

Shared by damage reports, the roll-up and exports: whole numbers stay ints, 公顷 and 万元 stay exact ``Decimal``
(never float) and leave the API as strings with two places (``"12.50"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, fields, validate

from server.damage.indicators import BY_KEY, INDICATOR_KEYS, INDICATORS, TYPE_SPECIFIC, indicators_for
from server.fields import InputSchema

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")
# Numeric(14, 2) holds 12 digits before the point; Integer columns hold 32-bit values.
MAX_DECIMAL = Decimal("999999999999.99")
MAX_WHOLE = 2_000_000_000

# 因旱饮水困难需救助人口 are people the drought affects: counted among 受灾人口 like the others.
PEOPLE_AT_MOST_AFFECTED = ("deaths", "missing", "injured", "relocated", "needing_aid", "drought_drinking_people")
HOUSE_CLASSES = ("collapsed", "severe", "general")
CROP_CHAIN = ("crops_affected_ha", "crops_damaged_ha", "crops_lost_ha")  # 受灾 ≥ 成灾 ≥ 绝收


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


def _whole(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True,  # 12.5 persons is an error, not 12
        validate=[validate.Range(min=0, error="不能小于 0"), validate.Range(max=MAX_WHOLE, error="数值过大")],
        error_messages={"invalid": "应为整数", "null": "不能为空"},
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
            errors[f"figures.{indicator.key}"] = [f"{indicator.only_for}灾害过程须填报{indicator.header}，没有请填 0"]
        elif indicator.only_for != disaster_type and stated:
            errors[f"figures.{indicator.key}"] = [
                f"{indicator.header}只在{indicator.only_for}灾害过程中填报，本次灾害过程为{disaster_type}"
            ]
    return errors


def is_zero(figures: Mapping[str, Any]) -> bool:
    """零报告: every figure is zero."""
    return all(not value for value in figures.values())


def rule_errors(figures: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every rule of PRODUCT.md that the figures break, as ``{"figures.<key>": ["中文原因"]}``; ``{}`` when valid."""
    f = normalize(figures)
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(f"figures.{key}", []).append(message)

    for key in PEOPLE_AT_MOST_AFFECTED:
        if f[key] > f["affected_population"]:
            add(key, f"{BY_KEY[key].label}不能大于受灾人口（{f[key]} > {f['affected_population']}）")
    parts = f["relocated_centralized"] + f["relocated_dispersed"]
    if f["relocated"] != parts:
        add(
            "relocated",
            f"紧急转移安置人口应等于集中安置与分散安置之和"
            f"（{f['relocated_centralized']} + {f['relocated_dispersed']} = {parts}，填报为 {f['relocated']}）",
        )
    for higher, lower in zip(CROP_CHAIN, CROP_CHAIN[1:], strict=False):
        if f[lower] > f[higher]:
            add(
                lower,
                f"{BY_KEY[lower].label}不能大于{BY_KEY[higher].label}"
                f"（{format_decimal(f[lower])} > {format_decimal(f[higher])} 公顷）",
            )
    for cls in HOUSE_CLASSES:
        households, rooms = f[f"houses_{cls}_households"], f[f"houses_{cls}_rooms"]
        if rooms < households:
            add(
                f"houses_{cls}_rooms",
                f"{BY_KEY[f'houses_{cls}_rooms'].label}间数不能少于户数（{rooms} 间 < {households} 户）",
            )
    return errors


def decreased(previous: Mapping[str, Any], figures: Mapping[str, Any]) -> list[str]:
    """The indicator keys whose value went down from ``previous`` to ``figures``."""
    before, after = normalize(previous), normalize(figures)
    return [key for key in INDICATOR_KEYS if after[key] < before[key]]


def indicator_name(key: str) -> str:
    """``houses_collapsed_rooms`` → ``倒塌房屋(间)``: the label a villager recognises."""
    return BY_KEY[key].header
