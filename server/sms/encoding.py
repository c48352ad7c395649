"""The GR1 SMS format's primitives (server/sms/codec.py has the format): base-36 numbers, the MAC, the positional
number lists, amounts in hundredths, and text as code points (``X:<text>``)."""

from __future__ import annotations

import hashlib
import hmac
import re
from decimal import Decimal
from typing import Any

MAC_DIGITS = 8
MAC_BYTES = 5
FULL_WIDTH = 0xFF00  # U+FF00..U+FFFF are written as 0xB000 + offset
DIRECT_BELOW = 0xB000
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE36 = re.compile(r"[0-9A-Z]+")


class Malformed(ValueError):
    """Not a GR1 message (or a part of one) this decoder can read."""


class NoSmsForm(ValueError):
    """The item cannot go by SMS (free text, photos, a hazard, or too long for 3 parts)."""


def to36(number: int) -> str:
    if number < 0:
        raise NoSmsForm("negative number")
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


def from36(text: str) -> int:
    if not _BASE36.fullmatch(text):
        raise Malformed(f"not base 36: {text!r}")
    return int(text, 36)


def mac(key: str, signed: str) -> str:
    digest = hmac.new(key.encode(), signed.encode("ascii"), hashlib.sha256).digest()
    return to36(int.from_bytes(digest[:MAC_BYTES], "big")).rjust(MAC_DIGITS, "0")


def mac_valid(key: str, signed: str, given: str) -> bool:
    return hmac.compare_digest(mac(key, signed), given)


# --- the positional numbers -----------------------------------------------------------------------------------


def positional(values: list[int]) -> str:
    while values and values[-1] == 0:
        values = values[:-1]
    return ".".join(to36(v) if v else "" for v in values) or "0"


def unpositional(text: str, width: int) -> list[int]:
    parts = text.split(".")
    if len(parts) > width:
        raise Malformed("too many numbers")
    values = [from36(p) if p else 0 for p in parts]
    return values + [0] * (width - len(values))


def to_hundredths(value: Any) -> int:
    amount = Decimal(str(value if value is not None else 0))
    hundredths = amount * 100
    if hundredths != hundredths.to_integral_value() or hundredths < 0:
        raise NoSmsForm("an amount with more than two places")
    return int(hundredths)


def whole(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise NoSmsForm("not a number")
    number = Decimal(str(value))
    if number != number.to_integral_value() or number < 0:
        raise NoSmsForm("not a whole number")
    return int(number)


def amount_text(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def text_token(label: str, text: str) -> list[str]:
    """``<label>:<code points>``, or nothing for an empty text."""
    if not text:
        return []
    out = []
    for char in text:
        point = ord(char)
        if point < DIRECT_BELOW:
            out.append(to36(point).rjust(3, "0"))
        elif FULL_WIDTH <= point <= 0xFFFF:
            out.append(to36(point - FULL_WIDTH + DIRECT_BELOW).rjust(3, "0"))
        else:
            out.append("-" + to36(point).rjust(4, "0"))
    return [f"{label}:{''.join(out)}"]


def read_text(coded: str) -> str:
    chars, i = [], 0
    while i < len(coded):
        if coded[i] == "-":
            point, i = from36(coded[i + 1 : i + 5]), i + 5
            if len(coded) < i or point > 0x10FFFF:
                raise Malformed("bad text")
        else:
            value, i = from36(coded[i : i + 3]), i + 3
            if len(coded) < i:
                raise Malformed("bad text")
            point = value if value < DIRECT_BELOW else value - DIRECT_BELOW + FULL_WIDTH
            if point > 0xFFFF:
                raise Malformed("bad text")
        if 0xD800 <= point <= 0xDFFF:
            raise Malformed("bad text")
        chars.append(chr(point))
    if not chars:
        raise Malformed("empty text")
    return "".join(chars)


def decimal_text(value: Any) -> str:
    """A coordinate as the phone had it (the JSON number's shortest form): exact both ways."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NoSmsForm("not a number")
    text = repr(value) if isinstance(value, float) else str(value)
    if text.endswith(".0"):
        text = text[:-2]
    if not _DECIMAL_TEXT.fullmatch(text):
        raise NoSmsForm("a number in exponent form")
    return text


def number_of(text: str) -> int | float:
    if not _DECIMAL_TEXT.fullmatch(text):
        raise Malformed("bad number")
    return float(text) if "." in text else int(text)
