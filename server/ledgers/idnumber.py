"""公民身份号码 (GB 11643-1999): validation of the check digit, and masking.

An ID number is personal data. It is stored whole (the county needs it for aid payments), but it leaves the server
masked (first 6 and last 4 characters: ``361130********1234``) everywhere except the audited reveal. Messages about
a bad number never repeat it: a typo of a real number is as personal as the number.
"""

from __future__ import annotations

import re
from datetime import date

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by the weighted sum mod 11
MASK = "*" * 8


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(value: str | None) -> str:
    """Spaces dropped and a lower-case x as X; ``""`` for no number."""
    return re.sub(r"\s+", "", value or "").upper()


def problem(value: str) -> str | None:
    """Why a normalized number is not a valid 18-digit ID number (Chinese), or None when it is."""
    if not value:
        return None
    if not _SHAPE.fullmatch(value):
        return "身份证号码应为 18 位：17 位数字加 1 位校验码（数字或 X）"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1880:
        return "身份证号码中的出生日期无效"
    if check_digit(value[:17]) != value[17]:
        return "身份证号码校验码不正确，请核对"
    return None


def mask(value: str | None) -> str:
    """``361130********1234``: the first 6 (the issuing area) and last 4 characters; ``""`` for no number."""
    if not value:
        return ""
    if len(value) <= 10:
        return MASK
    return f"{value[:6]}{MASK}{value[-4:]}"
