"""The SMS form of an outbox item (短信报灾), format ``GR1``: encode, split into parts, reassemble, decode.

The same format is implemented in pwa/src/sms/codec.js; tests/fixtures/sms_examples.json holds examples both
implementations must encode and decode alike (tests/sms/test_codec.py, pwa/tests/sms.test.js). README.md "短信报灾"
is the specification; in short, a message is ASCII tokens separated by single spaces::

    GR1 <kind> <client_id> <context> <unit> <minute> <data...> <mac>

* kind: ``D`` damage report (灾情), ``E`` evacuation (转移), ``A`` warning acknowledgement (叫应), ``H`` hazard (隐患).
* client_id: the item's UUID as a 128-bit number in base 36, 25 digits (lossless).
* context: the event id (D, E), the warning id (A), ``0`` (H), base 36. unit: the org unit id, base 36 (``0``: not
  given).
* minute: when the message was composed, minutes since 1970-01-01 UTC, base 36.
* data, D: ``<stage><flags>`` (stage I 初报 / U 续报 / F 核报; flags Z: note 零报告：本村无灾情, N: note 本日无新增,
  G: the type-specific (干旱) indicators are stated) and the figures: every indicator in the order of
  server/damage/indicators.py, areas and money in hundredths, base 36, separated by ``.``, a zero written as
  nothing, trailing zeros left out, ``0`` when all are zero.
  Then, when not empty, ``N:<text>`` (any other note) and ``C:<text>`` (the change note).
  E: the counts ``evacuated.centralized.dispersed.returned`` (same rule), then, when there are allocations,
  ``S<shelter>.<persons>.<shelter>.<persons>...``, then ``N:<text>`` for a note.
  A: ``<households>.<persons>``, ``-`` for not given, then ``N:<text>`` for a note.
  H: ``<category><risk>`` (two base-36 digits: the index in CATEGORY_CODES and RISK_CODES), the threatened
  ``households.persons`` (positional), ``found_at`` as seconds since 1970 UTC in base 36, ``L<lat>,<lon>[,<accuracy>]``
  (decimal text, as the phone had them) when there is a position, then ``T:<title>``, ``D:<description>``,
  ``A:<address>`` when not empty.
* text (``X:<text>``): every character as its Unicode code point in 3 base-36 digits (below U+B000 as is; U+FF00 to
  U+FFFF, the full-width forms such as ，, as 0xB000 + its offset), any other character as ``-`` and 4 digits. Text
  goes whole, so the record is the same one the app's HTTP send later makes; it costs 3 characters a character, so
  a long note may take 2 or 3 SMS.
* mac: HMAC-SHA256 with the sender's SMS key over everything before `` <mac>``, its first 5 bytes as a number in
  base 36, 8 digits.

Everything is upper case; a decoder takes any case and any whitespace between tokens. Photos never go by SMS (a
report's photos follow over HTTP); an item whose SMS would need more than 3 parts has no SMS form.

A message longer than 160 characters goes as at most 3 parts ``GR1 <i>/<n> <mac> <chunk>``: the chunks are the
message cut at most 143 characters apart, never next to a space, and are joined back in index order.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.damage.indicators import INDICATORS, TYPE_SPECIFIC
from server.sms.encoding import (
    MAC_DIGITS,
    Malformed,
    NoSmsForm,
    amount_text,
    decimal_text,
    from36,
    mac,
    number_of,
    positional,
    read_text,
    text_token,
    to36,
    to_hundredths,
    unpositional,
    whole,
)

VERSION = "GR1"
SMS_LENGTH = 160
MAX_PARTS = 3
CLIENT_ID_DIGITS = 25
PART_HEADER = len(f"{VERSION} 1/3 {'0' * MAC_DIGITS} ")  # 17
CHUNK_LENGTH = SMS_LENGTH - PART_HEADER  # 143

KINDS = {"D": "damage", "E": "evacuation", "A": "ack", "H": "hazard"}
KIND_LETTERS = {name: letter for letter, name in KINDS.items()}
STAGES = {"I": "initial", "U": "update", "F": "final"}
STAGE_LETTERS = {name: letter for letter, name in STAGES.items()}
# The notes an SMS can carry: the PWA's one-tap reports (pwa/src/rules/stage.js).
NOTES = {"Z": "零报告：本村无灾情", "N": "本日无新增"}
NOTE_FLAGS = {text: flag for flag, text in NOTES.items()}
COUNTS = ("evacuated", "centralized", "dispersed", "returned")
# server/hazards/models.py CATEGORIES and RISK_LEVELS, in their order: a hazard's codes are indexes into these.
CATEGORY_CODES = (
    "landslide",
    "collapse",
    "debris_flow",
    "ground_subsidence",
    "flash_flood",
    "waterlogging",
    "embankment",
    "reservoir",
    "dangerous_house",
    "forest_fire",
    "road_bridge",
    "work_safety",
    "other",
)
RISK_CODES = ("low", "medium", "high", "major")
GENERAL = tuple(i for i in INDICATORS if not i.only_for)
SPECIFIC_KEYS = frozenset(i.key for i in TYPE_SPECIFIC)

_PART = re.compile(r"([1-3])/([1-3])")


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
        note = body.get("note") or ""
        flags = NOTE_FLAGS.get(note, "")
        texts = [] if flags else text_token("N", note)
        texts += text_token("C", body.get("change_note") or "")
        figures = body.get("figures") or {}
        unknown = set(figures) - {i.key for i in INDICATORS}
        if unknown:
            raise NoSmsForm(f"unknown figures {sorted(unknown)}")
        if any(figures.get(key) is not None for key in SPECIFIC_KEYS):
            flags += "G"
        values = [to_hundredths(figures.get(i.key)) if i.decimal else whole(figures.get(i.key)) for i in INDICATORS]
        if body.get("stage") not in STAGE_LETTERS:
            raise NoSmsForm("unknown stage")
        return [STAGE_LETTERS[body["stage"]] + flags, positional(values), *texts]
    if kind == "evacuation":
        tokens = [positional([whole(body.get(key)) for key in COUNTS])]
        allocations = body.get("allocations") or []
        if allocations:
            pairs = [n for a in allocations for n in (whole(a.get("shelter_id")), whole(a.get("persons")))]
            tokens.append("S" + ".".join(to36(n) for n in pairs))
        return tokens + text_token("N", body.get("note") or "")
    if kind == "ack":

        def given(key: str) -> str:
            value = body.get(key)
            return "-" if value is None or value == "" else to36(whole(value))

        return [f"{given('households_notified')}.{given('persons_notified')}", *text_token("N", body.get("note") or "")]
    if kind == "hazard":
        return _hazard_tokens(body)
    raise NoSmsForm(f"{kind} has no SMS form")


def _hazard_tokens(body: dict[str, Any]) -> list[str]:
    if body.get("category") not in CATEGORY_CODES or body.get("risk_level") not in RISK_CODES:
        raise NoSmsForm("unknown category or risk level")
    if not body.get("title"):
        raise NoSmsForm("a hazard needs its title")
    found = _seconds(body.get("found_at"))
    counts = [whole(body.get("threatened_households")), whole(body.get("threatened_persons"))]
    tokens = [
        to36(CATEGORY_CODES.index(body["category"])) + to36(RISK_CODES.index(body["risk_level"])),
        positional(counts),
        to36(found),
    ]
    if body.get("lat") is not None or body.get("lon") is not None:
        place = [decimal_text(body.get("lat")), decimal_text(body.get("lon"))]
        if body.get("accuracy_m") is not None:
            place.append(decimal_text(body["accuracy_m"]))
        tokens.append("L" + ",".join(place))
    elif body.get("accuracy_m") is not None:
        raise NoSmsForm("an accuracy without a position")
    return [
        *tokens,
        *text_token("T", body["title"]),
        *text_token("D", body.get("description") or ""),
        *text_token("A", body.get("address") or ""),
    ]


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})")


def _seconds(text: Any) -> int:
    """An ISO time with its offset, to whole seconds (what the phone sends as ``found_at``), as Unix seconds."""
    match = _ISO.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise NoSmsForm("found_at is not an ISO time with an offset")
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


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


def _texts(tokens: list[str], labels: str) -> dict[str, str]:
    """``X:<text>`` tokens, each label at most once and in the order of ``labels``."""
    out: dict[str, str] = {}
    order = -1
    for token in tokens:
        label, colon, coded = token.partition(":")
        if not colon or len(label) != 1 or label not in labels or labels.index(label) <= order:
            raise Malformed("bad text token")
        order = labels.index(label)
        out[label] = read_text(coded)
    return out


def _decode_body(kind: str, data: list[str]) -> dict[str, Any]:
    if kind == "damage":
        if len(data) < 2:
            raise Malformed("a damage report has two data tokens")
        head, numbers = data[:2]
        texts = _texts(data[2:], "NC")
        stage = STAGES.get(head[:1])
        flags = head[1:]
        if stage is None or any(f not in "ZNG" for f in flags) or len(set(flags)) != len(flags):
            raise Malformed("bad stage or flags")
        if "Z" in flags and "N" in flags:
            raise Malformed("two notes")
        values = unpositional(numbers, len(INDICATORS))
        figures: dict[str, Any] = {}
        for indicator, value in zip(INDICATORS, values, strict=True):
            if indicator.only_for and "G" not in flags:
                if value:
                    raise Malformed("type-specific figures not flagged")
                continue
            figures[indicator.key] = amount_text(value) if indicator.decimal else value
        note = next((NOTES[f] for f in flags if f in NOTES), "")
        if note and "N" in texts:
            raise Malformed("two notes")
        return {
            "stage": stage,
            "figures": figures,
            "note": note or texts.get("N", ""),
            "change_note": texts.get("C", ""),
        }
    if kind == "evacuation":
        if not data:
            raise Malformed("an evacuation has its counts")
        body: dict[str, Any] = dict(zip(COUNTS, unpositional(data[0], len(COUNTS)), strict=True))
        rest = data[1:]
        allocations = []
        if rest and rest[0].startswith("S"):
            numbers = [from36(n) for n in rest.pop(0)[1:].split(".")]
            if len(numbers) % 2:
                raise Malformed("bad allocations")
            allocations = [{"shelter_id": numbers[i], "persons": numbers[i + 1]} for i in range(0, len(numbers), 2)]
        body["allocations"] = allocations
        body["note"] = _texts(rest, "N").get("N", "")
        return body
    if kind == "hazard":
        return _decode_hazard(data)
    # ack
    if not data or data[0].count(".") != 1:
        raise Malformed("an acknowledgement has one data token")
    households, persons = (None if t == "-" else from36(t) for t in data[0].split("."))
    note = _texts(data[1:], "N").get("N", "")
    return {"households_notified": households, "persons_notified": persons, "note": note}


def _decode_hazard(data: list[str]) -> dict[str, Any]:
    if len(data) < 4 or len(data[0]) != 2:
        raise Malformed("a hazard has its codes, counts, time and title")
    category, risk = from36(data[0][0]), from36(data[0][1])
    if category >= len(CATEGORY_CODES) or risk >= len(RISK_CODES):
        raise Malformed("unknown category or risk level")
    households, persons = unpositional(data[1], 2)
    seconds = from36(data[2])
    if seconds > 4_102_444_800:  # 2100
        raise Malformed("bad time")
    rest = data[3:]
    place: dict[str, Any] = {"lat": None, "lon": None, "accuracy_m": None}
    if rest and rest[0].startswith("L"):
        numbers = [number_of(n) for n in rest.pop(0)[1:].split(",")]
        if len(numbers) not in (2, 3):
            raise Malformed("bad position")
        place = {"lat": numbers[0], "lon": numbers[1], "accuracy_m": numbers[2] if len(numbers) == 3 else None}
    texts = _texts(rest, "TDA")
    if "T" not in texts:
        raise Malformed("a hazard needs its title")
    return {
        "category": CATEGORY_CODES[category],
        "risk_level": RISK_CODES[risk],
        "title": texts["T"],
        "description": texts.get("D", ""),
        "address": texts.get("A", ""),
        **place,
        "threatened_households": households,
        "threatened_persons": persons,
        "found_at": datetime.fromtimestamp(seconds, UTC).isoformat(),
    }
