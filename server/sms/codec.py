"""The SMS form of an outbox item (短信报灾), format ``GR1``: encode, split into parts, reassemble, decode.

The same format is implemented in pwa/src/sms/codec.js; tests/fixtures/sms_examples.json holds examples both
implementations must encode and decode alike (tests/sms/test_codec.py, pwa/tests/sms.test.js). README.md "短信报灾"
is the specification; in short, a message is ASCII tokens separated by single spaces::

    GR1 <kind> <client_id> <context> <unit> <minute> <data...> <mac>

* kind: ``D`` damage report (灾情), ``E`` evacuation (转移), ``A`` warning acknowledgement (叫应).
* client_id: the item's UUID as a 128-bit number in base 36, 25 digits (lossless).
* context: the event id (D, E) or the warning id (A), base 36. unit: the org unit id, base 36 (``0``: not given).
* minute: when the message was composed, minutes since 1970-01-01 UTC, base 36.
* data, D: ``<stage><flags>`` (stage I 初报 / U 续报 / F 核报; flags Z: note 零报告：本村无灾情, N: note 本日无新增,
  G: the type-specific (干旱) indicators are stated) and the figures: every indicator in the order of
  server/damage/indicators.py, areas and money in hundredths, base 36, separated by ``.``, a zero written as
  nothing, trailing zeros left out, ``0`` when all are zero.
  E: the counts ``evacuated.centralized.dispersed.returned`` (same rule), then, when there are allocations,
  ``S<shelter>.<persons>.<shelter>.<persons>...``.  A: ``<households>.<persons>``, ``-`` for not given.
* mac: HMAC-SHA256 with the sender's SMS key over everything before `` <mac>``, its first 5 bytes as a number in
  base 36, 8 digits.

Everything is upper case; a decoder takes any case and any whitespace between tokens. Free text (notes, change
notes) does not go by SMS: an item with a note other than the two fixed ones above, or a change note, has no SMS
form, nor has a hazard (its title and place are free text) or anything with photos.

A message longer than 160 characters goes as at most 3 parts ``GR1 <i>/<n> <mac> <chunk>``: the chunks are the
message cut at most 143 characters apart, never next to a space, and are joined back in index order.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.damage.indicators import INDICATORS, TYPE_SPECIFIC

VERSION = "GR1"
SMS_LENGTH = 160
MAX_PARTS = 3
MAC_DIGITS = 8
MAC_BYTES = 5
CLIENT_ID_DIGITS = 25
PART_HEADER = len(f"{VERSION} 1/3 {'0' * MAC_DIGITS} ")  # 17
CHUNK_LENGTH = SMS_LENGTH - PART_HEADER  # 143

KINDS = {"D": "damage", "E": "evacuation", "A": "ack"}
KIND_LETTERS = {name: letter for letter, name in KINDS.items()}
STAGES = {"I": "initial", "U": "update", "F": "final"}
STAGE_LETTERS = {name: letter for letter, name in STAGES.items()}
# The notes an SMS can carry: the PWA's one-tap reports (pwa/src/rules/stage.js).
NOTES = {"Z": "零报告：本村无灾情", "N": "本日无新增"}
NOTE_FLAGS = {text: flag for flag, text in NOTES.items()}
COUNTS = ("evacuated", "centralized", "dispersed", "returned")
GENERAL = tuple(i for i in INDICATORS if not i.only_for)
SPECIFIC_KEYS = frozenset(i.key for i in TYPE_SPECIFIC)

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE36 = re.compile(r"[0-9A-Z]+")
_PART = re.compile(r"([1-3])/([1-3])")


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


def _positional(values: list[int]) -> str:
    while values and values[-1] == 0:
        values = values[:-1]
    return ".".join(to36(v) if v else "" for v in values) or "0"


def _unpositional(text: str, width: int) -> list[int]:
    parts = text.split(".")
    if len(parts) > width:
        raise Malformed("too many numbers")
    values = [from36(p) if p else 0 for p in parts]
    return values + [0] * (width - len(values))


def _hundredths(value: Any) -> int:
    amount = Decimal(str(value if value is not None else 0))
    hundredths = amount * 100
    if hundredths != hundredths.to_integral_value() or hundredths < 0:
        raise NoSmsForm("an amount with more than two places")
    return int(hundredths)


def _whole(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise NoSmsForm("not a number")
    number = Decimal(str(value))
    if number != number.to_integral_value() or number < 0:
        raise NoSmsForm("not a whole number")
    return int(number)


def _amount_text(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


# --- messages -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A decoded message: what the item is, and the body the HTTP API takes for it (without client_id and unit)."""

    kind: str
    client_id: str
    context_id: int  # event id (damage, evacuation) or warning id (ack)
    unit_id: int | None
    minute: int
    body: dict[str, Any]
    signed: str  # the text the MAC covers
    mac: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "client_id": self.client_id,
            "context_id": self.context_id,
            "unit_id": self.unit_id,
            "minute": self.minute,
            "body": self.body,
        }


def _data_tokens(kind: str, body: dict[str, Any]) -> list[str]:
    if kind == "damage":
        if (body.get("change_note") or "").strip():
            raise NoSmsForm("a change note is free text")
        note = (body.get("note") or "").strip()
        flags = ""
        if note:
            if note not in NOTE_FLAGS:
                raise NoSmsForm("a note is free text")
            flags += NOTE_FLAGS[note]
        figures = body.get("figures") or {}
        unknown = set(figures) - {i.key for i in INDICATORS}
        if unknown:
            raise NoSmsForm(f"unknown figures {sorted(unknown)}")
        if any(figures.get(key) is not None for key in SPECIFIC_KEYS):
            flags += "G"
        values = [_hundredths(figures.get(i.key)) if i.decimal else _whole(figures.get(i.key)) for i in INDICATORS]
        if body.get("stage") not in STAGE_LETTERS:
            raise NoSmsForm("unknown stage")
        return [STAGE_LETTERS[body["stage"]] + flags, _positional(values)]
    if kind == "evacuation":
        if (body.get("note") or "").strip():
            raise NoSmsForm("a note is free text")
        tokens = [_positional([_whole(body.get(key)) for key in COUNTS])]
        allocations = body.get("allocations") or []
        if allocations:
            pairs = [n for a in allocations for n in (_whole(a.get("shelter_id")), _whole(a.get("persons")))]
            tokens.append("S" + ".".join(to36(n) for n in pairs))
        return tokens
    if kind == "ack":
        if (body.get("note") or "").strip():
            raise NoSmsForm("a note is free text")

        def given(key: str) -> str:
            value = body.get(key)
            return "-" if value is None or value == "" else to36(_whole(value))

        return [f"{given('households_notified')}.{given('persons_notified')}"]
    raise NoSmsForm(f"{kind} has no SMS form")


def encode(
    *, kind: str, client_id: str, context_id: int, unit_id: int | None, minute: int, body: dict[str, Any], key: str
) -> list[str]:
    """The SMS texts (one, or up to 3 parts) of an item; NoSmsForm when it has none."""
    if kind not in KIND_LETTERS:
        raise NoSmsForm(f"{kind} has no SMS form")
    tokens = [
        VERSION,
        KIND_LETTERS[kind],
        to36(uuid.UUID(str(client_id)).int).rjust(CLIENT_ID_DIGITS, "0"),
        to36(int(context_id)),
        to36(int(unit_id or 0)),
        to36(int(minute)),
        *_data_tokens(kind, body),
    ]
    signed = " ".join(tokens)
    return split(f"{signed} {mac(key, signed)}")


def split(text: str) -> list[str]:
    """One SMS, or at most 3 numbered parts of it."""
    if len(text) <= SMS_LENGTH:
        return [text]
    code = text[-MAC_DIGITS:]
    chunks, start = [], 0
    while start < len(text):
        end = min(start + CHUNK_LENGTH, len(text))
        while end < len(text) and (text[end - 1] == " " or text[end] == " "):
            end -= 1
        chunks.append(text[start:end])
        start = end
    if len(chunks) > MAX_PARTS:
        raise NoSmsForm("longer than 3 SMS")
    return [f"{VERSION} {i}/{len(chunks)} {code} {chunk}" for i, chunk in enumerate(chunks, 1)]


@dataclass(frozen=True)
class Part:
    index: int
    total: int
    mac: str
    chunk: str


def read_part(text: str) -> Part | None:
    """A part's header and chunk, or None when ``text`` is a whole message. Malformed when it is neither."""
    tokens = text.strip().upper().split(None, 3)
    if len(tokens) < 2 or tokens[0] != VERSION:
        raise Malformed("not a GR1 message")
    match = _PART.fullmatch(tokens[1])
    if match is None:
        return None
    index, total = int(match[1]), int(match[2])
    if len(tokens) != 4 or not 2 <= total <= MAX_PARTS or index > total or len(tokens[2]) != MAC_DIGITS:
        raise Malformed("a bad part")
    from36(tokens[2])
    return Part(index, total, tokens[2], tokens[3].strip())


def join(chunks: list[str]) -> str:
    """The message the parts (in index order) were cut from."""
    return "".join(chunk.strip() for chunk in chunks)


def decode(text: str) -> Message:
    """A whole message → Message (its MAC not checked: the key depends on the sender). Malformed otherwise."""
    tokens = text.upper().split()
    if len(tokens) < 8 or tokens[0] != VERSION:
        raise Malformed("not a GR1 message")
    kind = KINDS.get(tokens[1])
    if kind is None:
        raise Malformed("unknown kind")
    code = tokens[-1]
    if len(code) != MAC_DIGITS:
        raise Malformed("bad MAC")
    from36(code)
    if len(tokens[2]) != CLIENT_ID_DIGITS:
        raise Malformed("bad client id")
    number = from36(tokens[2])
    if number >= 1 << 128:
        raise Malformed("bad client id")
    client_id = str(uuid.UUID(int=number))
    context_id, unit_id, minute = from36(tokens[3]), from36(tokens[4]), from36(tokens[5])
    data = tokens[6:-1]
    body = _decode_body(kind, data)
    return Message(
        kind=kind,
        client_id=client_id,
        context_id=context_id,
        unit_id=unit_id or None,
        minute=minute,
        body=body,
        signed=" ".join(tokens[:-1]),
        mac=code,
    )


def _decode_body(kind: str, data: list[str]) -> dict[str, Any]:
    if kind == "damage":
        if len(data) != 2:
            raise Malformed("a damage report has two data tokens")
        head, numbers = data
        stage = STAGES.get(head[:1])
        flags = head[1:]
        if stage is None or any(f not in "ZNG" for f in flags) or len(set(flags)) != len(flags):
            raise Malformed("bad stage or flags")
        if "Z" in flags and "N" in flags:
            raise Malformed("two notes")
        values = _unpositional(numbers, len(INDICATORS))
        figures: dict[str, Any] = {}
        for indicator, value in zip(INDICATORS, values, strict=True):
            if indicator.only_for and "G" not in flags:
                if value:
                    raise Malformed("type-specific figures not flagged")
                continue
            figures[indicator.key] = _amount_text(value) if indicator.decimal else value
        note = next((NOTES[f] for f in flags if f in NOTES), "")
        return {"stage": stage, "figures": figures, "note": note, "change_note": ""}
    if kind == "evacuation":
        if len(data) not in (1, 2):
            raise Malformed("an evacuation has one or two data tokens")
        body: dict[str, Any] = dict(zip(COUNTS, _unpositional(data[0], len(COUNTS)), strict=True))
        allocations = []
        if len(data) == 2:
            if not data[1].startswith("S"):
                raise Malformed("bad allocations")
            numbers = [from36(n) for n in data[1][1:].split(".")]
            if len(numbers) % 2:
                raise Malformed("bad allocations")
            allocations = [{"shelter_id": numbers[i], "persons": numbers[i + 1]} for i in range(0, len(numbers), 2)]
        body["allocations"] = allocations
        body["note"] = ""
        return body
    # ack
    if len(data) != 1 or data[0].count(".") != 1:
        raise Malformed("an acknowledgement has one data token")
    households, persons = (None if t == "-" else from36(t) for t in data[0].split("."))
    return {"households_notified": households, "persons_notified": persons, "note": ""}
